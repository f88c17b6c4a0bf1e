"""Nightly enrichment of lists still being built and weekly re-verification of lists about to be
deployed. Which lists qualify is an operations rule; the schedules only turn them into runs, tagged
with their list so the run queue keeps one run per list."""

import datetime

import dagster as dg

from outsignal_pipelines.defs.enrichment.jobs import enrichment_job, reverify_job
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.run_steps import BY_TAG, KIND_TAG, LIST_TAG
from outsignal_pipelines.operations.enrichment.list_enrichment import (
    lists_needing_enrichment,
    lists_needing_reverification,
)


def _tick_day(context: dg.ScheduleEvaluationContext) -> str:
    """The tick's date, so a tick retried by the daemon never launches the same run twice."""
    try:
        when = context.scheduled_execution_time
    except Exception:  # noqa: BLE001 - a context built by hand has none
        when = None
    return (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")


def _runs(context: dg.ScheduleEvaluationContext, ids: list[str], prefix: str, kind: str) -> list[dg.RunRequest]:
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    day = _tick_day(context)
    return [dg.RunRequest(partition_key=i, run_key=f"{prefix}-{i}-{day}",
                          tags={LIST_TAG: i, BY_TAG: "schedule", KIND_TAG: kind})
            for i in ids if i in known]


@dg.schedule(job=enrichment_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Nightly: enrich members added to lists still being built (ledger-gated, capped).")
def nightly_enrichment(context: dg.ScheduleEvaluationContext, store: StoreResource):
    with store.bound():
        ids = lists_needing_enrichment()
    return _runs(context, ids, "nightly", "enrich") or dg.SkipReason(
        "no list in 'building' has members left to enrich")


@dg.schedule(job=reverify_job, cron_schedule="0 3 * * 1", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Weekly: re-verify 'valid' emails older than 90 days on lists about to be deployed.")
def weekly_reverification(context: dg.ScheduleEvaluationContext, store: StoreResource):
    with store.bound():
        ids = lists_needing_reverification()
    return _runs(context, ids, "reverify", "reverify") or dg.SkipReason(
        "no list about to be deployed has stale verifications")

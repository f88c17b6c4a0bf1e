"""Requests runs only: an outcomes run of a list when it has new events, and a nightly backfill of
every deployed list. Which lists qualify is an operations rule."""

import datetime
import json

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.outcomes.jobs import backfill_job, outcomes_job
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.run_steps import BY_TAG, KIND_TAG, LIST_TAG
from outsignal_pipelines.operations.campaign_events import event_markers
from outsignal_pipelines.operations.outcomes_backfill import deployed_list_ids


@dg.sensor(name="new_campaign_events", job=outcomes_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests a list's outcomes run when new EmailBison events were stored for it.")
def new_campaign_events_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    with store.bound():
        markers = event_markers()
    seen = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    changed = [list_id for list_id, marker in markers.items() if seen.get(list_id) != marker and list_id in known]
    context.update_cursor(json.dumps({k: v for k, v in markers.items() if k in known}))
    if not changed:
        return dg.SkipReason("no new events for any list")
    return [dg.RunRequest(partition_key=list_id, run_key=f"outcomes-{list_id}-{markers[list_id]}",
                          tags={LIST_TAG: list_id, BY_TAG: "sensor", KIND_TAG: "outcomes"}) for list_id in changed]


@dg.schedule(job=backfill_job, cron_schedule="30 3 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Nightly: pull every deployed list's facts from EmailBison, for events the webhook missed.")
def nightly_outcomes_backfill(context: dg.ScheduleEvaluationContext, store: StoreResource):
    with store.bound():
        ids = deployed_list_ids()
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    try:
        when = context.scheduled_execution_time
    except Exception:  # noqa: BLE001 - a context built by hand has none
        when = None
    day = (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")
    return [dg.RunRequest(partition_key=i, run_key=f"backfill-{i}-{day}",
                          tags={LIST_TAG: i, BY_TAG: "schedule", KIND_TAG: "outcomes"}) for i in ids if i in known]

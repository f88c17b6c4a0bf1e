"""Enrichment assets per TargetList partition: the person waterfall, the company waterfall with its
homepage crawl cache, and email verification. Each is a thin caller of operations.enrichment and
reports what it found and paid as metadata; they share the `enrichment` pool so runs never race each
other on the store or on the vendors' rate limits."""

import warnings

import dagster as dg

# Partitioned asset checks are a preview feature in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")

from outsignal_pipelines.defs.partitions import TARGET_LISTS, target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations import progress
from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list
from outsignal_pipelines.operations.enrichment.ledger import spent_today
from outsignal_pipelines.operations.enrichment.waterfall import RunReport


class EnrichConfig(dg.Config):
    force: bool = False
    reverify_older_than_days: int = 0


def _list_workspace(store: StoreResource, list_id: str) -> str:
    with store.connect() as con:
        row = con.execute("SELECT workspace_slug FROM target_lists WHERE id = ?", [list_id]).fetchall()
    if not row:
        raise dg.Failure(description=f"TargetList {list_id!r} no longer exists", allow_retries=False)
    return row[0][0]


def report_metadata(report: RunReport) -> dict:
    rows = []
    for provider, stats in sorted(report.by_provider.items()):
        rows.append(dg.TableRecord({
            "provider": provider, "calls": stats.calls, "paid_calls": stats.paid_calls,
            "cost_usd": round(stats.cost_usd, 4), "found": stats.found, "not_found": stats.not_found,
            "errors": stats.errors, "skipped_by_dedup": stats.skipped_by_dedup}))
    schema = dg.TableSchema(columns=[
        dg.TableColumn("provider", "string"), dg.TableColumn("calls", "int"), dg.TableColumn("paid_calls", "int"),
        dg.TableColumn("cost_usd", "float"), dg.TableColumn("found", "int"), dg.TableColumn("not_found", "int"),
        dg.TableColumn("errors", "int"), dg.TableColumn("skipped_by_dedup", "int")])
    people = max(report.people, 1)
    return {
        "people": report.people, "companies": report.companies,
        "emails_found": report.emails_found, "found_rate": round(report.emails_found / people, 3),
        "verified_valid": report.verified_valid, "verified_rate": round(report.verified_valid / people, 3),
        "paid_calls": report.paid_calls, "cost_usd": round(report.cost_usd, 4),
        "skipped_by_dedup": report.skipped_by_dedup, "cap_reached": report.cap_reached,
        "disabled_providers": dg.MetadataValue.json(report.disabled),
        "by_provider": dg.MetadataValue.table(rows, schema=schema),
        "run_errors": dg.MetadataValue.json(report.errors[:20]),
    }


def _run(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig, steps: tuple) -> dg.MaterializeResult:
    list_id = context.partition_key
    workspace = _list_workspace(store, list_id)
    report = enrich_list(workspace, list_id=list_id, steps=steps, force=config.force,
                         reverify_older_than_days=config.reverify_older_than_days or None,
                         on_progress=progress.current())
    context.log.info(f"{steps}: {report.paid_calls} paid calls, ${report.cost_usd:.4f}, "
                     f"{report.skipped_by_dedup} answers reused from the ledger")
    if report.cap_reached:
        context.log.warning(f"daily spend cap of ${report.cap_usd:.2f} reached for {workspace}; paid calls stopped")
    return dg.MaterializeResult(metadata=report_metadata(report))


_COMMON = dict(partitions_def=target_lists_partitions, group_name="enrichment", pool="enrichment",
               kinds={"duckdb", "python"})


@dg.asset(deps=["list_members"], description="Person waterfall per list: AI Ark → Prospeo → LeadMagic → "
          "FindyMail (order per workspace) until a verified email; every answer logged before it is merged.",
          **_COMMON)
def enriched_people(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig) -> dg.MaterializeResult:
    return _run(context, store, config, ("people",))


@dg.asset(deps=["list_members"], description="Company waterfall per list (AI Ark company data, then a "
          "Firecrawl homepage crawl cached on the company for ICP scoring).", **_COMMON)
def company_profiles(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig) -> dg.MaterializeResult:
    return _run(context, store, config, ("companies",))


@dg.asset(deps=[enriched_people], description="Verification of every member email not yet verified "
          "(and, when configured, re-verification of old 'valid' results). Only 'valid' is exportable.",
          **_COMMON)
def verified_emails(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig) -> dg.MaterializeResult:
    return _run(context, store, config, ("verify",))


@dg.asset_check(asset=verified_emails, partitions_def=target_lists_partitions, description="No email address appears twice among the list's members.")
def no_duplicate_emails(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    with store.connect() as con:
        dupes = con.execute(
            """SELECT p.email, count(*) FROM target_list_members m JOIN people p ON p.id = m.person_id
               WHERE m.list_id = ? AND p.email IS NOT NULL GROUP BY 1 HAVING count(*) > 1""",
            [context.partition_key]).fetchall()
    return dg.AssetCheckResult(passed=not dupes, metadata={"duplicates": len(dupes)})


@dg.asset_check(asset=enriched_people, partitions_def=target_lists_partitions, description="Today's provider spend of the list's workspace is within its cap.")
def spend_within_cap(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    from outsignal_pipelines.operations.enrichment.list_enrichment import workspace_config

    workspace = _list_workspace(store, context.partition_key)
    spent = spent_today(workspace)
    cap = workspace_config(workspace).daily_cap_usd
    return dg.AssetCheckResult(passed=spent <= cap + 1e-9, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"spent_today_usd": round(spent, 4), "cap_usd": cap})


enrichment_job = dg.define_asset_job(
    "enrich_list_job", selection=dg.AssetSelection.assets(enriched_people, company_profiles, verified_emails),
    description="Enrich one TargetList partition: people, companies, verification.")
reverify_job = dg.define_asset_job(
    "reverify_job", selection=dg.AssetSelection.assets(verified_emails),
    config={"ops": {"verified_emails": {"config": {"reverify_older_than_days": 90}}}},
    description="Re-verify 'valid' emails older than 90 days on one TargetList partition.")


def _tick_day(context: dg.ScheduleEvaluationContext) -> str:
    """The tick's date, so a tick retried by the daemon never launches the same run twice."""
    import datetime

    try:
        when = context.scheduled_execution_time
    except Exception:  # noqa: BLE001 - a context built by hand has none
        when = None
    return (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")


def _lists(store: StoreResource, sql: str) -> list[str]:
    with store.connect() as con:
        return [r[0] for r in con.execute(sql).fetchall()]


@dg.schedule(job=enrichment_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Nightly: enrich members added to lists still being built (ledger-gated, capped).")
def nightly_enrichment(context: dg.ScheduleEvaluationContext, store: StoreResource):
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    ids = _lists(store, """SELECT DISTINCT l.id FROM target_lists l JOIN target_list_members m ON m.list_id = l.id
                           WHERE l.status = 'building' AND NOT EXISTS (
                             SELECT 1 FROM enrichment_log e WHERE e.entity_type = 'person'
                               AND e.entity_id = m.person_id AND e.outcome IN ('found', 'not_found'))
                           ORDER BY l.id""")
    day = _tick_day(context)
    requests = [dg.RunRequest(partition_key=i, run_key=f"nightly-{i}-{day}") for i in ids if i in known]
    return requests or dg.SkipReason("no list in 'building' has members left to enrich")


@dg.schedule(job=reverify_job, cron_schedule="0 3 * * 1", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Weekly: re-verify 'valid' emails older than 90 days on lists about to be deployed.")
def weekly_reverification(context: dg.ScheduleEvaluationContext, store: StoreResource):
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    ids = _lists(store, """SELECT DISTINCT l.id FROM target_lists l JOIN target_list_members m ON m.list_id = l.id
                           JOIN people p ON p.id = m.person_id
                           WHERE l.status IN ('pending_review', 'approved') AND p.email_status = 'valid'
                             AND p.verified_at < current_timestamp - INTERVAL 90 DAY ORDER BY l.id""")
    day = _tick_day(context)
    requests = [dg.RunRequest(partition_key=i, run_key=f"reverify-{i}-{day}") for i in ids if i in known]
    return requests or dg.SkipReason("no list about to be deployed has stale verifications")

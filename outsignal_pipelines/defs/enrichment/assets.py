"""Enrichment assets per TargetList partition: the person waterfall, the company waterfall with its
homepage crawl cache, and email verification. Each calls operations.enrichment for its step and
reports what it found and paid; each takes its vendor pool (defs/pools.py) so runs never race
each other on the vendors' rate limits."""

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.run_steps import run_step
from outsignal_pipelines.defs.pools import pool_for
from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list, step_summary
from outsignal_pipelines.operations.enrichment.waterfall import RunReport
from outsignal_pipelines.operations.lists import list_by_id


class EnrichConfig(dg.Config):
    force: bool = False
    reverify_older_than_days: int = 0


def report_metadata(report: RunReport) -> dict:
    rows = [dg.TableRecord({"provider": p, "calls": s.calls, "paid_calls": s.paid_calls,
                            "cost_usd": round(s.cost_usd, 4), "found": s.found, "not_found": s.not_found,
                            "errors": s.errors, "skipped_by_dedup": s.skipped_by_dedup,
                            "reused_in_flight": s.reused_in_flight})
            for p, s in sorted(report.by_provider.items())]
    schema = dg.TableSchema(columns=[
        dg.TableColumn("provider", "string"), dg.TableColumn("calls", "int"), dg.TableColumn("paid_calls", "int"),
        dg.TableColumn("cost_usd", "float"), dg.TableColumn("found", "int"), dg.TableColumn("not_found", "int"),
        dg.TableColumn("errors", "int"), dg.TableColumn("skipped_by_dedup", "int"),
        dg.TableColumn("reused_in_flight", "int")])
    people = max(report.people, 1)
    return {
        "people": report.people, "companies": report.companies,
        "emails_found": report.emails_found, "found_rate": round(report.emails_found / people, 3),
        "verified_valid": report.verified_valid, "verified_rate": round(report.verified_valid / people, 3),
        "paid_calls": report.paid_calls, "cost_usd": round(report.cost_usd, 4),
        "skipped_by_dedup": report.skipped_by_dedup, "reused_in_flight": report.reused_in_flight,
        "cap_reached": report.cap_reached,
        "disabled_providers": dg.MetadataValue.json(report.disabled),
        "by_provider": dg.MetadataValue.table(rows, schema=schema),
        "run_errors": dg.MetadataValue.json(report.errors[:20]),
    }


def _enrich(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig,
            step: str) -> dg.MaterializeResult:
    reports: list[RunReport] = []

    def work(request, report_progress):
        target = list_by_id(context.partition_key)
        report = enrich_list(target.workspace_slug, list_id=target.id, steps=(step,),
                             force=config.force or bool(request.params.get("force")),
                             reverify_older_than_days=(config.reverify_older_than_days
                                                       or request.params.get("reverify_older_than_days") or None),
                             on_progress=report_progress)
        reports.append(report)
        context.log.info(f"{step}: {report.paid_calls} paid calls, ${report.cost_usd:.4f}, "
                         f"{report.skipped_by_dedup} answers reused from the ledger, "
                         f"{report.reused_in_flight} from another run in flight")
        if report.cap_reached:
            context.log.warning(f"daily spend cap of ${report.cap_usd:.2f} reached; paid calls stopped")
        return step_summary(report, step, target.id)

    with store.bound():
        run_step(context, "enrich", step, work)
    return dg.MaterializeResult(metadata=report_metadata(reports[0]))


_COMMON = dict(partitions_def=target_lists_partitions, group_name="enrichment", kinds={"duckdb", "python"})


@dg.asset(deps=["list_members"], description="Person waterfall per list: AI Ark → Prospeo → LeadMagic → "
          "FindyMail (order per workspace) until a verified email; every answer logged before it is merged.",
          pool=pool_for("people"), **_COMMON)
def enriched_people(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig) -> dg.MaterializeResult:
    return _enrich(context, store, config, "people")


@dg.asset(deps=["list_members"], description="Company waterfall per list (AI Ark company data, then a "
          "Firecrawl homepage crawl cached on the company for ICP scoring).", pool=pool_for("companies"),
          **_COMMON)
def company_profiles(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig) -> dg.MaterializeResult:
    return _enrich(context, store, config, "companies")


@dg.asset(deps=[enriched_people], description="Verification of every member email not yet verified "
          "(and, when configured, re-verification of old 'valid' results). Only 'valid' is exportable.",
          pool=pool_for("verify"), **_COMMON)
def verified_emails(context: dg.AssetExecutionContext, store: StoreResource, config: EnrichConfig) -> dg.MaterializeResult:
    return _enrich(context, store, config, "verify")

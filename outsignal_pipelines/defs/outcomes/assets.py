"""Outcomes per TargetList partition: the facts pulled back from EmailBison (backfill), the per-lead
outcomes, and rollups by score band, vertical, seniority and email-finding provider. The rules and the
SQL are operations.outcomes / operations.outcomes_backfill; these assets only run them and show the
results as metadata tables."""

import dagster as dg
import polars as pl

from outsignal_pipelines.defs.lists.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.lists import list_by_id
from outsignal_pipelines.operations.outcomes import outcome_totals, read_lead_outcomes, read_rollup
from outsignal_pipelines.operations.outcomes_backfill import backfill_outcomes

GROUP = "outcomes"
_COLUMN_TYPES = {"leads": "int", "sent": "int", "delivered": "int", "bounced": "int", "replied": "int",
                 "interested": "int", "meetings": "int", "unsubscribed": "int", "finder_cost_usd": "float",
                 "bounce_rate": "float", "reply_rate": "float", "interested_rate": "float", "meeting_rate": "float"}


def rollup_table(rows: list[dict], by: str) -> dg.TableMetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(by, "string"),
                                     *[dg.TableColumn(c, t) for c, t in _COLUMN_TYPES.items()]])
    return dg.MetadataValue.table([dg.TableRecord({by: r[by] or "(none)", **{c: r[c] for c in _COLUMN_TYPES}})
                                   for r in rows], schema=schema)


@dg.asset(partitions_def=target_lists_partitions, group_name=GROUP, kinds={"python"}, pool="emailbison",
          deps=["emailbison_deploy"],
          description="The list's campaign facts pulled from EmailBison (GET /campaigns/{id}/leads, stats): what the "
                      "webhook missed while it was down. Same event keys as the webhook, so nothing twice.")
def campaign_events_backfill(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    with store.bound():
        target = list_by_id(context.partition_key)
        result = backfill_outcomes(target.workspace_slug, target.id)
    lists = result["lists"]
    return dg.MaterializeResult(metadata={
        "stored": result["stored"], "already_stored": result["already_stored"],
        "campaign_id": lists[0]["campaign_id"] if lists else None,
        "emailbison_stats": dg.MetadataValue.json(lists[0]["emailbison_stats"] if lists else {})})


@dg.asset(partitions_def=target_lists_partitions, group_name=GROUP, kinds={"python", "duckdb"},
          deps=["emailbison_deploy", campaign_events_backfill],
          description="One row per deployed lead of the list: ICP score and band, vertical, seniority, verification, "
                      "the provider that found the email and its cost, and sent/bounced/replied/interested/meeting.")
def campaign_outcomes(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    with store.bound():
        target = list_by_id(context.partition_key)
        outcomes = read_lead_outcomes(target.workspace_slug, target.id)
    totals = outcome_totals(outcomes)
    preview = outcomes.head(20).select("person_id", "score", "score_band", "vertical", "seniority", "finder_provider",
                                       "sent", "bounced", "replied", "interested", "meeting")
    return dg.MaterializeResult(metadata={
        **{k: v for k, v in totals.items() if v is not None},
        "preview": dg.MetadataValue.table(
            [dg.TableRecord({k: ("" if v is None else v) for k, v in row.items()}) for row in preview.to_dicts()],
            schema=dg.TableSchema(columns=[dg.TableColumn(c, "string" if preview[c].dtype == pl.String else
                                                          "bool" if preview[c].dtype == pl.Boolean else "int")
                                           for c in preview.columns]))})


def _rollup_asset(by: str, label: str):
    @dg.asset(name=f"outcomes_by_{by}", partitions_def=target_lists_partitions, group_name=GROUP,
              kinds={"python"}, deps=[campaign_outcomes],
              description=f"The list's outcomes by {label}: sent, bounce, reply, interested and meeting rates with counts.")
    def rollup(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
        with store.bound():
            target = list_by_id(context.partition_key)
            rows = read_rollup(target.workspace_slug, by, target.id).to_dicts()
        return dg.MaterializeResult(metadata={"groups": len(rows), "rollup": rollup_table(rows, by)})

    return rollup


outcomes_by_score_band = _rollup_asset("score_band", "ICP score band")
outcomes_by_vertical = _rollup_asset("vertical", "vertical")
outcomes_by_seniority = _rollup_asset("seniority", "seniority")
outcomes_by_finder_provider = _rollup_asset("finder_provider", "the provider that found the email")
ROLLUPS = [outcomes_by_score_band, outcomes_by_vertical, outcomes_by_seniority, outcomes_by_finder_provider]

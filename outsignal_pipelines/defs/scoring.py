"""ICP scores per TargetList partition, with the score distribution in the run metadata."""

import dagster as dg

from outsignal_pipelines.defs.enrichment import company_profiles, enriched_people
from outsignal_pipelines.defs.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.scoring import score_list


class ScoreConfig(dg.Config):
    force: bool = False
    scorer: str = ""  # '' = LLM when OUTSIGNAL_LLM_MODEL is set, else rules


@dg.asset(partitions_def=target_lists_partitions, group_name="qualification", deps=[enriched_people, company_profiles],
          kinds={"duckdb", "python"}, pool="enrichment",
          description="ICP score (0–100, reasoning, confidence) of every list member for the list's workspace; "
                      "people already scored are skipped unless forced.")
def icp_scores(context: dg.AssetExecutionContext, store: StoreResource, config: ScoreConfig) -> dg.MaterializeResult:
    list_id = context.partition_key
    with store.connect() as con:
        row = con.execute("SELECT workspace_slug FROM target_lists WHERE id = ?", [list_id]).fetchall()
    if not row:
        raise dg.Failure(description=f"TargetList {list_id!r} no longer exists", allow_retries=False)
    report = score_list(row[0][0], list_id=list_id, force=config.force, scorer=config.scorer or None)
    histogram = "\n".join(f"| {bucket} | {n} | {'█' * min(n, 60)} |" for bucket, n in report.histogram.items())
    return dg.MaterializeResult(metadata={
        "scorer": report.scorer, "scored": report.scored, "skipped_already_scored": report.skipped_already_scored,
        "failed": report.failed, "llm_calls": report.llm_calls, "cost_usd": round(report.cost_usd, 6),
        "distribution": dg.MetadataValue.json(report.distribution),
        "histogram": dg.MetadataValue.md("| score | people | |\n|---|---|---|\n" + histogram),
    })


score_job = dg.define_asset_job("score_list_job", selection=[icp_scores], description="Score one TargetList.")

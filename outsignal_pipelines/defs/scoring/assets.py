"""ICP scores per TargetList partition, with the score distribution in the run metadata."""

import dagster as dg

from outsignal_pipelines.defs.enrichment.assets import company_profiles, enriched_people
from outsignal_pipelines.defs.lists.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.run_steps import run_step
from outsignal_pipelines.defs.pools import pool_for
from outsignal_pipelines.operations.lists import list_by_id
from outsignal_pipelines.operations.scoring import score_list


class ScoreConfig(dg.Config):
    force: bool = False
    scorer: str = ""  # '' = LLM when OUTSIGNAL_LLM_MODEL is set, else rules


@dg.asset(partitions_def=target_lists_partitions, group_name="qualification", deps=[enriched_people, company_profiles],
          kinds={"duckdb", "python"}, pool=pool_for("score"),
          description="ICP score (0–100, reasoning, confidence) of every list member for the list's workspace; "
                      "people already scored are skipped unless forced.")
def icp_scores(context: dg.AssetExecutionContext, store: StoreResource, config: ScoreConfig) -> dg.MaterializeResult:
    def work(request, _progress):
        target = list_by_id(context.partition_key)
        report = score_list(target.workspace_slug, list_id=target.id,
                            force=config.force or bool(request.params.get("force")),
                            scorer=config.scorer or request.params.get("scorer") or None)
        return {"scored": report.scored, "skipped_already_scored": report.skipped_already_scored,
                "failed": report.failed, "llm_calls": report.llm_calls, "reused_in_flight": report.reused_in_flight,
                "cost_usd": round(report.cost_usd, 6),
                "scorer": report.scorer, "distribution": report.distribution, "histogram": report.histogram}

    with store.bound():
        summary = run_step(context, "score", "score", work)
    histogram = "\n".join(f"| {bucket} | {n} | {'█' * min(n, 60)} |" for bucket, n in summary["histogram"].items())
    return dg.MaterializeResult(metadata={
        **{k: summary[k] for k in ("scorer", "scored", "skipped_already_scored", "failed", "llm_calls", "cost_usd")},
        "distribution": dg.MetadataValue.json(summary["distribution"]),
        "histogram": dg.MetadataValue.md("| score | people | |\n|---|---|---|\n" + histogram),
    })

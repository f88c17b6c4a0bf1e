"""`list_members` is the head of each list's pipeline: who is on the list and how complete their
data is, so every later step starts from a known snapshot."""

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.lists import list_by_id
from outsignal_pipelines.operations.list_quality import member_coverage


@dg.asset(
    partitions_def=target_lists_partitions,
    group_name="lists",
    deps=[dg.AssetKey("lead_search"), dg.AssetKey(["store", "target_list_members"])],
    kinds={"duckdb"},
    description="Members of one TargetList with contact coverage (email, LinkedIn, domain, verified).",
)
def list_members(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    with store.bound():
        target = list_by_id(context.partition_key)
        coverage = member_coverage(target.id)
    return dg.MaterializeResult(metadata={
        "list": target.name, "workspace": target.workspace_slug, "status": target.status,
        "dagster/row_count": coverage["members"], **{k: v for k, v in coverage.items() if k != "members"}})

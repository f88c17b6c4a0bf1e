"""Data-quality checks on each list's enrichment: no duplicate emails, spend within the cap."""

import warnings

import dagster as dg

# Partitioned asset checks are a preview feature in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")

from outsignal_pipelines.defs.enrichment.assets import enriched_people, verified_emails  # noqa: E402
from outsignal_pipelines.defs.lists.partitions import target_lists_partitions  # noqa: E402
from outsignal_pipelines.defs.resources import StoreResource  # noqa: E402
from outsignal_pipelines.operations.enrichment.list_enrichment import (  # noqa: E402
    duplicate_member_emails,
    spend_status,
)
from outsignal_pipelines.operations.lists import list_by_id  # noqa: E402


@dg.asset_check(asset=verified_emails, partitions_def=target_lists_partitions,
                description="No email address appears twice among the list's members.")
def no_duplicate_emails(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    with store.bound():
        dupes = duplicate_member_emails(context.partition_key)
    return dg.AssetCheckResult(passed=not dupes, metadata={"duplicates": len(dupes)})


@dg.asset_check(asset=enriched_people, partitions_def=target_lists_partitions,
                description="Today's provider spend of the list's workspace is within its cap.")
def spend_within_cap(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    with store.bound():
        status = spend_status(list_by_id(context.partition_key).workspace_slug)
    return dg.AssetCheckResult(passed=status["spent_today_usd"] <= status["cap_usd"] + 1e-9,
                               severity=dg.AssetCheckSeverity.WARN, metadata=status)

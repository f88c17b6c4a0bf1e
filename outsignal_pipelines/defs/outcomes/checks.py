"""The outcome check: a list whose bounce rate is over the threshold (OUTSIGNAL_BOUNCE_RATE_THRESHOLD,
default 5%) fails, so a bad data source shows in the Dagster UI before it burns a sending domain."""

import warnings

import dagster as dg

# Partitioned asset checks are a preview feature in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")

from outsignal_pipelines import settings  # noqa: E402
from outsignal_pipelines.defs.lists.partitions import target_lists_partitions  # noqa: E402
from outsignal_pipelines.defs.outcomes.assets import campaign_outcomes  # noqa: E402
from outsignal_pipelines.defs.resources import StoreResource  # noqa: E402
from outsignal_pipelines.operations.lists import list_by_id  # noqa: E402
from outsignal_pipelines.operations.outcomes import list_bounce_check  # noqa: E402


@dg.asset_check(asset=campaign_outcomes, partitions_def=target_lists_partitions,
                description="The list's bounce rate (bounced / sent) is within OUTSIGNAL_BOUNCE_RATE_THRESHOLD.")
def bounce_rate_within_threshold(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    with store.bound():
        target = list_by_id(context.partition_key)
        result = list_bounce_check(target.workspace_slug, target.id, settings.bounce_rate_threshold())
    return dg.AssetCheckResult(passed=result["passed"], metadata={k: v for k, v in result.items()
                                                                  if k != "passed" and v is not None})

"""Outcome jobs: the list's outcomes and rollups (with the bounce check), and the backfill."""

import dagster as dg

from outsignal_pipelines.defs.outcomes.assets import ROLLUPS, campaign_events_backfill, campaign_outcomes

outcomes_job = dg.define_asset_job(
    "campaign_outcomes_job", selection=dg.AssetSelection.assets(campaign_outcomes, *ROLLUPS),
    description="Recompute one list's outcomes and rollups (and its bounce-rate check) from stored events.")
backfill_job = dg.define_asset_job(
    "campaign_events_backfill_job",
    selection=dg.AssetSelection.assets(campaign_events_backfill, campaign_outcomes, *ROLLUPS),
    description="Pull one list's campaign facts from EmailBison (what the webhook missed), then its outcomes.")

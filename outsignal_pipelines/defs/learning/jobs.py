"""The learning job: recompute the calibration and the provider quality of every workspace."""

import dagster as dg

from outsignal_pipelines.defs.learning.assets import icp_calibration, provider_quality_asset

learning_job = dg.define_asset_job(
    "outcome_learning_job", selection=dg.AssetSelection.assets(icp_calibration, provider_quality_asset),
    description="What the outcomes teach, per workspace: ICP calibration and provider quality (suggestions only).")

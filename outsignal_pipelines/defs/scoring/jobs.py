"""Scoring one list."""

import dagster as dg

from outsignal_pipelines.defs.scoring.assets import icp_scores

score_job = dg.define_asset_job("score_list_job", selection=[icp_scores], description="Score one TargetList.")

"""Exporting one list."""

import dagster as dg

from outsignal_pipelines.defs.export.assets import verified_export

export_job = dg.define_asset_job("verified_export_job", selection=[verified_export],
                                 description="Export one TargetList's verified leads (CSV or EmailBison).")

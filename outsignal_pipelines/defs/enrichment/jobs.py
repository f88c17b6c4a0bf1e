"""Jobs over the enrichment assets: a whole list, and re-verification alone."""

import dagster as dg

from outsignal_pipelines.defs.enrichment.assets import company_profiles, enriched_people, verified_emails
from outsignal_pipelines.operations.enrichment.list_enrichment import REVERIFY_AFTER_DAYS

enrichment_job = dg.define_asset_job(
    "enrich_list_job", selection=dg.AssetSelection.assets(enriched_people, company_profiles, verified_emails),
    description="Enrich one TargetList partition: people, companies, verification.")
reverify_job = dg.define_asset_job(
    "reverify_job", selection=dg.AssetSelection.assets(verified_emails),
    config={"ops": {"verified_emails": {"config": {"reverify_older_than_days": REVERIFY_AFTER_DAYS}}}},
    description=f"Re-verify 'valid' emails older than {REVERIFY_AFTER_DAYS} days on one TargetList partition.")

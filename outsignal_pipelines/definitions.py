"""The Dagster code location: assembles definitions only (no I/O at import)."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.enrichment import (
    company_profiles,
    enriched_people,
    enrichment_job,
    nightly_enrichment,
    no_duplicate_emails,
    reverify_job,
    spend_within_cap,
    verified_emails,
    weekly_reverification,
)
from outsignal_pipelines.defs.deploy import (
    auto_deploy_sensor,
    copy_deploy_job,
    deploy_job,
    deploy_requests_sensor,
    emailbison_deploy,
)
from outsignal_pipelines.defs.lists import list_members
from outsignal_pipelines.defs.notifications import notification_outbox_sensor
from outsignal_pipelines.defs.scoring import icp_scores, score_job
from outsignal_pipelines.defs.partitions import target_list_partitions_sensor
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.sql_assets import build_sql_definitions

list_members_job = dg.define_asset_job("list_members_job", selection=[list_members])

defs = dg.Definitions.merge(
    build_sql_definitions(),
    dg.Definitions(
        assets=[list_members, enriched_people, company_profiles, verified_emails, icp_scores, emailbison_deploy],
        asset_checks=[no_duplicate_emails, spend_within_cap],
        jobs=[list_members_job, enrichment_job, reverify_job, score_job, deploy_job, copy_deploy_job],
        schedules=[nightly_enrichment, weekly_reverification],
        sensors=[target_list_partitions_sensor, notification_outbox_sensor, deploy_requests_sensor, auto_deploy_sensor],
        resources={"store": StoreResource()},
    ),
)

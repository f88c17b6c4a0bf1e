"""Deploy jobs: a list's partition, or copy alone."""

import dagster as dg

from outsignal_pipelines.defs.deploy.assets import deploy_copy, emailbison_deploy

deploy_job = dg.define_asset_job("emailbison_deploy_job", selection=[emailbison_deploy],
                                 description="Deploy one approved TargetList to EmailBison.")


@dg.job(description="A copy-only deploy (sequence steps without leads), launched from its run request.")
def copy_deploy_job():
    deploy_copy()

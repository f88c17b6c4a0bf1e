"""The EmailBison deploy: an asset per TargetList partition, launched by a sensor for each pending
deploy request (so the admin's click returns at once), a copy-only job for deploys without a list,
and the auto-deploy sensor that files requests for approved lists of auto-deploy workspaces."""

import dagster as dg

from outsignal_pipelines.defs.partitions import TARGET_LISTS, target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.deploy import auto_deploy_candidates, pending_deploys, request_deploy, run_deploy


def _deploy_for(store: StoreResource, list_id: str, tagged: str | None) -> tuple[str, int]:
    with store.connect() as con:
        if tagged:
            row = con.execute("SELECT workspace_slug, id FROM campaign_deploys WHERE id = ? AND list_id = ?",
                              [int(tagged), list_id]).fetchall()
        else:
            row = con.execute("SELECT workspace_slug, id FROM campaign_deploys WHERE list_id = ? AND status IN "
                              "('pending', 'failed') ORDER BY id DESC LIMIT 1", [list_id]).fetchall()
    if not row:
        raise dg.Failure(description=f"no deploy request for list {list_id!r}", allow_retries=False)
    return row[0][0], row[0][1]


@dg.asset(partitions_def=target_lists_partitions, group_name="deploy", kinds={"python"}, pool="emailbison",
          deps=["verified_emails", "icp_scores"],
          description="The list's approved leads (and approved copy) deployed to EmailBison as a campaign with its "
                      "sequence steps and attached leads; idempotent on retry.")
def emailbison_deploy(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    workspace, deploy_id = _deploy_for(store, context.partition_key, context.run.tags.get("deploy_id"))
    done = run_deploy(workspace, deploy_id)
    return dg.MaterializeResult(metadata={
        "deploy_id": deploy_id, "path": done["path"], "emailbison_campaign_id": done["emailbison_campaign_id"],
        "lead_count": done["lead_count"], "step_count": done["step_count"], "campaign": done["campaign_name"]})


class CopyDeployConfig(dg.Config):
    deploy_id: int
    workspace: str


@dg.op(description="Deploy approved copy (no list) to EmailBison.")
def deploy_copy(config: CopyDeployConfig) -> None:
    run_deploy(config.workspace, config.deploy_id)


@dg.job(description="A copy-only deploy (sequence steps without leads).")
def copy_deploy_job():
    deploy_copy()


deploy_job = dg.define_asset_job("emailbison_deploy_job", selection=[emailbison_deploy])


@dg.sensor(name="deploy_requests", minimum_interval_seconds=5, default_status=dg.DefaultSensorStatus.RUNNING,
           jobs=[deploy_job, copy_deploy_job],
           description="Launches a run for every pending deploy request (the partition is added if missing).")
def deploy_requests_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    import os

    os.environ.setdefault("OUTSIGNAL_DB", store.resolved_path())
    pending = pending_deploys()
    if not pending:
        return dg.SkipReason("no pending deploy requests")
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    new_keys = sorted({d["list_id"] for d in pending if d["list_id"] and d["list_id"] not in known})
    runs = []
    for d in pending:
        if d["list_id"]:
            runs.append(dg.RunRequest(partition_key=d["list_id"], run_key=f"deploy-{d['id']}",
                                      job_name="emailbison_deploy_job", tags={"deploy_id": str(d["id"])}))
        else:
            runs.append(dg.RunRequest(run_key=f"deploy-{d['id']}", job_name="copy_deploy_job",
                                      run_config={"ops": {"deploy_copy": {"config": {
                                          "deploy_id": d["id"], "workspace": d["workspace_slug"]}}}}))
    requests = [target_lists_partitions.build_add_request(new_keys)] if new_keys else []
    return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=requests)


@dg.sensor(name="auto_deploy", minimum_interval_seconds=10, default_status=dg.DefaultSensorStatus.RUNNING,
           description="For workspaces with auto-deploy on: files a deploy request when a list is approved.")
def auto_deploy_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    import os

    os.environ.setdefault("OUTSIGNAL_DB", store.resolved_path())
    filed = []
    for workspace, list_name, campaign in auto_deploy_candidates():
        deploy = request_deploy(workspace, list_name, campaign, requested_by="auto-deploy")
        filed.append(deploy["id"])
    return dg.SkipReason(f"filed deploy requests {filed}" if filed else "nothing newly approved to auto-deploy")

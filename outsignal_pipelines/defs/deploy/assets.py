"""The EmailBison deploy per TargetList partition (leads, and the approved copy when the deploy
carries it), and the copy-only deploy for copy without a list. Idempotent on retry."""

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.run_steps import run_step
from outsignal_pipelines.defs.pools import pool_for
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.deploy import prepare_deploy, run_deploy
from outsignal_pipelines.operations.lists import list_by_id


def _deploy(request, workspace: str, list_name: str | None) -> dict:
    deploy_id = request.params.get("deploy_id")
    if deploy_id is None:
        if list_name is None:
            raise OperationError("a copy-only deploy runs only from a deploy request (`outsignal deploy --campaign`)")
        deploy_id = prepare_deploy(workspace, list_name, requested_by=request.requested_by)[0]["id"]
    done = run_deploy(workspace, int(deploy_id), allow_overlap=bool(request.params.get("allow_overlap")))
    return {"deploy_id": done["id"], "path": done["path"], "emailbison_campaign_id": done["emailbison_campaign_id"],
            "lead_count": done["lead_count"], "step_count": done["step_count"], "campaign": done["campaign_name"],
            "skipped": len(done.get("skipped") or [])}


@dg.asset(partitions_def=target_lists_partitions, group_name="deploy", kinds={"python"}, pool=pool_for("deploy"),
          deps=["verified_emails", "icp_scores"],
          description="The list's approved leads (and approved copy) deployed to EmailBison as a campaign with its "
                      "sequence steps and attached leads; idempotent on retry.")
def emailbison_deploy(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    def work(request, _progress):
        target = list_by_id(context.partition_key)
        return _deploy(request, target.workspace_slug, target.name)

    with store.bound():
        summary = run_step(context, "deploy", "deploy", work)
    return dg.MaterializeResult(metadata=summary)


@dg.op(description="Deploy approved copy (no list) to EmailBison: the sequence steps of a campaign.")
def deploy_copy(context: dg.OpExecutionContext, store: StoreResource) -> None:
    def work(request, _progress):
        return _deploy(request, request.workspace_slug, None)

    with store.bound():
        summary = run_step(context, "deploy", "deploy", work)
    context.log.info(f"deployed copy: {summary}")

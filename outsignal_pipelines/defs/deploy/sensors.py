"""Auto-deploy: watches the approvals (with a cursor over portal_approvals, which is append-only) and
files a deploy request for each list approved in a workspace that deploys on approval. The
run_requests sensor then launches it, like any other request."""

import dagster as dg

from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.deploy import file_auto_deploys


@dg.sensor(name="auto_deploy", minimum_interval_seconds=10, default_status=dg.DefaultSensorStatus.RUNNING,
           description="For workspaces with auto-deploy on: requests the emailbison_deploy run of each newly "
                       "approved list (through a deploy request).")
def auto_deploy_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    with store.bound():
        filed, cursor = file_auto_deploys(int(context.cursor or 0))
    context.update_cursor(str(cursor))
    if not filed:
        return dg.SkipReason("nothing newly approved to auto-deploy")
    return dg.SkipReason(f"filed deploy requests {[d['request_id'] for d in filed]}; run_requests launches them")

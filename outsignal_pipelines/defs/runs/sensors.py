"""Launches a run for every queued run request, whichever face filed it (page, CLI, chat, MCP,
auto-deploy). The run key is the request id, so a request is launched once however often it is seen."""

import dagster as dg

from outsignal_pipelines.defs.deploy.jobs import copy_deploy_job, deploy_job
from outsignal_pipelines.defs.enrichment.jobs import enrichment_job, reverify_job
from outsignal_pipelines.defs.export.jobs import export_job
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS, target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.runs.targets import run_target
from outsignal_pipelines.defs.scoring.jobs import score_job
from outsignal_pipelines.operations.run_requests import queued_after


@dg.sensor(name="run_requests", minimum_interval_seconds=5, default_status=dg.DefaultSensorStatus.RUNNING,
           jobs=[enrichment_job, reverify_job, score_job, export_job, deploy_job, copy_deploy_job],
           description="Turns each queued run request into a run of its list's partition.")
def run_requests_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    with store.bound():
        queued = queued_after(0)
    if not queued:
        return dg.SkipReason("no queued run requests")
    known = set(context.instance.get_dynamic_partitions(TARGET_LISTS))
    new_keys = sorted({r.list_id for r in queued if r.list_id and r.list_id not in known})
    runs = [run_target(r).run_request() for r in queued]
    adds = [target_lists_partitions.build_add_request(new_keys)] if new_keys else []
    return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=adds)

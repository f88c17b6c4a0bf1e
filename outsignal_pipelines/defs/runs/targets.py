"""What Dagster run a run request becomes: the job of its kind, the list's partition, its run config
and the tags that tie the run to the request (and give the run queue its one-run-per-list key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg

from outsignal_pipelines.defs.run_steps import request_tags
from outsignal_pipelines.operations.run_requests import RunRequest

JOBS = {"enrich": "enrich_list_job", "reverify": "reverify_job", "score": "score_list_job",
        "export": "verified_export_job"}


@dataclass(frozen=True)
class RunTarget:
    job_name: str
    partition_key: str | None
    run_config: dict[str, Any]
    tags: dict[str, str]

    def run_request(self) -> dg.RunRequest:
        return dg.RunRequest(job_name=self.job_name, partition_key=self.partition_key,
                             run_key=f"request-{self.tags['outsignal/request_id']}",
                             run_config=self.run_config, tags=self.tags)


def run_target(request: RunRequest) -> RunTarget:
    """The request's parameters travel in the request row, which every step reads; the run config
    carries them too so the Dagster UI shows what was asked."""
    tags = request_tags(request)
    params = request.params
    if request.kind == "deploy":
        job = "emailbison_deploy_job" if request.list_id else "copy_deploy_job"
        return RunTarget(job, request.list_id, {}, tags)
    if request.kind in ("enrich", "reverify"):
        assets = ("verified_emails",) if request.kind == "reverify" else (
            "enriched_people", "company_profiles", "verified_emails")
        config = {"force": bool(params.get("force"))}
        if request.kind == "reverify":
            config["reverify_older_than_days"] = int(params.get("reverify_older_than_days") or 90)
        return RunTarget(JOBS[request.kind], request.list_id, {"ops": {a: {"config": config} for a in assets}}, tags)
    if request.kind == "score":
        config = {"force": bool(params.get("force")), "scorer": params.get("scorer") or ""}
        return RunTarget(JOBS["score"], request.list_id, {"ops": {"icp_scores": {"config": config}}}, tags)
    config = {"to": params.get("to") or "csv", "out": params.get("out"), "campaign_id": params.get("campaign_id")}
    return RunTarget(JOBS["export"], request.list_id, {"ops": {"verified_export": {"config": config}}}, tags)

"""How every step of a run reports to its run request: it takes the request over (or files one, for
a run an operator launched from the UI or a schedule launched), relays progress, and records its
summary or its failure. Only the operations layer writes; this only wires Dagster's context to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from outsignal_pipelines.operations import progress, run_requests
from outsignal_pipelines.operations.run_requests import RunRequest

REQUEST_TAG = "outsignal/request_id"
LIST_TAG = "outsignal/list"
BY_TAG = "outsignal/requested_by"
KIND_TAG = "outsignal/kind"

# Which request kind and step each per-list asset is.
ASSET_STEPS: dict[str, tuple[str, str]] = {
    "enriched_people": ("enrich", "people"),
    "company_profiles": ("enrich", "companies"),
    "verified_emails": ("enrich", "verify"),
    "icp_scores": ("score", "score"),
    "verified_export": ("export", "export"),
    "emailbison_deploy": ("deploy", "deploy"),
}

Work = Callable[[RunRequest, Callable[[int, int], None]], dict[str, Any]]


def _run_steps(context: dg.OpExecutionContext) -> tuple[str, ...]:
    selection = context.run.asset_selection or context.job_def.asset_layer.executable_asset_keys
    names = sorted(k.to_user_string() for k in selection)
    return tuple(ASSET_STEPS[n][1] for n in names if n in ASSET_STEPS)


def run_step(context: dg.OpExecutionContext, kind: str, step: str, work: Work) -> dict[str, Any]:
    tags = context.run.tags
    request = run_requests.begin_step(
        run_id=context.run_id, step=step, kind=tags.get(KIND_TAG) or kind,
        request_id=int(tags[REQUEST_TAG]) if tags.get(REQUEST_TAG) else None,
        list_id=context.partition_key if context.has_partition_key else None,
        run_steps=_run_steps(context) or (step,), requested_by=tags.get(BY_TAG, "dagster"),
        retry_of=context.run.parent_run_id)
    context.log.info(f"request #{request.id}: {step} of {request.list_name or request.lock_key}")
    reporter = run_requests.progress_reporter(request.id, relay=progress.current())
    try:
        summary = work(request, reporter)
    except Exception as exc:
        run_requests.fail(request.id, f"{step}: {exc}")
        raise
    run_requests.finish_step(request.id, step, summary)
    return summary


def request_tags(request: RunRequest) -> dict[str, str]:
    tags = {REQUEST_TAG: str(request.id), BY_TAG: request.requested_by, KIND_TAG: request.kind}
    if request.list_id:
        tags[LIST_TAG] = request.list_id
    return tags

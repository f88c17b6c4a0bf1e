"""Page buttons that start pipeline work go through the one run path (a Dagster run of the list's
partition) and follow it with a progress bar, like the CLI and the chat."""

from __future__ import annotations

from typing import Any

import streamlit as st

from outsignal_pipelines import orchestration
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.run_requests import RunRequest
from streamlit_portal.services.plain import md_escape

LABELS = {"enrich": "Enriching", "score": "Scoring", "export": "Exporting"}


def run_with_progress(workspace: str, kind: str, list_name: str, params: dict[str, Any] | None = None) -> RunRequest | None:
    """Run and follow one request; shows the outcome and returns the request (None when refused)."""
    shown = md_escape(list_name)   # a progress bar's text and an error are Markdown: the name shows as typed
    bar = st.progress(0.0, text=f"{LABELS.get(kind, kind)} {shown}: queued")

    def show(done: int, total: int) -> None:
        bar.progress(min(1.0, done / total) if total else 0.0, text=f"{LABELS.get(kind, kind)} {shown}: {done}/{total}")

    try:
        request = orchestration.run(workspace, kind, list_name, params=params, requested_by="page", on_progress=show)
    except OperationError as exc:
        bar.empty()
        st.error(str(exc))
        return None
    bar.empty()
    if request.status == "failed":
        st.error(f"{LABELS.get(kind, kind)} {shown} failed: {request.error}")
    elif request.status != "complete":
        st.info(f"{request.describe()}. It goes on in Dagster; this page shows it when you come back.")
    return request


def deploy(workspace: str, list_name: str, campaign: str | None) -> dict[str, Any] | None:
    """File a deploy and hand it to Dagster (queued when the daemon runs, run here otherwise)."""
    with st.spinner("Deploying to EmailBison"):
        try:
            return orchestration.deploy(workspace, list_name, campaign, requested_by="page")
        except OperationError as exc:
            st.error(str(exc))
            return None

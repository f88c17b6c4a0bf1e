"""The AgentRun audit on a real store: a run opened and closed is listed with its steps, the filters
narrow by workspace, status and source, and a run that never finished still shows as running."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.agent_runs import agent_runs, finish_run, start_run
from outsignal_pipelines.operations.workspaces import upsert_workspace


def test_a_started_and_finished_run_is_listed_with_its_steps(workspace):
    run_id = start_run("find CTOs in fintech", workspace, "chat")
    steps = [{"tool": "search_people", "args": {"title_any": ["cto"]}, "result": {"total": 3}}]
    finish_run(run_id, "Found 3 people.", steps, "complete", None, duration_ms=42, cost_usd=0.0125)
    [run] = agent_runs(workspace)
    assert run["id"] == run_id and run["status"] == "complete" and run["triggered_by"] == "chat"
    assert run["message"] == "find CTOs in fintech" and run["reply"] == "Found 3 people."
    assert json.loads(run["steps"]) == steps
    assert run["duration_ms"] == 42 and run["cost_usd"] == pytest.approx(0.0125) and run["error"] is None
    assert run["created_at"] is not None and run["workspace_slug"] == workspace


def test_filters_by_workspace_status_and_source(workspace):
    upsert_workspace("other", "Other Client")
    done = start_run("a", workspace, "chat")
    finish_run(done, "ok", [], "complete", None, 1, 0.0)
    failed = start_run("b", workspace, "mcp")
    finish_run(failed, "no", [], "failed", "RateLimitError: slow down", 1, 0.0)
    running = start_run("c", "other", "cli")
    nowhere = start_run("d", None, "chat")

    assert [r["id"] for r in agent_runs()] == [nowhere, running, failed, done]  # newest first
    assert [r["id"] for r in agent_runs(workspace)] == [failed, done]
    assert [r["id"] for r in agent_runs(status="running")] == [nowhere, running]
    assert [r["id"] for r in agent_runs(triggered_by="mcp")] == [failed]
    assert [r["id"] for r in agent_runs(workspace, "failed", "mcp")] == [failed]
    assert agent_runs(workspace, "complete", "mcp") == []
    assert agent_runs("other")[0]["reply"] is None and agent_runs("other")[0]["steps"] is None
    assert agent_runs(status="failed")[0]["error"] == "RateLimitError: slow down"
    assert [r["id"] for r in agent_runs(limit=2)] == [nowhere, running]


def test_unknown_sources_and_statuses_are_refused(workspace):
    with pytest.raises(OperationError, match="source"):
        start_run("x", workspace, "email")
    run_id = start_run("x", workspace, "chat")
    with pytest.raises(OperationError, match="finishes"):
        finish_run(run_id, "x", [], "running", None, 1, 0.0)
    assert agent_runs(workspace)[0]["status"] == "running"

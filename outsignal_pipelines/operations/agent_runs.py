"""The AgentRun audit trail: every chat turn, MCP call or CLI question is one row, opened before the
agent acts and closed with its steps, reply, status, time and cost, so a crash still leaves a trace."""

from __future__ import annotations

import json
from typing import Any

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.store import connect, transaction

SOURCES = ("chat", "mcp", "cli", "pipeline")
FINAL_STATUSES = ("complete", "failed", "not_understood")   # a sentence the agent could not read


def start_run(message: str, workspace: str | None, triggered_by: str, agent: str = "leads") -> int:
    """Open a run in status 'running' and return its id."""
    if triggered_by not in SOURCES:
        raise OperationError(f"unknown agent run source {triggered_by!r}; one of {', '.join(SOURCES)}")
    with transaction() as con:
        return con.execute(
            """INSERT INTO agent_runs (agent, workspace_slug, input, status, triggered_by)
               VALUES (?, ?, ?, 'running', ?) RETURNING id""",
            [agent, workspace, json.dumps({"message": message}), triggered_by]).fetchall()[0][0]


def finish_run(run_id: int, reply: str, steps: list[dict[str, Any]], status: str, error: str | None,
               duration_ms: int, cost_usd: float) -> None:
    """Close a run. `steps` are the tool calls as the agent wants them kept (already trimmed)."""
    if status not in FINAL_STATUSES:
        raise OperationError(f"a run finishes {' or '.join(FINAL_STATUSES)}, not {status!r}")
    with transaction() as con:
        con.execute(
            """UPDATE agent_runs SET output = ?, steps = ?, status = ?, error = ?, duration_ms = ?, cost_usd = ?
               WHERE id = ?""",
            [json.dumps({"reply": reply}), json.dumps(steps, default=str), status, error, int(duration_ms),
             float(cost_usd), run_id])


def agent_runs(workspace: str | None = None, status: str | None = None, triggered_by: str | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
    """Newest first; `steps` stays the stored JSON text."""
    with connect() as con:
        cursor = con.execute(
            """SELECT id, created_at, workspace_slug, triggered_by, status, duration_ms, cost_usd,
                      input ->> 'message' AS message, output ->> 'reply' AS reply, steps, error
               FROM agent_runs WHERE (? IS NULL OR workspace_slug = ?) AND (? IS NULL OR status = ?)
                 AND (? IS NULL OR triggered_by = ?) ORDER BY id DESC LIMIT ?""",
            [workspace, workspace, status, status, triggered_by, triggered_by, int(limit)])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

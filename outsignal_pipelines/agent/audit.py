"""How the agent records its own runs (chat turns and MCP calls alike): tool calls become trimmed steps
and a monotonic start becomes a duration, then operations.agent_runs stores them."""

from __future__ import annotations

import time
from typing import Any

from outsignal_pipelines.agent import tools
from outsignal_pipelines.operations import agent_runs


def start_run(message: str, workspace: str | None, triggered_by: str) -> int:
    return agent_runs.start_run(message, workspace, triggered_by)


def finish_run(run_id: int, text: str, calls: list[dict[str, Any]], status: str, error: str | None,
               started: float, cost: float) -> None:
    """`started` is a time.monotonic() reading; results keep five rows, enough to audit, small to store."""
    steps = [{"tool": c["tool"], "args": c["args"], "result": tools.trimmed(c["result"], rows=5)} for c in calls]
    agent_runs.finish_run(run_id, text, steps, status, error, int((time.monotonic() - started) * 1000), cost)

"""The Leads Agent's chat: one entry point (`chat`) for the ⌘J dialog, the Chat page and the CLI.

With a model configured (settings.llm_model) the litellm planner plans; without one, the offline
planner handles the everyday sentences. Both call the same tools, and every turn is written to
agent_runs with its tool calls, failed turns included."""

from __future__ import annotations

import time
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.agent import tools
from outsignal_pipelines.agent.audit import finish_run, start_run
from outsignal_pipelines.agent.conversation import AFFIRM, Conversation, Reply
from outsignal_pipelines.agent.llm_planner import Completion, llm_turn
from outsignal_pipelines.agent.offline_planner import offline_turn

__all__ = ["Conversation", "Reply", "chat"]


def chat(message: str, conversation: Conversation | None = None, workspace: str | None = None,
         triggered_by: str = "chat", completion: Completion | None = None,
         completion_kwargs: dict[str, Any] | None = None) -> tuple[Reply, Conversation]:
    conv = conversation or Conversation()
    conv.workspace = workspace or conv.workspace
    message = (message or "").strip()[:2000]
    started = time.monotonic()
    run_id = start_run(message, conv.workspace, triggered_by)
    # The user's "yes" hands the pending preview's token over; only that exact call can then run.
    token = (conv.pending or {}).get("token") if conv.pending and AFFIRM.match(message) else None
    ctx = tools.ToolContext(workspace=conv.workspace, confirmation_token=token, triggered_by=triggered_by)
    model = settings.llm_model()
    planner = f"llm:{model}" if model else "offline"
    calls: list[dict[str, Any]] = []
    cost = 0.0
    if model and conv.pending and not token:
        conv.pending = None   # a preview waits for the very next answer only, as in the offline planner
    try:
        if model:
            text, cost = llm_turn(message, conv, ctx, model, calls, completion, completion_kwargs or {})
            status = "complete"
        else:
            text, status = offline_turn(message, conv, ctx, calls)
        error = None
    except Exception as exc:  # noqa: BLE001 - the user gets a plain answer and the run records the failure
        text = f"Something went wrong: {exc}. Nothing else was changed; try again or rephrase."
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    conv.history += [{"role": "user", "content": message}, {"role": "assistant", "content": text}]
    conv.history = conv.history[-20:]
    finish_run(run_id, text, calls, status, error, started, cost)
    tables = [{"tool": c["tool"], "rows": c["result"]["results"]} for c in calls
              if isinstance(c.get("result"), dict) and isinstance(c["result"].get("results"), list)]
    downloads = [c["result"]["download"] for c in calls
                 if isinstance(c.get("result"), dict) and isinstance(c["result"].get("download"), dict)]
    return Reply(text, calls, run_id, planner, tables, status, downloads), conv

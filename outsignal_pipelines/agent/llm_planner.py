"""The planner for when a model is configured: a litellm tool-calling loop over the same tools the
offline planner uses, bounded in steps so a confused model cannot loop or spend without end."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from outsignal_pipelines.agent import tools
from outsignal_pipelines.agent.conversation import Conversation, run_tool

MAX_STEPS = 6
SYSTEM = ("You are the Outsignal Leads Agent for an outbound agency. Use the tools to search people, build lists, "
          "enrich, score, export and send lists to client review. The workspace in focus is {workspace}; when the user "
          "names another, call set_workspace. Tools that spend money or delete return a preview first: show the "
          "estimate and ask the user; only call them again with confirm=true after the user said yes (the user's yes "
          "is what confirms; confirm alone runs nothing). Reply briefly in plain words and short tables, never raw "
          "JSON; result rows are shown to the user separately.")

Completion = Callable[..., Any]   # litellm.completion's shape; tests pass one that returns mock responses


def llm_turn(message: str, conv: Conversation, ctx: tools.ToolContext, model: str, calls: list,
             completion: Completion | None, extra: dict[str, Any]) -> tuple[str, float]:
    """(the model's final answer, its cost in USD)."""
    import litellm

    completion = completion or litellm.completion
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM.format(workspace=ctx.workspace or "not set")}]
    messages += conv.history[-10:]
    messages.append({"role": "user", "content": message})
    cost = 0.0
    for _ in range(MAX_STEPS):
        response = completion(model=model, messages=messages, tools=tools.openai_schemas(), tool_choice="auto",
                              timeout=60, **extra)
        cost += float((getattr(response, "_hidden_params", None) or {}).get("response_cost") or 0.0)
        msg = response.choices[0].message
        tool_calls = getattr(msg, "tool_calls", None) or []
        if not tool_calls:
            return (msg.content or "").strip() or "Done.", cost
        messages.append(msg.model_dump(exclude_none=True))
        for call_ in tool_calls:
            try:
                arguments = json.loads(call_.function.arguments or "{}")
            except json.JSONDecodeError:
                arguments = {}
                result = {"error": "the tool arguments were not valid JSON"}
            else:
                result = run_tool(call_.function.name, arguments, ctx, calls, conv)
            messages.append({"role": "tool", "tool_call_id": call_.id,
                             "content": json.dumps(tools.trimmed(result), default=str)[:6000]})
    return "I stopped after several steps without a final answer; please narrow the request.", cost

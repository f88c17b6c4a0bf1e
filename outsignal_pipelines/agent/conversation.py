"""What a chat carries from one turn to the next, what a turn answers, and the one way either planner
runs a tool, so both remember the last search and what waits for a "yes" the same way."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from outsignal_pipelines.agent import tools

AFFIRM = re.compile(r"^\s*(yes|y|yep|yeah|sure|confirm(ed)?|go ahead|do it|ok(ay)?|proceed|run it)\b", re.I)


@dataclass
class Conversation:
    history: list[dict[str, str]] = field(default_factory=list)   # {"role", "content"}
    last_search: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None                           # {"tool", "args"} awaiting a "yes"
    workspace: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        return cls(**(data or {}))


@dataclass
class Reply:
    reply: str
    tool_calls: list[dict[str, Any]]
    agent_run_id: int
    planner: str
    tables: list[dict[str, Any]] = field(default_factory=list)   # rows the UI renders as tables

    def to_dict(self) -> dict[str, Any]:
        return {"reply": self.reply, "tool_calls": [{"tool": c["tool"], "args": c["args"]} for c in self.tool_calls],
                "agent_run_id": self.agent_run_id, "planner": self.planner}


def run_tool(name: str, args: dict[str, Any], ctx: tools.ToolContext, calls: list, conv: Conversation) -> dict:
    """Call a tool, append it to this turn's calls and update what the conversation remembers."""
    result = tools.call(name, ctx, args)
    calls.append({"tool": name, "args": args, "result": result})
    if result.get("requires_confirmation"):
        conv.pending = {"tool": name, "args": {**args, "confirm": True}}
    elif tools.REGISTRY.get(name) and tools.REGISTRY[name].spends and "error" not in result:
        conv.pending = None
    if name == "search_people" and "error" not in result:
        conv.last_search = args
    return result

"""What a chat carries from one turn to the next, what a turn answers, and the one way either planner
runs a tool, so both remember the last search, the last list and what waits for a "yes" the same way."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from outsignal_pipelines.agent import tools

AFFIRM = re.compile(r"^\s*(yes|y|yep|yeah|yup|sure|confirm(ed)?|go ahead|do it|ok(ay)?|proceed|run it|go for it|"
                    r"please do|correct|right|that one)\b", re.I)
NEGATE = re.compile(r"^\s*(no|nope|nah|cancel|stop|don'?t|never ?mind|abort|forget it)\b", re.I)
LIST_TOOLS = {"create_list", "show_list", "rename_list", "add_to_list", "remove_from_list", "enrich_list",
              "score_list", "export_list", "deploy_status", "delete_list"}


@dataclass
class Conversation:
    history: list[dict[str, str]] = field(default_factory=list)   # {"role", "content"}
    last_search: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None        # {"tool", "args", "token"} awaiting a "yes"
    workspace: str | None = None                 # the workspace in focus
    last_list: dict[str, str] | None = None      # {"name", "workspace"}: what "it" means
    draft: dict[str, Any] | None = None          # a search waiting for its list's name ("call it X")
    question: dict[str, Any] | None = None       # {"options": [{"label", "tool", "args"}]}: what was asked

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass
class Reply:
    reply: str
    tool_calls: list[dict[str, Any]]
    agent_run_id: int
    planner: str
    tables: list[dict[str, Any]] = field(default_factory=list)   # rows the UI renders as tables
    outcome: str = "complete"                                     # complete | not_understood | failed
    downloads: list[dict[str, str]] = field(default_factory=list)  # {"file_name", "path"} for the UI

    def to_dict(self) -> dict[str, Any]:
        return {"reply": self.reply, "tool_calls": [{"tool": c["tool"], "args": c["args"]} for c in self.tool_calls],
                "agent_run_id": self.agent_run_id, "planner": self.planner, "outcome": self.outcome}


def remember(conv: Conversation, name: str, args: dict[str, Any]) -> None:
    """What a call means for the next sentence: the search "them" refers to, the list "it" refers to."""
    if name in ("search_people", "count_people"):
        conv.last_search = {k: v for k, v in args.items() if k not in ("page_size",)}
    if name in LIST_TOOLS and args.get("name"):
        listed = args.get("new_name") or args["name"]
        conv.last_list = {"name": listed, "workspace": args.get("workspace") or conv.workspace}
    if name == "delete_list" and args.get("confirm"):
        conv.last_list = None
    if args.get("workspace") and name != "spend_summary":
        conv.workspace = args["workspace"]


def run_tool(name: str, args: dict[str, Any], ctx: tools.ToolContext, calls: list, conv: Conversation) -> dict:
    """Call a tool, append it to this turn's calls and update what the conversation remembers."""
    result = tools.call(name, ctx, args)
    calls.append({"tool": name, "args": args, "result": result})
    if result.get("requires_confirmation"):
        conv.pending = {"tool": name, "args": {k: v for k, v in args.items() if k != "confirmation_token"},
                        "token": result.get("confirmation_token")}
    elif tools.REGISTRY.get(name) and tools.REGISTRY[name].confirms:
        conv.pending = None
    if "error" not in result:
        remember(conv, name, args)
        if name == "set_workspace":
            conv.workspace = result["workspace"]
    return result

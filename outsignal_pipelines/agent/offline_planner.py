"""The planner for when no LLM is configured: a deterministic parser for the everyday sentences ("find
CTOs in fintech with verified email", "create a list called Rise Q1", "add them to Rise Q1", "score the
Rise Q1 list", "export Rise Q1 to EmailBison", "what lists does Rise have", ...). Anything else gets
what it can do, never a guess. The words for verticals and roles are the domain's, not its own."""

from __future__ import annotations

import re
from typing import Any

from outsignal_pipelines.agent import tools
from outsignal_pipelines.agent.conversation import AFFIRM, Conversation, run_tool
from outsignal_pipelines.agent.describe import describe
from outsignal_pipelines.domain.industries import verticals_in
from outsignal_pipelines.domain.titles import role_titles_in, seniorities_in
from outsignal_pipelines.operations.lists import list_lists
from outsignal_pipelines.operations.workspaces import list_workspaces

HELP = ("I can: find people (\"find CTOs in fintech with verified email\", \"only London\"), create lists "
        "(\"create a list called Rise Q1\"), add the results to a list (\"add them to Rise Q1\"), show lists "
        "(\"what lists does Rise have\", \"show Rise Q1\"), enrich, score and export a list (\"score the Rise Q1 "
        "list\", \"export Rise Q1 to EmailBison\" or \"as CSV\"), send a list to client review and show its deploy "
        "status. Paid actions show a cost estimate first and run when you reply \"yes\".")


def _find_workspace(text: str) -> str | None:
    """The workspace a sentence names by slug or name ("Rise's lists"); the longest name wins."""
    low = text.lower()
    for workspace in sorted(list_workspaces(), key=lambda w: -len(w.name)):
        for token in {workspace.slug.lower(), workspace.name.lower()}:
            if re.search(rf"(?<![\w-]){re.escape(token)}(?:'s)?(?![\w-])", low):
                return workspace.slug
    return None


def _find_list(text: str, workspace: str | None) -> tuple[str | None, str | None]:
    """(list name, its workspace): the longest existing list name the text mentions."""
    low = text.lower()
    hits = [(t.name, t.workspace_slug) for t in list_lists(workspace)
            if re.search(rf"(?<!\w){re.escape(t.name.lower())}(?!\w)", low)]
    if not hits:
        return None, None
    return max(hits, key=lambda h: len(h[0]))


def _search_args(text: str, workspace: str | None) -> dict[str, Any]:
    low = text.lower()
    args: dict[str, Any] = {"workspace": workspace}
    titles = role_titles_in(text)
    if titles:
        args["title_any"] = titles
    seniorities = seniorities_in(text)
    if seniorities:
        args["seniorities"] = seniorities
    verticals = verticals_in(text)
    if verticals:
        args["verticals"] = verticals
    if re.search(r"verified (e-?mails?|addresses?)|with (a )?valid e-?mail", low):
        args["has_verified_email"] = True
    location = _location_in(text)
    if location:
        args["location"] = location
    score = re.search(r"(?:score|icp)\s*(?:of|above|over|>=?|at least)?\s*(\d{1,3})", low)
    if score and workspace:
        args["min_icp_score"] = min(100, int(score.group(1)))
    if not any(k in args for k in ("title_any", "seniorities", "verticals", "location", "has_verified_email")):
        words = re.sub(r"\b(find|search|for|show|me|get|look|people|leads|contacts|who|are|all|the|in|at|with)\b", " ", low)
        words = " ".join(words.split())
        if words:
            args["text"] = words
    return args


def _location_in(text: str) -> str | None:
    """A capitalised place after "in"/"from" that is neither a vertical nor a workspace."""
    for match in re.finditer(r"\b(?:in|from|based in|located in)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)", text):
        phrase = match.group(1).strip()
        if not verticals_in(phrase) and not _find_workspace(phrase):
            return phrase
    return None


def _name_after(pattern: str, text: str, workspace: str | None) -> str | None:
    match = re.search(pattern, text, re.I)
    if not match:
        return None
    name = match.group(1).strip().strip("\"'“”").strip()
    if workspace:  # "... called E2E Q1 for rise" → "E2E Q1"
        for known in list_workspaces():
            if known.slug == workspace:
                name = re.sub(rf"\s+(?:for|in)\s+({re.escape(known.slug)}|{re.escape(known.name)})\s*$", "", name,
                              flags=re.I)
    return name.strip(" .") or None


def offline_turn(message: str, conv: Conversation, ctx: tools.ToolContext, calls: list) -> str:
    if ctx.user_confirmed and conv.pending:
        pending = conv.pending
        result = run_tool(pending["tool"], pending["args"], ctx, calls, conv)
        conv.pending = None
        return describe(pending["tool"], pending["args"], result)
    if AFFIRM.match(message) and not conv.pending:
        return "There is nothing waiting for a confirmation. " + HELP
    named = _find_workspace(message)
    if named:
        conv.workspace = named  # a workspace named in a sentence becomes the conversation's
    workspace = named or conv.workspace
    if workspace:
        ctx.workspace = workspace
    low = message.lower()
    list_name, list_ws = _find_list(message, workspace)
    if list_ws and not workspace:
        ctx.workspace = workspace = list_ws

    if re.search(r"\b(create|make|start|new)\b.*\blist\b", low):
        name = _name_after(r"\b(?:called|named|titled)\s+(.+)$", message, workspace) or \
            _name_after(r"\bnew list\s+(.+)$", message, workspace)
        if not name:
            return "What should the list be called? e.g. \"create a list called Rise Q1\""
        args = {"name": name, "workspace": workspace}
        return describe("create_list", args, run_tool("create_list", args, ctx, calls, conv))
    if re.search(r"\badd\b.*\bto\b", low):
        target = list_name or _name_after(r"\bto\s+(?:the\s+)?(?:list\s+)?(.+?)(?:\s+list)?$", message, workspace)
        if not conv.last_search:
            return "Add whom? Search first (\"find CTOs in fintech\"), then \"add them to <list>\"."
        search = {k: v for k, v in conv.last_search.items() if k not in ("page", "page_size")}
        args = {"name": target, "workspace": workspace or search.get("workspace"), "search": search}
        return describe("add_to_list", args, run_tool("add_to_list", args, ctx, calls, conv))
    if re.search(r"\bsend\b.*\breview\b", low):
        if not list_name:
            return "Which list should go to the client? e.g. \"send Rise Q1 to client review\""
        args = {"workspace": workspace, "list_name": list_name}
        return describe("send_to_review", args, run_tool("send_to_review", args, ctx, calls, conv))
    for verb, tool_name in (("score", "score_list"), ("enrich", "enrich_list"), ("export", "export_list")):
        if re.search(rf"\b{verb}\b", low):
            if not list_name:
                return f"Which list should I {verb}? e.g. \"{verb} Rise Q1\" (lists: \"what lists does Rise have\")"
            args: dict[str, Any] = {"name": list_name, "workspace": workspace}
            if tool_name == "export_list":
                args["to"] = "emailbison" if "emailbison" in low or "email bison" in low else "csv"
            return describe(tool_name, args, run_tool(tool_name, args, ctx, calls, conv))
    if re.search(r"\bdeploy", low) and list_name:
        if re.search(r"\bstatus\b|\bhow\b|\bdid\b", low):
            args = {"name": list_name, "workspace": workspace}
            return describe("deploy_status", args, run_tool("deploy_status", args, ctx, calls, conv))
        args = {"workspace": workspace, "list_name": list_name}
        return describe("deploy", args, run_tool("deploy", args, ctx, calls, conv))
    if re.search(r"\b(what|which|show|list)\b.*\blists\b|\blists\b.*\bhave\b", low):
        args = {"workspace": workspace}
        return describe("list_lists", args, run_tool("list_lists", args, ctx, calls, conv))
    if list_name and re.search(r"^\s*(show|open|view|describe|summari[sz]e)\b", low):
        args = {"name": list_name, "workspace": workspace}
        return describe("show_list", args, run_tool("show_list", args, ctx, calls, conv))
    refine = re.match(r"^\s*(?:only|just)\s+(.+)$", message, re.I)
    if refine and conv.last_search:
        args = dict(conv.last_search)
        extra = refine.group(1).strip()
        verticals = verticals_in(extra)
        if verticals:
            args["verticals"] = verticals
        elif re.search(r"verified", extra, re.I):
            args["has_verified_email"] = True
        else:
            args["location"] = extra.removeprefix("in ").strip()
        args["page"] = 1
        return describe("search_people", args, run_tool("search_people", args, ctx, calls, conv))
    if re.search(r"\b(find|search|show|get|look for|who are|list)\b", low):
        args = _search_args(message, workspace)
        return describe("search_people", args, run_tool("search_people", args, ctx, calls, conv))
    return HELP

"""The Leads Agent's chat: one entry point (`chat`) for the ⌘J dialog, the Chat page, the CLI and MCP.

With OUTSIGNAL_LLM_MODEL set, a litellm tool-calling loop plans; without it, a deterministic parser
handles the everyday sentences ("find CTOs in fintech with verified email", "create a list called
Rise Q1", "add them to Rise Q1", "score the Rise Q1 list", "export Rise Q1 to EmailBison", "what lists
does Rise have", ...) and answers anything else with what it can do, never a guess. Both call the same
tools, and every turn is written to agent_runs with its tool calls."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from outsignal_pipelines.agent import tools
from outsignal_pipelines.domain.industries import SYNONYMS
from outsignal_pipelines.domain.vocabulary import VERTICALS
from outsignal_pipelines.clients import llm
from outsignal_pipelines.store import connect, transaction

MAX_STEPS = 6
AFFIRM = re.compile(r"^\s*(yes|y|yep|yeah|sure|confirm(ed)?|go ahead|do it|ok(ay)?|proceed|run it)\b", re.I)
HELP = ("I can: find people (\"find CTOs in fintech with verified email\", \"only London\"), create lists "
        "(\"create a list called Rise Q1\"), add the results to a list (\"add them to Rise Q1\"), show lists "
        "(\"what lists does Rise have\", \"show Rise Q1\"), enrich, score and export a list (\"score the Rise Q1 "
        "list\", \"export Rise Q1 to EmailBison\" or \"as CSV\"), send a list to client review and show its deploy "
        "status. Paid actions show a cost estimate first and run when you reply \"yes\".")


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


# ------------------------------------------------------------------ the entry point

def chat(message: str, conversation: Conversation | None = None, workspace: str | None = None,
         triggered_by: str = "chat", completion: llm.Completion | None = None,
         completion_kwargs: dict[str, Any] | None = None) -> tuple[Reply, Conversation]:
    conv = conversation or Conversation()
    conv.workspace = workspace or conv.workspace
    message = (message or "").strip()[:2000]
    started = time.monotonic()
    run_id = _start_run(message, conv.workspace, triggered_by)
    ctx = tools.ToolContext(workspace=conv.workspace, user_confirmed=bool(conv.pending and AFFIRM.match(message)),
                            triggered_by=triggered_by)
    model = llm.configured_model()
    calls: list[dict[str, Any]] = []
    cost = 0.0
    try:
        if model:
            text, cost = _llm_turn(message, conv, ctx, model, calls, completion, completion_kwargs or {})
            planner = f"llm:{model}"
        else:
            text = _offline_turn(message, conv, ctx, calls)
            planner = "offline"
        status, error = "complete", None
    except Exception as exc:  # noqa: BLE001 - the user gets a plain answer and the run records the failure
        text = f"Something went wrong: {exc}. Nothing else was changed; try again or rephrase."
        planner, status, error = (f"llm:{model}" if model else "offline"), "failed", f"{type(exc).__name__}: {exc}"
    conv.history += [{"role": "user", "content": message}, {"role": "assistant", "content": text}]
    conv.history = conv.history[-20:]
    _finish_run(run_id, text, calls, status, error, started, cost)
    tables = [{"tool": c["tool"], "rows": c["result"]["results"]} for c in calls
              if isinstance(c.get("result"), dict) and isinstance(c["result"].get("results"), list)]
    return Reply(text, calls, run_id, planner, tables), conv


def _run_tool(name: str, args: dict[str, Any], ctx: tools.ToolContext, calls: list, conv: Conversation) -> dict:
    result = tools.call(name, ctx, args)
    calls.append({"tool": name, "args": args, "result": result})
    if result.get("requires_confirmation"):
        conv.pending = {"tool": name, "args": {**args, "confirm": True}}
    elif tools.REGISTRY.get(name) and tools.REGISTRY[name].spends and "error" not in result:
        conv.pending = None
    if name == "search_people" and "error" not in result:
        conv.last_search = args
    return result


# ------------------------------------------------------------------ offline planner

def _workspaces() -> list[tuple[str, str]]:
    with connect() as con:
        return con.execute("SELECT slug, name FROM workspaces").fetchall()


def _find_workspace(text: str) -> str | None:
    low = text.lower()
    for slug, name in sorted(_workspaces(), key=lambda w: -len(w[1])):
        for token in {slug.lower(), name.lower()}:
            if re.search(rf"(?<![\w-]){re.escape(token)}(?:'s)?(?![\w-])", low):
                return slug
    return None


def _find_list(text: str, workspace: str | None) -> tuple[str | None, str | None]:
    """(list name, its workspace): the longest existing list name the text mentions."""
    with connect() as con:
        rows = con.execute("SELECT name, workspace_slug FROM target_lists WHERE ? IS NULL OR workspace_slug = ?",
                           [workspace, workspace]).fetchall()
    low = text.lower()
    hits = [(n, w) for n, w in rows if re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", low)]
    if not hits:
        return None, None
    return max(hits, key=lambda h: len(h[0]))


_ROLE_TITLES = {"cto": ["cto", "chief technology"], "ceo": ["ceo", "chief executive"], "cfo": ["cfo", "chief financial"],
                "cmo": ["cmo", "chief marketing"], "coo": ["coo", "chief operating"], "cio": ["cio", "chief information"],
                "cpo": ["cpo", "chief product", "chief people"], "cro": ["cro", "chief revenue"],
                "founder": ["founder"], "owner": ["owner"]}
_ROLE_SENIORITY = [(r"\b(vps?|vice[- ]presidents?)\b", "VP"), (r"\bdirectors?\b", "Director"),
                   (r"\bmanagers?\b", "Manager"), (r"\b(c-suite|c-level|executives)\b", "C-Suite")]
_VERTICAL_WORDS = {**{v.lower(): v for v in VERTICALS}, **SYNONYMS, "saas": "B2B SaaS", "fintech": "Accounting & Finance",
                   "logistics": "Logistics & Supply Chain", "supply chain": "Logistics & Supply Chain",
                   "recruitment": "Staffing & Recruitment", "staffing": "Staffing & Recruitment",
                   "architecture": "Architecture & Construction", "telecom": "Telecoms", "travel": "Travel & Hospitality",
                   "media": "Media & Entertainment", "education": "Education & Training", "energy": "Energy & Utilities",
                   "accounting": "Accounting & Finance", "ecommerce": "E-Commerce & Retail", "it": "Managed Services & IT"}


def _verticals_in(text: str) -> list[str]:
    low = text.lower()
    found = []
    for phrase, vertical in sorted(_VERTICAL_WORDS.items(), key=lambda kv: -len(kv[0])):
        if len(phrase) > 2 and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", low) and vertical not in found:
            found.append(vertical)
    return found


def _search_args(text: str, workspace: str | None) -> dict[str, Any]:
    low = text.lower()
    args: dict[str, Any] = {"workspace": workspace}
    titles: list[str] = []
    for role, words in _ROLE_TITLES.items():
        if re.search(rf"\b{role}s?\b", low):
            titles += words
    head = re.search(r"\bheads? of ([a-z&]+)", low)
    if head:
        titles.append(f"head of {head.group(1)}")
    if titles:
        args["title_any"] = titles
    seniorities = [level for pattern, level in _ROLE_SENIORITY if re.search(pattern, low)]
    if seniorities:
        args["seniorities"] = seniorities
    verticals = _verticals_in(text)
    if verticals:
        args["verticals"] = verticals
    if re.search(r"verified (e-?mails?|addresses?)|with (a )?valid e-?mail", low):
        args["has_verified_email"] = True
    location = _location_in(text, verticals)
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


def _location_in(text: str, verticals: list[str]) -> str | None:
    for match in re.finditer(r"\b(?:in|from|based in|located in)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)", text):
        phrase = match.group(1).strip()
        if not _verticals_in(phrase) and not _find_workspace(phrase):
            return phrase
    return None


def _name_after(pattern: str, text: str, workspace: str | None) -> str | None:
    match = re.search(pattern, text, re.I)
    if not match:
        return None
    name = match.group(1).strip().strip("\"'“”").strip()
    if workspace:  # "... called E2E Q1 for rise" → "E2E Q1"
        for slug, wname in _workspaces():
            if slug == workspace:
                name = re.sub(rf"\s+(?:for|in)\s+({re.escape(slug)}|{re.escape(wname)})\s*$", "", name, flags=re.I)
    return name.strip(" .") or None


def _offline_turn(message: str, conv: Conversation, ctx: tools.ToolContext, calls: list) -> str:
    if ctx.user_confirmed and conv.pending:
        pending = conv.pending
        result = _run_tool(pending["tool"], pending["args"], ctx, calls, conv)
        conv.pending = None
        return _describe(pending["tool"], pending["args"], result)
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
        return _describe("create_list", args, _run_tool("create_list", args, ctx, calls, conv))
    if re.search(r"\badd\b.*\bto\b", low):
        target = list_name or _name_after(r"\bto\s+(?:the\s+)?(?:list\s+)?(.+?)(?:\s+list)?$", message, workspace)
        if not conv.last_search:
            return "Add whom? Search first (\"find CTOs in fintech\"), then \"add them to <list>\"."
        search = {k: v for k, v in conv.last_search.items() if k not in ("page", "page_size")}
        args = {"name": target, "workspace": workspace or search.get("workspace"), "search": search}
        return _describe("add_to_list", args, _run_tool("add_to_list", args, ctx, calls, conv))
    if re.search(r"\bsend\b.*\breview\b", low):
        if not list_name:
            return "Which list should go to the client? e.g. \"send Rise Q1 to client review\""
        args = {"workspace": workspace, "list_name": list_name}
        return _describe("send_to_review", args, _run_tool("send_to_review", args, ctx, calls, conv))
    for verb, tool_name in (("score", "score_list"), ("enrich", "enrich_list"), ("export", "export_list")):
        if re.search(rf"\b{verb}\b", low):
            if not list_name:
                return f"Which list should I {verb}? e.g. \"{verb} Rise Q1\" (lists: \"what lists does Rise have\")"
            args: dict[str, Any] = {"name": list_name, "workspace": workspace}
            if tool_name == "export_list":
                args["to"] = "emailbison" if "emailbison" in low or "email bison" in low else "csv"
            return _describe(tool_name, args, _run_tool(tool_name, args, ctx, calls, conv))
    if re.search(r"\bdeploy", low) and list_name:
        if re.search(r"\bstatus\b|\bhow\b|\bdid\b", low):
            args = {"name": list_name, "workspace": workspace}
            return _describe("deploy_status", args, _run_tool("deploy_status", args, ctx, calls, conv))
        args = {"workspace": workspace, "list_name": list_name}
        return _describe("deploy", args, _run_tool("deploy", args, ctx, calls, conv))
    if re.search(r"\b(what|which|show|list)\b.*\blists\b|\blists\b.*\bhave\b", low):
        args = {"workspace": workspace}
        return _describe("list_lists", args, _run_tool("list_lists", args, ctx, calls, conv))
    if list_name and re.search(r"^\s*(show|open|view|describe|summari[sz]e)\b", low):
        args = {"name": list_name, "workspace": workspace}
        return _describe("show_list", args, _run_tool("show_list", args, ctx, calls, conv))
    refine = re.match(r"^\s*(?:only|just)\s+(.+)$", message, re.I)
    if refine and conv.last_search:
        args = dict(conv.last_search)
        extra = refine.group(1).strip()
        verticals = _verticals_in(extra)
        if verticals:
            args["verticals"] = verticals
        elif re.search(r"verified", extra, re.I):
            args["has_verified_email"] = True
        else:
            args["location"] = extra.removeprefix("in ").strip()
        args["page"] = 1
        return _describe("search_people", args, _run_tool("search_people", args, ctx, calls, conv))
    if re.search(r"\b(find|search|show|get|look for|who are|list)\b", low):
        args = _search_args(message, workspace)
        return _describe("search_people", args, _run_tool("search_people", args, ctx, calls, conv))
    return HELP


def _describe(name: str, args: dict[str, Any], result: dict[str, Any]) -> str:
    """A short plain answer for a tool result (the tables carry the detail)."""
    if "error" in result:
        return f"I couldn't do that: {result['error']}"
    if result.get("requires_confirmation"):
        what = {"enrich_list": "Enriching", "score_list": "LLM-scoring", "export_list": "Exporting to EmailBison"}[name]
        details = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.items()
                            if k not in ("requires_confirmation", "list") and not isinstance(v, dict))
        return f"{what} {args.get('name')!r} would cost about ${result.get('estimated_cost_usd', 0):.2f} ({details}). Reply \"yes\" to run it."
    if name == "search_people":
        return (f"Found {result['total']:,} people (page {result['page']} of {result['pages']}), best ICP scores first "
                "when a workspace is set." if result["total"] else "No one matches that. Try a broader search.")
    if name == "create_list":
        return (f"Created list {result['name']!r} in {result['workspace']}." if result["created"] else
                f"List {result['name']!r} already exists in {result['workspace']} ({result['members']} members).")
    if name == "add_to_list":
        return f"Added {result['added']} people to {args['name']!r} ({result.get('already_on_list', 0)} were already on it)."
    if name == "list_lists":
        lists = result["lists"]
        return (f"{result['workspace']} has {len(lists)} lists: " + "; ".join(
            f"{l['name']} ({l['status']}, {l['members']} members)" for l in lists)) if lists else \
            f"{result['workspace']} has no lists yet."
    if name == "show_list":
        return (f"{result['name']} ({result['status']}): {result['members']} members, email {result['email_coverage']:.0%}, "
                f"verified {result['verified_share']:.0%}, ICP bands {result['icp_bands']}.")
    if name == "score_list":
        d = result["distribution"]
        return (f"Scored {result['scored']} with {result['scorer']} ({result['skipped_already_scored']} already scored, "
                f"skipped; no enrichment calls). ≥70: {d['green']}, 40–69: {d['amber']}, <40: {d['grey']}.")
    if name == "enrich_list":
        return (f"Enriched {result['people']} people: {result['emails_found']} emails found, {result['paid_calls']} paid "
                f"calls, ${result['cost_usd']:.2f}; {result['skipped_by_dedup']} answers reused from the ledger.")
    if name == "export_list":
        if result.get("refused"):
            return f"Export refused: {result['reason']}."
        reasons = result.get("blocked_reasons") or result.get("excluded_reasons") or {}
        why = "; ".join(f"{n} × {r}" for r, n in reasons.items())
        where = result.get("file") or f"EmailBison campaign {result.get('campaign_name')!r} (id {result.get('campaign_id')})"
        return f"Exported {result['exported']} verified leads to {where}. Excluded {result['excluded']['blocked']}" + \
            (f": {why}." if why else ".")
    if name == "send_to_review":
        return f"{args.get('list_name') or args.get('campaign')!r} is now {result['status']}; the client can review it in the portal."
    if name == "deploy":
        return (f"Deploy {result['id']} of {result['campaign_name']!r} ({result['path'].replace('_', ' ')}) is "
                f"{result['status']}; it runs in the background and you will be notified.")
    if name == "deploy_status":
        latest = result["deploys"][0] if result["deploys"] else None
        return f"{result['list']} is {result['status']}" + (f"; last deploy {latest['status']}." if latest else "; no deploys yet.")
    return json.dumps(result, default=str)[:500]


# ------------------------------------------------------------------ LLM planner

SYSTEM = ("You are the Outsignal Leads Agent for an outbound agency. Use the tools to search people, build lists, "
          "enrich, score, export and send lists to client review. The current workspace is {workspace}. Tools that "
          "spend money return a preview first: show the estimate and ask the user; only call them with confirm=true "
          "after the user said yes. Reply briefly in plain words; tables are shown to the user separately.")


def _llm_turn(message: str, conv: Conversation, ctx: tools.ToolContext, model: str, calls: list,
              completion, extra: dict) -> tuple[str, float]:
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
                result = _run_tool(call_.function.name, arguments, ctx, calls, conv)
            messages.append({"role": "tool", "tool_call_id": call_.id,
                             "content": json.dumps(tools.trimmed(result), default=str)[:6000]})
    return "I stopped after several steps without a final answer; please narrow the request.", cost


# ------------------------------------------------------------------ AgentRun audit

def _start_run(message: str, workspace: str | None, triggered_by: str) -> int:
    with transaction() as con:
        return con.execute(
            """INSERT INTO agent_runs (agent, workspace_slug, input, status, triggered_by)
               VALUES ('leads', ?, ?, 'running', ?) RETURNING id""",
            [workspace, json.dumps({"message": message}), triggered_by]).fetchall()[0][0]


def _finish_run(run_id: int, text: str, calls: list, status: str, error: str | None, started: float,
                cost: float) -> None:
    steps = [{"tool": c["tool"], "args": c["args"], "result": tools.trimmed(c["result"], rows=5)} for c in calls]
    with transaction() as con:
        con.execute(
            """UPDATE agent_runs SET output = ?, steps = ?, status = ?, error = ?, duration_ms = ?, cost_usd = ?
               WHERE id = ?""",
            [json.dumps({"reply": text}), json.dumps(steps, default=str), status, error,
             int((time.monotonic() - started) * 1000), cost, run_id])


def agent_runs(workspace: str | None = None, status: str | None = None, triggered_by: str | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
    with connect() as con:
        cursor = con.execute(
            """SELECT id, created_at, workspace_slug, triggered_by, status, duration_ms, cost_usd,
                      input ->> 'message' AS message, output ->> 'reply' AS reply, steps, error
               FROM agent_runs WHERE (? IS NULL OR workspace_slug = ?) AND (? IS NULL OR status = ?)
                 AND (? IS NULL OR triggered_by = ?) ORDER BY id DESC LIMIT ?""",
            [workspace, workspace, status, status, triggered_by, triggered_by, int(limit)])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

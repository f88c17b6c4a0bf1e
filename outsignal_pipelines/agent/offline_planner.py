"""The planner for when no LLM is configured: a small language-understanding layer. `understanding`
reads a sentence (names resolved against the live data, typos corrected, intent and slots from the
domain's vocabularies); this module is the dialogue around it: the workspace in focus, what "them",
"it", "only London" and "call it X" refer back to, one precise question when a sentence could mean two
things, and the same tools and confirmation rule as the LLM planner. `understand` only decides (the
corpus test reads it); `offline_turn` also runs what it decided."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from outsignal_pipelines.agent import tools
from outsignal_pipelines.agent.conversation import AFFIRM, NEGATE, Conversation, remember, run_tool
from outsignal_pipelines.agent.describe import describe
from outsignal_pipelines.agent.entities import Known, lists_like
from outsignal_pipelines.agent.understanding import Reading, read, search_slots

HELP = ("I can find people (\"find VPs of sales in B2B SaaS with verified email\", then \"only London\"), count "
        "them (\"how many leads does Rise have with a verified email\"), look someone up (\"who is Sophia Patel\"), "
        "build lists (\"make a list of heads of sales in Germany\", \"add them to Rise Q1\", \"remove the catch-all "
        "emails from Rise Q1\", rename, delete), enrich, score and export a list (cost preview first, then your "
        "\"yes\"), send it to client review, deploy it and show its deploy status, tell you what was spent, and "
        "how a deployed list is doing (\"how is Rise Q1 doing?\", \"which vertical replies most for Lime?\", "
        "\"which provider bounces most?\").")
NOT_UNDERSTOOD = ("I didn't understand that. Try \"find CTOs in fintech with verified email\", \"show Rise Q1\" or "
                  "\"what did we spend this week\" (say \"help\" for more).")

_V = {   # leading verbs → intent
    "help": r"help|what can you do|what do you do|commands|how does this work|\?",
    "focus": r"(?:switch|change|move|go|jump|swap|flip)(?: over| back)?(?: the workspace)? to|work(?:ing)? on|"
             r"focus on|use(?: the)? workspace|use|let's do|over to|set(?: the)? workspace to|open workspace",
    "rename": r"rename|re-name|change the name of",
    "call": r"call it|name it",
    "delete": r"delete|del|bin|trash|destroy|get rid of|drop|purge|wipe|remove",
    "remove": r"remove|take out|take|drop|exclude|strip|clean out|clean|kick out|purge|get rid of|filter out|delete",
    "create": r"create|make|build|start|set up|new|generate|put together",
    "add": r"add|put|save|include|stick|move|copy|append|throw",
    "enrich": r"enrich|re-enrich|find emails for|get emails for|find the emails for|verify|fill in",
    "score": r"score|rescore|re-score|rank|qualify|run (?:the )?(?:scoring|scorer|icp scoring) on|run icp on",
    "export": r"export|download|push|upload|sync|send",
    "review": r"send|submit|share|put",
    "deploy": r"deploy|launch|ship|go live with|activate",
    "status": r"deploy status|deployment status|status",
    "count": r"how many|count|number of|total number of|total|tell me how many",
    "who": r"who is|who's|whos|who was|tell me about|look up|lookup|info on|details on|details for",
    "show": r"show|open|view|describe|summari[sz]e|stats for|stats on|details of|how is|how's|how does|"
            r"what's in|whats in|what is in|look at|check|display|see|give me",
    "search": r"find|search|search for|look for|get|show me|show|give me|pull|pull up|list|who are|any|are there|"
              r"i need|i want|fetch|source|grab|locate|get me|bring up|query|people|leads|contacts",
    "refine": r"only|just|now|what about|how about|and|also|same but|narrow(?: it)?(?: down)? to|filter(?: to| by| on)?|"
              r"limit(?: it)? to|but|instead|make it|without|excluding|exclude|same for|same in|ok now",
    "more": r"next|more|show more|next page|load more|keep going",
    "spend": r"spend|spent|cost|costs|credits|paid|bill|budget|burn",
}


_REFINE_STRIP = (r"only|just|now|what about|how about|and|also|same but|narrow(?: it)?(?: down)? to|filter(?: to| by| on)?|"
                 r"limit(?: it)? to|but|instead|make it|same for|same in|ok now")


def _starts(text: str, intent: str) -> bool:
    return re.match(rf"(?:{_V[intent]})\b", text) is not None


@dataclass
class Plan:
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    reply: str | None = None           # an answer or a question when no tool runs
    outcome: str = "complete"          # or "not_understood"


def _args(tool: str, name: str, workspace: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    """A list tool's arguments: review and deploy name the list `list_name`, the others `name`."""
    if tool in ("send_to_review", "deploy"):
        return {"workspace": workspace, "list_name": name, **extra}
    return {"name": name, "workspace": workspace, **extra}


def _ask(question: str, conv: Conversation, options: list[dict[str, Any]] | None = None) -> Plan:
    conv.question = {"options": options} if options else None
    return Plan(reply=question)


def _focus(reading: Reading, conv: Conversation) -> str | None:
    """The workspace a sentence is about: one it names, else the one of a list it names, else the focus."""
    named = reading.workspaces()
    if named:
        return named[-1].name
    if reading.lists():
        return reading.lists()[0].workspace
    return conv.workspace


def _list_target(reading: Reading, conv: Conversation, known: Known, verb: str, workspace: str | None,
                 tool: str, extra: dict[str, Any]) -> tuple[dict[str, str] | None, Plan | None]:
    """The list a list verb is about: one named, else "it/them/this list" (the last list), else one
    precise question."""
    lists = reading.lists()
    if lists:
        hit = lists[0]
        if hit.others:   # the same name in several workspaces, none in focus
            options = [{"label": f"{hit.name} in {known.workspaces.get(w, w)}", "tool": tool,
                        "args": _args(tool, n, w, extra)} for n, w in [(hit.name, hit.workspace), *hit.others]]
            return None, _ask("Which one: " + " or ".join(o["label"] for o in options) + "?", conv, options)
        return {"name": hit.name, "workspace": hit.workspace}, None
    text = reading.text
    if re.search(r"\b(it|them|this|that|these|those|the list|this list|that list|this one|that one|same list)\b",
                 text) and conv.last_list:
        return dict(conv.last_list), None
    named = reading.workspaces()
    if named:   # "enrich rise": a workspace where a list was expected
        ws = named[0].name
        candidates = known.lists_of(ws)
        options = [{"label": f"the list {n}", "tool": tool, "args": _args(tool, n, ws, extra)}
                   for n in candidates]
        if options:
            if verb == "show":
                options.append({"label": f"the workspace {known.workspaces[ws]}", "tool": "list_lists",
                                "args": {"workspace": ws}})
                return None, _ask("Did you mean " + " or ".join(o["label"] for o in options) + "?", conv, options)
            return None, _ask(f"Which list of {known.workspaces[ws]} should I {verb}: "
                              + " or ".join(o["label"].removeprefix("the list ") for o in options) + "?", conv, options)
    words = re.sub(rf"^(?:{_V.get(verb, verb)})\b", "", text).strip()
    words = re.sub(r"\b(the|list|to|emailbison|email bison|bison|as|csv|a|an|file|for|review|client|please|now|of|"
                   r"deploy|deployment|status|what's|whats|what|is|it|again|too|against|icp|campaign|approval|"
                   r"send|sent|with|my|our|current|latest|last)\b", " ", words).split()
    if not words and conv.last_list:   # "export to csv", "deploy status": the list we were talking about
        if " " not in text.strip():     # a bare verb: check rather than assume
            option = {"label": conv.last_list["name"], "tool": tool, "args": _args(tool, conv.last_list["name"], conv.last_list["workspace"], extra)}
            return None, _ask(f"{verb.capitalize()} {conv.last_list['name']}? Say yes, or name another list.", conv,
                              [option])
        return dict(conv.last_list), None
    if words:
        similar = [h for w in words if len(w) > 2 for h in lists_like(w, known, workspace)]
        similar = list(dict.fromkeys(similar))
        if 1 < len(similar) <= 4:
            options = [{"label": n, "tool": tool, "args": _args(tool, n, w, extra)} for n, w in similar]
            return None, _ask("Did you mean " + " or ".join(o["label"] for o in options) + "?", conv, options)
        if len(similar) == 1:
            n, w = similar[0]
            return None, _ask(f"Did you mean the list {n}?", conv,
                              [{"label": n, "tool": tool, "args": _args(tool, n, w, extra)}])
        names = known.lists_of(workspace)
        where = known.workspaces.get(workspace or "", "this workspace")
        return None, _ask(f"I can't find a list called \"{' '.join(words)}\" in {where}. "
                          + (f"Its lists are: {', '.join(names)}." if names else "It has no lists yet."), conv)
    names = known.lists_of(workspace)
    return None, _ask(f"Which list should I {verb}?" + (f" {known.workspaces.get(workspace or '', '')} has: "
                                                         f"{', '.join(names)}." if names else ""), conv)


def _answer_question(message: str, conv: Conversation) -> Plan | None:
    """A reply to the question asked last turn: "the list", "the workspace", "the first", a name, "yes"."""
    options = (conv.question or {}).get("options") or []
    conv.question = None
    if not options:
        return None
    low = message.lower().strip(" .!?")
    if AFFIRM.match(low) and len(options) == 1:
        return Plan(options[0]["tool"], options[0]["args"])
    ordinals = {"first": 0, "1": 0, "the first": 0, "second": 1, "2": 1, "the second": 1, "third": 2, "last": -1}
    if low.removeprefix("the ").removesuffix(" one") in ordinals:
        chosen = options[ordinals[low.removeprefix("the ").removesuffix(" one")]]
        return Plan(chosen["tool"], chosen["args"])
    for option in options:
        label = option["label"].lower()
        if low in (label, label.removeprefix("the list ").removeprefix("the workspace "), label.split(" ")[1]
                   if label.startswith("the ") else label):
            return Plan(option["tool"], option["args"])
    matching = [o for o in options if low and low in o["label"].lower()]
    if len(matching) == 1:
        return Plan(matching[0]["tool"], matching[0]["args"])
    return None


def understand(message: str, conv: Conversation, known: Known | None = None) -> Plan:
    """What to do with a sentence, in context; updates what the conversation remembers."""
    plan = _understand(message, conv, known or Known.load())
    if plan.tool:
        remember(conv, plan.tool, plan.args)
        spec = tools.REGISTRY.get(plan.tool)
        if spec and spec.confirms and not plan.args.get("confirm"):
            conv.pending = {"tool": plan.tool, "args": plan.args}
    return plan


def _understand(message: str, conv: Conversation, known: Known) -> Plan:
    message = (message or "").strip()
    if not message:
        return Plan(reply=NOT_UNDERSTOOD, outcome="not_understood")
    if conv.pending and AFFIRM.match(message) and not conv.question:
        pending, conv.pending = conv.pending, None
        return Plan(pending["tool"], {**pending["args"], "confirm": True})
    if conv.pending and NEGATE.match(message):
        conv.pending = None
        return Plan(reply="Cancelled. Nothing was spent or changed.")
    conv.pending = None   # a preview waits for the very next answer only; moving on drops it
    if conv.question and (answer := _answer_question(message, conv)):
        return answer
    if AFFIRM.match(message) and len(message.split()) <= 2:
        return Plan(reply="There is nothing waiting for a \"yes\" right now. What would you like to do?")
    reading = read(message, known, conv.workspace)
    text = reading.text
    workspace = _focus(reading, conv)
    if _starts(text, "help"):
        return Plan(reply=HELP)
    said_switch = re.fullmatch(rf"(?:{_V['focus']})\s+(?:the\s+)?(?:workspace\s+)?@w\d+(?:\s+workspace)?", text)
    bare_name = re.fullmatch(r"(?:workspace\s+)?@w\d+(?:\s+workspace)?", text)
    if said_switch or (bare_name and _answerable_focus(reading, known)):
        return Plan("set_workspace", {"workspace": reading.workspaces()[0].name})
    if re.fullmatch(r"@w\d+", text):   # a bare workspace name that also starts lists' names
        return _list_target(reading, conv, known, "show", workspace, "show_list", {})[1] or Plan(reply=NOT_UNDERSTOOD)

    if reading.new_name and (_starts(text, "rename") or re.search(r"\b(rename|re-name)\b", text)):
        target, question = _list_target(reading, conv, known, "rename", workspace, "rename_list",
                                        {"new_name": reading.new_name})
        return question or Plan("rename_list", {"name": target["name"], "workspace": target["workspace"],
                                                "new_name": reading.new_name})
    if reading.new_name:   # "call it X": the list being made, else the last list gets the name
        if conv.draft is not None:
            search, conv.draft = conv.draft, None
            return Plan("create_list", {"name": reading.new_name, "workspace": search.get("workspace") or workspace,
                                        "search": search})
        if conv.last_list:
            return Plan("rename_list", {**conv.last_list, "new_name": reading.new_name})
        return _ask("Name which list? Make one first (\"make a list of CTOs in fintech\").", conv)

    if _starts(text, "create") and re.search(r"\blists?\b", text):
        after = re.sub(rf"^(?:{_V['create']})\b\s*(?:me\s+)?(?:a|an|the)?\s*(?:new\s+)?(?:target\s+)?lists?\b", "", text)
        after = re.sub(r"^\s*(?:of|with|for|containing|from)\b", "", after).strip()
        slots = search_slots(after, reading) if after and not re.fullmatch(r"(?:for\s+)?@w\d+", after) else {}
        slots.pop("text", None) if reading.list_name and list(slots) == ["text"] else None
        if reading.list_name:
            args: dict[str, Any] = {"name": reading.list_name, "workspace": workspace}
            if slots:
                args["search"] = {"workspace": workspace, **slots}
            return Plan("create_list", args)
        if slots:
            conv.draft = {"workspace": workspace, **slots}
            return Plan("search_people", {"workspace": workspace, **slots})
        return _ask("What should the list be called? e.g. \"create a list called Rise Q2\"", conv)

    if _starts(text, "remove") and re.search(r"\b(?:from|off|out of)\s+(?:the\s+)?(?:list\s+)?(?:@l\d+|it|this list|the list)",
                                              text):
        target, question = _list_target(reading, conv, known, "remove from", workspace, "remove_from_list", {})
        if question:
            return question
        middle = re.sub(rf"^(?:{_V['remove']})\b", "", text)
        middle = re.split(r"\b(?:from|off|out of)\s+(?:the\s+)?(?:list\s+)?(?:@l\d+|it|this list|the list)", middle)[0]
        if re.fullmatch(r"\s*(?:them|these|those|the results|everyone found|that search)\s*", middle) and conv.last_search:
            condition = {k: v for k, v in conv.last_search.items() if k not in ("page", "workspace")}
        else:
            condition = search_slots(middle, reading)
            condition.pop("in_list", None)
        if not condition or list(condition) == ["text"]:
            return _ask(f"Which members should leave {target['name']}? e.g. \"remove the catch-all emails from "
                        f"{target['name']}\" or \"remove everyone scored below 40\"", conv)
        return Plan("remove_from_list", {**target, "search": condition})
    if _starts(text, "delete") and (reading.lists() or re.search(r"\b(list|it|this|that)\b", text)) and \
            not re.search(r"\bfrom\b", text):
        target, question = _list_target(reading, conv, known, "delete", workspace, "delete_list", {})
        return question or Plan("delete_list", target)

    if _starts(text, "add") and re.search(r"\b(?:to|on|onto|into|in|as)\b", text):
        if not conv.last_search:
            return _ask("Add whom? Search first (\"find CTOs in fintech\"), then \"add them to <list>\".", conv)
        search = {k: v for k, v in conv.last_search.items() if k not in ("page",)}
        lists = reading.lists()
        if lists:
            target = {"name": lists[0].name, "workspace": lists[0].workspace}
        elif reading.list_name:
            target = {"name": reading.list_name, "workspace": workspace}
        else:
            m = re.search(r"\b(?:to|onto|into|on|as)\s+(?:a\s+|the\s+)?(?:new\s+)?(?:list\s+)?(.+?)(?:\s+list)?$", text)
            if not m or m.group(1) in ("it", "the list", "this list", "that list", "list"):
                if conv.last_list:
                    target = dict(conv.last_list)
                else:
                    return _ask("Add them to which list?", conv)
            else:
                named = re.search(re.escape(m.group(1)), reading.original, re.I)
                target = {"name": (named.group(0) if named else m.group(1)).strip(" .\"'"), "workspace": workspace}
        return Plan("add_to_list", {**target, "search": search})

    if (plan := _results(reading, conv, workspace)) is not None:
        return plan
    if _starts(text, "status") or re.search(r"\bdeploy(?:ment)? status\b|\b(?:did|has|is|was)\b.*\b(?:deploy|deployed|live)\b|"
                                            r"\bhow did\b.*\bdeploy|\bwhere is\b.*\bdeploy|\bstatus of\b.*\bdeploy", text):
        if reading.lists() or conv.last_list:
            target, question = _list_target(reading, conv, known, "status", workspace, "deploy_status", {})
            return question or Plan("deploy_status", target)
    if _starts(text, "review") and re.search(r"\b(review|client|approval|approve|portal|sign[- ]off)\b", text):
        target, question = _list_target(reading, conv, known, "send to review", workspace, "send_to_review", {})
        if question:
            return question
        return Plan("send_to_review", {"workspace": target["workspace"], "list_name": target["name"]})
    if _starts(text, "deploy"):
        target, question = _list_target(reading, conv, known, "deploy", workspace, "deploy", {})
        if question:
            return question
        return Plan("deploy", {"workspace": target["workspace"], "list_name": target["name"]})
    if _starts(text, "export") and (reading.lists() or re.search(r"\b(csv|emailbison|bison|it|them|this|the list)\b", text)):
        to = "emailbison" if re.search(r"\b(emailbison|email bison|bison|campaign)\b", text) else "csv"
        target, question = _list_target(reading, conv, known, "export", workspace, "export_list", {"to": to})
        return question or Plan("export_list", {**target, "to": to})
    for verb, tool_name in (("enrich", "enrich_list"), ("score", "score_list")):
        if _starts(text, verb):
            target, question = _list_target(reading, conv, known, verb, workspace, tool_name, {})
            return question or Plan(tool_name, target)

    if re.search(rf"(?:^|\b)(?:{_V['spend']})\b", text) and not reading.lists():
        period = "last_7_days"
        from outsignal_pipelines.agent.lexicon import PERIODS

        for pattern, name in PERIODS:
            if pattern.search(text):
                period = name
                break
        args = {"period": period}
        if reading.workspaces():
            args["workspace"] = reading.workspaces()[0].name
        return Plan("spend_summary", args)
    if _starts(text, "count") or re.match(r"(?:do|does) @w\d+ have\b.*\bhow many", text):
        if re.search(r"\blists\b", text) and not reading.lists():
            return Plan("list_lists", {"workspace": workspace})
        body = re.sub(rf"^(?:{_V['count']})\b", "", text)
        if conv.last_list and not reading.lists() and re.search(r"\b(?:on|in) (?:it|this list|the list|that list)\b", body):
            body = re.sub(r"\b(?:on|in) (?:it|this list|the list|that list)\b", " ", body)
            slots = {"in_list": conv.last_list["name"], **search_slots(body, reading)}
            workspace = conv.last_list["workspace"]
            slots.pop("text", None)
            return Plan("count_people", {"workspace": workspace, **slots})
        slots = search_slots(body, reading)
        if list(slots) == ["text"] and re.fullmatch(r"[\w\s]*", slots["text"]) and \
                set(slots["text"].split()) <= {"leads", "people", "contacts", "prospects", "we", "got", "have", "there"}:
            slots = {}
        slots.pop("text", None) if "text" in slots and len(slots) > 1 else None
        return Plan("count_people", {"workspace": workspace, **slots})
    if _starts(text, "who") and not reading.lists():
        name = re.sub(rf"^(?:{_V['who']})\s+", "", text).strip()
        looks_like_search = search_slots(name, reading)
        if name and set(looks_like_search) <= {"text"}:
            original = re.search(re.escape(name), reading.original, re.I)
            return Plan("find_person", {"name": (original.group(0) if original else name).strip(" ?"),
                                        "workspace": workspace})
    if re.search(r"\blists\b", text) and not reading.lists() and not re.search(r"\b(add|remove|delete)\b", text):
        return Plan("list_lists", {"workspace": workspace})
    if _starts(text, "show") and not reading.lists() and conv.last_list and \
            re.fullmatch(rf"(?:{_V['show']})\s+(?:me\s+)?(?:it|this list|that list|the list|that one|this one)", text):
        return Plan("show_list", dict(conv.last_list))
    if _starts(text, "show") and reading.workspaces() and not reading.lists() and \
            re.fullmatch(rf"(?:{_V['show']})\s+(?:me\s+)?@w\d+", text):
        return _list_target(reading, conv, known, "show", workspace, "show_list", {})[1] or Plan(reply=NOT_UNDERSTOOD)
    if reading.lists() and (_starts(text, "show") or re.fullmatch(r"@l\d+", text)):
        rest = re.sub(rf"^(?:{_V['show']})\b", "", text)
        slots = search_slots(rest, reading)
        if set(slots) <= {"in_list", "text"} and not re.search(r"\b(who|people|members|leads|contacts)\b", rest):
            lst = reading.lists()[0]
            return Plan("show_list", {"name": lst.name, "workspace": lst.workspace})

    if conv.last_search and _starts(text, "more") and len(text.split()) <= 3:
        return Plan("search_people", {**conv.last_search, "page": int(conv.last_search.get("page", 1)) + 1})
    refining = _starts(text, "refine") or re.search(r"\b(only|just|now|also|and)\b", reading.lead)
    if conv.last_search and (refining or not _starts(text, "search")):
        rest = re.sub(rf"^(?:{_REFINE_STRIP})\b", "", text).strip()
        slots = search_slots(rest, reading)
        new_who = {"title_any", "seniorities"} & set(slots) and not refining
        if slots and list(slots) != ["text"] and not new_who:
            merged = {k: v for k, v in conv.last_search.items() if k != "page"}
            merged.update(slots)
            merged["workspace"] = workspace
            return Plan("search_people", merged)
    slots = search_slots(re.sub(rf"^(?:{_V['search']})\b", "", text), reading)
    if _starts(text, "search") or (slots and list(slots) != ["text"]):
        if slots:
            return Plan("search_people", {"workspace": workspace, **slots})
        return _ask("Whom should I look for? e.g. \"find CTOs in fintech with verified email\"", conv)
    if reading.lists():
        lst = reading.lists()[0]
        return _ask(f"What should I do with {lst.name}: show it, enrich it, score it or export it?", conv)
    return Plan(reply=NOT_UNDERSTOOD, outcome="not_understood")


_PROVIDER = r"(?:email[- ])?(?:providers?|finders?|vendors?|data providers?|email finders?)"
_REPLY = r"(?:repl(?:y|ies|ied)|respon(?:ds?|ses?|ded)|answers?|answered|writes? back|engages?|converts?)"
_GROUPS = (("seniority", r"seniorit(?:y|ies)|levels?|job levels?|titles?"),
           ("score_band", r"score bands?|bands?|icp bands?|scores?"),
           ("finder_provider", _PROVIDER),
           ("vertical", r"verticals?|industr(?:y|ies)|sectors?|markets?|niches?"))
_HOW_IS = (r"\bhow(?:'s| is| are| has| have)\s+(?:the\s+)?(?:list\s+)?@[lw]\d+(?:\s+list)?\s+(?:been\s+)?"
           r"(?:doing|performing|going|getting on|landing|working out)\b"
           r"|\bhow (?:did|does|do) (?:the\s+)?(?:list\s+)?@[lw]\d+(?:\s+list)? (?:do|perform|go|land)\b"
           r"|\b(?:results?|performance|outcomes?|replies|reply rate|response rate)\s+(?:of|for|from|on)\s+"
           r"(?:the\s+)?(?:list\s+)?@[lw]\d+"
           r"|@[lw]\d+(?:'s)?\s+(?:list\s+)?(?:results?|performance|outcomes?|reply rate|replies|numbers)\b"
           r"|\bhow many (?:replies|meetings|responses)\b.*@[lw]\d+|@[lw]\d+\b.*\bhow many (?:replies|meetings)\b")


def _results(reading: Reading, conv: Conversation, workspace: str | None) -> Plan | None:
    """What happened after the send: "how is Rise Q1 doing?" (a list's results), "which vertical replies
    most for Lime?" (best by a dimension), "which provider bounces most?" (bounce rate per finder).
    Read-only, so nothing to confirm."""
    text = reading.text
    named = reading.workspaces()
    if re.search(rf"\b{_PROVIDER}\b.*\bbounc\w*|\bbounc(?:es|ing|e rate|e rates)\b.*\b{_PROVIDER}\b", text):
        return Plan("provider_bounces", {"workspace": named[-1].name if named else None})
    most = r"(?:most|best|the most|highest|more|top|strongest|better)"
    asks_best = (re.search(rf"\b(?:which|what|whose|where)\b.*\b{_REPLY}\b.*\b{most}\b", text)
                 or re.search(rf"\b(?:which|what|whose|where)\b.*\b{most}\b.*\b{_REPLY}\b", text)
                 or re.search(rf"\b(?:best|top|highest)[- ](?:replying|responding|performing|converting)\b", text)
                 or re.search(rf"\b(?:which|what)\b.*\b(?:highest|best|top)\s+(?:reply|response) rates?\b", text)
                 or re.search(rf"\b(?:reply|response) rates? (?:by|per|for each|across)\b", text)
                 or re.search(rf"\b{_REPLY}\b.*\b(?:by|per)\s+(?:vertical|industry|sector|seniority|level|band|"
                              rf"provider|finder)", text))
    if asks_best:
        by = next((name for name, words in _GROUPS if re.search(rf"\b(?:{words})\b", text)), None)
        if by is not None:
            return Plan("best_replying", {"workspace": workspace, "by": by})
    if re.search(_HOW_IS, text):
        lists = reading.lists()
        if lists:
            return Plan("campaign_results", {"workspace": lists[0].workspace, "name": lists[0].name})
        if named:
            return Plan("campaign_results", {"workspace": named[-1].name})
    if conv.last_list and re.fullmatch(r"(?:and\s+)?how(?:'s| is) (?:it|that list|the list|this list) "
                                       r"(?:doing|performing|going)", text):
        return Plan("campaign_results", {**conv.last_list, "name": conv.last_list["name"]})
    return None


def _answerable_focus(reading: Reading, known: Known) -> bool:
    """A bare workspace name switches focus only when no list begins with it (else we ask)."""
    ws = reading.workspaces()[0].name
    return not known.lists_of(ws)


def offline_turn(message: str, conv: Conversation, ctx: tools.ToolContext, calls: list) -> tuple[str, str]:
    """(reply, outcome) for one sentence; runs at most one tool."""
    token = (conv.pending or {}).get("token")
    plan = understand(message, conv)
    if plan.tool is None:
        return plan.reply or NOT_UNDERSTOOD, plan.outcome
    if plan.args.get("confirm"):
        ctx.confirmation_token = token
    if plan.args.get("workspace"):
        ctx.workspace = plan.args["workspace"]
    elif plan.tool != "spend_summary" and conv.workspace:
        ctx.workspace = conv.workspace
    result = run_tool(plan.tool, plan.args, ctx, calls, conv)
    if plan.tool == "search_people" and conv.draft is not None and "error" not in result:
        return describe(plan.tool, plan.args, result) + " What should I call the list? (\"call it …\")", "complete"
    return describe(plan.tool, plan.args, result), "complete"

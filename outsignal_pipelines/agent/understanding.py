"""Reading one sentence: names of lists and workspaces are found against the live data first (and
masked as @l0, @w0 so nothing else reads them), the remaining words are spelling-corrected against
the planner's keywords, then the intent comes from the leading verb and the slots from the domain's
vocabularies. Nothing here runs a tool; offline_planner decides what to do with the reading."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from outsignal_pipelines.agent import entities, lexicon
from outsignal_pipelines.domain.icp_rules import GREEN_FROM
from outsignal_pipelines.domain.industries import SEARCH_WORDS, verticals_in

_FILLERS = re.compile(
    r"^(?:(?:hey|hi|ok|okay|right|so|now|then|and|also|pls|please|can you|could you|would you|will you|"
    r"i want to|i'd like to|id like to|i would like to|i need to|let's|lets|go ahead and|help me|quickly|"
    r"just|kindly|agent|great|thanks|cool|perfect)[,!.]?\s+)+")
_SHORT_TYPOS = {"fnd": "find", "shw": "show", "srch": "search", "lsit": "list", "lsits": "lists", "teh": "the",
                "ppl": "people", "w/": "with", "w": "with", "emial": "email", "emials": "emails", "mgrs": "managers",
                "dirs": "directors", "hc": "headcount", "ws": "workspace", "icp": "icp"}


@dataclass
class Reading:
    original: str
    text: str                                   # lower-cased, names masked, typos corrected, fillers dropped
    mentions: list[entities.Mention] = field(default_factory=list)
    new_name: str | None = None                 # "rename X to Y" / "call it Y" → Y, as typed
    list_name: str | None = None                # "called Y" / "named Y" → Y, as typed
    lead: str = ""                              # the fillers dropped ("just", "now", "and also")

    def mention(self, token: str) -> entities.Mention:
        return self.mentions[int(token[2:])]

    def lists(self) -> list[entities.Mention]:
        return [m for m in self.mentions if m.kind == "list"]

    def workspaces(self) -> list[entities.Mention]:
        return [m for m in self.mentions if m.kind == "workspace"]


def _clean_name(name: str) -> str:
    return re.sub(r"[\s.?!]+$", "", name.strip().strip("\"'“”‘’").strip()).strip("\"'“”‘’").strip()


def read(message: str, known: entities.Known, focus: str | None) -> Reading:
    original = " ".join(message.replace("’", "'").split())
    first = original.split(" ", 1)   # a typo in the leading verb ("renmae X to Y") before literal names are cut
    if first and first[0].isalpha() and (fixed := lexicon.correct(first[0].lower())) != first[0].lower():
        original = " ".join([fixed, *first[1:]])
    rest = original
    new_name = list_name = None
    # Literal names first, so a new name is never read as an existing list ("rename Abort 1 to Abort One").
    if m := re.search(r"^(.*?\b(?:rename|re-name|change the name of|change the list name of)\b.+?)\s+(?:to|as|into)\s+(.+)$",
                      rest, re.I):
        rest, new_name = m.group(1), _clean_name(m.group(2))
    elif m := re.search(r"\b(?:call|name|title)\s+(?:it|this|that|the list|this list|that list|the new list)\s+"
                        r"(?:as\s+)?(.+)$", rest, re.I):
        rest, new_name = rest[:m.start()], _clean_name(m.group(1))
    if m := re.search(r"\b(?:called|named|titled)\s+(.+?)(?:\s+(?:with|of|for|from)\s+(?=\w)(.*))?$", rest, re.I):
        list_name = _clean_name(m.group(1))
        tail = m.group(2) or ""
        for slug, name in known.workspaces.items():   # "... called E2E Q1 for lime recruitment"
            for alias in (name, slug):
                if re.fullmatch(re.escape(alias), tail.strip(" ."), re.I):
                    tail = f"for {alias}"
        rest = rest[:m.start()] + " " + tail
    low = rest.lower()
    found = entities.mentions(low, known, focus)
    pieces, last = [], 0
    for i, mention in enumerate(found):
        pieces += [low[last:mention.start], f" @{mention.kind[0]}{i} "]
        last = mention.end
    pieces.append(low[last:])
    masked = "".join(pieces)
    words = []
    for word in re.findall(r"@[lw]\d+|[\w'&+<>=/.-]+|[?,!]", masked):
        bare = word.strip(".,")
        if word.startswith("@"):
            words.append(word)
            continue
        words.append(_SHORT_TYPOS.get(bare) or lexicon.correct(bare))
    text = " ".join(words)
    text = re.sub(r"\s+([?,!])", r"\1", text)
    lead = m.group(0) if (m := _FILLERS.match(text)) else ""
    text = text[len(lead):].strip(" ?!.")
    return Reading(original, text, found, new_name, list_name, lead=lead)


# ------------------------------------------------------------------ search slots

_HEADCOUNT_NOUN = r"(?:staff|employees|employee|people|heads|headcount|fte|ftes|person)"
_HEADCOUNT = [
    (re.compile(rf"(?:between\s+)?(\d[\d,]*)\s*(?:-|–|to|and)\s*(\d[\d,]*)\s*{_HEADCOUNT_NOUN}"), "range"),
    (re.compile(r"headcount\s*(?:of\s*|between\s*)?(\d[\d,]*)\s*(?:-|–|to|and)\s*(\d[\d,]*)"), "range"),
    (re.compile(rf"(?:over|more than|above|at least|bigger than|larger than|>=?|min(?:imum)?(?: of)?)\s*(\d[\d,]*)\s*"
                rf"{_HEADCOUNT_NOUN}"), "min"),
    (re.compile(rf"(\d[\d,]*)\s*\+\s*{_HEADCOUNT_NOUN}"), "min"),
    (re.compile(rf"(?:under|fewer than|less than|below|up to|smaller than|<=?|max(?:imum)?(?: of)?)\s*(\d[\d,]*)\s*"
                rf"{_HEADCOUNT_NOUN}"), "max"),
    (re.compile(r"headcount\s*(?:over|above|of at least|at least|>=?)\s*(\d[\d,]*)"), "min"),
    (re.compile(r"headcount\s*(?:under|below|less than|<=?)\s*(\d[\d,]*)"), "max"),
]
_SCORE = [
    re.compile(r"(?:icp\s*)?(?:score[sd]?|scoring|rated|icp|fit)\s*(?:is\s*|of\s*)?(?:above|over|greater than|more than|"
               r"higher than|at least|of at least|>=|>|min(?:imum)?(?: of)?|from)?\s*(\d{1,3})\s*\+?"
               r"(?:\s*(?:or more|and above|or higher|plus|and up))?(?!\s*(?:staff|employees|people))"),
    re.compile(r"(?:above|over|at least|>=?)\s*(\d{1,3})\s*(?:icp|score|points|on (?:the )?icp)"),
    re.compile(r"(\d{1,3})\s*\+\s*(?:icp|score)"),
]
_EMAIL = [
    (re.compile(r"(?:with |having |who have |that have )?(?:a |an )?catch[- ]?all(?:s)?(?: e-?mails?| addresses| domains?)?"),
     ("email_status", "catch_all")),
    (re.compile(r"(?:with |having )?(?:a |an )?risky(?: e-?mails?| addresses)?"), ("email_status", "risky")),
    (re.compile(r"(?:with |having )?(?:an |the )?(?:invalid|bounced|bouncing|bad)(?: e-?mails?| addresses)?"),
     ("email_status", "invalid")),
    (re.compile(r"(?:without|with no|no|not|un)[- ]?(?:a |an )?verified(?: e-?mails?| addresses)?|unverified(?: e-?mails?)?"),
     ("has_verified_email", False)),
    (re.compile(r"(?:with |having |who have |that have |and )?(?:a |an )?(?:verified|valid|deliverable|good)(?: work)?"
                r"(?: e-?mails?(?: address(?:es)?)?| addresses)?(?: only)?"), ("has_verified_email", True)),
]
_STOP = {"find", "search", "for", "show", "me", "get", "look", "people", "leads", "contacts", "who", "are", "all", "the",
         "in", "at", "with", "a", "an", "and", "of", "on", "to", "from", "that", "work", "works", "working", "any",
         "some", "list", "give", "pull", "companies", "company", "firms", "agencies", "businesses", "based",
         "located", "only", "just", "is", "there", "please", "folks", "prospects", "everyone", "anyone", "those",
         "ones", "whose", "which", "their", "them", "i", "need", "want", "we", "have", "do", "does", "our", "my",
         "can", "you", "how", "many", "count", "number", "total", "what", "about", "also", "now", "but", "instead",
         "sector", "industry", "space", "vertical", "org", "orgs", "organisations", "organizations", "lookup",
         "up", "or", "more", "than", "over", "under", "it", "same", "new", "members", "member", "source", "fetch",
         "grab", "locate", "emails", "email", "team", "teams", "like", "similar", "too", "as", "well", "people's",
         "person", "staff", "employees", "by", "narrow", "filter", "limit", "down", "what's", "whats", "make",
         "create", "build", "of", "scored", "score", "icp", "who's", "not", "already", "any", "had", "has"}


def _consume(rest: str, match: re.Match) -> str:
    return rest[:match.start()] + " " * (match.end() - match.start()) + rest[match.end():]


def search_slots(text: str, reading: Reading) -> dict[str, Any]:
    """The People page's filters a phrase names: titles, seniority, verticals, place, headcount, ICP
    score, email state, company, on/off a list, and free text when nothing else fits."""
    rest = f" {text} "
    slots: dict[str, Any] = {}
    titles: list[str] = []
    seniorities: list[str] = []
    for m in list(re.finditer(r"\b(?:not|n't|excluding|exclude|except|minus|outside|without|aren't|arent|isn't|never)\b"
                              r"[^@]{0,40}?(@l\d+)(?:\s+list)?", rest)):
        slots["not_in_list"] = reading.mention(m.group(1)).name
        rest = _consume(rest, m)
    for m in list(re.finditer(r"(?:on|in|from|of|members of)\s+(?:the\s+)?(?:list\s+)?(@l\d+)(?:\s+list)?", rest)):
        slots.setdefault("in_list", reading.mention(m.group(1)).name)
        rest = _consume(rest, m)
    for pattern, kind in _HEADCOUNT:
        if (m := pattern.search(rest)) and "headcount_min" not in slots and "headcount_max" not in slots:
            numbers = [int(g.replace(",", "")) for g in m.groups() if g]
            if kind == "range":
                slots["headcount_min"], slots["headcount_max"] = min(numbers), max(numbers)
            else:
                slots[f"headcount_{kind}"] = numbers[0]
            rest = _consume(rest, m)
    rest = re.sub(r"\b(?:at |in |for )?(?:companies|company|firms|businesses|orgs)\s+(?:with|of|that have)\s+(?=\s)", " ", rest)
    for pattern in _SCORE:
        if (m := pattern.search(rest)) and "min_icp_score" not in slots:
            slots["min_icp_score"] = min(100, int(m.group(1)))
            rest = _consume(rest, m)
    if "min_icp_score" not in slots and (m := re.search(r"\b(?:green|high[- ]scoring|top[- ]scoring|strong fit)\b", rest)):
        slots["min_icp_score"] = GREEN_FROM
        rest = _consume(rest, m)
    for pattern, (key, value) in _EMAIL:
        if key not in slots and (m := re.search(rf"(?<![\w-]){pattern.pattern}(?![\w-])", rest)):
            slots[key] = value
            rest = _consume(rest, m)
    # Roles: "managing directors", "CTOs", "founders" first; then function + seniority; then seniority alone.
    for role, words in sorted(lexicon.ROLES.items(), key=lambda r: -len(r[0])):
        for m in list(re.finditer(rf"(?<![\w-]){re.escape(role)}s?(?![\w-])", rest)):
            titles += [w for w in words if w not in titles]
            rest = _consume(rest, m)
    for m in list(re.finditer(rf"\bchief ([a-z]+) officers?\b", rest)):
        titles.append(f"chief {m.group(1)}")
        rest = _consume(rest, m)
    f, s = lexicon.FUNCTION_RE, lexicon.SENIORITY_RE
    for m in list(re.finditer(rf"\b(?:heads?|hd) of (?:the )?({f})\b|\b({f}) heads\b", rest)):
        function = m.group(1) or m.group(2)
        titles += [f"head of {w}" for w in lexicon.FUNCTIONS[function]]
        rest = _consume(rest, m)
    for m in list(re.finditer(rf"\b({s})\s+(?:(?:of|for|in charge of)\s+(?:the\s+)?)?({f})\b|\b({f})\s+({s})\b", rest)):
        level, function = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        seniorities.append(lexicon.SENIORITY_WORDS[level])
        titles += [w for w in lexicon.FUNCTIONS[function] if w not in titles]
        rest = _consume(rest, m)
    for m in list(re.finditer(rf"(?<![\w-])({s})(?![\w-])", rest)):
        level = lexicon.SENIORITY_WORDS[m.group(1)]
        if level not in seniorities:
            seniorities.append(level)
        rest = _consume(rest, m)
    if titles:
        slots["title_any"] = titles
    if seniorities:
        slots["seniorities"] = sorted(set(seniorities), key=seniorities.index)
    if m := re.search(r"\b(?:in|from) the (?:us|states)\b", rest):
        slots["location"] = "USA"
        rest = _consume(rest, m)
    elif m := re.search(rf"(?<![\w-])(?:(?:based |located )?(?:in|from|out of|near|around)\s+)?(?:the\s+)?({lexicon.PLACE_RE})"
                        rf"(?:-based)?(?![\w-])", rest):
        if where := lexicon.place(m.group(1)):
            slots["location"] = where
            rest = _consume(rest, m)
    if m := re.search(r"\b(?:at|works? at|working at|employed at|employees of|from the company)\s+(?!least\b|companies\b|"
                      r"firms\b|businesses\b|a\b|an\b)([\w&.'-]+(?:\s+(?!with\b|in\b|who\b|that\b|and\b|based\b|on\b|"
                      r"scored\b|having\b|from\b)[\w&.'-]+){0,2})", rest):
        company = m.group(1).strip()
        if not verticals_in(company) and company not in _STOP and not company.startswith("@"):
            original = re.search(re.escape(company), reading.original, re.I)
            slots["company"] = original.group(0) if original else company
            rest = _consume(rest, m)
    verticals = verticals_in(rest)
    if not verticals:   # a typo of a vertical word ("fintec", "logisitcs")
        for word in re.findall(r"[a-z][a-z&-]{4,}", rest):
            if word in _STOP or word in lexicon.KEYWORDS:
                continue
            match = process.extractOne(word, [k for k in SEARCH_WORDS if len(k) > 4], scorer=fuzz.ratio,
                                       score_cutoff=86)
            if match and SEARCH_WORDS[match[0]] not in verticals:
                verticals.append(SEARCH_WORDS[match[0]])
    if verticals:
        slots["verticals"] = verticals
        for phrase in sorted(SEARCH_WORDS, key=len, reverse=True):
            rest = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", rest)
    if not slots:
        leftover = [w for w in re.findall(r"[\w&.'-]+", re.sub(r"@[lw]\d+", " ", rest)) if w not in _STOP and not w.startswith("@")
                    and not re.fullmatch(r"\d+", w)]
        if leftover:
            slots["text"] = " ".join(leftover)
    return slots

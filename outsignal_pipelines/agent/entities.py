"""Names in a sentence resolved against the product's live data: workspaces and lists, exact first,
then fuzzy (a typo of a list name still finds the list), longest mention first so "Rise Q1" (a list)
wins over "Rise" (a workspace) inside it. Several lists that fit equally well come back as candidates,
so the planner can ask which one instead of guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from outsignal_pipelines.operations.lists import names_in_use

FUZZY_LIST = 86
FUZZY_WORKSPACE = 90
# Words too common to stand for a workspace on their own ("lime" may; "solutions" may not).
_GENERIC = {"solutions", "recruitment", "group", "agency", "consulting", "partners", "media", "labs", "the", "and",
            "services", "digital", "marketing", "sales", "global", "ltd", "limited", "inc", "co"}


@dataclass
class Mention:
    kind: str              # "list" | "workspace"
    name: str              # the stored name (list) or slug (workspace)
    workspace: str         # the list's workspace, or the workspace itself
    start: int
    end: int
    exact: bool = True
    others: list[tuple[str, str]] = field(default_factory=list)   # equally good other lists (name, workspace)


@dataclass
class Known:
    """The live names a sentence is read against, loaded once per turn (two short reads)."""
    workspaces: dict[str, str]                 # slug -> name
    lists: list[tuple[str, str]]               # (name, workspace)

    @classmethod
    def load(cls) -> Known:
        workspaces, lists = names_in_use()
        return cls(workspaces, lists)

    def workspace_aliases(self) -> list[tuple[str, str]]:
        """(alias, slug): the slug, the name, the name with dashes, and a distinctive first word."""
        out: list[tuple[str, str]] = []
        for slug, name in self.workspaces.items():
            aliases = {slug.lower(), name.lower(), slug.replace("-", " ").lower()}
            first = name.lower().split()[0] if name.split() else ""
            if len(name.split()) > 1 and len(first) >= 3 and first not in _GENERIC:
                aliases.add(first)
            out += [(a, slug) for a in aliases if a]
        return out

    def lists_of(self, workspace: str | None) -> list[str]:
        return [n for n, w in self.lists if w == workspace]


def _spans(text: str, phrase: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?:'s)?(?![\w-])", text)]


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


def _windows(low: str, size: int):
    words = list(re.finditer(r"[\w&'-]+", low))
    for i in range(len(words) - size + 1):
        yield words[i].start(), words[i + size - 1].end()


def mentions(low: str, known: Known, focus: str | None) -> list[Mention]:
    """Every list and workspace the lower-cased sentence names, without overlaps."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    # Exact list names, longest first; a name shared by workspaces prefers the one in focus.
    by_name: dict[str, list[tuple[str, str]]] = {}
    for name, workspace in known.lists:
        by_name.setdefault(name.lower(), []).append((name, workspace))
    for low_name in sorted(by_name, key=len, reverse=True):
        for start, end in _spans(low, low_name):
            if _free(taken, start, end):
                options = sorted(by_name[low_name], key=lambda o: o[1] != focus)
                name, workspace = options[0]
                others = options[1:] if options[0][1] != focus else []
                found.append(Mention("list", name, workspace, start, end, True, others))
                taken.append((start, end))
    for alias, slug in sorted(known.workspace_aliases(), key=lambda a: -len(a[0])):
        for start, end in _spans(low, alias):
            if _free(taken, start, end):
                found.append(Mention("workspace", slug, slug, start, end))
                taken.append((start, end))
    # Fuzzy list names ("mision q1"): windows of as many words as the name, scored against every list.
    for size in sorted({len(n.split()) for n, _ in known.lists}, reverse=True):
        if size < 2:
            continue
        for start, end in _windows(low, size):
            if not _free(taken, start, end):
                continue
            window = low[start:end]
            scored = sorted(((fuzz.ratio(window, n.lower()), n, w) for n, w in known.lists if len(n.split()) == size),
                            reverse=True)
            if scored and scored[0][0] >= FUZZY_LIST:
                best = [s for s in scored if s[0] >= scored[0][0] - 2]
                best.sort(key=lambda s: s[2] != focus)
                found.append(Mention("list", best[0][1], best[0][2], start, end, False,
                                     [(n, w) for _, n, w in best[1:]]))
                taken.append((start, end))
    for alias, slug in known.workspace_aliases():
        if len(alias) < 5:
            continue
        for start, end in _windows(low, len(alias.split())):
            window = low[start:end]
            if _free(taken, start, end) and window[:1] == alias[:1] and fuzz.ratio(window, alias) >= FUZZY_WORKSPACE:
                found.append(Mention("workspace", slug, slug, start, end, False))
                taken.append((start, end))
    return sorted(found, key=lambda m: m.start)


def lists_like(word: str, known: Known, workspace: str | None) -> list[tuple[str, str]]:
    """Lists whose name starts with or contains a word ("abort" → Abort 1, Abort 2), focus first."""
    word = word.lower().strip()
    hits = [(n, w) for n, w in known.lists if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", n.lower())]
    return sorted(hits, key=lambda h: (h[1] != workspace, h[0]))

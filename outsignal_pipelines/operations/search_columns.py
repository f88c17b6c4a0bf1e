"""People search's filters answered from columns held in memory, for one read copy of the store.

On a million people DuckDB answers "in this workspace", "scored 70 or more here", "in this list" and
"headcount between" with hash joins of hundreds of thousands of rows (80–300 ms each, measured), and a
page deep into the results, or sorted by score, orders every match first. The app server's read copy
never changes once made, so for each copy it keeps, indexed by person id, one flag per person for each
workspace and list asked about, each workspace's scores and each person's company headcount (numpy
arrays built on first use from one query each; store.kept drops them with the copy). A search then
asks DuckDB only what people's own columns say, in one scan without a join (none when no such filter is
set), and combines the rest in memory. Titles and locations are matched on their distinct values
first: a few thousand values, not a million rows.

Only the app server's copy has these; elsewhere search runs its SQL. Both give the same answers
(tests/operations/test_search_columns.py compares them on every filter and sort).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from outsignal_pipelines.store import kept

DISTINCT_AT_MOST = 200_000    # a column with more distinct values is filtered row by row
LIST_LITERAL_AT_MOST = 256    # matched values passed as a list; more go through a semi-join


@dataclass(frozen=True)
class LocalFilter:
    """A condition on people's own columns (SQL over stg_people aliased p). `column`: the one column it
    reads, when it may be decided on that column's distinct values instead of on every row."""

    sql: str
    params: tuple
    column: str | None = None


@dataclass
class Matches:
    total: int
    page_ids: list[int]               # in the page's order
    scores: dict[int, int] | None     # the workspace's score of each page id (None: no workspace)


def for_copy(con) -> SearchColumns | None:
    """The columns of the read copy `con` reads, or None when `con` reads the live store."""
    return kept(con, "search_columns", SearchColumns)


class SearchColumns:
    def __init__(self) -> None:
        self._parts: dict[Hashable, Any] = {}
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def _part(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Built once per copy, by one thread; the others wait for it."""
        with self._lock:
            if key in self._parts:
                return self._parts[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._parts:
                    return self._parts[key]
            value = build()
            with self._lock:
                self._parts[key] = value
            return value

    # -- parts -------------------------------------------------------------------------------------
    def people(self, con) -> np.ndarray:
        """Which ids are people (the universe every mask is cut from)."""
        def build() -> np.ndarray:
            ids = _ids(con, "SELECT id FROM people", [])
            alive = np.zeros(int(ids.max()) + 1 if ids.size else 1, dtype=bool)
            alive[ids] = True
            return alive
        return self._part("people", build)

    def _flags(self, con, key: Hashable, sql: str, params: list) -> np.ndarray:
        def build() -> np.ndarray:
            return self._mask(con, _ids(con, sql, params))
        return self._part(key, build)

    def workspace(self, con, slug: str) -> np.ndarray:
        return self._flags(con, ("workspace", slug),
                           "SELECT person_id FROM person_workspaces WHERE workspace_slug = ?", [slug])

    def members(self, con, list_id: str) -> np.ndarray:
        return self._flags(con, ("list", list_id),
                           "SELECT person_id FROM target_list_members WHERE list_id = ?", [list_id])

    def scores(self, con, slug: str) -> np.ndarray:
        """The workspace's score of each person, -1 for none."""
        def build() -> np.ndarray:
            found = con.execute("SELECT person_id, score FROM icp_scores WHERE workspace_slug = ?", [slug]).fetchnumpy()
            return self._values(con, found["person_id"], found["score"])
        return self._part(("scores", slug), build)

    def headcount(self, con) -> np.ndarray:
        """Each person's company headcount, -1 for none (no domain, unknown company, no headcount)."""
        def build() -> np.ndarray:
            found = con.execute("""SELECT p.id, c.headcount FROM people p JOIN companies c ON c.domain = p.company_domain
                                   WHERE c.headcount IS NOT NULL""").fetchnumpy()
            return self._values(con, found["id"], found["headcount"])
        return self._part("headcount", build)

    def distinct(self, con, column: str) -> list | None:
        """The column's distinct values, or None when there are too many to be worth it."""
        if column not in ("job_title", "location"):
            raise ValueError(f"no distinct values kept for {column!r}")
        def build() -> list | None:
            rows = con.execute(f"SELECT DISTINCT {column} FROM people WHERE {column} IS NOT NULL "
                               f"LIMIT {DISTINCT_AT_MOST + 1}").fetchall()
            return None if len(rows) > DISTINCT_AT_MOST else [r[0] for r in rows]
        return self._part(("distinct", column), build)

    def _values(self, con, ids: np.ndarray, values: np.ndarray) -> np.ndarray:
        top = len(self.people(con))
        out = np.full(top, -1, dtype=np.int32)
        keep = ids < top
        out[ids[keep]] = np.asarray(values)[keep]
        return out

    def _mask(self, con, ids: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(self.people(con)), dtype=bool)
        mask[ids[ids < len(mask)]] = True
        return mask

    # -- answering ---------------------------------------------------------------------------------
    def local_clause(self, con, f: LocalFilter) -> tuple[str, list]:
        """The filter as SQL over people; on a column with few distinct values, decided on those values
        once per copy and turned into a lookup of the values that match."""
        values = self.distinct(con, f.column) if f.column else None
        if values is None:
            return f.sql, list(f.params)
        matched = self._part(("matched", f.column, f.sql, f.params), lambda: [r[0] for r in con.execute(
            f"SELECT p.{f.column} FROM (SELECT unnest(?::VARCHAR[]) AS {f.column}) p WHERE {f.sql}",
            [values, *f.params]).fetchall()])
        if not matched:
            return "FALSE", []
        if len(matched) <= LIST_LITERAL_AT_MOST:
            return f"list_contains(?, p.{f.column})", [matched]
        return f"p.{f.column} IN (SELECT unnest(?::VARCHAR[]))", [matched]

    def matches(self, con, *, text_ids: np.ndarray | None, local: list[LocalFilter], workspace: str | None,
                min_score: int | None, headcount: tuple[int, int] | None, in_list: str | None,
                not_in_list: str | None, by_score: bool, offset: int, size: int) -> Matches:
        mask = self.people(con).copy()
        if text_ids is not None:
            mask &= self._mask(con, text_ids)
        if local:
            clauses, params = [], []
            for f in local:
                sql, p = self.local_clause(con, f)
                clauses.append(sql)
                params += p
            mask &= self._mask(con, _ids(con, "SELECT p.person_id FROM stg_people p WHERE " + " AND ".join(clauses),
                                          params))
        if workspace:
            mask &= self.workspace(con, workspace)
        if headcount is not None:
            heads = self.headcount(con)
            mask &= (heads >= headcount[0]) & (heads <= headcount[1])
        scores = self.scores(con, workspace) if workspace else None
        if min_score is not None and scores is not None:
            mask &= scores >= min_score
        if in_list:
            mask &= self.members(con, in_list)
        if not_in_list:
            mask &= ~self.members(con, not_in_list)
        found = np.flatnonzero(mask)
        if by_score and scores is not None:
            # score high to low, people without a score last, then by id (the SQL's ORDER BY)
            order = np.lexsort((found, -scores[found]))
            page = found[order[offset:offset + size]]
        else:
            page = found[::-1][offset:offset + size]   # newest first
        page_scores = None if scores is None else {int(i): int(scores[i]) for i in page if scores[i] >= 0}
        return Matches(int(found.size), [int(i) for i in page], page_scores)


def _ids(con, sql: str, params: list) -> np.ndarray:
    found = con.execute(sql, params).fetchnumpy()
    return np.asarray(next(iter(found.values())), dtype=np.int64)

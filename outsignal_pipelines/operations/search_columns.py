"""People search's filters answered from columns held in memory, for one read copy of the store.

On a million people DuckDB answers "in this workspace", "scored 70 or more here", "in this list" and
"headcount between" with hash joins of hundreds of thousands of rows (80–300 ms each, measured), and a
page deep into the results, or sorted by score, orders every match first. The app server's read copy
never changes once made, so for each copy it keeps, indexed by person id, one flag per person for each
workspace and list asked about, each workspace's scores, each person's company headcount, and codes
for the columns people filter on (vertical, seniority, statuses, location, title): numpy arrays built
on first use from one query each, dropped with the copy (store.kept). A filter on a coded column is
decided on the column's distinct values (a few thousand, not a million rows) and looked up by code;
other filters (a company name) are one scan of people without a join. The rest is combined in memory.

Reading the page's rows is the other cost: rows scattered over a million people decode a block of
every column for each row group they touch (~30 ms for 50 rows, however few), so rows read once are
kept decoded per copy (RowCache), as PostgreSQL keeps them in its buffers.

Only the app server's copy has these; elsewhere search runs its SQL. Both give the same answers
(tests/operations/test_search_columns.py compares them on every filter and sort).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from outsignal_pipelines.store import copy_is_current, kept

ROWS_KEPT = 20_000            # people's decoded rows kept per copy (RowCache), least recently used out first
DISTINCT_AT_MOST = 200_000    # a column with more distinct values is filtered row by row
# The columns of stg_people kept as codes (their SQL type): filters on them are decided on the distinct
# values, then looked up per person in memory.
CODED = {"vertical": "VARCHAR", "seniority": "VARCHAR", "email_status": "VARCHAR", "enrichment_status": "VARCHAR",
         "has_verified_email": "BOOLEAN", "location": "VARCHAR", "job_title": "VARCHAR"}


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


class NotKept(Exception):
    """A part the copy has not built, and will not: the store changed since the copy was made."""


class SearchColumns:
    def __init__(self) -> None:
        self._parts: dict[Hashable, Any] = {}
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def _part(self, con, key: Hashable, build: Callable[[], Any]) -> Any:
        """Built once per copy, by one thread; the others wait for it. Never on a copy the store has
        moved on from (NotKept: search runs its SQL), so a pipeline's writes never make the app server
        build columns every few seconds for copies about to be replaced."""
        with self._lock:
            if key in self._parts:
                return self._parts[key]
            if not copy_is_current(con):
                raise NotKept(key)
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
        return self._part(con, "people", build)

    def _flags(self, con, key: Hashable, sql: str, params: list) -> np.ndarray:
        def build() -> np.ndarray:
            return self._mask(con, _ids(con, sql, params))
        return self._part(con, key, build)

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
        return self._part(con, ("scores", slug), build)

    def headcount(self, con) -> np.ndarray:
        """Each person's company headcount, -1 for none (no domain, unknown company, no headcount)."""
        def build() -> np.ndarray:
            found = con.execute("""SELECT p.id, c.headcount FROM people p JOIN companies c ON c.domain = p.company_domain
                                   WHERE c.headcount IS NOT NULL""").fetchnumpy()
            return self._values(con, found["id"], found["headcount"])
        return self._part(con, "headcount", build)

    def coded(self, con, column: str) -> tuple[list, np.ndarray] | None:
        """The column's distinct values and, by person id, the position of each person's value among
        them (-1: none); None when it has too many distinct values to be worth it."""
        kind = CODED.get(column)
        if kind is None:
            raise ValueError(f"no codes kept for {column!r}")

        def build() -> tuple[list, np.ndarray] | None:
            values = [r[0] for r in con.execute(
                f"SELECT DISTINCT {column} FROM stg_people WHERE {column} IS NOT NULL LIMIT {DISTINCT_AT_MOST + 1}"
            ).fetchall()]
            if len(values) > DISTINCT_AT_MOST:
                return None
            found = con.execute(
                f"""SELECT p.person_id, d.code FROM stg_people p
                    JOIN (SELECT unnest(?::{kind}[]) AS v, generate_subscripts(?::{kind}[], 1) - 1 AS code) d
                      ON d.v = p.{column}""", [values, values]).fetchnumpy()
            return values, self._values(con, found["person_id"], found["code"])
        return self._part(con, ("coded", column), build)

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
    def local_mask(self, con, f: LocalFilter) -> np.ndarray | None:
        """The people the filter keeps, decided on the column's distinct values once per copy and looked
        up by code; None when the filter is not on a coded column (SQL decides it)."""
        coded = self.coded(con, f.column) if f.column in CODED else None
        if coded is None:
            return None
        values, codes = coded
        kind = CODED[f.column]

        def decide() -> np.ndarray:
            matched = [r[0] for r in con.execute(
                f"""SELECT p.code FROM (SELECT unnest(?::{kind}[]) AS {f.column},
                                               generate_subscripts(?::{kind}[], 1) - 1 AS code) p
                    WHERE {f.sql}""", [values, values, *f.params]).fetchall()]
            return np.asarray(matched, dtype=np.int32)
        matched = self._part(con, ("matched", f.column, f.sql, repr(f.params)), decide)
        keeps = np.zeros(len(values) + 1, dtype=bool)   # by code; the last one stands for -1 (no value)
        keeps[matched] = True
        return keeps[codes]

    def matches(self, con, *, text_ids: np.ndarray | None, local: list[LocalFilter], workspace: str | None,
                min_score: int | None, headcount: tuple[int, int] | None, in_list: str | None,
                not_in_list: str | None, by_score: bool, offset: int, size: int) -> Matches:
        mask = self.people(con).copy()
        if text_ids is not None:
            mask &= self._mask(con, text_ids)
        clauses, params = [], []
        for f in local:
            kept_mask = self.local_mask(con, f)
            if kept_mask is not None:
                mask &= kept_mask
            else:
                clauses.append(f.sql)
                params += list(f.params)
        if clauses:
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


class RowCache:
    """People's rows read from one read copy, kept decoded by id (at most ROWS_KEPT, least recently used
    out first). Reading a page of rows scattered over a million people decodes a block of every column
    for each row group it touches: ~30 ms for 50 rows, measured, however few. Ten admins paging the same
    lists and searches read the same rows again; PostgreSQL keeps such rows in its buffers."""

    def __init__(self, capacity: int = ROWS_KEPT) -> None:
        self._rows: OrderedDict[int, tuple] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def rows(self, ids: list[int], read: Callable[[list[int]], list[tuple]]) -> dict[int, tuple]:
        """The rows of these ids (first value: the id) that exist, reading only those not kept."""
        found: dict[int, tuple] = {}
        with self._lock:
            for i in ids:
                row = self._rows.get(i)
                if row is not None:
                    self._rows.move_to_end(i)
                    found[i] = row
        missing = [i for i in ids if i not in found]
        if missing:
            fresh = {row[0]: row for row in read(missing)}
            found.update(fresh)
            with self._lock:
                self._rows.update(fresh)
                while len(self._rows) > self._capacity:
                    self._rows.popitem(last=False)
        return found

"""Target lists: named sets of people per workspace; each list is one Dagster partition."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import duckdb

from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.stats import Counts, records
from outsignal_pipelines.operations.workspaces import get_workspace

MAX_LIST_NAME = 120


@dataclass(frozen=True)
class TargetList:
    id: str
    workspace_slug: str
    name: str
    status: str
    member_count: int = 0


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:48].strip("-") or "list"


def clean_list_name(name: str) -> str:
    cleaned = re.sub(r"\s+", " ", name or "").strip()
    cleaned = "".join(c for c in cleaned if c.isprintable())
    if not cleaned:
        raise OperationError("a list needs a name")
    if len(cleaned) > MAX_LIST_NAME:
        raise OperationError(f"list names are at most {MAX_LIST_NAME} characters")
    return cleaned


def ensure_list(con: duckdb.DuckDBPyConnection, workspace_slug: str, name: str) -> tuple[TargetList, bool]:
    """The list called `name` in the workspace, created when missing. Returns (list, created).
    The id is readable and stable across renames: '<workspace>.<slug>' (suffixed if taken)."""
    get_workspace(workspace_slug, con)
    name = clean_list_name(name)
    row = con.execute(
        "SELECT id, workspace_slug, name, status FROM target_lists WHERE workspace_slug = ? AND name = ?",
        [workspace_slug, name],
    ).fetchone()
    if row:
        return TargetList(*row), False
    base = f"{workspace_slug}.{slugify(name)}"
    candidate, n = base, 1
    while con.execute("SELECT 1 FROM target_lists WHERE id = ?", [candidate]).fetchone():
        n += 1
        candidate = f"{base}-{n}"
    con.execute("INSERT INTO target_lists (id, workspace_slug, name) VALUES (?, ?, ?)", [candidate, workspace_slug, name])
    return TargetList(candidate, workspace_slug, name, "building"), True


def get_list_by_name(con: duckdb.DuckDBPyConnection, workspace_slug: str, name: str) -> TargetList:
    return _lookup(con, workspace_slug, name=name)


def _lookup(con: duckdb.DuckDBPyConnection, workspace_slug: str, name: str | None = None,
            list_id: str | None = None) -> TargetList:
    """The one list lookup: by name or id, only inside the workspace (another workspace's list is
    'not found', never a leak)."""
    if list_id is not None:
        where, key = "l.id = ?", list_id
    else:
        where, key = "l.name = ?", clean_list_name(name or "")
    row = con.execute(
        f"""SELECT l.id, l.workspace_slug, l.name, l.status, count(m.person_id)
            FROM target_lists l LEFT JOIN target_list_members m ON m.list_id = l.id
            WHERE l.workspace_slug = ? AND {where} GROUP BY ALL""",
        [workspace_slug, key],
    ).fetchone()
    if row is None:
        raise NotFound(f"no list called {name or list_id!r} in workspace {workspace_slug!r}")
    return TargetList(*row)


def resolve_list(workspace: str, list_name: str | None = None, list_id: str | None = None) -> TargetList:
    """Resolve a list once, at the edge, and pass the TargetList down."""
    from outsignal_pipelines.store import connect

    if not (list_name or "").strip() and list_id is None:
        raise OperationError("which list? give its name")
    with connect() as con:
        return _lookup(con, workspace, name=list_name, list_id=list_id)


def list_by_id(list_id: str) -> TargetList:
    """A list by its id alone: for Dagster runs, whose partition key is the list id."""
    from outsignal_pipelines.store import connect

    with connect() as con:
        row = con.execute("SELECT workspace_slug FROM target_lists WHERE id = ?", [list_id]).fetchone()
        if row is None:
            raise NotFound(f"TargetList {list_id!r} no longer exists")
        return _lookup(con, row[0], list_id=list_id)


def add_members(con: duckdb.DuckDBPyConnection, list_id: str, person_ids: list[int]) -> int:
    """Adds people to a list; people already on it are left alone. Returns how many were new."""
    if not person_ids:
        return 0
    before = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [list_id]).fetchone()[0]
    con.execute(
        """INSERT INTO target_list_members (list_id, person_id)
           SELECT ?, unnest(?::BIGINT[]) ON CONFLICT DO NOTHING""",
        [list_id, person_ids],
    )
    after = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [list_id]).fetchone()[0]
    return after - before


def add_members_from(con: duckdb.DuckDBPyConnection, list_id: str, select_ids: str) -> int:
    """`add_members` for ids a query selects (an import's million people never become a Python list)."""
    before = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [list_id]).fetchone()[0]
    con.execute(f"""INSERT INTO target_list_members (list_id, person_id)
                    SELECT ?, id FROM ({select_ids}) AS ids(id) ON CONFLICT DO NOTHING""", [list_id])
    after = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [list_id]).fetchone()[0]
    return after - before


# ------------------------------------------------------------------ the list operations callers use

def _get(con: duckdb.DuckDBPyConnection, workspace_slug: str, name: str) -> TargetList:
    return get_list_by_name(con, workspace_slug, name)


def create_list(workspace_slug: str, name: str) -> tuple[TargetList, bool]:
    """Idempotent: creating a name that exists returns the existing list (created=False)."""
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        target, created = ensure_list(con, workspace_slug, name)
        return get_list_by_name(con, workspace_slug, target.name), created


def list_lists(workspace_slug: str | None = None) -> list[TargetList]:
    from outsignal_pipelines.store import connect

    with connect() as con:
        rows = con.execute(
            """SELECT l.id, l.workspace_slug, l.name, l.status, count(m.person_id)
               FROM target_lists l LEFT JOIN target_list_members m ON m.list_id = l.id
               WHERE ? IS NULL OR l.workspace_slug = ? GROUP BY ALL ORDER BY l.workspace_slug, l.name""",
            [workspace_slug, workspace_slug]).fetchall()
    return [TargetList(*r) for r in rows]


def rename_list(workspace_slug: str, name: str, new_name: str) -> TargetList:
    from outsignal_pipelines.store import transaction

    new_name = clean_list_name(new_name)
    with transaction() as con:
        target = _get(con, workspace_slug, name)
        clash = con.execute("SELECT 1 FROM target_lists WHERE workspace_slug = ? AND name = ? AND id <> ?",
                            [workspace_slug, new_name, target.id]).fetchall()
        if clash:
            raise OperationError(f"workspace {workspace_slug!r} already has a list called {new_name!r}")
        con.execute("UPDATE target_lists SET name = ?, updated_at = current_timestamp WHERE id = ?",
                    [new_name, target.id])
        return get_list_by_name(con, workspace_slug, new_name)


def delete_list(workspace_slug: str, name: str) -> int:
    """Deletes the list and its memberships; the people stay. Refused while a run holds the list.
    Returns how many members it had."""
    from outsignal_pipelines.store import transaction

    from datetime import datetime, timezone

    with transaction() as con:
        target = _get(con, workspace_slug, name)
        # A list a run is working on (its lock still leased) is not pulled from under the run.
        busy = con.execute(
            """SELECT r.kind, r.id FROM run_locks k JOIN run_requests r ON r.id = k.request_id
               WHERE k.lock_key = ? AND k.lease_expires_at >= ?""",
            [target.id, datetime.now(timezone.utc).replace(tzinfo=None)]).fetchone()
        if busy:
            raise OperationError(f"list {target.name!r} has a {busy[0]} run in progress (request #{busy[1]}); "
                                 "delete it when the run has finished")
        con.execute("DELETE FROM target_list_members WHERE list_id = ?", [target.id])
        con.execute("DELETE FROM target_lists WHERE id = ?", [target.id])
        return target.member_count


def add_people(workspace_slug: str, name: str, person_ids: list[int]) -> dict[str, int]:
    """Adds people by id (unknown ids are reported, not added); they join the list's workspace."""
    from outsignal_pipelines.store import transaction

    ids = sorted({int(i) for i in person_ids})
    with transaction() as con:
        target = _get(con, workspace_slug, name)
        known = [r[0] for r in con.execute("SELECT id FROM people WHERE id IN (SELECT unnest(?::BIGINT[]))",
                                           [ids]).fetchall()] if ids else []
        added = add_members(con, target.id, known)
        if known:
            con.execute("INSERT INTO person_workspaces (person_id, workspace_slug, source) "
                        "SELECT unnest(?::BIGINT[]), ?, 'list' ON CONFLICT DO NOTHING", [known, workspace_slug])
    return {"added": added, "already_on_list": len(known) - added, "unknown_ids": len(ids) - len(known)}


def add_search_results(workspace_slug: str, name: str, query) -> dict[str, int]:
    """"Select all N matching": adds every person the search matches, in one statement."""
    from outsignal_pipelines.operations.search import matching_ids_sql
    from outsignal_pipelines.store import transaction

    sql, params = matching_ids_sql(query)
    with transaction() as con:
        target = _get(con, workspace_slug, name)
        before = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [target.id]).fetchall()[0][0]
        matched = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
        con.execute(f"INSERT INTO target_list_members (list_id, person_id) SELECT ?, person_id FROM ({sql}) "
                    "ON CONFLICT DO NOTHING", [target.id, *params])
        con.execute(f"INSERT INTO person_workspaces (person_id, workspace_slug, source) SELECT person_id, ?, 'list' "
                    f"FROM ({sql}) ON CONFLICT DO NOTHING", [workspace_slug, *params])
        after = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [target.id]).fetchall()[0][0]
    return {"matched": matched, "added": after - before, "already_on_list": matched - (after - before)}


def remove_people(workspace_slug: str, name: str, person_ids: list[int]) -> int:
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        target = _get(con, workspace_slug, name)
        before = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [target.id]).fetchall()[0][0]
        con.execute("DELETE FROM target_list_members WHERE list_id = ? AND person_id IN (SELECT unnest(?::BIGINT[]))",
                    [target.id, [int(i) for i in person_ids]])
        after = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [target.id]).fetchall()[0][0]
    return before - after


def list_overview(workspace_slug: str | None = None) -> Counts:
    """Every list (of one workspace, or all) with its member counts and coverage, from the list_stats
    model: what the Lists page shows for each list, asked on every rerun (remembered by the app
    server's read copy; the admin's own changes and the runs they follow copy the store first)."""
    from outsignal_pipelines.store import read_view

    sql = ("SELECT * FROM list_stats WHERE ? IS NULL OR workspace_slug = ? "
           "ORDER BY workspace_slug, list_name")
    with read_view() as view:
        rows, as_of = view.remember_with_time(("list_overview", workspace_slug),
                                              lambda con: records(con, sql, [workspace_slug, workspace_slug]))
    return Counts(rows, as_of)


def list_ids() -> list[str]:
    """Every list's id: the Dagster partitions there should be."""
    from outsignal_pipelines.store import connect

    with connect() as con:
        return [r[0] for r in con.execute("SELECT id FROM target_lists ORDER BY id").fetchall()]


def remove_search_results(workspace_slug: str, name: str, query) -> dict[str, int]:
    """Removes the members a search matches ("remove the catch-all emails from Mission Q1"), in one
    statement; people who match but are not members are untouched. Returns how many left and remain."""
    from outsignal_pipelines.operations.search import matching_ids_sql
    from outsignal_pipelines.store import transaction

    sql, params = matching_ids_sql(query)
    with transaction() as con:
        target = _get(con, workspace_slug, name)
        before = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [target.id]).fetchall()[0][0]
        con.execute(f"DELETE FROM target_list_members WHERE list_id = ? AND person_id IN ({sql})", [target.id, *params])
        after = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [target.id]).fetchall()[0][0]
    return {"removed": before - after, "remaining": after}


def names_in_use() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(workspace slug → name, [(list name, workspace slug)]) in one short read: the names the chat
    resolves a sentence against on every turn, so it costs one connection, not two."""
    from outsignal_pipelines.store import connect

    with connect() as con:
        workspaces = dict(con.execute("SELECT slug, name FROM workspaces ORDER BY name").fetchall())
        lists = [(n, w) for n, w in con.execute("SELECT name, workspace_slug FROM target_lists ORDER BY workspace_slug, name")
                 .fetchall()]
    return workspaces, lists

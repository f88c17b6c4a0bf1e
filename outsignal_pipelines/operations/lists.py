"""Target lists: named sets of people per workspace; each list is one Dagster partition."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import duckdb

from outsignal_pipelines.operations import NotFound, OperationError
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
    row = con.execute(
        """SELECT l.id, l.workspace_slug, l.name, l.status, count(m.person_id)
           FROM target_lists l LEFT JOIN target_list_members m ON m.list_id = l.id
           WHERE l.workspace_slug = ? AND l.name = ? GROUP BY ALL""",
        [workspace_slug, clean_list_name(name)],
    ).fetchone()
    if row is None:
        raise NotFound(f"no list called {name!r} in workspace {workspace_slug!r}")
    return TargetList(*row)


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

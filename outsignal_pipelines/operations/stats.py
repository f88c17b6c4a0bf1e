"""Counts people look at: per-workspace coverage for the home page and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from outsignal_pipelines.store import read_view


@dataclass(frozen=True)
class Counts:
    """Rows of counts, and when their data was known to equal the store (None: read live)."""
    rows: list[dict]
    as_of: datetime | None


def workspace_overview(workspace: str | None = None) -> Counts:
    """One row per workspace (or just the one asked for) from the workspace_stats model. In the app server
    it is read from the read copy and remembered there: at a million people it is a scan, and the home
    page asks it on every rerun."""
    sql = "SELECT * FROM workspace_stats"
    params: list = []
    if workspace is not None:
        sql += " WHERE workspace_slug = ?"
        params.append(workspace)
    sql += " ORDER BY people DESC, workspace_slug"
    with read_view() as view:
        rows, as_of = view.remember_with_time(("workspace_overview", workspace), lambda con: records(con, sql, params))
    return Counts(rows, as_of)


def records(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]

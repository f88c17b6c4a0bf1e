"""Counts people look at: per-workspace coverage for the home page and the CLI."""

from __future__ import annotations

from outsignal_pipelines.store import connect


def workspace_overview(workspace: str | None = None) -> list[dict]:
    """One row per workspace (or just the one asked for) from the workspace_stats model."""
    sql = "SELECT * FROM workspace_stats"
    params: list = []
    if workspace is not None:
        sql += " WHERE workspace_slug = ?"
        params.append(workspace)
    sql += " ORDER BY people DESC, workspace_slug"
    with connect() as con:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

"""Workspaces: one per client of the agency."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.store import connect, transaction

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Workspace:
    slug: str
    name: str
    vertical: str | None
    icp_criteria: str | None
    icp_rules: dict[str, Any]
    client_emails: list[str]
    auto_deploy: bool


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise OperationError(f"workspace slug {slug!r} is not valid: use lower-case letters, digits and dashes")
    return slug


def _row_to_workspace(row: tuple) -> Workspace:
    slug, name, vertical, criteria, rules, emails, auto_deploy = row
    return Workspace(slug, name, vertical, criteria, json.loads(rules) if rules else {},
                     json.loads(emails) if emails else [], bool(auto_deploy))


_COLUMNS = "slug, name, vertical, icp_criteria, icp_rules, client_emails, auto_deploy"


def list_workspaces(con: duckdb.DuckDBPyConnection | None = None) -> list[Workspace]:
    if con is None:
        with connect() as own:
            return list_workspaces(own)
    rows = con.execute(f"SELECT {_COLUMNS} FROM workspaces ORDER BY name").fetchall()
    return [_row_to_workspace(r) for r in rows]


def get_workspace(slug: str, con: duckdb.DuckDBPyConnection | None = None) -> Workspace:
    if con is None:
        with connect() as own:
            return get_workspace(slug, own)
    row = con.execute(f"SELECT {_COLUMNS} FROM workspaces WHERE slug = ?", [slug]).fetchone()
    if row is None:
        known = [r[0] for r in con.execute("SELECT slug FROM workspaces ORDER BY slug").fetchall()]
        hint = f"; known workspaces: {', '.join(known)}" if known else "; create one with `outsignal workspace add`"
        raise NotFound(f"unknown workspace {slug!r}{hint}")
    return _row_to_workspace(row)


def upsert_workspace(slug: str, name: str, vertical: str | None = None, icp_criteria: str | None = None,
                     icp_rules: dict[str, Any] | None = None, client_emails: list[str] | None = None,
                     notification_emails: list[str] | None = None) -> Workspace:
    validate_slug(slug)
    if not name or not name.strip():
        raise OperationError("a workspace needs a name")
    with transaction() as con:
        con.execute(
            """INSERT INTO workspaces (slug, name, vertical, icp_criteria, icp_rules, client_emails, notification_emails)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (slug) DO UPDATE SET name = excluded.name,
                 vertical = coalesce(excluded.vertical, workspaces.vertical),
                 icp_criteria = coalesce(excluded.icp_criteria, workspaces.icp_criteria),
                 icp_rules = coalesce(excluded.icp_rules, workspaces.icp_rules),
                 client_emails = coalesce(excluded.client_emails, workspaces.client_emails),
                 notification_emails = coalesce(excluded.notification_emails, workspaces.notification_emails)""",
            [slug, name.strip(), vertical, icp_criteria,
             json.dumps(icp_rules) if icp_rules is not None else None,
             json.dumps(client_emails) if client_emails is not None else None,
             json.dumps(notification_emails) if notification_emails is not None else None],
        )
        return get_workspace(slug, con)

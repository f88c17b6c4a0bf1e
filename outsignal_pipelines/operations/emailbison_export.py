"""Exporting a list's ready leads to EmailBison: into a campaign, attached — not left in the workspace
pool as the first system did. Re-running never duplicates: the campaign is found by name (or given by
id), lead upserts match by email, and attaching an attached lead is a no-op."""

from __future__ import annotations

import re
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.clients.emailbison import MAX_BATCH, EmailBisonClient, EmailBisonError, default_base_url
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.export import exportable_gate
from outsignal_pipelines.store import connect

CUSTOM_VARIABLES = ("linkedin_url", "phone", "icp_score", "vertical")


def workspace_client(workspace: str) -> EmailBisonClient:
    """The workspace's EmailBison: its base URL and its token (stored encrypted from Settings, or from
    the environment variable it names). Against the sandbox each workspace gets its own sandbox token."""
    from outsignal_pipelines.operations.workspaces import emailbison_token

    with connect() as con:
        row = con.execute("SELECT emailbison_base_url FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    if not row:
        raise OperationError(f"unknown workspace {workspace!r}")
    token, source = emailbison_token(workspace)
    if not token:
        raise OperationError(f"workspace {workspace!r} is not connected to EmailBison: {source}")
    try:
        return EmailBisonClient(row[0][0] or default_base_url(), token)
    except EmailBisonError as exc:
        raise OperationError(str(exc)) from exc


def campaign_name_for(workspace: str, list_name: str) -> str:
    with connect() as con:
        row = con.execute("SELECT name FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    return f"{row[0][0] if row else workspace} · {list_name}"


def lead_payload(row: dict[str, Any]) -> dict[str, Any]:
    custom = [{"name": "linkedin_url", "value": row.get("linkedin_url")}, {"name": "phone", "value": row.get("phone")},
              {"name": "icp_score", "value": None if row.get("icp_score") is None else str(row["icp_score"])},
              {"name": "vertical", "value": row.get("vertical")}]
    return {"first_name": row.get("first_name"), "last_name": row.get("last_name"), "email": row["email"],
            "title": row.get("job_title"), "company": row.get("company_name"),
            "custom_variables": [c for c in custom if c["value"]]}


def find_or_create_campaign(client: EmailBisonClient, name: str, campaign_id: int | None = None) -> tuple[dict, bool]:
    if campaign_id is not None:
        return client.get_campaign(campaign_id), False
    existing = [c for c in client.find_campaigns(name) if c.get("name") == name]
    if existing:
        return sorted(existing, key=lambda c: c["id"])[0], False
    return client.create_campaign(name), True


def export_to_emailbison(workspace: str, list_name: str, campaign_id: int | None = None,
                         client: EmailBisonClient | None = None) -> dict[str, Any]:
    gate = exportable_gate(workspace, list_name)
    rows = gate.ready.to_dicts()
    missing_name = [r for r in rows if not (r.get("first_name") and r.get("last_name"))]
    rows = [r for r in rows if r.get("first_name") and r.get("last_name")]
    own = client is None
    client = client or workspace_client(workspace)
    try:
        campaign, created = find_or_create_campaign(client, campaign_name_for(workspace, list_name), campaign_id)
        client.ensure_custom_variables(list(CUSTOM_VARIABLES))
        ids: list[int] = []
        returned_emails: set[str] = set()
        for start in range(0, len(rows), MAX_BATCH):
            batch = [lead_payload(r) for r in rows[start:start + MAX_BATCH]]
            for lead in client.upsert_leads(batch, behavior="patch"):
                ids.append(int(lead["id"]))
                returned_emails.add(str(lead.get("email", "")).lower())
        for start in range(0, len(ids), MAX_BATCH):
            client.attach_leads(campaign["id"], ids[start:start + MAX_BATCH])
    except EmailBisonError as exc:
        raise OperationError(f"EmailBison export failed: {exc}") from exc
    finally:
        if own:
            client.close()
    skipped = [r["email"] for r in rows if r["email"].lower() not in returned_emails]
    summary = gate.summary()
    reasons = dict(summary["blocked_reasons"])
    if missing_name:
        reasons["no first or last name (EmailBison requires both)"] = len(missing_name)
    if skipped:
        reasons["skipped by EmailBison (personal email domain)"] = len(skipped)
    return {"exported": len(ids), "excluded": {"needs_verification": 0,
                                               "blocked": gate.blocked.height + len(missing_name) + len(skipped)},
            "excluded_reasons": reasons, "campaign_id": campaign["id"], "campaign_name": campaign["name"],
            "campaign_created": created}

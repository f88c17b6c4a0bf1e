"""Exporting a list's ready leads to EmailBison: into a campaign, attached — not left in the workspace
pool as the first system did. Re-running never duplicates: the list's one campaign is recorded on the
list (operations.list_campaigns) and shared with its deploy, lead upserts match by email, attaching an
attached lead is a no-op, and a lead already in another active campaign is skipped and named."""

from __future__ import annotations

import re
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.clients.emailbison import MAX_BATCH, EmailBisonClient, EmailBisonError, default_base_url
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.export import exportable_gate
from outsignal_pipelines.operations.list_campaigns import claim_leads, list_campaign_for, release_leads
from outsignal_pipelines.operations.lists import resolve_list
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
    """A campaign without a list (copy-only deploys): by id, else the oldest of that exact name."""
    if campaign_id is not None:
        return client.get_campaign(campaign_id), False
    existing = [c for c in client.find_campaigns(name) if c.get("name") == name]
    if existing:
        return sorted(existing, key=lambda c: c["id"])[0], False
    return client.create_campaign(name), True


def export_to_emailbison(workspace: str, list_name: str, campaign_id: int | None = None,
                         client: EmailBisonClient | None = None, *, allow_overlap: bool = False,
                         campaign_name: str | None = None) -> dict[str, Any]:
    """The list's ready leads into the list's one campaign (recorded on the list, shared with its
    deploy). Leads already in another active campaign of the workspace are skipped and named, unless
    `allow_overlap`. `campaign_name` names the campaign when this call creates it (a deploy passes
    its copy's name)."""
    target = resolve_list(workspace, list_name)
    gate = exportable_gate(workspace, list_name)
    rows = gate.ready.to_dicts()
    missing_name = [r for r in rows if not (r.get("first_name") and r.get("last_name"))]
    rows = [r for r in rows if r.get("first_name") and r.get("last_name")]
    own = client is None
    client = client or workspace_client(workspace)
    claimed: list[int] = []
    try:
        campaign, created = list_campaign_for(client, target, campaign_name or campaign_name_for(workspace, list_name),
                                              campaign_id)
        attach, overlap_skipped, overlapping, claimed = claim_leads(client, target, campaign, rows, allow_overlap)
        client.ensure_custom_variables(list(CUSTOM_VARIABLES))
        ids: list[int] = []
        returned_emails: set[str] = set()
        for start in range(0, len(attach), MAX_BATCH):
            batch = [lead_payload(r) for r in attach[start:start + MAX_BATCH]]
            for lead in client.upsert_leads(batch, behavior="patch"):
                ids.append(int(lead["id"]))
                returned_emails.add(str(lead.get("email", "")).lower())
        for start in range(0, len(ids), MAX_BATCH):
            client.attach_leads(campaign["id"], ids[start:start + MAX_BATCH])
    except EmailBisonError as exc:
        if claimed:  # not attached after all: another list may have them
            release_leads(target, int(campaign["id"]), claimed)
        raise OperationError(f"EmailBison export failed: {exc}") from exc
    finally:
        if own:
            client.close()
    not_taken = [r for r in attach if r["email"].lower() not in returned_emails]
    release_leads(target, int(campaign["id"]), [int(r["person_id"]) for r in not_taken])
    summary = gate.summary()
    reasons = dict(summary["blocked_reasons"])
    if missing_name:
        reasons["no first or last name (EmailBison requires both)"] = len(missing_name)
    if not_taken:
        reasons["skipped by EmailBison (personal email domain)"] = len(not_taken)
    if overlap_skipped:
        reasons["already in another active campaign of the workspace"] = len(overlap_skipped)
    skipped = ([{"name": _name(r), "email": r["email"], "reason": "no first or last name (EmailBison requires both)"}
                for r in missing_name] + overlap_skipped
               + [{"name": _name(r), "email": r["email"], "reason": "skipped by EmailBison (personal email domain)"}
                  for r in not_taken])
    return {"exported": len(ids), "excluded": {"needs_verification": 0,
                                               "blocked": gate.blocked.height + len(skipped)},
            "excluded_reasons": reasons, "skipped": skipped, "attached_despite_overlap": overlapping,
            "campaign_id": campaign["id"], "campaign_name": campaign["name"], "campaign_created": created}


def _name(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or row["email"]

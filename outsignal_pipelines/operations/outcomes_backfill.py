"""Backfill: the facts the webhook would have brought, pulled from EmailBison for events missed while
the endpoint was down (or before it existed).

For each deployed list, `GET /campaigns/{id}/leads` gives every lead's per-campaign stats (emails sent,
opens, replies, interested, status) and the "Meeting Booked" tag filter gives the meetings; each
implied fact gets the same event_key a webhook would have given it (domain/emailbison_events), so
storing them (source='backfill') adds only what is missing and nothing is counted twice. Missed
replies and interest are announced then, once (the outbox key is the event_key too). The campaign
stats endpoint is read alongside, so the result can show EmailBison's own totals next to ours.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from outsignal_pipelines.clients.emailbison import EmailBisonClient, EmailBisonError
from outsignal_pipelines.domain.emailbison_events import facts_from_campaign_lead
from outsignal_pipelines.domain.outcomes import MEETING_TAG
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.campaign_events import notify_facts, store_facts
from outsignal_pipelines.operations.emailbison_export import workspace_client
from outsignal_pipelines.operations.notifications import deliver_in_background
from outsignal_pipelines.store import connect


def deployed_campaigns(workspace: str, list_id: str | None = None) -> list[dict[str, Any]]:
    """[{list_id, campaign_id, created_at}] of the workspace's lists that have an EmailBison campaign."""
    with connect() as con:
        rows = con.execute(
            "SELECT list_id, emailbison_campaign_id, created_at FROM list_campaigns "
            "WHERE workspace_slug = ? AND emailbison_campaign_id IS NOT NULL AND (? IS NULL OR list_id = ?) "
            "ORDER BY list_id", [workspace, list_id, list_id]).fetchall()
    return [{"list_id": r[0], "campaign_id": int(r[1]), "created_at": r[2]} for r in rows]


def list_workspace(list_id: str) -> str:
    with connect() as con:
        rows = con.execute("SELECT workspace_slug FROM target_lists WHERE id = ?", [list_id]).fetchall()
    if not rows:
        raise OperationError(f"unknown list {list_id!r}")
    return rows[0][0]


def _meeting_tag_ids(client: EmailBisonClient) -> list[int]:
    return [int(t["id"]) for t in client.tags()
            if isinstance(t.get("name"), str) and t["name"].strip().lower() == MEETING_TAG and t.get("id") is not None]


def backfill_campaign(client: EmailBisonClient, workspace: str, list_id: str, campaign_id: int,
                      since: date | None = None) -> dict[str, Any]:
    """Pull one campaign's lead stats and store the facts they imply; returns counts and EmailBison's
    own stats for the same campaign."""
    try:
        leads = client.campaign_leads(campaign_id)
        tag_ids = _meeting_tag_ids(client)
        meetings = {int(l["id"]) for l in client.campaign_leads(campaign_id, tag_ids)} if tag_ids else set()
        stats = client.campaign_stats(campaign_id, (since or date(2000, 1, 1)).isoformat(), date.today().isoformat())
    except EmailBisonError as exc:
        raise OperationError(f"could not read campaign {campaign_id} from EmailBison: {exc}") from exc
    facts = [fact for lead in leads
             for fact in facts_from_campaign_lead(campaign_id, lead, meeting=int(lead.get("id") or 0) in meetings)]
    stored = store_facts(workspace, facts, "backfill")
    ids = notify_facts(workspace, stored)
    if ids:
        deliver_in_background(ids)
    return {"list_id": list_id, "campaign_id": campaign_id, "leads": len(leads), "facts": len(facts),
            "stored": sum(s.inserted for s in stored), "already_stored": sum(not s.inserted for s in stored),
            "emailbison_stats": stats}


def backfill_outcomes(workspace: str, list_id: str | None = None,
                      client: EmailBisonClient | None = None) -> dict[str, Any]:
    """Backfill every deployed list of the workspace (or one list). Safe to repeat: nothing twice."""
    campaigns = deployed_campaigns(workspace, list_id)
    own = client is None
    results = []
    try:
        if campaigns and client is None:
            client = workspace_client(workspace)
        for item in campaigns:
            since = item["created_at"].date() if item["created_at"] else None
            results.append(backfill_campaign(client, workspace, item["list_id"], item["campaign_id"], since))
    finally:
        if own and client is not None:
            client.close()
    return {"workspace": workspace, "lists": results, "stored": sum(r["stored"] for r in results),
            "already_stored": sum(r["already_stored"] for r in results)}


def deployed_list_ids() -> list[str]:
    """Every list, in any workspace, that has an EmailBison campaign (the nightly backfill's lists)."""
    with connect() as con:
        return [r[0] for r in con.execute("SELECT list_id FROM list_campaigns WHERE emailbison_campaign_id IS NOT NULL "
                                          "ORDER BY list_id").fetchall()]

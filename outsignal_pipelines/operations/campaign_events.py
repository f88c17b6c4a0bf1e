"""EmailBison's outcome facts into `campaign_events`: append-only, once, then the workspace is told.

Every fact is stored by its `event_key` (domain/emailbison_events.event_key) with INSERT ... ON
CONFLICT DO NOTHING, in one short transaction, before anything else happens with it: a replayed
webhook, or a backfill of a fact the webhook already brought, stores nothing new. The person is
resolved by the lower-cased email, the list by the campaign (list_campaigns); a "Meeting Booked" tag
that names no campaign is put on the lead's campaign in this workspace (lead_campaigns).

Replies and interest are then announced on Slack and by email through the outbox, keyed by the
event_key, so the same reply announced by a replayed webhook and by a backfill goes out once. The
announcement is queued after the fact is stored, for every notified fact of the batch (new or not):
a process that died between the two queues it on the next delivery of the same fact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from outsignal_pipelines.domain.emailbison_events import EventFact, event_key, untracked_ref
from outsignal_pipelines.domain.outcomes import NOTIFIED_EVENTS
from outsignal_pipelines.operations.notifications import notify
from outsignal_pipelines.store import connect, transaction

MAX_PAYLOAD_CHARS = 64_000


@dataclass(frozen=True)
class Stored:
    event_key: str
    fact: EventFact
    inserted: bool


def _resolve_meeting_campaigns(workspace: str, facts: list[EventFact]) -> list[EventFact]:
    """A meeting tag without a campaign goes to the lead's campaign in this workspace."""
    missing = [f for f in facts if f.campaign_id is None and f.event_type != "untracked_reply" and f.lead_email]
    if not missing:
        return facts
    emails = sorted({f.lead_email for f in missing})
    with connect() as con:
        rows = dict(con.execute(
            """SELECT p.email, lc.emailbison_campaign_id FROM lead_campaigns lc JOIN people p ON p.id = lc.person_id
               WHERE lc.workspace_slug = ? AND p.email IN (SELECT unnest(?::VARCHAR[]))""",
            [workspace, emails]).fetchall())
    out = []
    for fact in facts:
        if fact in missing and rows.get(fact.lead_email) is not None:
            fact = EventFact(**{**fact.__dict__, "campaign_id": int(rows[fact.lead_email])})
        out.append(fact)
    return out


def key_of(workspace: str, fact: EventFact) -> str:
    return event_key(workspace, fact.event_type, fact.campaign_id, fact.lead_id,
                     untracked_ref(fact) if fact.event_type == "untracked_reply" else None)


def store_facts(workspace: str, facts: Iterable[EventFact], source: str,
                payloads: list[Any] | None = None) -> list[Stored]:
    """Store each fact once (one transaction); says which were new. Facts that cannot be placed (a
    meeting tag whose lead is in no campaign of ours) raise BadEvent through key_of."""
    facts = _resolve_meeting_campaigns(workspace, list(facts))
    keyed = [(key_of(workspace, f), f) for f in facts]
    rows = []
    for index, (key, fact) in enumerate(keyed):
        payload = payloads[index] if payloads is not None else None
        text = json.dumps(payload, default=str)[:MAX_PAYLOAD_CHARS] if payload is not None else None
        if text is not None and len(text) >= MAX_PAYLOAD_CHARS:
            text = json.dumps({"truncated": True})
        rows.append([key, workspace, fact.event_type, fact.campaign_id, fact.lead_id, fact.lead_email,
                     fact.sequence_step_id, fact.reply_snippet, fact.occurred_at, source, text])
    inserted: set[str] = set()
    with transaction() as con:
        for row in rows:
            got = con.execute(
                """INSERT INTO campaign_events (event_key, workspace_slug, event_type, emailbison_campaign_id,
                       emailbison_lead_id, lead_email, person_id, list_id, sequence_step_id, reply_snippet,
                       occurred_at, source, payload)
                   SELECT $1, $2, $3, $4, $5, $6,
                          (SELECT id FROM people WHERE email = $6),
                          (SELECT list_id FROM list_campaigns WHERE workspace_slug = $2 AND emailbison_campaign_id = $4),
                          $7, $8, $9, $10, $11::JSON
                   ON CONFLICT DO NOTHING RETURNING event_key""", row).fetchall()
            if got:
                inserted.add(got[0][0])
    return [Stored(key, fact, key in inserted) for key, fact in keyed]


_LABELS = {"replied": ("New reply", "replied"), "interested": ("Interested lead", "was marked interested"),
           "untracked_reply": ("Reply outside a campaign", "replied outside any campaign")}


def _message(fact: EventFact, person: str, campaign: str | None) -> tuple[str, str]:
    label, verb = _LABELS[fact.event_type]
    where = f" in *{campaign}*" if campaign else ""
    text = f"*{person}* {verb}{where}."
    if fact.reply_snippet:
        text += f'\n"{fact.reply_snippet}"'
    subject = f"{label}: {person}" + (f" · {campaign}" if campaign else "")
    return text, subject


def notify_facts(workspace: str, stored: list[Stored]) -> list[int]:
    """Queue the Slack message and the email for each reply / interest fact (once per event_key)."""
    wanted = [s for s in stored if s.fact.event_type in NOTIFIED_EVENTS]
    if not wanted:
        return []
    ids: list[int] = []
    with transaction() as con:
        for item in wanted:
            fact = item.fact
            row = con.execute(
                """SELECT trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')),
                          (SELECT campaign_name FROM list_campaigns
                           WHERE workspace_slug = $2 AND emailbison_campaign_id = $3)
                   FROM (SELECT 1) LEFT JOIN people p ON p.email = $1""",
                [fact.lead_email, workspace, fact.campaign_id]).fetchall()
            known_name, known_campaign = (row[0] if row else (None, None))
            name = fact.lead_name or known_name or None
            person = f"{name} <{fact.lead_email}>" if name and fact.lead_email else (name or fact.lead_email or "a lead")
            campaign = fact.campaign_name or known_campaign or (
                f"campaign {fact.campaign_id}" if fact.campaign_id is not None else None)
            text, subject = _message(fact, person, campaign)
            ids += notify(con, workspace, f"lead_{fact.event_type}", text, subject, key=f"event:{item.event_key}")
    return ids


def events(workspace: str, list_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Stored facts of a workspace (of one list), oldest first, without payloads."""
    with connect() as con:
        cursor = con.execute(
            "SELECT event_key, event_type, emailbison_campaign_id, emailbison_lead_id, lead_email, person_id, list_id, "
            "reply_snippet, occurred_at, received_at, source FROM campaign_events "
            "WHERE workspace_slug = ? AND (? IS NULL OR list_id = ?) ORDER BY received_at, event_key "
            + ("LIMIT ?" if limit else ""),
            [workspace, list_id, list_id, *([limit] if limit else [])])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def event_markers() -> dict[str, str]:
    """{list_id: '<count>:<newest received_at>'} for every list with stored facts: what changes when a
    list gets a new fact (the outcomes sensor's cursor)."""
    with connect() as con:
        rows = con.execute("SELECT list_id, count(*), max(received_at) FROM campaign_events "
                           "WHERE list_id IS NOT NULL GROUP BY list_id ORDER BY list_id").fetchall()
    return {list_id: f"{count}:{newest}" for list_id, count, newest in rows}

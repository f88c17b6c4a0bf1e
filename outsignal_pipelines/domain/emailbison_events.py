"""EmailBison's events, read the same way whether they arrive by webhook or are pulled back later.

A webhook body (reference/emailbison_api.md §11) is `{"event": {"type": "LEAD_REPLIED", ...},
"data": {"lead": {...}, "campaign": {...}, "reply": {...}, ...}}`. `parse_webhook` turns one into an
`EventFact`, refuses a body it cannot read (`BadEvent`, with a message that says what is missing) and
returns None for an event that is not an outcome (an account event, a tag other than "Meeting
Booked").

The identity of a fact (`event_key`) is what lets a webhook and a backfill agree: it names the
workspace, the campaign, the EmailBison lead and the kind of fact, and nothing that only one of the two
paths knows (the webhook's own event id, a time). So a fact is stored once per lead and campaign: the
lead was sent to, opened, replied, was marked interested, bounced, unsubscribed, booked a meeting. A
follow-up email or a second reply of the same lead in the same campaign is the same fact and is not
stored again; EmailBison's inbox keeps the thread. An untracked reply (no campaign) is identified by
EmailBison's reply id, which only the webhook carries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from outsignal_pipelines.domain.outcomes import EVENT_TYPES, MEETING_TAG

SNIPPET_CHARS = 500


class BadEvent(ValueError):
    """A body we cannot store: the message says what is missing or malformed."""


@dataclass(frozen=True)
class EventFact:
    event_type: str                      # campaign_events.event_type
    vendor_type: str                     # EmailBison's event.type, e.g. LEAD_REPLIED
    campaign_id: int | None
    lead_id: int | None
    lead_email: str | None
    sequence_step_id: int | None = None
    reply_id: int | None = None
    reply_snippet: str | None = None
    occurred_at: datetime | None = None
    lead_name: str | None = None
    campaign_name: str | None = None


def event_key(workspace: str, event_type: str, campaign_id: int | None, lead_id: int | None,
              untracked_ref: str | None = None) -> str:
    """The identity of one fact: `emailbison:<workspace>:<campaign id>:<lead id>:<type>`, or
    `emailbison:<workspace>:untracked:<reply id>` for a reply outside any campaign."""
    if event_type == "untracked_reply":
        return f"emailbison:{workspace}:untracked:{untracked_ref}"
    if campaign_id is None or lead_id is None:
        raise BadEvent(f"a {event_type} event needs a campaign and a lead")
    return f"emailbison:{workspace}:{int(campaign_id)}:{int(lead_id)}:{event_type}"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_time(value: Any) -> datetime | None:
    """EmailBison's ISO-8601 UTC time as a naive UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def snippet(text: Any) -> str | None:
    """The first SNIPPET_CHARS of a reply's text, whitespace collapsed; client text, so data."""
    if not isinstance(text, str):
        return None
    collapsed = re.sub(r"\s+", " ", text).strip()
    return collapsed[:SNIPPET_CHARS] or None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def parse_webhook(body: Any) -> EventFact | None:
    """One webhook body as a fact; None for events that are not outcomes; BadEvent when unreadable."""
    if not isinstance(body, dict):
        raise BadEvent("the body must be a JSON object with 'event' and 'data'")
    event = body.get("event")
    data = body.get("data")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"].strip():
        raise BadEvent("event.type is missing")
    if not isinstance(data, dict):
        raise BadEvent("data is missing or not an object")
    vendor_type = event["type"].strip().upper()
    kind = EVENT_TYPES.get(vendor_type)
    if kind is None:
        return None
    if vendor_type == "TAG_ATTACHED":
        tag = _dict(data.get("tag"))
        name = tag.get("name") if isinstance(tag.get("name"), str) else ""
        if not name:
            raise BadEvent("data.tag.name is missing")
        if name.strip().lower() != MEETING_TAG:
            return None
    lead, campaign, reply = _dict(data.get("lead")), _dict(data.get("campaign")), _dict(data.get("reply"))
    scheduled, campaign_event = _dict(data.get("scheduled_email")), _dict(data.get("campaign_event"))
    email = lead.get("email") if isinstance(lead.get("email"), str) else None
    if kind == "untracked_reply":
        email = email or (reply.get("from_email_address") if isinstance(reply.get("from_email_address"), str) else None)
    email = email.strip().lower() if email and "@" in email else None
    lead_id, campaign_id = _int(lead.get("id")), _int(campaign.get("id"))
    reply_id = _int(reply.get("id"))
    if kind == "untracked_reply":
        if reply_id is None and email is None:
            raise BadEvent("an untracked reply needs data.reply.id or the sender's address")
    else:
        if lead_id is None:
            raise BadEvent(f"{vendor_type} needs data.lead.id (an integer)")
        if campaign_id is None and kind != "meeting_booked":
            raise BadEvent(f"{vendor_type} needs data.campaign.id (an integer)")
    first, last = lead.get("first_name"), lead.get("last_name")
    name = " ".join(p for p in (first, last) if isinstance(p, str) and p.strip()) or None
    occurred = (parse_time(campaign_event.get("created_at")) or parse_time(reply.get("date_received"))
                or parse_time(scheduled.get("sent_at")) or parse_time(data.get("created_at")))
    return EventFact(
        event_type=kind, vendor_type=vendor_type, campaign_id=campaign_id, lead_id=lead_id, lead_email=email,
        sequence_step_id=_int(scheduled.get("sequence_step_id")), reply_id=reply_id,
        reply_snippet=snippet(reply.get("text_body")) if reply else None, occurred_at=occurred, lead_name=name,
        campaign_name=campaign.get("name") if isinstance(campaign.get("name"), str) else None)


def untracked_ref(fact: EventFact) -> str:
    """An untracked reply's identity: EmailBison's reply id, else a digest of sender, time and text."""
    if fact.reply_id is not None:
        return str(fact.reply_id)
    basis = f"{fact.lead_email}|{fact.occurred_at}|{fact.reply_snippet}"
    return "h" + hashlib.sha256(basis.encode()).hexdigest()[:24]


# What a backfill reads from `GET /campaigns/{id}/leads`: the facts a lead's stats and status imply.
def facts_from_campaign_lead(campaign_id: int, lead: dict, meeting: bool = False) -> list[EventFact]:
    """The facts one campaign lead's stats imply (emails sent, opens, replies, interested, status)."""
    lead_id = _int(lead.get("id"))
    if lead_id is None:
        return []
    stats = _dict(lead.get("lead_campaign_data"))
    email = lead.get("email").strip().lower() if isinstance(lead.get("email"), str) else None
    status = str(stats.get("status") or "").lower()
    lead_status = str(lead.get("status") or "").lower()

    def count(name: str) -> int:
        return _int(stats.get(name)) or 0

    kinds: list[str] = []
    if count("emails_sent") > 0 or status == "bounced" or lead_status == "bounced":
        kinds.append("sent")
    if count("opens") > 0:
        kinds.append("opened")
    if count("replies") > 0:
        kinds.append("replied")
    if stats.get("interested") is True:
        kinds.append("interested")
    if status == "bounced" or lead_status == "bounced":
        kinds.append("bounced")
    if lead_status == "unsubscribed" or status == "unsubscribed":
        kinds.append("unsubscribed")
    if meeting:
        kinds.append("meeting_booked")
    return [EventFact(event_type=k, vendor_type="BACKFILL", campaign_id=int(campaign_id), lead_id=lead_id,
                      lead_email=email) for k in kinds]

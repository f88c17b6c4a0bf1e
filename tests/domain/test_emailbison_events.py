"""EmailBison's event shapes read into facts, and one identity per fact whichever way it arrives."""

from __future__ import annotations

from datetime import datetime

import pytest

from outsignal_pipelines.domain.emailbison_events import (
    BadEvent,
    event_key,
    facts_from_campaign_lead,
    parse_webhook,
)


def _body(kind: str, **data) -> dict:
    return {"event": {"type": kind}, "data": {"lead": {"id": 5, "email": "A@B.example"}, "campaign": {"id": 9},
                                              **data}}


def test_each_documented_event_becomes_its_fact():
    kinds = {"EMAIL_SENT": "sent", "EMAIL_OPENED": "opened", "LEAD_REPLIED": "replied",
             "LEAD_INTERESTED": "interested", "EMAIL_BOUNCED": "bounced", "LEAD_UNSUBSCRIBED": "unsubscribed"}
    for vendor, ours in kinds.items():
        fact = parse_webhook(_body(vendor, campaign_event={"created_at": "2026-05-01T10:00:00.000000Z"}))
        assert (fact.event_type, fact.campaign_id, fact.lead_id, fact.lead_email) == (ours, 9, 5, "a@b.example")
        assert fact.occurred_at == datetime(2026, 5, 1, 10, 0)


def test_webhook_and_backfill_give_the_same_keys():
    lead = {"id": 5, "email": "a@b.example", "status": "bounced",
            "lead_campaign_data": {"status": "bounced", "emails_sent": 1, "opens": 0, "replies": 0, "interested": False}}
    backfilled = {event_key("ws", f.event_type, f.campaign_id, f.lead_id) for f in facts_from_campaign_lead(9, lead)}
    hooked = {event_key("ws", parse_webhook(_body(k)).event_type, 9, 5) for k in ("EMAIL_SENT", "EMAIL_BOUNCED")}
    assert backfilled == hooked == {"emailbison:ws:9:5:sent", "emailbison:ws:9:5:bounced"}
    replied = {"id": 5, "lead_campaign_data": {"emails_sent": 2, "opens": 3, "replies": 2, "interested": True}}
    assert [f.event_type for f in facts_from_campaign_lead(9, replied, meeting=True)] == [
        "sent", "opened", "replied", "interested", "meeting_booked"]


def test_reply_text_is_cut_and_whitespace_collapsed():
    fact = parse_webhook(_body("LEAD_REPLIED", reply={"id": 3, "text_body": "Hi\n\n  there " + "x" * 900}))
    assert fact.reply_snippet.startswith("Hi there x") and len(fact.reply_snippet) == 500 and fact.reply_id == 3


@pytest.mark.parametrize("body", [[], {"event": {}}, {"event": {"type": "EMAIL_SENT"}, "data": "x"},
                                  {"event": {"type": "EMAIL_SENT"}, "data": {"lead": {"id": "five"}, "campaign": {"id": 1}}},
                                  {"event": {"type": "UNTRACKED_REPLY_RECEIVED"}, "data": {"reply": {}}},
                                  {"event": {"type": "TAG_ATTACHED"}, "data": {"lead": {"id": 1}}}])
def test_unreadable_bodies_say_why(body):
    with pytest.raises(BadEvent):
        parse_webhook(body)


def test_events_that_are_not_outcomes_are_ignored():
    assert parse_webhook({"event": {"type": "EMAIL_ACCOUNT_ADDED"}, "data": {}}) is None
    assert parse_webhook(_body("TAG_ATTACHED", tag={"name": "Warm lead"})) is None
    assert parse_webhook(_body("TAG_ATTACHED", tag={"name": " meeting BOOKED "})).event_type == "meeting_booked"

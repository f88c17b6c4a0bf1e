"""The webhook endpoint's refusals and shapes: unknown secrets are 404 and rate-limited (per address and
globally, never more than the limit even at once), a bad body is 422 with nothing stored (and kept
aside), an untracked reply is stored by its reply id, Slack text is escaped, other tags are ignored,
and a rotated secret stops working at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.webhook_secrets import make_webhook_url
from outsignal_pipelines.store import connect
from outsignal_pipelines.webhooks.app import create_app


@pytest.fixture
def hook(workspace):
    from outsignal_pipelines.operations.notifications import settle

    with connect() as con:
        con.execute("UPDATE workspaces SET notification_emails = '[\"ops@acme.example\"]' WHERE slug = 'acme'")
        con.execute("INSERT INTO people (id, email, first_name, last_name) VALUES (7, 'jane@lead.example', 'Jane', 'Doe')")
        con.execute("INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id) "
                    "VALUES ('acme.q1', 'acme', 'Acme Q1', 42)")
        con.execute("INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) "
                    "VALUES ('acme', 7, 42, 'acme.q1')")
    made = make_webhook_url("acme")
    yield TestClient(create_app()), made["url"].split("/emailbison/webhook/", 1)[1]
    settle(timeout=10)  # background deliveries finish on this test's store


def _reply(kind: str = "LEAD_REPLIED", text: str = "Sounds good, call me", **lead) -> dict:
    return {"event": {"type": kind, "name": "Lead Replied", "workspace_id": 1, "workspace_name": "Acme"},
            "data": {"lead": {"id": 501, "email": "Jane@Lead.example", "first_name": "Jane", "last_name": "Doe", **lead},
                     "campaign": {"id": 42, "name": "Acme Q1"},
                     "campaign_event": {"id": 9, "type": "replied", "created_at": "2026-05-01T10:00:00.000000Z"},
                     "reply": {"id": 77, "from_email_address": "jane@lead.example", "text_body": text,
                               "date_received": "2026-05-01T10:00:00.000000Z"}}}


def _count(table: str) -> int:
    with connect() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_reply_is_stored_once_and_announced_once(hook):
    client, secret = hook
    first = client.post(f"/emailbison/webhook/{secret}", json=_reply())
    again = client.post(f"/emailbison/webhook/{secret}", json=_reply())
    assert first.status_code == again.status_code == 200
    assert (first.json()["stored"], again.json()["stored"]) == (True, False)
    assert first.json()["event_key"] == "emailbison:acme:42:501:replied"
    with connect() as con:
        row = con.execute("SELECT person_id, list_id, lead_email, reply_snippet, source FROM campaign_events").fetchall()
        keys = [r[0] for r in con.execute("SELECT idempotency_key FROM notification_outbox ORDER BY 1").fetchall()]
    assert row == [(7, "acme.q1", "jane@lead.example", "Sounds good, call me", "webhook")]
    assert keys == ["event:emailbison:acme:42:501:replied:email", "event:emailbison:acme:42:501:replied:slack"]


def test_unknown_secrets_are_refused_and_rate_limited(hook, monkeypatch):
    client, secret = hook
    monkeypatch.setenv("OUTSIGNAL_WEBHOOK_UNKNOWN_PER_ADDRESS", "3")
    monkeypatch.setenv("OUTSIGNAL_WEBHOOK_UNKNOWN_GLOBAL", "5")
    codes = [client.post(f"/emailbison/webhook/guess-{i}", json=_reply()).status_code for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    # Another address still has its own slots, until the server-wide limit is reached.
    other = TestClient(create_app(), client=("10.0.0.9", 5555))
    assert [other.post(f"/emailbison/webhook/x{i}", json={}).status_code for i in range(3)] == [404, 404, 429]
    # The right secret is never limited, and nothing from the guesses was stored.
    assert client.post(f"/emailbison/webhook/{secret}", json=_reply()).status_code == 200
    assert _count("campaign_events") == 1


def test_the_limit_holds_when_requests_arrive_at_once(hook, monkeypatch):
    client, _ = hook
    monkeypatch.setenv("OUTSIGNAL_WEBHOOK_UNKNOWN_PER_ADDRESS", "4")
    monkeypatch.setenv("OUTSIGNAL_WEBHOOK_UNKNOWN_GLOBAL", "100")
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: client.post(f"/emailbison/webhook/nope{i}", json={}).status_code, range(16)))
    assert sorted(codes) == [404] * 4 + [429] * 12


@pytest.mark.parametrize("body,reason", [
    (b"{not json", "not JSON"),
    (json.dumps({"data": {}}).encode(), "event.type is missing"),
    (json.dumps({"event": {"type": "LEAD_REPLIED"}, "data": {"campaign": {"id": 42}, "lead": {"email": "a@b.c"}}}).encode(),
     "data.lead.id"),
    (json.dumps({"event": {"type": "EMAIL_BOUNCED"}, "data": {"lead": {"id": 5}}}).encode(), "data.campaign.id"),
])
def test_a_bad_body_is_422_with_nothing_stored_and_kept_aside(hook, body, reason):
    client, secret = hook
    answer = client.post(f"/emailbison/webhook/{secret}", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and reason in answer.json()["message"]
    assert "Traceback" not in answer.text
    assert _count("campaign_events") == 0 and _count("notification_outbox") == 0
    with connect() as con:
        assert con.execute("SELECT workspace_slug, body FROM webhook_rejects").fetchall() == [("acme", body.decode())]


def test_an_untracked_reply_is_stored_by_its_reply_id(hook):
    client, secret = hook
    body = {"event": {"type": "UNTRACKED_REPLY_RECEIVED", "name": "Untracked Reply Received"},
            "data": {"reply": {"id": 9001, "from_email_address": "JANE@lead.example", "email_subject": "hi",
                               "text_body": "Saw your note\n\n  via a colleague", "date_received": "2026-05-02T09:00:00Z"}}}
    answer = client.post(f"/emailbison/webhook/{secret}", json=body)
    assert answer.status_code == 200 and answer.json()["event_key"] == "emailbison:acme:untracked:9001"
    with connect() as con:
        row = con.execute("SELECT event_type, emailbison_campaign_id, person_id, reply_snippet, occurred_at::VARCHAR "
                          "FROM campaign_events").fetchall()
        kinds = {r[0] for r in con.execute("SELECT kind FROM notification_outbox").fetchall()}
    assert row == [("untracked_reply", None, 7, "Saw your note via a colleague", "2026-05-02 09:00:00")]
    assert kinds == {"lead_untracked_reply"}


def test_slack_text_is_escaped_and_the_email_keeps_the_words(hook):
    client, secret = hook
    text = "<!channel> see <https://evil.example|your invoice> & reply"
    assert client.post(f"/emailbison/webhook/{secret}",
                       json=_reply("LEAD_INTERESTED", text, first_name="<!here>")).status_code == 200
    with connect() as con:
        payloads = dict(con.execute("SELECT channel, payload FROM notification_outbox").fetchall())
    slack, email = json.loads(payloads["slack"]), json.loads(payloads["email"])
    assert "<!channel>" not in slack["text"] and "<!here>" not in slack["text"] and "<https://" not in slack["text"]
    assert "&lt;!channel&gt; see &lt;https://evil.example|your invoice&gt; &amp; reply" in slack["text"]
    assert "Acme Q1" in slack["text"] and "jane@lead.example" in slack["text"]
    assert text in email["text"] and email["to"] == ["ops@acme.example"]


def test_only_the_meeting_tag_is_an_outcome(hook):
    client, secret = hook
    other = {"event": {"type": "TAG_ATTACHED"}, "data": {"tag": {"id": 3, "name": "Warm"}, "lead": {"id": 501}}}
    meeting = {"event": {"type": "TAG_ATTACHED"},
               "data": {"tag": {"id": 4, "name": "Meeting Booked"}, "lead": {"id": 501, "email": "jane@lead.example"}}}
    account = {"event": {"type": "EMAIL_ACCOUNT_ADDED"}, "data": {"sender_email": {"id": 1}}}
    assert client.post(f"/emailbison/webhook/{secret}", json=other).json()["stored"] is False
    assert client.post(f"/emailbison/webhook/{secret}", json=account).json()["stored"] is False
    stored = client.post(f"/emailbison/webhook/{secret}", json=meeting).json()
    assert stored["event_key"] == "emailbison:acme:42:501:meeting_booked"   # the lead's campaign, from our records
    assert _count("campaign_events") == 1


def test_the_url_is_shown_once_and_a_rotated_secret_stops_working(hook):
    client, secret = hook
    with pytest.raises(OperationError, match="shown only once"):
        make_webhook_url("acme")
    with connect() as con:
        stored = con.execute("SELECT secret_sha256, hint FROM webhook_secrets").fetchall()
    assert secret not in str(stored) and stored[0][1] == secret[-4:]
    rotated = make_webhook_url("acme", rotate=True)["url"].rsplit("/", 1)[1]
    assert client.post(f"/emailbison/webhook/{secret}", json=_reply()).status_code == 404
    assert client.post(f"/emailbison/webhook/{rotated}", json=_reply()).status_code == 200

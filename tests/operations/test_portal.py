"""The client portal's rules on a real store: magic links (hashed, single use, expiring, throttled),
sessions that pin one workspace, decisions that record history, move statuses and notify through a
real SMTP server and the Slack sink — and every way a client of one workspace might reach another's."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from outsignal_pipelines.operations.notifications import deliver, outbox, settle
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.auth import (
    RateLimited,
    admin_sign_in,
    consume_magic_link,
    request_magic_link,
    session,
)
from outsignal_pipelines.operations.portal import (
    copy_for_review,
    decide_copy,
    decide_list,
    lists_for_review,
    record_external_decision,
)
from outsignal_pipelines.operations.review import approvals, save_step, send_campaign_to_review, send_list_to_review
from outsignal_pipelines.store import connect


def _ready_for_review() -> None:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    save_step("rise", "Q1 copy", 1, "quick question about merch", "Hi {FIRST_NAME}, quick one. Open to a chat?")
    send_campaign_to_review("rise", "Q1 copy")


def _link_from_inbox(inbox_box) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for mail in inbox_box["emails"]:
            if "sign-in link" in mail["subject"]:
                return mail["text"].split("token=")[1].split()[0]
        time.sleep(0.05)
    raise AssertionError("no sign-in email arrived")


def sign_in(email: str, inbox_box) -> str:
    settle()  # mail from sending to review (which emails the client) is not this sign-in's link
    inbox_box["emails"].clear()
    request_magic_link(email, "203.0.113.7")
    token = _link_from_inbox(inbox_box)
    inbox_box["emails"].clear()
    return consume_magic_link(token)


def test_magic_link_goes_by_real_smtp_works_once_and_pins_the_workspace(seeded_store, mail_and_slack):
    request_magic_link("Client@Rise.example", "203.0.113.7")
    token = _link_from_inbox(mail_and_slack)
    assert mail_and_slack["emails"][0]["to"] == ["client@rise.example"]
    with connect() as con:  # only the hash is stored
        stored = con.execute("SELECT token_hash FROM magic_links").fetchall()
    assert stored and all(token not in row[0] for row in stored)
    session_token = consume_magic_link(token)
    me = session(session_token)
    assert (me.workspace, me.email, me.is_admin) == ("rise", "client@rise.example", False)
    with pytest.raises(OperationError, match="not valid any more"):
        consume_magic_link(token)  # single use


def test_expired_and_unknown_links_fail(seeded_store, mail_and_slack):
    request_magic_link("client@rise.example")
    token = _link_from_inbox(mail_and_slack)
    with connect() as con:
        con.execute("UPDATE magic_links SET expires_at = ?", [datetime.utcnow() - timedelta(minutes=1)])
    with pytest.raises(OperationError):
        consume_magic_link(token)
    with pytest.raises(OperationError):
        consume_magic_link("made-up-token")


def test_unknown_addresses_get_the_same_answer_and_no_email(seeded_store, mail_and_slack):
    assert request_magic_link("stranger@evil.example") == request_magic_link("client@rise.example")
    _link_from_inbox(mail_and_slack)  # both are sent in the background: wait for the client's, then a moment
    time.sleep(0.3)
    assert [m["to"] for m in mail_and_slack["emails"]] == [["client@rise.example"]]


def test_a_flood_of_link_requests_is_throttled(seeded_store, mail_and_slack):
    for _ in range(3):
        request_magic_link("client@rise.example", "198.51.100.1")
    with pytest.raises(RateLimited):
        request_magic_link("client@rise.example", "198.51.100.2")  # per email
    for i in range(10):
        request_magic_link(f"nobody{i}@x.example", "198.51.100.9")
    with pytest.raises(RateLimited):
        request_magic_link("someone@x.example", "198.51.100.9")  # per address


def test_decisions_record_history_move_status_and_notify_slack_and_email(seeded_store, mail_and_slack):
    _ready_for_review()
    me = sign_in("client@rise.example", mail_and_slack)
    cards = lists_for_review(me)
    assert [c["name"] for c in cards] == ["Rise Q1"] and len(cards[0]["top"]) == 10
    assert list(copy_for_review(me)) == ["Q1 copy"]
    decide_list(me, "rise.rise-q1", "approved", "great list")
    decide_copy(me, "Q1 copy", "rejected", "  shorter please  ")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (len(mail_and_slack["slack"]) < 2 or
                                           len([m for m in mail_and_slack["emails"] if "Lead list" in m["subject"]
                                                or "copy" in m["subject"].lower()]) < 2):
        time.sleep(0.05)
    assert any("approved the list *Rise Q1*" in m["text"] for m in mail_and_slack["slack"])
    assert any("Feedback: “shorter please”" in m["text"] for m in mail_and_slack["slack"])
    subjects = {m["subject"] for m in mail_and_slack["emails"]}
    assert {"Lead list approved: Rise Q1", "Campaign copy rejected: Q1 copy"} <= subjects
    history = approvals("rise")
    assert [(h["entity_type"], h["decision"], h["approver_email"]) for h in history] == [
        ("list", "approved", "client@rise.example"), ("drafts", "rejected", "client@rise.example")]
    with pytest.raises(OperationError):
        decide_list(me, "rise.rise-q1", "approved")  # already decided


def test_a_client_of_one_workspace_cannot_reach_another(seeded_store, mail_and_slack):
    _ready_for_review()
    lime = sign_in("client@lime.example", mail_and_slack)
    assert lists_for_review(lime) == [] and copy_for_review(lime) == {}
    with pytest.raises(NotFound):
        decide_list(lime, "rise.rise-q1", "approved")            # another workspace's list id
    with pytest.raises(NotFound):
        decide_copy(lime, "Q1 copy", "approved")                  # another workspace's campaign
    with pytest.raises(OperationError, match="sign in"):
        decide_list("forged-session", "rise.rise-q1", "approved")
    with pytest.raises(OperationError, match="sign in"):
        lists_for_review(admin_sign_in("test-admin-password"))    # an admin session is not a client session
    assert session(None) is None and session("") is None
    with connect() as con:
        assert con.execute("SELECT status FROM target_lists WHERE id = 'rise.rise-q1'").fetchall() == [("pending_review",)]


def test_slack_and_smtp_down_lose_nothing_and_the_retry_delivers(seeded_store, sandbox, monkeypatch):
    _ready_for_review()
    settle()
    with connect() as con:  # only the decision's messages are followed here (not the review invitations)
        con.execute("DELETE FROM notification_outbox")
    monkeypatch.setenv("OUTSIGNAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OUTSIGNAL_SMTP_PORT", "9")  # nothing listens there
    monkeypatch.setenv("OUTSIGNAL_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    record_external_decision("rise", "client@rise.example", "approved", list_name="Rise Q1", feedback="by phone")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(r["status"] == "failed" for r in outbox("rise")):
        time.sleep(0.05)
    assert {r["status"] for r in outbox("rise")} == {"failed"} and all(r["last_error"] for r in outbox("rise"))
    monkeypatch.delenv("OUTSIGNAL_SLACK_WEBHOOK_URL")
    import socket

    from outsignal_pipelines.sandbox import inbox

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = inbox.start_smtp("127.0.0.1", port)
    try:
        monkeypatch.setenv("OUTSIGNAL_SMTP_PORT", str(port))
        with connect() as con:
            con.execute("UPDATE notification_outbox SET next_attempt_at = current_timestamp - INTERVAL 1 SECOND")
        assert deliver() == {"sent": 2, "failed": 0}
        assert deliver() == {"sent": 0, "failed": 0}  # a delivered message is never sent again
    finally:
        controller.stop()
    assert approvals("rise")[0]["channel"] == "admin"


def test_client_feedback_reaches_slack_as_plain_text(seeded_store, mail_and_slack):
    """`<!channel>` would ping everyone and `<url|label>` would be a disguised link: the sink must get
    them escaped, while the email keeps the feedback as typed."""
    _ready_for_review()
    hostile = "<!channel> see <https://evil.example|your invoice> & more"
    decide_list(sign_in("client@rise.example", mail_and_slack), "rise.rise-q1", "rejected", hostile)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (mail_and_slack["slack"] and mail_and_slack["emails"]):
        time.sleep(0.05)
    [message] = mail_and_slack["slack"]
    escaped = "&lt;!channel&gt; see &lt;https://evil.example|your invoice&gt; &amp; more"
    assert escaped in message["text"] and "<!channel>" not in message["text"]
    mrkdwn = [b["text"]["text"] for b in message["blocks"] if b.get("text", {}).get("type") == "mrkdwn"]
    assert any(escaped in t for t in mrkdwn) and not any("<" in t or ">" in t for t in mrkdwn)
    assert any(hostile in m["text"] for m in mail_and_slack["emails"])

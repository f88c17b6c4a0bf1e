"""The outbox: queued with the decision, delivered through the Slack and SMTP clients to targets
chosen from the message, the workspace and settings; failures are kept with a backoff, a message
another sender has claimed is not sent twice, and the sandbox inbox is read for the admin page."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations import notifications as nt
from outsignal_pipelines.operations.workspaces import upsert_workspace
from outsignal_pipelines.store import connect, transaction


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notify(workspace: str) -> list[int]:
    with transaction() as con:
        return nt.notify(con, workspace, "list_approved", "Rise Q1 was approved.", "List approved")


def _row(oid: int) -> dict:
    return next(r for r in nt.outbox() if r["id"] == oid)


def test_notify_then_deliver_sends_slack_and_email_once(workspace, mail_and_slack, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_MAIL_FROM", "Agency <ops@agency.example>")
    upsert_workspace(workspace, "Acme Client", notification_emails=["ops@acme.example"])
    ids = _notify(workspace)
    assert [r["channel"] for r in sorted(nt.outbox(workspace), key=lambda r: r["id"])] == ["slack", "email"]
    assert nt.deliver(ids) == {"sent": 2, "failed": 0}
    assert nt.deliver(ids) == {"sent": 0, "failed": 0}  # a delivered message is never sent again
    assert nt.deliver() == {"sent": 0, "failed": 0}
    [mail] = mail_and_slack["emails"]
    assert (mail["from"], mail["to"], mail["subject"]) == ("ops@agency.example", ["ops@acme.example"], "List approved")
    [message] = mail_and_slack["slack"]
    assert message["text"] == "List approved\nRise Q1 was approved."
    assert message["blocks"][0]["type"] == "header" and "Acme Client" in message["blocks"][2]["elements"][0]["text"]
    assert {(r["status"], r["attempts"], r["last_error"]) for r in nt.outbox(workspace)} == {("sent", 1, None)}


def test_slack_target_is_the_message_then_the_workspace_then_settings(workspace, monkeypatch):
    assert nt.slack_url(workspace, {}) is None
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", "http://127.0.0.1:9/")
    assert nt.slack_url(workspace, {}) == "http://127.0.0.1:9/slack/webhook"
    monkeypatch.setenv("OUTSIGNAL_SLACK_WEBHOOK_URL", "https://hooks.example/product")
    assert nt.slack_url(workspace, {}) == "https://hooks.example/product"
    with connect() as con:
        con.execute("UPDATE workspaces SET slack_webhook_url = 'https://hooks.example/acme' WHERE slug = ?", [workspace])
    assert nt.slack_url(workspace, {}) == "https://hooks.example/acme"
    assert nt.slack_url(None, {}) == "https://hooks.example/product"
    assert nt.slack_url(workspace, {"webhook": "https://hooks.example/this-one"}) == "https://hooks.example/this-one"


def test_delivery_uses_the_workspaces_own_webhook(workspace, mail_and_slack, sandbox, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{_dead_port()}/product-hook")
    with connect() as con:
        con.execute("UPDATE workspaces SET slack_webhook_url = ? WHERE slug = ?", [f"{sandbox.url}/slack/webhook", workspace])
    assert nt.deliver(_notify(workspace)) == {"sent": 1, "failed": 0}
    assert len(mail_and_slack["slack"]) == 1


def test_smtp_target_comes_from_settings(monkeypatch):
    assert nt.smtp_target() is None
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_SMTP_PORT", "8025")
    assert nt.smtp_target() == ("127.0.0.1", 8025)
    monkeypatch.setenv("OUTSIGNAL_SMTP_HOST", "mail.example")
    monkeypatch.setenv("OUTSIGNAL_SMTP_PORT", "2525")
    assert nt.smtp_target() == ("mail.example", 2525)


def test_a_failed_send_is_kept_with_a_backoff_and_a_reason(workspace, monkeypatch):
    upsert_workspace(workspace, "Acme Client", notification_emails=["ops@acme.example"])
    monkeypatch.setenv("OUTSIGNAL_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{_dead_port()}/hook")
    ids = _notify(workspace)
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    assert nt.deliver(ids) == {"sent": 0, "failed": 2}
    slack_row, email_row = _row(ids[0]), _row(ids[1])
    assert slack_row["status"] == email_row["status"] == "failed"
    assert slack_row["attempts"] == email_row["attempts"] == 1
    assert slack_row["last_error"].startswith("SlackError: Slack unreachable")
    assert email_row["last_error"].startswith("SmtpError: no SMTP server configured")
    assert email_row["next_attempt_at"] >= before + timedelta(seconds=14)
    assert nt.deliver() == {"sent": 0, "failed": 0}  # not due again until the backoff has passed


def test_a_message_claimed_by_another_sender_is_not_sent_twice(workspace, mail_and_slack):
    [oid] = _notify(workspace)
    assert nt._claim(oid)           # another process took it and is sending it now
    assert not nt._claim(oid)
    assert nt.deliver([oid]) == {"sent": 0, "failed": 0}
    assert nt.deliver() == {"sent": 0, "failed": 0}
    assert mail_and_slack["slack"] == [] and _row(oid)["status"] == "pending"
    with connect() as con:          # the sender died: its lease runs out and the retry delivers
        con.execute("UPDATE notification_outbox SET next_attempt_at = ? WHERE id = ?",
                    [datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=1), oid])
    assert nt.deliver() == {"sent": 1, "failed": 0}
    assert len(mail_and_slack["slack"]) == 1


def test_sandbox_inbox_reads_the_sinks_or_says_there_is_none(workspace, mail_and_slack, monkeypatch):
    nt.deliver(_notify(workspace))
    received = nt.sandbox_inbox()
    assert [m["text"] for m in received["slack"]] == ["List approved\nRise Q1 was approved."]
    assert received["emails"] == []
    monkeypatch.delenv("OUTSIGNAL_SANDBOX_URL")
    assert nt.sandbox_inbox() is None
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", f"http://127.0.0.1:{_dead_port()}")
    with pytest.raises(OperationError, match="sandbox did not answer"):
        nt.sandbox_inbox()


def test_the_same_event_queued_twice_is_stored_and_sent_once(workspace, mail_and_slack):
    """A retried step announcing the same deploy again must not reach Slack twice."""
    first = _notify_event(workspace, "deploy:7:complete")
    second = _notify_event(workspace, "deploy:7:complete")
    assert first == second and len(nt.outbox(workspace)) == 1
    nt.deliver(first)
    nt.deliver(second)
    assert len(mail_and_slack["slack"]) == 1
    assert _notify_event(workspace, "deploy:8:complete") != first  # another event is another message


def _notify_event(workspace: str, key: str) -> list[int]:
    with transaction() as con:
        return nt.notify(con, workspace, "deploy", "Rise Q1 is live.", "Deploy complete: Rise Q1", key=key)


# A deploy carried out by a process that exits as soon as its work is done (a Dagster run worker,
# `outsignal deploy --wait`), whose delivery is slow to record what it sent (the store busy).
_EXITING_DEPLOYER = """
import time, sys
from outsignal_pipelines.operations import notifications as nt
from outsignal_pipelines.operations.deploy import prepare_deploy, run_deploy

send = nt._send
def slow_to_record(*args):
    note = send(*args)
    time.sleep(1.5)  # sent; recording it waits for the store
    return note
nt._send = slow_to_record
done = run_deploy("rise", prepare_deploy("rise", "Rise Q1")[0]["id"])
deadline = time.monotonic() + 20  # the run's own bookkeeping takes a moment; Slack has the message by then
while time.monotonic() < deadline and not any(
        m["text"].startswith("Deploy complete") for m in nt.sandbox_inbox()["slack"]):
    time.sleep(0.05)
print(done["status"])
"""


@pytest.mark.slow
def test_a_deploy_process_that_exits_at_once_announces_the_deploy_once(seeded_store, mail_and_slack, tmp_path):
    """On the old code the delivery thread was a daemon: the process exited after Slack had the
    message but before it was recorded, and the retry sensor sent it again once the claim ran out."""
    import subprocess
    import sys

    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    nt.deliver()
    mail_and_slack["slack"].clear()
    script = tmp_path / "deployer.py"
    script.write_text(_EXITING_DEPLOYER)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "complete", proc.stderr[-2000:]
    with connect() as con:  # time passes: every claim has run out, and the retry sensor delivers
        con.execute("UPDATE notification_outbox SET next_attempt_at = next_attempt_at - INTERVAL 1 HOUR "
                    "WHERE status <> 'sent'")
    nt.deliver()
    announced = [m["text"] for m in mail_and_slack["slack"] if m["text"].startswith("Deploy complete")]
    assert len(announced) == 1, announced
    assert proc.returncode == 0, proc.stderr[-2000:]  # and no abort at exit (was exit 134: SIGABRT)

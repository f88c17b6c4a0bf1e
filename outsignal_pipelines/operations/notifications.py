"""The notification outbox. A message is written in the same transaction as the decision it reports,
then delivered at once; if Slack or the mail server is down it stays in the outbox and the Dagster
sensor retries it with backoff. Nothing is lost, and a delivered message is never sent again."""

from __future__ import annotations

import json
import os
import smtplib
import threading
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import httpx

from outsignal_pipelines.store import connect, transaction

MAX_ATTEMPTS = 8
_delivery_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enqueue(con, kind: str, channel: str, payload: dict[str, Any], workspace: str | None = None) -> int:
    return con.execute(
        "INSERT INTO notification_outbox (workspace_slug, kind, channel, payload, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?) RETURNING id", [workspace, kind, channel, json.dumps(payload), _now()]).fetchall()[0][0]


def smtp_target() -> tuple[str, int] | None:
    host = os.environ.get("OUTSIGNAL_SMTP_HOST")
    port = os.environ.get("OUTSIGNAL_SMTP_PORT")
    if host and port:
        return host, int(port)
    sandbox_port = os.environ.get("OUTSIGNAL_SANDBOX_SMTP_PORT")
    if sandbox_port:
        return "127.0.0.1", int(sandbox_port)
    return None


def slack_url(workspace: str | None, payload: dict[str, Any]) -> str | None:
    if payload.get("webhook"):
        return payload["webhook"]
    if workspace:
        with connect() as con:
            row = con.execute("SELECT slack_webhook_url FROM workspaces WHERE slug = ?", [workspace]).fetchall()
        if row and row[0][0]:
            return row[0][0]
    if os.environ.get("OUTSIGNAL_SLACK_WEBHOOK_URL"):
        return os.environ["OUTSIGNAL_SLACK_WEBHOOK_URL"]
    sandbox = os.environ.get("OUTSIGNAL_SANDBOX_URL")
    return f"{sandbox.rstrip('/')}/slack/webhook" if sandbox else None


def _send_email(payload: dict[str, Any]) -> None:
    target = smtp_target()
    if target is None:
        raise RuntimeError("no SMTP server configured (OUTSIGNAL_SMTP_HOST/OUTSIGNAL_SMTP_PORT)")
    message = EmailMessage()
    message["From"] = os.environ.get("OUTSIGNAL_MAIL_FROM", "Outsignal <notifications@outsignal.example>")
    message["To"] = ", ".join(payload["to"])
    message["Subject"] = payload["subject"]
    message.set_content(payload["text"])
    with smtplib.SMTP(*target, timeout=10) as smtp:
        smtp.send_message(message)


def _send_slack(url: str, payload: dict[str, Any]) -> None:
    body = {"text": payload["text"], "blocks": payload.get("blocks") or [
        {"type": "section", "text": {"type": "mrkdwn", "text": payload["text"]}}]}
    response = httpx.post(url, json=body, timeout=10)
    if response.status_code >= 300:
        raise RuntimeError(f"Slack answered {response.status_code}")


def deliver(ids: list[int] | None = None) -> dict[str, int]:
    """Try to send the given messages (or every due one). Never raises: failures are recorded."""
    with _delivery_lock:
        with connect() as con:
            if ids is not None:
                rows = con.execute("SELECT id, workspace_slug, channel, payload, attempts FROM notification_outbox "
                                   "WHERE id IN (SELECT unnest(?::BIGINT[])) AND status <> 'sent'", [ids]).fetchall()
            else:
                rows = con.execute("SELECT id, workspace_slug, channel, payload, attempts FROM notification_outbox "
                                   "WHERE status <> 'sent' AND attempts < ? AND coalesce(next_attempt_at, created_at) <= ? "
                                   "ORDER BY id LIMIT 100", [MAX_ATTEMPTS, _now()]).fetchall()
        sent = failed = 0
        for oid, workspace, channel, payload_json, attempts in rows:
            payload = json.loads(payload_json)
            try:
                if channel == "email":
                    _send_email(payload)
                else:
                    url = slack_url(workspace, payload)
                    if not url:
                        raise RuntimeError("no Slack webhook configured for this workspace")
                    _send_slack(url, payload)
            except Exception as exc:  # noqa: BLE001 - any failure is recorded for the retry sensor
                failed += 1
                wait = timedelta(seconds=min(3600, 15 * 2**attempts))
                with transaction() as con:
                    con.execute("UPDATE notification_outbox SET status = 'failed', attempts = attempts + 1, "
                                "last_error = ?, next_attempt_at = ? WHERE id = ?",
                                [f"{type(exc).__name__}: {exc}"[:500], _now() + wait, oid])
            else:
                sent += 1
                with transaction() as con:
                    con.execute("UPDATE notification_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
                                "last_error = NULL WHERE id = ?", [_now(), oid])
        return {"sent": sent, "failed": failed}


def _deliver_quietly(ids: list[int]) -> None:
    """Background delivery must never crash its thread: whatever fails stays in the outbox for the sensor."""
    import logging

    try:
        deliver(ids)
    except Exception:  # noqa: BLE001 - e.g. the store is locked for longer than the timeout
        logging.getLogger(__name__).warning("background delivery of %s failed; the retry sensor will pick it up",
                                            ids, exc_info=True)


def deliver_in_background(ids: list[int]) -> threading.Thread:
    """Start delivery without making the person who clicked wait for Slack or SMTP."""
    thread = threading.Thread(target=_deliver_quietly, args=(ids,), daemon=True)
    thread.start()
    return thread


def notify(con, workspace: str, kind: str, text: str, subject: str) -> list[int]:
    """Queue a Slack message and an email to the workspace's notification addresses."""
    row = con.execute("SELECT notification_emails, name FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    emails = json.loads(row[0][0] or "[]") if row else []
    name = row[0][1] if row else workspace
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
              {"type": "section", "text": {"type": "mrkdwn", "text": text}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Workspace: *{name}*"}]}]
    ids = [enqueue(con, kind, "slack", {"text": f"{subject}\n{text}", "blocks": blocks}, workspace)]
    if emails:
        ids.append(enqueue(con, kind, "email", {"to": emails, "subject": subject, "text": text}, workspace))
    return ids


def outbox(workspace: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    with connect() as con:
        cursor = con.execute("SELECT * FROM notification_outbox WHERE ? IS NULL OR workspace_slug = ? ORDER BY id DESC LIMIT ?",
                             [workspace, workspace, limit])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

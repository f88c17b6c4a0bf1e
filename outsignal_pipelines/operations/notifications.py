"""The notification outbox. A message is written in the same transaction as the decision it reports,
then delivered at once; if Slack or the mail server is down it stays in the outbox and the Dagster
sensor retries it with backoff. Nothing is lost, and a delivered message is never sent again.
Targets come from the workspace and settings; the sending itself is clients/slack and clients/smtp.

Every message once: a message may carry an idempotency key (unique), so an event queued twice (a
retried step announcing the same deploy) is stored once; a sender claims a message in one UPDATE ...
RETURNING before it sends it. Background delivery runs on non-daemon threads, and a process that must
exit (a CLI command) waits for them with a bound (`settle`): a daemon thread still inside DuckDB when
the interpreter exits aborts the process (`terminate called ...`, exit 134), and a sender killed
between sending and recording is exactly how a message goes out twice."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any


from outsignal_pipelines import settings
from outsignal_pipelines.clients import slack, smtp
from outsignal_pipelines.domain.untrusted_text import slack_escape
from outsignal_pipelines.clients.sandbox_inbox import SandboxInboxError, fetch_inbox
from outsignal_pipelines.operations import OperationError, sign_in_links
from outsignal_pipelines.store import connect, transaction

MAX_ATTEMPTS = 8
_delivery_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enqueue(con, kind: str, channel: str, payload: dict[str, Any], workspace: str | None = None,
            key: str | None = None) -> int:
    """Queue one message; with a `key`, a second message with the same key is not stored again and
    the first one's id is returned (the unique index decides, inside the caller's transaction)."""
    rows = con.execute(
        "INSERT INTO notification_outbox (workspace_slug, kind, channel, payload, next_attempt_at, idempotency_key) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        [workspace, kind, channel, json.dumps(payload), _now(), key]).fetchall()
    if rows:
        return rows[0][0]
    return con.execute("SELECT id FROM notification_outbox WHERE idempotency_key = ?", [key]).fetchall()[0][0]


def smtp_target() -> tuple[str, int] | None:
    return settings.smtp_server()


def _pick_slack_url(payload: dict[str, Any], workspace_hook: str | None) -> str | None:
    """The message's own webhook, else the workspace's, else the product's (or the sandbox sink)."""
    return payload.get("webhook") or workspace_hook or settings.slack_webhook_url()


def slack_url(workspace: str | None, payload: dict[str, Any]) -> str | None:
    hook = None
    if workspace and not payload.get("webhook"):
        with connect() as con:
            row = con.execute("SELECT slack_webhook_url FROM workspaces WHERE slug = ?", [workspace]).fetchall()
        hook = row[0][0] if row else None
    return _pick_slack_url(payload, hook)


def _send_email(payload: dict[str, Any]) -> str | None:
    """Returns a note on recipients the server refused while accepting the others (the mail went out)."""
    target = smtp_target()
    if target is None:
        raise smtp.SmtpError("no SMTP server configured (OUTSIGNAL_SMTP_HOST/OUTSIGNAL_SMTP_PORT)")
    refused = smtp.send_email(target, settings.mail_from(), payload["to"], payload["subject"], payload["text"])
    return f"refused by the mail server: {', '.join(sorted(refused))}" if refused else None


def _send_slack(url: str, payload: dict[str, Any]) -> None:
    slack.post_message(url, payload["text"], payload.get("blocks"))


_DUE_COLUMNS = "o.id, o.workspace_slug, o.channel, o.payload, o.attempts, w.slack_webhook_url"
_DUE_FROM = "notification_outbox o LEFT JOIN workspaces w ON w.slug = o.workspace_slug"
# A message being sent is claimed by pushing its next attempt past this lease, so the retry sensor in
# another process cannot send it a second time meanwhile; if the sender dies, the lease runs out and
# the message is retried. Longer than one send can take (the clients time out after 10 s).
CLAIM_SECONDS = 120


def _claim(oid: int) -> bool:
    """Take one due message for this sender, in one short transaction; False when another has it."""
    now = _now()
    with transaction() as con:
        return bool(con.execute(
            "UPDATE notification_outbox SET next_attempt_at = ? WHERE id = ? AND status <> 'sent' "
            "AND coalesce(next_attempt_at, created_at) <= ? RETURNING id",
            [now + timedelta(seconds=CLAIM_SECONDS), oid, now]).fetchall())


def _send(channel: str, payload: dict[str, Any], workspace_hook: str | None) -> str | None:
    if sign_in_links.is_link_message(payload):  # the link is minted now; the outbox never holds it
        payload = sign_in_links.render(payload)
        if payload is None:
            return "nothing to send: not a client address, or the request was used, revoked or stale"
    if channel == "email":
        return _send_email(payload)
    url = _pick_slack_url(payload, workspace_hook)
    if not url:
        raise slack.SlackError("no Slack webhook configured for this workspace")
    _send_slack(url, payload)
    return None


# A message is due when unsent, not out of attempts, and past its backoff.
_DUE_NOW = "o.status <> 'sent' AND o.attempts < ? AND coalesce(o.next_attempt_at, o.created_at) <= ?"


def due_messages(limit: int = 100) -> list[dict[str, int]]:
    """Messages a delivery run should send now: [{id, attempts}] (the outbox sensor's trigger)."""
    with connect() as con:
        rows = con.execute(f"SELECT o.id, o.attempts FROM notification_outbox o WHERE {_DUE_NOW} ORDER BY o.id LIMIT ?",
                           [MAX_ATTEMPTS, _now(), limit]).fetchall()
    return [{"id": r[0], "attempts": r[1]} for r in rows]


def deliver(ids: list[int] | None = None, deadline: float | None = None) -> dict[str, int]:
    """Try to send the given messages (or every due one). Never raises for a failed send: failures
    are recorded with a backoff for the retry sensor. Past `deadline` (time.monotonic()) no further
    message is claimed: those stay in the outbox for the sensor."""
    with _delivery_lock:
        with connect() as con:
            if ids is not None:
                rows = con.execute(f"SELECT {_DUE_COLUMNS} FROM {_DUE_FROM} "
                                   "WHERE o.id IN (SELECT unnest(?::BIGINT[])) AND o.status <> 'sent' ORDER BY o.id",
                                   [ids]).fetchall()
            else:
                rows = con.execute(f"SELECT {_DUE_COLUMNS} FROM {_DUE_FROM} WHERE {_DUE_NOW} ORDER BY o.id LIMIT 100",
                                   [MAX_ATTEMPTS, _now()]).fetchall()
        sent = failed = 0
        for oid, _workspace, channel, payload_json, attempts, workspace_hook in rows:
            if deadline is not None and time.monotonic() > deadline:
                break
            if not _claim(oid):
                continue
            try:
                note = _send(channel, json.loads(payload_json), workspace_hook)
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
                                "last_error = ? WHERE id = ?", [_now(), note, oid])
        return {"sent": sent, "failed": failed}


BACKGROUND_SECONDS = 30.0


def _deliver_quietly(ids: list[int]) -> None:
    """Background delivery must never crash its thread: whatever fails stays in the outbox for the
    sensor. It stops claiming after BACKGROUND_SECONDS, so an exiting process never waits long."""
    try:
        deliver(ids, deadline=time.monotonic() + BACKGROUND_SECONDS)
    except Exception:  # noqa: BLE001 - e.g. the store is locked for longer than the timeout
        logging.getLogger(__name__).warning("background delivery of %s failed; the retry sensor will pick it up",
                                            ids, exc_info=True)


_background: list[tuple[threading.Thread, list[int]]] = []


def deliver_in_background(ids: list[int]) -> threading.Thread:
    """Start delivery without making the person who clicked wait for Slack or SMTP. Not a daemon
    thread: the interpreter finishes it before exiting instead of killing it inside DuckDB."""
    thread = threading.Thread(target=_deliver_quietly, args=(ids,), daemon=False, name="outbox-delivery")
    with _background_lock:
        _background.append((thread, list(ids)))
    thread.start()
    return thread


_background_lock = threading.Lock()
SETTLE_SECONDS = 20.0


def settle(ids: list[int] | None = None, timeout: float = SETTLE_SECONDS) -> dict[str, list[int]]:
    """Wait (at most `timeout` seconds) for this process's background deliveries, then say which of
    `ids` (default: every message this process handed to a background delivery) went out and which
    are still in the outbox for the retry sensor. What a command calls before it exits, so nothing it
    announced is cut off mid-send."""
    end = time.monotonic() + max(0.0, timeout)
    with _background_lock:
        started = list(_background)
    for thread, _ids in started:
        thread.join(max(0.0, end - time.monotonic()))
    with _background_lock:
        _background[:] = [(t, i) for t, i in _background if t.is_alive()]
    if ids is None:
        ids = sorted({i for _t, own in started for i in own})
    if not ids:
        return {"sent": [], "queued": []}
    with connect() as con:
        rows = con.execute("SELECT id, status FROM notification_outbox WHERE id IN (SELECT unnest(?::BIGINT[]))",
                           [list(ids)]).fetchall()
    return {"sent": sorted(i for i, s in rows if s == "sent"), "queued": sorted(i for i, s in rows if s != "sent")}


def notify(con, workspace: str, kind: str, text: str, subject: str, key: str | None = None) -> list[int]:
    """Queue a Slack message and an email to the workspace's notification addresses. `key` names the
    event (e.g. `deploy:12:complete`): the same event notified twice is queued once.

    `text` and `subject` carry what clients typed (feedback, names), so for Slack they are escaped
    (`<!channel>`, `<url|label>` arrive as plain text); callers may use *bold* but never Slack links.
    The email gets them as typed: it is sent as plain text."""
    row = con.execute("SELECT notification_emails, name FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    emails = json.loads(row[0][0] or "[]") if row else []
    name = row[0][1] if row else workspace
    slack_text, slack_subject = slack_escape(text), slack_escape(subject)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
              {"type": "section", "text": {"type": "mrkdwn", "text": slack_text}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Workspace: *{slack_escape(name)}*"}]}]
    ids = [enqueue(con, kind, "slack", {"text": f"{slack_subject}\n{slack_text}", "blocks": blocks}, workspace,
                   f"{key}:slack" if key else None)]
    if emails:
        ids.append(enqueue(con, kind, "email", {"to": emails, "subject": subject, "text": text}, workspace,
                           f"{key}:email" if key else None))
    return ids


def outbox(workspace: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    with connect() as con:
        cursor = con.execute("SELECT * FROM notification_outbox WHERE ? IS NULL OR workspace_slug = ? ORDER BY id DESC LIMIT ?",
                             [workspace, workspace, limit])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def sandbox_inbox() -> dict[str, list[dict[str, Any]]] | None:
    """What the sandbox's SMTP and Slack sinks received (demo mode), or None when no sandbox runs here
    and messages go to real Slack and SMTP."""
    base = settings.sandbox_url()
    if not base:
        return None
    try:
        return fetch_inbox(base)
    except SandboxInboxError as exc:
        raise OperationError(str(exc)) from exc

"""What the webhook endpoint does with one request, as an answer (status + JSON) the face returns.

- An unknown secret is 404, and each one takes a rate-limit slot (per client address and for the whole
  server, `sign_in_slots` claimed by primary key in one transaction, as sign-in does): past the limit
  the answer is 429 before any lookup work is done again. Known secrets are not limited: EmailBison
  bursts when a campaign sends.
- A body we cannot read is 422 with the reason; it is kept in `webhook_rejects` (nothing EmailBison
  sent is lost) and nothing is written to `campaign_events`.
- A readable event is stored once (operations/campaign_events) before anything else; replies and
  interest are then queued for Slack and email and delivered in the background, so the answer is quick.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.domain.emailbison_events import BadEvent, parse_webhook
from outsignal_pipelines.operations.auth import take_slot
from outsignal_pipelines.operations.campaign_events import notify_facts, store_facts
from outsignal_pipelines.operations.notifications import deliver_in_background
from outsignal_pipelines.operations.webhook_secrets import workspace_for_secret
from outsignal_pipelines.store import transaction

MAX_BODY_BYTES = 1_000_000
KEPT_BODY_CHARS = 64_000
UNKNOWN_WINDOW_MINUTES = 1.0
_SLOT_LOCK = threading.Lock()   # one claimer per process; across processes the primary key decides


@dataclass
class WebhookAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def unknown_secret_allowed(address: str | None) -> bool:
    """Take one slot for a request with an unknown secret, per address and globally, in one
    transaction: both or neither. False means 429."""
    per_address, overall = settings.webhook_unknown_limits()
    at = _now()
    with _SLOT_LOCK:
        try:
            with transaction() as con:
                con.execute("DELETE FROM sign_in_slots WHERE scope IN ('webhook_address', 'webhook_global') "
                            "AND taken_at <= ?", [at - timedelta(minutes=UNKNOWN_WINDOW_MINUTES)])
                for scope, key, limit in (("webhook_address", address or "unknown", per_address),
                                          ("webhook_global", "*", overall)):
                    if not take_slot(con, scope, key, limit, at, UNKNOWN_WINDOW_MINUTES):
                        raise _Full
        except _Full:
            return False
    return True


class _Full(Exception):
    pass


def _reject(workspace: str, reason: str, raw: bytes) -> WebhookAnswer:
    text = raw[:KEPT_BODY_CHARS].decode("utf-8", errors="replace")
    with transaction() as con:
        con.execute("INSERT INTO webhook_rejects (workspace_slug, reason, body) VALUES (?, ?, ?)",
                    [workspace, reason, text])
    return WebhookAnswer(422, {"message": f"The webhook body was not accepted: {reason}"})


def receive(secret: str, raw: bytes, client_address: str | None) -> WebhookAnswer:
    """One POST to /emailbison/webhook/{secret}."""
    workspace = workspace_for_secret(secret)
    if workspace is None:
        if not unknown_secret_allowed(client_address):
            return WebhookAnswer(429, {"message": "Too many requests."})
        return WebhookAnswer(404, {"message": "Not found."})
    if len(raw) > MAX_BODY_BYTES:
        return _reject(workspace, f"the body is larger than {MAX_BODY_BYTES:,} bytes", raw)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _reject(workspace, "the body is not JSON", raw)
    try:
        fact = parse_webhook(body)
        if fact is None:
            kind = body.get("event", {}).get("type")
            return WebhookAnswer(200, {"stored": False, "message": f"{kind} is not an outcome event; not stored."})
        stored = store_facts(workspace, [fact], "webhook", payloads=[body])
    except BadEvent as exc:
        return _reject(workspace, str(exc), raw)
    ids = notify_facts(workspace, stored)
    if ids:
        deliver_in_background(ids)
    return WebhookAnswer(200, {"stored": stored[0].inserted, "event_key": stored[0].event_key})

"""Magic-link tokens are minted when the email is sent, never before, and never stored.

A sign-in request is a `magic_links` row and an outbox message that holds only the row's id. When the
outbox sends it (in the background, or by the retry sensor in another process), `render` decides
whether the address belongs to a client workspace, mints a fresh random token, stores its SHA-256 and
returns the mail with the link, which goes straight to SMTP. So no row anywhere (outbox included,
before or after delivery) holds a token that opens the portal. A retried send mints a new token and
the earlier one stops working. Deciding "is this a client?" here, outside the request, also keeps the
request's answer time the same for every address.

This module sits below `auth` and `notifications` (both import it) so neither imports the other."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.store import transaction

LINK_MINUTES = 15
# A request whose mail could not go out for this long is dropped rather than mailed late.
REQUEST_STALE_MINUTES = 60
SUBJECT = "Your Outsignal portal sign-in link"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def listed(client_emails_json: str | None, email: str) -> bool:
    """Is `email` one of a workspace's client emails (case-insensitive)?"""
    address = (email or "").strip().lower()
    return bool(address) and address in {str(e).strip().lower() for e in json.loads(client_emails_json or "[]")}


def client_workspaces(con, email: str) -> list[str]:
    rows = con.execute("SELECT slug, client_emails FROM workspaces ORDER BY slug").fetchall()
    return [slug for slug, emails in rows if listed(emails, email)]


def is_link_message(payload: dict[str, Any]) -> bool:
    return "magic_link_id" in payload


def render(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The email for an outbox sign-in message, with a freshly minted link; None when nothing must be
    sent (not a client address, request used, revoked or stale)."""
    link_id = int(payload["magic_link_id"])
    token = secrets.token_urlsafe(32)
    at = now()
    with transaction() as con:
        rows = con.execute("SELECT email, requested_at, used_at, revoked_at FROM magic_links WHERE id = ?",
                           [link_id]).fetchall()
        if not rows:
            return None
        email, requested_at, used_at, revoked_at = rows[0]
        if used_at is not None or revoked_at is not None:
            return None
        workspaces = client_workspaces(con, email)
        if not workspaces or requested_at < at - timedelta(minutes=REQUEST_STALE_MINUTES):
            con.execute("UPDATE magic_links SET revoked_at = ?, revoked_reason = ? WHERE id = ?",
                        [at, "not a client address" if not workspaces else "not sent in time", link_id])
            return None
        con.execute("UPDATE magic_links SET workspace_slug = ?, token_hash = ?, minted_at = ?, expires_at = ? "
                    "WHERE id = ?", [workspaces[0], hash_token(token), at, at + timedelta(minutes=LINK_MINUTES),
                                     link_id])
    link = f"{settings.portal_base_url()}/portal?token={token}"
    return {"to": [email], "subject": SUBJECT,
            "text": f"Sign in to review your leads and copy:\n\n{link}\n\nThe link works once, for {LINK_MINUTES} minutes."}

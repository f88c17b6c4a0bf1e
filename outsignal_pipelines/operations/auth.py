"""Who may see what. Clients sign in with a magic link (random token, stored only as a SHA-256 hash,
15-minute expiry, single use, rate-limited per email and per address) that opens a portal session for
exactly one workspace; the workspace is always read back from the server-side session, never from
anything the browser sends. Admins sign in with OUTSIGNAL_ADMIN_PASSWORD (constant-time compare;
closed when unset, except in demo mode)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from outsignal_pipelines import settings
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.store import connect, transaction

LINK_MINUTES = 15
SESSION_HOURS = 12
MAX_LINKS_PER_EMAIL = 3      # per LINK_MINUTES
MAX_LINKS_PER_ADDRESS = 10   # per LINK_MINUTES
ADMIN = "__admin__"
DEMO_ADMIN_PASSWORD = "demo"


class RateLimited(OperationError):
    pass


@dataclass(frozen=True)
class PortalSession:
    workspace: str
    email: str
    is_admin: bool = False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def demo_mode() -> bool:
    return settings.demo_mode()


def portal_base_url() -> str:
    return settings.portal_base_url()


def workspaces_for_email(email: str) -> list[str]:
    address = (email or "").strip().lower()
    with connect() as con:
        rows = con.execute("SELECT slug, client_emails FROM workspaces ORDER BY slug").fetchall()
    return [slug for slug, emails in rows if address and address in {e.lower() for e in json.loads(emails or "[]")}]


def request_magic_link(email: str, address: str | None = None) -> dict:
    """Emails a sign-in link to a listed client address. The answer is the same whether or not the
    address is listed, so the form cannot be used to discover clients."""
    from outsignal_pipelines.operations.notifications import deliver, enqueue

    address_key = (address or "unknown")[:100]
    email = (email or "").strip().lower()[:320]
    window = _now() - timedelta(minutes=LINK_MINUTES)
    with connect() as con:
        per_email, per_address = con.execute(
            "SELECT count(*) FILTER (WHERE email = ?), count(*) FILTER (WHERE requested_ip = ?) "
            "FROM magic_links WHERE created_at >= ?", [email, address_key, window]).fetchall()[0]
    if per_email >= MAX_LINKS_PER_EMAIL or per_address >= MAX_LINKS_PER_ADDRESS:
        raise RateLimited("too many sign-in links requested; wait a few minutes and try again")
    generic = {"sent": True, "message": "If that address belongs to a client workspace, a sign-in link is on its way."}
    workspaces = workspaces_for_email(email)
    token = secrets.token_urlsafe(32)
    with transaction() as con:
        # A row is written for unknown addresses too (with no workspace), so they are rate-limited alike.
        con.execute("INSERT INTO magic_links (token_hash, workspace_slug, email, requested_ip, expires_at) "
                    "VALUES (?, ?, ?, ?, ?)", [_hash(token), workspaces[0] if workspaces else "",
                                              email, address_key, _now() + timedelta(minutes=LINK_MINUTES)])
        if not workspaces:
            return generic
        link = f"{portal_base_url()}/portal?token={token}"
        outbox_id = enqueue(con, "magic_link", "email", {
            "to": [email], "subject": "Your Outsignal portal sign-in link",
            "text": f"Sign in to review your leads and copy:\n\n{link}\n\nThe link works once, for {LINK_MINUTES} minutes."},
            workspaces[0])
    deliver([outbox_id])
    return generic


def consume_magic_link(token: str) -> str:
    """Turns a valid, unused, unexpired link into a portal session; returns the session token."""
    token_hash = _hash(token or "")
    with transaction() as con:
        rows = con.execute(
            "UPDATE magic_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
            "AND workspace_slug <> '' RETURNING workspace_slug, email", [_now(), token_hash, _now()]).fetchall()
        if not rows:
            raise OperationError("this sign-in link is not valid any more (used, expired or unknown); ask for a new one")
        workspace, email = rows[0]
        session = secrets.token_urlsafe(32)
        con.execute("INSERT INTO portal_sessions (token_hash, workspace_slug, email, expires_at) VALUES (?, ?, ?, ?)",
                    [_hash(session), workspace, email, _now() + timedelta(hours=SESSION_HOURS)])
    return session


def session(session_token: str | None) -> PortalSession | None:
    """The signed-in identity for a session token, or None (unknown, expired or revoked)."""
    if not session_token or not isinstance(session_token, str):
        return None
    with connect() as con:
        rows = con.execute("SELECT workspace_slug, email FROM portal_sessions WHERE token_hash = ? AND revoked_at IS NULL "
                           "AND expires_at > ?", [_hash(session_token), _now()]).fetchall()
    if not rows:
        return None
    workspace, email = rows[0]
    return PortalSession(workspace, email, workspace == ADMIN)


def sign_out(session_token: str | None) -> None:
    if session_token:
        with transaction() as con:
            con.execute("UPDATE portal_sessions SET revoked_at = ? WHERE token_hash = ?", [_now(), _hash(session_token)])


def admin_sign_in(password: str) -> str:
    """An admin session token for the right password; closed when no password is configured (demo aside)."""
    expected = settings.admin_password() or (DEMO_ADMIN_PASSWORD if demo_mode() else None)
    if not expected:
        raise OperationError("admin sign-in is closed: set OUTSIGNAL_ADMIN_PASSWORD")
    if not hmac.compare_digest((password or "").encode(), expected.encode()):
        raise OperationError("wrong password")
    token = secrets.token_urlsafe(32)
    with transaction() as con:
        con.execute("INSERT INTO portal_sessions (token_hash, workspace_slug, email, expires_at) VALUES (?, ?, 'admin', ?)",
                    [_hash(token), ADMIN, _now() + timedelta(hours=SESSION_HOURS)])
    return token

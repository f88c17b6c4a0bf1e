"""Who may see what, and how a sign-in withstands an attacker.

Clients sign in with a magic link (see `sign_in_links`: the token is minted when the mail is sent and
only its SHA-256 is ever stored; 15-minute expiry, single use). It opens a session for exactly one
workspace. Admins sign in with OUTSIGNAL_ADMIN_PASSWORD (constant-time compare; closed when unset,
except in demo mode). A session is a random id that the browser keeps (a cookie, see the portal's
`services/sessions.py`); the store keeps only its SHA-256. Every lookup re-checks what the session
stands on: a client's email must still be in the workspace's `client_emails`, an admin session must
have been opened with the admin password in force now. Sessions expire after SESSION_HOURS, are
replaced at every sign-in and revoked by sign-out.

Limits are slots taken by a primary key in one transaction (`sign_in_slots`), per email, per browser
session and for the whole server, never per client address (behind a proxy or on localhost that is
'unknown' for everyone). Admin password attempts are audited in `sign_in_attempts`; a browser that
keeps guessing waits longer and longer, and past a few wrong passwords anywhere every attempt is
slowed down, never refused, so an attacker cannot lock the real admin out."""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from outsignal_pipelines import settings
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.notifications import deliver_in_background, enqueue
from outsignal_pipelines.operations.sign_in_links import LINK_MINUTES, client_workspaces, hash_token, listed
from outsignal_pipelines.operations.sign_in_links import now as _clock
from outsignal_pipelines.store import connect, transaction

SESSION_HOURS = 12
WINDOW_MINUTES = 15              # every limit below counts over this sliding window
MAX_LINKS_PER_EMAIL = 3
MAX_LINKS_PER_BROWSER = 10
MAX_LINKS_GLOBAL = 200
ADMIN_FREE_TRIES_PER_BROWSER = 3     # then this browser waits 2, 4, 8 ... s (at most ADMIN_MAX_WAIT)
ADMIN_MAX_WAIT = 300
ADMIN_FREE_TRIES_GLOBAL = 5          # then every attempt, from anywhere, waits until ADMIN_SPACING
ADMIN_SPACING = 2.0                  # seconds after the last wrong password
KEEP_ROWS_DAYS = 30                  # audit rows and used links are kept this long
ADMIN = "__admin__"
DEMO_ADMIN_PASSWORD = "demo"

# The store's own locking serialises processes; inside one (the Streamlit server) these keep two
# concurrent sign-in transactions from failing on a write-write conflict instead of waiting.
_WRITE_LOCK = threading.Lock()
_ADMIN_GATE = threading.Lock()


class RateLimited(OperationError):
    pass


class AdminLocked(OperationError):
    pass


@dataclass(frozen=True)
class PortalSession:
    workspace: str
    email: str
    is_admin: bool = False


def _now() -> datetime:
    return _clock()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _hash(token: str) -> str:
    return hash_token(token)


def _browser(key: str | None) -> str | None:
    """The browser key as stored: a hash (the key is random per tab, but it is not ours to keep)."""
    return hash_token(f"browser:{key}") if key else None


def demo_mode() -> bool:
    return settings.demo_mode()


def portal_base_url() -> str:
    return settings.portal_base_url()


def workspaces_for_email(email: str) -> list[str]:
    with connect() as con:
        return client_workspaces(con, email)


# ------------------------------------------------------------------ rate-limit slots

def _take_slot(con, scope: str, key: str, limit: int, at: datetime, window_minutes: float = WINDOW_MINUTES) -> bool:
    """Take one of `limit` slots of (scope, key) whose last use is older than the window."""
    free_before = at - timedelta(minutes=window_minutes)
    busy = {r[0] for r in con.execute("SELECT slot FROM sign_in_slots WHERE scope = ? AND key = ? AND taken_at > ?",
                                      [scope, key, free_before]).fetchall()}
    free = next((n for n in range(limit) if n not in busy), None)
    if free is None:
        return False
    return bool(con.execute(
        "INSERT INTO sign_in_slots (scope, key, slot, taken_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (scope, key, slot) DO UPDATE SET taken_at = excluded.taken_at "
        "WHERE sign_in_slots.taken_at <= ? RETURNING slot", [scope, key, free, at, free_before]).fetchall())


take_slot = _take_slot  # also the webhook endpoint's limit on unknown secrets (operations/webhook_intake)


def _audit(con, kind: str, browser: str | None, outcome: str, at: datetime, email: str | None = None) -> None:
    con.execute("INSERT INTO sign_in_attempts (kind, browser, email, outcome, attempted_at) VALUES (?, ?, ?, ?, ?)",
                [kind, browser, email, outcome, at])


# ------------------------------------------------------------------ magic links

GENERIC = {"sent": True, "message": "If that address belongs to a client workspace, a sign-in link is on its way."}


def request_magic_link(email: str, browser: str | None = None) -> dict:
    """Queue a sign-in link for `email` and answer at once, the same way and in the same time for
    every address: whether it belongs to a client is decided when the mail is sent, in the
    background. `browser` is the asking browser session's random key (for its own limit)."""
    email = (email or "").strip().lower()[:320]
    who = _browser(browser)
    at = _now()
    scopes = [("email", email, MAX_LINKS_PER_EMAIL), ("global", "*", MAX_LINKS_GLOBAL)]
    if who:
        scopes.insert(1, ("browser", who, MAX_LINKS_PER_BROWSER))
    with _WRITE_LOCK:
        try:
            with transaction() as con:
                con.execute("DELETE FROM sign_in_slots WHERE taken_at <= ?", [at - timedelta(minutes=WINDOW_MINUTES)])
                for scope, key, limit in scopes:
                    if not _take_slot(con, scope, key, limit, at):
                        raise RateLimited("too many sign-in links were requested; wait a few minutes and try again")
                link_id = con.execute("INSERT INTO magic_links (email, requested_at) VALUES (?, ?) RETURNING id",
                                      [email, at]).fetchall()[0][0]
                outbox_id = enqueue(con, "magic_link", "email", {"magic_link_id": link_id})
                _audit(con, "link", who, "requested", at, email)
                con.execute("DELETE FROM magic_links WHERE requested_at < ?", [at - timedelta(days=KEEP_ROWS_DAYS)])
        except RateLimited:  # the slots this request took before the full one were rolled back with it
            with transaction() as con:
                _audit(con, "link", who, "throttled", at, email)
            raise
    deliver_in_background([outbox_id])
    return dict(GENERIC)


def _open_session(con, workspace: str, email: str, at: datetime, previous: str | None,
                  salt: str | None = None, fingerprint: str | None = None) -> str:
    """A new random session id (rotation: the browser's previous session, if any, is revoked)."""
    if isinstance(previous, str) and previous:
        con.execute("UPDATE portal_sessions SET revoked_at = ?, revoked_reason = 'replaced by a new sign-in' "
                    "WHERE token_hash = ? AND revoked_at IS NULL", [at, _hash(previous)])
    con.execute("DELETE FROM portal_sessions WHERE expires_at < ?", [at - timedelta(days=KEEP_ROWS_DAYS)])
    token = secrets.token_urlsafe(32)
    con.execute("INSERT INTO portal_sessions (token_hash, workspace_slug, email, secret_salt, secret_fingerprint, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_hash(token), workspace, email, salt, fingerprint, at, at + timedelta(hours=SESSION_HOURS)])
    return token


def consume_magic_link(token: str, previous: str | None = None) -> str:
    """Turns a valid, unused, unexpired link of an email that is still a client's into a portal
    session; returns the session id."""
    at = _now()
    invalid = OperationError("this sign-in link is not valid any more (used, expired or unknown); ask for a new one")
    with _WRITE_LOCK, transaction() as con:
        rows = con.execute(
            "SELECT l.id, l.workspace_slug, l.email, w.client_emails FROM magic_links l "
            "JOIN workspaces w ON w.slug = l.workspace_slug WHERE l.token_hash = ? AND l.used_at IS NULL "
            "AND l.revoked_at IS NULL AND l.expires_at > ?", [_hash(token or ""), at]).fetchall()
        if not rows or not listed(rows[0][3], rows[0][2]):
            raise invalid
        link_id, workspace, email, _ = rows[0]
        if not con.execute("UPDATE magic_links SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING id",
                           [at, link_id]).fetchall():
            raise invalid
        return _open_session(con, workspace, email, at, previous)


# ------------------------------------------------------------------ sessions

def _admin_password() -> str | None:
    return settings.admin_password() or (DEMO_ADMIN_PASSWORD if demo_mode() else None)


@functools.lru_cache(maxsize=256)
def _fingerprint(password: str, salt: str) -> str:
    """Slow and salted, so a copy of the store does not make the password cheap to guess."""
    return hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 100_000).hex()


def session(session_token: str | None) -> PortalSession | None:
    """The signed-in identity for a session id, or None (unknown, expired, revoked, or no longer
    backed by the client list or the admin password)."""
    if not session_token or not isinstance(session_token, str):
        return None
    with connect() as con:
        rows = con.execute(
            "SELECT s.workspace_slug, s.email, s.secret_salt, s.secret_fingerprint, w.client_emails "
            "FROM portal_sessions s LEFT JOIN workspaces w ON w.slug = s.workspace_slug "
            "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?",
            [_hash(session_token), _now()]).fetchall()
    if not rows:
        return None
    workspace, email, salt, fingerprint, client_emails = rows[0]
    if workspace == ADMIN:
        password = _admin_password()
        if not (password and salt and fingerprint and hmac.compare_digest(_fingerprint(password, salt), fingerprint)):
            _revoke(session_token, "the admin password changed")
            return None
        return PortalSession(ADMIN, email, True)
    if not listed(client_emails, email):
        _revoke(session_token, "the email was removed from the workspace")
        return None
    return PortalSession(workspace, email, False)


def _revoke(session_token: str, reason: str) -> None:
    with _WRITE_LOCK, transaction() as con:
        con.execute("UPDATE portal_sessions SET revoked_at = ?, revoked_reason = ? WHERE token_hash = ? "
                    "AND revoked_at IS NULL", [_now(), reason, _hash(session_token)])


def sign_out(session_token: str | None) -> None:
    if session_token:
        _revoke(session_token, "signed out")


def revoke_sign_ins(email: str | None = None, workspace: str | None = None) -> dict[str, int]:
    """Revoke live sessions and unused links, of one email, one workspace, or everyone."""
    at = _now()
    email = (email or "").strip().lower() or None
    with _WRITE_LOCK, transaction() as con:
        sessions = con.execute(
            "UPDATE portal_sessions SET revoked_at = ?, revoked_reason = 'revoked by the admin' WHERE revoked_at IS NULL "
            "AND (?::TEXT IS NULL OR email = ?) AND (?::TEXT IS NULL OR workspace_slug = ?) RETURNING 1",
            [at, email, email, workspace, workspace]).fetchall()
        links = con.execute(
            "UPDATE magic_links SET revoked_at = ?, revoked_reason = 'revoked by the admin' WHERE revoked_at IS NULL "
            "AND used_at IS NULL AND (?::TEXT IS NULL OR email = ?) AND (?::TEXT IS NULL OR workspace_slug = ?) "
            "RETURNING 1", [at, email, email, workspace, workspace]).fetchall()
    return {"sessions": len(sessions), "links": len(links)}


# ------------------------------------------------------------------ admin sign-in

def _admin_wait(con, who: str | None, at: datetime) -> tuple[float, float]:
    """(seconds this browser must still wait, seconds every attempt must still wait) now."""
    since = at - timedelta(minutes=WINDOW_MINUTES)
    mine = 0.0
    if who:
        fails, last = con.execute(
            "SELECT count(*), max(attempted_at) FROM sign_in_attempts WHERE kind = 'admin' AND browser = ? "
            "AND outcome = 'wrong_password' AND attempted_at > greatest(?, coalesce((SELECT max(attempted_at) FROM sign_in_attempts "
            "WHERE kind = 'admin' AND browser = ? AND outcome = 'ok'), ?))", [who, since, who, since]).fetchall()[0]
        if fails >= ADMIN_FREE_TRIES_PER_BROWSER:
            backoff = min(ADMIN_MAX_WAIT, 2 ** (fails - ADMIN_FREE_TRIES_PER_BROWSER + 1))
            mine = backoff - (at - last).total_seconds()
    fails, last = con.execute("SELECT count(*), max(attempted_at) FROM sign_in_attempts WHERE kind = 'admin' "
                              "AND outcome = 'wrong_password' AND attempted_at > ?", [since]).fetchall()[0]
    everyone = ADMIN_SPACING - (at - last).total_seconds() if fails >= ADMIN_FREE_TRIES_GLOBAL else 0.0
    return mine, everyone


def admin_sign_in(password: str, browser: str | None = None, previous: str | None = None) -> str:
    """An admin session id for the right password. `browser` is the asking browser session's random
    key (its own backoff); `previous` its current session id, replaced by the new one."""
    expected = _admin_password()
    who = _browser(browser)
    with _ADMIN_GATE:
        with connect() as con:
            mine, everyone = _admin_wait(con, who, _now())
        if mine > 0:
            with _WRITE_LOCK, transaction() as con:
                _audit(con, "admin", who, "locked", _now())
            raise AdminLocked(f"too many wrong passwords from this browser; try again in {math.ceil(mine)} s")
        if everyone > 0:
            _sleep(everyone)  # a slow-down for everyone, never a refusal: the real admin still gets in
        at = _now()
        ok = bool(expected) and hmac.compare_digest((password or "").encode(), expected.encode())
        with _WRITE_LOCK, transaction() as con:
            _audit(con, "admin", who, "ok" if ok else "closed" if not expected else "wrong_password", at)
            con.execute("DELETE FROM sign_in_attempts WHERE attempted_at < ?", [at - timedelta(days=KEEP_ROWS_DAYS)])
            if ok:
                salt = secrets.token_hex(16)
                return _open_session(con, ADMIN, "admin", at, previous, salt, _fingerprint(expected, salt))
    if not expected:
        raise OperationError("admin sign-in is closed: set OUTSIGNAL_ADMIN_PASSWORD")
    raise OperationError("wrong password")

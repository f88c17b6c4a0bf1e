"""Sign-in as an attacker would try it, on a real store and a real SMTP server (issue 16): a token at
rest anywhere (the outbox included) must not exist; removing a client email or changing the admin
password must end what they opened; limits must hold under twelve requests at once; known and unknown
addresses must answer alike; password guessing must be slow, audited and unable to lock the admin out."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timedelta

import pytest

from outsignal_pipelines.operations import OperationError, auth
from outsignal_pipelines.operations.auth import (
    AdminLocked,
    RateLimited,
    admin_sign_in,
    consume_magic_link,
    request_magic_link,
    revoke_sign_ins,
    session,
    sign_out,
)
from outsignal_pipelines.operations.notifications import deliver
from outsignal_pipelines.operations.sign_in_links import hash_token
from outsignal_pipelines.operations.workspaces import upsert_workspace
from outsignal_pipelines.store import connect


def _links(inbox_box, count: int = 1, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m["text"].split("token=")[1].split()[0] for m in inbox_box["emails"] if "sign-in link" in m["subject"]]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} sign-in emails, got {len(inbox_box['emails'])}")


def _every_stored_text() -> str:
    """Every cell of every table, as text: what someone holding a copy of the store can read."""
    with connect() as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'").fetchall()]
        return "\n".join(str(row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"').fetchall())


def _wait_for_outbox_to_settle() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connect() as con:
            if not con.execute("SELECT count(*) FROM notification_outbox WHERE status = 'pending'").fetchall()[0][0]:
                return
        time.sleep(0.05)


def test_no_usable_token_is_stored_anywhere_before_or_after_delivery(workspace, sandbox, monkeypatch):
    # Before delivery: the mail server is down, the message waits in the outbox.
    monkeypatch.setenv("OUTSIGNAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OUTSIGNAL_SMTP_PORT", "9")
    request_magic_link("client@acme.example", "tab-1")
    _wait_for_outbox_to_settle()
    with connect() as con:
        payload, status = con.execute("SELECT payload, status FROM notification_outbox").fetchall()[0]
    assert status == "failed" and "token" not in payload and "portal" not in payload
    # After delivery: the retry sends it through a real SMTP server.
    import socket

    from outsignal_pipelines.sandbox import inbox

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = inbox.start_smtp("127.0.0.1", port)
    inbox.reset()
    try:
        monkeypatch.setenv("OUTSIGNAL_SMTP_PORT", str(port))
        with connect() as con:
            con.execute("UPDATE notification_outbox SET next_attempt_at = current_timestamp - INTERVAL 1 SECOND")
        assert deliver() == {"sent": 1, "failed": 0}
        token = _links(inbox.INBOX)[0]
    finally:
        controller.stop()
    stored = _every_stored_text()
    assert token not in stored, "a usable sign-in token is stored in the store"
    assert hash_token(token) in stored  # only its hash
    assert session(consume_magic_link(token)).workspace == "acme"


def test_a_removed_client_email_loses_its_session_and_its_unused_links(workspace, mail_and_slack):
    request_magic_link("client@acme.example", "tab-1")
    request_magic_link("client@acme.example", "tab-1")
    first, second = _links(mail_and_slack, 2)
    me = consume_magic_link(first)
    assert session(me).email == "client@acme.example"
    upsert_workspace("acme", "Acme Client", client_emails=["someone.else@acme.example"])
    assert session(me) is None
    with pytest.raises(OperationError, match="not valid any more"):
        consume_magic_link(second)
    with connect() as con:
        assert con.execute("SELECT revoked_reason FROM portal_sessions").fetchall() == [
            ("the email was removed from the workspace",)]


def test_twelve_requests_at_once_for_one_email_send_at_most_the_limit(workspace, mail_and_slack):
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def ask(n: int) -> None:
        barrier.wait()
        try:
            request_magic_link("client@acme.example", f"tab-{n}")
            outcomes.append("sent")
        except RateLimited:
            outcomes.append("limited")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["limited"] * 9 + ["sent"] * 3
    _wait_for_outbox_to_settle()
    time.sleep(0.3)
    assert len([m for m in mail_and_slack["emails"] if "sign-in link" in m["subject"]]) == auth.MAX_LINKS_PER_EMAIL


def test_one_browser_is_limited_without_locking_out_other_browsers_or_addresses(workspace, mail_and_slack):
    for i in range(auth.MAX_LINKS_PER_BROWSER):
        request_magic_link(f"junk{i}@nowhere.example", "attacker-tab")
    with pytest.raises(RateLimited):
        request_magic_link("junk-more@nowhere.example", "attacker-tab")
    request_magic_link("client@acme.example", "client-tab")
    assert _links(mail_and_slack)
    with connect() as con:
        assert con.execute("SELECT count(*) FROM sign_in_attempts WHERE outcome = 'throttled'").fetchall() == [(1,)]


@pytest.mark.serial
def test_known_and_unknown_addresses_answer_in_the_same_time(store, mail_and_slack, monkeypatch):
    monkeypatch.setattr(auth, "MAX_LINKS_PER_EMAIL", 100)
    upsert_workspace("acme", "Acme Client", client_emails=["client@acme.example"])
    known, unknown = [], []
    for i in range(9):
        pair = [("client@acme.example", known), (f"stranger{i}@evil.example", unknown)]
        for email, times in pair if i % 2 else reversed(pair):  # alternate who goes first
            started = time.perf_counter()
            request_magic_link(email, f"tab-{i}")
            times.append(time.perf_counter() - started)
            _wait_for_outbox_to_settle()  # the background send must not weigh on the next try
    assert len(_links(mail_and_slack, 9)) == 9
    difference = abs(statistics.median(known) - statistics.median(unknown))
    # The same work either way; the bound only absorbs the noise of a busy 2-core machine.
    bound = max(0.04, 0.2 * min(statistics.median(known), statistics.median(unknown)))
    assert difference < bound, f"known {statistics.median(known):.3f}s vs unknown {statistics.median(unknown):.3f}s"


class _FakeClock:
    """Time that moves only when the code under test sleeps, so backoff is measured, not waited for."""

    def __init__(self) -> None:
        self.t = datetime.utcnow()

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


def test_password_guessing_is_slowed_audited_and_cannot_lock_the_real_admin_out(store, monkeypatch):
    clock = _FakeClock()
    monkeypatch.setattr(auth, "_now", clock.now)
    monkeypatch.setattr(auth, "_sleep", clock.sleep)
    started = clock.now()
    # One browser that keeps guessing is told to wait, and waits longer each time.
    for n in range(auth.ADMIN_FREE_TRIES_PER_BROWSER):
        with pytest.raises(OperationError, match="wrong password"):
            admin_sign_in(f"guess-{n}", "attacker-tab")
    with pytest.raises(AdminLocked, match="try again in"):
        admin_sign_in("test-admin-password", "attacker-tab")  # even the right password, from this browser
    # An attacker who opens a new tab for every guess is slowed down for everyone.
    for n in range(20 - auth.ADMIN_FREE_TRIES_PER_BROWSER):
        with pytest.raises(OperationError, match="wrong password"):
            admin_sign_in(f"guess-{n}", f"fresh-tab-{n}")
    assert (clock.now() - started).total_seconds() >= 15, "20 wrong tries fitted in 15 s"
    # The real admin, in their own browser, still gets in (after at most one slow-down).
    before = clock.now()
    assert session(admin_sign_in("test-admin-password", "admin-tab")).is_admin
    assert (clock.now() - before).total_seconds() <= auth.ADMIN_SPACING
    with connect() as con:
        audit = dict(con.execute("SELECT outcome, count(*) FROM sign_in_attempts GROUP BY outcome").fetchall())
        columns = [r[0] for r in con.execute("DESCRIBE sign_in_attempts").fetchall()]
    assert audit == {"wrong_password": 20, "locked": 1, "ok": 1}
    assert "guess-1" not in _every_stored_text() and "password" not in columns


def test_sign_in_rotates_sign_out_revokes_sessions_expire(store, monkeypatch):
    first = admin_sign_in("test-admin-password", "tab")
    second = admin_sign_in("test-admin-password", "tab", previous=first)
    assert second != first and session(first) is None and session(second).is_admin
    sign_out(second)
    assert session(second) is None
    third = admin_sign_in("test-admin-password", "tab")
    with connect() as con:
        con.execute("UPDATE portal_sessions SET expires_at = ?", [datetime.utcnow() - timedelta(seconds=1)])
    assert session(third) is None


def test_changing_the_admin_password_ends_admin_sessions(store, monkeypatch):
    token = admin_sign_in("test-admin-password", "tab")
    assert session(token).is_admin
    monkeypatch.setenv("OUTSIGNAL_ADMIN_PASSWORD", "a-new-password")
    assert session(token) is None
    monkeypatch.setenv("OUTSIGNAL_ADMIN_PASSWORD", "test-admin-password")
    assert session(token) is None  # revoked for good, not just while the password differs
    with connect() as con:
        stored = con.execute("SELECT secret_fingerprint FROM portal_sessions").fetchall()[0][0]
    assert stored and "test-admin-password" not in _every_stored_text()


def test_the_admin_can_revoke_a_clients_sessions_and_links(workspace, mail_and_slack):
    request_magic_link("client@acme.example", "tab-1")
    request_magic_link("client@acme.example", "tab-1")
    first, second = _links(mail_and_slack, 2)
    me = consume_magic_link(first)
    assert revoke_sign_ins(email="Client@acme.example") == {"sessions": 1, "links": 1}
    assert session(me) is None
    with pytest.raises(OperationError):
        consume_magic_link(second)

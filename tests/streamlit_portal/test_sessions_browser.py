"""Sessions survive a reload, in a real browser (Playwright on Debian's Chromium) against a real
Streamlit server (issue 16): F5 used to sign the admin out into a "Page not found" modal and sent the
client back to the sign-in form with a spent link; `/admin` answered "Page not found"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.e2e.test_whole_loop import _settle  # one definition of 'the rerun is over'

CHROMIUM = "/usr/bin/chromium"
APP = Path(__file__).resolve().parents[2] / "streamlit_portal" / "streamlit_app.py"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PASSWORD = "browser-admin-password"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client_link_token(email: str) -> str:
    """A real link for `email`, minted the way the outbox mints it when it sends the mail."""
    from outsignal_pipelines.operations.auth import request_magic_link
    from outsignal_pipelines.operations.sign_in_links import render
    from outsignal_pipelines.store import connect

    request_magic_link(email, "test-tab")
    deadline = time.monotonic() + 30
    while True:  # no mail server here: wait for the background send to fail, so it mints no later token
        with connect() as con:
            if not con.execute("SELECT count(*) FROM notification_outbox WHERE status = 'pending'").fetchall()[0][0]:
                link_id = con.execute("SELECT max(id) FROM magic_links WHERE email = ?", [email]).fetchall()[0][0]
                break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return render({"magic_link_id": link_id})["text"].split("token=")[1].split()[0]


@pytest.fixture
def app_url(workspace, monkeypatch, tmp_path):
    """A Streamlit server on a free port over the test's store, with the link for the client ready."""
    monkeypatch.setenv("OUTSIGNAL_ADMIN_PASSWORD", PASSWORD)
    token = _client_link_token("client@acme.example")
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "streamlit"), "run", str(APP), "--server.headless",
                             "true", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "streamlit.log").read_text()
            time.sleep(0.5)
        yield url, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()




def _no_page_not_found(page) -> None:
    page.wait_for_timeout(500)
    assert not page.get_by_text("Page not found").count(), "Streamlit showed its 'Page not found' modal"


def test_admin_and_client_stay_signed_in_after_a_reload_and_admin_answers(app_url):
    from playwright.sync_api import expect, sync_playwright

    url, token = app_url
    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            # A visitor at /admin (and at any admin address) gets the sign-in form, not "Page not found".
            admin = browser.new_context().new_page()
            admin.goto(f"{url}/admin")
            expect(admin.get_by_label("Password", exact=True)).to_be_visible()
            _no_page_not_found(admin)
            admin.goto(f"{url}/people")
            expect(admin.get_by_label("Password", exact=True)).to_be_visible()
            _no_page_not_found(admin)
            # Signing in there opens the page asked for; a reload (F5) keeps the admin signed in there.
            admin.get_by_label("Password", exact=True).fill(PASSWORD)
            admin.get_by_role("button", name="Sign in").click()
            expect(admin.get_by_test_id("stSidebarNav").get_by_role("link", name="People")).to_be_visible()
            _settle(admin)
            # The page writes the session cookie once its script has run (later on a busy machine).
            admin.wait_for_function("() => document.cookie.includes('outsignal_admin=')", timeout=60_000)
            admin.reload()
            expect(admin.get_by_test_id("stSidebarNav").get_by_role("link", name="People")).to_be_visible()
            expect(admin.get_by_role("button", name="Sign out")).to_be_visible()
            _no_page_not_found(admin)
            assert "Password" not in admin.inner_text("body")
            admin.goto(f"{url}/admin")  # the admin's own address answers with the admin's home
            expect(admin.get_by_role("heading", name="Outsignal Lead Engine")).to_be_visible()
            _no_page_not_found(admin)

            # The client opens the link once; a reload keeps them in the portal without a new link.
            client = browser.new_context().new_page()
            client.goto(f"{url}/portal?token={token}")
            expect(client.get_by_text("Signed in as client@acme.example")).to_be_visible()
            _settle(client)
            assert "token=" not in client.url
            client.wait_for_function("() => document.cookie.includes('outsignal_portal=')", timeout=60_000)
            client.reload()
            expect(client.get_by_text("Signed in as client@acme.example")).to_be_visible()
            _settle(client)
            # Signing out ends it for good: a reload shows the sign-in form again.
            client.get_by_role("button", name="Sign out").click()
            expect(client.get_by_label("Work email")).to_be_visible()
            _settle(client)
            client.reload()
            expect(client.get_by_label("Work email")).to_be_visible()
            _settle(client)
            assert not client.get_by_text("Signed in as").count()

            # The admin signs out: a reload no longer opens the admin pages.
            admin.get_by_role("button", name="Sign out").click()
            expect(admin.get_by_label("Password", exact=True)).to_be_visible()
            _settle(admin)
            admin.reload()
            expect(admin.get_by_label("Password", exact=True)).to_be_visible()
        finally:
            browser.close()

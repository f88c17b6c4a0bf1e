"""The portal and admin pages in a real browser (Playwright on Debian's Chromium), against Streamlit
started the way `outsignal demo` starts it: a client's feedback never loads a remote image or becomes a
live link in the admin's browser; a client sees the agency's product, with nothing of the admin's and
no Streamlit toolbar; a locked store shows a reference, never a traceback."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from tests.e2e.test_whole_loop import _settle  # one definition of 'the rerun is over'

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PASSWORD = "browser-admin-password"
AGENCY = "Northwind Outreach"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Pixel(http.server.BaseHTTPRequestHandler):
    """A remote image host: any request it gets means the admin's browser loaded the client's image."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server name
        _Pixel.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def app(_seeded_template, tmp_path_factory):
    """Streamlit with the product's own flags on a copy of the demo store, where a client rejected a
    list and a copy with hostile feedback; a loopback SMTP server for sign-in links; an image host."""
    from outsignal_pipelines.cli.runner import ServeConfig, streamlit_command
    from outsignal_pipelines.operations.portal import record_external_decision
    from outsignal_pipelines.operations.review import save_step, send_campaign_to_review, send_list_to_review
    from outsignal_pipelines.sandbox import inbox
    from outsignal_pipelines.store import connect, using

    folder = tmp_path_factory.mktemp("browser")
    db = folder / "outsignal.duckdb"
    shutil.copy(_seeded_template, db)
    pixel = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pixel)
    threading.Thread(target=pixel.serve_forever, daemon=True).start()
    feedback = (f"![pixel](http://127.0.0.1:{pixel.server_address[1]}/pixel.gif) "
                "[your invoice](https://evil.example/phish) **urgent** https://evil.example/bare")
    env_patch = pytest.MonkeyPatch()  # background deliveries of this setup go to this store too
    env_patch.setenv("OUTSIGNAL_DB", str(db))
    env_patch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    with using(db):
        with connect() as con:
            con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
        send_list_to_review("rise", "Rise Q1")
        save_step("rise", "Q1 copy", 1, "quick question", "Hi {FIRST_NAME}, quick one. Open to a chat?")
        send_campaign_to_review("rise", "Q1 copy")
        record_external_decision("rise", "client@rise.example", "rejected", list_name="Rise Q1", feedback=feedback)
        record_external_decision("rise", "client@rise.example", "rejected", campaign="Q1 copy", feedback=feedback)

    smtp_port, port = _free_port(), _free_port()
    smtp = inbox.start_smtp("127.0.0.1", smtp_port)
    inbox.reset()
    env = dict(os.environ, OUTSIGNAL_DB=str(db), DAGSTER_HOME=str(folder / "dagster_home"),
               OUTSIGNAL_ADMIN_PASSWORD=PASSWORD, OUTSIGNAL_AGENCY_NAME=AGENCY, OUTSIGNAL_DB_LOCK_TIMEOUT="1",
               OUTSIGNAL_SMTP_HOST="127.0.0.1", OUTSIGNAL_SMTP_PORT=str(smtp_port),
               OUTSIGNAL_PORTAL_URL=f"http://127.0.0.1:{port}",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen(streamlit_command(ServeConfig(streamlit_port=port)), env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (folder / "streamlit.log").read_text()
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield {"url": url, "db": db, "feedback": feedback, "inbox": inbox.INBOX, "log": folder / "streamlit.log"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()
        smtp.stop()
        pixel.shutdown()
        env_patch.undo()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: .ci/run installs it"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _page(browser):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.set_default_timeout(60_000)
    return page




def _nav(page, title: str, heading: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=60_000)
    _settle(page)


def _select(page, label: str, option: str) -> None:
    """Pick an option of a selectbox; a click that lands while the widget is re-rendered is repeated."""
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(5):
        page.get_by_label(label, exact=True).locator("visible=true").first.click()
        try:
            choice.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - the dropdown did not open; try again
            page.keyboard.press("Escape")
    choice.click()
    _settle(page)


def _inert(page, feedback: str) -> None:
    """The feedback is on the page as typed, with no image and no link made from it."""
    from playwright.sync_api import expect

    expect(page.get_by_text(feedback).first).to_be_visible(timeout=60_000)
    assert page.locator('img[src*="pixel"]').count() == 0
    assert page.locator('a[href*="evil.example"]').count() == 0


def test_client_feedback_loads_no_image_and_makes_no_link_in_admin_pages(app, browser):
    from playwright.sync_api import expect

    admin = _page(browser)
    admin.goto(app["url"])
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    expect(admin.get_by_test_id("stSidebarNav")).to_be_visible(timeout=60_000)
    _settle(admin)
    _nav(admin, "Lists", "Lists")
    _select(admin, "List", "Rise Q1 · Rise")   # the page shows one list's detail at a time
    _inert(admin, app["feedback"])
    _nav(admin, "Campaign copy", "Campaign copy")
    _select(admin, "Workspace", "Rise")
    _select(admin, "Campaign", "Q1 copy")
    _inert(admin, app["feedback"])
    admin.wait_for_timeout(1000)
    assert _Pixel.hits == [], "the admin's browser loaded the client's remote image"
    admin.context.close()


def test_a_client_sees_the_agency_and_nothing_of_the_admin(app, browser):
    from playwright.sync_api import expect

    client = _page(browser)
    client.goto(f"{app['url']}/portal")
    expect(client.get_by_role("heading", name="Client portal")).to_be_visible(timeout=60_000)
    _settle(client)
    expect(client.get_by_text(AGENCY).first).to_be_visible(timeout=60_000)
    assert AGENCY in client.title()                                          # the browser tab too

    def looks_like_a_product() -> None:
        body = client.inner_text("body")
        assert "Admin sign-in" not in body and "Admin" not in body
        assert client.get_by_test_id("stSidebarNav").count() == 0           # no menu of pages at all
        assert client.get_by_test_id("stAppDeployButton").count() == 0       # no "Deploy"
        assert client.get_by_role("button", name="Deploy").count() == 0
        assert client.get_by_test_id("stMainMenu").count() == 0             # no developer menu

    looks_like_a_product()
    app["inbox"]["emails"].clear()
    client.get_by_label("Work email").fill("client@rise.example")
    client.get_by_role("button", name="Email me a sign-in link").click()
    deadline = time.monotonic() + 30
    while not app["inbox"]["emails"]:
        assert time.monotonic() < deadline, "the sign-in email never arrived"
        time.sleep(0.2)
    link = next(w for w in app["inbox"]["emails"][0]["text"].split() if "/portal?" in w)
    client.goto(link)
    expect(client.get_by_text("Signed in as client@rise.example")).to_be_visible(timeout=60_000)
    _settle(client)
    expect(client.get_by_role("heading", name="Rise: your review")).to_be_visible(timeout=60_000)
    expect(client.get_by_text(AGENCY).first).to_be_visible(timeout=60_000)
    assert client.get_by_test_id("stIconMaterial").count() > 0                 # icons are Material icons
    looks_like_a_product()
    client.context.close()


def test_a_locked_store_shows_a_reference_not_a_traceback(app, browser):
    from playwright.sync_api import expect

    client = _page(browser)
    client.goto(f"{app['url']}/portal")
    expect(client.get_by_role("heading", name="Client portal")).to_be_visible(timeout=60_000)
    _settle(client)
    # Another process holds the DuckDB file (as a long Dagster write would); the app waits 1 s for it.
    locker = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(app['db'])!r})\nprint('locked', flush=True)\n"
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        client.get_by_label("Work email").fill("client@rise.example")
        client.get_by_role("button", name="Email me a sign-in link").click()
        alert = client.get_by_text("quote reference")
        expect(alert).to_be_visible(timeout=30_000)
        body = client.inner_text("body")
        reference = body.split("quote reference ")[1][:8]
        assert "Traceback" not in body and str(app["db"]) not in body and ".py" not in body
        assert "PID" not in body and "IOException" not in body and "duckdb" not in body.lower()
    finally:
        os.killpg(locker.pid, signal.SIGTERM)
        try:
            locker.wait(10)
        except subprocess.TimeoutExpired:   # a loaded machine: cleanup never hides the test's own result
            os.killpg(locker.pid, signal.SIGKILL)
            locker.wait(30)
    assert reference in app["log"].read_text()                   # the same reference is in the server's log
    client.context.close()

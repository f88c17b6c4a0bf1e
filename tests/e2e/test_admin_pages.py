"""The Lists and Settings pages in a real browser (Playwright on Debian's Chromium), against the
Streamlit app on a seeded store: import a CSV, rename and delete a list (only after confirming),
download a list's CSV export, and edit workspace settings (a bad email saves nothing; the EmailBison
token shows only masked). Screenshots go to test-artifacts/e2e/. Before, all of this needed a terminal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from playwright.sync_api import expect

from tests.e2e.test_whole_loop import ARGS, CHROMIUM, _free_port, _nav, _select, _settle, _shot

pytestmark = pytest.mark.slow
TOKEN = "eb_live_5f1e7c2a9d4b8e3f6a0c9f3a"
APOLLO = ("First Name,Last Name,Title,Email,Company,Website,Industry\n"
          'Ana,Ruiz,"Sr. Mgr, Ops",ana@bytecraft.io,Bytecraft,bytecraft.io,Computer Software\n'
          "Ben,Cole,CTO,ben@ledgerly.com,Ledgerly,ledgerly.com,Financial Services\n")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The Streamlit app (as `make demo` starts it) on a seeded store whose Rise Q1 list is verified."""
    folder = tmp_path_factory.mktemp("admin_pages")
    port = _free_port()
    env = dict(os.environ, OUTSIGNAL_DB=str(folder / "store.duckdb"), DAGSTER_HOME=str(folder / "dagster_home"),
               OUTSIGNAL_ADMIN_PASSWORD="e2e-admin-password", OUTSIGNAL_DB_LINGER_SECONDS="1")
    for name in ("OUTSIGNAL_SECRET_KEY", "OUTSIGNAL_SECRET_KEY_FILE", "OUTSIGNAL_SANDBOX_URL", "OUTSIGNAL_DEMO"):
        env.pop(name, None)
    binary = Path(sys.executable).parent
    subprocess.run([str(binary / "outsignal"), "seed-demo", "--people", "600", "--seed", "3"], env=env, check=True,
                   capture_output=True)
    # Every member with an email verified (valid or not): Rise Q1's export is unlocked.
    subprocess.run([sys.executable, "-c", "from outsignal_pipelines.store import transaction\n"
                    "with transaction() as con:\n"
                    "    con.execute(\"UPDATE people SET email_status = 'valid', verified_at = now() "
                    "WHERE email IS NOT NULL AND email_status IS NULL\")"], env=env, check=True)
    from outsignal_pipelines import orchestration

    orchestration.prepare_home(Path(env["DAGSTER_HOME"]))
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen([str(binary / "streamlit"), "run", "streamlit_portal/streamlit_app.py",
                             "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            env=env, cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (folder / "streamlit.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield {"url": url, "folder": folder}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        finally:
            log.close()


def _key(page, key: str):
    """The element Streamlit rendered for the widget with this key (its class spells the key with
    anything but letters, digits, '_' and '-' as '-')."""
    return page.locator(f'.st-key-{re.sub(r"[^a-zA-Z0-9_-]", "-", key)}').first


def _open_panel(page, label: str, key: str) -> None:
    """Open the panel with this label, unless the widget with this key already shows. A panel's content is
    drawn only while it is open, so the panel is found by its label, and opening it reruns the page."""
    if _key(page, key).is_visible():
        return
    page.get_by_test_id("stExpander").locator("summary").filter(has_text=label).first.click()
    expect(_key(page, key)).to_be_visible(timeout=60_000)
    _settle(page)


def _tab(page, name: str) -> None:
    """Show a tab of the page (it reruns the page, which then draws the tab)."""
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")
    _settle(page)


def test_lists_and_settings_without_a_terminal(app, tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: .ci/run installs it"
    expect.set_options(timeout=60_000)
    csv_file = tmp_path / "apollo.csv"
    csv_file.write_text(APOLLO, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        page.set_default_timeout(60_000)
        page.goto(app["url"])
        page.get_by_label("Password", exact=True).fill("e2e-admin-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Outsignal Lead Engine")).to_be_visible()

        # Import an Apollo export into a new list, from the Lists page.
        _nav(page, "Lists", "Lists")
        _select(page, "Workspace", "Rise")
        page.get_by_text("Import leads from a CSV file").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_file))
        _settle(page)
        _select(page, "Into workspace", "Rise")
        page.get_by_label("And into the list (new or existing; empty: none)").fill("Browser Import")
        page.get_by_label("And into the list (new or existing; empty: none)").press("Enter")
        _settle(page)
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_text("Imported: 2 new people")).to_be_visible()
        expect(page.get_by_text("Browser Import", exact=False).first).to_be_visible()
        # The page shows the list just imported into (one list's detail at a time).
        expect(_key(page, "lists_chosen").get_by_role("combobox")).to_have_value("Browser Import · Rise")
        _shot(page, "10_lists_imported")

        # Rename it, then delete it: the first click only asks.
        list_key = "rise.browser-import"
        _open_panel(page, "Rename or delete", f"rename_{list_key}")
        # Commit the new name (Enter reruns the page) before clicking, or the click can be lost in that rerun.
        _key(page, f"rename_name_{list_key}").locator("input").fill("Browser Imported")
        _key(page, f"rename_name_{list_key}").locator("input").press("Enter")
        _settle(page)
        _key(page, f"rename_{list_key}").get_by_role("button").click()
        expect(page.get_by_text("Renamed to Browser Imported.")).to_be_visible()
        _settle(page)
        _key(page, f"delete_{list_key}").get_by_role("button").click()
        expect(page.get_by_text("memberships? The people stay in the lead store.")).to_be_visible()
        _shot(page, "11_lists_delete_confirm")
        _key(page, f"delete_confirm_{list_key}").get_by_role("button").click()
        expect(page.get_by_text("Deleted the list (2 memberships removed).")).to_be_visible()

        # Rise Q1's export as a CSV download (after the delete's rerun, or the click can be lost in it).
        _settle(page)
        _select(page, "List", "Rise Q1 · Rise")
        _open_panel(page, "Verification gate and export", "export_csv_rise.rise-q1")
        _key(page, "export_csv_rise.rise-q1").get_by_role("button").click()
        download_button = _key(page, "download_csv_rise.rise-q1").get_by_role("button")
        expect(download_button).to_be_visible(timeout=120_000)  # the panel stays open across the rerun
        with page.expect_download() as info:
            download_button.click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        header = saved.read_text(encoding="utf-8").splitlines()[0]
        assert "email" in header and len(saved.read_text(encoding="utf-8").splitlines()) > 1
        _shot(page, "12_lists_csv_download")

        # Workspace settings: a bad email saves nothing; the token is shown only masked.
        _nav(page, "Settings", "Workspace settings")
        _select(page, "Workspace", "Rise")
        _tab(page, "Clients and notifications")   # each section is a tab, drawn when shown
        clients = page.get_by_label("Client emails (may sign in to the portal and decide; one per line)")
        clients.fill("boss@rise.example\nnot-an-email")
        page.get_by_role("button", name="Save clients and notifications").click()
        expect(page.get_by_text("'not-an-email' is not an email address")).to_be_visible()
        clients.fill("boss@rise.example")
        page.get_by_role("button", name="Save clients and notifications").click()
        expect(page.get_by_text("Clients and notifications saved.")).to_be_visible()
        _settle(page)
        _tab(page, "EmailBison")
        page.get_by_label("New API token (leave empty to keep the current one)").fill(TOKEN)
        page.get_by_role("button", name="Save EmailBison connection").click()
        expect(page.get_by_text("eb_…9f3a · stored encrypted")).to_be_visible()
        assert TOKEN not in page.content()
        _shot(page, "13_settings")
        browser.close()

"""The portal's sign-in form as people meet it (AppTest, real store): one browser's junk requests must
not lock other clients out (Streamlit knows no client address here, so a per-address limit was one
limit for everybody), and a locked store must show a plain message with a logged reference, not a
traceback with paths and PIDs (issue 16)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from outsignal_pipelines.operations.auth import MAX_LINKS_PER_BROWSER

APP = str(Path(__file__).resolve().parents[2] / "streamlit_portal" / "streamlit_app.py")


def _portal() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/portal.py").run()
    assert not at.exception
    return at


def _ask(at: AppTest, email: str) -> AppTest:
    at.text_input(key="portal_email").input(email)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    return at


def test_junk_requests_from_one_browser_do_not_lock_other_clients_out(workspace):
    attacker = _portal()
    for i in range(MAX_LINKS_PER_BROWSER):
        assert "on its way" in _ask(attacker, f"junk{i}@nowhere.example").success[0].value
    assert "too many" in _ask(attacker, "one-more@nowhere.example").error[0].value
    client = _portal()  # another browser, on the same server (same unknown address)
    assert "on its way" in _ask(client, "client@acme.example").success[0].value


def test_a_locked_store_shows_a_plain_message_with_a_reference(workspace, db_path, monkeypatch, caplog):
    at = _portal()
    monkeypatch.setenv("OUTSIGNAL_DB_LOCK_TIMEOUT", "0.5")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(db_path)!r}); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with caplog.at_level(logging.ERROR):
            _ask(at, "client@acme.example")
    finally:
        holder.kill()
        holder.wait()
    shown = " ".join(e.value for e in at.error)
    reference = re.search(r"reference ([0-9A-F]{8})", shown)
    assert reference, shown
    assert "Traceback" not in shown and str(db_path) not in shown and "PID" not in shown
    assert reference.group(1) in caplog.text  # the same reference is in the log, with the details

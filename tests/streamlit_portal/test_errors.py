"""No traceback reaches a person: an error nobody foresaw shows one plain sentence with a short
reference, and the same reference is logged with the traceback for the admin. The browser test
(test_browser.py) does this with a really locked store."""

from __future__ import annotations

import logging
import re

from tests.streamlit_portal.test_pages import _app

SECRET = "IOException: Could not set lock on file /srv/secret/outsignal.duckdb (PID 4242)"


def _broken(*args, **kwargs):
    raise RuntimeError(SECRET)


def _shown(at) -> str:
    return " ".join(str(e.value) for kind in (at.error, at.markdown, at.text, at.caption, at.code) for e in kind)


def test_a_failing_sign_in_form_shows_a_reference_not_a_traceback(store, monkeypatch, caplog):
    import outsignal_pipelines.operations.auth as auth

    monkeypatch.setattr(auth, "request_magic_link", _broken)
    at = _app(admin=False).switch_page("app_pages/portal.py").run()
    at.text_input(key="portal_email").input("client@acme.example")
    with caplog.at_level(logging.ERROR, logger="outsignal.pages"):
        at.button[0].click().run()
    assert not at.exception                                   # Streamlit showed no exception box
    [error] = at.error
    ref = re.search(r"reference ([0-9A-F]{8})", error.value).group(1)
    assert "/srv/secret" not in _shown(at) and "PID" not in _shown(at) and "Traceback" not in _shown(at)
    [record] = [r for r in caplog.records if ref in r.getMessage()]
    assert record.exc_info and SECRET in str(record.exc_info[1])   # the admin's log has it all


def test_a_failure_in_the_router_is_shown_the_same_way(store, monkeypatch):
    import outsignal_pipelines.operations.auth as auth

    import streamlit_portal.services.sessions as sessions

    monkeypatch.setattr(auth, "session", _broken)
    monkeypatch.setattr(sessions, "session", _broken)  # the router looks sessions up through this module
    at = _app(admin=False).run()
    assert not at.exception
    assert re.search(r"reference [0-9A-F]{8}", at.error[0].value) and "/srv/secret" not in _shown(at)

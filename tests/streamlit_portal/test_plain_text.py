"""What a client types is shown to the admin as typed: never rendered as Markdown, where an image would
load in the admin's browser (a tracking pixel) and a link would be live. The browser test
(test_browser.py) checks the rendered page; these check which element each text goes to."""

from __future__ import annotations

import pytest

from streamlit_portal.services.plain import md_escape
from tests.streamlit_portal.test_pages import _app, _portal_ready

HOSTILE = "![pixel](http://127.0.0.1:9/pixel.png) [invoice](https://evil.example/x) **now** <!channel>"


def _markdown_values(at) -> list[str]:
    """Every element whose string Streamlit renders as Markdown."""
    return [e.value for kind in (at.markdown, at.caption, at.warning, at.info, at.error, at.success, at.subheader,
                                 at.title) for e in kind]


def _rejected_with_hostile_feedback() -> None:
    from outsignal_pipelines.operations.portal import record_external_decision

    _portal_ready()
    record_external_decision("rise", "client@rise.example", "rejected", list_name="Rise Q1", feedback=HOSTILE)
    record_external_decision("rise", "client@rise.example", "rejected", campaign="Q1 copy", feedback=HOSTILE)


def test_list_feedback_is_plain_text_on_the_lists_page(seeded_store):
    _rejected_with_hostile_feedback()
    at = _app().run()
    at.switch_page("app_pages/admin_lists.py").run()
    at.selectbox(key="lists_workspace").select("Rise").run()
    assert not at.exception
    assert HOSTILE in [t.value for t in at.text]
    assert not [v for v in _markdown_values(at) if "pixel.png" in v or "evil.example" in v]


def test_copy_feedback_is_plain_text_on_the_campaign_page(seeded_store):
    _rejected_with_hostile_feedback()
    at = _app().run()
    at.switch_page("app_pages/admin_campaigns.py").run()
    at.selectbox(key="copy_workspace").select("Rise").run()
    at.selectbox(key="copy_campaign_rise").select("Q1 copy").run()
    assert not at.exception
    assert HOSTILE in [t.value for t in at.text]
    assert not [v for v in _markdown_values(at) if "pixel.png" in v or "evil.example" in v]


@pytest.mark.parametrize("text, escaped", [
    ("![x](http://a/b.png)", r"\!\[x\]\(http\:\/\/a\/b\.png\)"),
    ("**bold** _it_ :material/home: :red[x] $x$", r"\*\*bold\*\* \_it\_ \:material\/home\: \:red\[x\] \$x\$"),
    ("line\n# heading", r"line \# heading"),   # no new block can start
    ("Rise Q1", "Rise Q1"), (None, ""),
])
def test_md_escape(text, escaped):
    assert md_escape(text) == escaped


def test_messages_in_the_sandbox_inbox_are_plain_text(seeded_store, mail_and_slack):
    from outsignal_pipelines.domain.untrusted_text import slack_escape
    from outsignal_pipelines.operations.notifications import deliver, notify
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        ids = notify(con, "rise", "list_rejected", f"Feedback: {HOSTILE}", "Lead list rejected: Rise Q1")
    deliver(ids)
    at = _app().run()
    at.switch_page("app_pages/admin_inbox.py").run()
    assert not at.exception
    assert any(slack_escape(HOSTILE) in t.value for t in at.text)   # the Slack message, exactly as Slack got it
    assert not [v for v in _markdown_values(at) if "pixel.png" in v or "evil.example" in v]

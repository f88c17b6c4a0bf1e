"""The Lists page covers the workflow without a terminal: enrich and score show their cost on the
button, a list can be renamed and (after a confirmation) deleted. Before, rename and delete existed
only in the CLI, and enrich showed only while the export was locked."""

from __future__ import annotations

from outsignal_pipelines.operations.lists import list_lists
from tests.streamlit_portal.test_pages import _app

LIST_ID = "rise.rise-q1"


def _lists_page():
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    at.selectbox(key="lists_workspace").select("Rise").run(timeout=30)
    assert not at.exception
    return at


def test_enrich_and_score_buttons_carry_their_estimate(seeded_store):
    at = _lists_page()
    assert at.button(key=f"enrich_{LIST_ID}").label.startswith("Enrich and verify (about $")
    assert at.button(key=f"score_{LIST_ID}").label == "Score 200 against the ICP (rules, free)"


def test_rename_then_delete_only_after_confirming(seeded_store):
    at = _lists_page()
    at.text_input(key=f"rename_name_{LIST_ID}").input("Rise Q1 fintech")
    at.button(key=f"rename_{LIST_ID}").click().run(timeout=30)
    assert not at.exception and any("Renamed to Rise Q1 fintech" in s.value for s in at.success)
    assert "Rise Q1 fintech" in {t.name for t in list_lists("rise")}

    at.button(key=f"delete_{LIST_ID}").click().run(timeout=30)
    assert any("memberships? The people stay" in w.value for w in at.warning)
    assert "Rise Q1 fintech" in {t.name for t in list_lists("rise")}   # one click deletes nothing
    at.button(key=f"delete_cancel_{LIST_ID}").click().run(timeout=30)
    assert not [b for b in at.button if b.key == f"delete_confirm_{LIST_ID}"]
    assert "Rise Q1 fintech" in {t.name for t in list_lists("rise")}

    at.button(key=f"delete_{LIST_ID}").click().run(timeout=30)
    at.button(key=f"delete_confirm_{LIST_ID}").click().run(timeout=30)
    assert not at.exception and any("Deleted the list (200 memberships removed)" in s.value for s in at.success)
    assert "Rise Q1 fintech" not in {t.name for t in list_lists("rise")}

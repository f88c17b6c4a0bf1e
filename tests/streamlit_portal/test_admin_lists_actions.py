"""The Lists page covers the workflow without a terminal: enrich and score show their cost on the
button, a list can be renamed and (after a confirmation) deleted. Before, rename and delete existed
only in the CLI, and enrich showed only while the export was locked."""

from __future__ import annotations

from outsignal_pipelines.operations.lists import list_lists
from tests.streamlit_portal.test_pages import _app, open_panel

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
    at = open_panel(_lists_page(), f"lists_manage_{LIST_ID}")
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


# ------------------------------------------------------------------ one list at a time (issue 19)
# The page shows a table of every list, then the detail of one chosen list: only that list's counts,
# estimates, charts and panels are asked for and drawn, so the page answers as fast with many lists.

LIME_ID, YOOP_ID = "lime-recruitment.lime-hiring-managers", "yoopknows.yoopknows-practices"
ALL_IDS = {LIME_ID, LIST_ID, YOOP_ID}


def _count_per_list_reads(monkeypatch) -> dict[str, list[str]]:
    """The list ids each per-list read of the page is asked for (the real answer is still returned)."""
    import outsignal_pipelines.operations.estimates as estimates
    import outsignal_pipelines.operations.export as export
    import outsignal_pipelines.operations.scoring as scoring
    import streamlit_portal.services.list_actions as list_actions
    from outsignal_pipelines.operations.lists import resolve_list

    asked: dict[str, list[str]] = {}

    def counted(module, name: str, list_id_of) -> None:
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            asked.setdefault(name, []).append(list_id_of(*args, **kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(scoring, "score_distribution", lambda list_id, workspace: list_id)
    counted(scoring, "list_scores", lambda list_id, workspace, **_: list_id)
    counted(export, "gate_summary", lambda workspace, list_name: resolve_list(workspace, list_name).id)
    counted(estimates, "enrichment_estimate", lambda workspace, list_name: resolve_list(workspace, list_name).id)
    counted(list_actions, "scoring_estimate", lambda workspace, list_name: resolve_list(workspace, list_name).id)
    return asked


def _detail_keys(at) -> set[str]:
    """The per-list widgets and tables drawn, by the list they belong to."""
    keys = [e.key for e in (*at.button, *at.text_input, *at.get("arrow_data_frame")) if getattr(e, "key", None)]
    return {k for k in keys if any(k.endswith(i) for i in ALL_IDS)}


def test_lists_page_shows_every_list_in_a_table_and_the_detail_of_the_first_only(seeded_store, monkeypatch):
    from outsignal_pipelines.operations.lists import list_overview

    asked = _count_per_list_reads(monkeypatch)
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Members" in df.value.columns)
    assert list(table.columns) == ["List", "Workspace", "Status", "Members", "With email", "With LinkedIn",
                                   "With company domain", "Verified valid", "Emails to verify"]
    overview = list_overview().rows
    assert list(table["List"]) == [r["list_name"] for r in overview] == ["Lime Hiring Managers", "Rise Q1",
                                                                         "YoopKnows Practices"]
    assert list(table["Workspace"]) == ["Lime Recruitment", "Rise", "YoopKnows"]
    assert list(table["With email"]) == [r["with_email"] for r in overview]
    assert at.selectbox(key="lists_chosen").value == LIME_ID               # the first list, by default
    # Every per-list read was asked for the chosen list only, and only its widgets and tables are drawn.
    assert asked and all(set(ids) == {LIME_ID} for ids in asked.values()), asked
    assert set(asked) == {"score_distribution", "enrichment_estimate", "scoring_estimate"}  # panels closed
    assert _detail_keys(at) and all(k.endswith(LIME_ID) for k in _detail_keys(at)), _detail_keys(at)
    assert len(at.get("progress")) == 4 and not at.get("vega_lite_chart")   # one list's coverage, not scored
    assert [m.value for m in at.markdown if "members" in m.value] == [
        f"**Lime Hiring Managers** · Lime Recruitment · `building` · {overview[0]['members']:,} members"]


def test_choosing_another_list_shows_its_detail_and_keeps_it_across_pages(seeded_store, monkeypatch):
    asked = _count_per_list_reads(monkeypatch)
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    assert at.selectbox(key="lists_chosen").options == ["Lime Hiring Managers · Lime Recruitment",
                                                        "Rise Q1 · Rise", "YoopKnows Practices · YoopKnows"]
    asked.clear()
    at.selectbox(key="lists_chosen").select(LIST_ID).run(timeout=30)
    assert not at.exception
    assert asked and all(set(ids) == {LIST_ID} for ids in asked.values()), asked
    assert all(k.endswith(LIST_ID) for k in _detail_keys(at)) and f"enrich_{LIST_ID}" in _detail_keys(at)
    assert any(m.value.startswith("**Rise Q1** · Rise") for m in at.markdown)
    at.switch_page("app_pages/admin_home.py").run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    assert at.selectbox(key="lists_chosen").value == LIST_ID                # still the list the admin chose
    at.selectbox(key="lists_workspace").select("YoopKnows").run(timeout=30)  # not in this workspace: its first
    assert at.selectbox(key="lists_chosen").value == YOOP_ID
    assert at.selectbox(key="lists_chosen").options == ["YoopKnows Practices · YoopKnows"]


def test_the_actions_act_on_the_chosen_list(seeded_store):
    from outsignal_pipelines.operations.lists import list_lists
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    at.selectbox(key="lists_chosen").select(YOOP_ID).run(timeout=30)
    at.button(key=f"send_review_{YOOP_ID}").click().run(timeout=30)
    assert not at.exception and any("YoopKnows Practices is now pending" in s.value for s in at.success)
    assert {t.name: t.status for t in list_lists()} == {"Lime Hiring Managers": "building", "Rise Q1": "building",
                                                         "YoopKnows Practices": "pending_review"}
    assert at.selectbox(key="lists_chosen").value == YOOP_ID and any("Waiting for the client" in i.value
                                                                     for i in at.info)
    open_panel(at, f"lists_manage_{YOOP_ID}")
    at.text_input(key=f"rename_name_{YOOP_ID}").input("YoopKnows Partners")
    at.button(key=f"rename_{YOOP_ID}").click().run(timeout=30)
    assert not at.exception and at.selectbox(key="lists_chosen").value == YOOP_ID   # renamed, still chosen
    assert any(m.value.startswith("**YoopKnows Partners**") for m in at.markdown)
    at.button(key=f"delete_{YOOP_ID}").click().run(timeout=30)
    at.button(key=f"delete_confirm_{YOOP_ID}").click().run(timeout=30)
    assert not at.exception and any("Deleted the list (80 memberships removed)" in s.value for s in at.success)
    assert {t.name for t in list_lists()} == {"Lime Hiring Managers", "Rise Q1"}
    assert at.selectbox(key="lists_chosen").value == LIME_ID                # the first list, after a delete


def test_an_empty_list_says_how_to_fill_it_and_can_still_be_renamed(seeded_store):
    from outsignal_pipelines.operations.lists import create_list

    create_list("rise", "Empty For Now")
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    at.selectbox(key="lists_workspace").select("Rise").run(timeout=30)
    at.selectbox(key="lists_chosen").select("rise.empty-for-now").run(timeout=30)
    assert not at.exception
    assert any("No members yet" in i.value for i in at.info)
    assert not [b for b in at.button if b.key in ("enrich_rise.empty-for-now", "score_rise.empty-for-now")]
    assert not at.get("vega_lite_chart") and not at.get("progress")
    open_panel(at, "lists_manage_rise.empty-for-now")
    assert [b for b in at.button if b.key == "rename_rise.empty-for-now"]


# ------------------------------------------------------------------ panels drawn only while open (issue 19)
# A collapsed expander still ran and sent everything in it on every rerun: the import form, the gate and
# exports, rename and delete, the runs and the scores table were most of what the browser drew.

PANELS = {"lists_import_panel": "lists_import_go", f"lists_export_panel_{LIST_ID}": f"export_csv_{LIST_ID}",
          f"lists_manage_{LIST_ID}": f"rename_{LIST_ID}", f"lists_scores_{LIST_ID}": "Why this score"}


def _drawn_keys(at) -> set[str]:
    """The keys of the widgets drawn, and the column names of the tables drawn."""
    return ({e.key for e in (*at.button, *at.text_input) if getattr(e, "key", None)}
            | {str(c) for df in at.dataframe for c in df.value.columns})


def test_closed_panels_ask_for_nothing_and_draw_nothing_until_opened(seeded_store, monkeypatch):
    import outsignal_pipelines.operations.run_requests as run_requests
    from outsignal_pipelines.operations.scoring import score_list
    from outsignal_pipelines.store import connect

    score_list("rise", "Rise Q1")
    with connect() as con:   # every member with an email verified: the gate is open and both exports offered
        con.execute("UPDATE people SET email_status = 'valid' WHERE email IS NOT NULL")
    asked = _count_per_list_reads(monkeypatch)
    runs_asked: list[str] = []
    real_requests = run_requests.list_requests
    monkeypatch.setattr(run_requests, "list_requests",
                        lambda **kw: runs_asked.append(kw["list_id"]) or real_requests(**kw))
    at = _lists_page()
    assert not asked.get("gate_summary") and not asked.get("list_scores") and not runs_asked
    assert not set(PANELS.values()) & _drawn_keys(at), _drawn_keys(at)
    assert {e.label for e in at.expander} >= {"Import leads from a CSV file", "Verification gate and export",
                                             "Rename or delete", "Runs (Dagster runs of this list's partition)",
                                             "Members by ICP score"}
    for panel, inside in PANELS.items():
        open_panel(at, panel)
        assert not at.exception
        assert inside in _drawn_keys(at), (panel, _drawn_keys(at))
    assert asked["gate_summary"] and asked["list_scores"] and not runs_asked
    open_panel(at, f"lists_runs_{LIST_ID}")
    assert runs_asked and set(runs_asked) == {LIST_ID}
    assert any("No runs yet" in c.value for c in at.caption)

"""The admin pages render against a real store: counts, chart, search and empty states."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_portal" / "streamlit_app.py")


def _app(admin: bool = True) -> AppTest:
    """The app as a signed-in admin (a real admin session), or as an anonymous visitor."""
    at = AppTest.from_file(APP, default_timeout=60)
    if admin:
        from outsignal_pipelines.operations.auth import admin_sign_in
        from outsignal_pipelines.operations.setup import init_store

        init_store()
        at.session_state["admin_session"] = admin_sign_in("test-admin-password")
    return at


def open_panel(at: AppTest, key: str) -> AppTest:
    """Open a panel the way a click on it does (its content is worked out only while it is open)."""
    at.session_state[key] = True
    return at.run(timeout=60)


def test_home_shows_real_per_workspace_counts_and_a_chart(seeded_store):
    at = _app().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Workspaces"] == "6"
    from outsignal_pipelines.store import query_df

    expected = int(query_df("SELECT sum(people) AS n FROM workspace_stats")["n"][0])
    assert metrics["People (across workspaces)"] == f"{expected:,}"
    assert at.get("vega_lite_chart"), "the coverage chart is missing"
    assert len(at.dataframe) == 1


def test_home_on_an_empty_store_explains_what_to_do(store):
    at = _app().run()
    assert not at.exception
    assert "No workspaces yet" in at.info[0].value


def test_people_page_searches_the_lead_search_model(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_people.py").run()
    assert not at.exception
    assert at.caption[0].value == "3,000 people match"
    at.text_input(key="people_text").input("cto").run()
    narrowed = int(at.caption[0].value.split()[0].replace(",", ""))
    assert 0 < narrowed < 3000
    at.text_input(key="people_text").input("Robert'); DROP TABLE people;--").run()
    assert not at.exception and "No people match" in at.info[0].value
    at.text_input(key="people_text").input("").run()
    assert at.caption[0].value == "3,000 people match"  # the injection string dropped nothing


def _matching(at: AppTest) -> int:
    return int(next(c.value for c in at.main.caption if "people match" in c.value).split()[0].replace(",", ""))


def test_people_page_draws_more_filters_only_when_opened_and_keeps_them_when_closed(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_people.py").run()
    assert not at.exception and _matching(at) == 3000
    assert "people_title" not in {t.key for t in at.text_input}           # closed: not drawn at all
    open_panel(at, "people_more_filters")
    at.text_input(key="people_title").input("cto").run()
    narrowed = _matching(at)
    assert 0 < narrowed < 3000
    at.session_state["people_more_filters"] = False                      # the admin closes the panel
    at.run()
    assert "people_title" not in {t.key for t in at.text_input}
    assert _matching(at) == narrowed                                       # ... and the filter still applies
    assert [c.value for c in at.sidebar.caption] == ["1 more filter set"]
    at.switch_page("app_pages/admin_home.py").run()
    at.switch_page("app_pages/admin_people.py").run()
    assert _matching(at) == narrowed                                       # kept across pages
    open_panel(at, "people_more_filters")
    assert at.text_input(key="people_title").value == "cto"               # reopened with the value it had
    at.text_input(key="people_title").input("").run()
    assert _matching(at) == 3000 and not at.sidebar.caption


def test_spend_page_shows_an_empty_state_then_the_spend(seeded_store, sandbox):
    at = _app().run()
    at.switch_page("app_pages/admin_spend.py").run()
    assert not at.exception and "No provider calls yet" in at.info[0].value
    from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list

    report = enrich_list("rise", "Rise Q1", steps=("people",))
    at.run()
    assert not at.exception
    assert at.metric[0].value == f"${report.cost_usd:,.2f}"
    assert at.get("vega_lite_chart")


def test_spend_page_shows_answers_reused_from_the_ledger_and_from_runs_in_flight(seeded_store):
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.run_requests import begin_step, finish_step, request_run
    from outsignal_pipelines.operations.spend import reuse_today

    target = resolve_list("rise", "Rise Q1")
    request = request_run("rise", "enrich", target=target, requested_by="cli")
    for step, dedup, in_flight in (("people", 5, 3), ("companies", 1, 0), ("verify", 0, 2)):
        begin_step(run_id="r", step=step, kind="enrich", request_id=request.id, list_id=target.id)
        finish_step(request.id, step, {"paid_calls": 0, "skipped_by_dedup": dedup, "reused_in_flight": in_flight})
    assert reuse_today() == [{"workspace_slug": "rise", "skipped_by_dedup": 6, "reused_in_flight": 5}]
    at = _app().run()
    at.switch_page("app_pages/admin_spend.py").run()
    assert not at.exception
    shown = at.dataframe[0].value  # the only table before any provider call was made
    assert list(shown["from another run in flight"]) == [5] and list(shown["from the ledger"]) == [6]


def test_lists_page_shows_coverage_per_list(seeded_store):
    from outsignal_pipelines.operations.lists import list_overview

    at = _app().run()
    at.switch_page("app_pages/admin_lists.py").run()
    assert not at.exception
    # Every list's coverage in the table, in numbers; the chosen list's as a chart as well.
    table = next(df.value for df in at.dataframe if "With email" in df.value.columns)
    overview = list_overview().rows
    assert len(table) == len(overview) == 3
    for column, field in (("Members", "members"), ("With email", "with_email"), ("With LinkedIn", "with_linkedin"),
                          ("With company domain", "with_domain"), ("Verified valid", "verified_valid")):
        assert list(table[column]) == [r[field] for r in overview]
    # The chosen list's coverage as bars with their counts (no chart: nothing is scored yet).
    first = overview[0]
    assert [b.text for b in at.get("progress")] == [
        f"{label}: {first[field]:,} of {first['members']:,} ({first[field] / first['members']:.0%})"
        for label, field in (("Email", "with_email"), ("LinkedIn", "with_linkedin"),
                             ("Company domain", "with_domain"), ("Verified valid", "verified_valid"))]
    assert not at.get("vega_lite_chart")
    at.selectbox(key="lists_chosen").select("rise.rise-q1").run()
    assert not at.exception
    assert any("Rise Q1" in m.value for m in at.markdown)
    assert len(at.get("progress")) == 4


def test_lists_page_shows_score_bands_and_reasons_after_scoring(seeded_store):
    from outsignal_pipelines.operations.scoring import score_list

    at = _app().run()
    at.switch_page("app_pages/admin_lists.py").run()
    assert any("Not scored yet" in i.value for i in at.info)
    report = score_list("rise", "Rise Q1")
    at.selectbox(key="lists_chosen").select("rise.rise-q1").run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1               # its score histogram
    rise_caption = next(c.value for c in at.caption if "≥70: " in c.value and "unscored: 0" in c.value)
    assert f":green[:material/circle:] ≥70: {report.distribution['green']}" in rise_caption
    assert not [df for df in at.dataframe if "Why this score" in df.value.columns]   # until its panel is opened
    open_panel(at, "lists_scores_rise.rise-q1")
    frames = [df.value for df in at.dataframe if "Why this score" in df.value.columns
              and (df.value["Scorer"] == "rules").any()]
    assert len(frames) == 1 and frames[0]["Fit"].iloc[0] in ("≥70", "40–69", "<40")
    top = frames[0].iloc[0]
    assert top["Fit score"] == frames[0]["Fit score"].max() and top["Why this score"]


def test_settings_page_saves_a_valid_icp_and_refuses_a_bad_one(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_settings.py").run()
    at.selectbox(key="settings_workspace").select("Rise").run()
    assert "rule scorer" in at.caption[0].value
    at.text_input(key="icp_kw_rise").input("brand, events")
    at.number_input(key="icp_hmin_rise").set_value(100)
    at.number_input(key="icp_hmax_rise").set_value(50)
    at.button[0].click().run()
    assert "headcount_min is larger" in at.error[0].value
    at.number_input(key="icp_hmax_rise").set_value(900)
    at.button[0].click().run()
    assert not at.exception and at.success
    from outsignal_pipelines.operations.scoring import workspace_icp

    _, rules = workspace_icp("rise")
    assert rules.title_keywords == ["brand", "events"] and (rules.headcount_min, rules.headcount_max) == (100, 900)


def test_people_page_adds_selected_rows_and_all_matching_to_a_list(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_people.py").run()
    at.selectbox(key="people_workspace").select("Rise").run()
    at.multiselect(key="people_seniorities").select("VP").run()
    matching = int(at.caption[0].value.split()[0].replace(",", ""))
    at.text_input(key="people_new_list").input("VPs").run()
    at.button(key="people_add_all").click().run()
    assert not at.exception and f"{matching} added to 'VPs'" in at.success[0].value
    from outsignal_pipelines.operations.list_quality import list_summary

    assert list_summary("rise", "VPs")["members"] == matching
    at.button(key="people_add_all").click().run()  # the new list now exists: added again → nothing new
    at.selectbox(key="people_target_list").select("VPs").run()
    at.button(key="people_add_all").click().run()
    assert f"0 added to 'VPs' ({matching} were already on it)" in at.success[0].value


def test_lists_page_gate_locks_export_until_verified_and_then_offers_both_exports(seeded_store, sandbox):
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    at.selectbox(key="lists_chosen").select("rise.rise-q1").run(timeout=30)
    open_panel(at, "lists_export_panel_rise.rise-q1")
    assert any("Export is locked until" in w.value for w in at.warning)
    # The page enriches through the one run path: a Dagster run of the list's partition.
    at.button(key="enrich_rise.rise-q1").click().run(timeout=120)
    assert not at.exception
    assert any("Enriched Rise Q1" in s.value for s in at.success)
    # Each export is a Dagster run of its own; starting one takes tens of seconds on a busy 2-core machine.
    at.button(key="export_eb_rise.rise-q1").click().run(timeout=120)
    assert any("attached to EmailBison campaign" in s.value for s in at.success)
    at.button(key="export_csv_rise.rise-q1").click().run(timeout=120)
    assert at.get("download_button")
    jobs = sorted(r.job_name for r in _partition_runs("rise.rise-q1"))
    assert jobs == ["enrich_list_job", "verified_export_job", "verified_export_job"]


def test_lists_page_scores_a_list_through_a_dagster_run(seeded_store):
    at = _app().run(timeout=30)
    at.switch_page("app_pages/admin_lists.py").run(timeout=30)
    at.selectbox(key="lists_workspace").select("Rise").run(timeout=30)
    at.button(key="score_rise.rise-q1").click().run(timeout=120)
    assert not at.exception
    assert any("Scored 200 members of Rise Q1" in s.value for s in at.success)
    [run] = _partition_runs("rise.rise-q1")
    assert (run.job_name, run.tags["outsignal/requested_by"]) == ("score_list_job", "page")


def _partition_runs(list_id: str):
    import dagster as dg

    from outsignal_pipelines import orchestration

    with orchestration.instance() as inst:
        return [r.dagster_run for r in inst.get_run_records(filters=dg.RunsFilter(tags={"dagster/partition": list_id}))]


def test_send_to_client_review_buttons_appear_only_in_the_right_states(seeded_store):
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    at = _app().run()
    at.switch_page("app_pages/admin_lists.py").run()
    at.selectbox(key="lists_workspace").select("Rise").run()
    at.button(key="send_review_rise.rise-q1").click().run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "send_review_rise.rise-q1"]  # pending_review: no button
    assert any("Waiting for the client" in i.value for i in at.info)
    from outsignal_pipelines.operations.review import set_list_status

    set_list_status("rise", "Rise Q1", "rejected", feedback="fewer agencies")
    at.run()
    at.button(key="rework_rise.rise-q1").click().run()
    assert [b for b in at.button if b.key == "send_review_rise.rise-q1"]


def test_campaign_copy_page_lints_previews_and_sends_to_review(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_campaigns.py").run()
    at.selectbox(key="copy_workspace").select("Rise").run()
    at.text_input(key="copy_new_rise").input("Q1 merch").run()
    at.text_input(key="new_subject_rise_Q1 merch").input("quick question about merch")
    at.text_area(key="new_body_rise_Q1 merch").input("Hi {FIRST_NAME}! Our free kits — great. Book now.")
    at.button[0].click().run()
    assert not at.exception
    rules = {w.value.split(":")[0] for w in at.warning}
    assert {"em_dash", "banned_phrase", "soft_cta"} <= rules
    at.selectbox(key="copy_campaign_rise").select("Q1 merch").run()
    at.button(key="send_copy_rise_Q1 merch").click().run()
    assert "in the client's review" in at.success[0].value
    assert not [b for b in at.button if b.key == "send_copy_rise_Q1 merch"]


def test_a_list_created_in_chat_shows_on_the_lists_page_at_once(seeded_store):
    at = _app().run()
    assert [b for b in at.sidebar.button if b.label == "Ask the agent"]  # the ⌘J button on every admin page
    at.switch_page("app_pages/admin_chat.py").run()
    at.selectbox(key="page_workspace").select("Rise").run()
    at.chat_input[0].set_value("create a list called Chat Made").run()
    assert not at.exception and "Created the list Chat Made" in at.chat_message[-1].markdown[0].value
    at.switch_page("app_pages/admin_lists.py").run()
    table = next(df.value for df in at.dataframe if "List" in df.value.columns)
    assert "Chat Made" in list(table["List"])
    at.selectbox(key="lists_chosen").select("rise.chat-made").run()
    assert any("Chat Made" in m.value for m in at.markdown)
    at.switch_page("app_pages/admin_agent_runs.py").run()
    assert not at.exception and "runs" in at.caption[0].value


def _portal_ready():
    from outsignal_pipelines.operations.review import save_step, send_campaign_to_review, send_list_to_review
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    save_step("rise", "Q1 copy", 1, "quick question about merch", "Hi {FIRST_NAME}, quick one. Open to a chat?")
    save_step("rise", "Q1 copy", 2, None, "Following up on merch for {COMPANY}. Worth a look?", 3)
    send_campaign_to_review("rise", "Q1 copy")


def _magic_token(email: str) -> str:
    """Ask for a link the way the sign-in form does, and read it from the email the SMTP server got."""
    import time

    from outsignal_pipelines.operations.auth import request_magic_link
    from outsignal_pipelines.sandbox.inbox import INBOX

    INBOX["emails"].clear()
    request_magic_link(email, "192.0.2.1")
    deadline = time.monotonic() + 10

    def link_for_me() -> list[dict]:
        # Review invitations go out in the background too: only this address's sign-in email counts.
        return [m for m in list(INBOX["emails"]) if email in m["to"] and "token=" in m["text"]
                and "sign-in link" in m["subject"]]

    while not link_for_me():
        assert time.monotonic() < deadline, "the sign-in email never arrived"
        time.sleep(0.05)
    return link_for_me()[-1]["text"].split("token=")[1].split()[0]


def test_portal_sign_in_with_a_link_then_approve_the_list_and_reject_the_copy(seeded_store, mail_and_slack):
    _portal_ready()
    at = _app(admin=False)
    at.query_params["token"] = _magic_token("client@rise.example")
    at.switch_page("app_pages/portal.py").run()
    assert not at.exception and "Signed in as client@rise.example" in at.caption[0].value
    assert {s.value for s in at.subheader} >= {"Review Leads · Rise Q1", "Review Copy · Q1 copy"}
    assert "Hi Jane, quick one" in " ".join(t.value for t in at.text)  # merge tokens rendered with a sample lead
    at.button(key="approve_list_rise.rise-q1").click().run()
    assert "Rise Q1 approved" in at.success[0].value
    at.text_area(key="copy_feedback_Q1 copy").input("warmer opening please")
    at.button(key="reject_copy_Q1 copy").click().run()
    assert "Q1 copy rejected" in at.success[0].value
    assert "Nothing is waiting for your review" in at.info[0].value
    from outsignal_pipelines.operations.review import approvals

    assert [(a["decision"], a["feedback"]) for a in approvals("rise")] == [("approved", None),
                                                                         ("rejected", "warmer opening please")]


def test_portal_refuses_reused_links_and_tampered_sessions(seeded_store, mail_and_slack):
    _portal_ready()
    token = _magic_token("client@lime.example")
    first = _app(admin=False)
    first.query_params["token"] = token
    first.switch_page("app_pages/portal.py").run()
    assert "Signed in as client@lime.example" in first.caption[0].value
    assert not [s for s in first.subheader if "Rise" in s.value]  # lime sees none of rise's work
    reused = _app(admin=False)
    reused.query_params["token"] = token
    reused.switch_page("app_pages/portal.py").run()
    assert "not valid any more" in reused.error[0].value and "Client portal" in reused.title[0].value
    tampered = _app(admin=False)
    tampered.session_state["portal_session"] = "rise"          # a workspace name is not a session
    tampered.query_params["workspace"] = "rise"
    tampered.switch_page("app_pages/portal.py").run()
    assert "Client portal" in tampered.title[0].value and not tampered.subheader


def test_admin_pages_need_the_admin_password(seeded_store):
    at = _app(admin=False).run()
    assert [p for p in at.title if p.value == "Admin sign-in"]  # visitors land on the sign-in page
    assert not [b for b in at.sidebar.button if b.label == "Ask the agent"]
    at.text_input(key="admin_password").input("wrong")
    at.button[0].click().run()
    assert "wrong password" in at.error[0].value
    at.text_input(key="admin_password").input("test-admin-password")
    at.button[0].click().run()
    assert not at.exception and at.session_state["admin_session"]


def test_lists_page_deploys_an_approved_list_and_shows_history(seeded_store):
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    _daemon_is_running()  # so the click queues the run for the daemon instead of running it here
    at = _app().run()
    at.switch_page("app_pages/admin_lists.py").run()
    at.selectbox(key="lists_workspace").select("Rise").run()
    at.button(key="deploy_rise.rise-q1").click().run()
    assert not at.exception and "(leads only) is pending (run request #1)" in at.success[0].value
    assert any("status" in df.value.columns and (df.value["status"] == "pending").any() for df in at.dataframe)


def _daemon_is_running() -> None:
    import time

    from dagster._daemon.types import DaemonHeartbeat

    from outsignal_pipelines import orchestration

    with orchestration.instance() as inst:
        inst.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "SENSOR", None, None))


def test_inbox_page_shows_the_sandbox_sinks_and_the_outbox(seeded_store, mail_and_slack, monkeypatch):
    from outsignal_pipelines.operations.notifications import deliver, notify
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        ids = notify(con, "rise", "list_approved", "Rise Q1 was approved.", "List approved")
    deliver(ids)
    at = _app().run()
    at.switch_page("app_pages/admin_inbox.py").run()
    assert not at.exception
    assert any(s.value.startswith("Slack (1)") for s in at.subheader)
    assert any("Rise Q1 was approved" in t.value for t in at.text)
    assert (at.dataframe[0].value["status"] == "sent").all()
    monkeypatch.delenv("OUTSIGNAL_SANDBOX_URL")
    at.run()
    assert not at.exception and "No sandbox in this deployment" in at.info[0].value

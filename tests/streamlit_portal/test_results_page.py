"""The Results page and the Settings page's "Learned from results" section, on a real store: plain
empty states before anything was deployed or sent, the numbers and charts once events are in, the
suggestions applied by a click (audited), and the client portal's Results card for its own workspace."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from outsignal_pipelines.store import connect, transaction
from tests.operations.outcome_fixtures import plant
from tests.streamlit_portal.test_pages import _app

RESULTS = "app_pages/admin_results.py"


def test_results_page_empty_states(workspace):
    at = _app().run()
    at.switch_page(RESULTS).run()
    assert not at.exception and "No deployed lists yet" in at.info[0].value
    with connect() as con:   # a deployed list, but EmailBison has told us nothing yet
        con.execute("INSERT INTO target_lists (id, workspace_slug, name, status) VALUES ('acme.q', 'acme', 'Q', 'deployed')")
        con.execute("INSERT INTO people (id, email, email_status) VALUES (1, 'a@b.example', 'valid')")
        con.execute("INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id) "
                    "VALUES ('acme.q', 'acme', 'Q', 3)")
        con.execute("INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) "
                    "VALUES ('acme', 1, 3, 'acme.q')")
    at.run()
    assert not at.exception and "No events yet" in at.info[0].value and "webhook" in at.info[0].value


def test_results_page_shows_numbers_charts_verdict_and_providers(workspace):
    plant(workspace)
    with connect() as con:
        sent, replies = con.execute(
            "SELECT count(*) FILTER (WHERE event_type = 'sent'), count(*) FILTER (WHERE event_type = 'replied') "
            "FROM campaign_events").fetchall()[0]
    at = _app().run()
    at.switch_page(RESULTS).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sent"] == f"{sent:,}" and metrics["Replies"] == f"{replies:,}"
    assert len(at.get("vega_lite_chart")) >= 4            # score bands, vertical, seniority, providers
    assert at.success and at.success[0].value.startswith("Yes")
    providers = next(d.value for d in at.dataframe if "Cost per delivered email" in d.value.columns)
    assert list(providers["Email finder"]) == ["findymail", "prospeo", "aiark"]
    assert providers["Bounce rate"].iloc[-1].endswith("%") and providers["Cost per delivered email"].iloc[0].startswith("$")
    at.selectbox(key="results_list").select("Q1").run()
    assert not at.exception and not at.error and {m.label: m.value for m in at.metric}["Sent"] == f"{sent:,}"
    by_status = next(d.value for d in at.dataframe if "Verification" in d.value.columns)
    assert set(by_status["Verification"]) == {"valid"}


def test_settings_page_applies_the_suggestions_with_an_audit_row(workspace):
    plant(workspace)
    at = _app().run()
    at.switch_page("app_pages/admin_settings.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.session_state["settings_section"] = "Learned from results"   # the admin opens its tab
    at.run()
    at.button(key="apply_weights_acme").click().run()
    assert not at.exception and not at.error
    flash = next(s.value for s in at.success if "Weights applied" in s.value)
    assert "Seniority 30 → 45" in flash and "Scores do not change by themselves" in flash
    at.button(key="apply_order_acme").click().run()
    assert not at.exception
    flash = next(s.value for s in at.success if "Finder order applied" in s.value)
    assert "aiark → prospeo → leadmagic → findymail became findymail → prospeo → leadmagic → aiark" in flash
    with connect() as con:
        kinds = [r[0] for r in con.execute("SELECT kind FROM applied_suggestions ORDER BY id").fetchall()]
        rules, order = con.execute("SELECT icp_rules, finder_order FROM workspaces WHERE slug = 'acme'").fetchall()[0]
    assert kinds == ["icp_weights", "finder_order"] and json.loads(rules)["weights"]["seniority"] == 45
    assert json.loads(order)[-1] == "aiark"
    # Saving the ICP form afterwards keeps the applied weights.
    at.session_state["settings_section"] = "ICP"
    at.run()
    at.button(key="icp_save_acme").click().run()
    with connect() as con:
        rules = con.execute("SELECT icp_rules FROM workspaces WHERE slug = 'acme'").fetchall()[0][0]
    assert json.loads(rules)["weights"]["seniority"] == 45


def test_portal_results_card_shows_the_clients_own_numbers(workspace):
    from outsignal_pipelines.operations.auth import _open_session
    from outsignal_pipelines.operations.workspaces import upsert_workspace

    upsert_workspace("beta", "Beta Client", client_emails=["client@beta.example"])
    plant("acme", n=90, seed=3, start_id=1000)
    plant("beta", n=240, seed=4, start_id=5000)
    with transaction() as con:
        token = _open_session(con, "acme", "client@acme.example", datetime.now(timezone.utc).replace(tzinfo=None), None)
    at = _app(admin=False)
    at.session_state["portal_session"] = token
    at.switch_page("app_pages/portal.py").run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Emails sent"] == "90"            # beta's 240 never show
    assert set(metrics) == {"Emails sent", "Replies", "Interested", "Meetings"}

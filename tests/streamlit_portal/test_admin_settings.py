"""The Settings page edits what could be set only in the database before: client and notification
emails, the Slack webhook, EmailBison URL and token, auto-deploy, the daily cap and the finder order.
Bad values are refused with their reason and nothing is saved; the token is never shown in full."""

from __future__ import annotations

import pytest

from outsignal_pipelines.operations.workspaces import workspace_settings
from tests.streamlit_portal.test_pages import _app

TOKEN = "eb_live_5f1e7c2a9d4b8e3f6a0c9f3a"


@pytest.fixture(autouse=True)
def _no_secret_key_from_the_shell(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SECRET_KEY_FILE", raising=False)


def _settings_page(section: str):
    at = _app().run()
    at.switch_page("app_pages/admin_settings.py").run()
    at.selectbox(key="settings_workspace").select("Rise").run()
    _show(at, section)
    return at


def _show(at, section: str):
    """Pick a tab of the page (only the tab shown is drawn)."""
    at.session_state["settings_section"] = section
    at.run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["ICP", "Clients and notifications", "EmailBison", "Enrichment and deploy",
                                          "Learned from results"]
    return at


def _submit(at, key: str):
    next(b for b in at.button if b.key == key).click().run()
    assert not at.exception
    return at


def test_clients_and_notifications_refuse_a_bad_email_and_save_good_ones(seeded_store):
    before = workspace_settings("rise")
    at = _settings_page("Clients and notifications")
    at.text_area(key="settings_clients_rise").input("boss@rise.example\nnot an email")
    at.text_input(key="settings_webhook_rise").input("https://hooks.slack.com/services/T0/B0/x")
    _submit(at, "settings_people_save_rise")
    assert any("'not' is not an email address" in e.value for e in at.error)
    assert workspace_settings("rise") == before                      # nothing saved
    at.text_area(key="settings_clients_rise").input("boss@rise.example, second@rise.example")
    at.text_area(key="settings_notify_rise").input("team@agency.example")
    at.text_input(key="settings_webhook_rise").input("http://hooks.example.com/x")
    _submit(at, "settings_people_save_rise")
    assert any("Slack webhook" in e.value for e in at.error) and workspace_settings("rise") == before
    at.text_input(key="settings_webhook_rise").input("https://hooks.slack.com/services/T0/B0/x")
    _submit(at, "settings_people_save_rise")
    saved = workspace_settings("rise")
    assert saved.client_emails == ["boss@rise.example", "second@rise.example"]
    assert saved.notification_emails == ["team@agency.example"]
    assert saved.slack_webhook_url == "https://hooks.slack.com/services/T0/B0/x"


def test_the_token_is_saved_then_only_shown_masked(seeded_store):
    at = _settings_page("EmailBison")
    at.text_input(key="settings_eb_token_rise").input(TOKEN)
    _submit(at, "settings_eb_save_rise")
    assert workspace_settings("rise").emailbison_token_hint == "eb_…9f3a"
    assert any("eb_…9f3a · stored encrypted" in c.value for c in at.caption)
    shown = [e.value for e in (*at.caption, *at.text_input, *at.success, *at.markdown) if isinstance(e.value, str)]
    assert not any(TOKEN in value for value in shown)
    _submit(at, "settings_eb_clear_rise")
    assert workspace_settings("rise").emailbison_token_hint is None


def test_auto_deploy_daily_cap_and_finder_order(seeded_store):
    at = _settings_page("Enrichment and deploy")
    at.toggle(key="settings_auto_rise").set_value(True)
    at.number_input(key="settings_cap_rise").set_value(0.0)
    _submit(at, "settings_run_save_rise")
    assert any("daily cap" in e.value for e in at.error) and not workspace_settings("rise").auto_deploy
    at.number_input(key="settings_cap_rise").set_value(42.0)
    at.multiselect(key="settings_finders_rise").set_value(["leadmagic", "prospeo"])
    _submit(at, "settings_run_save_rise")
    saved = workspace_settings("rise")
    assert (saved.auto_deploy, saved.daily_cap_usd, saved.finder_order) == (True, 42.0, ["leadmagic", "prospeo"])


def test_only_the_tab_shown_is_worked_out_and_drawn(seeded_store, monkeypatch):
    """The calibration reads every deployed lead with its outcomes (the slowest read of the page), and
    the forms are most of what the browser draws: each waits until its tab is shown, and a save (which
    reruns the page) asks only for what its own tab shows."""
    import streamlit_portal.services.outcome_suggestions as suggestions

    asked: list[str] = []
    real = suggestions.calibrate
    monkeypatch.setattr(suggestions, "calibrate", lambda slug, *a, **k: asked.append(slug) or real(slug, *a, **k))
    at = _settings_page("ICP")
    at.button(key="icp_save_rise").click().run()       # a save reruns the page
    assert not at.exception and at.success
    assert asked == [] and not any("No results yet" in i.value for i in at.info)
    shown = {w.key for w in (*at.text_area, *at.text_input, *at.button)}
    assert "icp_kw_rise" in shown and not shown & {"settings_clients_rise", "settings_eb_url_rise", "settings_new_slug"}
    assert not at.toggle and not [m for m in at.multiselect if m.key == "settings_finders_rise"]
    _show(at, "Learned from results")                    # the admin opens the tab
    assert asked == ["rise"] and any("No results yet" in i.value for i in at.info)
    assert "icp_kw_rise" not in {w.key for w in at.text_input}
    _show(at, "Clients and notifications")
    assert asked == ["rise"] and at.text_area(key="settings_clients_rise")


def test_the_new_workspace_form_is_drawn_only_while_open(seeded_store):
    from outsignal_pipelines.operations.workspaces import list_workspaces

    at = _settings_page("ICP")
    assert any(e.label == "Add a workspace" for e in at.expander)
    assert "settings_new_slug" not in {w.key for w in at.text_input}
    at.session_state["settings_new_open"] = True          # the admin opens it
    at.run()
    at.text_input(key="settings_new_slug").input("acme-two")
    at.text_input(key="settings_new_name").input("Acme Two")
    _submit(at, "settings_new_save")
    assert any("Workspace added." in s.value for s in at.success)
    assert "acme-two" in {w.slug for w in list_workspaces()}

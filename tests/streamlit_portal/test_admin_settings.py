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


def _settings_page():
    at = _app().run()
    at.switch_page("app_pages/admin_settings.py").run()
    at.selectbox(key="settings_workspace").select("Rise").run()
    assert not at.exception
    return at


def _submit(at, key: str):
    next(b for b in at.button if b.key == key).click().run()
    assert not at.exception
    return at


def test_clients_and_notifications_refuse_a_bad_email_and_save_good_ones(seeded_store):
    before = workspace_settings("rise")
    at = _settings_page()
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
    at = _settings_page()
    at.text_input(key="settings_eb_token_rise").input(TOKEN)
    _submit(at, "settings_eb_save_rise")
    assert workspace_settings("rise").emailbison_token_hint == "eb_…9f3a"
    assert any("eb_…9f3a · stored encrypted" in c.value for c in at.caption)
    shown = [e.value for e in (*at.caption, *at.text_input, *at.success, *at.markdown) if isinstance(e.value, str)]
    assert not any(TOKEN in value for value in shown)
    _submit(at, "settings_eb_clear_rise")
    assert workspace_settings("rise").emailbison_token_hint is None


def test_auto_deploy_daily_cap_and_finder_order(seeded_store):
    at = _settings_page()
    at.toggle(key="settings_auto_rise").set_value(True)
    at.number_input(key="settings_cap_rise").set_value(0.0)
    _submit(at, "settings_run_save_rise")
    assert any("daily cap" in e.value for e in at.error) and not workspace_settings("rise").auto_deploy
    at.number_input(key="settings_cap_rise").set_value(42.0)
    at.multiselect(key="settings_finders_rise").set_value(["leadmagic", "prospeo"])
    _submit(at, "settings_run_save_rise")
    saved = workspace_settings("rise")
    assert (saved.auto_deploy, saved.daily_cap_usd, saved.finder_order) == (True, 42.0, ["leadmagic", "prospeo"])

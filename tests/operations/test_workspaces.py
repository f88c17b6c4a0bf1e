"""Workspace settings an admin edits in the app or the CLI: a bad value is refused with its reason and
nothing is saved; the EmailBison token is stored only encrypted, with the key outside the store, and
shown only masked. Before these, the settings could be changed only in the database."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.workspaces import emailbison_token, update_settings, workspace_settings
from outsignal_pipelines.store import connect

TOKEN = "eb_live_5f1e7c2a9d4b8e3f6a0c9f3a"


@pytest.fixture(autouse=True)
def _no_secret_key_from_the_shell(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SECRET_KEY_FILE", raising=False)


def _row(slug: str) -> dict:
    with connect() as con:
        cursor = con.execute("SELECT * FROM workspaces WHERE slug = ?", [slug])
        return dict(zip([d[0] for d in cursor.description], cursor.fetchone()))


def test_every_setting_saves_and_reads_back(workspace):
    saved = update_settings(workspace, client_emails=[" Client@Acme.example ", "ops@acme.example"],
                            notification_emails=["team@agency.example"],
                            slack_webhook_url="https://hooks.slack.com/services/T0/B0/xyz",
                            emailbison_base_url="https://send.agency.example/", auto_deploy=True, daily_cap_usd=200,
                            finder_order=["prospeo", "aiark"])
    assert saved == workspace_settings(workspace)
    assert saved.client_emails == ["client@acme.example", "ops@acme.example"]
    assert saved.notification_emails == ["team@agency.example"]
    assert saved.slack_webhook_url == "https://hooks.slack.com/services/T0/B0/xyz"
    assert saved.emailbison_base_url == "https://send.agency.example"
    assert (saved.auto_deploy, saved.daily_cap_usd, saved.finder_order) == (True, 200.0, ["prospeo", "aiark"])
    # The enrichment reads what was saved.
    from outsignal_pipelines.operations.enrichment.list_enrichment import workspace_config

    config = workspace_config(workspace)
    assert (config.finder_order, config.daily_cap_usd) == (("prospeo", "aiark"), 200.0)
    # '' clears a URL back to the agency's default; None leaves a setting alone.
    cleared = update_settings(workspace, slack_webhook_url="", reset_daily_cap=True)
    assert cleared.slack_webhook_url is None and cleared.daily_cap_usd is None
    assert cleared.client_emails == ["client@acme.example", "ops@acme.example"]


@pytest.mark.parametrize("change, problem", [
    ({"client_emails": ["ok@acme.example", "not-an-email"]}, "'not-an-email' is not an email address"),
    ({"notification_emails": ["a@b"]}, "'a@b' is not an email address"),
    ({"slack_webhook_url": "http://hooks.example.com/x"}, "Slack webhook"),          # http off this machine
    ({"slack_webhook_url": "javascript:alert(1)"}, "Slack webhook"),
    ({"emailbison_base_url": "ftp://send.example"}, "EmailBison URL"),
    ({"daily_cap_usd": 0}, "daily cap"), ({"daily_cap_usd": -5}, "daily cap"), ({"daily_cap_usd": 1e9}, "daily cap"),
    ({"finder_order": ["prospeo", "clay"]}, "unknown finder(s) clay"),
    ({"finder_order": ["prospeo", "prospeo"]}, "at most once"),
    ({"emailbison_token": "two words"}, "EmailBison token"),
    ({"emailbison_token_env": "lower case"}, "environment variable"),
])
def test_a_bad_value_saves_nothing_not_even_the_good_ones(workspace, change, problem):
    before = _row(workspace)
    with pytest.raises(OperationError, match="nothing saved") as refused:
        update_settings(workspace, **{"auto_deploy": True, "notification_emails": ["fine@agency.example"], **change})
    assert problem in str(refused.value)
    assert _row(workspace) == before


def test_the_sandbox_webhook_on_loopback_is_allowed(workspace):
    saved = update_settings(workspace, slack_webhook_url="http://127.0.0.1:8765/slack/webhook")
    assert saved.slack_webhook_url == "http://127.0.0.1:8765/slack/webhook"


def test_the_token_is_stored_encrypted_with_the_key_outside_the_store_and_shown_masked(workspace, db_path):
    saved = update_settings(workspace, emailbison_token=TOKEN)
    assert saved.emailbison_token_hint == "eb_…9f3a" and saved.emailbison_token_source == "stored"
    assert TOKEN not in repr(saved) and TOKEN not in str(saved.to_dict())
    row = _row(workspace)
    assert TOKEN not in str(row) and "9f3a" not in (row["emailbison_token_encrypted"] or "")
    # The key lives in the Dagster home (0600), not beside the lead store.
    key_file = Path(os.environ["DAGSTER_HOME"]) / "outsignal_secret.key"
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not list(db_path.parent.glob("*.key"))
    # The client gets the token; a client built from it sends it.
    assert emailbison_token(workspace) == (TOKEN, "stored")
    from outsignal_pipelines.operations.emailbison_export import workspace_client

    update_settings(workspace, emailbison_base_url="https://send.agency.example")
    client = workspace_client(workspace)
    try:
        assert client._http.headers["Authorization"] == f"Bearer {TOKEN}"
    finally:
        client.close()


def test_a_stored_token_without_its_key_is_a_clear_refusal(workspace, monkeypatch, tmp_path):
    update_settings(workspace, emailbison_token=TOKEN)
    monkeypatch.setenv("OUTSIGNAL_SECRET_KEY", "another-key-of-enough-length-0123456789")
    with pytest.raises(OperationError, match="cannot be read with this OUTSIGNAL_SECRET_KEY"):
        emailbison_token(workspace)
    # Entering it again under the new key works; clearing it falls back to the environment variable.
    update_settings(workspace, emailbison_token=TOKEN)
    assert emailbison_token(workspace)[0] == TOKEN
    monkeypatch.setenv("EMAILBISON_TOKEN_ACME", "from-the-environment")
    cleared = update_settings(workspace, clear_emailbison_token=True)
    assert cleared.emailbison_token_hint is None and cleared.emailbison_token_source == "environment"
    assert emailbison_token(workspace) == ("from-the-environment", "environment variable EMAILBISON_TOKEN_ACME")


def test_unknown_workspace_is_not_found(store):
    with pytest.raises(OperationError, match="unknown workspace"):
        update_settings("nope", auto_deploy=True)

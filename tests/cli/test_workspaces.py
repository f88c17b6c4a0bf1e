"""`outsignal workspaces show|set`: the same settings as the Settings page, the same refusals (nothing
saved on a bad value), the token read from stdin (never argv) and printed only masked."""

from __future__ import annotations

import pytest

from tests.cli.helpers import app, one_json, runner

TOKEN = "eb_live_5f1e7c2a9d4b8e3f6a0c9f3a"


@pytest.fixture(autouse=True)
def _no_secret_key_from_the_shell(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SECRET_KEY_FILE", raising=False)


def test_set_then_show(workspace):
    result = runner.invoke(app, ["workspaces", "set", "-w", workspace, "--client-email", "a@acme.example",
                                 "--client-email", "b@acme.example", "--notify-email", "team@agency.example",
                                 "--slack-webhook", "https://hooks.slack.com/services/T/B/x", "--auto-deploy",
                                 "--daily-cap", "200", "--finder-order", "prospeo,aiark", "--json"])
    assert result.exit_code == 0, result.stdout
    shown = one_json(runner.invoke(app, ["workspaces", "show", "-w", workspace, "--json"]))
    assert shown["client_emails"] == ["a@acme.example", "b@acme.example"]
    assert shown["notification_emails"] == ["team@agency.example"]
    assert (shown["auto_deploy"], shown["daily_cap_usd"], shown["finder_order"]) == (True, 200.0, ["prospeo", "aiark"])
    human = runner.invoke(app, ["workspaces", "show", "-w", workspace])
    assert human.exit_code == 0 and "prospeo → aiark" in human.stdout and "$200.00" in human.stdout


def test_a_bad_value_is_one_json_error_and_nothing_is_saved(workspace):
    before = one_json(runner.invoke(app, ["workspaces", "show", "-w", workspace, "--json"]))
    result = runner.invoke(app, ["workspaces", "set", "-w", workspace, "--daily-cap", "50",
                                 "--client-email", "nope", "--json"])
    assert result.exit_code == 1
    assert "'nope' is not an email address" in one_json(result)["error"]
    assert one_json(runner.invoke(app, ["workspaces", "show", "-w", workspace, "--json"])) == before


def test_the_token_comes_from_stdin_and_is_never_printed(workspace):
    result = runner.invoke(app, ["workspaces", "set", "-w", workspace, "--emailbison-token-stdin", "--json"],
                           input=TOKEN + "\n")
    assert result.exit_code == 0 and TOKEN not in result.stdout
    shown = runner.invoke(app, ["workspaces", "show", "-w", workspace, "--json"])
    assert one_json(shown)["emailbison_token_hint"] == "eb_…9f3a" and TOKEN not in shown.stdout
    human = runner.invoke(app, ["workspaces", "show", "-w", workspace])
    assert "eb_…9f3a" in human.stdout and TOKEN not in human.stdout

"""`outsignal webhooks url` shows the secret URL once (rotating on request) and `outsignal outcomes
rollup` reports the per-group counts, both with --json."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner
from tests.operations.test_outcomes import outcomes_store  # noqa: F401 - the fixture


def test_webhook_url_is_shown_once_then_rotated(workspace):
    made = one_json(runner.invoke(app, ["webhooks", "url", "--workspace", "acme", "--no-register", "--json"]))
    assert made["url"].startswith("http://127.0.0.1:8766/emailbison/webhook/") and made["hint"] == made["url"][-4:]
    again = runner.invoke(app, ["webhooks", "url", "--workspace", "acme", "--no-register", "--json"])
    assert again.exit_code == 1 and "shown only once" in one_json(again)["error"]
    rotated = one_json(runner.invoke(app, ["webhooks", "url", "-w", "acme", "--rotate", "--no-register", "--json"]))
    assert rotated["rotated"] is True and rotated["url"] != made["url"]
    unknown = runner.invoke(app, ["webhooks", "url", "--workspace", "nope", "--no-register", "--json"])
    assert unknown.exit_code == 1 and "unknown workspace" in one_json(unknown)["error"]


def test_outcomes_rollup(outcomes_store):  # noqa: F811
    result = one_json(runner.invoke(app, ["outcomes", "rollup", "--workspace", "acme", "--by", "vertical", "--json"]))
    rows = {r["vertical"]: r for r in result["rows"]}
    assert (rows["Retail"]["sent"], rows["Retail"]["bounced"], rows["Retail"]["replied"]) == (2, 1, 1)
    bad = runner.invoke(app, ["outcomes", "rollup", "--workspace", "acme", "--by", "colour", "--json"])
    assert bad.exit_code == 1 and "choose from" in one_json(bad)["error"]
    text = runner.invoke(app, ["outcomes", "rollup", "--workspace", "acme", "--by", "seniority"])
    assert "C-Suite: 2 leads" in text.stdout


def test_webhook_url_is_registered_with_emailbison_when_reachable(workspace, sandbox, monkeypatch):
    unreachable = one_json(runner.invoke(app, ["webhooks", "url", "--workspace", "acme", "--json"]))
    assert unreachable["registered"] is None and "OUTSIGNAL_WEBHOOK_URL" in unreachable["registration_error"]
    monkeypatch.setenv("OUTSIGNAL_WEBHOOK_URL", "https://hooks.example")
    made = one_json(runner.invoke(app, ["webhooks", "url", "--workspace", "acme", "--rotate", "--json"]))
    assert made["url"].startswith("https://hooks.example/emailbison/webhook/"), made
    assert made["registered"]["action"] == "created", made

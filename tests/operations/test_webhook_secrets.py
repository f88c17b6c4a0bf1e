"""Registering the workspace's webhook URL with EmailBison: created once, updated in place (never a
second webhook), kept at the next deploy, and replaced by a new secret when EmailBison lost ours."""

from __future__ import annotations

import httpx

from outsignal_pipelines.clients.emailbison import EmailBisonClient
from outsignal_pipelines.operations.webhook_secrets import (
    ensure_registered_at_deploy,
    make_webhook_url,
    register_webhook,
    webhook_status,
    workspace_for_secret,
)


def test_registration_is_found_again_by_name(workspace, sandbox):
    with EmailBisonClient(f"{sandbox.url}/emailbison", "sandbox-acme") as client:
        first = register_webhook(client, "acme", "https://hooks.example/emailbison/webhook/a")
        second = register_webhook(client, "acme", "https://hooks.example/emailbison/webhook/b")
        hooks = client.webhooks()
    assert (first["action"], second["action"], first["id"]) == ("created", "updated", second["id"])
    assert [h["url"] for h in hooks] == ["https://hooks.example/emailbison/webhook/b"]
    assert "lead_replied" in hooks[0]["events"] and "tag_attached" in hooks[0]["events"]


def test_deploy_time_registration(workspace, sandbox, monkeypatch):
    with EmailBisonClient(f"{sandbox.url}/emailbison", "sandbox-acme") as client:
        assert ensure_registered_at_deploy(client, "acme") is None        # nowhere to be reached: nothing done
        monkeypatch.setenv("OUTSIGNAL_WEBHOOK_URL", "https://hooks.example")
        made = ensure_registered_at_deploy(client, "acme")
        [hook] = client.webhooks()
        secret = hook["url"].rsplit("/", 1)[1]
        assert made["action"] == "created" and workspace_for_secret(secret) == "acme"
        assert ensure_registered_at_deploy(client, "acme")["action"] == "kept"
        httpx.delete(f"{sandbox.url}/emailbison/api/webhook-url/{hook['id']}",
                     headers={"Authorization": "Bearer sandbox-acme"}).raise_for_status()
        again = ensure_registered_at_deploy(client, "acme")
        [new_hook] = client.webhooks()
    assert again["action"] == "created" and new_hook["url"] != hook["url"]
    assert workspace_for_secret(secret) is None and workspace_for_secret(new_hook["url"].rsplit("/", 1)[1]) == "acme"
    assert webhook_status("acme")["hint"] == new_hook["url"][-4:]


def test_a_secret_is_never_stored(workspace):
    url = make_webhook_url("acme")["url"]
    assert url.startswith("http://127.0.0.1:8766/emailbison/webhook/")
    assert workspace_for_secret(url.rsplit("/", 1)[1]) == "acme" and workspace_for_secret("nope") is None
    assert workspace_for_secret("x" * 500) is None

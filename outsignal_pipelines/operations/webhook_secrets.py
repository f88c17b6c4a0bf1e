"""Each workspace's secret EmailBison webhook URL, and its registration with EmailBison.

EmailBison does not sign its webhooks (reference/emailbison_api.md §11), so the URL is the credential:
`<OUTSIGNAL_WEBHOOK_URL>/emailbison/webhook/<secret>`, one per workspace. Only the SHA-256 of the
secret is stored (with its last 4 characters as a hint to tell URLs apart); the full URL is shown once,
when it is made or rotated, and registered with EmailBison at that moment (it cannot be rebuilt
later). Rotating replaces the hash in one UPDATE, so the old URL stops working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.clients.emailbison import EmailBisonClient, EmailBisonError
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.store import connect, transaction

WEBHOOK_PATH = "/emailbison/webhook/"
# The EmailBison events the engine subscribes to (§11 subscription ids).
SUBSCRIBED_EVENTS = ("email_sent", "email_opened", "lead_replied", "lead_interested", "email_bounced",
                     "lead_unsubscribed", "untracked_reply_received", "tag_attached")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def webhook_name(workspace: str) -> str:
    """How our webhook is named in EmailBison, so it is found again (and not added twice)."""
    return f"Outsignal outcomes ({workspace})"


def base_url() -> str:
    """Where EmailBison reaches the endpoint: OUTSIGNAL_WEBHOOK_URL, else this machine's endpoint."""
    return settings.webhook_public_url() or f"http://{settings.bind_host()}:{settings.webhook_port()}"


def _url(secret: str) -> str:
    return f"{base_url()}{WEBHOOK_PATH}{secret}"


def _workspace_exists(con, workspace: str) -> None:
    if not con.execute("SELECT 1 FROM workspaces WHERE slug = ?", [workspace]).fetchall():
        raise NotFound(f"unknown workspace {workspace!r}")


def make_webhook_url(workspace: str, rotate: bool = False) -> dict[str, Any]:
    """A new secret URL for the workspace: {url, hint, rotated}. Without `rotate`, a workspace that has
    one already is refused (its URL cannot be shown again; rotate to get a new one)."""
    secret = _secrets.token_urlsafe(32)
    digest, hint = hash_secret(secret), secret[-4:]
    with transaction() as con:
        _workspace_exists(con, workspace)
        if rotate:
            # Replaced in one transaction: the old hash is gone the moment the new one is there.
            con.execute("DELETE FROM webhook_secrets WHERE workspace_slug = ?", [workspace])
            rows = con.execute(
                "INSERT INTO webhook_secrets (workspace_slug, secret_sha256, hint) VALUES (?, ?, ?) "
                "RETURNING workspace_slug", [workspace, digest, hint]).fetchall()
        else:
            rows = con.execute(
                "INSERT INTO webhook_secrets (workspace_slug, secret_sha256, hint) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING workspace_slug", [workspace, digest, hint]).fetchall()
    if not rows:
        current = webhook_status(workspace)
        raise OperationError(
            f"workspace {workspace!r} already has a webhook URL (ending …{current['hint']}); it is shown only once. "
            "Rotate it to get a new one (the old one stops working at once).")
    return {"workspace": workspace, "url": _url(secret), "hint": hint, "rotated": rotate}


def webhook_status(workspace: str) -> dict[str, Any]:
    """{workspace, configured, hint, created_at, url_prefix}: what can be shown again (never the secret)."""
    with connect() as con:
        rows = con.execute("SELECT hint, created_at FROM webhook_secrets WHERE workspace_slug = ?",
                           [workspace]).fetchall()
    return {"workspace": workspace, "configured": bool(rows), "hint": rows[0][0] if rows else None,
            "created_at": rows[0][1] if rows else None, "url_prefix": f"{base_url()}{WEBHOOK_PATH}"}


def workspace_for_secret(secret: str) -> str | None:
    """The workspace a secret belongs to, or None. Looked up by hash; compared in constant time."""
    if not secret or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    with connect() as con:
        rows = con.execute("SELECT workspace_slug, secret_sha256 FROM webhook_secrets WHERE secret_sha256 = ?",
                           [digest]).fetchall()
    if rows and hmac.compare_digest(rows[0][1], digest):
        return rows[0][0]
    return None


def register_webhook(client: EmailBisonClient, workspace: str, url: str) -> dict[str, Any]:
    """Point the workspace's EmailBison at `url` for every outcome event: our webhook (found by name) is
    updated in place, or created once. Returns {id, action: created|updated}."""
    name = webhook_name(workspace)
    try:
        ours = next((w for w in client.webhooks() if w.get("name") == name), None)
        if ours is not None:
            client.update_webhook(int(ours["id"]), name, url, list(SUBSCRIBED_EVENTS))
            return {"id": int(ours["id"]), "action": "updated"}
        created = client.create_webhook(name, url, list(SUBSCRIBED_EVENTS))
    except EmailBisonError as exc:
        raise OperationError(f"EmailBison did not take the webhook URL: {exc}") from exc
    return {"id": int(created.get("id")) if isinstance(created, dict) and created.get("id") else None,
            "action": "created"}


def webhook_url(workspace: str, rotate: bool = False, register: bool = True) -> dict[str, Any]:
    """The CLI's `webhooks url`: make (or rotate) the secret URL and register it with the workspace's
    EmailBison. The result carries the full URL: show it once."""
    from outsignal_pipelines.operations.emailbison_export import workspace_client

    made = make_webhook_url(workspace, rotate=rotate)
    made["registered"] = None
    if register and settings.webhook_public_url() is None:
        made["registration_error"] = ("OUTSIGNAL_WEBHOOK_URL is not set, so this URL is this machine's own address and "
                                      "was not registered; set it to the address EmailBison can reach, then --rotate")
    elif register:
        try:
            with workspace_client(workspace) as client:
                made["registered"] = register_webhook(client, workspace, made["url"])
        except OperationError as exc:
            made["registration_error"] = str(exc)
    return made


def ensure_registered_at_deploy(client: EmailBisonClient, workspace: str) -> dict[str, Any] | None:
    """At deploy time, when OUTSIGNAL_WEBHOOK_URL says where EmailBison can reach us: a workspace with
    no webhook URL yet gets one, registered with its EmailBison; one whose EmailBison has lost ours gets
    a rotated one (the old secret could not be registered again). Otherwise nothing changes."""
    if settings.webhook_public_url() is None:
        return None
    status = webhook_status(workspace)
    if status["configured"]:
        try:
            if any(w.get("name") == webhook_name(workspace) for w in client.webhooks()):
                return {"action": "kept", "hint": status["hint"]}
        except EmailBisonError as exc:
            raise OperationError(f"could not read EmailBison's webhooks: {exc}") from exc
    made = make_webhook_url(workspace, rotate=status["configured"])
    return {**register_webhook(client, workspace, made["url"]), "hint": made["hint"]}

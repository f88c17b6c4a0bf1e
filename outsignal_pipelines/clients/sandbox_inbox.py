"""Reads the sandbox's own inbox endpoint (what its SMTP and Slack sinks received). A client like any
vendor's: HTTP only, one exception type, timeouts on."""

from __future__ import annotations

from typing import Any

import httpx


class SandboxInboxError(RuntimeError):
    """The sandbox did not answer, or answered something that is not its inbox."""


def fetch_inbox(base_url: str, timeout: float = 5.0, transport: httpx.BaseTransport | None = None) -> dict[str, list[dict[str, Any]]]:
    try:
        with httpx.Client(timeout=timeout, trust_env=False, transport=transport) as client:
            response = client.get(f"{base_url.rstrip('/')}/_sandbox/inbox")
            response.raise_for_status()
            received = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SandboxInboxError(f"The sandbox did not answer: {exc}") from exc
    if not isinstance(received, dict):
        raise SandboxInboxError("The sandbox answered something that is not its inbox")
    return {"emails": list(received.get("emails") or []), "slack": list(received.get("slack") or [])}

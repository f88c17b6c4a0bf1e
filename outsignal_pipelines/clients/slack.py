"""Slack incoming webhooks: post one Block Kit message to a webhook URL.

The caller chooses the URL (a workspace's own hook, or the product's); this module knows no database
and reads no settings. A webhook URL is a secret, so it never appears in an error message.
"""

from __future__ import annotations

from typing import Any

import httpx

DEFAULT_TIMEOUT = 10.0


class SlackError(RuntimeError):
    """Slack did not take the message. `status` is the HTTP status when Slack answered at all."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def message_body(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The webhook body. `text` is always sent: Slack uses it for notifications and as the fallback."""
    return {"text": text, "blocks": blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def post_message(url: str, text: str, blocks: list[dict[str, Any]] | None = None, *,
                 timeout: float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None) -> None:
    """Post one message; raises SlackError unless Slack answers 2xx. `transport` is the test seam."""
    if not url:
        raise SlackError("no Slack webhook URL")
    if not text:
        raise SlackError("a Slack message needs text")
    with httpx.Client(timeout=httpx.Timeout(timeout), transport=transport, trust_env=False,
                      headers={"User-Agent": "outsignal-lead-engine/0.1"}) as http:
        try:
            response = http.post(url, json=message_body(text, blocks))
        except httpx.TimeoutException as exc:
            raise SlackError(f"Slack did not answer within {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise SlackError(f"Slack unreachable: {exc.__class__.__name__}") from exc
    if not 200 <= response.status_code < 300:
        # Slack names the problem in a short plain-text body: invalid_payload, no_service, ...
        detail = response.text.strip()[:200]
        raise SlackError(f"Slack answered {response.status_code}" + (f": {detail}" if detail else ""),
                         response.status_code)

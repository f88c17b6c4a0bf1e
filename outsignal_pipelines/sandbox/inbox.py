"""The sandbox inbox: an SMTP sink (aiosmtpd) and a Slack incoming-webhook sink, so a demo user can
read what the product sent — and click the magic link — without a mail server or Slack."""

from __future__ import annotations

import email
import threading
import time
from email import policy

from aiosmtpd.controller import Controller
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

INBOX: dict[str, list[dict]] = {"emails": [], "slack": []}
_lock = threading.Lock()


class _Handler:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        with _lock:
            INBOX["emails"].append({"received_at": time.time(), "from": envelope.mail_from, "to": envelope.rcpt_tos,
                                    "subject": str(message["subject"]), "text": body.get_content() if body else ""})
        return "250 Message accepted for delivery"


def start_smtp(host: str = "127.0.0.1", port: int = 8025) -> Controller:
    controller = Controller(_Handler(), hostname=host, port=port)
    controller.start()
    return controller


async def slack_webhook(request: Request):
    try:
        body = await request.json()
    except Exception:  # noqa: BLE001
        return PlainTextResponse("invalid_payload", status_code=400)
    if not isinstance(body, dict) or not body.get("text"):
        return PlainTextResponse("no_text", status_code=400)
    with _lock:
        INBOX["slack"].append({"received_at": time.time(), "text": body["text"], "blocks": body.get("blocks")})
    return PlainTextResponse("ok")


async def inbox(request: Request):
    with _lock:
        return JSONResponse({"emails": list(INBOX["emails"]), "slack": list(INBOX["slack"])})


def reset() -> None:
    with _lock:
        INBOX["emails"].clear()
        INBOX["slack"].clear()


def routes() -> list[Route]:
    return [Route("/slack/webhook", slack_webhook, methods=["POST"]), Route("/_sandbox/inbox", inbox)]

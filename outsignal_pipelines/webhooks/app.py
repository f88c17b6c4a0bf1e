"""The EmailBison webhook endpoint: `POST /emailbison/webhook/{secret}` on its own port
(OUTSIGNAL_WEBHOOK_PORT, started by `outsignal demo` and `outsignal serve`).

A face: it reads the request and returns what operations/webhook_intake decides (200 stored or not,
404 unknown secret, 429 too many unknown secrets, 422 unreadable body). Nothing else lives here; no
traceback ever reaches the caller (a failure is a plain 500 and is logged without the secret).
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from outsignal_pipelines.operations.webhook_intake import MAX_BODY_BYTES, receive

log = logging.getLogger(__name__)


async def webhook(request: Request) -> Response:
    import anyio

    secret = request.path_params["secret"]
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            break
    address = request.client.host if request.client else None
    try:
        # The store work is blocking: run it off the event loop so slow disks never stall other requests.
        answer = await anyio.to_thread.run_sync(receive, secret, raw, address)
    except Exception:  # noqa: BLE001 - logged (without the secret), answered plainly
        log.exception("webhook request failed")
        return JSONResponse({"message": "The event could not be stored right now; please retry."}, status_code=500)
    return JSONResponse(answer.body, status_code=answer.status)


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app() -> Starlette:
    return Starlette(routes=[
        Route("/emailbison/webhook/{secret}", webhook, methods=["POST"]),
        Route("/health", health),
    ])


def run(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(), host=host, port=port, log_level="warning")

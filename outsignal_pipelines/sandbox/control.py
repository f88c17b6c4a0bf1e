"""The sandbox's own endpoints: what would have been paid (/_sandbox/usage), what was paid more than
once (/_sandbox/calls), when each call arrived (/_sandbox/timeline), per-vendor behaviour
(/_sandbox/config), a reset and a health check."""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import emailbison, inbox
from outsignal_pipelines.sandbox.state import INTERNAL_FIELDS, STATE, VendorState, read_json


async def usage(request: Request) -> Response:
    return JSONResponse(STATE.usage())


async def calls(request: Request) -> Response:
    """Billable calls per question: a count above 1 means somebody paid twice for one answer."""
    return JSONResponse({"paid_requests": dict(STATE.request_counts), "calls": len(STATE.call_log)})


async def config(request: Request) -> Response:
    if request.method == "POST":
        body = await read_json(request)
        for vendor, settings in body.items():
            if vendor not in STATE.vendors or not isinstance(settings, dict):
                return JSONResponse({"error": f"unknown vendor {vendor!r}"}, status_code=400)
            state = STATE.vendors[vendor]
            for key, value in settings.items():
                if key not in VendorState.__dataclass_fields__ or key in INTERNAL_FIELDS:
                    return JSONResponse({"error": f"unknown setting {key!r}"}, status_code=400)
                setattr(state, key, list(value) if key == "fail_next" else value)
                if key in ("rate_per_second", "burst"):
                    state.tokens = -1.0
    return JSONResponse({name: {k: v for k, v in asdict(s).items() if k not in ("tokens", "last_refill", "call_times")}
                         for name, s in STATE.vendors.items()})


async def timeline(request: Request) -> Response:
    """When each vendor's calls arrived (epoch seconds, 429s included): what a rate is measured from."""
    return JSONResponse({name: s.call_times for name, s in STATE.vendors.items()})


async def reset(request: Request) -> Response:
    STATE.reset()
    emailbison.STATE.reset()
    inbox.reset()
    return JSONResponse({"reset": True})


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def routes() -> list[Route]:
    return [
        Route("/_sandbox/health", health),
        Route("/_sandbox/usage", usage),
        Route("/_sandbox/calls", calls),
        Route("/_sandbox/timeline", timeline),
        Route("/_sandbox/config", config, methods=["GET", "POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
    ]

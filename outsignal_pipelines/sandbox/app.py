"""The sandbox vendor APIs: one Starlette app on loopback that answers each vendor's documented paths
and shapes (under /<vendor>/...), so the demo and the tests run the real clients without spending a
credit. Per vendor it simulates latency, hit rate, a rate limit (429 with the vendor's headers),
injected failures and a credit balance; `GET /_sandbox/usage` tells what would have been paid.

This module only assembles: the vendors come from clients.registry (each entry names its sandbox
module), shared behaviour lives in sandbox.state, the control endpoints in sandbox.control
(GET /_sandbox/usage, GET /_sandbox/calls, GET|POST /_sandbox/config, POST /_sandbox/reset).
EmailBison lives under /emailbison/api/... (see sandbox.emailbison), with GET /emailbison/_state; what
happens after the send (clock, webhooks, stats) in sandbox.emailbison_events.
"""

from __future__ import annotations

import importlib

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from outsignal_pipelines.clients import registry
from outsignal_pipelines.sandbox import control, emailbison, emailbison_events, inbox


def vendor_routes() -> list[BaseRoute]:
    """Every registered vendor's fake API, mounted where the clients look for it: /<vendor>/..."""
    routes: list[BaseRoute] = []
    for spec in registry.VENDORS.values():
        routes += importlib.import_module(spec.sandbox_module).routes(f"/{spec.name}")
    return routes


def create_app() -> Starlette:
    return Starlette(routes=[*control.routes(), *vendor_routes(), *emailbison.routes("/emailbison"),
                               *emailbison_events.routes("/emailbison"), *inbox.routes()])


app = create_app()


def run(host: str = "127.0.0.1", port: int = 8765, smtp_port: int | None = None) -> None:
    import uvicorn

    controller = inbox.start_smtp(host, smtp_port) if smtp_port else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if controller is not None:
            controller.stop()

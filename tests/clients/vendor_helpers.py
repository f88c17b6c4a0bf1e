"""What the vendor client tests share: a person to ask about and an httpx MockTransport seam."""

from __future__ import annotations

import asyncio

import httpx

from outsignal_pipelines.clients.base import PersonInput

JANE = PersonInput("Jane", "Doe", "Acme", "acme.io", "https://www.linkedin.com/in/janedoe")
NO_LINKEDIN = PersonInput("Jane", "Doe", "Acme", "acme.io", None)


def make(cls, handler, **kwargs):
    return cls(key="k-test", url="https://vendor.test", transport=httpx.MockTransport(handler), **kwargs)


def run(coro):
    return asyncio.run(coro)


def answer(status: int, body=None, headers=None, text: str | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=body, headers=headers)
    return handler


def timeout_handler(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)

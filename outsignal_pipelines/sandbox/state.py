"""What every fake vendor shares: its settings (changed through /_sandbox/config), a credit balance, a
token bucket, injected failures and the log of paid questions that tells whether anything was paid
twice. Each vendor module registers a FakeVendor saying how that vendor words "bad key" and "slow
down"; the gate answers in those words.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from outsignal_pipelines.sandbox import world


@dataclass
class VendorState:
    latency_ms: float = 0.0
    hit_rate: float = 0.6
    rate_per_second: float = 0.0        # 0 = unlimited
    burst: float = 0.0                   # bucket size; defaults to the rate
    credits: float = 1_000_000.0
    error_rate: float = 0.0              # share of calls answered 500
    garbage_rate: float = 0.0            # share answered with a body that is not JSON
    timeout_rate: float = 0.0            # share that hang for `hang_seconds`
    hang_seconds: float = 30.0
    fail_next: list[int] = field(default_factory=list)  # status codes to answer next, in order ('0' = garbage)
    calls: int = 0
    billed_credits: float = 0.0
    tokens: float = -1.0
    last_refill: float = 0.0
    call_times: list[float] = field(default_factory=list)  # when each call arrived (time.time())
    rate_limited: int = 0                # calls answered 429 by the vendor's own limit


# Counters and bucket internals: reported or reset, never set through /_sandbox/config.
INTERNAL_FIELDS = ("calls", "billed_credits", "tokens", "last_refill", "call_times", "rate_limited")


def _no_headers(seconds: float) -> dict[str, str]:
    return {}


@dataclass(frozen=True, eq=False)
class FakeVendor:
    name: str
    api_key: Callable[[Request], str | None]               # where this vendor reads the key from
    auth_status: int = 401
    auth_body: dict = field(default_factory=lambda: {"error": "Unauthorized"})
    rate_body: dict = field(default_factory=lambda: {"error": "rate limited"})
    rate_headers: Callable[[float], dict[str, str]] = _no_headers  # seconds until a slot → headers
    defaults: dict[str, Any] = field(default_factory=dict)  # VendorState overrides after a reset

    def fresh_state(self) -> VendorState:
        return VendorState(**self.defaults)


FAKES: dict[str, FakeVendor] = {}


class SandboxState:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.vendors: dict[str, VendorState] = {name: fake.fresh_state() for name, fake in FAKES.items()}
        self.call_log: list[dict] = []
        self.request_counts: dict[str, int] = defaultdict(int)
        self.sequence = 0
        self.lock = asyncio.Lock()

    def usage(self) -> dict[str, dict[str, float]]:
        return {name: {"calls": v.calls, "credits": round(v.billed_credits, 4), "rate_limited": v.rate_limited}
                for name, v in self.vendors.items()}


STATE = SandboxState()


def register(fake: FakeVendor) -> FakeVendor:
    """Called once by each vendor module on import."""
    FAKES[fake.name] = fake
    STATE.vendors.setdefault(fake.name, fake.fresh_state())
    return fake


def _rate_limited(v: VendorState) -> float | None:
    """Token bucket; returns seconds until a token is available, or None when one was taken."""
    if v.rate_per_second <= 0:
        return None
    now = time.monotonic()
    capacity = v.burst or v.rate_per_second
    if v.tokens < 0:
        v.tokens, v.last_refill = capacity, now
    v.tokens = min(capacity, v.tokens + (now - v.last_refill) * v.rate_per_second)
    v.last_refill = now
    if v.tokens >= 1:
        v.tokens -= 1
        return None
    return (1 - v.tokens) / v.rate_per_second


def _auth_ok(fake: FakeVendor, request: Request) -> bool:
    key = fake.api_key(request)
    return bool(key) and key != "invalid-key"


async def gate(fake: FakeVendor, request: Request) -> Response | None:
    """Everything that happens before a vendor looks at the question: latency, auth, rate limit,
    injected failures. None means the question goes through."""
    v = STATE.vendors[fake.name]
    async with STATE.lock:
        v.calls += 1
        v.call_times.append(time.time())
        STATE.sequence += 1
        wait = _rate_limited(v)
        v.rate_limited += wait is not None
        injected = v.fail_next.pop(0) if v.fail_next else None
    if v.latency_ms:
        await asyncio.sleep(v.latency_ms / 1000)
    if not _auth_ok(fake, request):
        return JSONResponse(fake.auth_body, status_code=fake.auth_status)
    if wait is not None:
        return JSONResponse(fake.rate_body, status_code=429, headers=fake.rate_headers(wait))
    chance = world.roll("inject", fake.name, STATE.sequence)
    if injected is None:
        if chance < v.timeout_rate:
            await asyncio.sleep(v.hang_seconds)
        elif chance < v.timeout_rate + v.error_rate:
            injected = 500
        elif chance < v.timeout_rate + v.error_rate + v.garbage_rate:
            injected = 0
    if injected == 0:
        return PlainTextResponse("<html><body>502 Bad Gateway</body></html>", status_code=200)
    if injected is not None:
        if injected == 429:
            return JSONResponse(fake.rate_body, status_code=429, headers=fake.rate_headers(0.05))
        return JSONResponse({"error": "injected failure"}, status_code=injected)
    return None


async def bill(vendor: str, credits: float, key: str) -> bool:
    """Take credits; False when the balance cannot cover them (the caller answers out-of-credits)."""
    v = STATE.vendors[vendor]
    async with STATE.lock:
        if credits and v.credits < credits:
            return False
        v.credits -= credits
        v.billed_credits += credits
        if credits:
            STATE.request_counts[f"{vendor}:{key}"] += 1
        STATE.call_log.append({"vendor": vendor, "key": key, "credits": credits})
    return True


async def read_json(request: Request) -> dict:
    try:
        body = await request.json()
    except Exception:  # noqa: BLE001 - any unreadable body is a 400 at every vendor
        return {}
    return body if isinstance(body, dict) else {}

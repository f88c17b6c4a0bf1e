"""Vendor rate limits across processes: with the production profile's Redis, two processes calling one
vendor at once together never exceed its limit (each used to have the whole limit to itself)."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os

import pytest

from tests.orchestration.local_servers import redis

RATE = 20.0
SECONDS = 2.0


def _caller(url: str, ready, go, out) -> None:
    import time

    os.environ["OUTSIGNAL_REDIS_URL"] = url
    from outsignal_pipelines.operations.enrichment.rate_limits import VendorLimits

    ready.put(True)
    go.wait(60)  # both processes start calling together, however long their imports took
    start_at = time.time()

    async def main() -> list[float]:
        limits = VendorLimits()
        limit = limits.limit("prospeo", RATE)
        stamps = []

        async def one() -> None:
            while time.time() < start_at + SECONDS:
                await limit.acquire()
                stamps.append(time.time())

        await asyncio.gather(*(one() for _ in range(8)))  # eight calls in flight, like a waterfall
        await limits.aclose()
        return stamps

    out.put(asyncio.run(main()))


def _most_in_any_window(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    best, j = 0, 0
    for i, t in enumerate(stamps):
        while stamps[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.mark.slow
def test_two_processes_together_stay_within_the_vendors_rate_limit():
    import time

    with redis() as url:
        ctx = mp.get_context("spawn")
        out, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        procs = [ctx.Process(target=_caller, args=(url, ready, go, out)) for _ in range(2)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=60)
        go.set()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(30)
    both = results[0] + results[1]
    assert results[0] and results[1], "each process made calls"
    # Spaced 1/rate apart across both processes: any one second holds at most rate + 1 calls ...
    assert _most_in_any_window(both, 1.0) <= RATE + 1
    # ... and together they still used the limit (not each a half of it by luck).
    span = max(both) - min(both)
    assert (len(both) - 1) / span >= 0.9 * RATE


def test_without_redis_the_limit_is_the_processes_own_bucket(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_REDIS_URL", raising=False)
    from outsignal_pipelines.operations.enrichment.rate_limits import TokenBucket, VendorLimits

    limits = VendorLimits()
    assert not limits.shared and isinstance(limits.limit("prospeo", 5.0), TokenBucket)

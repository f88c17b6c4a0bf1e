"""A vendor's rate limit shared by every process and machine that reaches one Redis server.

Each call reserves the vendor's next free slot in one atomic Redis script (the server's clock, so
machines need not agree on time): slots are exactly 1/rate apart, the caller sleeps until its slot,
and no burst is ever allowed, so over any window of W seconds at most rate·W + 1 calls go out,
however many runs, workers and machines ask at once. A reservation whose caller then gives up (or
wakes too late to use it) is simply an unused slot: under the limit, never over it.

Measured on the build machine (2026-11-26, busy): one reservation through Redis took 0.23 ms; the same
reservation as a one-row UPDATE in a store transaction took 110 ms (a turn at the DuckDB file, opened
and handed over each time), with no other process asking. At a few vendor calls a second per vendor
the store would spend most of its turns on rate limiting, so the limit lives in Redis; the demo, which
runs one enrichment step at a time, keeps its bucket in the process (operations/enrichment/rate_limits.py).
"""

from __future__ import annotations

import asyncio
import time

RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', math.floor(interval / 1000) + 60000)
return slot - now
"""
KEY_PREFIX = "outsignal:rate:"


class SharedRateLimits:
    """One Redis connection for a run's vendors; `limit(vendor, rate)` gives each vendor's limiter."""

    def __init__(self, url: str):
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)
        self._reserve = self._redis.register_script(RESERVE)

    def limit(self, vendor: str, rate: float) -> SharedRateLimit:
        return SharedRateLimit(self, vendor, rate)

    async def reserve(self, vendor: str, interval_us: int) -> float:
        """Seconds until this caller's slot."""
        wait_us = await self._reserve(keys=[KEY_PREFIX + vendor], args=[interval_us])
        return max(0, int(wait_us)) / 1_000_000

    async def aclose(self) -> None:
        await self._redis.aclose()


class SharedRateLimit:
    """`await acquire()` before each call to the vendor: returns at this caller's slot."""

    def __init__(self, limits: SharedRateLimits, vendor: str, rate: float):
        self.vendor = vendor
        self.rate = max(rate, 0.01)
        self._limits = limits
        self._interval_us = max(1, round(1_000_000 / self.rate))

    async def acquire(self) -> None:
        """Return at this caller's slot. A caller that wakes later than its slot's own interval (its
        process was starved of CPU) gives the slot up and reserves another, so a stalled process never
        sends a burst of the slots it slept through."""
        interval = self._interval_us / 1_000_000
        while True:
            wait = await self._limits.reserve(self.vendor, self._interval_us)
            slot = time.monotonic() + wait
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() < slot + interval:
                return

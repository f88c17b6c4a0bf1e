"""Each vendor's rate limit, for every call the waterfall makes.

Demo profile (no Redis): a token bucket in the process. The demo runs one enrichment step at a time
(the `enrichment` pool, limit 1), so one process calls a vendor at any moment and its bucket is the
vendor's. Production profile (OUTSIGNAL_REDIS_URL): one limit per vendor shared by every process on
every machine (clients.shared_rate_limit), because runs of many lists call the same vendor at once
from different workers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from outsignal_pipelines import settings


class Limit(Protocol):
    async def acquire(self) -> None: ...


class TokenBucket:
    """At most `rate` requests per second per vendor in this process, with a burst of one second's worth."""

    def __init__(self, rate: float):
        self.rate = max(rate, 0.01)
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class VendorLimits:
    """The limits of one waterfall's vendors: shared through Redis when configured, else per process."""

    def __init__(self) -> None:
        url = settings.redis_url()
        self._shared = None
        if url:
            from outsignal_pipelines.clients.shared_rate_limit import SharedRateLimits

            self._shared = SharedRateLimits(url)

    @property
    def shared(self) -> bool:
        return self._shared is not None

    def limit(self, vendor: str, rate: float) -> Limit:
        return self._shared.limit(vendor, rate) if self._shared is not None else TokenBucket(rate)

    async def aclose(self) -> None:
        if self._shared is not None:
            await self._shared.aclose()

"""Claim before you pay: one paid question (entity + provider + request) is asked by one run at a time,
across runs, processes and machines sharing the store.

Why a claim table and not the ledger alone: the ledger only knows answers that have landed, so two runs
that start together both see "not asked yet" and both pay. A claim is a row keyed by the question in
`paid_call_claims`, inserted with `ON CONFLICT DO NOTHING RETURNING` in one short transaction (never a
read followed by a separate write). The run whose row went in asks; a run that meets someone else's
claim waits for that answer in the ledger and reuses it (`reused_in_flight`). A claim whose holder died
stops counting once its lease ran out and is then taken over (conditional DELETE + INSERT, in the same
transaction).

The same transaction holds the daily cap: each claim carries its call's reserved cost, and a claim is
only inserted while today's logged spend plus every live reservation of the workspace plus this call
stays within the cap. DuckDB lets one process hold the file at a time, so these transactions are
serialised across processes; within a process one task runs them, in batches: every question that
arrives while a transaction runs rides along with the next, so claims cost one short transaction per
batch, not one per call, and the waterfall is never serialised behind them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from outsignal_pipelines import settings
from outsignal_pipelines.clients.base import ProviderResult
from outsignal_pipelines.operations.enrichment.ledger import WRITE_LOCK, gate_key, result_from_log
from outsignal_pipelines.store import transaction

# One HTTP call with a 10 s timeout (and its few retries) ends well inside this, so a live holder
# never needs to renew; a dead holder's questions are free again this long after it claimed them.
# OUTSIGNAL_CLAIM_LEASE_SECONDS (settings.claim_lease_seconds) sets it for every process of a deployment.
CLAIM_LEASE_SECONDS: float | None = None
# How often a run re-checks questions another run holds: first soon, then backing off to the maximum.
WAIT_POLL_FIRST_SECONDS = 0.05
WAIT_POLL_MAX_SECONDS = 0.5

CLAIMED, ANSWERED, CAPPED = "claimed", "answered", "capped"

_KEY_SCHEMA = {"entity_type": pl.String, "entity_id": pl.Int64, "provider": pl.String, "request_key": pl.String}
_JOIN = ("c.entity_type = b.entity_type AND c.entity_id = b.entity_id AND c.provider = b.provider "
         "AND c.request_key = b.request_key")


def holder_name(run_id: str) -> str:
    """host:pid:run, so a claim in the table says who holds it."""
    return f"{socket.gethostname()}:{os.getpid()}:{run_id}"


@dataclass
class _Ask:
    key: tuple
    estimate: float
    futures: list[asyncio.Future] = field(default_factory=list)
    next_poll: float = 0.0
    delay: float = WAIT_POLL_FIRST_SECONDS


class ClaimBook:
    """A run's claims. `claim(key, estimate)` returns (CLAIMED, None): ask and log the answer (the
    ledger row deletes the claim); (ANSWERED, result): another run answered, reuse it; (CAPPED, None):
    the daily cap leaves no room for this call. Use inside a running event loop."""

    def __init__(self, workspace: str, holder: str, cap_usd: float, *, since: datetime | None = None,
                 lease_seconds: float | None = None):
        self.workspace = workspace
        self.holder = holder
        self.cap_usd = cap_usd
        self.since = since            # only ledger answers newer than this count (a forced refresh)
        self.lease_seconds = lease_seconds if lease_seconds is not None else (
            CLAIM_LEASE_SECONDS if CLAIM_LEASE_SECONDS is not None else settings.claim_lease_seconds())
        self.transactions = 0
        self._new: dict[tuple, _Ask] = {}
        self._waiting: dict[tuple, _Ask] = {}
        self._wake = asyncio.Event()
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def claim(self, key: tuple, estimate: float) -> tuple[str, ProviderResult | None]:
        future = asyncio.get_running_loop().create_future()
        ask = self._new.get(key) or self._waiting.get(key)
        if ask is None:
            ask = self._new[key] = _Ask(key, estimate)
        ask.futures.append(future)
        self._wake.set()
        return await future

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        await self._task

    async def _run(self) -> None:
        while True:
            now = time.monotonic()
            due = [a for a in self._waiting.values() if a.next_poll <= now]
            if self._new or due:
                batch = list(self._new.values()) + due
                self._new = {}
                for ask in due:
                    del self._waiting[ask.key]
                try:
                    decided = await asyncio.to_thread(self._decide, [(a.key, a.estimate) for a in batch])
                except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                    for ask in batch:
                        for future in ask.futures:
                            if not future.done():
                                future.set_exception(exc)
                    if isinstance(exc, Exception):
                        continue
                    raise
                self.transactions += 1
                now = time.monotonic()
                for ask in batch:
                    outcome = decided.get(ask.key)
                    if outcome is None:          # held by a live claim of another run: wait, then look again
                        ask.next_poll = now + ask.delay
                        ask.delay = min(WAIT_POLL_MAX_SECONDS, ask.delay * 2)
                        self._waiting[ask.key] = ask
                        continue
                    for future in ask.futures:
                        if not future.done():
                            future.set_result(outcome)
                continue
            if self._closed and not self._waiting:
                return
            self._wake.clear()
            timeout = (min(a.next_poll for a in self._waiting.values()) - time.monotonic()) if self._waiting else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=None if timeout is None else max(0.0, timeout))
            except asyncio.TimeoutError:
                pass

    def _decide(self, asks: list[tuple[tuple, float]]) -> dict[tuple, tuple[str, ProviderResult | None]]:
        """One transaction for a batch: free expired claims, reuse answers that landed, leave questions
        held by live claims undecided (None), and claim the rest while the cap allows."""
        batch_df = pl.DataFrame([dict(zip(_KEY_SCHEMA, k)) for k, _ in asks], schema=_KEY_SCHEMA)  # noqa: F841
        decided: dict[tuple, tuple[str, ProviderResult | None]] = {}
        with WRITE_LOCK, transaction() as con:
            con.execute(f"DELETE FROM paid_call_claims c USING batch_df b WHERE {_JOIN} "
                        "AND c.lease_expires_at < current_timestamp::TIMESTAMP")
            since = "AND c.created_at >= ?" if self.since is not None else ""
            rows = con.execute(
                f"""SELECT c.entity_type, c.entity_id, c.provider, c.request_key, c.outcome, c.fields_written,
                           c.raw_response
                    FROM enrichment_log c JOIN batch_df b ON {_JOIN}
                    WHERE c.outcome IN ('found', 'not_found') {since}
                    QUALIFY row_number() OVER (PARTITION BY c.entity_type, c.entity_id, c.provider, c.request_key
                                               ORDER BY c.created_at DESC, c.id DESC) = 1""",
                [self.since] if self.since is not None else []).fetchall()
            for etype, eid, provider, rkey, outcome, fields_json, raw_json in rows:
                decided[gate_key(etype, eid, provider, rkey)] = (ANSWERED, result_from_log(provider, outcome,
                                                                                          fields_json, raw_json))
            held = {gate_key(*r) for r in con.execute(
                f"SELECT c.entity_type, c.entity_id, c.provider, c.request_key FROM paid_call_claims c "
                f"JOIN batch_df b ON {_JOIN}").fetchall()}
            free = [(k, est) for k, est in asks if k not in decided and k not in held]
            if not free:
                return decided
            committed = con.execute(
                """SELECT coalesce((SELECT sum(cost_usd) FROM enrichment_log
                                    WHERE workspace_slug = ? AND created_at >= current_date), 0)
                        + coalesce((SELECT sum(reserved_usd) FROM paid_call_claims WHERE workspace_slug = ?
                                    AND lease_expires_at >= current_timestamp::TIMESTAMP), 0)""",
                [self.workspace, self.workspace]).fetchone()[0]
            room = self.cap_usd - float(committed)
            rows_to_claim = []
            for k, est in free:
                if est > room + 1e-9:
                    decided[k] = (CAPPED, None)
                    continue
                room -= est
                rows_to_claim.append({**dict(zip(_KEY_SCHEMA, k)), "reserved_usd": est})
            if rows_to_claim:
                claim_df = pl.DataFrame(rows_to_claim, schema={**_KEY_SCHEMA,  # noqa: F841 - read by DuckDB
                                                                "reserved_usd": pl.Float64})
                won = con.execute(
                    """INSERT INTO paid_call_claims (entity_type, entity_id, provider, request_key, holder,
                                                     workspace_slug, reserved_usd, lease_expires_at)
                       SELECT entity_type, entity_id, provider, request_key, ?, ?, reserved_usd,
                              current_timestamp::TIMESTAMP + to_seconds(?::DOUBLE) FROM claim_df
                       ON CONFLICT DO NOTHING
                       RETURNING entity_type, entity_id, provider, request_key""",
                    [self.holder, self.workspace, self.lease_seconds]).fetchall()
                for row in won:
                    decided[gate_key(*row)] = (CLAIMED, None)
        return decided

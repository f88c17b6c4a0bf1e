"""The never-pay-twice ledger over `enrichment_log`.

Every provider answer is appended (found, not_found, error) before anything is merged from it. The
dedup gate reads the log: an entity + provider + request that already has an answer (a miss counts)
is not asked again; the logged answer is reused instead, so a run killed after paying but before
merging merges on the next run without paying. Errors never block a later attempt.

Writes are grouped: callers await `log()`, which returns once their row is committed, while rows
arriving during a commit ride along with the next one (one short DuckDB transaction per group, no
connection held across network calls).
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import polars as pl

from outsignal_pipelines.clients.base import ProviderResult
from outsignal_pipelines.operations.search_index import refresh_search_index
from outsignal_pipelines.store import connect, transaction

ANSWERED = ("found", "not_found")

# The waterfall's store writes in one process (ledger groups and claim batches) take turns: across
# processes DuckDB's file lock already serialises them, and in one process two concurrent transactions
# touching paid_call_claims could fail on a write-write conflict instead of waiting.
WRITE_LOCK = threading.Lock()

PERSON_MERGE_COLUMNS = ("email", "first_name", "last_name", "job_title", "seniority", "linkedin_url", "phone",
                        "company_name", "company_domain", "location", "country", "vertical")
COMPANY_MERGE_COLUMNS = ("name", "industry", "headcount", "location", "country", "website", "linkedin_url",
                         "description", "year_founded", "crawl_markdown")


@dataclass
class LogEntry:
    entity_type: str
    entity_id: int
    provider: str
    request_key: str
    outcome: str
    result: ProviderResult | None = None
    cost_usd: float = 0.0
    error: str | None = None
    workspace_slug: str | None = None
    run_id: str | None = None
    claim_holder: str | None = None   # the claim this answer settles; deleted in the same transaction


@dataclass
class Merge:
    """Fill-empty updates for one row, plus verification fields that always overwrite."""

    entity_type: str
    entity_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    email_status: str | None = None
    status_for_email: str | None = None   # the address the status belongs to; applied only if it is stored
    verified: bool = False
    crawled: bool = False


def gate_key(entity_type: str, entity_id: int, provider: str, request_key: str) -> tuple:
    return (entity_type, int(entity_id), provider, request_key)


def load_answers(entity_type: str, entity_ids: list[int]) -> dict[tuple, ProviderResult]:
    """Every answered call for these entities, newest answer per request, as ProviderResults."""
    if not entity_ids:
        return {}
    ids = pl.DataFrame({"entity_id": entity_ids}, schema={"entity_id": pl.Int64})  # noqa: F841 - read by DuckDB
    with connect() as con:
        rows = con.execute(
            """SELECT entity_type, entity_id, provider, request_key, outcome, fields_written, raw_response
               FROM enrichment_log
               WHERE entity_type = ? AND outcome IN ('found', 'not_found')
                 AND entity_id IN (SELECT entity_id FROM ids)
               QUALIFY row_number() OVER (PARTITION BY entity_type, entity_id, provider, request_key
                                          ORDER BY created_at DESC, id DESC) = 1""",
            [entity_type],
        ).fetchall()
    return {gate_key(etype, eid, provider, key): result_from_log(provider, outcome, fields_json, raw_json)
            for etype, eid, provider, key, outcome, fields_json, raw_json in rows}


def result_from_log(provider: str, outcome: str, fields_json: str | None, raw_json: str | None) -> ProviderResult:
    """A logged answer as the ProviderResult it was; reusing it costs nothing."""
    stored = json.loads(fields_json) if fields_json else {}
    return ProviderResult(provider=provider, outcome=outcome, fields=stored.get("fields", {}),
                          email_status=stored.get("email_status"), credits=0.0,
                          raw=json.loads(raw_json) if raw_json else None)


def spent_today(workspace: str | None) -> float:
    with connect() as con:
        if workspace is None:
            row = con.execute("SELECT coalesce(sum(cost_usd), 0) FROM enrichment_log "
                              "WHERE created_at >= current_date").fetchall()
        else:
            row = con.execute("SELECT coalesce(sum(cost_usd), 0) FROM enrichment_log "
                              "WHERE workspace_slug = ? AND created_at >= current_date", [workspace]).fetchall()
    return float(row[0][0])


class LedgerWriter:
    """Group-committing writer for log rows and merges. Use inside a running event loop."""

    def __init__(self) -> None:
        self._logs: list[tuple[LogEntry, asyncio.Future]] = []
        self._merges: list[Merge] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.commits = 0

    async def log(self, entry: LogEntry) -> None:
        """Returns once the row is committed; raises if the commit failed."""
        future = asyncio.get_running_loop().create_future()
        self._logs.append((entry, future))
        self._wake.set()
        await future

    def merge(self, merge: Merge) -> None:
        self._merges.append(merge)
        self._wake.set()

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            logs, self._logs = self._logs, []
            merges, self._merges = self._merges, []
            if logs or merges:
                try:
                    await asyncio.to_thread(_commit, [e for e, _ in logs], merges)
                    self.commits += 1
                except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                    for _, future in logs:
                        if not future.done():
                            future.set_exception(exc)
                    if isinstance(exc, Exception):
                        continue
                    raise
                for _, future in logs:
                    if not future.done():
                        future.set_result(None)
            if self._closed and not self._logs and not self._merges:
                return


def _entry_row(entry: LogEntry) -> dict:
    result = entry.result
    stored = None
    raw = None
    if result is not None:
        stored = json.dumps({"fields": {k: v for k, v in result.fields.items() if k != "crawl_markdown"},
                             "email_status": result.email_status}, default=str)
        raw = json.dumps(result.raw, default=str) if result.raw is not None else None
    return {"entity_type": entry.entity_type, "entity_id": entry.entity_id, "provider": entry.provider,
            "request_key": entry.request_key, "outcome": entry.outcome, "fields_written": stored,
            "cost_usd": entry.cost_usd, "raw_response": raw, "error": entry.error,
            "workspace_slug": entry.workspace_slug, "run_id": entry.run_id}


def _commit(entries: list[LogEntry], merges: list[Merge]) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with WRITE_LOCK, transaction() as con:
        if entries:
            log_df = pl.DataFrame([_entry_row(e) for e in entries], schema={  # noqa: F841 - read by DuckDB
                "entity_type": pl.String, "entity_id": pl.Int64, "provider": pl.String, "request_key": pl.String,
                "outcome": pl.String, "fields_written": pl.String, "cost_usd": pl.Float64,
                "raw_response": pl.String, "error": pl.String, "workspace_slug": pl.String, "run_id": pl.String})
            con.execute(
                """INSERT INTO enrichment_log (entity_type, entity_id, provider, request_key, outcome, fields_written,
                                              cost_usd, raw_response, error, workspace_slug, run_id)
                   SELECT entity_type, entity_id, provider, request_key, outcome, fields_written::JSON,
                          cost_usd, raw_response::JSON, error, workspace_slug, run_id FROM log_df""")
            claimed = [e for e in entries if e.claim_holder]
            if claimed:
                # The answer lands and its claim goes in one transaction: the reservation becomes spend.
                settled_df = pl.DataFrame(  # noqa: F841 - read by DuckDB
                    [{"entity_type": e.entity_type, "entity_id": e.entity_id, "provider": e.provider,
                      "request_key": e.request_key, "holder": e.claim_holder} for e in claimed],
                    schema={"entity_type": pl.String, "entity_id": pl.Int64, "provider": pl.String,
                            "request_key": pl.String, "holder": pl.String})
                con.execute(
                    """DELETE FROM paid_call_claims c USING settled_df s
                       WHERE c.entity_type = s.entity_type AND c.entity_id = s.entity_id AND c.provider = s.provider
                         AND c.request_key = s.request_key AND c.holder = s.holder""")
        for merge in merges:
            _apply_merge(con, merge, now)
        people = [m.entity_id for m in merges if m.entity_type == "person"]
        if people:
            refresh_search_index(con, people)   # same transaction: search never sees a half-written person


def _apply_merge(con, merge: Merge, now: datetime) -> None:
    if merge.entity_type == "person":
        table, columns = "people", PERSON_MERGE_COLUMNS
    else:
        table, columns = "companies", COMPANY_MERGE_COLUMNS
    sets, params = [], []
    for column, value in merge.fields.items():
        if column not in columns or value in (None, ""):
            continue
        if column == "email":
            # The email is unique: fill it only when nobody else already has that address.
            sets.append("email = CASE WHEN email IS NULL AND NOT EXISTS "
                        "(SELECT 1 FROM people other WHERE other.email = ?) THEN ? ELSE email END")
            params += [value, value]
            continue
        sets.append(f"{column} = CASE WHEN {column} IS NULL OR CAST({column} AS VARCHAR) = '' THEN ? ELSE {column} END")
        params.append(value)
    if merge.crawled:
        sets.append("crawled_at = ?")
        params.append(now)
    if sets:
        sets.append("updated_at = ?")
        params.append(now)
        con.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id = ?", [*params, merge.entity_id])
    if merge.email_status is not None and merge.status_for_email:
        # Verification fields always overwrite, but only for the address that was verified.
        con.execute("UPDATE people SET email_status = ?, verified_at = CASE WHEN ? THEN ? ELSE verified_at END, "
                    "updated_at = ? WHERE id = ? AND email = ?",
                    [merge.email_status, merge.verified, now, now, merge.entity_id, merge.status_for_email])

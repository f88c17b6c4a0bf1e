"""Short-lived DuckDB connections that survive other processes holding the file.

DuckDB lets one process hold a database file at a time (even a read-only reader blocks a writer), so
every process opens, does one short unit of work and closes. Opening retries with jittered
exponential backoff for a bounded time, then fails naming the file and the holder.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from outsignal_pipelines import settings


class StoreError(RuntimeError):
    """Base error of the store."""


class StoreLockedError(StoreError):
    """Another process held the DuckDB file for longer than we were willing to wait."""

    def __init__(self, path: Path, waited: float, detail: str):
        holder = re.search(r"held in (.+?\(PID \d+\))", detail)
        who = f" by {holder.group(1)}" if holder else ""
        super().__init__(
            f"The lead store {path} is locked{who}; gave up after waiting {waited:.1f} s. "
            "Another Outsignal process is writing; try again, or raise OUTSIGNAL_DB_LOCK_TIMEOUT."
        )
        self.path = path
        self.waited = waited


def _is_lock_conflict(exc: BaseException) -> bool:
    # Matched on DuckDB's wording, not on "lock" alone: a file path can contain that word.
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) and ("could not set lock" in text or "conflicting lock" in text)


def _open(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    attempt = 0
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.Error as exc:  # noqa: PERF203 - retry loop
            waited = time.monotonic() - start
            if not _is_lock_conflict(exc):
                raise
            if waited >= timeout:
                raise StoreLockedError(path, waited, str(exc)) from exc
            delay = min(0.02 * (2**attempt), 0.5) * (0.5 + random.random())
            time.sleep(min(delay, max(0.0, timeout - waited)))
            attempt += 1


@contextmanager
def connect(path: Path | str | None = None, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed, on success and on error (so no lock outlives it)."""
    db = Path(path) if path is not None else settings.db_path()
    con = _open(db, settings.lock_timeout_seconds() if timeout is None else timeout)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(path: Path | str | None = None, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short all-or-nothing unit of work: commit on success, roll back on any error."""
    with connect(path, timeout) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def query_df(sql: str, params: Sequence[Any] | dict[str, Any] | None = None, path: Path | str | None = None) -> pl.DataFrame:
    """Run one read and return a Polars frame; the connection is closed before returning."""
    with connect(path) as con:
        return con.sql(sql, params=params).pl() if params else con.sql(sql).pl()


def query_rows(sql: str, params: Sequence[Any] | dict[str, Any] | None = None, path: Path | str | None = None) -> list[tuple]:
    with connect(path) as con:
        return con.execute(sql, params or []).fetchall()

"""Short-lived DuckDB connections that survive other processes holding the file.

DuckDB lets one process hold a database file at a time (even a read-only reader blocks a writer), so
every process opens, does one short unit of work and closes. Opening retries with jittered
exponential backoff for a bounded time, then fails naming the file and the holder.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
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


class _Linger:
    """Keeps the process's DuckDB instance (and its caches) alive for a moment after the last query.

    Every connection we hand out is closed after one unit of work, and when the last one closes DuckDB
    tears the database instance down, caches included: the next query pays for a cold start (measured
    ~2x slower on a million people). A long-lived reader like the Streamlit server sets
    OUTSIGNAL_DB_LINGER_SECONDS (e.g. 1) to keep one idle connection for that long after its last
    query. Other processes see the file locked only for that moment, and wait for it like for any
    writer. Off (0) by default: batch processes release the file at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keepers: dict[str, tuple[duckdb.DuckDBPyConnection, threading.Timer]] = {}

    @staticmethod
    def seconds() -> float:
        return settings.db_linger_seconds()

    def touch(self, db: Path, con: duckdb.DuckDBPyConnection) -> None:
        seconds = self.seconds()
        if seconds <= 0:
            return
        key = str(db.resolve())
        with self.lock:
            keeper, timer = self.keepers.pop(key, (None, None))
            if timer is not None:
                timer.cancel()
            if keeper is None:
                # An independent connection (a cursor would close with its parent); opened while `con`
                # is still open, it joins the same in-process instance and takes no new lock.
                keeper = duckdb.connect(str(db))
            timer = threading.Timer(seconds, self.release, args=(key,))
            timer.daemon = True
            self.keepers[key] = (keeper, timer)
            timer.start()

    def release(self, key: str) -> None:
        with self.lock:
            keeper, _ = self.keepers.pop(key, (None, None))
        if keeper is not None:
            keeper.close()


_LINGER = _Linger()

# The store a Dagster resource (or a test) bound for the work below it; unset means settings' default.
_bound_path: ContextVar[Path | None] = ContextVar("outsignal_store_path", default=None)


def current_path() -> Path:
    """The store that a connection opened here and now would use."""
    return _bound_path.get() or settings.db_path()


@contextmanager
def using(path: Path | str) -> Iterator[None]:
    """Every connection opened inside (in this thread or task) goes to `path`."""
    token = _bound_path.set(Path(path))
    try:
        yield
    finally:
        _bound_path.reset(token)


@contextmanager
def connect(path: Path | str | None = None, timeout: float | None = None,
            linger: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed, on success and on error (so no lock outlives it, beyond
    the opt-in linger above). `linger=False` for a poll loop: it must never keep the file held
    between its reads, or the process it waits for could not write."""
    db = Path(path) if path is not None else current_path()
    con = _open(db, settings.lock_timeout_seconds() if timeout is None else timeout)
    try:
        yield con
    finally:
        try:
            if linger:
                _LINGER.touch(db, con)
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

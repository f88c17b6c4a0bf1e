"""DuckDB connections that share one file fairly between processes.

DuckDB lets one process hold a database file at a time (even a read-only reader blocks a writer).
Processes take turns at the file (`turns.py`): inside a turn, every thread shares one warm DuckDB
instance; a process that another one waits for hands the file over as soon as its running queries
finish. A batch process (a run, a sensor, the CLI) hands over after each unit of work; the app server
keeps its turn while idle (OUTSIGNAL_DB_LINGER_SECONDS) because anyone who asks gets it at once.
Opening still retries on lock conflicts with processes that do not take turns, then fails naming the
file and the holder.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from outsignal_pipelines import settings
from outsignal_pipelines.store.snapshots import read_model_for
from outsignal_pipelines.store.turns import TurnTimeout, all_turns, turns_for


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
    """A connection inside this process's turn at the store, always closed, on success and on error.
    `linger=False` for a poll loop: hand the file over as soon as this read is done, so the process it
    waits for never has to ask."""
    db = Path(path) if path is not None else current_path()
    wait = settings.lock_timeout_seconds() if timeout is None else timeout
    turns = turns_for(db, _open)
    try:
        con = turns.enter(wait, settings.db_linger_seconds())
    except TurnTimeout as exc:
        raise StoreLockedError(db, exc.waited, "other Outsignal processes kept their turn") from exc
    try:
        yield con
    finally:
        try:
            con.close()
        finally:
            turns.leave(release_now=not linger)


def release_all() -> None:
    """Hand every store this process holds over now (nothing may be running in it)."""
    for turns in all_turns():
        turns.release()


def wait_stats(path: Path | str | None = None) -> dict[str, float]:
    """How long this process waited for its turns at the store (count, p50/p95/p99/max in ms)."""
    db = Path(path) if path is not None else current_path()
    return turns_for(db, _open).wait_stats()


_local_writes: dict[str, int] = {}


def _count_write(db: Path) -> None:
    key = str(db.resolve())
    _local_writes[key] = _local_writes.get(key, 0) + 1


@contextmanager
def read_connect(path: Path | str | None = None,
                 timeout: float | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, datetime | None]]:
    """(connection, as_of) for a read that may lag the store by a few seconds: in the app server
    (OUTSIGNAL_SEARCH_LAG_SECONDS > 0) a warm read-only copy of the store (`snapshots.py`), with the
    moment it was last known to equal the store; elsewhere the store itself, and None."""
    db = Path(path) if path is not None else current_path()
    wait = settings.lock_timeout_seconds() if timeout is None else timeout
    lag = settings.search_lag_seconds()
    if lag <= 0:
        with connect(db, wait) as con:
            yield con, None
        return
    key = str(db.resolve())
    model = read_model_for(db, _open, lambda: _local_writes.get(key, 0))
    try:
        with model.reading(lag, wait) as con_and_as_of:
            yield con_and_as_of
    except TurnTimeout as exc:  # only the copy's turn raises this; connections inside convert their own
        raise StoreLockedError(db, exc.waited, "other Outsignal processes kept their turn") from exc


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
        _count_write(Path(path) if path is not None else current_path())


def query_df(sql: str, params: Sequence[Any] | dict[str, Any] | None = None, path: Path | str | None = None) -> pl.DataFrame:
    """Run one read and return a Polars frame; the connection is closed before returning."""
    with connect(path) as con:
        return con.sql(sql, params=params).pl() if params else con.sql(sql).pl()


def query_rows(sql: str, params: Sequence[Any] | dict[str, Any] | None = None, path: Path | str | None = None) -> list[tuple]:
    with connect(path) as con:
        return con.execute(sql, params or []).fetchall()

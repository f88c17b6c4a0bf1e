"""DuckDB connections that share one file fairly between processes.

DuckDB lets one process hold a database file at a time (even a read-only reader blocks a writer).
Processes take turns at the file (`turns.py`): inside a turn, every thread shares one warm DuckDB
instance; a process that another one waits for hands the file over as soon as its running queries
finish. A batch process (a run, a sensor, the CLI) hands over after each unit of work; the app server
keeps its turn while idle (OUTSIGNAL_DB_LINGER_SECONDS) because anyone who asks gets it at once.
Opening still retries on lock conflicts with processes that do not take turns, then fails naming the
file and the holder.

This module is the one place that knows where the store is (OUTSIGNAL_DB, `settings.store_url()`): a
path is a local file (turns, read copies); `md:<database>` is MotherDuck (signed in with
MOTHERDUCK_TOKEN) and `quack:<host>[:port]` a DuckDB Quack server, both shared warehouses that many
machines reach at once, so neither takes turns nor keeps a read copy. Nothing else in the product
knows which one is used (a test walks the sources); docs/scale-out.md gives the steps and limits.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from outsignal_pipelines import settings
from outsignal_pipelines.store.memo import Memo
from outsignal_pipelines.store.snapshots import read_model_for
from outsignal_pipelines.store.turns import TurnTimeout, all_turns, turns_for


class StoreError(RuntimeError):
    """Base error of the store."""


class StoreConfigError(StoreError):
    """OUTSIGNAL_DB names a store that cannot be opened as configured (a missing token, a bad URL)."""


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


# ------------------------------------------------------------------ where the store is

REMOTE_SCHEMES = {"md": "motherduck", "motherduck": "motherduck", "quack": "quack"}


@dataclass(frozen=True)
class Location:
    """Where the store is: a local `file`, or a shared warehouse (`motherduck`, `quack`)."""

    kind: str
    target: str

    @property
    def remote(self) -> bool:
        return self.kind != "file"


def locate(url: str | Path) -> Location:
    """What a store URL names. A path (even with a drive-less colon later on) is a file."""
    text = str(url)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]+):", text)
    if match is None or isinstance(url, Path):
        return Location("file", text)
    scheme = match.group(1).lower()
    if scheme not in REMOTE_SCHEMES:
        raise StoreConfigError(f"OUTSIGNAL_DB has an unknown scheme {scheme!r}: use a file path, "
                               "md:<database> (MotherDuck) or quack:<host>[:port] (a DuckDB Quack server)")
    return Location(REMOTE_SCHEMES[scheme], text)


def _open_remote(location: Location) -> duckdb.DuckDBPyConnection:
    """A connection to a shared warehouse. MotherDuck signs in with MOTHERDUCK_TOKEN (passed in the
    connection's config, never in the URL we log); a Quack server is attached and made the default."""
    if location.kind == "motherduck":
        token = settings.motherduck_token()
        if not token:
            raise StoreConfigError("OUTSIGNAL_DB names a MotherDuck database (md:...) but MOTHERDUCK_TOKEN is not "
                                   "set: create a token in MotherDuck's settings and set MOTHERDUCK_TOKEN for every "
                                   "process (webserver, daemon, workers, Streamlit)")
        return duckdb.connect(location.target, config={"motherduck_token": token})
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{location.target.replace(chr(39), chr(39) * 2)}' AS store")
        con.execute("USE store")
    except BaseException:
        con.close()
        raise
    return con


# The store a Dagster resource (or a test) bound for the work below it; unset means settings' default.
_bound_url: ContextVar[str | None] = ContextVar("outsignal_store_url", default=None)


def current_url() -> str:
    """The store (as OUTSIGNAL_DB names it) that a connection opened here and now would use."""
    return _bound_url.get() or settings.store_url()


def current_path() -> Path:
    """The local store file a connection opened here and now would use (for a shared warehouse: its URL)."""
    return Path(current_url())


def store_url_absolute() -> str:
    """The current store as a string another process can use from any folder: a local file's absolute
    path, a warehouse's URL as given."""
    url = current_url()
    return url if locate(url).remote else str(Path(url).resolve())


@contextmanager
def using(path: Path | str) -> Iterator[None]:
    """Every connection opened inside (in this thread or task) goes to `path` (a file or a store URL)."""
    token = _bound_url.set(str(path))
    try:
        yield
    finally:
        _bound_url.reset(token)


@contextmanager
def connect(path: Path | str | None = None, timeout: float | None = None,
            linger: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection inside this process's turn at the store, always closed, on success and on error.
    `linger=False` for a poll loop: hand the file over as soon as this read is done, so the process it
    waits for never has to ask."""
    location = locate(path if path is not None else current_url())
    if location.remote:  # a shared warehouse: many machines at once, no turns to take
        con = _open_remote(location)
        try:
            yield con
        finally:
            con.close()
        return
    db = Path(location.target)
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
    location = locate(path if path is not None else current_url())
    if location.remote:
        return {}
    return turns_for(Path(location.target), _open).wait_stats()


_local_writes: dict[str, int] = {}


def _count_write(db: Path) -> None:
    key = str(db.resolve())
    _local_writes[key] = _local_writes.get(key, 0) + 1


def expect_changes(path: Path | str | None = None) -> None:
    """Another process has just written on this process's behalf (a run a page or the chat asked for
    and followed to its end): the next lagging read copies the store first, as after this process's own
    write, so the person who asked sees the result at once instead of a few seconds later."""
    location = locate(path if path is not None else current_url())
    if not location.remote:
        _count_write(Path(location.target))


@dataclass(frozen=True)
class ReadView:
    """What a lagging read gets: a connection, the moment its data was known to equal the store (None:
    the store itself, live), and a memo for answers computed from exactly this data (None: live data,
    which may change under the next query, so nothing is kept)."""
    con: duckdb.DuckDBPyConnection
    as_of: datetime | None
    memo: Memo | None

    def remember(self, key: Hashable, recipe: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        """Asked again of the same read copy (every Streamlit rerun, every admin on the same page), an
        answer comes from the copy's memo, and the next copy is warmed with it before it serves; live
        data (no copy) is always computed. `recipe` takes a connection, so it can run on the next copy."""
        return self.remember_with_time(key, recipe)[0]

    def remember_with_time(self, key: Hashable, recipe: Callable[[duckdb.DuckDBPyConnection], Any]
                           ) -> tuple[Any, datetime | None]:
        """`remember`, and when the answer's data is from: this copy's time, or an older copy's when the
        answer was carried over to this copy (see `store/memo.py`); None for live data."""
        if self.memo is None:
            return recipe(self.con), None
        answer, carried_from = self.memo.answer(key, recipe, self.con)
        return answer, carried_from or self.as_of


@contextmanager
def read_view(path: Path | str | None = None, timeout: float | None = None) -> Iterator[ReadView]:
    """A read that may lag the store by a few seconds: in the app server (OUTSIGNAL_SEARCH_LAG_SECONDS
    > 0) a warm read-only copy of the store (`snapshots.py`) with its memo; elsewhere the store itself."""
    location = locate(path if path is not None else current_url())
    db = Path(location.target)
    wait = settings.lock_timeout_seconds() if timeout is None else timeout
    lag = settings.search_lag_seconds()
    if lag <= 0 or location.remote:  # a warehouse serves its readers itself: no local copy
        with connect(location.target if location.remote else db, wait) as con:
            yield ReadView(con, None, None)
        return
    key = str(db.resolve())
    model = read_model_for(db, _open, lambda: _local_writes.get(key, 0))
    try:
        with model.reading(lag, wait) as (con, as_of, memo):
            yield ReadView(con, as_of, memo)
    except TurnTimeout as exc:  # only the copy's turn raises this; connections inside convert their own
        raise StoreLockedError(db, exc.waited, "other Outsignal processes kept their turn") from exc


@contextmanager
def read_connect(path: Path | str | None = None,
                 timeout: float | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, datetime | None]]:
    """(connection, as_of) of `read_view`, for reads that keep nothing."""
    with read_view(path, timeout) as view:
        yield view.con, view.as_of


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
        location = locate(path if path is not None else current_url())
        if not location.remote:
            _count_write(Path(location.target))


def query_df(sql: str, params: Sequence[Any] | dict[str, Any] | None = None, path: Path | str | None = None) -> pl.DataFrame:
    """Run one read and return a Polars frame; the connection is closed before returning."""
    with connect(path) as con:
        return con.sql(sql, params=params).pl() if params else con.sql(sql).pl()


def query_rows(sql: str, params: Sequence[Any] | dict[str, Any] | None = None, path: Path | str | None = None) -> list[tuple]:
    with connect(path) as con:
        return con.execute(sql, params or []).fetchall()

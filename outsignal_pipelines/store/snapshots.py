"""A read-only copy of the store for the app server's searches, kept at most a few seconds behind.

Searching a million people keeps DuckDB busy for 50–200 ms a query, and ten admins search all the
time. Run on the store itself, those searches would make every pipeline run wait for its turn behind
them and make the app hand over (and lose its caches) at each write of a run. So the app server copies
the store file (a few hundred MB: about 0.3 s, inside one short turn, after a CHECKPOINT) and searches
the copy with its own warm DuckDB, holding nothing that other processes wait for.

Freshness: a background thread copies again when the store changed and the copy is `lag` seconds old,
so a search lags a pipeline's writes by a few seconds at most. Writes made by this process (an admin
adding people to a list) make the next search copy first, so an admin always sees their own change.
Processes that do not set a lag (the CLI, Dagster runs, tests) read the store itself.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from outsignal_pipelines import settings
from outsignal_pipelines.store.memo import Memo
from outsignal_pipelines.store.turns import TurnTimeout, turns_for

REFRESH_POLL_SECONDS = 0.25
WARM_ENTRIES = 24          # the questions asked in the last minute, answered on a new copy before it serves
WARM_SECONDS_AT_MOST = 5.0
CARRY_OVER_LAGS = 3.0      # an answer the warming did not reach is carried over while its data is this many lags old


@dataclass
class _Copy:
    path: Path
    con: duckdb.DuckDBPyConnection
    signature: tuple
    local_writes: int
    made_at: float                      # monotonic
    as_of: datetime                     # wall clock, for the page
    users: int = 0
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    memo: Memo = field(default_factory=Memo)   # answers computed from this copy; they go with it
    kept: dict = field(default_factory=dict)   # structures built from this copy (`kept`); they go with it
    kept_lock: threading.Lock = field(default_factory=threading.Lock)


def copy_folder(db: Path) -> Path:
    """Where the copies go: memory (/dev/shm) when the machine has it, since a copy is a cache that is
    replaced every few seconds while the store changes; else next to the store."""
    configured = settings.read_copy_dir()
    if configured is not None:
        return configured
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm / "outsignal-read-copies"
    return db.parent / ".read_copies"


def _signature(db: Path) -> tuple:
    """Changes whenever anyone commits to the store (the file after a checkpoint, or its WAL)."""
    out = []
    for path in (db, Path(str(db) + ".wal")):
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


class ReadModel:
    def __init__(self, db: Path, opener: Callable[[Path, float], duckdb.DuckDBPyConnection],
                 local_writes: Callable[[], int]):
        self.db = db
        self._opener = opener
        self._local_writes = local_writes
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self._current: _Copy | None = None
        self._lag = 3.0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._folder = copy_folder(db)
        self._tag = f"{db.stem}-{hashlib.sha1(str(db).encode()).hexdigest()[:10]}"
        self._serial = 0
        self._swapped_at = 0.0           # monotonic: when a fresh copy last began to serve
        self.builds: list[float] = []   # seconds each copy held the store's turn

    # -- reading ------------------------------------------------------------------------------------
    @contextmanager
    def reading(self, lag: float, timeout: float) -> Iterator[tuple[duckdb.DuckDBPyConnection, datetime, Memo]]:
        self._lag = lag
        self._start_refresher()
        copy = self._current
        # Copy now for the admin's own write, or when the refresher fell behind; never just to wait
        # behind the refresher's build and warming: the copy it replaces keeps serving until then.
        if copy is None or self._local_writes() > copy.local_writes or self._refresher_behind(copy, lag):
            self._build(timeout, only_if_stale=True)
        with self._lock:
            copy = self._current
            copy.users += 1
        try:
            cursor = copy.con.cursor()
            try:
                with _reading_copy(cursor, copy, self):
                    yield cursor, copy.as_of, copy.memo
            finally:
                cursor.close()
        finally:
            self._unuse(copy)

    def _refresher_behind(self, copy: _Copy, lag: float) -> bool:
        """While a pipeline writes, the refresher copies and warms back to back, so the copy serving is
        always older than the lag and the refresher is between builds for a moment after each swap. A
        search that copied in that moment would serve a cold copy to everyone. Behind means: the copy
        is old, nothing is building, and no copy has begun to serve for longer than the lag."""
        now = time.monotonic()
        return (now - copy.made_at > 2 * lag and not self._building.locked()
                and now - self._swapped_at > lag)

    def _unuse(self, copy: _Copy) -> None:
        with self._lock:
            copy.users -= 1
            drop = copy.retired and copy.users == 0
        if drop:
            self._drop(copy)

    # -- copying ------------------------------------------------------------------------------------
    def _stale(self) -> bool:
        copy = self._current
        return copy is None or self._local_writes() > copy.local_writes or _signature(self.db) != copy.signature

    def _confirm(self) -> None:
        """The store has not changed since the copy: the copy is as fresh as the store, now."""
        copy = self._current
        if copy is not None:
            copy.made_at, copy.as_of = time.monotonic(), datetime.now(timezone.utc)

    def _build(self, timeout: float, only_if_stale: bool, warm: bool = False) -> None:
        with self._building:
            if only_if_stale and not self._stale():
                self._confirm()
                return
            self._folder.mkdir(parents=True, exist_ok=True)
            self._serial += 1
            target = self._folder / f"{self._tag}.{os.getpid()}.{self._serial}.duckdb"
            turns = turns_for(self.db, self._opener)
            writes = self._local_writes()
            started = time.monotonic()
            try:
                con = turns.enter_alone(timeout, 0.0)
            except TurnTimeout:
                if self._current is not None:
                    return  # keep serving the copy we have; the next search tries again
                raise
            try:
                con.execute("CHECKPOINT")
                signature = _signature(self.db)
                shutil.copyfile(self.db, target)
            finally:
                con.close()
                turns.leave_alone(release_now=False)
            self.builds.append(time.monotonic() - started)
            fresh = _Copy(path=target, con=duckdb.connect(str(target), read_only=True), signature=signature,
                          local_writes=writes, made_at=started, as_of=datetime.now(timezone.utc))
            if warm and self._current is not None:
                self._warm(fresh, self._current, writes)
                if self._local_writes() == writes:   # never onto a copy this process's own write must replace
                    fresh.memo.inherit(self._current.memo, self._current.as_of,
                                       max_age=CARRY_OVER_LAGS * max(self._lag, 1.0))
        with self._lock:
            old, self._current = self._current, fresh
            self._swapped_at = time.monotonic()
            drop = old is not None and old.users == 0
            if old is not None:
                old.retired = True
        if drop:
            self._drop(old)

    def _warm(self, fresh: _Copy, old: _Copy, writes: int) -> None:
        """Answer the questions people were asking of the old copy on the new one before it serves, so
        that after a pipeline's write nobody waits for a cold copy (the old one serves meanwhile). Stops
        when this process writes (its admin must see the change now, not after the warming) or after a
        few seconds; a failing question is left for whoever asks it."""
        deadline = time.monotonic() + min(WARM_SECONDS_AT_MOST, max(self._lag, 1.0))
        cursor = fresh.con.cursor()
        try:
            with _reading_copy(cursor, fresh, self):
                self._warm_with(cursor, fresh, old, writes, deadline)
        finally:
            cursor.close()

    def _warm_with(self, cursor: duckdb.DuckDBPyConnection, fresh: _Copy, old: _Copy, writes: int,
                   deadline: float) -> None:
        for key, recipe, asked_at in old.memo.recent(WARM_ENTRIES):
            if time.monotonic() > deadline or self._local_writes() != writes:
                break
            try:
                fresh.memo.get_or_compute(key, recipe, cursor, asked=False, asked_at=asked_at)
            except Exception:  # noqa: BLE001 - warming is a courtesy; the asker gets the error
                continue

    def _drop(self, copy: _Copy) -> None:
        with copy.lock:
            try:
                copy.con.close()
            finally:
                copy.path.unlink(missing_ok=True)
                Path(str(copy.path) + ".wal").unlink(missing_ok=True)

    # -- keeping fresh ------------------------------------------------------------------------------
    def _start_refresher(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._clean_leftovers()
            self._thread = threading.Thread(target=self._refresh, name=f"read-copy:{self.db.name}", daemon=True)
            self._thread.start()

    def _refresh(self) -> None:
        while not self._stopping.wait(REFRESH_POLL_SECONDS):
            copy = self._current
            if copy is None:
                continue
            if not self._stale():
                self._confirm()
                continue
            if time.monotonic() - copy.made_at < self._lag:
                continue
            try:
                self._build(timeout=self._lag, only_if_stale=True, warm=True)
            except Exception:  # noqa: BLE001 - a failed refresh is retried; searches keep the copy they have
                time.sleep(1.0)

    def _clean_leftovers(self) -> None:
        """Copies left by app processes that are gone (killed before they could delete them)."""
        if not self._folder.exists():
            return
        for path in self._folder.glob(f"{self._tag}.*.duckdb*"):
            pid = path.name[len(self._tag) + 1:].split(".")[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            copy, self._current = self._current, None
        if copy is not None:
            self._drop(copy)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_MODELS: dict[str, ReadModel] = {}
_MODELS_LOCK = threading.Lock()


def read_model_for(db: Path, opener: Callable[[Path, float], duckdb.DuckDBPyConnection],
                   local_writes: Callable[[], int]) -> ReadModel:
    key = str(db.resolve())
    with _MODELS_LOCK:
        found = _MODELS.get(key)
        if found is None:
            found = _MODELS[key] = ReadModel(Path(key), opener, local_writes)
        return found


_READING: dict[int, tuple[_Copy, ReadModel]] = {}   # id(connection) → the copy it reads, while it reads it
_READING_LOCK = threading.Lock()


@contextmanager
def _reading_copy(con: duckdb.DuckDBPyConnection, copy: _Copy, model: ReadModel) -> Iterator[None]:
    with _READING_LOCK:
        _READING[id(con)] = (copy, model)
    try:
        yield
    finally:
        with _READING_LOCK:
            _READING.pop(id(con), None)


def kept(con: duckdb.DuckDBPyConnection, key: Hashable, make: Callable[[], Any]) -> Any | None:
    """A structure built from the read copy `con` reads (e.g. columns held in memory to answer searches
    without joins), made once by `make` and kept for as long as that copy serves; None when `con` reads
    the store itself, whose data may change under the next query. Unlike a memo's answers, a kept
    structure is never carried over to the next copy: it holds that copy's data."""
    with _READING_LOCK:
        found = _READING.get(id(con))
    if found is None:
        return None
    copy = found[0]
    with copy.kept_lock:
        found = copy.kept.get(key)
        if found is None:
            found = copy.kept[key] = make()
        return found


def copy_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store is still as the copy `con` reads saw it (nobody has committed since): worth
    building something on it that takes a while. While a pipeline writes, each copy is replaced within
    seconds, and work spent on one is lost with it. False for the live store."""
    with _READING_LOCK:
        found = _READING.get(id(con))
    if found is None:
        return False
    copy, model = found
    return _signature(model.db) == copy.signature and model._local_writes() == copy.local_writes


@atexit.register
def _close_all() -> None:
    # Before the interpreter goes: a refresher caught inside DuckDB at exit would abort the process.
    with _MODELS_LOCK:
        models = list(_MODELS.values())
    for model in models:
        model.close()

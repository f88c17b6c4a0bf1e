"""Fair turns at one DuckDB file across processes, so no writer starves behind busy readers.

DuckDB lets one process hold a database file at a time, and it has no queue: a process that finds the
file taken can only retry. A busy app server whose overlapping queries keep the file open would then
starve every pipeline run, sensor and CLI command (measured: enrichment gave up after 38 s).

So processes take turns. A process that wants the store announces itself in a queue file (a shared
`flock`) and waits for the turn file (an exclusive `flock`). The process holding the turn checks the
queue whenever one of its threads asks for a connection and, from a watcher thread, while it runs: if
another process waits, it admits no new work, lets its running queries finish, closes DuckDB and hands
the turn over; it takes it back only after the waiter got it. Inside a process, threads share the turn
and one warm DuckDB instance (no file open and no catalog load per query). A long-lived reader such as
the app server keeps its turn (and DuckDB's caches) while nobody else asks for the store, which is free:
anyone who asks gets it within one query's time.

Processes that do not take turns (an old build, the `duckdb` shell) are still waited for with the
lock-conflict retry in `connection._open`.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import duckdb

# A thread that waited this long while its own process was handing over is let in anyway: it may be
# the query that a running transaction of the same process waits for (no deadlock, only a late turn).
ADMIT_ANYWAY_SECONDS = 5.0
# After handing over, wait up to this long for the waiter to take the turn before competing again.
HANDOVER_SECONDS = 1.0
WATCH_INTERVAL_SECONDS = 0.005


class TurnTimeout(Exception):
    """The turn did not come within the caller's deadline."""

    def __init__(self, waited: float):
        super().__init__(f"no turn at the store after {waited:.1f} s")
        self.waited = waited


def _try_flock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class Turns:
    """This process's side of the turn-taking for one store file."""

    def __init__(self, db: Path, opener: Callable[[Path, float], duckdb.DuckDBPyConnection]):
        self.db = db
        self._opener = opener
        self._cond = threading.Condition()
        self._local = threading.local()
        self._holding = False
        self._keeper: duckdb.DuckDBPyConnection | None = None
        self._active = 0
        self._acquiring = False
        self._handed_over_at = 0.0
        self._idle_since = 0.0
        self._keep_seconds = 0.0
        self._watcher: threading.Thread | None = None
        self._closing = False
        self._exclusive = False          # one thread needs the store to itself (a consistent file copy)
        self._exclusive_lock = threading.Lock()
        self._turn_fd = self._open_lock_file(".turn")
        self._queue_fd = self._open_lock_file(".queue")
        self.waits: deque[float] = deque(maxlen=100_000)

    def _open_lock_file(self, suffix: str) -> int:
        self.db.parent.mkdir(parents=True, exist_ok=True)
        return os.open(str(self.db) + suffix, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    # -- what the connection helper calls ---------------------------------------------------------
    def enter(self, timeout: float, keep_seconds: float) -> duckdb.DuckDBPyConnection:
        """A connection inside this process's turn (waiting for it if needed); pair with `leave`."""
        started = time.monotonic()
        depth = getattr(self._local, "depth", 0)
        with self._cond:
            self._keep_seconds = keep_seconds
            if depth == 0:
                self._wait_for_turn(started, started + timeout)
            self._active += 1
            self._local.depth = depth + 1
            keeper = self._keeper
        self.waits.append(time.monotonic() - started)
        try:
            return keeper.cursor()
        except BaseException:
            self.leave(release_now=False)
            raise

    def enter_alone(self, timeout: float, keep_seconds: float) -> duckdb.DuckDBPyConnection:
        """Like `enter`, and no other thread of this process uses the store until `leave_alone`."""
        self._exclusive_lock.acquire()
        try:
            con = self.enter(timeout, keep_seconds)
        except BaseException:
            self._exclusive_lock.release()
            raise
        with self._cond:
            self._exclusive = True
            deadline = time.monotonic() + timeout
            while self._active > 1:
                if time.monotonic() >= deadline:
                    self._exclusive = False
                    self._cond.notify_all()
                    break
                self._cond.wait(0.02)
            alone = self._exclusive
        if not alone:
            con.close()
            self.leave_alone(release_now=False)
            raise TurnTimeout(timeout)
        return con

    def leave_alone(self, release_now: bool) -> None:
        with self._cond:
            self._exclusive = False
        try:
            self.leave(release_now)
        finally:
            self._exclusive_lock.release()

    def leave(self, release_now: bool) -> None:
        with self._cond:
            self._local.depth = getattr(self._local, "depth", 1) - 1
            self._active -= 1
            if self._active == 0:
                self._idle_since = time.monotonic()
                if release_now or self._keep_seconds <= 0 or self._someone_waits():
                    self._hand_over()
            self._cond.notify_all()

    # -- inside the condition ----------------------------------------------------------------------
    def _wait_for_turn(self, started: float, deadline: float) -> None:
        while True:
            if self._holding and not self._exclusive:
                patient = time.monotonic() - started < ADMIT_ANYWAY_SECONDS
                if not (patient and self._someone_waits()):
                    return
                if self._active == 0:
                    self._hand_over()
                    continue
            elif not self._holding and not self._acquiring:
                self._acquiring = True
                self._cond.release()
                try:
                    keeper = self._take_turn(started, deadline)
                finally:
                    self._cond.acquire()
                    self._acquiring = False
                    self._cond.notify_all()
                self._keeper, self._holding = keeper, True
                self._start_watcher()
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TurnTimeout(time.monotonic() - started)
            self._cond.wait(min(remaining, 0.02))

    def _someone_waits(self) -> bool:
        """Another process is queued (we never queue while we hold the turn)."""
        if _try_flock(self._queue_fd, fcntl.LOCK_EX):
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
            return False
        return True

    def _hand_over(self) -> None:
        keeper, self._keeper, self._holding = self._keeper, None, False
        try:
            if keeper is not None:
                keeper.close()
        finally:
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
            self._handed_over_at = time.monotonic()

    # -- outside the condition ---------------------------------------------------------------------
    def _take_turn(self, started: float, deadline: float) -> duckdb.DuckDBPyConnection:
        self._let_the_waiter_in(deadline)
        fcntl.flock(self._queue_fd, fcntl.LOCK_SH)
        try:
            delay = 0.001
            while not _try_flock(self._turn_fd, fcntl.LOCK_EX):
                if time.monotonic() >= deadline:
                    raise TurnTimeout(time.monotonic() - started)
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 1.5, 0.01)
        finally:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
        try:
            return self._opener(self.db, max(0.0, deadline - time.monotonic()))
        except BaseException:
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
            raise

    def _let_the_waiter_in(self, deadline: float) -> None:
        """Right after handing over, give the process we handed over to the time to take the turn."""
        until = min(self._handed_over_at + HANDOVER_SECONDS, deadline)
        while time.monotonic() < until:
            if not self._someone_waits():
                return  # nobody to let in
            if not _try_flock(self._turn_fd, fcntl.LOCK_EX):
                return  # someone has it: queue behind them
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
            time.sleep(0.002)

    def _start_watcher(self) -> None:
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._watch, name=f"store-turns:{self.db.name}", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        """While we hold the turn: hand it over when idle and someone waits, or when idle too long."""
        while True:
            time.sleep(WATCH_INTERVAL_SECONDS)
            with self._cond:
                if not self._holding or self._closing:
                    self._watcher = None
                    return
                if self._active == 0 and (self._someone_waits()
                                          or time.monotonic() - self._idle_since >= self._keep_seconds):
                    self._hand_over()
                    self._watcher = None
                    self._cond.notify_all()
                    return
                if self._active > 0 and self._someone_waits():
                    self._cond.notify_all()  # waiting threads re-check; none is admitted while we drain

    def release(self, closing: bool = False) -> None:
        """Hand the turn over now if nothing runs (at exit, or when a test wants the file free)."""
        with self._cond:
            self._closing = self._closing or closing
            if self._holding and self._active == 0:
                self._hand_over()
            watcher = self._watcher
        if closing and watcher is not None and watcher is not threading.current_thread():
            watcher.join(1.0)

    def wait_stats(self) -> dict[str, float]:
        waits = sorted(self.waits)
        if not waits:
            return {"count": 0}

        def at(q: float) -> float:
            return round(waits[min(len(waits) - 1, int(q * len(waits)))] * 1000, 2)

        return {"count": len(waits), "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99),
                "max_ms": round(waits[-1] * 1000, 2)}


_TURNS: dict[str, Turns] = {}
_TURNS_LOCK = threading.Lock()


def turns_for(db: Path, opener: Callable[[Path, float], duckdb.DuckDBPyConnection]) -> Turns:
    key = str(db.resolve())
    with _TURNS_LOCK:
        found = _TURNS.get(key)
        if found is None:
            found = _TURNS[key] = Turns(Path(key), opener)
        return found


def all_turns() -> list[Turns]:
    with _TURNS_LOCK:
        return list(_TURNS.values())


@atexit.register
def _release_at_exit() -> None:
    # Hand the file over and stop the watchers before the interpreter goes: a daemon thread caught
    # inside DuckDB at exit aborts the process ("terminate called ...").
    for turns in all_turns():
        turns.release(closing=True)


def _forget_in_child() -> None:
    # A forked child shares the parent's open lock files; closing its copies leaves the parent's turn alone.
    global _TURNS_LOCK
    for turns in _TURNS.values():
        for fd in (turns._turn_fd, turns._queue_fd):
            try:
                os.close(fd)
            except OSError:
                pass
    _TURNS.clear()
    _TURNS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)

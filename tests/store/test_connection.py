"""The store must survive other processes holding the DuckDB file: waiting, then succeeding, or
failing with a message that names the file. These tests use real OS processes."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import duckdb
import pytest

from outsignal_pipelines.store import StoreLockedError, connect, transaction

# Timing bounds (handover within 2 s, lock waits) are measured on a quiet machine.
pytestmark = pytest.mark.serial


def _hold_write(db: str, rows: int, hold_seconds: float, ready) -> None:  # runs in a child process
    os.environ["OUTSIGNAL_DB"] = db
    with transaction() as con:
        con.execute("INSERT INTO t SELECT 'holder', range FROM range(?)", [rows])
        ready.set()
        time.sleep(hold_seconds)


def _write_after_wait(db: str, rows: int, result) -> None:
    os.environ["OUTSIGNAL_DB"] = db
    started = time.monotonic()
    with transaction() as con:
        con.execute("INSERT INTO t SELECT 'waiter', range FROM range(?)", [rows])
    result.put(time.monotonic() - started)


def _hold_open(db: str, seconds: float, ready) -> None:
    con = duckdb.connect(db)
    ready.set()
    time.sleep(seconds)
    con.close()


@pytest.fixture
def table_db(store: Path) -> Path:
    with connect() as con:
        con.execute("CREATE TABLE t (who TEXT, n BIGINT)")
    return store


@pytest.mark.slow
def test_two_processes_writing_at_once_both_land_every_row(table_db: Path):
    ctx = mp.get_context("spawn")
    ready, result = ctx.Event(), ctx.Queue()
    holder = ctx.Process(target=_hold_write, args=(str(table_db), 5_000, 3.0, ready))
    holder.start()
    assert ready.wait(30), "holder never got the lock"
    waiter = ctx.Process(target=_write_after_wait, args=(str(table_db), 7_000, result))
    waiter.start()
    holder.join(60)
    waiter.join(60)
    assert holder.exitcode == 0 and waiter.exitcode == 0
    waited = result.get(timeout=5)
    assert waited >= 1.0, "the second writer should have had to wait for the first"
    with connect() as con:
        counts = dict(con.execute("SELECT who, count(DISTINCT n) FROM t GROUP BY who").fetchall())
    assert counts == {"holder": 5_000, "waiter": 7_000}


@pytest.mark.slow
def test_lock_held_too_long_fails_with_a_clear_error_naming_the_file(table_db: Path):
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_open, args=(str(table_db), 4.0, ready))
    holder.start()
    try:
        assert ready.wait(30)
        started = time.monotonic()
        with pytest.raises(StoreLockedError) as info:
            with connect(timeout=0.8):
                pass
        assert 0.7 <= time.monotonic() - started < 3.5
        message = str(info.value)
        assert str(table_db) in message and "locked" in message and "PID" in message
    finally:
        holder.join(30)
    with connect(timeout=5) as con:  # and once the holder is gone, the store opens again
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]


def test_an_error_inside_a_transaction_rolls_back_and_releases_the_file(table_db: Path):
    with pytest.raises(ZeroDivisionError):
        with transaction() as con:
            con.execute("INSERT INTO t VALUES ('x', 1)")
            1 / 0  # noqa: B018
    # Another *process* can open the file at once: the lock did not outlive the exception.
    ctx = mp.get_context("spawn")
    result = ctx.Queue()
    proc = ctx.Process(target=_write_after_wait, args=(str(table_db), 1, result))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    assert result.get(timeout=5) < 2.0
    with connect() as con:
        assert con.execute("SELECT who FROM t").fetchall() == [("waiter",)]


def test_errors_that_are_not_lock_conflicts_are_not_retried(tmp_path: Path):
    bad = tmp_path / "not-a-db.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 100)
    started = time.monotonic()
    with pytest.raises(duckdb.Error):
        with connect(bad, timeout=10):
            pass
    assert time.monotonic() - started < 5


def _warm_reader(db: str, steps, answers) -> None:  # the app server: keeps its turn while idle
    os.environ["OUTSIGNAL_DB"] = db
    os.environ["OUTSIGNAL_DB_LINGER_SECONDS"] = "30"
    while (step := steps.get(timeout=60)) != "stop":
        with connect() as con:
            answers.put(con.execute("SELECT count(*) FROM t").fetchall()[0][0])


@pytest.mark.slow
def test_a_warm_process_hands_the_store_over_at_once_and_sees_the_change_at_once(table_db: Path):
    """The app server keeps DuckDB warm between queries; a writer that asks must not wait for that
    (it used to wait out the linger), and the app's next read shows what the writer wrote."""
    ctx = mp.get_context("spawn")
    steps, answers, result = ctx.Queue(), ctx.Queue(), ctx.Queue()
    reader = ctx.Process(target=_warm_reader, args=(str(table_db), steps, answers))
    reader.start()
    try:
        steps.put("read")
        assert answers.get(timeout=30) == 0  # the reader now holds its turn, idle, for up to 30 s
        for _ in range(3):
            writer = ctx.Process(target=_write_after_wait, args=(str(table_db), 3, result))
            writer.start()
            writer.join(30)
            assert writer.exitcode == 0
            assert result.get(timeout=5) < 1.0  # handed over at once, not after the 30 s linger
            steps.put("read")
            assert answers.get(timeout=30) % 3 == 0 and answers.qsize() == 0
        steps.put("read")
        assert answers.get(timeout=30) == 9  # every write is visible to the warm reader at once
    finally:
        steps.put("stop")
        reader.join(30)


def _hammer(db: str, threads: int, stop, ready, reads, errors) -> None:  # ten app users, no think time
    import threading

    os.environ["OUTSIGNAL_DB"] = db
    os.environ["OUTSIGNAL_DB_LINGER_SECONDS"] = "30"
    done = [0]
    failed: list[str] = []

    def user() -> None:
        while not stop.is_set():
            try:
                with connect() as con:
                    con.execute("SELECT who, count(*), sum(n) FROM t WHERE who LIKE '%o%' GROUP BY who").fetchall()
                done[0] += 1
            except Exception as exc:  # noqa: BLE001 - reported to the test
                failed.append(repr(exc))
            if done[0] == threads:
                ready.set()

    workers = [threading.Thread(target=user) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    reads.put(done[0])
    errors.put(failed)


@pytest.mark.slow
def test_a_writer_gets_the_store_within_two_seconds_while_readers_hammer_it(table_db: Path, monkeypatch):
    """Measured before: the app's overlapping queries kept the file held, and a pipeline run gave up
    after its whole lock timeout. Now every write waits at most one query's time."""
    with transaction() as con:
        con.execute("INSERT INTO t SELECT 'reader-' || (range % 7), range FROM range(2000000)")
    monkeypatch.setenv("OUTSIGNAL_DB_LOCK_TIMEOUT", "10")
    ctx = mp.get_context("spawn")
    stop, ready, reads, errors = ctx.Event(), ctx.Event(), ctx.Queue(), ctx.Queue()
    readers = ctx.Process(target=_hammer, args=(str(table_db), 10, stop, ready, reads, errors))
    readers.start()
    waits = []
    try:
        assert ready.wait(60), "the readers never got going"
        for i in range(25):
            started = time.monotonic()
            with transaction() as con:
                con.execute("INSERT INTO t VALUES ('writer', ?)", [i])
            waits.append(time.monotonic() - started)
            time.sleep(0.05)
    finally:
        stop.set()
        readers.join(60)
    assert readers.exitcode == 0 and errors.get(timeout=5) == []
    assert reads.get(timeout=5) > 25  # the readers kept reading while the writer wrote
    assert max(waits) <= 2.0, f"writer waits {sorted(waits)[-5:]}"
    with connect() as con:
        assert con.execute("SELECT count(*) FROM t WHERE who = 'writer'").fetchall() == [(25,)]

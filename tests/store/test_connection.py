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


@pytest.mark.slow
def test_linger_keeps_the_instance_briefly_then_lets_other_processes_write(table_db: Path, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_DB_LINGER_SECONDS", "1.0")
    with connect() as con:
        con.execute("INSERT INTO t VALUES ('reader', 1)")
    ctx = mp.get_context("spawn")
    result = ctx.Queue()
    proc = ctx.Process(target=_write_after_wait, args=(str(table_db), 3, result))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    waited = result.get(timeout=5)
    assert 0.3 <= waited < 5.0  # it waited for the linger, then got the file
    monkeypatch.setenv("OUTSIGNAL_DB_LINGER_SECONDS", "0")
    with connect() as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(4,)]
    proc = ctx.Process(target=_write_after_wait, args=(str(table_db), 1, result))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0 and result.get(timeout=5) < 1.0  # no linger: the file is free at once

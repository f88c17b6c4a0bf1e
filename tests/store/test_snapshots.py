"""The app server searches a copy of the store so that its searches never make a pipeline wait. The
copy must stay fresh where people expect it: the admin's own change at once, other processes'
writes within the lag, and it must never hold the store."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from outsignal_pipelines.store import connect, read_connect, transaction
from outsignal_pipelines.store.connection import _local_writes, _open
from outsignal_pipelines.store.snapshots import ReadModel, copy_folder, read_model_for


@pytest.fixture
def lagged(store: Path, monkeypatch) -> Path:
    with connect() as con:
        con.execute("CREATE TABLE t (who TEXT, n BIGINT)")
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", "1")
    return store


def _count() -> tuple[int, object]:
    with read_connect() as (con, as_of):
        return con.execute("SELECT count(*) FROM t").fetchall()[0][0], as_of


def _write(db: str, rows: int) -> None:  # another process: a pipeline run
    os.environ["OUTSIGNAL_DB"] = db
    with transaction() as con:
        con.execute("INSERT INTO t SELECT 'run', range FROM range(?)", [rows])


def test_without_a_lag_reads_go_to_the_store_itself(store: Path):
    with connect() as con:
        con.execute("CREATE TABLE t (n INT)")
    with read_connect() as (con, as_of):
        assert as_of is None and con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    tag = read_model_for(store, _open, lambda: 0)._tag
    assert not list(copy_folder(store).glob(f"{tag}.*"))


def test_this_process_sees_its_own_write_at_once(lagged: Path):
    assert _count()[0] == 0
    with transaction() as con:
        con.execute("INSERT INTO t VALUES ('admin', 1)")
    count, as_of = _count()
    assert count == 1 and as_of is not None


@pytest.mark.slow
@pytest.mark.serial
def test_another_process_write_shows_within_the_lag_and_the_copy_holds_no_lock(lagged: Path):
    assert _count()[0] == 0
    ctx = mp.get_context("spawn")
    started = time.monotonic()
    writer = ctx.Process(target=_write, args=(str(lagged), 5))
    writer.start()
    writer.join(60)
    assert writer.exitcode == 0
    assert time.monotonic() - started < 15  # it was not kept waiting by our copy
    written = time.monotonic()
    while _count()[0] != 5:
        assert time.monotonic() - written < 1 + 3, "the copy lagged the store by more than the lag"
        time.sleep(0.05)


def test_copies_are_removed_when_replaced(lagged: Path):
    _count()
    for i in range(3):
        with transaction() as con:
            con.execute("INSERT INTO t VALUES ('admin', ?)", [i])
        assert _count()[0] == i + 1
    model = read_model_for(lagged, _open, lambda: 0)
    assert len(list(copy_folder(lagged).glob(f"{model._tag}.*.duckdb"))) == 1
    assert sum(_local_writes.values()) >= 3


def test_a_search_between_two_refreshes_serves_the_warm_copy_instead_of_copying_cold(lagged: Path):
    """While a run writes, the refresher copies back to back and the serving copy is always older than
    twice the lag; a search arriving in the moment between two refreshes must not copy on its own path
    (that copy would be unwarmed: every question on it computed cold)."""
    model = ReadModel(lagged, _open, lambda: 0)
    model._stopping.set()                     # this test plays the refresher
    try:
        with model.reading(lag=1, timeout=10):
            pass
        with connect() as con:                # the store changed since the copy
            con.execute("INSERT INTO t VALUES ('run', 1)")
        model._current.made_at -= 10          # the copy serving is old ...
        model._swapped_at = time.monotonic()  # ... but the refresher swapped one in just now
        with model.reading(lag=1, timeout=10) as (con, _, _):
            assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
        assert len(model.builds) == 1

        model._swapped_at -= 10               # a refresher that stopped swapping: the search copies
        with model.reading(lag=1, timeout=10) as (con, _, _):
            assert con.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
        assert len(model.builds) == 2
    finally:
        model.close()


def test_a_kept_structure_lives_with_its_copy_and_never_with_the_live_store(lagged: Path, monkeypatch):
    from outsignal_pipelines.store import kept, read_view

    made: list[int] = []

    def make() -> dict:
        made.append(1)
        return {"copy": len(made)}

    with read_view() as view:
        first = kept(view.con, "structure", make)
    with read_view() as view:
        assert kept(view.con, "structure", make) is first   # the same copy: built once
    with transaction() as con:   # this process's own write: the next read is a new copy
        con.execute("INSERT INTO t VALUES ('admin', 1)")
    with read_view() as view:
        assert kept(view.con, "structure", make) == {"copy": 2}
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", "0")
    with read_view() as view:   # the store itself may change under the next query: nothing is kept
        assert view.as_of is None and kept(view.con, "structure", make) is None
    assert len(made) == 2

"""Run requests: one run per list at a time, claimed with the lock's primary key when the request is
filed (never a check followed by a write), taken over when its holder died, and completed by the
steps of its run."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime, timedelta

import pytest

from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.run_requests import (
    ListBusy,
    begin_step,
    fail,
    finish_step,
    get_request,
    list_requests,
    progress_reporter,
    queued_after,
    request_run,
)
from outsignal_pipelines.store import connect


def test_a_second_request_for_a_busy_list_is_refused_naming_the_first(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    first = request_run("rise", "enrich", target=target, requested_by="chat")
    assert (first.status, first.list_name, first.lock_key) == ("queued", "Rise Q1", "rise.rise-q1")
    with pytest.raises(ListBusy) as refused:
        request_run("rise", "score", target=target, requested_by="cli")
    assert f"request #{first.id}" in str(refused.value) and "Rise Q1 is busy" in str(refused.value)
    # Another list is not busy because this one is.
    other = request_run("yoopknows", "score", target=resolve_list("yoopknows", "YoopKnows Practices"),
                        requested_by="cli")
    assert other.status == "queued"
    assert [r.id for r in queued_after(0)] == [first.id, other.id]


def test_steps_complete_the_request_and_free_the_list(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    request = request_run("rise", "enrich", target=target, requested_by="page")
    for step in ("people", "companies"):
        begin_step(run_id="run-1", step=step, kind="enrich", request_id=request.id, list_id=target.id)
        assert finish_step(request.id, step, {"paid_calls": 2, "cost_usd": 0.5, "cap_reached": False}).status == "running"
    begin_step(run_id="run-1", step="verify", kind="enrich", request_id=request.id, list_id=target.id)
    done = finish_step(request.id, "verify", {"paid_calls": 1, "verified_valid": 7, "cap_reached": True})
    assert (done.status, done.dagster_run_id) == ("complete", "run-1")
    assert done.summary["paid_calls"] == 5 and done.summary["verified_valid"] == 7 and done.summary["cap_reached"]
    assert request_run("rise", "score", target=target, requested_by="cli").status == "queued"


def test_only_one_run_ever_executes_a_request(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    request = request_run("rise", "score", target=target, requested_by="cli")
    begin_step(run_id="run-a", step="score", kind="score", request_id=request.id, list_id=target.id)
    with pytest.raises(Exception, match="already being run by Dagster run run-a"):
        begin_step(run_id="run-b", step="score", kind="score", request_id=request.id, list_id=target.id)


def test_a_retry_of_the_run_whose_worker_died_takes_its_request_over(seeded_store):
    """Dagster's run retries relaunch a run that died with its worker as a new run whose parent is the
    dead one; that retry (and only it) carries the request on, so the request completes."""
    target = resolve_list("rise", "Rise Q1")
    request = request_run("rise", "enrich", target=target, requested_by="page")
    begin_step(run_id="run-a", step="people", kind="enrich", request_id=request.id, list_id=target.id)
    # run-a's orchestrator dies; a stranger cannot take the request, the retry of run-a can
    with pytest.raises(Exception, match="already being run by Dagster run run-a"):
        begin_step(run_id="run-x", step="people", kind="enrich", request_id=request.id, list_id=target.id,
                   retry_of="run-other")
    taken = begin_step(run_id="run-a-retry", step="people", kind="enrich", request_id=request.id,
                       list_id=target.id, retry_of="run-a")
    assert (taken.status, taken.dagster_run_id) == ("running", "run-a-retry")
    with pytest.raises(Exception, match="already being run by Dagster run run-a-retry"):
        begin_step(run_id="run-a", step="companies", kind="enrich", request_id=request.id, list_id=target.id)


def test_a_failed_step_fails_the_request_and_frees_the_list(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    request = request_run("rise", "export", target=target, requested_by="mcp")
    begin_step(run_id="r", step="export", kind="export", request_id=request.id, list_id=target.id)
    failed = fail(request.id, "export: 12 members need verification")
    assert (failed.status, failed.error) == ("failed", "export: 12 members need verification")
    assert request_run("rise", "export", target=target, requested_by="mcp").status == "queued"


def test_a_lock_whose_holder_died_is_taken_over_after_its_lease(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    dead = request_run("rise", "enrich", target=target, requested_by="cli")
    with connect() as con:
        con.execute("UPDATE run_locks SET lease_expires_at = ?", [datetime(2000, 1, 1)])
    fresh = request_run("rise", "enrich", target=target, requested_by="cli")
    assert fresh.status == "queued"
    assert get_request(dead.id).status == "failed" and "lease" in get_request(dead.id).error


def test_progress_is_written_for_followers_and_renews_the_lease(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    request = request_run("rise", "enrich", target=target, requested_by="cli")
    relayed = []
    report = progress_reporter(request.id, relay=lambda d, t: relayed.append((d, t)), every_seconds=0)
    report(3, 10)
    assert relayed == [(3, 10)]
    assert (get_request(request.id).progress_done, get_request(request.id).progress_total) == (3, 10)
    with connect() as con:
        lease = con.execute("SELECT lease_expires_at FROM run_locks").fetchone()[0]
    assert lease > datetime.utcnow() + timedelta(minutes=5)


def test_a_run_without_a_request_files_its_own_and_claims_the_list(seeded_store):
    target = resolve_list("rise", "Rise Q1")
    request = begin_step(run_id="ui-run", step="score", kind="score", request_id=None, list_id=target.id,
                         run_steps=("score",), requested_by="dagster")
    assert (request.requested_by, request.status, request.dagster_run_id) == ("dagster", "running", "ui-run")
    with pytest.raises(ListBusy):
        request_run("rise", "enrich", target=target, requested_by="cli")
    assert finish_step(request.id, "score", {"scored": 3}).status == "complete"
    assert [r.id for r in list_requests("rise")][0] == request.id


def _file(db: str, barrier, results) -> None:
    import os

    os.environ["OUTSIGNAL_DB"] = db
    from outsignal_pipelines.operations.lists import resolve_list as resolve
    from outsignal_pipelines.operations.run_requests import ListBusy as Busy, request_run as file

    target = resolve("rise", "Rise Q1")
    barrier.wait()
    try:
        results.put(("filed", file("rise", "enrich", target=target, requested_by="cli").id))
    except Busy as exc:
        results.put(("busy", str(exc)))


@pytest.mark.slow
def test_four_processes_filing_at_once_get_exactly_one_request(seeded_store):
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_file, args=(str(seeded_store), barrier, results)) for _ in range(4)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert sorted(o[0] for o in outcomes) == ["busy", "busy", "busy", "filed"]
    assert len(list_requests("rise")) == 1

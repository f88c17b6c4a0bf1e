"""Once means once across processes: waterfalls in separate processes, started at the same moment
against the sandbox (real HTTP on loopback), never buy the same answer twice, take over the claims of
a process killed with SIGKILL once their lease ran out, and never spend past the daily cap together.
The sandbox's own count of paid requests is the judge."""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import pytest

from outsignal_pipelines.clients import registry
from outsignal_pipelines.operations.lists import add_members, ensure_list
from outsignal_pipelines.store import query_df, transaction
from tests.operations.enrichment.test_waterfall import _make_list, _person

# Leases expire on the wall clock: another test hogging the CPU could make a live claim look dead.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

KILL_LEASE_SECONDS = 2.0  # short, so a run after a kill takes the dead claims over quickly


def _child(db: str, sandbox_url: str, list_name: str, barrier, results, concurrency: int = 32,
           cap: float | None = None, lease: float | None = None) -> None:
    os.environ.update(OUTSIGNAL_DB=db, OUTSIGNAL_SANDBOX_URL=sandbox_url)
    for env in registry.env_names():
        os.environ[f"OUTSIGNAL_{env}_RPS"] = "1000"
    from outsignal_pipelines.operations.enrichment import claims
    from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list
    from outsignal_pipelines.operations.enrichment.waterfall import WaterfallConfig

    if lease is not None:
        # Only where a kill is simulated: on a busy machine a 2 s lease can run out under a live holder.
        claims.CLAIM_LEASE_SECONDS = lease
    cfg = WaterfallConfig(concurrency=concurrency, backoff_base=0.01, max_backoff=0.2,
                          **({"daily_cap_usd": cap} if cap is not None else {}))
    if barrier is not None:
        barrier.wait()
    report = enrich_list("acme", list_name, config=cfg)
    if results is not None:
        results.put({"list": list_name, "paid_calls": report.paid_calls,
                     "reused_in_flight": report.reused_in_flight, "cost_usd": report.cost_usd})


def _race(db, sandbox, lists: list[str], **kw) -> list[dict]:
    """One process per list name, all released by one barrier; their reports."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(lists)), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(str(db), sandbox.url, name, barrier, results), kwargs=kw)
             for name in lists]
    for p in procs:
        p.start()
    reports = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return reports


def _repaid(sandbox) -> int:
    return sum(count - 1 for count in sandbox.paid_requests().values() if count > 1)


def _latency(sandbox, ms: int) -> None:
    sandbox.configure(**{v: {"latency_ms": ms} for v in registry.VENDORS})


def test_two_processes_on_the_same_list_never_pay_twice(workspace, db_path, sandbox):
    reused = 0
    for trial, ms in enumerate((50, 400, 150)):
        name = f"Same {trial}"
        _make_list([_person(trial * 100 + i) for i in range(16)], name=name)
        _latency(sandbox, ms)
        reports = _race(db_path, sandbox, [name, name])
        assert _repaid(sandbox) == 0, f"trial {trial} at {ms} ms"
        reused += sum(r["reused_in_flight"] for r in reports)
    assert sum(sandbox.paid_requests().values()) > 0
    assert reused > 0  # the second process waited for answers and reused them


def test_two_lists_sharing_people_never_pay_twice(workspace, db_path, sandbox):
    first = _make_list([_person(500 + i) for i in range(16)], name="Shared A")
    with transaction() as con:
        ids = [r[0] for r in con.execute("SELECT person_id FROM target_list_members WHERE list_id = ?",
                                         [first]).fetchall()]
        other, _ = ensure_list(con, "acme", "Shared B")
        add_members(con, other.id, ids[8:])     # half of A's people, plus people of its own
    _make_list([_person(600 + i) for i in range(8)], name="Shared B")
    _latency(sandbox, 200)
    reports = _race(db_path, sandbox, ["Shared A", "Shared B"])
    assert _repaid(sandbox) == 0
    assert sum(r["reused_in_flight"] for r in reports) > 0


def test_a_kill_midway_then_two_runs_at_once_repay_at_most_the_calls_in_flight(workspace, db_path, sandbox):
    _make_list([_person(700 + i) for i in range(40)], name="Killed")
    _latency(sandbox, 100)
    ctx = mp.get_context("spawn")
    victim = ctx.Process(target=_child, args=(str(db_path), sandbox.url, "Killed", None, None),
                         kwargs={"concurrency": 4, "lease": KILL_LEASE_SECONDS})
    victim.start()
    deadline = time.monotonic() + 60
    while sum(sandbox.paid_requests().values()) < 15:
        assert time.monotonic() < deadline and victim.is_alive()
        time.sleep(0.02)
    # Slow the vendors down so the victim's next calls sit in flight, claimed, long enough for the kill
    # to land while it holds claims (at 100 ms it can be between two batches and hold none).
    _latency(sandbox, 4000)
    while query_df("SELECT count(*) AS n FROM paid_call_claims")["n"][0] == 0:
        assert time.monotonic() < deadline and victim.is_alive()
        time.sleep(0.05)
    victim.kill()  # SIGKILL: its claims stay behind until their lease runs out
    victim.join(30)
    held = query_df("SELECT count(*) AS n FROM paid_call_claims")["n"][0]
    assert held > 0
    _latency(sandbox, 100)
    _race(db_path, sandbox, ["Killed", "Killed"], lease=KILL_LEASE_SECONDS)
    # Only the victim's calls in flight at the kill, each of which it had claimed, can be bought again
    # (its person and company lanes each had up to 4 in flight); the two reruns wait for its dead
    # claims' lease and then one of them takes each over.
    assert _repaid(sandbox) <= held <= 4 * 3
    assert query_df("SELECT count(*) AS n FROM paid_call_claims")["n"][0] == 0


def test_two_processes_racing_the_daily_cap_never_end_above_it(workspace, db_path, sandbox):
    _make_list([_person(800 + i) for i in range(20)], name="Cap A")
    _make_list([_person(900 + i) for i in range(20)], name="Cap B")
    sandbox.configure(aiark={"hit_rate": 1.0, "latency_ms": 100})
    cap = 0.03  # about ten AI Ark hits at $0.003, for both processes together
    _race(db_path, sandbox, ["Cap A", "Cap B"], cap=cap)
    spent = query_df("SELECT sum(cost_usd) AS s FROM enrichment_log WHERE created_at >= current_date")["s"][0]
    assert cap - 0.005 <= spent <= cap + 1e-9

"""The production profile, whole, on this machine: Debian's PostgreSQL and Redis in temporary folders,
the code server, daemon and webserver, two Celery workers. Four lists are enriched at once, and each is
scored once its enrichment is complete, through the product's one run path; one worker is killed with
kill -9 while it runs a step (and another started, as systemd's Restart= would). Every run ends
complete, the killed step ran again on another worker in the same run, the sandbox was paid once per
question, and the Dagster webserver lists every run."""

from __future__ import annotations

import time

import dagster as dg
import httpx
import pytest

from outsignal_pipelines import orchestration
from outsignal_pipelines.clients.registry import env_names
from outsignal_pipelines.operations import run_requests
from outsignal_pipelines.operations.lists import add_people, create_list
from outsignal_pipelines.store import connect
from tests.orchestration.production_stack import production_stack

LISTS = ("Scale A", "Scale B", "Scale C", "Scale D")
PEOPLE_PER_LIST = 12
RPS = 20

RUNS_QUERY = """{ runsOrError { __typename ... on Runs { results { runId status jobName
                  tags { key value } } } } }"""


def _make_lists() -> list[str]:
    with connect() as con:
        ids = [r[0] for r in con.execute(
            """SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id AND w.workspace_slug = 'rise'
               WHERE p.email IS NULL AND p.id NOT IN (SELECT person_id FROM target_list_members)
               ORDER BY p.id LIMIT ?""", [PEOPLE_PER_LIST * len(LISTS)]).fetchall()]
    assert len(ids) == PEOPLE_PER_LIST * len(LISTS)
    for i, name in enumerate(LISTS):
        create_list("rise", name)
        add_people("rise", name, ids[i * PEOPLE_PER_LIST:(i + 1) * PEOPLE_PER_LIST])
    return list(LISTS)


def _requests(ids: list[int]) -> list[run_requests.RunRequest]:
    """The requests as they stand, read in one short connection (the runs write the same store)."""
    by_id = {r.id: r for r in run_requests.list_requests("rise", limit=100)}
    return [by_id[i] for i in ids]


def _step_workers(run_ids: list[str], unfinished_only: bool = False) -> dict[tuple[str, str], list[str]]:
    """(run, step) → the Celery workers that took it, from the runs' event logs (only steps that
    have not succeeded yet, when asked)."""
    seen: dict[tuple[str, str], list[str]] = {}
    finished: set[tuple[str, str]] = set()
    with orchestration.instance() as inst:
        for run_id in run_ids:
            for record in inst.all_logs(run_id):
                event = record.dagster_event
                if event is None:
                    continue
                if event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                    finished.add((run_id, record.step_key))
                data = event.engine_event_data if event.event_type == dg.DagsterEventType.ENGINE_EVENT else None
                worker = (data.metadata or {}).get("Celery worker") if data else None
                if worker is not None:
                    seen.setdefault((run_id, record.step_key), []).append(worker.value)
    return {k: v for k, v in seen.items() if not (unfinished_only and k in finished)}


def _runs_listed(url: str, run_ids: list[str], timeout: float = 60) -> dict[str, dict]:
    """The webserver's runs, once the given ones have ended (a request is complete at its last step;
    its run ends a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        body = httpx.post(f"{url}/graphql", json={"query": RUNS_QUERY}, timeout=30).json()
        listed = {r["runId"]: r for r in body["data"]["runsOrError"]["results"]}
        ended = all(listed.get(i, {}).get("status") in ("SUCCESS", "FAILURE", "CANCELED") for i in run_ids)
        if ended or time.monotonic() > deadline:
            return listed
        time.sleep(1)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_four_lists_at_once_on_two_workers_survive_a_killed_worker(seeded_store, sandbox, tmp_path, monkeypatch):
    names = _make_lists()
    sandbox.configure(**{v: {"latency_ms": 40, "rate_per_second": RPS} for v in
                         ("prospeo", "aiark", "leadmagic", "findymail", "firecrawl", "millionverifier")})
    extra = {f"OUTSIGNAL_{env}_RPS": str(RPS) for env in env_names()}
    extra.update(OUTSIGNAL_CELERY_VISIBILITY_TIMEOUT="25", OUTSIGNAL_CLAIM_LEASE_SECONDS="15",
                 OUTSIGNAL_MAX_CONCURRENT_RUNS="8")
    with production_stack(tmp_path, extra, workers=2) as stack:
        assert "postgres" in (stack.home / "dagster.yaml").read_text()
        enrich = {name: orchestration.run("rise", "enrich", name, requested_by="test", wait=False) for name in names}
        assert all(r.status == "queued" for r in enrich.values())
        score: dict[str, run_requests.RunRequest] = {}
        killed: list[str] = []
        started = time.monotonic()
        while time.monotonic() - started < 300:
            ids = [r.id for r in enrich.values()] + [r.id for r in score.values()]
            now = dict(zip([*enrich, *(f"score {n}" for n in score)], _requests(ids)))
            if not killed:
                running = [r.dagster_run_id for r in now.values() if r.status == "running" and r.dagster_run_id]
                busy = [w for ws in _step_workers(running, unfinished_only=True).values() for w in ws
                        if w.startswith("worker1-")]
                if busy:  # worker1 is running a step: kill it, and start another as systemd's Restart= would
                    stack.kill9("worker1")
                    killed.append(busy[0])
                    stack.start_worker("worker3")
            for name in names:  # each list is scored as soon as its enrichment is complete
                if name not in score and now[name].status == "complete":
                    score[name] = orchestration.run("rise", "score", name, requested_by="test", wait=False)
            if len(score) == len(names) and all(r.finished for r in now.values()) and len(now) == 2 * len(names):
                break
            time.sleep(1)
        print(f"enriched and scored in {time.monotonic() - started:.1f} s")
        enriched = [now[n] for n in names]
        scored = [now[f"score {n}"] for n in names]
        assert killed, "worker1 was killed while it ran a step"
        assert all(r.status == "complete" for r in enriched), [r.describe() for r in enriched]
        assert all(r.status == "complete" for r in scored), [r.describe() for r in scored]
        assert all(r.summary["scored"] == PEOPLE_PER_LIST for r in scored)

        # The killed worker's step started again on the other worker, in the same run.
        run_ids = [r.dagster_run_id for r in enriched + scored]
        steps = _step_workers(run_ids)
        assert any(any(w.startswith("worker1-") for w in ws) and any(not w.startswith("worker1-") for w in ws)
                   for ws in steps.values()), steps
        assert {w.split("-")[0] for ws in steps.values() for w in ws} >= {"worker1", "worker2"}

        # Nothing was paid twice, by the sandbox's own count.
        paid = sandbox.paid_requests()
        assert paid and max(paid.values()) == 1, {k: n for k, n in paid.items() if n > 1}

        # The Dagster webserver lists every run, each a success.
        listed = _runs_listed(stack.dagster_url, run_ids)
        assert set(run_ids) <= set(listed), set(run_ids) - set(listed)
        assert all(listed[i]["status"] == "SUCCESS" for i in run_ids), {i: listed[i]["status"] for i in run_ids}
        lists = {t["value"] for i in run_ids for t in listed[i]["tags"] if t["key"] == "outsignal/list"}
        assert len(lists) == len(names)

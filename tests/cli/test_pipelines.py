"""`enrich`, `score`, `export` and `deploy`: summaries on --json, nothing paid or scored twice, each a
Dagster run of the list's partition, and never two runs of one list at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._daemon.types import DaemonHeartbeat

from outsignal_pipelines import orchestration
from tests.cli.helpers import app, one_json, runner


def test_enrich_prints_the_summary_and_pays_nothing_the_second_time(seeded_store, sandbox):
    first = runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert first.exit_code == 0, first.stdout
    payload = one_json(first)
    assert {"people", "emails_found", "verified_valid", "paid_calls", "cost_usd", "skipped_by_dedup",
            "by_provider"} <= payload.keys()
    assert payload["people"] == 200 and payload["paid_calls"] > 0
    second = one_json(runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"]))
    assert second["paid_calls"] == 0 and second["skipped_by_dedup"] > 0
    # Each is a Dagster run of the list's partition, recorded in the instance.
    assert [r.run_id for r in _runs("rise.rise-q1")] == [second["dagster_run_id"], payload["dagster_run_id"]]
    missing = runner.invoke(app, ["enrich", "--list", "Nope", "--workspace", "rise", "--json"])
    assert missing.exit_code == 1 and "no list" in one_json(missing)["error"]


def test_score_json_then_nothing_to_score(seeded_store):
    first = runner.invoke(app, ["score", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert first.exit_code == 0, first.stdout
    payload = one_json(first)
    assert {"scored", "skipped_already_scored", "failed", "llm_calls", "cost_usd", "scorer"} <= payload.keys()
    assert payload["scored"] == 200 and payload["scorer"] == "rules" and payload["llm_calls"] == 0
    second = one_json(runner.invoke(app, ["score", "--list", "Rise Q1", "--workspace", "rise", "--json"]))
    assert second["scored"] == 0 and second["skipped_already_scored"] == 200


def test_deploy_is_queued_for_the_daemon_and_run_here_with_wait_when_none_runs(seeded_store, sandbox):
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    with orchestration.instance() as inst:
        inst.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "SENSOR", None, None))
    queued = one_json(runner.invoke(app, ["deploy", "--list", "Rise Q1", "-w", "rise", "--json"]))
    assert queued["status"] == "pending" and queued["path"] == "leads_only" and queued["request_id"]
    assert _runs("rise.rise-q1") == []  # the daemon's queue will run it
    with orchestration.instance() as inst:
        inst.wipe_daemon_heartbeats()
    done = one_json(runner.invoke(app, ["deploy", "--list", "Rise Q1", "-w", "rise", "--wait", "--json"]))
    assert done["id"] == queued["id"] and done["status"] == "complete" and done["lead_count"] > 0
    assert set(done) == {"id", "status", "path", "lead_count", "step_count", "emailbison_campaign_id", "error",
                         "request_id", "skipped", "notifications"}
    # Announced before the command exits: Slack (the sandbox sink) took it; the email waits for an SMTP server.
    assert done["skipped"] == [] and len(done["notifications"]["sent"]) == 1
    assert [r.job_name for r in _runs("rise.rise-q1")] == ["emailbison_deploy_job"]


def test_score_and_export_commands_are_dagster_runs_of_the_lists_partition(seeded_store, tmp_path):
    from outsignal_pipelines.store import connect

    with connect() as con:  # verified already, so the export gate lets the list through
        con.execute("UPDATE people SET email_status = 'valid', verified_at = now() WHERE email IS NOT NULL")
    for args in (["score"], ["export", "--to", "csv", "--out", str(tmp_path / "x.csv")]):
        result = runner.invoke(app, [*args, "--list", "Rise Q1", "-w", "rise", "--json"])
        assert result.exit_code == 0, result.stdout
        assert one_json(result)["dagster_run_id"]
    runs = _runs("rise.rise-q1")
    assert sorted(r.job_name for r in runs) == ["score_list_job", "verified_export_job"]
    assert {r.tags["outsignal/requested_by"] for r in runs} == {"cli"}
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)


def _enrich_process(db, home):
    env = {**os.environ, "OUTSIGNAL_DB": str(db), "DAGSTER_HOME": str(home)}
    return subprocess.Popen([str(Path(sys.executable).parent / "outsignal"), "enrich", "--list", "Rise Q1", "-w",
                             "rise", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_enrich_commands_at_once_never_overlap(seeded_store, sandbox):
    """The second is refused with a message naming the first, which runs to the end alone."""
    sandbox.configure(aiark={"latency_ms": 40}, prospeo={"latency_ms": 40}, millionverifier={"latency_ms": 40})
    home = os.environ["DAGSTER_HOME"]
    procs = [_enrich_process(seeded_store, home) for _ in range(2)]
    outcomes = [(p.wait(timeout=240), p.stdout.read()) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 1], outcomes
    refused = json.loads(next(out for code, out in outcomes if code == 1))
    assert "Rise Q1 is busy" in refused["error"] and "request #1" in refused["error"]
    [run] = _runs("rise.rise-q1")
    assert run.status == dg.DagsterRunStatus.SUCCESS


def _runs(list_id: str) -> list:
    with orchestration.instance() as inst:
        return [r.dagster_run for r in inst.get_run_records(filters=dg.RunsFilter(tags={"dagster/partition": list_id}))]


def test_enrich_with_no_vendor_to_call_says_so_and_exits_non_zero(seeded_store):
    """Next to `make demo`, in a terminal without OUTSIGNAL_SANDBOX_URL, enrich made 0 calls and exited 0."""
    result = runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert result.exit_code == 1
    error = one_json(result)["error"]
    assert "no enrichment vendor can be called" in error and "OUTSIGNAL_SANDBOX_URL" in error
    assert "source .outsignal-demo.env" in error
    assert _runs("rise.rise-q1") == []  # nothing was filed or run


@pytest.mark.slow
def test_export_to_emailbison_names_the_leads_it_skipped_and_allow_overlap_attaches_them(workspace, sandbox):
    """A lead of two lists was attached to both lists' campaigns; now it is skipped by name, and
    `--allow-overlap` (carried through the run's params) attaches it on purpose."""
    from outsignal_pipelines.operations.lists import add_people, create_list
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        ids = [con.execute("INSERT INTO people (first_name, last_name, email, email_status) VALUES (?, ?, ?, 'valid') "
                           "RETURNING id", [f, "Chan", f"{f}@firm.example"]).fetchall()[0][0] for f in ("ann", "bo")]
    for name, members in (("First", ids), ("Second", ids[1:])):
        create_list("acme", name)
        add_people("acme", name, members)
    base = ["export", "--to", "emailbison", "-w", "acme", "--list"]
    assert one_json(runner.invoke(app, [*base, "First", "--json"]))["exported"] == 2
    human = runner.invoke(app, [*base, "Second"])
    assert human.exit_code == 0, human.stdout
    assert "skipped bo Chan <bo@firm.example>: already in active campaign" in human.stdout
    assert "--allow-overlap" in human.stdout
    again = one_json(runner.invoke(app, [*base, "Second", "--allow-overlap", "--json"]))
    assert again["exported"] == 1 and again["skipped"] == [] and len(again["attached_despite_overlap"]) == 1

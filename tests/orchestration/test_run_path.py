"""One run path: a request becomes a Dagster run of the list's partition in the instance under
DAGSTER_HOME, executed in-process when no daemon runs and left to the daemon's queue when one does."""

from __future__ import annotations

import time

import dagster as dg
import pytest

from outsignal_pipelines import orchestration
from outsignal_pipelines.definitions import defs
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.runs.sensors import run_requests_sensor
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.run_requests import ListBusy, get_request, request_run


def _partition_runs(list_id: str) -> list[dg.DagsterRun]:
    with orchestration.instance() as inst:
        return [r.dagster_run for r in inst.get_run_records(filters=dg.RunsFilter(tags={"dagster/partition": list_id}))]


def test_without_a_daemon_the_request_runs_in_process_and_is_recorded_in_the_instance(seeded_store, sandbox):
    progress = []
    done = orchestration.run("rise", "enrich", "Rise Q1", requested_by="cli",
                             on_progress=lambda d, t: progress.append((d, t)))
    assert done.status == "complete", done.error
    assert done.summary["people"] == 200 and done.summary["paid_calls"] > 0
    assert progress and progress[-1][0] == progress[-1][1]
    [run] = _partition_runs("rise.rise-q1")
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "enrich_list_job"
    assert run.tags["outsignal/request_id"] == str(done.id) and run.run_id == done.dagster_run_id
    with orchestration.instance() as inst:
        event = inst.get_latest_materialization_event(dg.AssetKey("enriched_people"))
        assert event is not None and event.dagster_event.partition == "rise.rise-q1"


def test_a_failing_run_fails_its_request_with_the_reason_and_frees_the_list(seeded_store, sandbox):
    done = orchestration.run("rise", "export", "Rise Q1", params={"to": "csv"}, requested_by="cli")
    assert done.status == "failed" and "verif" in done.error
    assert request_run("rise", "score", target=resolve_list("rise", "Rise Q1"), requested_by="cli").status == "queued"


def test_with_a_daemon_the_request_waits_for_the_queue_and_the_sensor_launches_it(seeded_store):
    with orchestration.instance() as inst:
        from dagster._daemon.types import DaemonHeartbeat  # the heartbeat a running daemon writes

        inst.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "SENSOR", None, None))
    request = request_run("rise", "score", target=resolve_list("rise", "Rise Q1"), params={"force": True},
                          requested_by="page")
    assert orchestration.submit(request, wait=False).status == "queued"
    assert _partition_runs("rise.rise-q1") == []
    with dg.instance_for_test() as inst:
        result = run_requests_sensor(dg.build_sensor_context(instance=inst, resources={"store": StoreResource()}))
    [run] = result.run_requests
    assert (run.job_name, run.partition_key, run.run_key) == ("score_list_job", "rise.rise-q1", f"request-{request.id}")
    assert run.tags["outsignal/list"] == "rise.rise-q1"
    assert run.run_config["ops"]["icp_scores"]["config"]["force"] is True


def test_a_second_request_for_a_busy_list_is_refused_and_the_first_still_runs(seeded_store):
    first = request_run("rise", "score", target=resolve_list("rise", "Rise Q1"), requested_by="chat")
    with pytest.raises(ListBusy, match=f"request #{first.id}"):
        orchestration.run("rise", "enrich", "Rise Q1", requested_by="cli")
    assert orchestration.submit(first).status == "complete"
    assert get_request(first.id).dagster_run_id
    assert [r.job_name for r in _partition_runs("rise.rise-q1")] == ["score_list_job"]


def test_the_definitions_load_from_the_defs_folder():
    loaded = defs()
    dg.Definitions.validate_loadable(loaded)
    assert {"run_requests", "auto_deploy", "notification_outbox_retry", "target_list_partitions"} <= {
        s.name for s in loaded.sensors}


def test_following_a_run_that_died_without_reporting_fails_its_request(seeded_store):
    request = request_run("rise", "score", target=resolve_list("rise", "Rise Q1"), requested_by="page")
    with orchestration.instance() as inst:
        run = inst.create_run_for_job(defs().resolve_job_def("score_list_job"), tags={"outsignal/request_id": str(request.id)})
        from outsignal_pipelines.operations.run_requests import begin_step

        begin_step(run_id=run.run_id, step="score", kind="score", request_id=request.id, list_id="rise.rise-q1")
        inst.report_run_failed(run)  # the worker died before its step could report
        followed = orchestration.follow(inst, request.id)
    assert followed.status == "failed" and "ended failure" in followed.error
    assert request_run("rise", "score", target=resolve_list("rise", "Rise Q1"), requested_by="page").status == "queued"


def test_following_a_run_the_daemon_will_retry_keeps_following_instead_of_failing_the_request(seeded_store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_RUN_WAIT_TIMEOUT", "1")
    request = request_run("rise", "score", target=resolve_list("rise", "Rise Q1"), requested_by="page")
    with orchestration.instance() as inst:
        run = inst.create_run_for_job(defs().resolve_job_def("score_list_job"), tags={"outsignal/request_id": str(request.id)})
        from outsignal_pipelines.operations.run_requests import begin_step

        begin_step(run_id=run.run_id, step="score", kind="score", request_id=request.id, list_id="rise.rise-q1")
        inst.add_run_tags(run.run_id, {"dagster/will_retry": "true"})  # what run retries mark a failed run with
        inst.report_run_failed(inst.get_run_by_id(run.run_id))
        followed = orchestration.follow(inst, request.id)
    assert followed.status == "running" and followed.error is None

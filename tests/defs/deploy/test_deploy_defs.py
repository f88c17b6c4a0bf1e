"""Deploys: a deploy request becomes a run of the list's partition through the run_requests sensor;
auto-deploy watches approvals with a cursor and files requests; the asset carries the deploy out."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.deploy.assets import emailbison_deploy
from outsignal_pipelines.defs.deploy.sensors import auto_deploy_sensor
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.runs.sensors import run_requests_sensor
from outsignal_pipelines.defs.runs.targets import run_target
from outsignal_pipelines.operations.deploy import request_deploy
from outsignal_pipelines.operations.review import get_deploy, record_approval, send_list_to_review, set_list_status
from outsignal_pipelines.operations.run_requests import get_request
from outsignal_pipelines.store import connect, transaction


def _approve(workspace: str = "rise", name: str = "Rise Q1") -> None:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review(workspace, name)
    set_list_status(workspace, name, "approved")
    with transaction() as con:
        record_approval(con, workspace, "client@rise.example", "list", "rise.rise-q1", "approved", None)


def _ctx(instance, db, cursor=None):
    return dg.build_sensor_context(instance=instance, cursor=cursor,
                                   resources={"store": StoreResource(path=str(db))})


def test_a_deploy_request_becomes_a_run_of_the_lists_partition(seeded_store):
    _approve()
    record = request_deploy("rise", "Rise Q1")
    with dg.instance_for_test() as instance:
        result = run_requests_sensor(_ctx(instance, seeded_store))
    [run] = result.run_requests
    assert (run.job_name, run.partition_key, run.run_key) == (
        "emailbison_deploy_job", "rise.rise-q1", f"request-{record['request_id']}")
    assert run.tags["outsignal/list"] == "rise.rise-q1"
    assert [k for r in result.dynamic_partitions_requests for k in r.partition_keys] == ["rise.rise-q1"]


def test_auto_deploy_watches_approvals_with_a_cursor_for_auto_deploy_workspaces(seeded_store):
    _approve()
    with dg.instance_for_test() as instance:
        ctx = _ctx(instance, seeded_store)
        assert "nothing newly approved" in auto_deploy_sensor(ctx).skip_message
        moved = ctx.cursor
        with connect() as con:
            con.execute("UPDATE workspaces SET auto_deploy = true WHERE slug = 'rise'")
        # The approval is behind the cursor now: switching auto-deploy on later deploys nothing old.
        assert "nothing newly approved" in auto_deploy_sensor(_ctx(instance, seeded_store, moved)).skip_message
        fresh = _ctx(instance, seeded_store, "0")
        assert "filed deploy requests" in auto_deploy_sensor(fresh).skip_message
        assert "nothing newly approved" in auto_deploy_sensor(_ctx(instance, seeded_store, fresh.cursor)).skip_message
    with connect() as con:
        assert con.execute("SELECT path, requested_by FROM campaign_deploys").fetchall() == [("leads_only", "auto-deploy")]


def test_the_deploy_asset_carries_out_the_request(seeded_store, sandbox):
    _approve()
    record = request_deploy("rise", "Rise Q1")
    target = run_target(get_request(record["request_id"]))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        result = dg.materialize([emailbison_deploy], partition_key="rise.rise-q1", instance=instance,
                                resources={"store": StoreResource(path=str(seeded_store))}, tags=target.tags)
    assert result.success
    meta = result.asset_materializations_for_node("emailbison_deploy")[0].metadata
    assert meta["lead_count"].value > 0 and get_deploy("rise", record["id"])["status"] == "complete"
    assert get_request(record["request_id"]).status == "complete"

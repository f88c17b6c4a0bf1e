"""Deploy sensors and the deploy asset: a pending request becomes a run for the list's partition;
auto-deploy files requests for approved lists; the asset carries the deploy out."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.deploy import auto_deploy_sensor, deploy_requests_sensor, emailbison_deploy
from outsignal_pipelines.defs.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.deploy import request_deploy
from outsignal_pipelines.operations.review import get_deploy, send_list_to_review, set_list_status
from outsignal_pipelines.store import connect


def _approve(workspace: str = "rise", name: str = "Rise Q1") -> None:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review(workspace, name)
    set_list_status(workspace, name, "approved")


def _ctx(instance, db):
    return dg.build_sensor_context(instance=instance, resources={"store": StoreResource(path=str(db))})


def test_pending_requests_become_runs_of_the_lists_partition(seeded_store):
    _approve()
    record = request_deploy("rise", "Rise Q1")
    with dg.instance_for_test() as instance:
        result = deploy_requests_sensor(_ctx(instance, seeded_store))
    [run] = result.run_requests
    assert (run.partition_key, run.run_key, run.tags["deploy_id"]) == ("rise.rise-q1", f"deploy-{record['id']}",
                                                                      str(record["id"]))
    assert [k for r in result.dynamic_partitions_requests for k in r.partition_keys] == ["rise.rise-q1"]


def test_auto_deploy_files_a_request_only_for_auto_deploy_workspaces(seeded_store):
    _approve()
    with dg.instance_for_test() as instance:
        assert "nothing newly approved" in auto_deploy_sensor(_ctx(instance, seeded_store)).skip_message
        with connect() as con:
            con.execute("UPDATE workspaces SET auto_deploy = true WHERE slug = 'rise'")
        assert "filed deploy requests" in auto_deploy_sensor(_ctx(instance, seeded_store)).skip_message
        assert "nothing newly approved" in auto_deploy_sensor(_ctx(instance, seeded_store)).skip_message
    with connect() as con:
        assert con.execute("SELECT path, requested_by FROM campaign_deploys").fetchall() == [("leads_only", "auto-deploy")]


def test_the_deploy_asset_carries_out_the_request(seeded_store, sandbox):
    _approve()
    record = request_deploy("rise", "Rise Q1")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        result = dg.materialize([emailbison_deploy], partition_key="rise.rise-q1", instance=instance,
                                resources={"store": StoreResource(path=str(seeded_store))},
                                tags={"deploy_id": str(record["id"])})
    assert result.success
    meta = result.asset_materializations_for_node("emailbison_deploy")[0].metadata
    assert meta["lead_count"].value > 0 and get_deploy("rise", record["id"])["status"] == "complete"

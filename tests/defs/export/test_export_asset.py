"""verified_export: the gate's refusal fails the run with the reason; once verified, the CSV leaves."""

from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg

from outsignal_pipelines.defs.export.assets import verified_export
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.run_requests import list_requests
from outsignal_pipelines.store import connect


def test_the_export_asset_refuses_unverified_lists_then_writes_the_csv(seeded_store, tmp_path):
    resources = {"store": StoreResource(path=str(seeded_store))}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        refused = dg.materialize([verified_export], partition_key="rise.rise-q1", instance=instance,
                                 resources=resources, raise_on_error=False)
        assert not refused.success
        assert list_requests("rise")[0].status == "failed" and "verif" in list_requests("rise")[0].error

        with connect() as con:
            con.execute("UPDATE people SET email_status = 'valid', verified_at = now() WHERE email IS NOT NULL")
        out = tmp_path / "rise.csv"
        done = dg.materialize([verified_export], partition_key="rise.rise-q1", instance=instance, resources=resources,
                              run_config={"ops": {"verified_export": {"config": {"to": "csv", "out": str(out)}}}})
    assert done.success
    meta = done.asset_materializations_for_node("verified_export")[0].metadata
    assert meta["exported"].value > 0 and Path(meta["file"].value) == out
    with out.open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == meta["exported"].value

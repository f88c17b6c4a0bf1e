"""The icp_scores asset reports the distribution and never scores anyone twice."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.scoring.assets import icp_scores


def test_icp_scores_asset_reports_the_distribution_and_skips_scored_people(seeded_store):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        resources = {"store": StoreResource(path=str(seeded_store))}
        first = dg.materialize([icp_scores], partition_key="rise.rise-q1", instance=instance, resources=resources)
        meta = first.asset_materializations_for_node("icp_scores")[0].metadata
        assert meta["scored"].value == 200 and meta["scorer"].value == "rules"
        assert sum(meta["distribution"].value.values()) == 200
        assert "| score | people |" in meta["histogram"].value
        second = dg.materialize([icp_scores], partition_key="rise.rise-q1", instance=instance, resources=resources)
        meta = second.asset_materializations_for_node("icp_scores")[0].metadata
        assert meta["scored"].value == 0 and meta["skipped_already_scored"].value == 200

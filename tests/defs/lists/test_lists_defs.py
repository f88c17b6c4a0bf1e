"""List partitions follow the lists in the store; list_members materialises one partition."""

from __future__ import annotations

import dagster as dg
import pytest

from outsignal_pipelines.defs.lists.assets import list_members
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS, partition_changes, target_list_partitions_sensor
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.store import connect


@pytest.mark.parametrize("current, wanted, add, delete", [
    ([], ["a", "b"], ["a", "b"], []),           # first tick: every list becomes a partition
    (["a", "b"], ["b", "c"], ["c"], ["a"]),     # a list created and one deleted
    (["a"], ["a"], [], []),                     # nothing changed
    (["a", "b"], [], [], ["a", "b"]),           # every list deleted
])
def test_partition_changes(current, wanted, add, delete):
    assert partition_changes(current, wanted) == (add, delete)


def _evaluate_sensor(instance, db):
    ctx = dg.build_sensor_context(instance=instance, resources={"store": StoreResource(path=str(db))})
    return target_list_partitions_sensor(ctx)


def _apply(instance, result):
    for request in result.dynamic_partitions_requests:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)


def test_partitions_sensor_adds_new_lists_and_removes_deleted_ones(seeded_store):
    with dg.instance_for_test() as instance:
        first = _evaluate_sensor(instance, seeded_store)
        added = [k for r in first.dynamic_partitions_requests for k in r.partition_keys]
        assert sorted(added) == ["lime-recruitment.lime-hiring-managers", "rise.rise-q1",
                                 "yoopknows.yoopknows-practices"]
        _apply(instance, first)
        assert isinstance(_evaluate_sensor(instance, seeded_store), dg.SkipReason)

        with connect() as con:
            con.execute("DELETE FROM target_list_members WHERE list_id = 'rise.rise-q1'")
            con.execute("DELETE FROM target_lists WHERE id = 'rise.rise-q1'")
            con.execute("INSERT INTO target_lists (id, workspace_slug, name) VALUES ('rise.q2', 'rise', 'Q2')")
        second = _evaluate_sensor(instance, seeded_store)
        kinds = {type(r).__name__: list(r.partition_keys) for r in second.dynamic_partitions_requests}
        assert kinds == {"AddDynamicPartitionsRequest": ["rise.q2"],
                         "DeleteDynamicPartitionsRequest": ["rise.rise-q1"]}
        _apply(instance, second)
        assert sorted(instance.get_dynamic_partitions(TARGET_LISTS)) == [
            "lime-recruitment.lime-hiring-managers", "rise.q2", "yoopknows.yoopknows-practices"]


def test_list_members_materialises_one_partition_with_coverage(seeded_store):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        result = dg.materialize([list_members], partition_key="rise.rise-q1", instance=instance,
                                resources={"store": StoreResource(path=str(seeded_store))})
        assert result.success
        meta = result.asset_materializations_for_node("list_members")[0].metadata
        assert meta["dagster/row_count"].value == 200 and meta["list"].value == "Rise Q1"
        assert 0 < meta["email_coverage"].value < 1

        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.gone"])
        gone = dg.materialize([list_members], partition_key="rise.gone", instance=instance,
                              resources={"store": StoreResource(path=str(seeded_store))}, raise_on_error=False)
        assert not gone.success

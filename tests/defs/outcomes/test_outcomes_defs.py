"""The outcome assets materialise a list partition with its rollups as metadata tables, the bounce
check fails a list over the threshold, and the sensor requests one outcomes run per list with new
events (and none again until more arrive)."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.outcomes.assets import ROLLUPS, campaign_outcomes
from outsignal_pipelines.defs.outcomes.checks import bounce_rate_within_threshold
from outsignal_pipelines.defs.outcomes.sensors import new_campaign_events_sensor
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.store import connect
from tests.operations.test_outcomes import _event, outcomes_store  # noqa: F401 - the fixture

ASSETS = [campaign_outcomes, *ROLLUPS, bounce_rate_within_threshold]


def _lists(con) -> None:
    con.execute("INSERT INTO target_lists (id, workspace_slug, name) VALUES ('acme.q1', 'acme', 'Q1'), "
                "('acme.q2', 'acme', 'Q2')")


def test_outcome_assets_and_the_bounce_check(outcomes_store, db_path):  # noqa: F811
    with connect() as con:
        _lists(con)
    resources = {"store": StoreResource(path=str(db_path))}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["acme.q1", "acme.q2"])
        q1 = dg.materialize(ASSETS, partition_key="acme.q1", instance=instance, resources=resources,
                            raise_on_error=False)
        meta = q1.asset_materializations_for_node("campaign_outcomes")[0].metadata
        assert (meta["leads"].value, meta["sent"].value, meta["bounced"].value, meta["replied"].value) == (2, 2, 1, 1)
        table = q1.asset_materializations_for_node("outcomes_by_finder_provider")[0].metadata["rollup"].value
        assert {r.data["finder_provider"]: r.data["bounced"] for r in table.records} == {"findymail": 0, "prospeo": 1}
        [check] = q1.get_asset_check_evaluations()
        assert check.passed is False and check.metadata["bounce_rate"].value == 0.5
        q2 = dg.materialize(ASSETS, partition_key="acme.q2", instance=instance, resources=resources)
        assert q2.get_asset_check_evaluations()[0].passed is True


def test_the_sensor_requests_a_run_per_list_with_new_events(outcomes_store, db_path):  # noqa: F811
    with connect() as con:
        _lists(con)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["acme.q1", "acme.q2"])
        context = dg.build_sensor_context(instance=instance, resources={"store": StoreResource(path=str(db_path))})
        first = new_campaign_events_sensor(context)
        assert sorted(r.partition_key for r in first) == ["acme.q1", "acme.q2"]
        context = dg.build_sensor_context(instance=instance, cursor=context.cursor,
                                          resources={"store": StoreResource(path=str(db_path))})
        assert isinstance(new_campaign_events_sensor(context), dg.SkipReason)
        with connect() as con:
            _event(con, "o2", "opened", 2, 10)
        context = dg.build_sensor_context(instance=instance, cursor=context.cursor,
                                          resources={"store": StoreResource(path=str(db_path))})
        assert [r.partition_key for r in new_campaign_events_sensor(context)] == ["acme.q1"]

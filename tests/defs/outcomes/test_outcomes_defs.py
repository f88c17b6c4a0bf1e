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


def test_the_backfill_asset_pulls_what_the_webhook_missed(workspace, sandbox, db_path):
    import httpx

    from outsignal_pipelines.clients.emailbison import EmailBisonClient
    from outsignal_pipelines.defs.outcomes.assets import campaign_events_backfill

    with EmailBisonClient(f"{sandbox.url}/emailbison", "sandbox-acme") as client:
        campaign = client.create_campaign("Acme Q1")
        leads = client.upsert_leads([{"first_name": f"Lee{i}", "last_name": "Chan", "title": "Chief Executive Officer",
                                      "email": f"lee{i}.chan@backfill.example"} for i in range(12)])
        client.attach_leads(campaign["id"], [lead["id"] for lead in leads])
    with connect() as con:
        con.execute("INSERT INTO target_lists (id, workspace_slug, name) VALUES ('acme.q1', 'acme', 'Q1')")
        con.execute("INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id) "
                    "VALUES ('acme.q1', 'acme', 'Acme Q1', ?)", [campaign["id"]])
        for i in range(12):
            con.execute("INSERT INTO people (id, email) VALUES (?, ?)", [100 + i, f"lee{i}.chan@backfill.example"])
            con.execute("INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) "
                        "VALUES ('acme', ?, ?, 'acme.q1')", [100 + i, campaign["id"]])
    httpx.post(f"{sandbox.url}/_sandbox/emailbison/clock", json={"advance_days": 12, "deliver": False}, timeout=60)
    emitted = httpx.get(f"{sandbox.url}/_sandbox/emailbison/events", params={"token": "sandbox-acme"}).json()
    resources = {"store": StoreResource(path=str(db_path))}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["acme.q1"])
        first = dg.materialize([campaign_events_backfill, campaign_outcomes], partition_key="acme.q1",
                               instance=instance, resources=resources)
        meta = first.asset_materializations_for_node("campaign_events_backfill")[0].metadata
        assert meta["stored"].value == len(emitted) > 12
        assert meta["emailbison_stats"].value["total_leads_contacted"] == 12
        outcomes = first.asset_materializations_for_node("campaign_outcomes")[0].metadata
        assert (outcomes["leads"].value, outcomes["sent"].value) == (12, 12)
        again = dg.materialize([campaign_events_backfill], partition_key="acme.q1", instance=instance,
                               resources=resources)
        assert again.asset_materializations_for_node("campaign_events_backfill")[0].metadata["stored"].value == 0
    from outsignal_pipelines.operations.notifications import settle

    settle(timeout=10)  # announcements of the backfilled replies finish on this test's store

"""The enrichment assets really materialise one list partition against the sandbox, report what they
paid, and the schedules pick the right lists."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from outsignal_pipelines.defs.enrichment import (
    company_profiles,
    enriched_people,
    nightly_enrichment,
    no_duplicate_emails,
    spend_within_cap,
    verified_emails,
    weekly_reverification,
)
from outsignal_pipelines.defs.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.store import connect

ASSETS = [enriched_people, company_profiles, verified_emails, no_duplicate_emails, spend_within_cap]


def test_enrichment_assets_materialise_a_list_and_report_spend(seeded_store, sandbox):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        result = dg.materialize(ASSETS, partition_key="rise.rise-q1", instance=instance,
                                resources={"store": StoreResource(path=str(seeded_store))})
        assert result.success
        meta = result.asset_materializations_for_node("enriched_people")[0].metadata
        assert meta["people"].value == 200 and meta["paid_calls"].value > 0
        providers = {r.data["provider"] for r in meta["by_provider"].value.records}
        assert "aiark" in providers
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks == {"no_duplicate_emails": True, "spend_within_cap": True}
        paid = sandbox.credits()

        again = dg.materialize(ASSETS, partition_key="rise.rise-q1", instance=instance,
                               resources={"store": StoreResource(path=str(seeded_store))})
        assert again.success and sandbox.credits() == paid
        assert again.asset_materializations_for_node("enriched_people")[0].metadata["paid_calls"].value == 0


def test_nightly_schedule_requests_building_lists_with_unenriched_members(seeded_store):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1", "yoopknows.yoopknows-practices",
                                                       "lime-recruitment.lime-hiring-managers"])
        with connect() as con:
            con.execute("UPDATE target_lists SET status = 'approved' WHERE id = 'yoopknows.yoopknows-practices'")
        ctx = dg.build_schedule_context(instance=instance, resources={"store": StoreResource(path=str(seeded_store))},
                                        scheduled_execution_time=dt.datetime(2026, 11, 26, 2, 0))
        requests = nightly_enrichment(ctx)
        assert sorted(r.partition_key for r in requests) == ["lime-recruitment.lime-hiring-managers", "rise.rise-q1"]
        assert all(r.run_key.endswith("2026-11-26") for r in requests)


def test_weekly_reverification_targets_stale_valid_emails_on_lists_about_to_deploy(seeded_store):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1", "yoopknows.yoopknows-practices"])
        ctx = dg.build_schedule_context(instance=instance, resources={"store": StoreResource(path=str(seeded_store))})
        assert isinstance(weekly_reverification(ctx), dg.SkipReason)  # nothing about to deploy
        with connect() as con:
            con.execute("UPDATE target_lists SET status = 'approved' WHERE id = 'rise.rise-q1'")
        requests = weekly_reverification(ctx)
        assert [r.partition_key for r in requests] == ["rise.rise-q1"]  # demo data has 90+ day old checks


def test_icp_scores_asset_reports_the_distribution_and_skips_scored_people(seeded_store):
    from outsignal_pipelines.defs.scoring import icp_scores

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


def test_outbox_sensor_delivers_what_is_due(seeded_store, mail_and_slack):
    from outsignal_pipelines.defs.notifications import notification_outbox_sensor
    from outsignal_pipelines.operations.notifications import enqueue, outbox
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        enqueue(con, "test", "slack", {"text": "hello from the outbox"}, "rise")
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, resources={"store": StoreResource(path=str(seeded_store))})
        result = notification_outbox_sensor(ctx)
    assert "1 delivered" in result.skip_message
    assert outbox("rise")[0]["status"] == "sent"
    assert mail_and_slack["slack"][-1]["text"] == "hello from the outbox"

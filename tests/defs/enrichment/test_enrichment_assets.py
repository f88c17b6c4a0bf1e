"""The enrichment assets really materialise one list partition against the sandbox, report what they
paid, and the schedules pick the right lists (the selection is an operations rule)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from outsignal_pipelines.defs.enrichment.assets import company_profiles, enriched_people, verified_emails
from outsignal_pipelines.defs.enrichment.checks import no_duplicate_emails, spend_within_cap
from outsignal_pipelines.defs.enrichment.schedules import nightly_enrichment, weekly_reverification
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.run_requests import list_requests
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
        # An operator's materialisation files its own run request, holds the list and completes it.
        [request] = list_requests("rise")
        assert (request.status, request.requested_by, request.dagster_run_id) == ("complete", "dagster", result.run_id)

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
        # As a context manager: the context enters the instance (Dagster's current state storage) and
        # must leave it, or a later test on this worker loads definitions against a dead instance.
        with dg.build_schedule_context(instance=instance, resources={"store": StoreResource(path=str(seeded_store))},
                                       scheduled_execution_time=dt.datetime(2026, 11, 26, 2, 0)) as ctx:
            requests = nightly_enrichment(ctx)
        assert sorted(r.partition_key for r in requests) == ["lime-recruitment.lime-hiring-managers", "rise.rise-q1"]
        assert all(r.run_key.endswith("2026-11-26") for r in requests)
        # Tagged with the list, so the run queue holds a second run of the same list back.
        assert all(r.tags["outsignal/list"] == r.partition_key for r in requests)


def test_weekly_reverification_targets_stale_valid_emails_on_lists_about_to_deploy(seeded_store):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1", "yoopknows.yoopknows-practices"])
        with dg.build_schedule_context(instance=instance,
                                       resources={"store": StoreResource(path=str(seeded_store))}) as ctx:
            assert isinstance(weekly_reverification(ctx), dg.SkipReason)  # nothing about to deploy
            with connect() as con:
                con.execute("UPDATE target_lists SET status = 'approved' WHERE id = 'rise.rise-q1'")
            requests = weekly_reverification(ctx)
        assert [r.partition_key for r in requests] == ["rise.rise-q1"]  # demo data has 90+ day old checks
        assert requests[0].tags["outsignal/kind"] == "reverify"

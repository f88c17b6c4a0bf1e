"""Every dbt_like_sql model is an asset and every assert_*.sql a check, run through operations."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.definitions import defs
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.store import connect


def test_sql_model_assets_materialise_and_their_checks_pass(seeded_store):
    job = defs().resolve_job_def("build_sql_models")
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, resources={"store": StoreResource(path=str(seeded_store))})
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 4 and all(e.passed for e in evaluations)
    mats = {m.asset_key.to_user_string() for m in result.asset_materializations_for_node("lead_search")}
    assert mats == {"lead_search"}


def test_a_failing_sql_check_is_reported_as_failed(seeded_store):
    with connect() as con:
        con.execute("INSERT INTO target_list_members (list_id, person_id) VALUES ('rise.rise-q1', 987654321)")
    job = defs().resolve_job_def("build_sql_models")
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, resources={"store": StoreResource(path=str(seeded_store))})
    failed = {e.check_name: e.metadata["failing_rows"].value for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed == {"assert_list_members_exist": 1}

"""The learning assets materialise the calibration and the provider table of every workspace with
results as metadata, and change nothing: no rule weight, no finder order, no audit row."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.learning.assets import icp_calibration, provider_quality_asset
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.store import connect
from tests.operations.outcome_fixtures import plant


def test_learning_assets_report_and_change_nothing(workspace, db_path):
    plant(workspace)
    with connect() as con:
        before = con.execute("SELECT icp_rules, finder_order FROM workspaces").fetchall()
    with dg.instance_for_test() as instance:
        result = dg.materialize([icp_calibration, provider_quality_asset], instance=instance,
                                resources={"store": StoreResource(path=str(db_path))})
    assert result.success
    calibration = result.asset_materializations_for_node("icp_calibration")[0].metadata
    [row] = calibration["verdicts"].value.records
    assert row.data["workspace"] == "acme" and row.data["verdict"] == "predicts"
    assert "seniority 30→45" in row.data["suggested_weights"]
    quality = result.asset_materializations_for_node("provider_quality")[0].metadata
    [order] = quality["finder_orders"].value.records
    assert order.data["recommended"].endswith("aiark")
    with connect() as con:
        assert con.execute("SELECT icp_rules, finder_order FROM workspaces").fetchall() == before
        assert con.execute("SELECT count(*) FROM applied_suggestions").fetchall()[0][0] == 0


def test_the_learning_job_is_in_the_code_location():
    from outsignal_pipelines.definitions import defs

    loaded = defs()
    assert loaded.resolve_job_def("outcome_learning_job") is not None
    keys = {k.to_user_string() for k in loaded.resolve_all_asset_keys()}
    assert {"icp_calibration", "provider_quality"} <= keys

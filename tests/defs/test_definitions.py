"""The code location loads from the defs folder, with every domain's assets, jobs and sensors, and
the store resource that decides which store a run works on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from outsignal_pipelines.definitions import defs
from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource

REPO = Path(__file__).resolve().parents[2]


def test_definitions_load_with_the_expected_assets_jobs_and_sensors():
    loaded = defs()
    dg.Definitions.validate_loadable(loaded)
    keys = {k.to_user_string() for k in loaded.resolve_all_asset_keys()}
    assert {"lead_search", "workspace_stats", "list_stats", "list_members", "store/people", "enriched_people",
            "company_profiles", "verified_emails", "icp_scores", "verified_export", "emailbison_deploy"} <= keys
    for job in ("build_sql_models", "enrich_list_job", "reverify_job", "score_list_job", "verified_export_job",
                "emailbison_deploy_job", "copy_deploy_job", "deliver_notifications_job"):
        assert loaded.resolve_job_def(job) is not None
    for sensor in ("target_list_partitions", "run_requests", "auto_deploy", "notification_outbox_retry"):
        assert loaded.resolve_sensor_def(sensor) is not None
    checks = {k.name for k in loaded.resolve_asset_graph().asset_check_keys}
    assert {"assert_lead_search_one_row_per_person", "no_duplicate_emails", "spend_within_cap"} <= checks


def test_every_domain_folder_has_a_readme():
    folders = [p for p in (REPO / "outsignal_pipelines" / "defs").iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert len(folders) >= 7
    assert [f.name for f in folders if not (f / "README.md").exists()] == []


def test_the_store_resource_decides_which_store_assets_work_on(seeded_store, tmp_path, monkeypatch):
    """Operations called by an asset use the resource's path, not whatever OUTSIGNAL_DB says (before,
    an asset looked the list up in the resource's store and then scored it in OUTSIGNAL_DB's)."""
    from outsignal_pipelines.defs.scoring.assets import icp_scores

    monkeypatch.setenv("OUTSIGNAL_DB", str(tmp_path / "elsewhere" / "empty.duckdb"))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(TARGET_LISTS, ["rise.rise-q1"])
        result = dg.materialize([icp_scores], partition_key="rise.rise-q1", instance=instance,
                                resources={"store": StoreResource(path=str(seeded_store))}, raise_on_error=False)
    assert result.success
    assert result.asset_materializations_for_node("icp_scores")[0].metadata["scored"].value == 200
    assert not (tmp_path / "elsewhere" / "empty.duckdb").exists()


@pytest.mark.slow
def test_dg_check_defs_passes():
    env = {**os.environ, "OUTSIGNAL_DB": os.environ["OUTSIGNAL_DB"]}
    done = subprocess.run([str(Path(sys.executable).parent / "dg"), "check", "defs"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All component YAML validated successfully" in done.stdout + done.stderr \
        or "All definitions loaded successfully" in done.stdout + done.stderr

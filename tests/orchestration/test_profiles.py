"""One setting chooses the profile. The demo's dagster.yaml stays as it was (SQLite under DAGSTER_HOME,
no service to run); the production one puts the instance on Postgres (connection from the environment,
no password in the file), queues runs with one per list, gives each vendor pool its limit, retries runs
that died with their worker, and sends steps to Celery workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from dagster._core.instance.config import dagster_instance_config

from outsignal_pipelines import orchestration, settings
from outsignal_pipelines.defs import pools
from outsignal_pipelines.defs.runs import executor

OUTSIGNAL = str(Path(sys.executable).parent / "outsignal")


def _config(home: Path) -> dict:
    return yaml.safe_load((home / "dagster.yaml").read_text())


def test_the_production_dagster_yaml_has_postgres_the_queues_limits_and_run_retries(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_PROFILE", "production")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "s3cret-not-in-the-file")
    home = orchestration.prepare_home(tmp_path / "dh")
    text = (home / "dagster.yaml").read_text()
    config = _config(home)
    db = config["storage"]["postgres"]["postgres_db"]
    assert db["password"] == {"env": "DAGSTER_PG_PASSWORD"} and "s3cret" not in text
    assert {k: v for k, v in db.items() if isinstance(v, dict)} == {
        k: {"env": f"DAGSTER_PG_{k.replace('hostname', 'host').replace('username', 'user').replace('db_name', 'db').upper()}"}
        for k in ("hostname", "port", "username", "password", "db_name")}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = config["concurrency"]["runs"]
    assert runs["max_concurrent_runs"] == settings.max_concurrent_runs()
    assert {"key": "outsignal/list", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in runs["tag_concurrency_limits"]
    assert config["concurrency"]["pools"]["granularity"] == "op"
    assert config["run_retries"] == {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False}
    # Dagster itself accepts the file (its schema and the queue/pool rules), without reaching Postgres.
    dagster_instance_config(str(home))


def test_each_vendor_step_has_a_pool_with_a_limit_in_production_and_the_demo_keeps_one_pool(monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_PROFILE", "production")
    production = {step: pools.pool_for(step) for step in pools.VENDOR_POOLS}
    assert production == {"people": "email_finders", "companies": "company_data", "verify": "email_verifier",
                          "score": "llm", "deploy": "emailbison"}
    monkeypatch.setenv("OUTSIGNAL_POOL_EMAIL_FINDERS", "6")
    limits = pools.pool_limits()
    assert set(limits) == set(production.values()) and limits["email_finders"] == 6 and limits["emailbison"] == 1
    monkeypatch.setenv("OUTSIGNAL_PROFILE", "demo")
    assert {pools.pool_for(s) for s in ("people", "companies", "verify", "score")} == {"enrichment"}


def test_the_demo_profile_keeps_sqlite_and_the_default_executor(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_PROFILE", raising=False)
    home = orchestration.prepare_home(tmp_path / "dh")
    assert (home / "dagster.yaml").read_text() == orchestration.DAGSTER_YAML
    config = _config(home)
    assert "storage" not in config and "run_retries" not in config and "run_coordinator" not in config
    assert executor.step_executor() is None
    dagster_instance_config(str(home))


def test_switching_profile_rewrites_the_config_we_wrote(tmp_path, monkeypatch):
    home = orchestration.prepare_home(tmp_path / "dh", production=False)
    orchestration.prepare_home(home, production=True)
    assert "postgres" in (home / "dagster.yaml").read_text()
    orchestration.prepare_home(home, production=False)
    assert (home / "dagster.yaml").read_text() == orchestration.DAGSTER_YAML


def test_production_steps_go_to_celery_on_the_broker_named_by_the_environment(monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_PROFILE", "production")
    monkeypatch.setenv("OUTSIGNAL_REDIS_URL", "redis://:hunter2@redis.internal:6379/0")
    celery = executor.step_executor()
    assert celery is not None and celery.name == "outsignal_celery"
    config = executor.executor_config()
    assert config["broker"] == config["backend"] == {"env": "OUTSIGNAL_REDIS_URL"} and "hunter2" not in repr(config)
    options = executor.celery_options()
    assert options["task_acks_late"] and options["worker_prefetch_multiplier"] == 1
    assert executor.celery_app_args()["broker"] == "redis://:hunter2@redis.internal:6379/0"


def test_serve_takes_production_and_worker_refuses_to_start_without_its_services(tmp_path):
    helped = subprocess.run([OUTSIGNAL, "serve", "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "--production" in helped.stdout
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("DAGSTER_PG_", "OUTSIGNAL_REDIS"))}
    refused = subprocess.run([OUTSIGNAL, "worker"], capture_output=True, text=True, timeout=120, env=env)
    assert refused.returncode == 2 and "OUTSIGNAL_REDIS_URL" in refused.stdout and "Traceback" not in refused.stderr

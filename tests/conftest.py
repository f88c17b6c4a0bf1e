"""Shared fixtures: every test gets its own real DuckDB file under tmp_path, selected the way the
product selects it (OUTSIGNAL_DB), so nothing touches data/ and tests never share state."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

REPO = Path(__file__).resolve().parent.parent
MESSY_CSV = REPO.parent / "shared" / "data" / "messy_leads.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No proxies, no real DB, no Dagster home from the developer's shell leak into a test."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "OUTSIGNAL_LLM_MODEL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTSIGNAL_DB", str(tmp_path / "store" / "outsignal.duckdb"))
    monkeypatch.setenv("OUTSIGNAL_DB_LOCK_TIMEOUT", "20")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return Path(os.environ["OUTSIGNAL_DB"])


@pytest.fixture
def store(db_path: Path) -> Path:
    """An initialised, empty store (schema + SQL models)."""
    from outsignal_pipelines.operations.setup import init_store

    init_store()
    return db_path


@pytest.fixture
def workspace(store: Path) -> str:
    from outsignal_pipelines.operations.workspaces import upsert_workspace

    upsert_workspace("acme", "Acme Client", client_emails=["client@acme.example"])
    return "acme"


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built once per session (3,000 people), copied for each test that wants one."""
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "outsignal.duckdb"
    old = os.environ.get("OUTSIGNAL_DB")
    os.environ["OUTSIGNAL_DB"] = str(path)
    try:
        from outsignal_pipelines.demo.seed import seed_demo
        from outsignal_pipelines.operations.setup import init_store

        init_store()
        seed_demo(people=3_000, seed=11)
    finally:
        if old is None:
            os.environ.pop("OUTSIGNAL_DB", None)
        else:
            os.environ["OUTSIGNAL_DB"] = old
    return path


@pytest.fixture
def seeded_store(_seeded_template: Path, db_path: Path) -> Path:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_seeded_template, db_path)
    return db_path


@pytest.fixture
def messy_csv(tmp_path: Path) -> Path:
    """The shared messy export, copied so rejects files land beside the test's own data."""
    target = tmp_path / "messy_leads.csv"
    shutil.copy(MESSY_CSV if MESSY_CSV.exists() else FIXTURES / "messy_leads.csv", target)
    return target

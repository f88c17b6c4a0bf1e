"""Every environment-dependent choice in one place, read at call time (never at import) so tests
and child processes can point the product elsewhere by setting variables."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "data/outsignal.duckdb"


def db_path() -> Path:
    """The DuckDB lead store selected by OUTSIGNAL_DB."""
    return Path(os.environ.get("OUTSIGNAL_DB") or DEFAULT_DB)


def lock_timeout_seconds() -> float:
    """How long to wait for another process's lock before giving up with a clear error."""
    raw = os.environ.get("OUTSIGNAL_DB_LOCK_TIMEOUT", "30")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return 30.0


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def sql_models_dir() -> Path:
    return Path(os.environ.get("OUTSIGNAL_SQL_DIR") or project_root() / "dbt_like_sql")


def data_dir() -> Path:
    """Folder for files the product writes beside the DB (rejects CSVs, exports)."""
    return db_path().resolve().parent

"""Bringing a store up to date: schema migrations, then the SQL models that read it."""

from __future__ import annotations

from dataclasses import dataclass

from outsignal_pipelines.operations.sql_models import build_all
from outsignal_pipelines.store import connect, ensure_schema, schema_version, using
from outsignal_pipelines.store.connection import store_url_absolute


@dataclass
class InitResult:
    db: str
    schema_version: int
    migrations_applied: list[int]
    models_built: list[str]

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def init_store() -> InitResult:
    applied = ensure_schema()
    with connect() as con:
        models = build_all(con)
    return InitResult(store_url_absolute(), schema_version(), applied, models)


def store_identity() -> str:
    """The store as any process can name it (OUTSIGNAL_DB for the processes we start, a cache key)."""
    return store_url_absolute()


def using_store(path: str):
    """Bind the store for the operations called inside (a Dagster resource's path)."""
    return using(path)


def vendor_rate_overrides(rps: str) -> dict[str, str]:
    """OUTSIGNAL_<VENDOR>_RPS for every registered vendor: what the demo sets against the sandbox."""
    from outsignal_pipelines.clients.registry import env_names

    return {f"OUTSIGNAL_{env}_RPS": rps for env in env_names()}

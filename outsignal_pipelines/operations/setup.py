"""Bringing a store up to date: schema migrations, then the SQL models that read it."""

from __future__ import annotations

from dataclasses import dataclass

from outsignal_pipelines.operations.sql_models import build_all
from outsignal_pipelines.store import connect, current_path, ensure_schema, schema_version, using


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
    return InitResult(str(current_path()), schema_version(), applied, models)


def using_store(path: str):
    """Bind the store for the operations called inside (a Dagster resource's path)."""
    return using(path)

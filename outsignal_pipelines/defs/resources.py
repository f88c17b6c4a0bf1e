"""Dagster resources. The store resource hands out the same short-lived connections as every
other process, so assets follow the DuckDB single-writer rule too."""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from outsignal_pipelines import settings
from outsignal_pipelines.store import connect, transaction


class StoreResource(dg.ConfigurableResource):
    """The lead store. `path` empty means OUTSIGNAL_DB (or the default data/outsignal.duckdb)."""

    path: str = ""

    def resolved_path(self) -> str:
        return self.path or str(settings.db_path())

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.resolved_path()) as con:
            yield con

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with transaction(self.resolved_path()) as con:
            yield con

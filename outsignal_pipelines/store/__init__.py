"""The lead store: the only code that knows the store is a DuckDB file."""

from outsignal_pipelines.store.connection import (
    StoreLockedError, connect, current_path, query_df, read_connect, transaction, using,
)
from outsignal_pipelines.store.migrations import ensure_schema, schema_version

__all__ = ["StoreLockedError", "connect", "read_connect", "current_path", "using", "transaction", "query_df", "ensure_schema", "schema_version"]

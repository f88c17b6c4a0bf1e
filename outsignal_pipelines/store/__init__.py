"""The lead store: the only code that knows the store is a DuckDB file."""

from outsignal_pipelines.store.connection import StoreLockedError, connect, query_df, transaction
from outsignal_pipelines.store.migrations import ensure_schema, schema_version

__all__ = ["StoreLockedError", "connect", "transaction", "query_df", "ensure_schema", "schema_version"]

"""The lead store: the only code that knows the store is a DuckDB file."""

from outsignal_pipelines.store.connection import (
    ReadView, StoreLockedError, connect, current_path, expect_changes, query_df, read_connect, read_view, transaction,
    using,
)
from outsignal_pipelines.store.migrations import ensure_schema, schema_version
from outsignal_pipelines.store.snapshots import copy_is_current, kept

__all__ = ["ReadView", "StoreLockedError", "connect", "read_connect", "read_view", "current_path", "expect_changes", "using", "transaction", "query_df", "ensure_schema", "schema_version", "kept", "copy_is_current"]

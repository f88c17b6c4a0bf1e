"""Bootstrapping the store once per server process for the DB the server points at.

No DuckDB connection is ever cached here (a cached connection would hold the file lock for ever);
only the fact that the schema is ready is cached, keyed by the DB path.
"""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.operations.setup import init_store, store_identity


@st.cache_resource(show_spinner=False)
def _initialised(db_path: str) -> bool:
    init_store()
    return True


def ensure_store() -> None:
    _initialised(store_identity())

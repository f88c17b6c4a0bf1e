"""Private scratch databases: a DuckDB file that belongs to one piece of work (an import's staging
area), never the lead store. It lives here so that the store helper stays the only code that opens
DuckDB: a scratch file takes no turn at the store and has no read copy, and it is removed with its
folder by its owner."""

from __future__ import annotations

from pathlib import Path

import duckdb


def open_scratch(folder: Path, *, memory_limit: str, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A new scratch database in `folder` (which must exist), spilling to `folder/spill`.

    Insertion order is not preserved: every query on scratch data that needs an order says so, and
    without this an insert of a join's result keeps its order in memory instead of spilling."""
    spill = folder / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(folder / "scratch.duckdb"), config={
        "memory_limit": memory_limit, "threads": threads, "temp_directory": str(spill),
        "preserve_insertion_order": False})

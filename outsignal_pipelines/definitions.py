"""The Dagster code location: everything under defs/, loaded by Dagster's own loader (one folder per
domain; no hand-kept import list). No I/O happens at import."""

from functools import cache
from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)


@cache
def loaded() -> dg.Definitions:
    """The definitions, built once per process (for executing runs in-process)."""
    return defs()

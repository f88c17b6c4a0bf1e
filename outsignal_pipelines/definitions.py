"""The Dagster code location: everything under defs/, loaded by Dagster's own loader (one folder per
domain; no hand-kept import list). No I/O happens at import."""

from functools import cache
from pathlib import Path

import dagster as dg
from dagster._core.storage.defs_state import base as defs_state


def _forget_a_closed_instances_state_storage() -> None:
    """Dagster remembers the definitions-state storage of the last instance entered in this context;
    once that instance is closed, loading (and resolving jobs) fails on it. We keep no definitions
    state, so a dead one is forgotten; a live one, as in Dagster's own code server, is kept."""
    storage = defs_state.DefsStateStorage.get()
    weakref = getattr(storage, "_instance_weakref", None)
    if storage is not None and (weakref is None or weakref() is None):
        defs_state._current_storage.set(None)


# A Celery worker (`outsignal worker`) sets this: Dagster loads the definitions again for every step
# task it runs (~1 s each on a busy machine), and nothing in them changes while a worker lives.
REUSE_IN_PROCESS = False
_reused: dg.Definitions | None = None


@dg.definitions
def defs() -> dg.Definitions:
    global _reused
    if REUSE_IN_PROCESS and _reused is not None:
        return _reused
    _forget_a_closed_instances_state_storage()
    built = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    if REUSE_IN_PROCESS:
        _reused = built
    return built


@cache
def loaded() -> dg.Definitions:
    """The definitions, built once per process (for executing runs in-process)."""
    return defs()

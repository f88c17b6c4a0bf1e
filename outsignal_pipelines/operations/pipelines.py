"""Running the per-list Dagster assets from outside Dagster (the CLI, later the app): add the
list's partition if missing, materialise in-process on the shared instance so the run shows up in the
Dagster UI, and hand back what the assets reported."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg

from outsignal_pipelines import settings
from outsignal_pipelines.defs.partitions import TARGET_LISTS
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations import OperationError, progress


def dagster_instance() -> dg.DagsterInstance:
    """DAGSTER_HOME when set, else the project's .dagster_home (what `make demo` uses), else a
    throwaway in-memory instance."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        candidate = settings.project_root() / ".dagster_home"
        if (candidate / "dagster.yaml").exists():
            home = str(candidate)
    if home and Path(home, "dagster.yaml").exists():
        return dg.DagsterInstance.from_config(home)
    return dg.DagsterInstance.ephemeral()


def materialize_for_list(list_id: str, assets: list, checks: list | None = None, run_config: dict | None = None,
                         on_progress: Callable[[int, int], None] | None = None,
                         instance: dg.DagsterInstance | None = None) -> dict[str, dict[str, Any]]:
    """Materialise `assets` for the list's partition; returns {asset name: metadata as plain values}."""
    if instance is None:
        # Entering the instance also makes it the process's current definitions-state storage, which
        # Dagster otherwise remembers from whichever instance was entered last.
        with dagster_instance() as own:
            return materialize_for_list(list_id, assets, checks, run_config, on_progress, own)
    if not instance.has_dynamic_partition(TARGET_LISTS, list_id):
        instance.add_dynamic_partitions(TARGET_LISTS, [list_id])
    config = {**(run_config or {}), "loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with progress.reporting_to(on_progress):
        result = dg.materialize([*assets, *(checks or [])], partition_key=list_id, instance=instance,
                                resources={"store": StoreResource()}, run_config=config,
                                raise_on_error=False, tags={"source": "outsignal-cli"})
    if not result.success:
        failures = [e.event_specific_data.error.message.strip().splitlines()[-1]
                    for e in result.all_events if e.is_step_failure and e.event_specific_data.error]
        raise OperationError("the pipeline run failed: " + ("; ".join(failures) or "see the Dagster run log"))
    out: dict[str, dict[str, Any]] = {}
    for asset in assets:
        name = asset.key.to_user_string()
        for mat in result.asset_materializations_for_node(asset.op.name):
            out[name] = {k: _plain(v) for k, v in mat.metadata.items()}
    return out


def _plain(value: Any) -> Any:
    inner = getattr(value, "value", value)
    if hasattr(inner, "records"):  # a table
        return [dict(r.data) for r in inner.records]
    return inner

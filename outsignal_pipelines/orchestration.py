"""Hands a filed run request to Dagster, the same way for every face (page, CLI, chat, MCP).

When the Dagster daemon runs (`make demo`, `outsignal serve`), its `run_requests` sensor launches the
request through the run queue, and the face only follows the request's progress. When no daemon runs,
the asking process executes the run itself, in-process, recorded in the same instance under
DAGSTER_HOME, so it shows in the Dagster UI with its logs and materialisations either way. The
per-list lock is claimed when the request is filed (operations.run_requests), so both paths share it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from outsignal_pipelines import settings
from outsignal_pipelines.operations import progress, run_requests
from outsignal_pipelines.operations.run_requests import RunRequest

DAEMON_FRESH_SECONDS = 60.0
WILL_RETRY_TAG = "dagster/will_retry"  # set by Dagster on a failed run its run retries relaunch

# The instance's configuration: runs queue with at most one run per list (the tag every run of a
# request carries) and per-pool limits, so many runs together stay inside each vendor's rate limit.
DAGSTER_YAML = """\
# Written by Outsignal. Dagster keeps runs, partitions and sensor cursors here.
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 4
    tag_concurrency_limits:
      - key: "outsignal/list"
        value:
          applyLimitPerUniqueValue: true
        limit: 1
  pools:
    default_limit: 1
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 60
"""

# The production profile: runs, event logs and schedules in Postgres (the connection comes from the
# environment at load time, so this file holds no password), the same queue with one run per list,
# a limit per vendor pool (pools.py sets each pool's limit; `default_limit` covers a new one), and
# run retries for a run whose orchestrator died. Steps run on Celery workers (defs/runs/executor.py).
PRODUCTION_DAGSTER_YAML = """\
# Written by Outsignal (production profile). Runs, event logs and schedules live in Postgres; the
# connection is read from DAGSTER_PG_* environment variables when Dagster loads this file.
telemetry:
  enabled: false
storage:
  postgres:
    postgres_db:
      hostname: {{env: DAGSTER_PG_HOST}}
      port: {{env: DAGSTER_PG_PORT}}
      username: {{env: DAGSTER_PG_USER}}
      password: {{env: DAGSTER_PG_PASSWORD}}
      db_name: {{env: DAGSTER_PG_DB}}
      scheme: postgresql+psycopg2
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 2
concurrency:
  runs:
    max_concurrent_runs: {max_runs}
    tag_concurrency_limits:
      - key: "outsignal/list"
        value:
          applyLimitPerUniqueValue: true
        limit: 1
  pools:
    granularity: op
    default_limit: {default_pool_limit}
run_monitoring:
  enabled: true
  poll_interval_seconds: 5
  free_slots_after_run_end_seconds: 15
run_retries:
  enabled: true
  max_retries: {max_retries}
  retry_on_asset_or_op_failure: false
"""


def dagster_yaml(production: bool | None = None) -> str:
    """The instance configuration of the profile (settings.profile() unless told)."""
    from outsignal_pipelines.defs.pools import DEFAULT_POOL_LIMIT

    if not (settings.production() if production is None else production):
        return DAGSTER_YAML
    return PRODUCTION_DAGSTER_YAML.format(max_runs=settings.max_concurrent_runs(),
                                          default_pool_limit=DEFAULT_POOL_LIMIT,
                                          max_retries=settings.run_max_retries())


Progress = Callable[[int, int], None]


def prepare_home(path: Path, production: bool | None = None) -> Path:
    """Create the instance folder with the profile's dagster.yaml; a config we wrote earlier is brought
    up to date (also when the profile changed), one an operator wrote is left alone."""
    home = path.resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = dagster_yaml(production)
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is None or (current != wanted and current.startswith("# Written by")):
        config.write_text(wanted, encoding="utf-8")
    return home


def apply_pool_limits(inst: dg.DagsterInstance) -> dict[str, int]:
    """Give every vendor pool its limit in the instance (production profile; the daemon and the
    executors read them from there). Returns what was set."""
    from outsignal_pipelines.defs.pools import pool_limits

    limits = pool_limits()
    for pool, limit in limits.items():
        inst.event_log_storage.set_concurrency_slots(pool, limit)
    return limits


def apply_pool_limits_at(home: Path) -> dict[str, int]:
    with dg.DagsterInstance.from_config(str(home)) as inst:
        return apply_pool_limits(inst)


def run_worker(name: str | None = None, loglevel: str = "INFO") -> None:
    """Run a Celery worker for the steps of production runs, in this process, until it is stopped.
    One step at a time (the `solo` pool): start more workers for more steps at once."""
    import socket

    from outsignal_pipelines import definitions
    from outsignal_pipelines.defs.runs.executor import QUEUE, worker_app

    definitions.REUSE_IN_PROCESS = True
    worker_name = f"{name or 'outsignal'}-{os.getpid()}@{socket.gethostname()}"
    worker_app().worker_main(["worker", "-Q", QUEUE, "--pool", "solo", "-n", worker_name, "--loglevel", loglevel,
                              "--without-gossip", "--without-mingle"])


def dagster_home() -> Path:
    """DAGSTER_HOME, else the project's .dagster_home."""
    return prepare_home(settings.dagster_home() or settings.project_root() / ".dagster_home")


@contextmanager
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(dagster_home())) as inst:
        yield inst


def daemon_running(inst: dg.DagsterInstance) -> bool:
    """Whether a daemon's sensor loop has reported in lately (it launches queued requests)."""
    try:
        beat = inst.get_daemon_heartbeats().get("SENSOR")
    except Exception:  # noqa: BLE001 - an instance without heartbeats has no daemon
        return False
    return beat is not None and time.time() - beat.timestamp < DAEMON_FRESH_SECONDS


def submit(request: RunRequest, on_progress: Progress | None = None, wait: bool = True) -> RunRequest:
    """Run the request: through the daemon's queue when one runs (following it when `wait`), else
    in this process. Returns the request as it stands afterwards."""
    with instance() as inst:
        if daemon_running(inst):
            if not wait:
                return run_requests.get_request(request.id)
            return follow(inst, request.id, on_progress)
        return execute(request, inst, on_progress)


def follow(inst: dg.DagsterInstance, request_id: int, on_progress: Progress | None = None) -> RunRequest:
    """Follow a request the daemon runs. A run that ended without its steps reporting (its worker
    died, an operator cancelled it) fails the request at once instead of leaving the face waiting."""
    deadline = time.monotonic() + settings.run_wait_timeout_seconds()
    request = run_requests.get_request(request_id, linger=False)
    while not request.finished and time.monotonic() < deadline:
        run = inst.get_run_by_id(request.dagster_run_id) if request.dagster_run_id else None
        if run is not None and run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED) \
                and run.tags.get(WILL_RETRY_TAG) != "true":  # a run the daemon retries is followed on
            request = run_requests.get_request(request_id)
            if not request.finished:
                request = run_requests.fail(request_id, f"Dagster run {run.run_id} ended {run.status.value.lower()}")
            break
        request = run_requests.wait_for(request_id, on_progress, timeout=5.0)
    return request


def execute(request: RunRequest, inst: dg.DagsterInstance, on_progress: Progress | None = None) -> RunRequest:
    """Execute the request's run in this process, recorded in `inst`."""
    from outsignal_pipelines.definitions import loaded
    from outsignal_pipelines.defs.lists.partitions import TARGET_LISTS
    from outsignal_pipelines.defs.runs.targets import run_target

    target = run_target(request)
    job = loaded().resolve_job_def(target.job_name)
    if target.partition_key and not inst.has_dynamic_partition(TARGET_LISTS, target.partition_key):
        inst.add_dynamic_partitions(TARGET_LISTS, [target.partition_key])
    # The face reports a failed run in one line (and the Dagster UI keeps the step's traceback), so the
    # console logger stays quiet: no traceback on the terminal of the person who asked.
    config = {**target.run_config, "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    with progress.reporting_to(on_progress):
        result = job.execute_in_process(run_config=config, instance=inst, partition_key=target.partition_key,
                                        tags=target.tags, raise_on_error=False)
    after = run_requests.get_request(request.id)
    if not result.success and not after.finished:
        after = run_requests.fail(request.id, _failure(result) or f"Dagster run {result.run_id} failed")
    return after


def _failure(result: dg.ExecuteInProcessResult) -> str:
    messages = [e.event_specific_data.error.message.strip().splitlines()[-1]
                for e in result.all_events if e.is_step_failure and e.event_specific_data.error]
    return "; ".join(messages)


def run_ids_for_partition(list_id: str) -> list[str]:
    """Dagster runs recorded for a list's partition (newest first): what the Dagster UI lists."""
    with instance() as inst:
        records = inst.get_run_records(filters=dg.RunsFilter(tags={"dagster/partition": list_id}))
    return [r.dagster_run.run_id for r in records]


def run(workspace: str, kind: str, list_name: str | None = None, *, params: dict | None = None,
        requested_by: str, wait: bool = True, on_progress: Progress | None = None) -> RunRequest:
    """File a request for a list (refused while the list is busy) and run it: what every face calls
    to enrich, score or export."""
    from outsignal_pipelines.operations.lists import resolve_list

    target = resolve_list(workspace, list_name)
    request = run_requests.request_run(workspace, kind, target=target, params=params, requested_by=requested_by)
    return submit(request, on_progress, wait)


def deploy(workspace: str, list_name: str | None = None, campaign: str | None = None, *, requested_by: str,
           wait: bool = False, on_progress: Progress | None = None, allow_overlap: bool = False) -> dict:
    """File a deploy (or find the one already pending) and hand its run request to Dagster."""
    from outsignal_pipelines.operations.deploy import request_deploy
    from outsignal_pipelines.operations.review import get_deploy

    record = request_deploy(workspace, list_name, campaign, requested_by=requested_by, allow_overlap=allow_overlap)
    if record.get("request_id"):
        request = run_requests.get_request(record["request_id"])
        if not request.finished:
            submit(request, on_progress, wait)
    return {**get_deploy(workspace, record["id"]), "request_id": record.get("request_id")}

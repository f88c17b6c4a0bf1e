"""Where the steps of a run execute. Demo profile: Dagster's default (each step in its own process on
this machine). Production profile: Celery workers (`outsignal worker`) through a Redis broker, so the
steps of enrichment, scoring and deploy runs go to whichever worker is free, on any machine.

A worker killed mid-step never acknowledged its task (`task_acks_late`), so Redis hands the step to
another worker once it has gone unacknowledged for OUTSIGNAL_CELERY_VISIBILITY_TIMEOUT seconds; the
step starts again there and the claims in the store make sure no question is paid twice. The broker
URL reaches the run config as an environment reference, never as its value.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from outsignal_pipelines import settings

QUEUE = "dagster"  # the Celery queue steps are sent to and `outsignal worker` consumes


def celery_options() -> dict[str, Any]:
    """The Celery settings the run (which sends steps) and every worker (which takes them) share."""
    visibility = settings.celery_visibility_timeout_seconds()
    return {
        "task_acks_late": True,                # acknowledged when the step is done, not when taken
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,       # a worker holds only the step it runs
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            # how often a live worker looks for steps a dead one left unacknowledged
            "unacked_restore_interval": max(1, min(10, visibility // 5)),
            "unacked_restore_throttle": 1,
        },
        "result_expires": 86400,
    }


def celery_app_args() -> dict[str, Any]:
    """Arguments for the worker's Celery app (the broker's value comes from settings here)."""
    from dagster_celery.executor import CeleryExecutor

    url = settings.redis_url()
    if not url:
        raise RuntimeError("OUTSIGNAL_REDIS_URL is not set: a Celery worker needs the Redis broker "
                           "(e.g. redis://127.0.0.1:6379/0)")
    return CeleryExecutor.for_cli(broker=url, backend=url, config_source=celery_options()).app_args()


def worker_app():
    """The Celery app `outsignal worker` runs: dagster-celery's step task on our broker and settings."""
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    app = make_app(celery_app_args())
    create_task(app)
    return app


def step_executor() -> dg.ExecutorDefinition | None:
    """The Celery executor in the production profile, else None (Dagster's default)."""
    if not settings.production():
        return None
    from dagster_celery import celery_executor

    return celery_executor.configured(executor_config(), name="outsignal_celery")


def executor_config() -> dict[str, Any]:
    """The Celery executor's config: the broker by environment reference (its URL may hold a password)."""
    redis = {"env": "OUTSIGNAL_REDIS_URL"}
    return {"broker": redis, "backend": redis, "config_source": celery_options()}


@dg.definitions
def executor_defs() -> dg.Definitions:
    executor = step_executor()
    return dg.Definitions(executor=executor) if executor is not None else dg.Definitions()

"""Retries notifications that could not be delivered when they were queued (Slack or SMTP down)."""

import dagster as dg

from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.notifications import deliver


@dg.sensor(name="notification_outbox_retry", minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Delivers outbox messages that are due for a retry (backoff per message).")
def notification_outbox_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    import os

    os.environ.setdefault("OUTSIGNAL_DB", store.resolved_path())
    result = deliver()
    if result["sent"] or result["failed"]:
        context.log.info(f"outbox: {result['sent']} delivered, {result['failed']} still failing")
    return dg.SkipReason(f"outbox: {result['sent']} delivered, {result['failed']} failing")

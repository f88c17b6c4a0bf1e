"""Requests a delivery run whenever outbox messages are due (new, or due for a retry)."""

import hashlib

import dagster as dg

from outsignal_pipelines.defs.notifications.jobs import deliver_notifications_job
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.notifications import due_messages


@dg.sensor(name="notification_outbox_retry", job=deliver_notifications_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests the delivery job for outbox messages that are due (backoff per message).")
def notification_outbox_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    with store.bound():
        due = due_messages()
    if not due:
        return dg.SkipReason("no outbox message is due")
    # A new key whenever the set of due messages or their attempt counts change: one run per retry round.
    state = ",".join(f"{m['id']}:{m['attempts']}" for m in due)
    key = "outbox-" + hashlib.sha1(state.encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=key, tags={"outsignal/due_messages": str(len(due))})

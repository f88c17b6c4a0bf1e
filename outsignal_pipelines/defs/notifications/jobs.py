"""Delivering the notification outbox (Slack and SMTP) as a job, so every delivery is a run with logs."""

import dagster as dg

from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.notifications import deliver


@dg.op(description="Send every outbox message that is due (backoff per message); failures stay queued.")
def deliver_due_notifications(context: dg.OpExecutionContext, store: StoreResource) -> None:
    with store.bound():
        result = deliver()
    context.log.info(f"outbox: {result['sent']} delivered, {result['failed']} still failing")


@dg.job(description="Deliver due notifications from the outbox.")
def deliver_notifications_job():
    deliver_due_notifications()

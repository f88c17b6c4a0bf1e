"""The outbox sensor only requests the delivery job; the job delivers what is due."""

from __future__ import annotations

import dagster as dg

from outsignal_pipelines.defs.notifications.jobs import deliver_notifications_job
from outsignal_pipelines.defs.notifications.sensors import notification_outbox_sensor
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.notifications import enqueue, outbox
from outsignal_pipelines.store import transaction


def test_the_sensor_requests_a_delivery_run_and_the_job_delivers(seeded_store, mail_and_slack):
    resources = {"store": StoreResource(path=str(seeded_store))}
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, resources=resources)
        assert isinstance(notification_outbox_sensor(ctx), dg.SkipReason)
        with transaction() as con:
            enqueue(con, "test", "slack", {"text": "hello from the outbox"}, "rise")
        request = notification_outbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert isinstance(request, dg.RunRequest) and request.run_key.startswith("outbox-")
        assert outbox("rise")[0]["status"] != "sent"  # the sensor itself sent nothing
        result = deliver_notifications_job.execute_in_process(instance=instance, resources=resources)
    assert result.success
    assert outbox("rise")[0]["status"] == "sent"
    assert mail_and_slack["slack"][-1]["text"] == "hello from the outbox"

"""Notifications: an outbox table, delivery over Slack incoming webhooks and SMTP, retried by a sensor."""

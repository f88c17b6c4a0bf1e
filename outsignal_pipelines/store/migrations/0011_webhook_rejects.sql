-- Webhook bodies we could not read: answered 422 and kept here, so nothing EmailBison sent is lost and
-- an operator can see what arrived and why it was refused. Never read by the outcome assets.
CREATE SEQUENCE IF NOT EXISTS seq_webhook_rejects START 1;
CREATE TABLE webhook_rejects (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_webhook_rejects'),
    workspace_slug  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    body            TEXT,                           -- as received, cut at 64 KB; client text, so data
    received_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

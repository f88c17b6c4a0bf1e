-- What happened after the send: EmailBison's events, stored append-only and once.
--
-- campaign_events: one row per vendor fact. `event_key` is the vendor's identity of the fact, built the
-- same way whether the fact arrived by webhook or by backfill (see operations/outcomes), so a replayed
-- webhook or a backfill of something already received is stored once (primary key, ON CONFLICT DO
-- NOTHING). Rows are never updated; what the engine concludes from them lives elsewhere.
CREATE TABLE campaign_events (
    event_key               TEXT PRIMARY KEY,
    workspace_slug          TEXT NOT NULL,
    event_type              TEXT NOT NULL CHECK (event_type IN (
                                'sent', 'opened', 'replied', 'interested', 'bounced',
                                'unsubscribed', 'untracked_reply', 'meeting_booked')),
    emailbison_campaign_id  BIGINT,                 -- NULL for an untracked reply
    emailbison_lead_id      BIGINT,
    lead_email              TEXT,                   -- lower-cased
    person_id               BIGINT,                 -- our person, resolved by email when received
    list_id                 TEXT,                   -- the list whose campaign it is, when known
    sequence_step_id        BIGINT,
    reply_snippet           TEXT,                   -- client text: data, escaped wherever shown
    occurred_at             TIMESTAMP,              -- the vendor's time
    received_at             TIMESTAMP NOT NULL DEFAULT current_timestamp,
    source                  TEXT NOT NULL CHECK (source IN ('webhook', 'backfill')),
    payload                 JSON                    -- the body as received, secrets never included
);
CREATE INDEX ix_campaign_events_campaign ON campaign_events (workspace_slug, emailbison_campaign_id);
CREATE INDEX ix_campaign_events_person ON campaign_events (workspace_slug, person_id);

-- webhook_secrets: each workspace's secret webhook URL. Only the SHA-256 of the secret is stored; the
-- admin sees the URL once, when it is made or rotated. A rotated secret stops working at once.
CREATE TABLE webhook_secrets (
    workspace_slug  TEXT PRIMARY KEY,
    secret_sha256   TEXT NOT NULL UNIQUE,
    hint            TEXT NOT NULL,                  -- the last 4 characters, to tell URLs apart
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One campaign per list, one list per lead, every message once.
--
-- list_campaigns: the EmailBison campaign of a list, shared by its export and its deploy. A run
-- claims the list's row by the primary key before it creates the campaign (holder + lease), so two
-- runs never create two campaigns; the campaign id is written on the row as soon as it is known.
-- A campaign belongs to at most one list (unique).
CREATE TABLE list_campaigns (
    list_id                 TEXT PRIMARY KEY,
    workspace_slug          TEXT NOT NULL,
    campaign_name           TEXT NOT NULL,
    emailbison_campaign_id  BIGINT,                 -- NULL while its creator is creating it
    holder                  TEXT,                   -- host:pid of the creator
    lease_expires_at        TIMESTAMP,              -- a dead creator's claim is taken over after this
    created_at              TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (workspace_slug, emailbison_campaign_id)
);

-- lead_campaigns: the one active EmailBison campaign a lead (person) is attached to in a workspace.
-- Claimed by the primary key before the lead is attached; a lead whose campaign has ended (completed,
-- stopped, archived, deleted) is taken over by the next campaign. `--allow-overlap` attaches a lead
-- owned by another campaign without taking it over.
CREATE TABLE lead_campaigns (
    workspace_slug          TEXT NOT NULL,
    person_id               BIGINT NOT NULL,
    emailbison_campaign_id  BIGINT NOT NULL,
    list_id                 TEXT,
    attached_at             TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (workspace_slug, person_id)
);

-- Lists deployed before this migration keep the campaign their last complete deploy used, and their
-- exportable members count as attached to it.
INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id)
SELECT list_id, workspace_slug, arg_max(campaign_name, id), arg_max(emailbison_campaign_id, id)
FROM campaign_deploys
WHERE list_id IS NOT NULL AND emailbison_campaign_id IS NOT NULL AND status = 'complete'
GROUP BY list_id, workspace_slug
ON CONFLICT DO NOTHING;

INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id)
SELECT c.workspace_slug, m.person_id, min(c.emailbison_campaign_id), min(c.list_id)
FROM list_campaigns c JOIN target_list_members m ON m.list_id = c.list_id
JOIN people p ON p.id = m.person_id AND p.email_status = 'valid'
GROUP BY c.workspace_slug, m.person_id
ON CONFLICT DO NOTHING;

-- What a deploy left out and why (leads in another active campaign, blocked by the gate, ...).
ALTER TABLE campaign_deploys ADD COLUMN skipped JSON;

-- The same event queued twice is stored once: a message may carry an idempotency key.
ALTER TABLE notification_outbox ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX ux_notification_outbox_key ON notification_outbox (idempotency_key);

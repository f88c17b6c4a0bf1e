-- The data model of DESIGN.md. Statuses are plain text guarded by one transition function per
-- machine in outsignal_pipelines.domain; CHECK constraints refuse values outside the vocabulary.

CREATE SEQUENCE IF NOT EXISTS seq_people START 1;
CREATE SEQUENCE IF NOT EXISTS seq_companies START 1;
CREATE SEQUENCE IF NOT EXISTS seq_enrichment_log START 1;
CREATE SEQUENCE IF NOT EXISTS seq_email_drafts START 1;
CREATE SEQUENCE IF NOT EXISTS seq_portal_approvals START 1;
CREATE SEQUENCE IF NOT EXISTS seq_campaign_deploys START 1;
CREATE SEQUENCE IF NOT EXISTS seq_agent_runs START 1;
CREATE SEQUENCE IF NOT EXISTS seq_notification_outbox START 1;
CREATE SEQUENCE IF NOT EXISTS seq_import_runs START 1;

CREATE TABLE workspaces (
    slug                    TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    vertical                TEXT,
    icp_criteria            TEXT,
    icp_rules               JSON,
    client_emails           JSON,           -- list of emails allowed into the portal
    notification_emails     JSON,
    slack_webhook_url       TEXT,
    emailbison_base_url     TEXT,
    emailbison_token_env    TEXT,           -- NAME of the env var holding the token, never the token
    finder_order            JSON,           -- email finder waterfall order override
    daily_spend_cap_usd     DOUBLE,
    auto_deploy             BOOLEAN NOT NULL DEFAULT false,
    created_at              TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE companies (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_companies'),
    domain          TEXT NOT NULL UNIQUE,
    name            TEXT,
    industry        TEXT,                   -- one of the 23 verticals
    headcount       INTEGER,
    location        TEXT,
    country         TEXT,                   -- ISO 3166-1 alpha-2
    website         TEXT,
    linkedin_url    TEXT,
    description     TEXT,
    year_founded    INTEGER,
    crawl_markdown  TEXT,
    crawled_at      TIMESTAMP,
    source          TEXT,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE people (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_people'),
    email           TEXT UNIQUE,            -- lower-cased; NULL until found
    first_name      TEXT,
    last_name       TEXT,
    job_title       TEXT,
    seniority       TEXT,                   -- one of the 8 levels
    company_name    TEXT,
    company_domain  TEXT,
    linkedin_url    TEXT,                   -- https://www.linkedin.com/in/<slug>
    phone           TEXT,                   -- E.164 where parseable
    location        TEXT,
    country         TEXT,                   -- ISO 3166-1 alpha-2
    vertical        TEXT,
    source          TEXT,
    email_status    TEXT CHECK (email_status IN ('valid', 'catch_all', 'risky', 'invalid', 'unknown')),
    verified_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE INDEX idx_people_linkedin ON people (linkedin_url);
CREATE INDEX idx_people_domain ON people (company_domain);

-- Which workspaces a (workspace-agnostic) person belongs to.
CREATE TABLE person_workspaces (
    person_id       BIGINT NOT NULL,
    workspace_slug  TEXT NOT NULL,
    source          TEXT,
    added_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (person_id, workspace_slug)
);

CREATE TABLE enrichment_log (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_enrichment_log'),
    entity_type     TEXT NOT NULL CHECK (entity_type IN ('person', 'company')),
    entity_id       BIGINT NOT NULL,
    provider        TEXT NOT NULL,
    request_key     TEXT NOT NULL,          -- what was asked, so the same question is never paid twice
    outcome         TEXT NOT NULL CHECK (outcome IN ('found', 'not_found', 'skipped', 'error')),
    fields_written  JSON,
    cost_usd        DOUBLE NOT NULL DEFAULT 0,
    raw_response    JSON,
    error           TEXT,
    workspace_slug  TEXT,
    run_id          TEXT,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE INDEX idx_enrichment_log_gate ON enrichment_log (entity_type, entity_id, provider);

CREATE TABLE target_lists (
    id              TEXT PRIMARY KEY,       -- stable, readable: '<workspace>.<name-slug>'; the Dagster partition key
    workspace_slug  TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    status          TEXT NOT NULL DEFAULT 'building'
                    CHECK (status IN ('building', 'pending_review', 'approved', 'rejected', 'deployed')),
    feedback        TEXT,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (workspace_slug, name)
);

CREATE TABLE target_list_members (
    list_id         TEXT NOT NULL,
    person_id       BIGINT NOT NULL,
    added_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (list_id, person_id)
);

CREATE TABLE icp_scores (
    person_id       BIGINT NOT NULL,
    workspace_slug  TEXT NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    reasoning       TEXT,
    confidence      TEXT CHECK (confidence IN ('high', 'medium', 'low')),
    scorer          TEXT NOT NULL,          -- 'rules' | 'llm:<model>'
    cost_usd        DOUBLE NOT NULL DEFAULT 0,
    scored_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (person_id, workspace_slug)
);

CREATE TABLE email_drafts (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_email_drafts'),
    workspace_slug  TEXT NOT NULL,
    campaign_name   TEXT NOT NULL,
    step            INTEGER NOT NULL CHECK (step >= 1),
    subject         TEXT,
    body            TEXT NOT NULL,
    wait_days       INTEGER NOT NULL DEFAULT 1 CHECK (wait_days >= 0),
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'review', 'approved', 'rejected')),
    feedback        TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (workspace_slug, campaign_name, step)
);

CREATE TABLE portal_approvals (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_portal_approvals'),
    workspace_slug  TEXT NOT NULL,
    approver_email  TEXT NOT NULL,
    entity_type     TEXT NOT NULL CHECK (entity_type IN ('list', 'drafts')),
    entity_id       TEXT NOT NULL,          -- list id or campaign name
    decision        TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    feedback        TEXT,
    channel         TEXT NOT NULL DEFAULT 'portal',
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE campaign_deploys (
    id                      BIGINT PRIMARY KEY DEFAULT nextval('seq_campaign_deploys'),
    workspace_slug          TEXT NOT NULL,
    list_id                 TEXT,
    campaign_name           TEXT NOT NULL,
    path                    TEXT NOT NULL CHECK (path IN ('leads_only', 'copy_only', 'both')),
    status                  TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'complete', 'failed')),
    emailbison_campaign_id  BIGINT,
    lead_count              INTEGER NOT NULL DEFAULT 0,
    step_count              INTEGER NOT NULL DEFAULT 0,
    error                   TEXT,
    requested_by            TEXT,
    created_at              TIMESTAMP NOT NULL DEFAULT current_timestamp,
    started_at              TIMESTAMP,
    finished_at             TIMESTAMP
);

CREATE TABLE agent_runs (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_agent_runs'),
    agent           TEXT NOT NULL,
    workspace_slug  TEXT,
    input           JSON,
    output          JSON,
    steps           JSON,
    status          TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
    duration_ms     INTEGER,
    error           TEXT,
    triggered_by    TEXT NOT NULL CHECK (triggered_by IN ('chat', 'mcp', 'cli', 'pipeline')),
    cost_usd        DOUBLE NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE notification_outbox (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_notification_outbox'),
    workspace_slug  TEXT,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('slack', 'email')),
    payload         JSON NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    sent_at         TIMESTAMP,
    next_attempt_at TIMESTAMP
);

CREATE TABLE magic_links (
    token_hash      TEXT PRIMARY KEY,       -- sha256 of the token; the token itself is never stored
    workspace_slug  TEXT NOT NULL,
    email           TEXT NOT NULL,
    requested_ip    TEXT,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE portal_sessions (
    token_hash      TEXT PRIMARY KEY,
    workspace_slug  TEXT NOT NULL,
    email           TEXT NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One row per import, so the UI and scripts can show what each file did.
CREATE TABLE import_runs (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_import_runs'),
    workspace_slug  TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    list_id         TEXT,
    inserted        INTEGER NOT NULL,
    updated         INTEGER NOT NULL,
    unchanged       INTEGER NOT NULL,
    rejected        INTEGER NOT NULL,
    rejects_file    TEXT,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

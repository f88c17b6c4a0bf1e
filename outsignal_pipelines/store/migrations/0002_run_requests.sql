-- One run path: every enrich, score, export and deploy is a request that becomes a Dagster run of
-- the list's partition. A request claims its list in run_locks (primary key) in the same transaction
-- that files it, so two runs of one list never overlap; a lock whose lease ran out (its process
-- died) can be taken over.
CREATE SEQUENCE IF NOT EXISTS seq_run_requests START 1;

CREATE TABLE run_requests (
    id                  BIGINT PRIMARY KEY DEFAULT nextval('seq_run_requests'),
    workspace_slug      TEXT NOT NULL,
    list_id             TEXT,                   -- the Dagster partition; NULL for copy-only deploys
    lock_key            TEXT NOT NULL,          -- the list id, or 'campaign:<workspace>:<name>'
    kind                TEXT NOT NULL CHECK (kind IN ('enrich', 'score', 'export', 'deploy', 'reverify')),
    params              JSON NOT NULL DEFAULT '{}',
    status              TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'complete', 'failed')),
    requested_by        TEXT NOT NULL,          -- page | cli | chat | mcp | sensor | schedule | dagster
    dagster_run_id      TEXT,
    steps_done          JSON NOT NULL DEFAULT '{}',  -- step name -> its summary
    error               TEXT,
    progress_done       BIGINT,
    progress_total      BIGINT,
    created_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    started_at          TIMESTAMP,
    finished_at         TIMESTAMP
);

CREATE TABLE run_locks (
    lock_key            TEXT PRIMARY KEY,
    request_id          BIGINT NOT NULL,
    lease_expires_at    TIMESTAMP NOT NULL
);

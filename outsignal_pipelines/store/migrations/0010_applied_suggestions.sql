-- What the engine suggested from outcomes, and which of it an admin applied.
--
-- applied_suggestions: one row per suggestion applied (new ICP rule weights from the calibration, a new
-- finder order from the provider quality table), with the setting before and after and the evidence
-- shown when it was applied. Rows are never updated: the history of why a workspace's ICP or finder
-- order is what it is. Applying one changes nothing else: scores change at the next scoring run.
CREATE SEQUENCE IF NOT EXISTS seq_applied_suggestions START 1;
CREATE TABLE applied_suggestions (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_applied_suggestions'),
    workspace_slug  TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('icp_weights', 'finder_order')),
    before_value    JSON NOT NULL,
    after_value     JSON NOT NULL,
    evidence        JSON,                   -- the numbers the suggestion came from
    applied_by      TEXT NOT NULL,          -- 'admin' or the face that applied it
    applied_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE INDEX ix_applied_suggestions_workspace ON applied_suggestions (workspace_slug, applied_at);

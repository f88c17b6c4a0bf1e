-- An agent run can end "not understood": a sentence the planner could not read is neither a success
-- nor a failure of a tool. DuckDB cannot alter a CHECK constraint, so the table is rebuilt as it was,
-- with the one more status, keeping every row and the id sequence.
CREATE TABLE agent_runs_v8 (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_agent_runs'),
    agent           TEXT NOT NULL,
    workspace_slug  TEXT,
    input           JSON,
    output          JSON,
    steps           JSON,
    status          TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'not_understood')),
    duration_ms     INTEGER,
    error           TEXT,
    triggered_by    TEXT NOT NULL CHECK (triggered_by IN ('chat', 'mcp', 'cli', 'pipeline')),
    cost_usd        DOUBLE NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO agent_runs_v8 SELECT id, agent, workspace_slug, input, output, steps, status, duration_ms, error,
                                 triggered_by, cost_usd, created_at FROM agent_runs;
DROP TABLE agent_runs;
ALTER TABLE agent_runs_v8 RENAME TO agent_runs;

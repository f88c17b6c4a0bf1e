-- Once means once for paid vendor questions. A run claims (entity, provider, request) here, by the
-- primary key, in one short transaction before it pays; a second run that meets the claim waits for
-- the answer in enrichment_log instead of asking again. The claim also carries the call's reserved
-- cost, so the daily cap is one number across processes: the transaction that claims checks today's
-- spend plus every live reservation against the cap. The ledger row that answers a claim deletes it in
-- the same transaction (reservation converted to spend). A claim whose holder died expires after its
-- lease and can then be taken over.
CREATE TABLE paid_call_claims (
    entity_type         TEXT NOT NULL,
    entity_id           BIGINT NOT NULL,
    provider            TEXT NOT NULL,
    request_key         TEXT NOT NULL,
    holder              TEXT NOT NULL,          -- host:pid:run
    workspace_slug      TEXT,
    reserved_usd        DOUBLE NOT NULL DEFAULT 0,
    lease_expires_at    TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (entity_type, entity_id, provider, request_key)
);

-- Lead scores (domain::score): the reasons behind each score, the dead-lead suggestion, and
-- when they were computed (the sweep recomputes aged ones). Keep in step with ../sqlite.
ALTER TABLE leads ADD COLUMN score_reasons TEXT;
ALTER TABLE leads ADD COLUMN suggest_close TEXT;
ALTER TABLE leads ADD COLUMN scored_at BIGINT;
-- "Best score" board order, read in index order like the others (0003).
CREATE INDEX leads_stage_score ON leads (stage_id, score, id);
-- The sweep's search for open leads whose score has aged.
CREATE INDEX leads_open_scored ON leads (scored_at) WHERE closed_at IS NULL;

-- POST /api/v1/leads remembers each user's Idempotency-Keys like intake keys' (0008).
CREATE TABLE lead_requests (
    user_id          BIGINT NOT NULL REFERENCES users (id),
    idempotency_key  TEXT    NOT NULL,
    lead_id          BIGINT NOT NULL REFERENCES leads (id),
    outcome          TEXT    NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);

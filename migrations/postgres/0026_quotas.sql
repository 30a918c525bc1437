-- Quotas (issue 28): a target per person and measure (won value, wins, follow-up score) for a
-- month or a quarter, holding from the month `starts` (YYYY-MM, which sorts) until a later
-- row for the same person and measure starts; a target of 0 ends it. Rows are kept as a
-- history; setting a quota twice for the same start replaces it. Keep in step with ../sqlite.
CREATE TABLE quotas (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    measure TEXT NOT NULL,
    cadence TEXT NOT NULL,
    starts TEXT NOT NULL,
    target BIGINT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'USD',
    set_by BIGINT REFERENCES users (id),
    set_at BIGINT NOT NULL,
    UNIQUE (user_id, measure, starts)
);

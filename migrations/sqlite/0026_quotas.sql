-- Quotas (issue 28): a target per person and measure (won value, wins, follow-up score) for a
-- month or a quarter, holding from the month `starts` (YYYY-MM, which sorts) until a later
-- row for the same person and measure starts; a target of 0 ends it. Rows are kept as a
-- history; setting a quota twice for the same start replaces it. Keep in step with ../postgres.
CREATE TABLE quotas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    measure TEXT NOT NULL,
    cadence TEXT NOT NULL,
    starts TEXT NOT NULL,
    target INTEGER NOT NULL,
    currency TEXT NOT NULL DEFAULT 'USD',
    set_by INTEGER REFERENCES users (id),
    set_at INTEGER NOT NULL,
    UNIQUE (user_id, measure, starts)
);

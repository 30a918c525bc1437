-- The follow-up sweep: what it found open on each lead, how far each breach has escalated,
-- the in-app notifications it sent, and the lease that lets one instance sweep at a time.
-- Keep in step with ../postgres/0005_sweep.sql.

-- One row per breach: opened when the sweep first sees it, resolved when it no longer holds.
-- `step` is the escalation reached (0 none, 1 rep reminded, 2 manager alerted, 3 reassigned),
-- so a restart never repeats a step.
CREATE TABLE findings (
    id              INTEGER PRIMARY KEY,
    lead_id         INTEGER NOT NULL REFERENCES leads (id),
    kind            TEXT    NOT NULL,
    policy_version  INTEGER NOT NULL,
    team_id         INTEGER,
    began_at        INTEGER NOT NULL,
    opened_at       INTEGER NOT NULL,
    resolved_at     INTEGER,
    step            INTEGER NOT NULL DEFAULT 0
);
-- At most one open finding of a kind per lead.
CREATE UNIQUE INDEX findings_open ON findings (lead_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX findings_lead ON findings (lead_id, opened_at);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    lead_id     INTEGER REFERENCES leads (id),
    kind        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    emailed_at  INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- Named leases: the holder may work until `expires_at`, then anyone may take over.
CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);

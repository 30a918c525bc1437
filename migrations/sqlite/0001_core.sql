-- Closeloop core model (SQLite). Times are UTC milliseconds since the epoch (INTEGER),
-- money is integer minor units plus an ISO 4217 code. Keep in step with ../postgres/0001_core.sql.

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    -- The manager who owns the team; a manager may own several teams.
    manager_id  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('rep', 'manager', 'marketing', 'leadership', 'admin')),
    team_id         INTEGER REFERENCES teams (id),
    -- argon2id PHC string; NULL until a password is set.
    password_hash   TEXT,
    time_zone       TEXT    NOT NULL DEFAULT 'UTC',
    created_at      INTEGER NOT NULL,
    deactivated_at  INTEGER
);

-- Ordered pipeline stages; entry_criteria is a JSON array of criterion keys
-- ("value", "next_step", "contact") that must hold for a lead to enter the stage.
CREATE TABLE stages (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    position        INTEGER NOT NULL UNIQUE,
    kind            TEXT    NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    entry_criteria  TEXT    NOT NULL DEFAULT '[]'
);

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    channel     TEXT    NOT NULL CHECK (channel IN ('advertising', 'trade_show', 'direct_mail', 'web', 'pr', 'referral', 'social', 'other')),
    created_at  INTEGER NOT NULL
);

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    name        TEXT    NOT NULL UNIQUE,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER,
    created_at  INTEGER NOT NULL
);

CREATE TABLE campaign_spend (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
    spent_at      INTEGER NOT NULL,
    amount_cents  INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency      TEXT    NOT NULL,
    note          TEXT
);
CREATE INDEX campaign_spend_campaign ON campaign_spend (campaign_id, spent_at);

CREATE TABLE leads (
    id                INTEGER PRIMARY KEY,
    -- Optimistic concurrency: every write carries the version it read and bumps it.
    version           INTEGER NOT NULL DEFAULT 1,
    contact_name      TEXT    NOT NULL,
    email             TEXT,
    phone             TEXT,
    company           TEXT,
    source_id         INTEGER NOT NULL REFERENCES sources (id),
    campaign_id       INTEGER REFERENCES campaigns (id),
    product_interest  TEXT,
    value_cents       INTEGER CHECK (value_cents >= 0),
    currency          TEXT    NOT NULL DEFAULT 'USD',
    owner_id          INTEGER REFERENCES users (id),
    stage_id          INTEGER NOT NULL REFERENCES stages (id),
    next_step_kind    TEXT,
    next_step_due_at  INTEGER,
    next_step_note    TEXT,
    score             INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    assigned_at       INTEGER,
    first_touched_at  INTEGER,
    last_touched_at   INTEGER,
    stage_entered_at  INTEGER NOT NULL,
    closed_at         INTEGER,
    close_reason      TEXT CHECK (close_reason IN ('not_a_buyer', 'no_budget', 'bought_elsewhere', 'no_response', 'duplicate', 'spam_bad_data', 'other')),
    close_note        TEXT,
    CHECK ((next_step_kind IS NULL) = (next_step_due_at IS NULL))
);
CREATE INDEX leads_stage_due ON leads (stage_id, next_step_due_at, id);
CREATE INDEX leads_stage_closed ON leads (stage_id, closed_at);
CREATE INDEX leads_owner_stage ON leads (owner_id, stage_id);

CREATE TABLE activities (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id),
    actor_id     INTEGER REFERENCES users (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note', 'quote_sent')),
    outcome      TEXT,
    note         TEXT,
    occurred_at  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX activities_lead ON activities (lead_id, occurred_at);

-- Append-only history of every change: audit trail, cycle-time source and the live feed.
-- AUTOINCREMENT so ids are never reused: SSE clients resume from Last-Event-ID.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor_id  INTEGER REFERENCES users (id),
    kind      TEXT    NOT NULL,
    lead_id   INTEGER REFERENCES leads (id),
    -- JSON: {"before": {...}, "after": {...}} of the fields that changed.
    payload   TEXT    NOT NULL
);
CREATE INDEX events_lead ON events (lead_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

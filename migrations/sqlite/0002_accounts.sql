-- Accounts and access: sessions, sign-in lockout, team visibility, wall tokens, intake keys,
-- and the team a lead belongs to (what a manager's visibility is computed from).
-- Keep in step with ../postgres/0002_accounts.sql.

-- Consecutive failed sign-ins; at the lockout threshold `locked_at` is set until an admin unlocks.
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_at INTEGER;

-- 1: reps of this team may see the whole team's board, read-only, besides their own leads.
ALTER TABLE teams ADD COLUMN reps_see_team_board INTEGER NOT NULL DEFAULT 0
    CHECK (reps_see_team_board IN (0, 1));

-- The team responsible for a lead: its owner's team when assigned; set by intake routing or a
-- manager otherwise. Managers see and edit the leads of the teams they manage.
ALTER TABLE leads ADD COLUMN team_id INTEGER REFERENCES teams (id);
UPDATE leads SET team_id = (SELECT u.team_id FROM users u WHERE u.id = leads.owner_id);
CREATE INDEX leads_team_stage ON leads (team_id, stage_id);

-- Server-side sessions. Only a SHA-256 of the cookie value is stored, so a copy of the
-- database does not let anyone sign in.
CREATE TABLE sessions (
    id_hash       TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    -- Absolute expiry; the idle expiry is computed from last_seen_at.
    expires_at    INTEGER NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Read-only tokens for wall displays; stored hashed, revocable.
CREATE TABLE wall_tokens (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

-- Per-source API keys for web forms and integrations: they may only create leads in their
-- source. Stored hashed; `prefix` (the first characters) identifies a key in lists.
CREATE TABLE intake_keys (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources (id),
    key_hash      TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX intake_keys_source ON intake_keys (source_id);

-- Intake: contacts and companies as their own records, duplicate candidates for the merge screen,
-- web-form settings of intake keys and their idempotency records, and two new activity kinds.
-- Keep in step with ../postgres/0008_intake.sql.

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- domain::contact::company_key: "ACME, Inc." and "Acme Incorporated" share "acme".
    name_key    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX companies_name_key ON companies (name_key);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER REFERENCES companies (id),
    name        TEXT    NOT NULL,
    email       TEXT,
    phone       TEXT,
    -- Matching keys (domain::contact): lower-case e-mail, E.164 phone, folded name.
    email_key   TEXT,
    phone_key   TEXT,
    name_key    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Set when the person's data was erased on request; the row stays for the counts.
    erased_at   INTEGER
);
CREATE INDEX contacts_email ON contacts (email_key) WHERE email_key IS NOT NULL;
CREATE INDEX contacts_phone ON contacts (phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX contacts_name ON contacts (name_key);
CREATE INDEX contacts_company ON contacts (company_id);

ALTER TABLE leads ADD COLUMN contact_id INTEGER REFERENCES contacts (id);
ALTER TABLE leads ADD COLUMN company_id INTEGER REFERENCES companies (id);
-- Where the inquiry comes from, for territory routing: ISO 3166 alpha-2, region or state,
-- postcode as written.
ALTER TABLE leads ADD COLUMN country TEXT;
ALTER TABLE leads ADD COLUMN region TEXT;
ALTER TABLE leads ADD COLUMN postcode TEXT;
-- A duplicate merged into another lead (closed as "duplicate"); its history shows there.
ALTER TABLE leads ADD COLUMN merged_into INTEGER REFERENCES leads (id);
ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts (id);
CREATE INDEX leads_contact ON leads (contact_id);
CREATE INDEX leads_company ON leads (company_id);

-- A new lead that is likely (not surely) an existing person's: shown on the merge screen
-- until someone merges the two or says they are different people.
CREATE TABLE duplicate_candidates (
    id             INTEGER PRIMARY KEY,
    lead_id        INTEGER NOT NULL REFERENCES leads (id),
    other_lead_id  INTEGER NOT NULL REFERENCES leads (id),
    score          INTEGER NOT NULL,
    -- JSON array of domain::contact::MatchReason.
    reasons        TEXT    NOT NULL,
    found_at       INTEGER NOT NULL,
    resolved_at    INTEGER,
    resolution     TEXT CHECK (resolution IN ('merged', 'distinct')),
    resolved_by    INTEGER REFERENCES users (id),
    UNIQUE (lead_id, other_lead_id)
);
CREATE INDEX duplicate_candidates_open ON duplicate_candidates (found_at) WHERE resolved_at IS NULL;

-- Web forms: a public form id (not a secret) that works only from the key's allowed origins,
-- and the key's rate limit.
ALTER TABLE intake_keys ADD COLUMN form_id TEXT;
ALTER TABLE intake_keys ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';
ALTER TABLE intake_keys ADD COLUMN per_minute INTEGER NOT NULL DEFAULT 30;
CREATE UNIQUE INDEX intake_keys_form ON intake_keys (form_id);

-- One row per Idempotency-Key seen: a repeated submission answers with the first one's lead.
CREATE TABLE intake_requests (
    key_id           INTEGER NOT NULL REFERENCES intake_keys (id),
    idempotency_key  TEXT    NOT NULL,
    lead_id          INTEGER NOT NULL REFERENCES leads (id),
    outcome          TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);

-- Activities gain 'inquiry' (the person wrote in: a web form, a repeat inquiry) and 'social'
-- (a message on a social network). SQLite cannot alter a CHECK, so the table is rebuilt.
CREATE TABLE activities_new (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id),
    actor_id     INTEGER REFERENCES users (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note', 'quote_sent', 'social', 'inquiry')),
    outcome      TEXT,
    note         TEXT,
    occurred_at  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
INSERT INTO activities_new SELECT id, lead_id, actor_id, kind, outcome, note, occurred_at, created_at FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_lead ON activities (lead_id, occurred_at);

-- Keys issued before web forms get their public form id now.
UPDATE intake_keys SET form_id = 'cf_' || lower(hex(randomblob(8))) WHERE form_id IS NULL;

-- Distribution: ordered assignment rules (domain::routing), and each person's capacity and
-- absence.
CREATE TABLE assignment_rules (
    id            INTEGER PRIMARY KEY,
    position      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    -- JSON of domain::routing::Conditions.
    conditions    TEXT    NOT NULL,
    team_id       INTEGER NOT NULL REFERENCES teams (id),
    strategy      TEXT    NOT NULL CHECK (strategy IN ('round_robin', 'least_loaded')),
    last_user_id  INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX assignment_rules_position ON assignment_rules (position);

-- Most open leads a person takes from the rules (NULL: no cap), and until when they are away.
ALTER TABLE users ADD COLUMN capacity INTEGER;
ALTER TABLE users ADD COLUMN away_until INTEGER;

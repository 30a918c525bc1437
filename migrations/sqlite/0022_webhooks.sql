-- Outbound webhooks: endpoints an admin registered with the kinds of event they want, and one
-- delivery per endpoint and event, queued from the event log after commit, retried for a day.
CREATE TABLE webhooks (
    id             INTEGER PRIMARY KEY,
    url            TEXT    NOT NULL,
    -- Comma-separated kinds (lead.created, lead.won, …).
    kinds          TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    -- The whsec_ signing secret, sealed with CLOSELOOP_SECRET_KEY (shown once at creation).
    sealed_secret  TEXT    NOT NULL,
    allow_private  INTEGER NOT NULL DEFAULT 0,
    -- Events up to this id are queued (or predate the endpoint).
    after_event    INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users (id),
    created_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id),
    event_id         INTEGER NOT NULL,
    lead_id          INTEGER,
    kind             TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_attempt_at  INTEGER,
    last_code        INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
CREATE INDEX webhook_deliveries_lead ON webhook_deliveries (webhook_id, lead_id, id);

-- Private calendar feeds: a user's next steps (and, for a manager who asks, the team's overdue
-- items) as an iCalendar subscription at /calendar/<secret>.ics. One live feed per user;
-- stored hashed, revoked with the account's other credentials.
CREATE TABLE calendar_feeds (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    include_team  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id);

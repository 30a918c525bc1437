-- Personal API tokens: an integration calls /api/v1 as the person who issued the token, with
-- that person's rights, limited further by the token's scope (read: GET only; write: all).
-- Stored hashed; `prefix` (the first characters) identifies a token in lists.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    scope         TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

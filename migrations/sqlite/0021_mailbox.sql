-- The shared mailbox that reps BCC or forward to, read over IMAP, and every message read from
-- it with what became of it. One mailbox (id 1). The password is sealed with the key in
-- CLOSELOOP_SECRET_KEY (ChaCha20-Poly1305, base64 of nonce and ciphertext) and never shown again.
CREATE TABLE mailboxes (
    id                INTEGER PRIMARY KEY,
    host              TEXT    NOT NULL,
    port              INTEGER NOT NULL,
    security          TEXT    NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
    username          TEXT    NOT NULL,
    sealed_password   TEXT    NOT NULL,
    folder            TEXT    NOT NULL DEFAULT 'INBOX',
    keep_attachments  INTEGER NOT NULL DEFAULT 0,
    -- The source of leads made from its messages.
    source_id         INTEGER REFERENCES sources (id),
    -- Where reading got to: messages above last_uid in this UIDVALIDITY are new.
    uid_validity      INTEGER,
    last_uid          INTEGER NOT NULL DEFAULT 0,
    checked_at        INTEGER,
    error             TEXT,
    connected_by      INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- Each message once, by its Message-ID (or a digest of it when it has none).
CREATE TABLE mail_messages (
    id             INTEGER PRIMARY KEY,
    message_key    TEXT    NOT NULL UNIQUE,
    uid_validity   INTEGER,
    uid            INTEGER,
    -- touch: an e-mail a user sent, logged on the contact's lead; inquiry: from someone on
    -- file, on their lead; to_file: from someone unknown to a user, waiting for them; filed:
    -- a to_file message they filed; skipped: none of these (reason says why).
    outcome        TEXT    NOT NULL CHECK (outcome IN ('touch', 'inquiry', 'to_file', 'filed', 'skipped')),
    reason         TEXT,
    from_address   TEXT,
    from_name      TEXT,
    to_addresses   TEXT    NOT NULL DEFAULT '',
    subject        TEXT    NOT NULL DEFAULT '',
    sent_at        INTEGER,
    body           TEXT    NOT NULL DEFAULT '',
    -- JSON array of {"name", "content_type", "size"}.
    attachments    TEXT    NOT NULL DEFAULT '[]',
    size           INTEGER NOT NULL DEFAULT 0,
    lead_id        INTEGER REFERENCES leads (id),
    user_id        INTEGER REFERENCES users (id),
    activity_id    INTEGER REFERENCES activities (id),
    received_at    INTEGER NOT NULL,
    filed_at       INTEGER,
    filed_by       INTEGER REFERENCES users (id)
);
CREATE INDEX mail_messages_waiting ON mail_messages (user_id, received_at) WHERE outcome = 'to_file';
CREATE INDEX mail_messages_lead ON mail_messages (lead_id);
CREATE INDEX mail_messages_activity ON mail_messages (activity_id);
CREATE INDEX mail_messages_outcome ON mail_messages (outcome);

-- Attachments' contents, only when the mailbox is set to keep them (base64).
CREATE TABLE mail_attachments (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES mail_messages (id),
    position      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    data          TEXT    NOT NULL
);
CREATE INDEX mail_attachments_message ON mail_attachments (message_id, position);

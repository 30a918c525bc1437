-- Repeated failed sign-ins pause an account's sign-in for a while (one minute, doubling to an
-- hour) instead of locking it until an admin unlocks it: someone who only knows an e-mail
-- address could lock that person out (issue 24). `locked_at` stays as when the current pause
-- streak began; `locked_until` is when sign-in works again.
ALTER TABLE users ADD COLUMN locked_until BIGINT;
UPDATE users SET locked_until = locked_at + 3600000 WHERE locked_at IS NOT NULL;

-- Devices that signed in to an account before (OWASP's device cookies): a pause holds for
-- every other device, so guessing from elsewhere cannot keep the owner out. Only the digest of
-- the cookie is stored; it grants nothing by itself (the password is still needed).
CREATE TABLE known_devices (
    id_hash      TEXT    PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);

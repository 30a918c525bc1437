-- One-on-one pipeline reviews (/review/:rep): a manager's meeting with one rep, its notes and
-- the actions agreed in it. An action on a lead also becomes that lead's next step. At most
-- one review per rep is open (not finished) at a time. Keep in step with ../postgres.
CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    rep_id       INTEGER NOT NULL REFERENCES users (id),
    manager_id   INTEGER NOT NULL REFERENCES users (id),
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    notes        TEXT    NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX reviews_rep ON reviews (rep_id, started_at);
CREATE UNIQUE INDEX reviews_open ON reviews (rep_id) WHERE finished_at IS NULL;

CREATE TABLE review_actions (
    id          INTEGER PRIMARY KEY,
    review_id   INTEGER NOT NULL REFERENCES reviews (id),
    lead_id     INTEGER REFERENCES leads (id),
    text        TEXT    NOT NULL,
    due_at      INTEGER,
    created_at  INTEGER NOT NULL,
    -- Ticked by the manager (actions on a lead count as done once the lead is touched).
    done_at     INTEGER
);
CREATE INDEX review_actions_review ON review_actions (review_id, id);

-- Follow-up policies. Every saved change is a new row with the next version of its scope
-- (the organisation default, team_id NULL, or one team's override); rows are never updated,
-- so a finding's policy version always names the rules it was judged by.
-- `rules` is the JSON of app::domain::Policy, business calendar included. Keep in step with
-- ../postgres/0004_policies.sql.
CREATE TABLE policies (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER REFERENCES teams (id),
    version     INTEGER NOT NULL,
    rules       TEXT    NOT NULL,
    author_id   INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX policies_scope_version ON policies (COALESCE(team_id, 0), version);

-- Pipelines as settings (issue 28). An organisation has one or more pipelines; every stage
-- belongs to exactly one, so a lead's pipeline is its stage's (no column on leads to drift).
-- The stages that existed become pipeline 1, "Sales", with every lead, event, finding, quote
-- and rollup untouched: stage ids do not change. Keep in step with ../postgres.
CREATE TABLE pipelines (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    -- Order in the board's pipeline switcher and on the settings page.
    position    INTEGER NOT NULL,
    -- Increases by one with every saved change (the settings form carries the version it was
    -- edited from, like the follow-up policy).
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
INSERT INTO pipelines (name, position, version, created_at) VALUES ('Sales', 10, 1, 0);

-- SQLite adds a column with a REFERENCES clause only with a NULL default, so neither tree
-- declares this one (the schemas stay alike); the service keeps pipeline_id naming a pipeline.
ALTER TABLE stages ADD COLUMN pipeline_id INTEGER NOT NULL DEFAULT 1;
-- Chance, in percent, that a lead in this open stage is won (the forecast's weight).
ALTER TABLE stages ADD COLUMN probability INTEGER CHECK (probability BETWEEN 0 AND 100);
-- Days without a touch after which a lead here is stale, unless the follow-up policy says
-- otherwise for the stage.
ALTER TABLE stages ADD COLUMN stale_days INTEGER CHECK (stale_days BETWEEN 1 AND 365);
-- Set when an emptied stage is taken off the board; its history keeps its name.
ALTER TABLE stages ADD COLUMN retired_at INTEGER;
CREATE INDEX stages_pipeline ON stages (pipeline_id, position);

UPDATE stages SET probability = CASE key
    WHEN 'new' THEN 10 WHEN 'contacted' THEN 20 WHEN 'qualified' THEN 40
    WHEN 'quoted' THEN 60 WHEN 'negotiating' THEN 80 END
WHERE kind = 'open';

-- The pipelines each team works in (the first by position is where its new leads start).
CREATE TABLE team_pipelines (
    team_id      INTEGER NOT NULL REFERENCES teams (id),
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id),
    PRIMARY KEY (team_id, pipeline_id)
);
INSERT INTO team_pipelines (team_id, pipeline_id) SELECT id, 1 FROM teams;

-- Every saved change of a pipeline: the pipeline and its stages after it (JSON of
-- app::domain::PipelineSnapshot) and the changes in words, never updated.
CREATE TABLE pipeline_versions (
    id           INTEGER PRIMARY KEY,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id),
    version      INTEGER NOT NULL,
    snapshot     TEXT    NOT NULL,
    changes      TEXT    NOT NULL,
    author_id    INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    UNIQUE (pipeline_id, version)
);

-- Whether managers may change the stages of the pipelines their team works in.
ALTER TABLE org_settings ADD COLUMN managers_edit_pipelines INTEGER NOT NULL DEFAULT 0;

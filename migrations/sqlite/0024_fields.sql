-- Custom fields (issue 28). An admin defines fields for leads (of every pipeline or one),
-- contacts or companies; a lead keeps its values as a JSON object by field key in
-- leads.fields (read with the lead, written with its version), and field_values indexes them
-- for filtering: one row per value (per option of a multiple choice), the text lower-cased
-- (dates as YYYY-MM-DD, which sorts), numbers and money in hundredths. Keep in step with
-- ../postgres.
CREATE TABLE field_definitions (
    id            INTEGER PRIMARY KEY,
    -- Stable name in the API, URLs, imports and events; never changes.
    key           TEXT    NOT NULL UNIQUE,
    label         TEXT    NOT NULL,
    help          TEXT,
    kind          TEXT    NOT NULL,
    entity        TEXT    NOT NULL,
    pipeline_id   INTEGER REFERENCES pipelines (id),
    -- The options of a choice field, as a JSON array.
    choices       TEXT    NOT NULL DEFAULT '[]',
    required_from INTEGER REFERENCES stages (id),
    on_card       INTEGER NOT NULL DEFAULT 0,
    position      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    retired_at    INTEGER
);

ALTER TABLE leads ADD COLUMN fields TEXT;

CREATE TABLE field_values (
    field_id    INTEGER NOT NULL REFERENCES field_definitions (id),
    entity_id   INTEGER NOT NULL,
    value_text  TEXT,
    value_num   INTEGER
);
CREATE INDEX field_values_text ON field_values (field_id, value_text, entity_id);
CREATE INDEX field_values_num ON field_values (field_id, value_num, entity_id);
CREATE INDEX field_values_entity ON field_values (entity_id, field_id);

-- The wall display (domain::wall): each wall token's panels, period and rotation, chosen by an
-- admin; and the event index the time-in-stage figures and the wall's newest wins read by.
-- Keep in step with the other dialect.
ALTER TABLE wall_tokens ADD COLUMN panels TEXT NOT NULL DEFAULT 'roi,funnel,month,compliance,wins';
ALTER TABLE wall_tokens ADD COLUMN days INTEGER NOT NULL DEFAULT 90 CHECK (days > 0);
ALTER TABLE wall_tokens ADD COLUMN seconds INTEGER NOT NULL DEFAULT 20 CHECK (seconds > 0);

CREATE INDEX events_kind_at ON events (kind, at);

-- Marketing's yearly target of inquiries (domain::roi::Pace), one per calendar year of the
-- organisation's time zone.
CREATE TABLE inquiry_targets (
    year        INTEGER PRIMARY KEY,
    target      BIGINT  NOT NULL CHECK (target > 0),
    set_by      BIGINT  NOT NULL REFERENCES users (id),
    set_at      BIGINT  NOT NULL
);

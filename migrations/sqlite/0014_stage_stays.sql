-- Time in stage (store::roi::stays): one row per move out of a stage, with how long the lead
-- had been in it since its previous move or its creation. Kept by a trigger on `events`, so it
-- follows the event log however the move was written (board, API, seed, a test's own history),
-- in the same transaction. The ROI page reads a period's stays from the covering index instead
-- of a window over the whole log (1.4 s at 100k leads). Keep in step with ../postgres.
CREATE TABLE stage_stays (
    event_id  INTEGER PRIMARY KEY,  -- the lead.moved event
    left_at   INTEGER NOT NULL,
    stage_id  INTEGER NOT NULL,
    ms        INTEGER NOT NULL
);
CREATE INDEX stage_stays_left ON stage_stays (left_at, stage_id, ms);

INSERT INTO stage_stays (event_id, left_at, stage_id, ms)
SELECT id, at, stage, at - prev FROM (
    SELECT e.id, e.kind, e.at,
           CAST(json_extract(e.payload, '$.before.stage_id') AS INTEGER) AS stage,
           LAG(e.at) OVER (PARTITION BY e.lead_id ORDER BY e.id) AS prev
    FROM events e
    WHERE e.kind IN ('lead.created', 'lead.moved') AND e.lead_id IS NOT NULL
) x
WHERE x.kind = 'lead.moved' AND x.prev IS NOT NULL AND x.stage IS NOT NULL;

CREATE TRIGGER events_stage_stay AFTER INSERT ON events
WHEN NEW.kind = 'lead.moved' AND NEW.lead_id IS NOT NULL
 AND json_extract(NEW.payload, '$.before.stage_id') IS NOT NULL
BEGIN
    INSERT INTO stage_stays (event_id, left_at, stage_id, ms)
    SELECT NEW.id, NEW.at, CAST(json_extract(NEW.payload, '$.before.stage_id') AS INTEGER),
           NEW.at - p.at
    FROM events p
    WHERE p.lead_id = NEW.lead_id AND p.id < NEW.id
      AND p.kind IN ('lead.created', 'lead.moved')
    ORDER BY p.id DESC LIMIT 1;
END;

-- Time in stage (store::roi::stays): one row per move out of a stage, with how long the lead
-- had been in it since its previous move or its creation. Kept by a trigger on `events`, so it
-- follows the event log however the move was written (board, API, seed, a test's own history),
-- in the same transaction. The ROI page reads a period's stays from the covering index instead
-- of a window over the whole log (1.4 s at 100k leads). Keep in step with ../sqlite.
CREATE TABLE stage_stays (
    event_id  BIGINT PRIMARY KEY,  -- the lead.moved event
    left_at   BIGINT NOT NULL,
    stage_id  BIGINT NOT NULL,
    ms        BIGINT NOT NULL
);
CREATE INDEX stage_stays_left ON stage_stays (left_at, stage_id, ms);

INSERT INTO stage_stays (event_id, left_at, stage_id, ms)
SELECT id, at, stage, at - prev FROM (
    SELECT e.id, e.kind, e.at,
           (e.payload::jsonb -> 'before' ->> 'stage_id')::bigint AS stage,
           LAG(e.at) OVER (PARTITION BY e.lead_id ORDER BY e.id) AS prev
    FROM events e
    WHERE e.kind IN ('lead.created', 'lead.moved') AND e.lead_id IS NOT NULL
) x
WHERE x.kind = 'lead.moved' AND x.prev IS NOT NULL AND x.stage IS NOT NULL;

CREATE FUNCTION events_stage_stay() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stage BIGINT := (NEW.payload::jsonb -> 'before' ->> 'stage_id')::bigint;
    prev  BIGINT;
BEGIN
    IF NEW.kind <> 'lead.moved' OR NEW.lead_id IS NULL OR stage IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT p.at INTO prev FROM events p
     WHERE p.lead_id = NEW.lead_id AND p.id < NEW.id
       AND p.kind IN ('lead.created', 'lead.moved')
     ORDER BY p.id DESC LIMIT 1;
    IF prev IS NOT NULL THEN
        INSERT INTO stage_stays (event_id, left_at, stage_id, ms)
        VALUES (NEW.id, NEW.at, stage, NEW.at - prev);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER events_stage_stay AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.kind = 'lead.moved') EXECUTE FUNCTION events_stage_stay();

-- ROI rollups (store::roi): per UTC day, the inquiries by source, campaign and how far they got,
-- and the close-outs by source, campaign, outcome, reason and currency. Kept by triggers on
-- `leads`, so every write (board, API, intake, import, merge, seed) updates them in its own
-- transaction. The report reads whole days here and the period's two partial days from the
-- leads. Keep in step with ../postgres.
CREATE TABLE roi_created (
    day          INTEGER NOT NULL,
    source_id    INTEGER NOT NULL,
    campaign_id  INTEGER NOT NULL,  -- 0: none
    reached      INTEGER NOT NULL,  -- reached_position; -1: unknown
    inquiries    INTEGER NOT NULL,
    contacted    INTEGER NOT NULL,
    PRIMARY KEY (day, source_id, campaign_id, reached)
) WITHOUT ROWID;

CREATE TABLE roi_closed (
    day          INTEGER NOT NULL,
    source_id    INTEGER NOT NULL,
    campaign_id  INTEGER NOT NULL,  -- 0: none
    kind         TEXT    NOT NULL,  -- won or lost
    reason       TEXT    NOT NULL,  -- '': none
    currency     TEXT    NOT NULL,
    leads        INTEGER NOT NULL,
    valued       INTEGER NOT NULL,  -- of them, leads with a value
    value_cents  INTEGER NOT NULL,
    PRIMARY KEY (day, source_id, campaign_id, kind, reason, currency)
) WITHOUT ROWID;

INSERT INTO roi_created (day, source_id, campaign_id, reached, inquiries, contacted)
SELECT created_at / 86400000, source_id, COALESCE(campaign_id, 0), COALESCE(reached_position, -1),
       COUNT(*), SUM(CASE WHEN first_touched_at IS NOT NULL THEN 1 ELSE 0 END)
FROM leads GROUP BY 1, 2, 3, 4;

INSERT INTO roi_closed (day, source_id, campaign_id, kind, reason, currency, leads, valued, value_cents)
SELECT l.closed_at / 86400000, l.source_id, COALESCE(l.campaign_id, 0), s.kind,
       COALESCE(l.close_reason, ''), l.currency, COUNT(*), COUNT(l.value_cents),
       COALESCE(SUM(l.value_cents), 0)
FROM leads l JOIN stages s ON s.id = l.stage_id
WHERE l.closed_at IS NOT NULL AND s.kind <> 'open'
GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER leads_roi_insert AFTER INSERT ON leads BEGIN
    INSERT INTO roi_created (day, source_id, campaign_id, reached, inquiries, contacted)
    VALUES (NEW.created_at / 86400000, NEW.source_id, COALESCE(NEW.campaign_id, 0),
            COALESCE(NEW.reached_position, -1), 1, NEW.first_touched_at IS NOT NULL)
    ON CONFLICT (day, source_id, campaign_id, reached) DO UPDATE
        SET inquiries = inquiries + 1, contacted = contacted + excluded.contacted;
    INSERT INTO roi_closed (day, source_id, campaign_id, kind, reason, currency, leads, valued,
                            value_cents)
    SELECT NEW.closed_at / 86400000, NEW.source_id, COALESCE(NEW.campaign_id, 0), s.kind,
           COALESCE(NEW.close_reason, ''), NEW.currency, 1, NEW.value_cents IS NOT NULL,
           COALESCE(NEW.value_cents, 0)
    FROM stages s WHERE s.id = NEW.stage_id AND s.kind <> 'open' AND NEW.closed_at IS NOT NULL
    ON CONFLICT (day, source_id, campaign_id, kind, reason, currency) DO UPDATE
        SET leads = leads + 1, valued = valued + excluded.valued,
            value_cents = value_cents + excluded.value_cents;
END;

CREATE TRIGGER leads_roi_update_created AFTER UPDATE OF
    created_at, source_id, campaign_id, reached_position, first_touched_at ON leads
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.source_id IS NOT NEW.source_id
  OR OLD.campaign_id IS NOT NEW.campaign_id OR OLD.reached_position IS NOT NEW.reached_position
  OR (OLD.first_touched_at IS NULL) <> (NEW.first_touched_at IS NULL)
BEGIN
    UPDATE roi_created
       SET inquiries = inquiries - 1, contacted = contacted - (OLD.first_touched_at IS NOT NULL)
     WHERE day = OLD.created_at / 86400000 AND source_id = OLD.source_id
       AND campaign_id = COALESCE(OLD.campaign_id, 0)
       AND reached = COALESCE(OLD.reached_position, -1);
    INSERT INTO roi_created (day, source_id, campaign_id, reached, inquiries, contacted)
    VALUES (NEW.created_at / 86400000, NEW.source_id, COALESCE(NEW.campaign_id, 0),
            COALESCE(NEW.reached_position, -1), 1, NEW.first_touched_at IS NOT NULL)
    ON CONFLICT (day, source_id, campaign_id, reached) DO UPDATE
        SET inquiries = inquiries + 1, contacted = contacted + excluded.contacted;
END;

CREATE TRIGGER leads_roi_update_closed AFTER UPDATE OF
    closed_at, source_id, campaign_id, stage_id, close_reason, currency, value_cents ON leads
WHEN (OLD.closed_at IS NOT NULL OR NEW.closed_at IS NOT NULL) AND (
     OLD.closed_at IS NOT NEW.closed_at OR OLD.source_id IS NOT NEW.source_id
  OR OLD.campaign_id IS NOT NEW.campaign_id OR OLD.stage_id IS NOT NEW.stage_id
  OR OLD.close_reason IS NOT NEW.close_reason OR OLD.currency IS NOT NEW.currency
  OR OLD.value_cents IS NOT NEW.value_cents)
BEGIN
    UPDATE roi_closed
       SET leads = leads - 1, valued = valued - (OLD.value_cents IS NOT NULL),
           value_cents = value_cents - COALESCE(OLD.value_cents, 0)
     WHERE OLD.closed_at IS NOT NULL AND day = OLD.closed_at / 86400000
       AND source_id = OLD.source_id AND campaign_id = COALESCE(OLD.campaign_id, 0)
       AND kind = (SELECT kind FROM stages WHERE id = OLD.stage_id)
       AND reason = COALESCE(OLD.close_reason, '') AND currency = OLD.currency;
    INSERT INTO roi_closed (day, source_id, campaign_id, kind, reason, currency, leads, valued,
                            value_cents)
    SELECT NEW.closed_at / 86400000, NEW.source_id, COALESCE(NEW.campaign_id, 0), s.kind,
           COALESCE(NEW.close_reason, ''), NEW.currency, 1, NEW.value_cents IS NOT NULL,
           COALESCE(NEW.value_cents, 0)
    FROM stages s WHERE s.id = NEW.stage_id AND s.kind <> 'open' AND NEW.closed_at IS NOT NULL
    ON CONFLICT (day, source_id, campaign_id, kind, reason, currency) DO UPDATE
        SET leads = leads + 1, valued = valued + excluded.valued,
            value_cents = value_cents + excluded.value_cents;
END;

CREATE TRIGGER leads_roi_delete AFTER DELETE ON leads BEGIN
    UPDATE roi_created
       SET inquiries = inquiries - 1, contacted = contacted - (OLD.first_touched_at IS NOT NULL)
     WHERE day = OLD.created_at / 86400000 AND source_id = OLD.source_id
       AND campaign_id = COALESCE(OLD.campaign_id, 0)
       AND reached = COALESCE(OLD.reached_position, -1);
    UPDATE roi_closed
       SET leads = leads - 1, valued = valued - (OLD.value_cents IS NOT NULL),
           value_cents = value_cents - COALESCE(OLD.value_cents, 0)
     WHERE OLD.closed_at IS NOT NULL AND day = OLD.closed_at / 86400000
       AND source_id = OLD.source_id AND campaign_id = COALESCE(OLD.campaign_id, 0)
       AND kind = (SELECT kind FROM stages WHERE id = OLD.stage_id)
       AND reason = COALESCE(OLD.close_reason, '') AND currency = OLD.currency;
END;

-- ROI rollups (store::roi): per UTC day, the inquiries by source, campaign and how far they got,
-- and the close-outs by source, campaign, outcome, reason and currency. Kept by a trigger on
-- `leads`, so every write (board, API, intake, import, merge, seed) updates them in its own
-- transaction. The report reads whole days here and the period's two partial days from the
-- leads. Keep in step with ../sqlite.
CREATE TABLE roi_created (
    day          BIGINT NOT NULL,
    source_id    BIGINT NOT NULL,
    campaign_id  BIGINT NOT NULL,  -- 0: none
    reached      BIGINT NOT NULL,  -- reached_position; -1: unknown
    inquiries    BIGINT NOT NULL,
    contacted    BIGINT NOT NULL,
    PRIMARY KEY (day, source_id, campaign_id, reached)
);

CREATE TABLE roi_closed (
    day          BIGINT NOT NULL,
    source_id    BIGINT NOT NULL,
    campaign_id  BIGINT NOT NULL,  -- 0: none
    kind         TEXT   NOT NULL,  -- won or lost
    reason       TEXT   NOT NULL,  -- '': none
    currency     TEXT   NOT NULL,
    leads        BIGINT NOT NULL,
    valued       BIGINT NOT NULL,  -- of them, leads with a value
    value_cents  BIGINT NOT NULL,
    PRIMARY KEY (day, source_id, campaign_id, kind, reason, currency)
);

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

-- Adds `sign` (1 or -1) times one lead's contribution to each rollup.
CREATE FUNCTION roi_add(r leads, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    k TEXT;
BEGIN
    INSERT INTO roi_created AS t (day, source_id, campaign_id, reached, inquiries, contacted)
    VALUES (r.created_at / 86400000, r.source_id, COALESCE(r.campaign_id, 0),
            COALESCE(r.reached_position, -1), sign,
            CASE WHEN r.first_touched_at IS NOT NULL THEN sign ELSE 0 END)
    ON CONFLICT (day, source_id, campaign_id, reached) DO UPDATE
        SET inquiries = t.inquiries + EXCLUDED.inquiries,
            contacted = t.contacted + EXCLUDED.contacted;
    IF r.closed_at IS NOT NULL THEN
        SELECT kind INTO k FROM stages WHERE id = r.stage_id;
        IF k IS NOT NULL AND k <> 'open' THEN
            INSERT INTO roi_closed AS t (day, source_id, campaign_id, kind, reason, currency,
                                         leads, valued, value_cents)
            VALUES (r.closed_at / 86400000, r.source_id, COALESCE(r.campaign_id, 0), k,
                    COALESCE(r.close_reason, ''), r.currency, sign,
                    CASE WHEN r.value_cents IS NOT NULL THEN sign ELSE 0 END,
                    sign * COALESCE(r.value_cents, 0))
            ON CONFLICT (day, source_id, campaign_id, kind, reason, currency) DO UPDATE
                SET leads = t.leads + EXCLUDED.leads, valued = t.valued + EXCLUDED.valued,
                    value_cents = t.value_cents + EXCLUDED.value_cents;
        END IF;
    END IF;
END $$;

CREATE FUNCTION leads_roi() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM roi_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM roi_add(OLD, -1);
    ELSIF (OLD.created_at, OLD.source_id, OLD.campaign_id, OLD.reached_position,
           OLD.first_touched_at IS NULL, OLD.closed_at, OLD.stage_id, OLD.close_reason,
           OLD.currency, OLD.value_cents)
          IS DISTINCT FROM
          (NEW.created_at, NEW.source_id, NEW.campaign_id, NEW.reached_position,
           NEW.first_touched_at IS NULL, NEW.closed_at, NEW.stage_id, NEW.close_reason,
           NEW.currency, NEW.value_cents) THEN
        -- The older bucket first, so two writers lock rollup rows in the same order.
        IF OLD.created_at <= NEW.created_at THEN
            PERFORM roi_add(OLD, -1);
            PERFORM roi_add(NEW, 1);
        ELSE
            PERFORM roi_add(NEW, 1);
            PERFORM roi_add(OLD, -1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER leads_roi AFTER INSERT OR DELETE OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_roi();

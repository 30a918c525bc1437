-- ROI (domain::roi, service::roi): campaign budgets, and how far each lead got in the pipeline
-- (kept by every write of the stage, in the same statement). Keep in step with ../postgres.
ALTER TABLE campaigns ADD COLUMN budget_cents INTEGER CHECK (budget_cents >= 0);
ALTER TABLE campaigns ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';

-- The position of the furthest open or won stage the lead has been in: a lost lead keeps how
-- far it got before it was lost ("qualified", "quoted" in the funnel and the ROI tables).
ALTER TABLE leads ADD COLUMN reached_position INTEGER;
UPDATE leads SET reached_position = (
    SELECT MAX(s.position) FROM stages s
    WHERE s.kind <> 'lost' AND (
        s.id = leads.stage_id
        OR s.id IN (
            SELECT CAST(json_extract(e.payload, '$.before.stage_id') AS INTEGER) FROM events e
            WHERE e.lead_id = leads.id AND e.kind = 'lead.moved'
            UNION
            SELECT CAST(json_extract(e.payload, '$.after.stage_id') AS INTEGER) FROM events e
            WHERE e.lead_id = leads.id AND e.kind = 'lead.moved'
        )
    )
);
UPDATE leads SET reached_position = (SELECT MIN(position) FROM stages WHERE kind = 'open')
WHERE reached_position IS NULL;

-- The ROI queries read leads by creation date (the period's inquiries) and by close date
-- (its wins, losses and revenue) from these indexes alone.
CREATE INDEX leads_roi_created ON leads
    (created_at, source_id, campaign_id, reached_position, first_touched_at, stage_id);
CREATE INDEX leads_roi_closed ON leads
    (closed_at, source_id, campaign_id, stage_id, close_reason, currency, value_cents, created_at);

-- Compliance counted in SQL: a lead's standing on the measures that do not move with the
-- clock, kept on the lead so /compliance is a handful of GROUP BYs over covering indexes
-- instead of judging every lead in Rust. Keep in step with ../sqlite/0006_compliance_facts.sql.

-- Worked out in Rust (`domain::compliance::lead_facts`) under the lead's team policy:
-- the first-touch deadline (NULL: the policy sets none; 9223372036854775807: the calendar
-- never opens), the business minutes from arrival to the first touch (NULL while untouched),
-- complete data and a close reason given (1 or 0), and when they were worked out. NULL
-- `facts_at` means "work them out again": every lead write sets it, and so does a policy save.
ALTER TABLE leads ADD COLUMN sla_due_at BIGINT;
ALTER TABLE leads ADD COLUMN first_touch_minutes BIGINT;
ALTER TABLE leads ADD COLUMN data_complete BIGINT;
ALTER TABLE leads ADD COLUMN reason_given BIGINT;
ALTER TABLE leads ADD COLUMN facts_at BIGINT;
CREATE INDEX leads_facts_todo ON leads (id) WHERE facts_at IS NULL;

-- One covering index per population compliance counts, so no count reads the table:
-- arrivals in a period (first touch, medians, trend), open leads (next step, stale, complete
-- data), close-outs in a period (loss reasons, trend). The close-out index leaves open leads
-- out, so "closed_at IS NULL" can only take the open-lead index.
CREATE INDEX leads_arrivals ON leads
    (created_at, owner_id, team_id, sla_due_at, first_touched_at, first_touch_minutes);
CREATE INDEX leads_open_facts ON leads
    (owner_id, team_id, stage_id, next_step_due_at, last_touched_at, created_at,
     stage_entered_at, data_complete)
    WHERE closed_at IS NULL;
CREATE INDEX leads_closeouts ON leads (closed_at, stage_id, owner_id, team_id, reason_given)
    WHERE closed_at IS NOT NULL;

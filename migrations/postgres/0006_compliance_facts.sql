-- Compliance counts in SQL: what a lead's first touch comes to under its team's policy, kept
-- on the lead so /compliance is a handful of GROUP BYs instead of judging every lead in Rust.
-- Keep in step with ../sqlite/0006_compliance_facts.sql.

-- The first-touch deadline (business time after arrival; NULL: the policy sets none;
-- 9223372036854775807: the calendar never opens), the business minutes from arrival to the
-- first touch (NULL while untouched), and when both were worked out: NULL means "work them out
-- again", which every write that can change them (and every policy save) sets.
ALTER TABLE leads ADD COLUMN sla_due_at BIGINT;
ALTER TABLE leads ADD COLUMN first_touch_minutes BIGINT;
ALTER TABLE leads ADD COLUMN facts_at BIGINT;
CREATE INDEX leads_facts_todo ON leads (id) WHERE facts_at IS NULL;

-- Arrivals and close-outs in a period, and the open leads, without a full scan.
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_closed ON leads (closed_at);

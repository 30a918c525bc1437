-- Board columns page in index order: every card order the board offers has an index that
-- yields it directly (forwards or backwards), so the first page of a 100k-lead column is read,
-- not sorted. PostgreSQL sorts NULLs last ascending; the board wants leads without a next step
-- (and, read backwards, without a value) at the ends it shows first, hence NULLS FIRST.
-- Keep in step with ../sqlite.

DROP INDEX leads_stage_due;
CREATE INDEX leads_stage_due ON leads (stage_id, next_step_due_at NULLS FIRST, id);
CREATE INDEX leads_stage_value ON leads (stage_id, value_cents NULLS FIRST, id);
CREATE INDEX leads_stage_created ON leads (stage_id, created_at, id);
DROP INDEX leads_stage_closed;
CREATE INDEX leads_stage_closed_id ON leads (stage_id, closed_at NULLS FIRST, id);
-- Column counts and value sums per currency from the index where the visibility map allows.
CREATE INDEX leads_stage_currency_value ON leads (stage_id, currency, value_cents);

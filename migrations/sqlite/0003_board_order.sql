-- Board columns page in index order: every card order the board offers has an index that
-- yields it directly (SQLite sorts NULLs first ascending, which is the order wanted), so the
-- first page of a 100k-lead column is read, not sorted. Keep in step with ../postgres.

-- Attention order: (stage_id, next_step_due_at, id) exists since 0001.
CREATE INDEX leads_stage_value ON leads (stage_id, value_cents, id);
CREATE INDEX leads_stage_created ON leads (stage_id, created_at, id);
CREATE INDEX leads_stage_closed_id ON leads (stage_id, closed_at, id);
DROP INDEX leads_stage_closed;
-- Column counts and value sums per currency without touching the table.
CREATE INDEX leads_stage_currency_value ON leads (stage_id, currency, value_cents);

-- The forecast (issue 28): an open lead's expected close date (YYYY-MM-DD, which sorts) and
-- whether its rep commits to it. A stage may require the date (entry criterion
-- `close_date`). Changes are logged as lead edits (before and after), so reviews can show
-- what moved in the forecast. Keep in step with ../sqlite.
ALTER TABLE leads ADD COLUMN expected_close TEXT;
ALTER TABLE leads ADD COLUMN committed BIGINT NOT NULL DEFAULT 0;
CREATE INDEX leads_expected_close ON leads (expected_close);

-- When the sweep must next judge a lead, so a sweep reads only the leads whose findings or
-- escalation can have changed since the last one. Keep in step with ../sqlite/0007_judge_at.sql.

-- 0 or below: at the next sweep. Every lead write sets 0; a policy save sets the leads under
-- it to minus the id of its policy.saved event, so a sweep that read them before the save cannot mark
-- them judged. Otherwise the instant (ms) at which the next finding may begin or end or the
-- next escalation rung falls due (`domain::policy::next_change`); NULL when only a write can
-- change anything (a closed lead).
ALTER TABLE leads ADD COLUMN judge_at BIGINT DEFAULT 0;
CREATE INDEX leads_judge ON leads (judge_at) WHERE judge_at IS NOT NULL;

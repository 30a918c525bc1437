-- Who sees the leaderboard (/leaderboard): each rep's own team, the whole organisation, or
-- nobody; set by an admin on /admin/settings.
ALTER TABLE org_settings ADD COLUMN leaderboard TEXT NOT NULL DEFAULT 'team'
    CHECK (leaderboard IN ('team', 'organisation', 'off'));

-- Gate checks are kept for a retention period (400 days by default) and then deleted, except
-- those a logged decision quotes. Finding those quickly needs decisions by check. SQLite finds
-- old checks by rowid (checks are appended in time order), so the check log needs no index by
-- time, which would cost the gate a page write per commit.
CREATE INDEX decisions_check ON decisions (check_id);

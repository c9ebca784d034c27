-- Kept in lockstep with ../sqlite/0012_check_retention.sql. PostgreSQL finds old checks by
-- time through an index (its WAL logs an index insert as a small record).
CREATE INDEX decisions_check ON decisions (check_id);
CREATE INDEX gate_checks_time ON gate_checks (checked_at);

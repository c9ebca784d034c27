-- Kept in lockstep with ../sqlite/0002_checks_index.sql. PostgreSQL keeps its ordinary
-- per-subject index of gate checks: its WAL logs index inserts as small records.
SELECT 1;

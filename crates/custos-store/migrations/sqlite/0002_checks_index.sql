-- The per-subject index of gate checks moves off the request path: a background indexer keeps
-- it in a separate database file (custos-index.db), see docs/DESIGN.md. On SQLite each entry
-- of this index cost a random 4 KiB WAL page per check.
DROP INDEX gate_checks_subject;

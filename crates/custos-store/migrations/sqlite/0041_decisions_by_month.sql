-- On PostgreSQL the decision log is partitioned by month (issue 25), and the tables that point
-- at a decision carry its created_at for the composite foreign key that needs. SQLite keeps one
-- decisions table; the columns are the same on both engines, filled the same way by the store.
ALTER TABLE decision_explanations ADD COLUMN decision_created_at TEXT;
UPDATE decision_explanations SET decision_created_at = (SELECT d.created_at FROM decisions d WHERE d.decision_id = decision_explanations.decision_id);
ALTER TABLE reviews ADD COLUMN decision_created_at TEXT;
UPDATE reviews SET decision_created_at = (SELECT d.created_at FROM decisions d WHERE d.decision_id = reviews.decision_id);

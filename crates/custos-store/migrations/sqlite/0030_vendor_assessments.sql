-- Vendor assessments (issue 20): an assessment is about one AI system (the DPIA, the AI Act
-- classification) or one vendor (the due-diligence review of Art. 28(1)), never both. SQLite
-- cannot relax a NOT NULL column in place, so the table is rebuilt with its rows (the
-- new column last, in the order PostgreSQL's ADD COLUMN gives).
CREATE TABLE assessments_next (
    assessment_id TEXT PRIMARY KEY,
    ai_system_id  TEXT REFERENCES ai_systems (ai_system_id),
    questionnaire TEXT NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT NOT NULL,
    answers       TEXT NOT NULL,
    result        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT,
    approved_by   TEXT,
    approved_at   TEXT,
    review_reason TEXT,
    vendor_id     TEXT REFERENCES vendors (vendor_id),
    CHECK ((ai_system_id IS NULL) <> (vendor_id IS NULL))
);
INSERT INTO assessments_next (assessment_id, ai_system_id, questionnaire, version, status, answers, result, created_by, created_at,
    updated_at, submitted_at, approved_by, approved_at, review_reason)
    SELECT assessment_id, ai_system_id, questionnaire, version, status, answers, result, created_by, created_at,
    updated_at, submitted_at, approved_by, approved_at, review_reason FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_next RENAME TO assessments;
CREATE INDEX assessments_system ON assessments (ai_system_id, questionnaire, status);
CREATE INDEX assessments_vendor ON assessments (vendor_id, status);

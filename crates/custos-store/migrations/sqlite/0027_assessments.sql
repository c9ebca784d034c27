-- Impact assessments (issue 19): the answers to a versioned questionnaire (the GDPR Art. 35
-- DPIA, the EU AI Act classification) for one AI system, what custos concluded from them
-- (result: the tier with its path and obligations, the DPIA screening), and their review:
-- draft -> submitted -> approved by a privacy officer; needs_review when the AI system changes.
CREATE TABLE assessments (
    assessment_id TEXT PRIMARY KEY,
    ai_system_id  TEXT NOT NULL REFERENCES ai_systems (ai_system_id),
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
    review_reason TEXT
);
CREATE INDEX assessments_system ON assessments (ai_system_id, questionnaire, status);

-- AI-interaction disclosures (issue 22; AI Act Art. 50(1)): what a customer-facing AI system
-- tells people before they interact with it, versioned per language, and how often it was
-- served (per day and language: the evidence that it is shown, not only written).
CREATE TABLE ai_disclosures (
    ai_system_id TEXT NOT NULL REFERENCES ai_systems (ai_system_id),
    language     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    text         TEXT NOT NULL,
    text_sha256  TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (ai_system_id, language, version)
);

CREATE TABLE ai_disclosure_serves (
    ai_system_id TEXT NOT NULL REFERENCES ai_systems (ai_system_id),
    language     TEXT NOT NULL,
    day          TEXT NOT NULL,
    served       INTEGER NOT NULL,
    PRIMARY KEY (ai_system_id, language, day)
);

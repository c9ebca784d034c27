-- Incidents and their legal clocks (issue 19): the facts the clocks run from (kind, when the
-- business became aware, jurisdictions, risk to the people affected, the AI Act role and type
-- of a serious incident), the response plan's checklist (JSON), and what staff wrote, sealed
-- (text_ct). Notifications stop a duty's clock; a late one carries its reason, sealed.
CREATE TABLE incidents (
    incident_id           TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    became_aware_at       TEXT NOT NULL,
    occurred_at           TEXT,
    ai_system_ids         TEXT NOT NULL,
    data_categories       TEXT NOT NULL,
    jurisdictions         TEXT NOT NULL,
    subjects_affected     INTEGER,
    subject_ids           TEXT NOT NULL,
    severity              TEXT NOT NULL,
    risk_to_subjects      TEXT NOT NULL,
    ai_act_role           TEXT,
    serious_incident_type TEXT,
    status                TEXT NOT NULL,
    text_ct               BLOB NOT NULL,
    plan                  TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    closed_at             TEXT
);
CREATE INDEX incidents_aware ON incidents (became_aware_at);
CREATE INDEX incidents_status ON incidents (status);
CREATE TABLE incident_notifications (
    notification_id TEXT PRIMARY KEY,
    incident_id     TEXT NOT NULL REFERENCES incidents (incident_id),
    duty            TEXT NOT NULL,
    notified_at     TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    reference       TEXT NOT NULL,
    late_reason_ct  BLOB,
    late_seconds    INTEGER,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (incident_id, duty)
);

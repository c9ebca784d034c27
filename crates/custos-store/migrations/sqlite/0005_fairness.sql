-- Fairness audits over the decision log (issue 5). An audit reads the decisions in its scope
-- and, for their subjects, only the audit-only (special category) values it names; the stored
-- report holds aggregates per group, never a subject id or a value of one person.
CREATE TABLE fairness_audits (
    audit_id      TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    request       TEXT NOT NULL,
    schedule_id   TEXT,
    rows_total    INTEGER,
    rows_done     INTEGER NOT NULL,
    report        TEXT,
    report_sha256 TEXT,
    alerts        TEXT,
    error         TEXT,
    key_id        TEXT,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT
);
CREATE INDEX fairness_audits_status ON fairness_audits (status, created_at);

-- Recurring audits: the same request every `interval_seconds`, alerting on its thresholds.
CREATE TABLE fairness_schedules (
    schedule_id      TEXT PRIMARY KEY,
    request          TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL,
    next_run_at      TEXT NOT NULL,
    key_id           TEXT,
    created_at       TEXT NOT NULL
);

-- Audits scan decisions in creation order within a time window.
CREATE INDEX decisions_created ON decisions (created_at, decision_id);

-- Human oversight (issue 16): review rules, reviews of decisions, the stop button, and the one
-- alert store every later domain reports into. Kept in lockstep with ../postgres/0014_oversight.sql.

-- A purpose whose decisions have a legal or similarly significant effect (GDPR Art. 22).
ALTER TABLE purposes ADD COLUMN significant_effect INTEGER NOT NULL DEFAULT 0;

-- A decision's state, who made it, and the model decision a human one replaces.
ALTER TABLE decisions ADD COLUMN status TEXT NOT NULL DEFAULT 'final';
ALTER TABLE decisions ADD COLUMN significant INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN decided_by TEXT NOT NULL DEFAULT 'model';
ALTER TABLE decisions ADD COLUMN supersedes TEXT;
ALTER TABLE decisions ADD COLUMN reason_code TEXT;

-- The counterfactual of an adverse explained decision, computed after it was logged, sealed
-- under the subject's key like the explanation.
ALTER TABLE decision_explanations ADD COLUMN counterfactual_ct BLOB;

-- A personal access token is an API key bound to a staff account, with an end.
ALTER TABLE api_keys ADD COLUMN user_id TEXT REFERENCES staff_users (user_id);
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;

-- Rules that route decisions to a person. A change is a new version of the rule; deleting
-- keeps the row (reviews name the rule they came from).
CREATE TABLE review_rules (
    rule_id         TEXT NOT NULL,
    name            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    conditions      TEXT NOT NULL,
    sla_hours       INTEGER NOT NULL,
    required_role   TEXT NOT NULL,
    escalation_role TEXT,
    two_person      INTEGER NOT NULL,
    blind           INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    deleted_at      TEXT,
    PRIMARY KEY (rule_id, version)
);

-- A decision waiting for (or given) a person's judgement.
CREATE TABLE reviews (
    review_id          TEXT PRIMARY KEY,
    decision_id        TEXT NOT NULL REFERENCES decisions (decision_id),
    subject_id         TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    status             TEXT NOT NULL,
    reasons            TEXT NOT NULL,
    required_role      TEXT NOT NULL,
    escalation_role    TEXT,
    two_person         INTEGER NOT NULL,
    blind              INTEGER NOT NULL,
    due_at             TEXT NOT NULL,
    assignee           TEXT,
    claimed_at         TEXT,
    escalated_at       TEXT,
    resolved_at        TEXT,
    action             TEXT,
    outcome            TEXT,
    reason_code        TEXT,
    final_decision_id  TEXT,
    dsr_id             TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX reviews_status_due ON reviews (status, due_at);
CREATE INDEX reviews_decision ON reviews (decision_id);

-- Each reviewer's judgement of a review (two for the two-person rule), with the time they
-- took: what the oversight figures are computed from. Notes are sealed under the subject's key.
CREATE TABLE review_verdicts (
    review_id   TEXT NOT NULL REFERENCES reviews (review_id),
    user_id     TEXT NOT NULL,
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    agrees      INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    note_ct     BLOB,
    claimed_at  TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (review_id, user_id)
);
CREATE INDEX review_verdicts_recorded ON review_verdicts (recorded_at);

-- The stop button over a purpose or a model (optionally one version).
CREATE TABLE suspensions (
    suspension_id TEXT PRIMARY KEY,
    purpose       TEXT,
    model         TEXT,
    model_version TEXT,
    mode          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    lifted_at     TEXT,
    lifted_by     TEXT
);

-- One alert store: what fired, about what, with its value and threshold (as decimal text).
CREATE TABLE alerts (
    alert_id        TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    about           TEXT NOT NULL,
    message         TEXT NOT NULL,
    value           TEXT,
    threshold       TEXT,
    state           TEXT NOT NULL,
    fired_at        TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    resolved_at     TEXT
);
CREATE INDEX alerts_state ON alerts (state, fired_at);
CREATE INDEX alerts_about ON alerts (source, kind, about, state);

-- Webhooks: endpoints with the events they want, and an outbox of deliveries written in the
-- same transaction as the change they announce. Secrets are derived from the root secret, never
-- stored.
CREATE TABLE webhooks (
    webhook_id  TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE webhook_deliveries (
    delivery_id     TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (webhook_id),
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- Every attempt, answered or not.
CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (delivery_id),
    attempt      INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- Staff find a subject by e-mail or phone, and customers sign in with their e-mail: a keyed
-- blind index of the normalized value (never the value), kept with the sealed data, removed on
-- erasure. The key is derived from the root secret (which a master-key rotation re-wraps).
CREATE TABLE subject_lookups (
    subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
    kind       TEXT NOT NULL,
    digest     BLOB NOT NULL,
    PRIMARY KEY (subject_id, kind)
);
CREATE INDEX subject_lookups_digest ON subject_lookups (kind, digest);

-- A request handled as a case: who owns it, and staff's internal notes (free text about a
-- person: sealed under the subject's key).
ALTER TABLE dsrs ADD COLUMN owner TEXT;
CREATE TABLE dsr_notes (
    note_id    TEXT PRIMARY KEY,
    dsr_id     TEXT NOT NULL REFERENCES dsrs (dsr_id),
    author     TEXT NOT NULL,
    note_ct    BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX dsr_notes_dsr ON dsr_notes (dsr_id, created_at);

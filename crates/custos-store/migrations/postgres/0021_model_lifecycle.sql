-- Model lifecycle and sign-off (issue 18). A model version is `draft`, `in_review`,
-- `approved`, `rejected` or `retired`; only an approved version decides about customers.
-- Versions registered before this migration were deciding already: they become `approved`
-- with `approval_source = 'upgrade_pending'`, which the service turns into one ledger event
-- naming them (and `'upgrade'`) the first time it opens the database.
ALTER TABLE models ADD COLUMN state TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE models ADD COLUMN approval_source TEXT;
UPDATE models SET approval_source = 'upgrade_pending';
ALTER TABLE models ADD COLUMN owner_id TEXT;
ALTER TABLE models ADD COLUMN intended_use TEXT NOT NULL DEFAULT '';
ALTER TABLE models ADD COLUMN limitations TEXT NOT NULL DEFAULT '';
ALTER TABLE models ADD COLUMN training_data TEXT NOT NULL DEFAULT '';
ALTER TABLE models ADD COLUMN ai_system_id TEXT;
ALTER TABLE models ADD COLUMN shadow BIGINT NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN approved_at TEXT;
ALTER TABLE models ADD COLUMN approval_expires_at TEXT;
ALTER TABLE models ADD COLUMN revalidation_reason TEXT;
ALTER TABLE models ADD COLUMN state_changed_at TEXT;

-- What an AI system's approvals need and what an expired approval does.
ALTER TABLE ai_systems ADD COLUMN required_roles TEXT NOT NULL DEFAULT '["legal","compliance"]';
ALTER TABLE ai_systems ADD COLUMN approval_months BIGINT NOT NULL DEFAULT 12;
ALTER TABLE ai_systems ADD COLUMN on_expiry TEXT NOT NULL DEFAULT 'alert';

-- Approval requests: one open request per model version at a time.
CREATE TABLE approvals (
    approval_id    TEXT PRIMARY KEY,
    model_id       TEXT NOT NULL REFERENCES models (model_id),
    ai_system_id   TEXT REFERENCES ai_systems (ai_system_id),
    requested_by   TEXT NOT NULL,
    validation_id  TEXT,
    dpia_link      TEXT,
    required_roles TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    decided_at     TEXT,
    expires_at     TEXT
);
CREATE INDEX approvals_model ON approvals (model_id, created_at);
CREATE INDEX approvals_status ON approvals (status, created_at);
CREATE UNIQUE INDEX approvals_one_open ON approvals (model_id) WHERE status = 'open';

-- Sign-offs and comments on a request, in order. The text is sealed (staff write about the
-- model, but free text may name people).
CREATE TABLE approval_entries (
    entry_id     TEXT PRIMARY KEY,
    approval_id  TEXT NOT NULL REFERENCES approvals (approval_id),
    staff_id     TEXT NOT NULL,
    staff_email  TEXT NOT NULL,
    role         TEXT,
    kind         TEXT NOT NULL,
    body_ct      BYTEA NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX approval_entries_approval ON approval_entries (approval_id, created_at);

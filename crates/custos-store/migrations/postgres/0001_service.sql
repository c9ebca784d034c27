-- custos service schema v1 (PostgreSQL dialect). Kept in lockstep with ../sqlite/0001_service.sql.
-- Timestamps are RFC 3339 UTC text with microseconds (they sort as text); flags are 0/1.
-- Personal data lives only in *_ct columns (XChaCha20-Poly1305 under the subject's data key).

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE api_keys (
    key_id        TEXT PRIMARY KEY,
    secret_sha256 BYTEA NOT NULL,
    scopes        TEXT NOT NULL,
    label         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

CREATE TABLE purposes (
    key             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    legal_basis     TEXT NOT NULL,
    data_categories TEXT NOT NULL,
    sale_or_share   BIGINT NOT NULL,
    profiling       BIGINT NOT NULL,
    sensitive       BIGINT NOT NULL,
    pseudonymize    BIGINT NOT NULL,
    retention_days  BIGINT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE notices (
    purpose     TEXT NOT NULL REFERENCES purposes (key),
    version     TEXT NOT NULL,
    language    TEXT NOT NULL,
    text        TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (purpose, version, language)
);

CREATE TABLE subjects (
    subject_id                 TEXT PRIMARY KEY,
    external_id_digest         BYTEA UNIQUE,
    external_id_ct             BYTEA,
    jurisdiction               TEXT NOT NULL,
    wrapped_key                BYTEA,
    gpc                        BIGINT NOT NULL DEFAULT 0,
    restricted                 BIGINT NOT NULL DEFAULT 0,
    opted_out_sale_share       BIGINT NOT NULL DEFAULT 0,
    objection_profiling        BIGINT NOT NULL DEFAULT 0,
    objection_direct_marketing BIGINT NOT NULL DEFAULT 0,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    erased_at                  TEXT
);

CREATE TABLE subject_objections (
    subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
    purpose    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (subject_id, purpose)
);

CREATE TABLE subject_data (
    subject_id    TEXT NOT NULL REFERENCES subjects (subject_id),
    data_category TEXT NOT NULL,
    value_ct      BYTEA NOT NULL,
    collected_at  TEXT NOT NULL,
    PRIMARY KEY (subject_id, data_category)
);
CREATE INDEX subject_data_category ON subject_data (data_category, collected_at);

CREATE TABLE consent_events (
    event_id           TEXT PRIMARY KEY,
    subject_id         TEXT NOT NULL REFERENCES subjects (subject_id),
    purpose            TEXT NOT NULL REFERENCES purposes (key),
    status             TEXT NOT NULL,
    method             TEXT NOT NULL,
    notice_version     TEXT NOT NULL,
    notice_language    TEXT NOT NULL,
    notice_text_sha256 TEXT NOT NULL,
    source             TEXT,
    gpc                BIGINT NOT NULL,
    captured_at        TEXT NOT NULL,
    recorded_at        TEXT NOT NULL
);
CREATE INDEX consent_events_subject ON consent_events (subject_id, captured_at);

CREATE TABLE consents (
    subject_id  TEXT NOT NULL REFERENCES subjects (subject_id),
    purpose     TEXT NOT NULL REFERENCES purposes (key),
    status      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    PRIMARY KEY (subject_id, purpose)
);

CREATE TABLE gate_checks (
    check_id   TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (subject_id),
    purpose    TEXT NOT NULL,
    requested  TEXT NOT NULL,
    decision   TEXT NOT NULL,
    reasons    TEXT NOT NULL,
    released   TEXT NOT NULL,
    gpc        BIGINT NOT NULL,
    key_id     TEXT,
    checked_at TEXT NOT NULL
);
CREATE INDEX gate_checks_subject ON gate_checks (subject_id, checked_at);

CREATE TABLE decisions (
    decision_id   TEXT PRIMARY KEY,
    subject_id    TEXT NOT NULL REFERENCES subjects (subject_id),
    purpose       TEXT NOT NULL REFERENCES purposes (key),
    check_id      TEXT REFERENCES gate_checks (check_id),
    model         TEXT NOT NULL,
    model_version TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    score         DOUBLE PRECISION,
    features_ct   BYTEA,
    actual        TEXT,
    observed_at   TEXT,
    key_id        TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX decisions_subject ON decisions (subject_id, created_at);

CREATE TABLE dsr (
    dsr_id              TEXT PRIMARY KEY,
    subject_id          TEXT NOT NULL REFERENCES subjects (subject_id),
    type                TEXT NOT NULL,
    status              TEXT NOT NULL,
    jurisdiction        TEXT NOT NULL,
    purpose             TEXT,
    objection           TEXT,
    details_ct          BYTEA,
    received_at         TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    verified_at         TEXT,
    verification_method TEXT,
    verified_by         TEXT,
    extended_at         TEXT,
    extension_reason    TEXT,
    closed_at           TEXT,
    rejection_reason    TEXT,
    updated_at          TEXT NOT NULL
);
CREATE INDEX dsr_status_due ON dsr (status, due_at);
CREATE INDEX dsr_subject ON dsr (subject_id);

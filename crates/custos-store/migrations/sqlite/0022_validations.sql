-- Validation runs (issue 18): a labelled set uploaded for a registered model version, sealed on
-- disk under its own key (wrapped here) until the run ends or its retention does; the report
-- (aggregates only) and its SHA-256, also in the ledger.
CREATE TABLE validations (
    validation_id  TEXT PRIMARY KEY,
    model_id       TEXT NOT NULL REFERENCES models (model_id),
    status         TEXT NOT NULL,
    spec           TEXT NOT NULL,
    report         TEXT,
    report_sha256  TEXT,
    passed         INTEGER,
    set_rows       INTEGER,
    error          TEXT,
    file_path      TEXT,
    file_key       BLOB,
    retain_until   TEXT,
    key_id         TEXT,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    finished_at    TEXT
);
CREATE INDEX validations_model ON validations (model_id, created_at);
CREATE INDEX validations_status ON validations (status);

-- Compliance (issue 21): the obligations catalog loaded at start (one row per obligation, with
-- the catalog version it came from and a DPO's decision that it does not apply), the versions
-- loaded with what each changed, the evaluation runs with their status per regulation, and
-- the evidence: one row per control per run (figures, a digest of the inputs, the hash the
-- ledger holds and the leaf that holds it), or a file a person uploaded for a manual control.
CREATE TABLE obligations (
    obligation_id   TEXT PRIMARY KEY,
    regulation      TEXT NOT NULL,
    citation        TEXT NOT NULL,
    title           TEXT NOT NULL,
    requirement     TEXT NOT NULL,
    numbers         TEXT NOT NULL,
    applies_to      TEXT NOT NULL,
    capabilities    TEXT NOT NULL,
    verified        BIGINT NOT NULL,
    source          TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    withdrawn       BIGINT NOT NULL,
    not_applicable  BIGINT NOT NULL,
    justification   TEXT,
    scoped_by       TEXT,
    scoped_at       TEXT
);
CREATE INDEX obligations_regulation ON obligations (regulation);

CREATE TABLE catalog_versions (
    catalog_version TEXT PRIMARY KEY,
    obligations     BIGINT NOT NULL,
    added           TEXT NOT NULL,
    removed         TEXT NOT NULL,
    changed         TEXT NOT NULL,
    loaded_at       TEXT NOT NULL
);

CREATE TABLE compliance_runs (
    run_id      TEXT PRIMARY KEY,
    trigger     TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    summary     TEXT NOT NULL
);
CREATE INDEX compliance_runs_started ON compliance_runs (started_at);

CREATE TABLE evidence (
    evidence_id     TEXT PRIMARY KEY,
    control         TEXT NOT NULL,
    run_id          TEXT REFERENCES compliance_runs (run_id),
    passed          BIGINT NOT NULL,
    summary         TEXT NOT NULL,
    figures         TEXT NOT NULL,
    inputs_sha256   TEXT NOT NULL,
    evidence_sha256 TEXT NOT NULL,
    leaf_index      BIGINT NOT NULL,
    evaluated_at    TEXT NOT NULL,
    file_name       TEXT,
    content_type    TEXT,
    content         BYTEA,
    owner           TEXT,
    review_on       TEXT,
    recorded_by     TEXT NOT NULL
);
CREATE INDEX evidence_control ON evidence (control, evaluated_at);

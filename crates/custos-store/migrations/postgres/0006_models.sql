-- The model registry (issue 6): model versions with their files, feature dictionaries and
-- category encodings, and the explanation computed for each decision a registered model made.
CREATE TABLE models (
    model_id     TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    library      TEXT NOT NULL,
    objective    TEXT NOT NULL,
    model_file   BYTEA NOT NULL,
    file_sha256  TEXT NOT NULL,
    dictionary   TEXT,
    encoding     TEXT,
    owner        TEXT NOT NULL,
    purpose      TEXT,
    key_id       TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (name, version)
);

-- Explanations are personal data (derived from a person's features): sealed under the
-- subject's key, deleted with the subject.
CREATE TABLE decision_explanations (
    decision_id    TEXT PRIMARY KEY REFERENCES decisions (decision_id),
    model_id       TEXT NOT NULL REFERENCES models (model_id),
    explanation_ct BYTEA,
    created_at     TEXT NOT NULL
);

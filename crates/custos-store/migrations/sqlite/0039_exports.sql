-- Privacy-preserving segmentation (issue 23). A segment is a saved selection (jurisdictions, a
-- filter over data categories' values, the fields exported). An export policy is versioned per
-- purpose (quasi-identifiers, hierarchies, k/l/t, or statistics instead of rows, and the privacy
-- budget); `budget_epoch` is the version whose change last reset the budget. The privacy budget
-- of a purpose is one row (its spend since the epoch, the row every spend locks) and the spends
-- themselves. An export keeps its report, its file sealed under its own key (wrapped here) until
-- its retention ends, and the file's SHA-256 (also in the ledger).
CREATE TABLE segments (
    segment_id    TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    jurisdictions TEXT NOT NULL,
    filter        TEXT NOT NULL,
    fields        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE export_policies (
    purpose      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    policy       TEXT NOT NULL,
    budget_epoch INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (purpose, version)
);

CREATE TABLE privacy_budgets (
    purpose       TEXT PRIMARY KEY,
    budget_epoch  INTEGER NOT NULL,
    spent_epsilon REAL,
    spent_rho     REAL NOT NULL,
    queries       INTEGER NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE privacy_spends (
    query_id       TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    segment_id     TEXT,
    policy_version INTEGER NOT NULL,
    budget_epoch   INTEGER NOT NULL,
    statistic      TEXT NOT NULL,
    epsilon        REAL,
    rho            REAL NOT NULL,
    export_id      TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX privacy_spends_purpose ON privacy_spends (purpose, created_at);

CREATE TABLE exports (
    export_id      TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    segment_id     TEXT NOT NULL REFERENCES segments (segment_id),
    policy_version INTEGER NOT NULL,
    release        TEXT NOT NULL,
    format         TEXT NOT NULL,
    recipient      TEXT,
    status         TEXT NOT NULL,
    report         TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    file_bytes     INTEGER NOT NULL,
    file_path      TEXT,
    file_key       BLOB,
    retain_until   TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE INDEX exports_created ON exports (created_at);
CREATE INDEX exports_retention ON exports (status, retain_until);

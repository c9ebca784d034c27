-- Consent signals (issue 22): TC and GPP strings as received from a consent management
-- platform, sealed under the subject's key (erasure makes them unreadable), with their digest,
-- kept as the proof behind the consent events they caused.
CREATE TABLE consent_signals (
    signal_id     TEXT PRIMARY KEY,
    subject_id    TEXT NOT NULL REFERENCES subjects (subject_id),
    kind          TEXT NOT NULL,
    signal_ct     BYTEA NOT NULL,
    signal_sha256 TEXT NOT NULL,
    source_ct     BYTEA,
    key_id        TEXT,
    received_at   TEXT NOT NULL
);
CREATE INDEX consent_signals_subject ON consent_signals (subject_id, received_at);

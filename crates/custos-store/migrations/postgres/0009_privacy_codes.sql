-- One-time sign-in codes for the privacy center, sent to the subject's contact on file. Only a
-- keyed digest of the code is stored; five wrong tries end it.
CREATE TABLE privacy_codes (
    subject_id  TEXT PRIMARY KEY REFERENCES subjects (subject_id),
    code_digest TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    attempts    BIGINT NOT NULL
);

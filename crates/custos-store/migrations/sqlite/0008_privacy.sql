-- The privacy center (issue 7): single-use sign-in links and customer sessions.
CREATE TABLE privacy_link_uses (
    jti        TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    used_at    TEXT NOT NULL
);

CREATE TABLE privacy_sessions (
    token_sha256 TEXT PRIMARY KEY,
    subject_id   TEXT NOT NULL REFERENCES subjects (subject_id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

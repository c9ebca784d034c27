-- Staff accounts of the console (issue 7): argon2id password hashes, lockout after repeated
-- failures, and server-side sessions (only a hash of the session token is stored).
CREATE TABLE staff_users (
    user_id         TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    failed_attempts BIGINT NOT NULL,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
);

CREATE TABLE staff_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES staff_users (user_id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

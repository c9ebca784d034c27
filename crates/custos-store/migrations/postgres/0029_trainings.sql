-- Staff training (issue 20): a catalog of courses, each valid for some months and required for
-- some staff roles (a JSON list), and completion records per staff member with the date, the
-- evidence (a certificate's reference) and the expiry computed from the course's validity. A
-- staff member whose required training is not valid works on, but sees personal data masked
-- (the Cedar policies in crates/custos-authz).
CREATE TABLE trainings (
    training_id     TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    description     TEXT NOT NULL,
    validity_months BIGINT NOT NULL,
    required_for    TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE training_records (
    training_record_id TEXT PRIMARY KEY,
    training_id  TEXT NOT NULL REFERENCES trainings (training_id),
    user_id      TEXT NOT NULL REFERENCES staff_users (user_id),
    completed_on TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX training_records_user ON training_records (user_id, training_id);

-- Monitors (issue 17): the drift and performance of a model's (or a purpose's) decisions in a
-- current window against a reference window of the decision log. Only settings are stored;
-- reports are computed from the decision log when asked.
CREATE TABLE monitors (
    monitor_id         TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    purpose            TEXT,
    model              TEXT,
    reference_from     TEXT NOT NULL,
    reference_to       TEXT NOT NULL,
    window_length      TEXT NOT NULL,
    alpha              TEXT NOT NULL,
    correction         TEXT NOT NULL,
    positive_outcome   TEXT,
    decision_threshold TEXT NOT NULL,
    min_accuracy       TEXT,
    silenced_until     TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX monitors_created ON monitors (created_at);

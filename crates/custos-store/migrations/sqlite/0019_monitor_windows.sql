-- A monitor's closed windows as sketches (issue 17): each whole window of the monitor's length
-- (aligned to UTC), profiled from the features of its decisions when it closes, sealed, kept
-- as an aggregate under the check retention. The history survives the decision log's
-- retention and erasure (figures of later windows exclude erased subjects; these do not).
CREATE TABLE monitor_windows (
    monitor_id     TEXT NOT NULL REFERENCES monitors (monitor_id),
    window_from    TEXT NOT NULL,
    window_to      TEXT NOT NULL,
    row_count      TEXT NOT NULL,
    profile_sealed BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (monitor_id, window_to)
);
CREATE INDEX monitor_windows_to ON monitor_windows (window_to);

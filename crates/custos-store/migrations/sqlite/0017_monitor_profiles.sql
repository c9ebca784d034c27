-- A monitor's reference as an uploaded profile (issue 17): the column sketches of a table
-- (`custos drift profile`), sealed at rest (quantile sketches hold some of the values), one
-- per monitor; when present it replaces the reference window of the decision log.
CREATE TABLE monitor_profiles (
    monitor_id     TEXT PRIMARY KEY REFERENCES monitors (monitor_id),
    profile_sealed BLOB NOT NULL,
    row_count      TEXT NOT NULL,
    column_count   TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL
);

-- Free text about people is sealed under the subject's data key, like every other personal
-- value, and shredded with it: a consent event's source, a decision's observed outcome, and a
-- request's extension and rejection reasons. The plaintext columns stay (empty) for one release;
-- values written before this migration are sealed and cleared by the store when it opens.
ALTER TABLE consent_events ADD COLUMN source_ct BYTEA;
ALTER TABLE decisions ADD COLUMN actual_ct BYTEA;
ALTER TABLE dsr ADD COLUMN extension_reason_ct BYTEA;
ALTER TABLE dsr ADD COLUMN rejection_reason_ct BYTEA;

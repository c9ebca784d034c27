-- One vocabulary (issue 15): tables are plural, a purpose's key is `purpose` everywhere, the
-- language of a notice is `notice_language`, the subject's sale/share state is
-- `opted_out_of_sale_or_share`, scopes read `<plural resource>:read|write` or `<area>:admin`,
-- and staff roles are a set. Stored words are migrated here, never translated at run time.
-- (Ledger leaves written before keep their old words: they are history and are signed.)

ALTER TABLE dsr RENAME TO dsrs;
DROP INDEX dsr_status_due;
CREATE INDEX dsrs_status_due ON dsrs (status, due_at);
DROP INDEX dsr_subject;
CREATE INDEX dsrs_subject ON dsrs (subject_id);
UPDATE dsrs SET type = 'opt_out_of_sale_or_share' WHERE type = 'opt_out_sale_share';

ALTER TABLE purposes RENAME COLUMN key TO purpose;
ALTER TABLE notices RENAME COLUMN language TO notice_language;
ALTER TABLE subjects RENAME COLUMN opted_out_sale_share TO opted_out_of_sale_or_share;

UPDATE gate_checks SET reasons = REPLACE(reasons, '"opted_out_sale_share"', '"opted_out_of_sale_or_share"')
WHERE reasons LIKE '%opted_out_sale_share%';

-- Scopes are stored space-separated; padding with spaces makes every name a whole word.
UPDATE api_keys SET scopes = TRIM(
    REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(' ' || scopes || ' ',
        ' admin ', ' purposes:write keys:admin ledger:admin '),
        ' consent:write ', ' consents:write '),
        ' gate ', ' checks:write '),
        ' dsr ', ' dsrs:read dsrs:write '),
        ' pii:detokenize ', ' tokens:read '),
        ' pii ', ' pii:write '),
        ' fairness ', ' audits:read audits:write '));

CREATE TABLE staff_roles (
    user_id TEXT NOT NULL REFERENCES staff_users (user_id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);
INSERT INTO staff_roles (user_id, role) SELECT user_id, role FROM staff_users;
ALTER TABLE staff_users DROP COLUMN role;

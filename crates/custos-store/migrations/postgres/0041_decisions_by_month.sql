-- The decision log partitioned by month on PostgreSQL (issue 25: the service's scale path).
-- Every decision ever made stays in this table, so it is the one that grows without bound; by
-- month, a window scan (audits, monitors, the compliance evaluation, exports) reads only the
-- months it covers, indexes stay the size of a month, and an old month can be detached and
-- archived whole. SQLite keeps one table (it serves one machine).
--
-- PostgreSQL requires the partition key in every unique constraint, so the primary key becomes
-- (decision_id, created_at), and the tables that point at a decision now carry its created_at
-- too (`decision_created_at`, filled by the store from the decision) with a composite foreign
-- key. MATCH FULL keeps the old guarantee: a review or an explanation of a decision that does
-- not exist is refused. created_at is RFC 3339 UTC with microseconds ('2026-12-05T09:08:19.
-- 123456Z'), so the text range ['2026-12', '2027-01') is exactly December 2026.
--
-- Months get their partition ahead of time (the store makes this month's and the next two when
-- it opens and at each retention run); a row for a month without one lands in the default
-- partition, and making that month's partition later moves it there.

ALTER TABLE decision_explanations DROP CONSTRAINT decision_explanations_decision_id_fkey;
ALTER TABLE reviews DROP CONSTRAINT reviews_decision_id_fkey;
ALTER TABLE decisions RENAME TO decisions_unpartitioned;
ALTER INDEX decisions_check RENAME TO decisions_unpartitioned_check;
ALTER INDEX decisions_compliance RENAME TO decisions_unpartitioned_compliance;
ALTER INDEX decisions_created RENAME TO decisions_unpartitioned_created;
ALTER INDEX decisions_outcomes RENAME TO decisions_unpartitioned_outcomes;
ALTER INDEX decisions_subject RENAME TO decisions_unpartitioned_subject;
ALTER INDEX decisions_pkey RENAME TO decisions_unpartitioned_pkey;

CREATE TABLE decisions (
    decision_id     TEXT NOT NULL,
    subject_id      TEXT NOT NULL CONSTRAINT decisions_subject_id_fkey REFERENCES subjects (subject_id),
    purpose         TEXT NOT NULL CONSTRAINT decisions_purpose_fkey REFERENCES purposes (purpose),
    check_id        TEXT CONSTRAINT decisions_check_id_fkey REFERENCES gate_checks (check_id),
    model           TEXT NOT NULL,
    model_version   TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    score           DOUBLE PRECISION,
    features_ct     BYTEA,
    actual          TEXT,
    observed_at     TEXT,
    key_id          TEXT,
    created_at      TEXT NOT NULL,
    actual_ct       BYTEA,
    status          TEXT NOT NULL DEFAULT 'final',
    significant     BIGINT NOT NULL DEFAULT 0,
    decided_by      TEXT NOT NULL DEFAULT 'model',
    supersedes      TEXT,
    reason_code     TEXT,
    check_overtaken BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (decision_id, created_at)
) PARTITION BY RANGE (created_at);

DO $$ BEGIN EXECUTE 'CREATE TABLE decisions_default PARTITION OF decisions DEFAULT'; END $$;

CREATE INDEX decisions_subject ON decisions (subject_id, created_at);
CREATE INDEX decisions_created ON decisions (created_at, decision_id);
CREATE INDEX decisions_check ON decisions (check_id);
CREATE INDEX decisions_compliance ON decisions (created_at, significant, status, decided_by, check_id, check_overtaken, decision_id);
CREATE INDEX decisions_outcomes ON decisions (purpose, status, subject_id, created_at, decision_id, outcome, score);
-- Finding a decision by its id alone (reviews, corrections) probes each month's primary key.
-- (The primary key's index serves it: its first column is decision_id.)

-- Makes the partition for one month ('YYYY-MM') if it is not there yet, moving in the rows the
-- default partition holds for that month; answers whether it made one. One maker at a time
-- (an advisory lock), so two servers starting together do not race. Moving rows needs the two
-- foreign keys that point at decisions out of the way for the moment (PostgreSQL checks them
-- against the parent, which does not yet include the new month); they are put back, and
-- checked, in the same transaction.
CREATE FUNCTION custos_decisions_partition(month TEXT) RETURNS BOOLEAN LANGUAGE plpgsql AS $fn$
DECLARE
    first DATE;
    lo TEXT;
    hi TEXT;
    part TEXT;
    waiting BIGINT;
BEGIN
    IF month !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'month must be YYYY-MM, not %', month;
    END IF;
    first := to_date(month || '-01', 'YYYY-MM-DD');
    lo := to_char(first, 'YYYY-MM');
    hi := to_char(first + INTERVAL '1 month', 'YYYY-MM');
    part := 'decisions_' || to_char(first, 'YYYY_MM');
    PERFORM pg_advisory_xact_lock(hashtext('custos decisions partitions'));
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'decisions'::regclass AND c.relname = part) THEN
        RETURN FALSE;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE decisions INCLUDING DEFAULTS)', part);
    SELECT COUNT(*) INTO waiting FROM decisions_default WHERE created_at >= lo AND created_at < hi;
    IF waiting > 0 THEN
        EXECUTE 'ALTER TABLE decision_explanations DROP CONSTRAINT decision_explanations_decision_fkey';
        EXECUTE 'ALTER TABLE reviews DROP CONSTRAINT reviews_decision_fkey';
        EXECUTE format('WITH moved AS (DELETE FROM decisions_default WHERE created_at >= %L AND created_at < %L RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', lo, hi, part);
    END IF;
    EXECUTE format('ALTER TABLE decisions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    IF waiting > 0 THEN
        EXECUTE 'ALTER TABLE decision_explanations ADD CONSTRAINT decision_explanations_decision_fkey '
                'FOREIGN KEY (decision_id, decision_created_at) REFERENCES decisions (decision_id, created_at) MATCH FULL';
        EXECUTE 'ALTER TABLE reviews ADD CONSTRAINT reviews_decision_fkey '
                'FOREIGN KEY (decision_id, decision_created_at) REFERENCES decisions (decision_id, created_at) MATCH FULL';
    END IF;
    RETURN TRUE;
END
$fn$;

-- The months the log already holds get their partitions, then the rows move in.
DO $$
DECLARE m TEXT;
BEGIN
    FOR m IN SELECT DISTINCT substr(created_at, 1, 7) FROM decisions_unpartitioned
             WHERE created_at ~ '^[0-9]{4}-(0[1-9]|1[0-2])' LOOP
        PERFORM custos_decisions_partition(m);
    END LOOP;
END $$;
INSERT INTO decisions SELECT * FROM decisions_unpartitioned;
DROP TABLE decisions_unpartitioned;

ALTER TABLE decision_explanations ADD COLUMN decision_created_at TEXT;
UPDATE decision_explanations SET decision_created_at = (SELECT d.created_at FROM decisions d WHERE d.decision_id = decision_explanations.decision_id);
ALTER TABLE decision_explanations ADD CONSTRAINT decision_explanations_decision_fkey
    FOREIGN KEY (decision_id, decision_created_at) REFERENCES decisions (decision_id, created_at) MATCH FULL;
ALTER TABLE reviews ADD COLUMN decision_created_at TEXT;
UPDATE reviews SET decision_created_at = (SELECT d.created_at FROM decisions d WHERE d.decision_id = reviews.decision_id);
ALTER TABLE reviews ADD CONSTRAINT reviews_decision_fkey
    FOREIGN KEY (decision_id, decision_created_at) REFERENCES decisions (decision_id, created_at) MATCH FULL;

-- Segment exports read each subject's latest standing decision under a purpose, in pages by
-- (subject_id, created_at, decision_id) (issue 23: decisions as an export source). This index
-- answers each page from its range, outcome and score included, instead of a scan and sort of
-- every decision per page.
CREATE INDEX decisions_outcomes ON decisions (purpose, status, subject_id, created_at, decision_id, outcome, score);

-- The compliance evaluation counts a window of decisions three ways (significant ones, those
-- without an explanation, those without a gate check or on an overtaken one). Scanning the
-- table reads every decision's sealed features; this index holds just the columns those counts
-- read, so they are answered from it alone (issue 21: 24 of 25 s of an evaluation at a million
-- decisions were these scans, 56 of 60 s with the gate under load).
CREATE INDEX decisions_compliance ON decisions (created_at, significant, status, decided_by, check_id, check_overtaken, decision_id);

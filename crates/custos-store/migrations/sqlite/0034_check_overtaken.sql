-- Whether the gate check a model decision quotes had been overtaken, when the decision was
-- logged, by a later withdrawal or refusal of consent for the same subject and purpose (a caller
-- acting on a cached answer). Determined once at write time so the compliance control
-- `decisions_gated` counts rows instead of joining consent events to decisions and checks on
-- every evaluation (issue 21: the join took 37 s of a loaded evaluation at a million decisions).
ALTER TABLE decisions ADD COLUMN check_overtaken INTEGER NOT NULL DEFAULT 0;

-- Decisions logged before this column: the same rule, computed once.
UPDATE decisions SET check_overtaken = 1
WHERE check_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM gate_checks g JOIN consent_events w ON w.subject_id = g.subject_id AND w.purpose = g.purpose
    WHERE g.check_id = decisions.check_id AND w.status IN ('withdrawn', 'denied')
      AND w.recorded_at > g.checked_at AND w.recorded_at <= decisions.created_at
);

-- Vendor assessments (issue 20): an assessment is about one AI system (the DPIA, the AI Act
-- classification) or one vendor (the due-diligence review of Art. 28(1)), never both.
ALTER TABLE assessments ALTER COLUMN ai_system_id DROP NOT NULL;
ALTER TABLE assessments ADD COLUMN vendor_id TEXT REFERENCES vendors (vendor_id);
ALTER TABLE assessments ADD CONSTRAINT assessments_one_subject CHECK ((ai_system_id IS NULL) <> (vendor_id IS NULL));
CREATE INDEX assessments_vendor ON assessments (vendor_id, status);

-- The vendor a gate check named as recipient (issue 21: the Art. 30 record compares the vendors
-- declared with the vendors data actually went to). None for checks inside the business.
ALTER TABLE gate_checks ADD COLUMN recipient TEXT;

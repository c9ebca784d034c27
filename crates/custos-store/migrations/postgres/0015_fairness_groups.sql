-- A firing fairness alert names the groups the model treats worst (values of audit-only
-- categories, never personal data by themselves) and the audit's scope, so that a review rule
-- can send the decisions about members of those groups to a person (issue 16). JSON:
-- {"purpose": ..., "model": ..., "sensitive": [categories], "groups": [[values, aligned]]}.
ALTER TABLE alerts ADD COLUMN affected_groups TEXT;

-- The validation policy an AI system's models are judged by (JSON; none: the built-in default).
ALTER TABLE ai_systems ADD COLUMN validation_policy TEXT;

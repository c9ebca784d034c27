-- When each sign-in code was last sent, so a customer number cannot be used to flood its owner's
-- inbox: a new code goes out at most once a minute.
ALTER TABLE privacy_codes ADD COLUMN issued_at TEXT;

-- A customer's explicit permission for one sale or sharing purpose, given in the privacy center
-- after being shown that their browser's Global Privacy Control signal says the opposite (CCPA
-- regulations § 7025(c)(3)): it wins over the signal for that purpose only (issue 22). On the
-- event as proof, and on the current state so the gate reads it in its one statement.
ALTER TABLE consent_events ADD COLUMN overrides_gpc INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN overrides_gpc INTEGER NOT NULL DEFAULT 0;

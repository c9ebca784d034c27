-- The PII token vault: the value behind a `tokenize` pseudonym, kept only when the caller asked
-- for reversible tokens (`"vault": true`). Values are sealed (XChaCha20-Poly1305) under a key
-- derived from the deployment root and bound to their token; readable only with scope
-- `pii:detokenize`, and every read is a ledger event.
CREATE TABLE pii_vault (
    token TEXT PRIMARY KEY,
    entity_type TEXT NOT NULL,
    purpose TEXT NOT NULL,
    value_sealed BYTEA NOT NULL,
    created_at TEXT NOT NULL
);

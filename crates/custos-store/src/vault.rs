//! The PII vault: values found in free text, sealed under their deterministic tokens.

use custos_core::format_timestamp;
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::AssertSqlSafe;

use crate::{StoreError, rows::*, tx::Tx};

/// The `(purpose, entity type)` pairs the PII vault holds tokens for: the domains in which
/// a subject's values may have been tokenized.
pub async fn domains(tx: &mut Tx) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query("SELECT DISTINCT purpose, entity_type FROM pii_vault").fetch_all(tx.conn()).await?;
    rows.iter().map(|r| Ok((text(r, "purpose")?, text(r, "entity_type")?))).collect()
}

/// Deletes the vault entries of `tokens`; returns how many there were.
pub async fn delete(tx: &mut Tx, tokens: &[String]) -> Result<u64, StoreError> {
    let mut removed = 0;
    for chunk in tokens.chunks(500) {
        let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("DELETE FROM pii_vault WHERE token IN ({placeholders})");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for token in chunk {
            q = q.bind(token.clone());
        }
        removed += q.execute(tx.conn()).await?.rows_affected();
    }
    Ok(removed)
}

/// Stores a vault entry; an existing token (the same value tokenized again) is left as is.
pub async fn put(tx: &mut Tx, token: &str, entity_type: &str, purpose: &str, sealed: Vec<u8>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO pii_vault (token, entity_type, purpose, value_sealed, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token) DO NOTHING",
    )
    .bind(token.to_owned())
    .bind(entity_type.to_owned())
    .bind(purpose.to_owned())
    .bind(sealed)
    .bind(format_timestamp(&custos_core::now()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The vault entry of `token`: its entity type and sealed value.
pub async fn get(tx: &mut Tx, token: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let row = sqlx::query("SELECT entity_type, value_sealed FROM pii_vault WHERE token = $1")
        .bind(token.to_owned())
        .fetch_optional(tx.conn())
        .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((text(&r, "entity_type")?, opt_bytes(&r, "value_sealed")?.unwrap_or_default()))),
    }
}

//! Deployment settings kept in the `meta` table beside the keys: small named values, and
//! whether the database holds any data of its own (for `--demo`'s refusal of real databases).

use crate::{StoreError, tx::Tx};

/// A named setting, if set.
pub async fn get(tx: &mut Tx, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE name = $1").bind(name).fetch_optional(tx.conn()).await?)
}

/// Sets a named setting (replacing its value). Names used by the store itself (keys,
/// fingerprints) are refused.
pub async fn set(tx: &mut Tx, name: &str, value: &[u8]) -> Result<(), StoreError> {
    if !name.starts_with("setting.") {
        return Err(StoreError::Config(format!("setting names start with `setting.`: {name}")));
    }
    sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(name)
        .bind(value.to_vec())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Removes a named setting.
pub async fn clear(tx: &mut Tx, name: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM meta WHERE name = $1").bind(name).execute(tx.conn()).await?;
    Ok(())
}

/// Whether any table holds data someone put in.
pub async fn holds_data(tx: &mut Tx) -> Result<bool, StoreError> {
    for table in DATA_TABLES {
        let any: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT CAST(1 AS BIGINT) FROM {table} LIMIT 1")))
            .fetch_optional(tx.conn())
            .await?;
        if any.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Tables whose rows are data someone put in (not keys or derived state).
const DATA_TABLES: &[&str] =
    &["subjects", "purposes", "api_keys", "staff_users", "consent_events", "dsrs", "decisions", "models", "pii_vault", "fairness_audits"];

//! API keys (only hashes of their secrets), and re-wrapping every key under a new master key.

use std::fmt;

use custos_core::{ApiKeyId, SubjectId, Timestamp, format_timestamp};
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::any::AnyRow;

use crate::{
    StoreError,
    crypto::{MasterKey, ROOT_SECRET_LABEL, dek_label},
    rows::*,
    tx::Tx,
};

/// A stored API key (the secret only as a hash).
#[derive(Clone, PartialEq)]
pub struct ApiKeyRecord {
    /// Public id.
    pub key_id: ApiKeyId,
    /// SHA-256 of the secret part.
    pub secret_sha256: Vec<u8>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Free-text label.
    pub label: String,
    /// Created.
    pub created_at: Timestamp,
    /// Revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// The staff account a personal access token acts for (none for a system's key).
    pub user_id: Option<String>,
    /// When a personal access token stops working.
    pub expires_at: Option<Timestamp>,
}

impl fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyRecord").field("key_id", &self.key_id).field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

/// Re-wraps every subject data key and the root secret under `new_master`, and records
/// its id. Returns how many keys were re-wrapped.
pub(crate) async fn rewrap_all(tx: &mut Tx, new_master: &MasterKey) -> Result<u64, StoreError> {
    let rows = sqlx::query("SELECT subject_id, wrapped_key FROM subjects WHERE wrapped_key IS NOT NULL").fetch_all(tx.conn()).await?;
    let mut count = 0;
    for row in &rows {
        let subject = SubjectId::parse(&text(row, "subject_id")?)?;
        let wrapped = opt_bytes(row, "wrapped_key")?.unwrap_or_default();
        let key = tx.keyring().open_data_key(&subject, &wrapped)?;
        let rewrapped = new_master.wrap(&dek_label(&subject), key.bytes())?;
        sqlx::query("UPDATE subjects SET wrapped_key = $2 WHERE subject_id = $1")
            .bind(subject.to_string())
            .bind(rewrapped)
            .execute(tx.conn())
            .await?;
        count += 1;
    }
    let root = new_master.wrap(ROOT_SECRET_LABEL, tx.keyring().root())?;
    let ledger_key: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT value FROM meta WHERE name = 'ledger_signing_key'").fetch_optional(tx.conn()).await?;
    if let Some(wrapped) = ledger_key {
        let seed = zeroize::Zeroizing::new(tx.keyring().master().unwrap_key(crate::crypto::LEDGER_KEY_LABEL, &wrapped)?);
        let rewrapped = new_master.wrap(crate::crypto::LEDGER_KEY_LABEL, &seed)?;
        sqlx::query("UPDATE meta SET value = $1 WHERE name = 'ledger_signing_key'").bind(rewrapped).execute(tx.conn()).await?;
        count += 1;
    }
    sqlx::query("UPDATE meta SET value = $1 WHERE name = 'root_secret'").bind(root).execute(tx.conn()).await?;
    sqlx::query("UPDATE meta SET value = $1 WHERE name = 'master_key_id'")
        .bind(new_master.key_id().into_bytes())
        .execute(tx.conn())
        .await?;
    Ok(count + 1)
}

/// Stores a new API key (hash only).
pub async fn insert(tx: &mut Tx, k: &ApiKeyRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_keys (key_id, secret_sha256, scopes, label, created_at, user_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(k.key_id.to_string())
    .bind(k.secret_sha256.clone())
    .bind(k.scopes.join(" "))
    .bind(&k.label)
    .bind(format_timestamp(&k.created_at))
    .bind(k.user_id.clone())
    .bind(k.expires_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn api_key_from_row(row: &AnyRow) -> Result<ApiKeyRecord, StoreError> {
    Ok(ApiKeyRecord {
        key_id: ApiKeyId::parse(&text(row, "key_id")?)?,
        secret_sha256: opt_bytes(row, "secret_sha256")?.unwrap_or_default(),
        scopes: text(row, "scopes")?.split_whitespace().map(str::to_owned).collect(),
        label: text(row, "label")?,
        created_at: ts(row, "created_at")?,
        revoked_at: opt_ts(row, "revoked_at")?,
        user_id: opt_text(row, "user_id")?,
        expires_at: opt_ts(row, "expires_at")?,
    })
}

/// One API key.
pub async fn get(tx: &mut Tx, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM api_keys WHERE key_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(api_key_from_row).transpose()
}

/// Every API key, oldest first.
pub async fn all(tx: &mut Tx) -> Result<Vec<ApiKeyRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM api_keys ORDER BY created_at, key_id").fetch_all(tx.conn()).await?;
    rows.iter().map(api_key_from_row).collect()
}

/// Revokes a key; false if there is no such live key.
pub async fn revoke(tx: &mut Tx, id: &ApiKeyId, now: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL")
        .bind(id.to_string())
        .bind(format_timestamp(now))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

//! The stop button: suspensions of a purpose or a model (optionally one version).

use custos_core::{PurposeKey, SuspensionId, SuspensionMode, Timestamp, format_timestamp};
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// A suspension, held or lifted.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspensionRecord {
    /// Id.
    pub suspension_id: SuspensionId,
    /// The purpose stopped (for `deny`).
    pub purpose: Option<PurposeKey>,
    /// The model whose decisions all go to review (for `review_all`).
    pub model: Option<String>,
    /// Only this version of the model.
    pub model_version: Option<String>,
    /// What it does.
    pub mode: SuspensionMode,
    /// Why (shown to staff; about a system, not a person).
    pub reason: String,
    /// Who pressed the button (a staff account id or an API key id).
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When it was lifted.
    pub lifted_at: Option<Timestamp>,
    /// Who lifted it.
    pub lifted_by: Option<String>,
}

fn from_row(row: &AnyRow) -> Result<SuspensionRecord, StoreError> {
    Ok(SuspensionRecord {
        suspension_id: SuspensionId::parse(&text(row, "suspension_id")?)?,
        purpose: opt_text(row, "purpose")?.map(|p| PurposeKey::parse(&p)).transpose()?,
        model: opt_text(row, "model")?,
        model_version: opt_text(row, "model_version")?,
        mode: SuspensionMode::parse(&text(row, "mode")?)?,
        reason: text(row, "reason")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        lifted_at: opt_ts(row, "lifted_at")?,
        lifted_by: opt_text(row, "lifted_by")?,
    })
}

/// Stores a suspension.
pub async fn insert(tx: &mut Tx, s: &SuspensionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO suspensions (suspension_id, purpose, model, model_version, mode, reason, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(s.suspension_id.to_string())
    .bind(s.purpose.as_ref().map(|p| p.as_str().to_owned()))
    .bind(s.model.clone())
    .bind(s.model_version.clone())
    .bind(s.mode.as_str())
    .bind(&s.reason)
    .bind(&s.created_by)
    .bind(format_timestamp(&s.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Lifts a held suspension; false if there is none with that id.
pub async fn lift(tx: &mut Tx, id: &SuspensionId, by: &str, at: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE suspensions SET lifted_at = $2, lifted_by = $3 WHERE suspension_id = $1 AND lifted_at IS NULL")
        .bind(id.to_string())
        .bind(format_timestamp(at))
        .bind(by)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// One suspension.
pub async fn get(tx: &mut Tx, id: &SuspensionId) -> Result<Option<SuspensionRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM suspensions WHERE suspension_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// The suspensions that hold, oldest first.
pub async fn held(tx: &mut Tx) -> Result<Vec<SuspensionRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM suspensions WHERE lifted_at IS NULL ORDER BY created_at, suspension_id").fetch_all(tx.conn()).await?;
    rows.iter().map(from_row).collect()
}

/// The latest suspensions, held and lifted, newest first.
pub async fn latest(tx: &mut Tx, limit: u32) -> Result<Vec<SuspensionRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM suspensions ORDER BY created_at DESC, suspension_id DESC LIMIT $1")
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

//! The model registry and the explanations of decisions.

use custos_core::{AiSystemId, ApiKeyId, ModelId, Timestamp, format_timestamp};
use serde_json::Value;
use sqlx::any::AnyRow;

use crate::rows::{b, flag, opt_bytes, opt_text, opt_ts, text, ts};
use crate::{StoreError, tx::Tx};

/// Registers a model version; [`StoreError::Conflict`] if the name and version exist.
pub async fn insert(tx: &mut Tx, m: &ModelRecord) -> Result<(), StoreError> {
    let result = sqlx::query(
        "INSERT INTO models (model_id, name, version, library, objective, model_file, file_sha256, dictionary, encoding, owner, purpose, key_id, created_at, \
         state, approval_source, owner_id, intended_use, limitations, training_data, ai_system_id, shadow, approved_at, approval_expires_at, \
         revalidation_reason, state_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
    )
    .bind(m.model_id.to_string())
    .bind(m.name.clone())
    .bind(m.version.clone())
    .bind(m.library.clone())
    .bind(m.objective.clone())
    .bind(m.file.clone())
    .bind(m.file_sha256.clone())
    .bind(m.dictionary.as_ref().map(Value::to_string))
    .bind(m.encoding.as_ref().map(Value::to_string))
    .bind(m.owner.clone())
    .bind(m.purpose.clone())
    .bind(m.key_id.map(|k| k.to_string()))
    .bind(format_timestamp(&m.created_at))
    .bind(m.lifecycle.state.clone())
    .bind(m.lifecycle.approval_source.clone())
    .bind(m.lifecycle.owner_id.clone())
    .bind(m.lifecycle.intended_use.clone())
    .bind(m.lifecycle.limitations.clone())
    .bind(m.lifecycle.training_data.clone())
    .bind(m.lifecycle.ai_system_id.map(|a| a.to_string()))
    .bind(b(m.lifecycle.shadow))
    .bind(m.lifecycle.approved_at.as_ref().map(format_timestamp))
    .bind(m.lifecycle.approval_expires_at.as_ref().map(format_timestamp))
    .bind(m.lifecycle.revalidation_reason.clone())
    .bind(m.lifecycle.state_changed_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await;
    // A unique-key violation becomes StoreError::Conflict (see `error.rs`).
    result?;
    Ok(())
}

/// A model version with its file.
pub async fn get(tx: &mut Tx, id: &ModelId) -> Result<Option<ModelRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM models WHERE model_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(model_from_row).transpose()
}

/// The model version decisions quote as `model` / `model_version`, with its file.
pub async fn by_name(tx: &mut Tx, name: &str, version: &str) -> Result<Option<ModelRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM models WHERE name = $1 AND version = $2")
        .bind(name.to_owned())
        .bind(version.to_owned())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(model_from_row).transpose()
}

/// Every model version, without files, newest first.
pub async fn all(tx: &mut Tx) -> Result<Vec<ModelRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SUMMARY} FROM models ORDER BY created_at DESC, model_id")))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(model_from_row).collect()
}

/// A registered model version.
#[derive(Clone, Debug)]
pub struct ModelRecord {
    /// The model version.
    pub model_id: ModelId,
    /// The model's name (what decisions quote as `model`).
    pub name: String,
    /// Its version (what decisions quote as `model_version`).
    pub version: String,
    /// `xgboost`, `lightgbm` or `linear`.
    pub library: String,
    /// The objective as the library names it.
    pub objective: String,
    /// The model file as uploaded.
    pub file: Vec<u8>,
    /// SHA-256 of the file, hex.
    pub file_sha256: String,
    /// The feature dictionary (JSON), if any.
    pub dictionary: Option<Value>,
    /// Category encodings per feature (JSON), if any.
    pub encoding: Option<Value>,
    /// Who answers for the model.
    pub owner: String,
    /// The purpose it is meant for.
    pub purpose: Option<String>,
    /// The API key that registered it.
    pub key_id: Option<ApiKeyId>,
    /// When it was registered.
    pub created_at: Timestamp,
    /// Where it stands in its life, and what its model card says.
    pub lifecycle: ModelLifecycle,
}

/// A model version's place in its life (`draft`, `in_review`, `approved`, `rejected`,
/// `retired`) and the fields of its model card.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelLifecycle {
    /// `draft`, `in_review`, `approved`, `rejected` or `retired`.
    pub state: String,
    /// How it became approved: `sign_off`, or `upgrade` for versions that were deciding before
    /// approvals existed (`upgrade_pending` until the ledger says so).
    pub approval_source: Option<String>,
    /// The staff account that answers for it.
    pub owner_id: Option<String>,
    /// What it is for (the model card's "intended use").
    pub intended_use: String,
    /// What it must not be used for, and where it is known to be weak.
    pub limitations: String,
    /// Where its training data came from, and when.
    pub training_data: String,
    /// The AI system it serves.
    pub ai_system_id: Option<AiSystemId>,
    /// Whether, while `in_review`, its decisions are stored as `shadow` instead of refused.
    pub shadow: bool,
    /// When it was approved.
    pub approved_at: Option<Timestamp>,
    /// When its approval lapses.
    pub approval_expires_at: Option<Timestamp>,
    /// Why it must be validated again (an alert asked), if it must.
    pub revalidation_reason: Option<String>,
    /// When its state last changed.
    pub state_changed_at: Option<Timestamp>,
}

fn lifecycle_from_row(row: &AnyRow) -> Result<ModelLifecycle, StoreError> {
    Ok(ModelLifecycle {
        state: text(row, "state")?,
        approval_source: opt_text(row, "approval_source")?,
        owner_id: opt_text(row, "owner_id")?,
        intended_use: text(row, "intended_use")?,
        limitations: text(row, "limitations")?,
        training_data: text(row, "training_data")?,
        ai_system_id: opt_text(row, "ai_system_id")?.map(|a| AiSystemId::parse(&a)).transpose()?,
        shadow: flag(row, "shadow")?,
        approved_at: opt_ts(row, "approved_at")?,
        approval_expires_at: opt_ts(row, "approval_expires_at")?,
        revalidation_reason: opt_text(row, "revalidation_reason")?,
        state_changed_at: opt_ts(row, "state_changed_at")?,
    })
}

/// Takes the write lock on a model version's row for the rest of the transaction (PostgreSQL
/// locks the row; SQLite's write transaction holds the database already), so that a change read
/// from the row cannot overwrite another made meanwhile. False if there is no such version.
pub async fn lock(tx: &mut Tx, id: &ModelId) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE models SET state = state WHERE model_id = $1").bind(id.to_string()).execute(tx.conn()).await?.rows_affected()
        == 1)
}

/// Replaces a model version's lifecycle fields; false if there is no such version.
pub async fn update_lifecycle(tx: &mut Tx, id: &ModelId, l: &ModelLifecycle) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE models SET state = $2, approval_source = $3, owner_id = $4, intended_use = $5, limitations = $6, training_data = $7, \
         ai_system_id = $8, shadow = $9, approved_at = $10, approval_expires_at = $11, revalidation_reason = $12, state_changed_at = $13 \
         WHERE model_id = $1",
    )
    .bind(id.to_string())
    .bind(l.state.clone())
    .bind(l.approval_source.clone())
    .bind(l.owner_id.clone())
    .bind(l.intended_use.clone())
    .bind(l.limitations.clone())
    .bind(l.training_data.clone())
    .bind(l.ai_system_id.map(|a| a.to_string()))
    .bind(b(l.shadow))
    .bind(l.approved_at.as_ref().map(format_timestamp))
    .bind(l.approval_expires_at.as_ref().map(format_timestamp))
    .bind(l.revalidation_reason.clone())
    .bind(l.state_changed_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// What the decision path needs to know about a model version: its id, lifecycle, and what an
/// expired approval does under its AI system (`alert` when it has none).
#[derive(Clone, Debug)]
pub struct LifecycleFacts {
    /// The model version.
    pub model_id: ModelId,
    /// Its lifecycle.
    pub lifecycle: ModelLifecycle,
    /// `alert`, `review` or `refuse`.
    pub on_expiry: String,
}

/// The lifecycle of the version decisions quote as `model` / `model_version` (no file read).
pub async fn lifecycle_by_name(tx: &mut Tx, name: &str, version: &str) -> Result<Option<LifecycleFacts>, StoreError> {
    let row = sqlx::query(
        "SELECT m.model_id, m.state, m.approval_source, m.owner_id, m.intended_use, m.limitations, m.training_data, m.ai_system_id, \
         m.shadow, m.approved_at, m.approval_expires_at, m.revalidation_reason, m.state_changed_at, \
         COALESCE(a.on_expiry, 'alert') AS system_on_expiry FROM models m \
         LEFT JOIN ai_systems a ON a.ai_system_id = m.ai_system_id WHERE m.name = $1 AND m.version = $2",
    )
    .bind(name.to_owned())
    .bind(version.to_owned())
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref()
        .map(|r| {
            Ok(LifecycleFacts {
                model_id: ModelId::parse(&text(r, "model_id")?)?,
                lifecycle: lifecycle_from_row(r)?,
                on_expiry: text(r, "system_on_expiry")?,
            })
        })
        .transpose()
}

/// Versions marked approved by the upgrade whose ledger event is not written yet: (id, name,
/// version).
pub async fn upgrade_pending(tx: &mut Tx) -> Result<Vec<(ModelId, String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT model_id, name, version FROM models WHERE approval_source = 'upgrade_pending' ORDER BY created_at, model_id")
            .fetch_all(tx.conn())
            .await?;
    rows.iter().map(|r| Ok((ModelId::parse(&text(r, "model_id")?)?, text(r, "name")?, text(r, "version")?))).collect()
}

/// Records that the upgrade's approvals are in the ledger.
pub async fn upgrade_logged(tx: &mut Tx) -> Result<(), StoreError> {
    sqlx::query("UPDATE models SET approval_source = 'upgrade' WHERE approval_source = 'upgrade_pending'").execute(tx.conn()).await?;
    Ok(())
}

/// Approved versions whose approval lapses before `before` (for reminders and expiry), without
/// files.
pub async fn approvals_lapsing(tx: &mut Tx, before: &Timestamp) -> Result<Vec<ModelRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY} FROM models WHERE state = 'approved' AND approval_expires_at IS NOT NULL AND approval_expires_at < $1 \
         ORDER BY approval_expires_at LIMIT 1000"
    )))
    .bind(format_timestamp(before))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(model_from_row).collect()
}

fn opt_json(row: &AnyRow, col: &str) -> Result<Option<Value>, StoreError> {
    opt_text(row, col)?.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))).transpose()
}

fn model_from_row(row: &AnyRow) -> Result<ModelRecord, StoreError> {
    Ok(ModelRecord {
        model_id: ModelId::parse(&text(row, "model_id")?)?,
        name: text(row, "name")?,
        version: text(row, "version")?,
        library: text(row, "library")?,
        objective: text(row, "objective")?,
        file: opt_bytes(row, "model_file")?.unwrap_or_default(),
        file_sha256: text(row, "file_sha256")?,
        dictionary: opt_json(row, "dictionary")?,
        encoding: opt_json(row, "encoding")?,
        owner: text(row, "owner")?,
        purpose: opt_text(row, "purpose")?,
        key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
        created_at: ts(row, "created_at")?,
        lifecycle: lifecycle_from_row(row)?,
    })
}

/// Columns of a model without its file (for lists).
const SUMMARY: &str = "model_id, name, version, library, objective, NULL AS model_file, file_sha256, dictionary, encoding, owner, purpose, key_id, \
     created_at, state, approval_source, owner_id, intended_use, limitations, training_data, ai_system_id, shadow, approved_at, approval_expires_at, \
     revalidation_reason, state_changed_at";

//! The model registry and the explanations of decisions.

use custos_core::{ApiKeyId, ModelId, Timestamp, format_timestamp};
use serde_json::Value;
use sqlx::any::AnyRow;

use crate::rows::{opt_bytes, opt_text, text, ts};
use crate::{StoreError, tx::Tx};

/// Registers a model version; [`StoreError::Conflict`] if the name and version exist.
pub async fn insert(tx: &mut Tx, m: &ModelRecord) -> Result<(), StoreError> {
    let result = sqlx::query(
        "INSERT INTO models (model_id, name, version, library, objective, model_file, file_sha256, dictionary, encoding, owner, purpose, key_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
    })
}

/// Columns of a model without its file (for lists).
const SUMMARY: &str = "model_id, name, version, library, objective, NULL AS model_file, file_sha256, dictionary, encoding, owner, purpose, key_id, created_at";

//! Validation runs and their reports.

use custos_core::{ApiKeyId, ModelId, Timestamp, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// A validation run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRecord {
    /// Id (UUID v7).
    pub validation_id: String,
    /// The model version validated.
    pub model_id: ModelId,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// What the run was asked (columns, options, policy) as JSON.
    pub spec: serde_json::Value,
    /// The report (JSON text exactly as hashed).
    pub report: Option<String>,
    /// SHA-256 of the report text, hex.
    pub report_sha256: Option<String>,
    /// Whether every check of the policy passed.
    pub passed: Option<bool>,
    /// Rows of the set.
    pub rows: Option<u64>,
    /// Why the run failed.
    pub error: Option<String>,
    /// The sealed set on disk, while it is kept.
    pub file_path: Option<String>,
    /// The set's key, wrapped by the deployment's root.
    pub file_key: Option<Vec<u8>>,
    /// When the kept set is deleted.
    pub retain_until: Option<Timestamp>,
    /// The API key that started it.
    pub key_id: Option<ApiKeyId>,
    /// When it was asked.
    pub created_at: Timestamp,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
}

fn from_row(row: &AnyRow) -> Result<ValidationRecord, StoreError> {
    let int = |col: &str| -> Result<Option<i64>, StoreError> {
        row.try_get::<Option<i64>, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
    };
    Ok(ValidationRecord {
        validation_id: text(row, "validation_id")?,
        model_id: ModelId::parse(&text(row, "model_id")?)?,
        status: text(row, "status")?,
        spec: json(row, "spec")?,
        report: opt_text(row, "report")?,
        report_sha256: opt_text(row, "report_sha256")?,
        passed: int("passed")?.map(|v| v != 0),
        rows: int("set_rows")?.and_then(|v| u64::try_from(v).ok()),
        error: opt_text(row, "error")?,
        file_path: opt_text(row, "file_path")?,
        file_key: opt_bytes(row, "file_key")?,
        retain_until: opt_ts(row, "retain_until")?,
        key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
        created_at: ts(row, "created_at")?,
        started_at: opt_ts(row, "started_at")?,
        finished_at: opt_ts(row, "finished_at")?,
    })
}

/// Stores a new run (its row, then its fields through [`update`]).
pub async fn insert(tx: &mut Tx, v: &ValidationRecord) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO validations (validation_id, model_id, status, spec, key_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(v.validation_id.clone())
        .bind(v.model_id.to_string())
        .bind(v.status.clone())
        .bind(v.spec.to_string())
        .bind(v.key_id.map(|k| k.to_string()))
        .bind(format_timestamp(&v.created_at))
        .execute(tx.conn())
        .await?;
    update(tx, v).await?;
    Ok(())
}

/// Replaces a run's mutable fields (status, report, file, times).
pub async fn update(tx: &mut Tx, v: &ValidationRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE validations SET status = $2, report = $3, report_sha256 = $4, passed = $5, set_rows = $6, error = $7, file_path = $8, \
         file_key = $9, retain_until = $10, started_at = $11, finished_at = $12 WHERE validation_id = $1",
    )
    .bind(v.validation_id.clone())
    .bind(v.status.clone())
    .bind(v.report.clone())
    .bind(v.report_sha256.clone())
    .bind(v.passed.map(b))
    .bind(v.rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX)))
    .bind(v.error.clone())
    .bind(v.file_path.clone())
    .bind(v.file_key.clone())
    .bind(v.retain_until.as_ref().map(format_timestamp))
    .bind(v.started_at.as_ref().map(format_timestamp))
    .bind(v.finished_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One run.
pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<ValidationRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM validations WHERE validation_id = $1").bind(id.to_owned()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Runs in one of `statuses`, oldest first (at most 1,000).
pub async fn with_status(tx: &mut Tx, statuses: &[&str]) -> Result<Vec<ValidationRecord>, StoreError> {
    let mut out = Vec::new();
    for s in statuses {
        let rows = sqlx::query("SELECT * FROM validations WHERE status = $1 ORDER BY created_at LIMIT 1000")
            .bind((*s).to_owned())
            .fetch_all(tx.conn())
            .await?;
        for r in &rows {
            out.push(from_row(r)?);
        }
    }
    Ok(out)
}

/// Finished runs whose kept set's retention ended before `now`.
pub async fn sets_expired(tx: &mut Tx, now: &Timestamp) -> Result<Vec<ValidationRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM validations WHERE file_path IS NOT NULL AND retain_until IS NOT NULL AND retain_until < $1 LIMIT 1000")
            .bind(format_timestamp(now))
            .fetch_all(tx.conn())
            .await?;
    rows.iter().map(from_row).collect()
}

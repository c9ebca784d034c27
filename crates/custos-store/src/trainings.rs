//! Staff training: the catalog of courses (validity, roles that need each) and completion
//! records per staff member.

use custos_core::{Timestamp, TrainingId, TrainingRecordId, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// A course as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRecord {
    /// Id.
    pub training_id: TrainingId,
    /// Its name (unique).
    pub name: String,
    /// What it teaches.
    pub description: String,
    /// Months a completion stays valid.
    pub validity_months: u32,
    /// Staff roles that must hold it valid to see personal data (wire names).
    pub required_for: Vec<String>,
    /// `active` or `retired` (no longer required).
    pub status: String,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A completion of a course by a staff member.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRecord {
    /// Id.
    pub training_record_id: TrainingRecordId,
    /// The course.
    pub training_id: TrainingId,
    /// The staff member's account.
    pub user_id: String,
    /// When it was completed (`YYYY-MM-DD`).
    pub completed_on: String,
    /// The last day it is valid (`YYYY-MM-DD`).
    pub expires_on: String,
    /// The evidence (a certificate's reference).
    pub evidence: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

fn training_from(row: &AnyRow) -> Result<TrainingRecord, StoreError> {
    let months: i64 = row.try_get("validity_months").map_err(|e| StoreError::Corrupt(format!("validity_months: {e}")))?;
    Ok(TrainingRecord {
        training_id: TrainingId::parse(&text(row, "training_id")?)?,
        name: text(row, "name")?,
        description: text(row, "description")?,
        validity_months: u32::try_from(months).map_err(|e| StoreError::Corrupt(format!("validity_months: {e}")))?,
        required_for: json(row, "required_for")?,
        status: text(row, "status")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn completion_from(row: &AnyRow) -> Result<CompletionRecord, StoreError> {
    Ok(CompletionRecord {
        training_record_id: TrainingRecordId::parse(&text(row, "training_record_id")?)?,
        training_id: TrainingId::parse(&text(row, "training_id")?)?,
        user_id: text(row, "user_id")?,
        completed_on: text(row, "completed_on")?,
        expires_on: text(row, "expires_on")?,
        evidence: text(row, "evidence")?,
        recorded_by: text(row, "recorded_by")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Stores a new course ([`StoreError::Conflict`] when the name is taken).
pub async fn insert(tx: &mut Tx, t: &TrainingRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO trainings (training_id, name, description, validity_months, required_for, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.training_id.to_string())
    .bind(t.name.clone())
    .bind(t.description.clone())
    .bind(i64::from(t.validity_months))
    .bind(to_json(&t.required_for))
    .bind(t.status.clone())
    .bind(format_timestamp(&t.created_at))
    .bind(format_timestamp(&t.updated_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces a course's changeable fields; false if there is none.
pub async fn update(tx: &mut Tx, t: &TrainingRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE trainings SET name = $2, description = $3, validity_months = $4, required_for = $5, status = $6, updated_at = $7 \
         WHERE training_id = $1",
    )
    .bind(t.training_id.to_string())
    .bind(t.name.clone())
    .bind(t.description.clone())
    .bind(i64::from(t.validity_months))
    .bind(to_json(&t.required_for))
    .bind(t.status.clone())
    .bind(format_timestamp(&t.updated_at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One course.
pub async fn get(tx: &mut Tx, id: &TrainingId) -> Result<Option<TrainingRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM trainings WHERE training_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(training_from).transpose()
}

/// The catalog by name (at most `limit`).
pub async fn list(tx: &mut Tx, limit: u32) -> Result<Vec<TrainingRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM trainings ORDER BY name, training_id LIMIT $1").bind(i64::from(limit)).fetch_all(tx.conn()).await?;
    rows.iter().map(training_from).collect()
}

/// Stores a completion.
pub async fn insert_completion(tx: &mut Tx, c: &CompletionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO training_records (training_record_id, training_id, user_id, completed_on, expires_on, evidence, recorded_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(c.training_record_id.to_string())
    .bind(c.training_id.to_string())
    .bind(c.user_id.clone())
    .bind(c.completed_on.clone())
    .bind(c.expires_on.clone())
    .bind(c.evidence.clone())
    .bind(c.recorded_by.clone())
    .bind(format_timestamp(&c.created_at))
    .bind(format_timestamp(&c.updated_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces a completion's date, expiry and evidence; false if there is none.
pub async fn update_completion(tx: &mut Tx, c: &CompletionRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE training_records SET completed_on = $2, expires_on = $3, evidence = $4, updated_at = $5 WHERE training_record_id = $1",
    )
    .bind(c.training_record_id.to_string())
    .bind(c.completed_on.clone())
    .bind(c.expires_on.clone())
    .bind(c.evidence.clone())
    .bind(format_timestamp(&c.updated_at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One completion.
pub async fn get_completion(tx: &mut Tx, id: &TrainingRecordId) -> Result<Option<CompletionRecord>, StoreError> {
    let row =
        sqlx::query("SELECT * FROM training_records WHERE training_record_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(completion_from).transpose()
}

/// Completions, newest first, of one staff member or of everyone (at most `limit`).
pub async fn completions(tx: &mut Tx, user_id: Option<&str>, limit: u32) -> Result<Vec<CompletionRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM training_records WHERE ($1 IS NULL OR user_id = $1) ORDER BY completed_on DESC, training_record_id LIMIT $2",
    )
    .bind(user_id.map(str::to_owned))
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(completion_from).collect()
}

//! Impact assessments: a questionnaire's answers for one AI system (a DPIA, the AI Act
//! classification) or one vendor (due diligence), what custos concluded from them, and their
//! review: `draft`, `submitted`, `approved` (by a privacy officer), `needs_review` (what was
//! assessed changed after approval).

use custos_core::{AiSystemId, AssessmentId, Timestamp, VendorId, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// An assessment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    /// Id.
    pub assessment_id: AssessmentId,
    /// The AI system assessed (a DPIA, an AI Act classification).
    pub ai_system_id: Option<AiSystemId>,
    /// The vendor assessed (due diligence).
    pub vendor_id: Option<VendorId>,
    /// The questionnaire's key (`dpia`, `ai_act`).
    pub questionnaire: String,
    /// The questionnaire's version the answers follow.
    pub version: u32,
    /// `draft`, `submitted`, `approved` or `needs_review`.
    pub status: String,
    /// The answers (question key -> answer).
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// What custos concluded (the AI Act tier and path, the DPIA screening), as of the last change.
    pub result: serde_json::Value,
    /// Who started it.
    pub created_by: String,
    /// When it was started.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was submitted for approval.
    pub submitted_at: Option<Timestamp>,
    /// Who approved it (a privacy officer's email).
    pub approved_by: Option<String>,
    /// When it was approved.
    pub approved_at: Option<Timestamp>,
    /// Why it needs review again (the AI system changed), in plain words.
    pub review_reason: Option<String>,
}

fn from_row(row: &AnyRow) -> Result<AssessmentRecord, StoreError> {
    let version: i64 = row.try_get("version").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(AssessmentRecord {
        assessment_id: AssessmentId::parse(&text(row, "assessment_id")?)?,
        ai_system_id: opt_text(row, "ai_system_id")?.as_deref().map(AiSystemId::parse).transpose()?,
        vendor_id: opt_text(row, "vendor_id")?.as_deref().map(VendorId::parse).transpose()?,
        questionnaire: text(row, "questionnaire")?,
        version: u32::try_from(version).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        status: text(row, "status")?,
        answers: json(row, "answers")?,
        result: json(row, "result")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        submitted_at: opt_ts(row, "submitted_at")?,
        approved_by: opt_text(row, "approved_by")?,
        approved_at: opt_ts(row, "approved_at")?,
        review_reason: opt_text(row, "review_reason")?,
    })
}

/// Stores a new assessment.
pub async fn insert(tx: &mut Tx, a: &AssessmentRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO assessments (assessment_id, ai_system_id, questionnaire, version, status, answers, result, created_by, created_at, \
         updated_at, submitted_at, approved_by, approved_at, review_reason, vendor_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(a.assessment_id.to_string())
    .bind(a.ai_system_id.as_ref().map(ToString::to_string))
    .bind(a.questionnaire.clone())
    .bind(i64::from(a.version))
    .bind(a.status.clone())
    .bind(to_json(&a.answers))
    .bind(to_json(&a.result))
    .bind(a.created_by.clone())
    .bind(format_timestamp(&a.created_at))
    .bind(format_timestamp(&a.updated_at))
    .bind(a.submitted_at.as_ref().map(format_timestamp))
    .bind(a.approved_by.clone())
    .bind(a.approved_at.as_ref().map(format_timestamp))
    .bind(a.review_reason.clone())
    .bind(a.vendor_id.as_ref().map(ToString::to_string))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces an assessment's answers, result and review fields; false if there is none.
pub async fn update(tx: &mut Tx, a: &AssessmentRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE assessments SET status = $2, answers = $3, result = $4, updated_at = $5, submitted_at = $6, approved_by = $7, \
         approved_at = $8, review_reason = $9 WHERE assessment_id = $1",
    )
    .bind(a.assessment_id.to_string())
    .bind(a.status.clone())
    .bind(to_json(&a.answers))
    .bind(to_json(&a.result))
    .bind(format_timestamp(&a.updated_at))
    .bind(a.submitted_at.as_ref().map(format_timestamp))
    .bind(a.approved_by.clone())
    .bind(a.approved_at.as_ref().map(format_timestamp))
    .bind(a.review_reason.clone())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One assessment.
pub async fn get(tx: &mut Tx, id: &AssessmentId) -> Result<Option<AssessmentRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM assessments WHERE assessment_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Locks an assessment's row for the rest of the transaction (a no-op write); false if none.
pub async fn lock(tx: &mut Tx, id: &AssessmentId) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE assessments SET status = status WHERE assessment_id = $1")
        .bind(id.to_string())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// What an assessment is about, to select by.
#[derive(Debug, Clone, Copy)]
pub enum About<'a> {
    /// Every assessment.
    Any,
    /// One AI system's.
    AiSystem(&'a AiSystemId),
    /// One vendor's.
    Vendor(&'a VendorId),
}

impl About<'_> {
    /// The AI system and the vendor selected on (both none for `Any`).
    fn ids(self) -> (Option<String>, Option<String>) {
        match self {
            Self::Any => (None, None),
            Self::AiSystem(id) => (Some(id.to_string()), None),
            Self::Vendor(id) => (None, Some(id.to_string())),
        }
    }
}

/// Assessments, newest first, of what `about` names (at most `limit`).
pub async fn list(tx: &mut Tx, about: About<'_>, limit: u32) -> Result<Vec<AssessmentRecord>, StoreError> {
    let (system, vendor) = about.ids();
    let rows = sqlx::query(
        "SELECT * FROM assessments WHERE ($1 IS NULL OR ai_system_id = $1) AND ($2 IS NULL OR vendor_id = $2) \
         ORDER BY created_at DESC, assessment_id DESC LIMIT $3",
    )
    .bind(system)
    .bind(vendor)
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Marks the approved assessments of an AI system or a vendor for review (it changed); their
/// ids. `About::Any` marks nothing.
pub async fn mark_for_review(tx: &mut Tx, about: About<'_>, reason: &str, at: &Timestamp) -> Result<Vec<String>, StoreError> {
    let (system, vendor) = about.ids();
    let rows = sqlx::query("SELECT assessment_id FROM assessments WHERE (ai_system_id = $1 OR vendor_id = $2) AND status = 'approved'")
        .bind(system.clone())
        .bind(vendor.clone())
        .fetch_all(tx.conn())
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| text(r, "assessment_id")).collect::<Result<_, _>>()?;
    sqlx::query(
        "UPDATE assessments SET status = 'needs_review', review_reason = $3, updated_at = $4 \
         WHERE (ai_system_id = $1 OR vendor_id = $2) AND status = 'approved'",
    )
    .bind(system)
    .bind(vendor)
    .bind(reason.to_owned())
    .bind(format_timestamp(at))
    .execute(tx.conn())
    .await?;
    Ok(ids)
}

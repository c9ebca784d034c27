//! Approval requests for model versions, and their sign-offs and comments.

use custos_core::{AiSystemId, ModelId, Timestamp, format_timestamp};
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// An approval request as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRecord {
    /// Id (UUID v7).
    pub approval_id: String,
    /// The model version to approve.
    pub model_id: ModelId,
    /// The AI system it serves.
    pub ai_system_id: Option<AiSystemId>,
    /// The staff account that asked.
    pub requested_by: String,
    /// The validation run whose report is the evidence.
    pub validation_id: Option<String>,
    /// Where the DPIA is (until assessments live in custos).
    pub dpia_link: Option<String>,
    /// Roles whose sign-off it needs, each a different person.
    pub required_roles: Vec<String>,
    /// `open`, `approved`, `rejected`, `changes_requested` or `withdrawn`.
    pub status: String,
    /// When it was asked.
    pub created_at: Timestamp,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
    /// When the approval it granted lapses.
    pub expires_at: Option<Timestamp>,
}

/// A sign-off or comment on a request (text opened).
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalEntry {
    /// Id (UUID v7).
    pub entry_id: String,
    /// The request.
    pub approval_id: String,
    /// Who wrote it.
    pub staff_id: String,
    /// Their sign-in name when they wrote it.
    pub staff_email: String,
    /// The role signed for (sign-offs only).
    pub role: Option<String>,
    /// `comment`, `approve`, `reject` or `request_changes`.
    pub kind: String,
    /// What they wrote.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
}

fn from_row(row: &AnyRow) -> Result<ApprovalRecord, StoreError> {
    Ok(ApprovalRecord {
        approval_id: text(row, "approval_id")?,
        model_id: ModelId::parse(&text(row, "model_id")?)?,
        ai_system_id: opt_text(row, "ai_system_id")?.map(|a| AiSystemId::parse(&a)).transpose()?,
        requested_by: text(row, "requested_by")?,
        validation_id: opt_text(row, "validation_id")?,
        dpia_link: opt_text(row, "dpia_link")?,
        required_roles: json(row, "required_roles")?,
        status: text(row, "status")?,
        created_at: ts(row, "created_at")?,
        decided_at: opt_ts(row, "decided_at")?,
        expires_at: opt_ts(row, "expires_at")?,
    })
}

/// Stores a new request; [`StoreError::Conflict`] when the version already has an open one.
pub async fn insert(tx: &mut Tx, a: &ApprovalRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO approvals (approval_id, model_id, ai_system_id, requested_by, validation_id, dpia_link, required_roles, status, \
         created_at, decided_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(a.approval_id.clone())
    .bind(a.model_id.to_string())
    .bind(a.ai_system_id.map(|x| x.to_string()))
    .bind(a.requested_by.clone())
    .bind(a.validation_id.clone())
    .bind(a.dpia_link.clone())
    .bind(to_json(&a.required_roles))
    .bind(a.status.clone())
    .bind(format_timestamp(&a.created_at))
    .bind(a.decided_at.as_ref().map(format_timestamp))
    .bind(a.expires_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes the write lock on an open request's row for the rest of the transaction (see
/// [`crate::models::lock`]); false if it is not open.
pub async fn lock_open(tx: &mut Tx, approval_id: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE approvals SET status = status WHERE approval_id = $1 AND status = 'open'")
        .bind(approval_id.to_owned())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// Moves an `open` request to `status`; false if it was no longer open (someone else decided).
pub async fn decide(
    tx: &mut Tx,
    approval_id: &str,
    status: &str,
    at: &Timestamp,
    expires_at: Option<&Timestamp>,
) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE approvals SET status = $2, decided_at = $3, expires_at = $4 WHERE approval_id = $1 AND status = 'open'")
        .bind(approval_id.to_owned())
        .bind(status.to_owned())
        .bind(format_timestamp(at))
        .bind(expires_at.map(format_timestamp))
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// One request.
pub async fn get(tx: &mut Tx, approval_id: &str) -> Result<Option<ApprovalRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM approvals WHERE approval_id = $1").bind(approval_id.to_owned()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Requests, newest first, optionally of one status and one model version (at most `limit`).
pub async fn list(tx: &mut Tx, status: Option<&str>, model_id: Option<&ModelId>, limit: u32) -> Result<Vec<ApprovalRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM approvals WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR model_id = $2) \
         ORDER BY created_at DESC, approval_id DESC LIMIT $3",
    )
    .bind(status.map(str::to_owned))
    .bind(model_id.map(ToString::to_string))
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

fn label(entry_id: &str) -> String {
    crate::sealed::context("approval_entries", entry_id, "body")
}

/// Adds a sign-off or comment, its text sealed.
pub async fn insert_entry(tx: &mut Tx, e: &ApprovalEntry) -> Result<(), StoreError> {
    let sealed = tx.keyring().seal_aggregate(&label(&e.entry_id), e.body.as_bytes())?;
    sqlx::query(
        "INSERT INTO approval_entries (entry_id, approval_id, staff_id, staff_email, role, kind, body_ct, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.entry_id.clone())
    .bind(e.approval_id.clone())
    .bind(e.staff_id.clone())
    .bind(e.staff_email.clone())
    .bind(e.role.clone())
    .bind(e.kind.clone())
    .bind(sealed)
    .bind(format_timestamp(&e.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A request's sign-offs and comments, oldest first (at most 1,000).
pub async fn entries(tx: &mut Tx, approval_id: &str) -> Result<Vec<ApprovalEntry>, StoreError> {
    let rows = sqlx::query("SELECT * FROM approval_entries WHERE approval_id = $1 ORDER BY created_at, entry_id LIMIT 1000")
        .bind(approval_id.to_owned())
        .fetch_all(tx.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let entry_id = text(row, "entry_id")?;
        let sealed = opt_bytes(row, "body_ct")?.unwrap_or_default();
        let body = String::from_utf8(tx.keyring().open_aggregate(&label(&entry_id), &sealed)?)
            .map_err(|e| StoreError::Corrupt(format!("approval entry {entry_id}: {e}")))?;
        out.push(ApprovalEntry {
            approval_id: text(row, "approval_id")?,
            staff_id: text(row, "staff_id")?,
            staff_email: text(row, "staff_email")?,
            role: opt_text(row, "role")?,
            kind: text(row, "kind")?,
            body,
            created_at: ts(row, "created_at")?,
            entry_id,
        });
    }
    Ok(out)
}

//! Consent events (with their proof) and the current consent state per purpose.

use custos_core::{ConsentStatus, EventId, Method, PurposeKey, SubjectId, Timestamp, format_timestamp};
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::any::AnyRow;

use crate::{StoreError, crypto::DataKey, rows::*, tx::Tx};

/// One consent event (append-only).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentEvent {
    /// Id.
    pub event_id: EventId,
    /// Whose consent.
    pub subject_id: SubjectId,
    /// For which purpose.
    pub purpose: PurposeKey,
    /// Granted, denied or withdrawn.
    pub status: ConsentStatus,
    /// How it was captured.
    pub method: Method,
    /// The notice version shown.
    pub notice_version: String,
    /// The notice language shown.
    pub notice_language: String,
    /// SHA-256 of the notice text shown.
    pub notice_text_sha256: String,
    /// Where it was captured (form, campaign); erased with the subject.
    pub source: Option<String>,
    /// A GPC signal accompanied the event.
    pub gpc: bool,
    /// The customer allowed this sale or sharing purpose after being shown that their Global
    /// Privacy Control signal says the opposite: it wins over the signal for this purpose.
    pub overrides_gpc: bool,
    /// When the subject answered.
    pub captured_at: Timestamp,
    /// When custos recorded it.
    pub recorded_at: Timestamp,
}

/// The current consent state for one purpose.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentState {
    /// The purpose.
    pub purpose: PurposeKey,
    /// Current status.
    pub status: ConsentStatus,
    /// The event that set it.
    pub event_id: EventId,
    /// When that event was captured.
    pub captured_at: Timestamp,
    /// That event allowed the purpose over a Global Privacy Control signal.
    pub overrides_gpc: bool,
}

fn consent_event_from_row(row: &AnyRow, key: Option<&DataKey>) -> Result<ConsentEvent, StoreError> {
    let event_id = text(row, "event_id")?;
    let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
    let source = match opt_bytes(row, "source_ct")? {
        Some(ct) => crate::sealed::open(key, &subject_id, &crate::sealed::context("consent_events", &event_id, "source"), Some(&ct))?,
        None => opt_text(row, "source")?,
    };
    Ok(ConsentEvent {
        event_id: EventId::parse(&event_id)?,
        subject_id,
        purpose: PurposeKey::parse(&text(row, "purpose")?)?,
        status: ConsentStatus::parse(&text(row, "status")?)?,
        method: Method::parse("method", &text(row, "method")?)?,
        notice_version: text(row, "notice_version")?,
        notice_language: text(row, "notice_language")?,
        notice_text_sha256: text(row, "notice_text_sha256")?,
        source,
        gpc: flag(row, "gpc")?,
        overrides_gpc: flag(row, "overrides_gpc")?,
        captured_at: ts(row, "captured_at")?,
        recorded_at: ts(row, "recorded_at")?,
    })
}

/// Appends a consent event and moves the current state if the event is the latest
/// captured one (events may arrive out of order).
pub async fn insert_event(tx: &mut Tx, e: &ConsentEvent) -> Result<(), StoreError> {
    let captured = format_timestamp(&e.captured_at);
    let source_ct = match &e.source {
        Some(source) => {
            let key = crate::subjects::data_key(tx, &e.subject_id).await?;
            let context = crate::sealed::context("consent_events", &e.event_id.to_string(), "source");
            crate::sealed::seal(key.as_ref(), &e.subject_id, &context, Some(source))?
        }
        None => None,
    };
    sqlx::query(
        "INSERT INTO consent_events (event_id, subject_id, purpose, status, method, notice_version, notice_language, \
         notice_text_sha256, source_ct, gpc, captured_at, recorded_at, overrides_gpc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(e.event_id.to_string())
    .bind(e.subject_id.to_string())
    .bind(e.purpose.as_str())
    .bind(e.status.as_str())
    .bind(e.method.as_str())
    .bind(&e.notice_version)
    .bind(&e.notice_language)
    .bind(&e.notice_text_sha256)
    .bind(source_ct)
    .bind(b(e.gpc))
    .bind(&captured)
    .bind(format_timestamp(&e.recorded_at))
    .bind(b(e.overrides_gpc))
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO consents (subject_id, purpose, status, event_id, captured_at, overrides_gpc) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (subject_id, purpose) DO UPDATE SET status = excluded.status, event_id = excluded.event_id, \
         captured_at = excluded.captured_at, overrides_gpc = excluded.overrides_gpc WHERE excluded.captured_at >= consents.captured_at",
    )
    .bind(e.subject_id.to_string())
    .bind(e.purpose.as_str())
    .bind(e.status.as_str())
    .bind(e.event_id.to_string())
    .bind(&captured)
    .bind(b(e.overrides_gpc))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The current consent state for one purpose.
pub async fn current_status(tx: &mut Tx, subject: &SubjectId, purpose: &PurposeKey) -> Result<Option<ConsentStatus>, StoreError> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM consents WHERE subject_id = $1 AND purpose = $2")
        .bind(subject.to_string())
        .bind(purpose.as_str())
        .fetch_optional(tx.conn())
        .await?;
    Ok(status.map(|s| ConsentStatus::parse(&s)).transpose()?)
}

/// The current consent state per purpose.
pub async fn current(tx: &mut Tx, subject: &SubjectId) -> Result<Vec<ConsentState>, StoreError> {
    let rows =
        sqlx::query("SELECT purpose, status, event_id, captured_at, overrides_gpc FROM consents WHERE subject_id = $1 ORDER BY purpose")
            .bind(subject.to_string())
            .fetch_all(tx.conn())
            .await?;
    rows.iter()
        .map(|r| {
            Ok(ConsentState {
                purpose: PurposeKey::parse(&text(r, "purpose")?)?,
                status: ConsentStatus::parse(&text(r, "status")?)?,
                event_id: EventId::parse(&text(r, "event_id")?)?,
                captured_at: ts(r, "captured_at")?,
                overrides_gpc: flag(r, "overrides_gpc")?,
            })
        })
        .collect()
}

/// Every consent event of a subject, in capture order.
pub async fn history(tx: &mut Tx, subject: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError> {
    let rows = sqlx::query("SELECT * FROM consent_events WHERE subject_id = $1 ORDER BY captured_at, recorded_at")
        .bind(subject.to_string())
        .fetch_all(tx.conn())
        .await?;
    let key = crate::subjects::data_key(tx, subject).await?;
    rows.iter().map(|r| consent_event_from_row(r, key.as_ref())).collect()
}

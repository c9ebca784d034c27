//! Data-subject requests: filing, state transitions (compare-and-set on the status) and queries.

use custos_core::{DsrId, DsrStatus, DsrType, Jurisdiction, ObjectionScope, PurposeKey, SubjectId, Timestamp, format_timestamp};
use serde_json::Value;
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{AssertSqlSafe, any::AnyRow};

use crate::{StoreError, crypto::DataKey, rows::*, tx::Tx};

/// A data-subject request, decrypted.
#[derive(Debug, Clone, PartialEq)]
pub struct DsrRecord {
    /// Id.
    pub dsr_id: DsrId,
    /// Whose request.
    pub subject_id: SubjectId,
    /// Which right.
    pub dsr_type: DsrType,
    /// Where it stands.
    pub status: DsrStatus,
    /// Jurisdiction at receipt (sets the deadline).
    pub jurisdiction: Jurisdiction,
    /// For objections to one purpose.
    pub purpose: Option<PurposeKey>,
    /// For objections: what is objected to.
    pub objection: Option<ObjectionScope>,
    /// Request details that may hold personal data (rectified values, statements); encrypted.
    pub details: Option<Value>,
    /// Received.
    pub received_at: Timestamp,
    /// Due.
    pub due_at: Timestamp,
    /// Identity verified at.
    pub verified_at: Option<Timestamp>,
    /// How identity was verified.
    pub verification_method: Option<String>,
    /// Who verified (API key id or staff account).
    pub verified_by: Option<String>,
    /// Deadline extended at.
    pub extended_at: Option<Timestamp>,
    /// Why it was extended.
    pub extension_reason: Option<String>,
    /// Completed or rejected at.
    pub closed_at: Option<Timestamp>,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct DsrFilter {
    /// Only this status.
    pub status: Option<DsrStatus>,
    /// Only open requests due before this time.
    pub overdue_at: Option<Timestamp>,
    /// Only open requests, soonest due first.
    pub open: bool,
    /// Only this subject's.
    pub subject_id: Option<SubjectId>,
    /// Only this type.
    pub dsr_type: Option<DsrType>,
    /// Only requests under this jurisdiction's law.
    pub jurisdiction: Option<String>,
    /// Only requests due before this time.
    pub due_before: Option<Timestamp>,
    /// At most this many (newest first).
    pub limit: u32,
}

const DSR_COLUMNS: &str = "dsr_id, subject_id, type, status, jurisdiction, purpose, objection, details_ct, received_at, due_at, verified_at, \
     verification_method, verified_by, extended_at, extension_reason_ct, closed_at, rejection_reason_ct, updated_at";

/// What the request readers select: the columns, and the plaintext reasons of rows written
/// before they were sealed (empty once the store has converted them).
const DSR_READ_COLUMNS: &str = "dsr_id, subject_id, type, status, jurisdiction, purpose, objection, details_ct, received_at, due_at, \
     verified_at, verification_method, verified_by, extended_at, extension_reason_ct, extension_reason, closed_at, rejection_reason_ct, \
     rejection_reason, updated_at";

/// A sealed value, if there is one.
type Sealed = Option<Vec<u8>>;

/// A request's reasons, sealed (see `sealed`): extension, rejection.
fn seal_reasons(key: Option<&DataKey>, d: &DsrRecord) -> Result<(Sealed, Sealed), StoreError> {
    let id = d.dsr_id.to_string();
    Ok((
        crate::sealed::seal(key, &d.subject_id, &crate::sealed::context("dsr", &id, "extension_reason"), d.extension_reason.as_deref())?,
        crate::sealed::seal(key, &d.subject_id, &crate::sealed::context("dsr", &id, "rejection_reason"), d.rejection_reason.as_deref())?,
    ))
}

/// Files a request; its details are encrypted under the subject's key.
pub async fn insert(tx: &mut Tx, d: &DsrRecord) -> Result<(), StoreError> {
    let key = crate::subjects::data_key(tx, &d.subject_id).await?;
    let (extension_ct, rejection_ct) = seal_reasons(key.as_ref(), d)?;
    let details_ct = match &d.details {
        Some(details) => {
            let key = key.as_ref().ok_or(StoreError::NotFound)?;
            let bytes = serde_json::to_vec(details).map_err(|_| StoreError::Crypto("details are not serializable"))?;
            Some(key.seal(&d.subject_id, &format!("dsr/{}", d.dsr_id), &bytes)?)
        }
        None => None,
    };
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO dsrs ({DSR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )))
    .bind(d.dsr_id.to_string())
    .bind(d.subject_id.to_string())
    .bind(d.dsr_type.as_str())
    .bind(d.status.as_str())
    .bind(d.jurisdiction.as_str())
    .bind(d.purpose.as_ref().map(|p| p.as_str().to_owned()))
    .bind(d.objection.map(|o| o.as_str().to_owned()))
    .bind(details_ct)
    .bind(format_timestamp(&d.received_at))
    .bind(format_timestamp(&d.due_at))
    .bind(d.verified_at.as_ref().map(format_timestamp))
    .bind(d.verification_method.clone())
    .bind(d.verified_by.clone())
    .bind(d.extended_at.as_ref().map(format_timestamp))
    .bind(extension_ct)
    .bind(d.closed_at.as_ref().map(format_timestamp))
    .bind(rejection_ct)
    .bind(format_timestamp(&d.updated_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces a request's mutable fields, but only if it is still in status `expected`
/// (so two concurrent transitions cannot both win). Returns whether it was updated.
pub async fn update(tx: &mut Tx, d: &DsrRecord, expected: DsrStatus) -> Result<bool, StoreError> {
    let key = crate::subjects::data_key(tx, &d.subject_id).await?;
    let (extension_ct, rejection_ct) = seal_reasons(key.as_ref(), d)?;
    let done = sqlx::query(
        "UPDATE dsrs SET status = $3, due_at = $4, verified_at = $5, verification_method = $6, verified_by = $7, extended_at = $8, \
         extension_reason_ct = $9, extension_reason = NULL, closed_at = $10, rejection_reason_ct = $11, rejection_reason = $13, \
         updated_at = $12 WHERE dsr_id = $1 AND status = $2",
    )
    .bind(d.dsr_id.to_string())
    .bind(expected.as_str())
    .bind(d.status.as_str())
    .bind(format_timestamp(&d.due_at))
    .bind(d.verified_at.as_ref().map(format_timestamp))
    .bind(d.verification_method.clone())
    .bind(d.verified_by.clone())
    .bind(d.extended_at.as_ref().map(format_timestamp))
    .bind(extension_ct)
    .bind(d.closed_at.as_ref().map(format_timestamp))
    .bind(rejection_ct)
    .bind(format_timestamp(&d.updated_at))
    // Once the subject is erased there is no key to seal with; the only reason written then
    // is custos's own code (`subject_erased`), never a person's words, so it is kept in clear.
    .bind(if key.is_none() { d.rejection_reason.clone() } else { None })
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn from_rows(tx: &mut Tx, rows: Vec<AnyRow>) -> Result<Vec<DsrRecord>, StoreError> {
    let keys = crate::sealed::SubjectKeys::of_rows(tx, &rows).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let dsr_id = DsrId::parse(&text(row, "dsr_id")?)?;
        let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
        let key = keys.loaded(&subject_id);
        let details = crate::sealed::open_json(key, &subject_id, &format!("dsr/{dsr_id}"), opt_bytes(row, "details_ct")?, "details")?;
        let reason = |field: &str| -> Result<Option<String>, StoreError> {
            match opt_bytes(row, &format!("{field}_ct"))? {
                Some(ct) => crate::sealed::open(key, &subject_id, &crate::sealed::context("dsr", &dsr_id.to_string(), field), Some(&ct)),
                None => opt_text(row, field),
            }
        };
        let (extension_reason, rejection_reason) = (reason("extension_reason")?, reason("rejection_reason")?);
        out.push(DsrRecord {
            dsr_id,
            subject_id,
            dsr_type: DsrType::parse(&text(row, "type")?)?,
            status: DsrStatus::parse(&text(row, "status")?)?,
            jurisdiction: Jurisdiction::parse(&text(row, "jurisdiction")?)?,
            purpose: opt_text(row, "purpose")?.map(|p| PurposeKey::parse(&p)).transpose()?,
            objection: opt_text(row, "objection")?.map(|o| ObjectionScope::parse(&o)).transpose()?,
            details,
            received_at: ts(row, "received_at")?,
            due_at: ts(row, "due_at")?,
            verified_at: opt_ts(row, "verified_at")?,
            verification_method: opt_text(row, "verification_method")?,
            verified_by: opt_text(row, "verified_by")?,
            extended_at: opt_ts(row, "extended_at")?,
            extension_reason,
            closed_at: opt_ts(row, "closed_at")?,
            rejection_reason,
            updated_at: ts(row, "updated_at")?,
        });
    }
    Ok(out)
}

/// Open requests, and those of them past their due date at `now`.
pub async fn open_counts(tx: &mut Tx, now: &Timestamp) -> Result<(u64, u64), StoreError> {
    let open = "status IN ('pending_verification', 'verified', 'extended')";
    let all: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM dsrs WHERE {open}"))).fetch_one(tx.conn()).await?;
    let late: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM dsrs WHERE {open} AND due_at < $1")))
        .bind(format_timestamp(now))
        .fetch_one(tx.conn())
        .await?;
    Ok((all.max(0) as u64, late.max(0) as u64))
}

/// One request.
pub async fn get(tx: &mut Tx, id: &DsrId) -> Result<Option<DsrRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {DSR_READ_COLUMNS} FROM dsrs WHERE dsr_id = $1")))
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    Ok(from_rows(tx, rows).await?.into_iter().next())
}

/// Requests matching `filter`, newest first (overdue: most overdue first).
pub async fn list(tx: &mut Tx, filter: &DsrFilter) -> Result<Vec<DsrRecord>, StoreError> {
    let mut sql = format!("SELECT {DSR_READ_COLUMNS} FROM dsrs WHERE 1 = 1");
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if filter.status.is_some() {
        sql += &format!(" AND status = {}", next());
    }
    if filter.subject_id.is_some() {
        sql += &format!(" AND subject_id = {}", next());
    }
    if filter.dsr_type.is_some() {
        sql += &format!(" AND type = {}", next());
    }
    if filter.jurisdiction.is_some() {
        sql += &format!(" AND jurisdiction = {}", next());
    }
    if filter.due_before.is_some() {
        sql += &format!(" AND due_at < {}", next());
    }
    if filter.open || filter.overdue_at.is_some() {
        sql += &format!(" AND status IN ({})", open_statuses());
    }
    if filter.overdue_at.is_some() {
        sql += &format!(" AND due_at < {}", next());
    }
    if filter.open || filter.overdue_at.is_some() {
        sql += " ORDER BY due_at, dsr_id";
    } else {
        sql += " ORDER BY received_at DESC";
    }
    sql += &format!(" LIMIT {}", next());
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(s) = filter.status {
        q = q.bind(s.as_str());
    }
    if let Some(s) = filter.subject_id {
        q = q.bind(s.to_string());
    }
    if let Some(t) = filter.dsr_type {
        q = q.bind(t.as_str());
    }
    if let Some(j) = &filter.jurisdiction {
        q = q.bind(j.clone());
    }
    if let Some(t) = filter.due_before {
        q = q.bind(format_timestamp(&t));
    }
    if let Some(t) = filter.overdue_at {
        q = q.bind(format_timestamp(&t));
    }
    let rows = q.bind(i64::from(filter.limit.max(1))).fetch_all(tx.conn()).await?;
    from_rows(tx, rows).await
}

/// The open statuses as an SQL list (`'pending_verification', ...`), from the vocabulary.
pub(crate) fn open_statuses() -> String {
    DsrStatus::OPEN.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// A staff note on a request (the text opened; `None` once the subject is erased).
#[derive(Debug, Clone, PartialEq)]
pub struct DsrNote {
    /// Id (a UUID).
    pub note_id: String,
    /// Who wrote it (`staff:<id>`).
    pub author: String,
    /// The note.
    pub text: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// Sets who owns a request (`None`: nobody); false if there is no such request.
pub async fn set_owner(tx: &mut Tx, id: &DsrId, owner: Option<&str>) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE dsrs SET owner = $2 WHERE dsr_id = $1")
        .bind(id.to_string())
        .bind(owner.map(str::to_owned))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Who owns a request.
pub async fn owner(tx: &mut Tx, id: &DsrId) -> Result<Option<String>, StoreError> {
    let v: Option<Option<String>> =
        sqlx::query_scalar("SELECT owner FROM dsrs WHERE dsr_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    Ok(v.flatten())
}

/// Adds a note to a request of `subject`, sealed under the subject's key.
pub async fn add_note(tx: &mut Tx, dsr: &DsrId, subject: &SubjectId, note: &DsrNote) -> Result<(), StoreError> {
    let key = crate::subjects::data_key(tx, subject).await?;
    let sealed =
        crate::sealed::seal(key.as_ref(), subject, &crate::sealed::context("dsr_notes", &note.note_id, "note"), note.text.as_deref())?;
    sqlx::query("INSERT INTO dsr_notes (note_id, dsr_id, author, note_ct, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&note.note_id)
        .bind(dsr.to_string())
        .bind(&note.author)
        .bind(sealed)
        .bind(format_timestamp(&note.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The notes of a request of `subject`, oldest first.
pub async fn notes(tx: &mut Tx, dsr: &DsrId, subject: &SubjectId) -> Result<Vec<DsrNote>, StoreError> {
    let rows = sqlx::query("SELECT note_id, author, note_ct, created_at FROM dsr_notes WHERE dsr_id = $1 ORDER BY created_at, note_id")
        .bind(dsr.to_string())
        .fetch_all(tx.conn())
        .await?;
    let key = crate::subjects::data_key(tx, subject).await?;
    rows.iter()
        .map(|r| {
            let note_id = text(r, "note_id")?;
            let sealed = opt_bytes(r, "note_ct")?;
            Ok(DsrNote {
                text: crate::sealed::open(
                    key.as_ref(),
                    subject,
                    &crate::sealed::context("dsr_notes", &note_id, "note"),
                    sealed.as_deref(),
                )?,
                note_id,
                author: text(r, "author")?,
                created_at: ts(r, "created_at")?,
            })
        })
        .collect()
}

//! The gate's check log: the facts the gate decides on, the checks it records, a subject's
//! checks, and the check log's retention.

use custos_core::{ApiKeyId, CheckId, ConsentStatus, DataCategory, Jurisdiction, SubjectId, Timestamp, format_timestamp};
use serde_json::Value;
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{AssertSqlSafe, any::AnyRow};

use crate::{Backend, StoreError, rows::*, tx::Tx};

/// The columns of `gate_checks` in the order [`CheckColumns`] holds them.
pub(crate) const CHECK_COLUMNS: &str =
    "check_id, subject_id, purpose, requested, decision, reasons, released, gpc, key_id, checked_at, recipient";

/// A gate check as the values of its `gate_checks` row, in [`CHECK_COLUMNS`] order: one
/// encoding for the sqlx writer (PostgreSQL) and SQLite's check writer.
pub(crate) struct CheckColumns {
    pub(crate) check_id: String,
    pub(crate) subject_id: String,
    pub(crate) purpose: String,
    pub(crate) requested: String,
    pub(crate) decision: String,
    pub(crate) reasons: String,
    pub(crate) released: String,
    pub(crate) gpc: i64,
    pub(crate) key_id: Option<String>,
    pub(crate) checked_at: String,
    pub(crate) recipient: Option<String>,
}

impl CheckColumns {
    pub(crate) fn of(c: &CheckRecord) -> Self {
        Self {
            check_id: c.check_id.to_string(),
            subject_id: c.subject_id.to_string(),
            purpose: c.purpose.clone(),
            requested: to_json(&c.requested),
            decision: c.decision.clone(),
            reasons: to_json(&c.reasons),
            released: to_json(&c.released),
            gpc: b(c.gpc),
            key_id: c.key_id.map(|k| k.to_string()),
            checked_at: format_timestamp(&c.checked_at),
            recipient: c.recipient.map(|v| v.to_string()),
        }
    }
}

/// The gate's one statement: the subject's flags, the consent and objection for the purpose,
/// and every sealed value (one row per value; `$1` subject id, `$2` purpose).
pub(crate) const GATE_FACTS_SQL: &str = "SELECT s.jurisdiction, s.erased_at, s.restricted, s.opted_out_of_sale_or_share, s.gpc, \
     s.objection_profiling, s.objection_direct_marketing, s.wrapped_key, \
     (SELECT c.status FROM consents c WHERE c.subject_id = s.subject_id AND c.purpose = $2) AS consent, \
     (SELECT COUNT(*) FROM subject_objections o WHERE o.subject_id = s.subject_id AND o.purpose = $2) AS objected, \
     d.data_category, d.value_ct, \
     COALESCE((SELECT c.overrides_gpc FROM consents c WHERE c.subject_id = s.subject_id AND c.purpose = $2), 0) AS consent_overrides_gpc \
     FROM subjects s LEFT JOIN subject_data d ON d.subject_id = s.subject_id WHERE s.subject_id = $1";

/// A subject's sealed values: data category and ciphertext.
pub type SealedValues = Vec<(DataCategory, Vec<u8>)>;

/// What the gate's one statement returns: the facts and the subject's sealed values.
pub type GateRead = (GateFacts, SealedValues);

/// What the gate needs to know about a subject for one purpose, read in one statement.
#[derive(Debug, Clone)]
pub struct GateFacts {
    /// Where the person is.
    pub jurisdiction: Jurisdiction,
    /// Erased.
    pub erased: bool,
    /// Processing restricted.
    pub restricted: bool,
    /// Opted out of sale/sharing.
    pub opted_out_of_sale_or_share: bool,
    /// GPC preference recorded.
    pub gpc: bool,
    /// Objected to profiling.
    pub objection_profiling: bool,
    /// Objected to direct marketing.
    pub objection_direct_marketing: bool,
    /// Objected to this purpose.
    pub objection_purpose: bool,
    /// Current consent for this purpose.
    pub consent: Option<ConsentStatus>,
    /// That consent allowed the purpose over a Global Privacy Control signal.
    pub consent_overrides_gpc: bool,
    /// The wrapped data key (absent once erased).
    pub(crate) wrapped_key: Option<Vec<u8>>,
}

/// A persisted gate check. Holds categories, never values.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRecord {
    /// Id.
    pub check_id: CheckId,
    /// Whose data.
    pub subject_id: SubjectId,
    /// The purpose asked for (possibly one that does not exist).
    pub purpose: String,
    /// Categories requested.
    pub requested: Vec<DataCategory>,
    /// `allow` or `deny`.
    pub decision: String,
    /// Reasons as sent to the caller (`[{code, message}]`).
    pub reasons: Value,
    /// Categories released.
    pub released: Vec<DataCategory>,
    /// A GPC signal accompanied the request.
    pub gpc: bool,
    /// The API key that asked.
    pub key_id: Option<ApiKeyId>,
    /// When.
    pub checked_at: Timestamp,
    /// The vendor the release was for (`recipient.vendor_id`), if it left the business.
    pub recipient: Option<custos_core::VendorId>,
}

fn check_from_row(row: &AnyRow) -> Result<CheckRecord, StoreError> {
    Ok(CheckRecord {
        check_id: CheckId::parse(&text(row, "check_id")?)?,
        subject_id: SubjectId::parse(&text(row, "subject_id")?)?,
        purpose: text(row, "purpose")?,
        requested: json(row, "requested")?,
        decision: text(row, "decision")?,
        reasons: json(row, "reasons")?,
        released: json(row, "released")?,
        gpc: flag(row, "gpc")?,
        key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
        checked_at: ts(row, "checked_at")?,
        recipient: opt_text(row, "recipient")?.map(|v| custos_core::VendorId::parse(&v)).transpose()?,
    })
}

/// The gate's facts about a subject and purpose, with the subject's sealed values, in one
/// statement; `None` if no such subject.
pub async fn gate_facts(tx: &mut Tx, id: &SubjectId, purpose: &str) -> Result<Option<GateRead>, StoreError> {
    let rows = sqlx::query(GATE_FACTS_SQL).bind(id.to_string()).bind(purpose).fetch_all(tx.conn()).await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let facts = GateFacts {
        jurisdiction: Jurisdiction::parse(&text(row, "jurisdiction")?)?,
        erased: opt_text(row, "erased_at")?.is_some(),
        restricted: flag(row, "restricted")?,
        opted_out_of_sale_or_share: flag(row, "opted_out_of_sale_or_share")?,
        gpc: flag(row, "gpc")?,
        objection_profiling: flag(row, "objection_profiling")?,
        objection_direct_marketing: flag(row, "objection_direct_marketing")?,
        objection_purpose: flag(row, "objected")?,
        consent: opt_text(row, "consent")?.map(|c| ConsentStatus::parse(&c)).transpose()?,
        consent_overrides_gpc: flag(row, "consent_overrides_gpc")?,
        wrapped_key: opt_bytes(row, "wrapped_key")?,
    };
    let mut sealed = Vec::with_capacity(rows.len());
    for row in &rows {
        if let (Some(category), Some(ct)) = (opt_text(row, "data_category")?, opt_bytes(row, "value_ct")?) {
            sealed.push((DataCategory::parse(&category)?, ct));
        }
    }
    Ok(Some((facts, sealed)))
}

/// Persists many gate checks with one multi-row statement (the check appender's batches).
pub async fn insert_many(tx: &mut Tx, checks: &[CheckRecord]) -> Result<(), StoreError> {
    if checks.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO gate_checks ({CHECK_COLUMNS}) VALUES {}", tx.values_list(checks.len(), 11));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for c in checks.iter().map(CheckColumns::of) {
        q = q
            .bind(c.check_id)
            .bind(c.subject_id)
            .bind(c.purpose)
            .bind(c.requested)
            .bind(c.decision)
            .bind(c.reasons)
            .bind(c.released)
            .bind(c.gpc)
            .bind(c.key_id)
            .bind(c.checked_at)
            .bind(c.recipient);
    }
    q.execute(tx.conn()).await?;
    Ok(())
}

/// Whether consent for the subject and purpose was withdrawn or refused after `checked_at`: a
/// gate check made before then no longer stands, and a decision quoting it acted on a cached
/// answer.
pub async fn overtaken(tx: &mut Tx, subject_id: &SubjectId, purpose: &str, checked_at: &Timestamp) -> Result<bool, StoreError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT recorded_at FROM consent_events WHERE subject_id = $1 AND purpose = $2 AND status IN ('withdrawn', 'denied') \
         AND recorded_at > $3 LIMIT 1",
    )
    .bind(subject_id.to_string())
    .bind(purpose)
    .bind(format_timestamp(checked_at))
    .fetch_optional(tx.conn())
    .await?;
    Ok(found.is_some())
}

/// One gate check.
pub async fn get(tx: &mut Tx, id: &CheckId) -> Result<Option<CheckRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM gate_checks WHERE check_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(check_from_row).transpose()
}

/// A subject's gate checks, newest first. `indexed` comes from [`crate::Store::indexed_checks`]:
/// on SQLite the indexed rowids plus a scan of the rows after the index's high-water mark.
pub async fn for_subject(
    tx: &mut Tx,
    subject: &SubjectId,
    indexed: Option<&(Vec<i64>, i64)>,
    limit: u32,
) -> Result<Vec<CheckRecord>, StoreError> {
    let rows = match indexed {
        Some((rowids, through)) => {
            sqlx::query(
                "SELECT * FROM gate_checks WHERE rowid IN (SELECT value FROM json_each($2)) OR (rowid > $3 AND subject_id = $1) \
                 ORDER BY checked_at DESC LIMIT $4",
            )
            .bind(subject.to_string())
            .bind(to_json(rowids))
            .bind(*through)
            .bind(i64::from(limit))
            .fetch_all(tx.conn())
            .await?
        }
        None => {
            sqlx::query("SELECT * FROM gate_checks WHERE subject_id = $1 ORDER BY checked_at DESC LIMIT $2")
                .bind(subject.to_string())
                .bind(i64::from(limit))
                .fetch_all(tx.conn())
                .await?
        }
    };
    rows.iter().map(check_from_row).collect()
}

/// Deletes up to `limit` gate checks made before `cutoff` that no decision quotes; returns
/// how many went.
pub async fn expire(tx: &mut Tx, backend: Backend, cutoff: &Timestamp, limit: u32) -> Result<u64, StoreError> {
    let cutoff = format_timestamp(cutoff);
    let done = match backend {
        Backend::Postgres => {
            sqlx::query(
                "DELETE FROM gate_checks WHERE check_id IN (SELECT g.check_id FROM gate_checks g WHERE g.checked_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.check_id = g.check_id) LIMIT $2)",
            )
            .bind(cutoff)
            .bind(i64::from(limit))
            .execute(tx.conn())
            .await?
        }
        Backend::Sqlite => {
            let Some(below) = first_rowid_at_or_after(tx, &cutoff).await? else { return Ok(0) };
            sqlx::query(
                "DELETE FROM gate_checks WHERE rowid IN (SELECT g.rowid FROM gate_checks g WHERE g.rowid < $1 \
                 AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.check_id = g.check_id) LIMIT $2)",
            )
            .bind(below)
            .bind(i64::from(limit))
            .execute(tx.conn())
            .await?
        }
    };
    Ok(done.rows_affected())
}

/// SQLite: the smallest rowid whose check was made at or after `cutoff` (the newest row's
/// when all are older); `None` on an empty log. Binary search: checks are in time order.
pub(crate) async fn first_rowid_at_or_after(tx: &mut Tx, cutoff: &str) -> Result<Option<i64>, StoreError> {
    let bounds: (Option<i64>, Option<i64>) = sqlx::query_as("SELECT MIN(rowid), MAX(rowid) FROM gate_checks").fetch_one(tx.conn()).await?;
    let (Some(mut lo), Some(max)) = bounds else { return Ok(None) };
    // The newest row always stays, whatever its age: SQLite gives the next row the largest
    // rowid plus one, and an emptied table would start again at 1, below the check index's
    // high-water mark.
    let mut hi = max;
    // Invariant: rows below `lo` are older than the cutoff, rows from `hi` on are not.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at: Option<(i64, String)> =
            sqlx::query_as("SELECT rowid, checked_at FROM gate_checks WHERE rowid >= $1 ORDER BY rowid LIMIT 1")
                .bind(mid)
                .fetch_optional(tx.conn())
                .await?;
        match at {
            Some((row, checked_at)) if checked_at.as_str() < cutoff => lo = row + 1,
            Some(_) | None => hi = mid,
        }
    }
    Ok(Some(lo))
}

/// SQLite: the oldest check row left (for pruning the check index).
pub(crate) async fn oldest_rowid(tx: &mut Tx) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT MIN(rowid) FROM gate_checks").fetch_one(tx.conn()).await?)
}

/// Rows deleted per transaction, so the writer is never held long.
pub const BATCH: u32 = 10_000;

impl crate::Store {
    /// Deletes the gate checks made before `cutoff` that no decision quotes, in transactions of
    /// [`BATCH`] rows; returns how many went.
    pub async fn expire_checks(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let backend = self.backend();
        let mut total = 0;
        loop {
            let n = self.write(async |tx| expire(tx, backend, &cutoff, BATCH).await).await?;
            total += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        if total > 0
            && let Some(path) = self.sqlite_path()
        {
            let oldest = self.read_statement(async |tx| oldest_rowid(tx).await).await?;
            crate::indexer::forget_below(&crate::indexer::index_path(path), oldest.unwrap_or(i64::MAX))?;
        }
        Ok(total)
    }
}

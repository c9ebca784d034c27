//! Consent signals as received, sealed under the subject's key with their source (erasure
//! makes them unreadable), the proof behind the consent events they caused.

use custos_core::{ApiKeyId, SubjectId, Timestamp, format_timestamp};

use crate::{StoreError, tx::Tx};

/// A signal to store.
#[derive(Debug, Clone)]
pub struct NewSignal<'a> {
    /// Id.
    pub signal_id: &'a str,
    /// Whose.
    pub subject_id: &'a SubjectId,
    /// `tcf` or `gpp`.
    pub kind: &'a str,
    /// The string(s) as received (sealed here).
    pub signal: &'a str,
    /// SHA-256 of the string(s) as received.
    pub signal_sha256: &'a str,
    /// Where it came from (sealed here).
    pub source: Option<&'a str>,
    /// The key that sent it.
    pub key_id: Option<&'a ApiKeyId>,
    /// When.
    pub received_at: &'a Timestamp,
}

/// Stores a signal, sealed. The subject must not be erased (its key is gone).
pub async fn insert(tx: &mut Tx, s: &NewSignal<'_>) -> Result<(), StoreError> {
    let key = crate::subjects::data_key(tx, s.subject_id).await?;
    let seal = |field: &str, text: Option<&str>| {
        let context = crate::sealed::context("consent_signals", s.signal_id, field);
        crate::sealed::seal(key.as_ref(), s.subject_id, &context, text)
    };
    let signal_ct = seal("signal", Some(s.signal))?.ok_or_else(|| StoreError::Corrupt("the subject has no data key".into()))?;
    let source_ct = seal("source", s.source)?;
    sqlx::query(
        "INSERT INTO consent_signals (signal_id, subject_id, kind, signal_ct, signal_sha256, source_ct, key_id, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(s.signal_id.to_owned())
    .bind(s.subject_id.to_string())
    .bind(s.kind.to_owned())
    .bind(signal_ct)
    .bind(s.signal_sha256.to_owned())
    .bind(source_ct)
    .bind(s.key_id.map(ToString::to_string))
    .bind(format_timestamp(s.received_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A subject's signals as received, oldest first (at most 1,000): (signal id, kind, string).
pub async fn of_subject(tx: &mut Tx, subject_id: &SubjectId) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let rows = sqlx::query("SELECT signal_id, kind, signal_ct FROM consent_signals WHERE subject_id = $1 ORDER BY received_at LIMIT 1000")
        .bind(subject_id.to_string())
        .fetch_all(tx.conn())
        .await?;
    opened(tx, subject_id, &rows).await
}

/// The latest `limit` signals of a subject, newest first: (signal id, kind, string).
pub async fn latest_of_subject(
    tx: &mut Tx,
    subject_id: &SubjectId,
    limit: u32,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let rows =
        sqlx::query("SELECT signal_id, kind, signal_ct FROM consent_signals WHERE subject_id = $1 ORDER BY received_at DESC LIMIT $2")
            .bind(subject_id.to_string())
            .bind(i64::from(limit))
            .fetch_all(tx.conn())
            .await?;
    opened(tx, subject_id, &rows).await
}

/// A stored Global Vendor List version.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorListRecord {
    /// `vendorListVersion`.
    pub vendor_list_version: i64,
    /// `gvlSpecificationVersion`.
    pub gvl_specification_version: i64,
    /// `tcfPolicyVersion`.
    pub tcf_policy_version: i64,
    /// `lastUpdated`, as given.
    pub last_updated: String,
    /// The vendors and what they declare (JSON, the engine's `VendorList::vendors`).
    pub vendors: String,
    /// How many vendors.
    pub vendor_count: i64,
    /// SHA-256 of the file as uploaded.
    pub file_sha256: String,
    /// When it was uploaded.
    pub uploaded_at: Timestamp,
}

fn vendor_list_from_row(r: &sqlx::any::AnyRow) -> Result<VendorListRecord, StoreError> {
    use sqlx::Row as _;
    let int = |c: &str| r.try_get::<i64, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(VendorListRecord {
        vendor_list_version: int("vendor_list_version")?,
        gvl_specification_version: int("gvl_specification_version")?,
        tcf_policy_version: int("tcf_policy_version")?,
        last_updated: crate::rows::text(r, "last_updated")?,
        vendors: crate::rows::text(r, "vendors")?,
        vendor_count: int("vendor_count")?,
        file_sha256: crate::rows::text(r, "file_sha256")?,
        uploaded_at: crate::rows::ts(r, "uploaded_at")?,
    })
}

/// Stores a vendor list version; false if that version is already stored (nothing changes).
pub async fn insert_vendor_list(tx: &mut Tx, l: &VendorListRecord) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO tcf_vendor_lists (vendor_list_version, gvl_specification_version, tcf_policy_version, last_updated, vendors, \
         vendor_count, file_sha256, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (vendor_list_version) DO NOTHING",
    )
    .bind(l.vendor_list_version)
    .bind(l.gvl_specification_version)
    .bind(l.tcf_policy_version)
    .bind(&l.last_updated)
    .bind(&l.vendors)
    .bind(l.vendor_count)
    .bind(&l.file_sha256)
    .bind(format_timestamp(&l.uploaded_at))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// One vendor list version.
pub async fn vendor_list(tx: &mut Tx, version: i64) -> Result<Option<VendorListRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM tcf_vendor_lists WHERE vendor_list_version = $1").bind(version).fetch_optional(tx.conn()).await?;
    row.as_ref().map(vendor_list_from_row).transpose()
}

/// The stored versions, newest first, without their vendors (at most 1,000).
pub async fn vendor_lists(tx: &mut Tx) -> Result<Vec<VendorListRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT vendor_list_version, gvl_specification_version, tcf_policy_version, last_updated, '' AS vendors, vendor_count, \
         file_sha256, uploaded_at FROM tcf_vendor_lists ORDER BY vendor_list_version DESC LIMIT 1000",
    )
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(vendor_list_from_row).collect()
}

/// Signal rows (`signal_id`, `kind`, `signal_ct`) with their strings unsealed (none once the
/// subject was erased).
async fn opened(
    tx: &mut Tx,
    subject_id: &SubjectId,
    rows: &[sqlx::any::AnyRow],
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let key = crate::subjects::data_key(tx, subject_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id = crate::rows::text(r, "signal_id")?;
        let context = crate::sealed::context("consent_signals", &id, "signal");
        let text = crate::sealed::open(key.as_ref(), subject_id, &context, crate::rows::opt_bytes(r, "signal_ct")?.as_deref())?;
        out.push((id, crate::rows::text(r, "kind")?, text));
    }
    Ok(out)
}

//! Subjects: their sealed data, blind-indexed external ids, the flags the gate reads, and
//! crypto-shredding erasure.

use std::{collections::BTreeMap, fmt};

use custos_core::{DataCategory, DsrType, Jurisdiction, ObjectionScope, PurposeKey, SubjectId, Timestamp, format_timestamp};
use serde_json::Value;
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{AssertSqlSafe, any::AnyRow};

use crate::{StoreError, crypto::DataKey, rows::*, tx::Tx};

/// A subject to create.
pub struct NewSubject {
    /// New internal id.
    pub subject_id: SubjectId,
    /// The business's own identifier of the person (stored encrypted, found by blind index).
    pub external_id: String,
    /// Where the person is.
    pub jurisdiction: Jurisdiction,
    /// Personal data by category.
    pub data: BTreeMap<DataCategory, Value>,
    /// Whether a Global Privacy Control signal accompanied the creation.
    pub gpc: bool,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A stored subject, decrypted.
#[derive(Clone, PartialEq)]
pub struct SubjectRecord {
    /// Internal id.
    pub subject_id: SubjectId,
    /// The business's identifier; `None` once erased.
    pub external_id: Option<String>,
    /// Where the person is.
    pub jurisdiction: Jurisdiction,
    /// A Global Privacy Control signal was seen.
    pub gpc: bool,
    /// Processing is restricted (GDPR Art. 18).
    pub restricted: bool,
    /// Opted out of sale/sharing.
    pub opted_out_of_sale_or_share: bool,
    /// Objected to profiling.
    pub objection_profiling: bool,
    /// Objected to direct marketing.
    pub objection_direct_marketing: bool,
    /// Purposes objected to individually.
    pub objected_purposes: Vec<PurposeKey>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Erased (crypto-shredded), if it was.
    pub erased_at: Option<Timestamp>,
}

impl fmt::Debug for SubjectRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectRecord")
            .field("subject_id", &self.subject_id)
            .field("external_id", &self.external_id.as_ref().map(|_| "<redacted>"))
            .field("jurisdiction", &self.jurisdiction)
            .field("erased_at", &self.erased_at)
            .finish_non_exhaustive()
    }
}

/// Changes to a subject; `None` leaves a field as it is.
#[derive(Default)]
pub struct SubjectUpdate {
    /// New jurisdiction.
    pub jurisdiction: Option<Jurisdiction>,
    /// New GPC flag.
    pub gpc: Option<bool>,
    /// Values to set (`Some`) or delete (`None`).
    pub data: BTreeMap<DataCategory, Option<Value>>,
}

const SUBJECT_COLUMNS: &str = "subject_id, external_id_ct, jurisdiction, wrapped_key, gpc, restricted, opted_out_of_sale_or_share, \
     objection_profiling, objection_direct_marketing, created_at, updated_at, erased_at";

/// Creates a subject with a fresh data key; [`StoreError::Conflict`] if the external id is
/// taken.
pub async fn insert(tx: &mut Tx, s: &NewSubject) -> Result<(), StoreError> {
    let (key, wrapped) = tx.keyring().new_data_key(&s.subject_id)?;
    let digest = tx.keyring().external_id_digest(&s.external_id);
    let external_ct = key.seal(&s.subject_id, "external_id", s.external_id.as_bytes())?;
    let now = format_timestamp(&s.created_at);
    sqlx::query(
        "INSERT INTO subjects (subject_id, external_id_digest, external_id_ct, jurisdiction, wrapped_key, gpc, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(s.subject_id.to_string())
    .bind(digest)
    .bind(external_ct)
    .bind(s.jurisdiction.as_str())
    .bind(wrapped)
    .bind(b(s.gpc))
    .bind(&now)
    .execute(tx.conn())
    .await?;
    for (category, value) in &s.data {
        put_value(tx, &key, &s.subject_id, category, value, &now).await?;
    }
    Ok(())
}

pub(crate) async fn put_value(
    tx: &mut Tx,
    key: &DataKey,
    subject: &SubjectId,
    category: &DataCategory,
    value: &Value,
    now: &str,
) -> Result<(), StoreError> {
    let sealed = key.seal_value(subject, category, value)?;
    set_lookup(tx, subject, category, Some(value)).await?;
    sqlx::query(
        "INSERT INTO subject_data (subject_id, data_category, value_ct, collected_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (subject_id, data_category) DO UPDATE SET value_ct = excluded.value_ct, collected_at = excluded.collected_at",
    )
    .bind(subject.to_string())
    .bind(category.as_str())
    .bind(sealed)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The subject's data key, or `None` if the subject is unknown or erased.
pub async fn data_key(tx: &mut Tx, subject: &SubjectId) -> Result<Option<DataKey>, StoreError> {
    let wrapped: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT wrapped_key FROM subjects WHERE subject_id = $1")
        .bind(subject.to_string())
        .fetch_optional(tx.conn())
        .await?;
    match wrapped.flatten() {
        Some(w) => Ok(Some(tx.keyring().open_data_key(subject, &w)?)),
        None => Ok(None),
    }
}

pub(crate) async fn from_row(tx: &mut Tx, row: &AnyRow) -> Result<SubjectRecord, StoreError> {
    let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
    let external_id = match (opt_bytes(row, "wrapped_key")?, opt_bytes(row, "external_id_ct")?) {
        (Some(wrapped), Some(ct)) => {
            let key = tx.keyring().open_data_key(&subject_id, &wrapped)?;
            let plain = key.open(&subject_id, "external_id", &ct)?;
            Some(String::from_utf8(plain).map_err(|_| StoreError::Corrupt("external_id is not UTF-8".into()))?)
        }
        _ => None,
    };
    let objected: Vec<String> = sqlx::query_scalar("SELECT purpose FROM subject_objections WHERE subject_id = $1 ORDER BY purpose")
        .bind(subject_id.to_string())
        .fetch_all(tx.conn())
        .await?;
    Ok(SubjectRecord {
        subject_id,
        external_id,
        jurisdiction: Jurisdiction::parse(&text(row, "jurisdiction")?)?,
        gpc: flag(row, "gpc")?,
        restricted: flag(row, "restricted")?,
        opted_out_of_sale_or_share: flag(row, "opted_out_of_sale_or_share")?,
        objection_profiling: flag(row, "objection_profiling")?,
        objection_direct_marketing: flag(row, "objection_direct_marketing")?,
        objected_purposes: objected.iter().map(|p| PurposeKey::parse(p)).collect::<Result<_, _>>()?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        erased_at: opt_ts(row, "erased_at")?,
    })
}

/// The subject with this id.
pub async fn get(tx: &mut Tx, id: &SubjectId) -> Result<Option<SubjectRecord>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {SUBJECT_COLUMNS} FROM subjects WHERE subject_id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    match row {
        Some(row) => Ok(Some(from_row(tx, &row).await?)),
        None => Ok(None),
    }
}

/// The id of the subject with this external id (found through its blind index).
pub async fn id_by_external_id(tx: &mut Tx, external_id: &str) -> Result<Option<SubjectId>, StoreError> {
    let digest = tx.keyring().external_id_digest(external_id);
    let id: Option<String> =
        sqlx::query_scalar("SELECT subject_id FROM subjects WHERE external_id_digest = $1").bind(digest).fetch_optional(tx.conn()).await?;
    Ok(id.map(|i| SubjectId::parse(&i)).transpose()?)
}

/// Subjects in id (= creation) order, after `after`.
pub async fn page(tx: &mut Tx, after: Option<&SubjectId>, limit: u32) -> Result<Vec<SubjectRecord>, StoreError> {
    let after = after.map(ToString::to_string).unwrap_or_default();
    let rows =
        sqlx::query(AssertSqlSafe(format!("SELECT {SUBJECT_COLUMNS} FROM subjects WHERE subject_id > $1 ORDER BY subject_id LIMIT $2")))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(tx.conn())
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(from_row(tx, row).await?);
    }
    Ok(out)
}

/// The page of subjects just before `before` (in id order), for paging backwards.
pub async fn page_before(tx: &mut Tx, before: &SubjectId, limit: u32) -> Result<Vec<SubjectRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SUBJECT_COLUMNS} FROM subjects WHERE subject_id < $1 ORDER BY subject_id DESC LIMIT $2"
    )))
    .bind(before.to_string())
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows.iter().rev() {
        out.push(from_row(tx, row).await?);
    }
    Ok(out)
}

/// How many subjects come before `id` in id order (the position of a page).
pub async fn count_before(tx: &mut Tx, id: &SubjectId) -> Result<u64, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM subjects WHERE subject_id < $1").bind(id.to_string()).fetch_one(tx.conn()).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The data categories a subject holds values of (nothing is decrypted).
pub async fn categories(tx: &mut Tx, id: &SubjectId) -> Result<Vec<DataCategory>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar("SELECT data_category FROM subject_data WHERE subject_id = $1 ORDER BY data_category")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    names.iter().map(|n| Ok(DataCategory::parse(n)?)).collect()
}

/// How many subjects exist (erased ones included).
pub async fn count(tx: &mut Tx) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM subjects").fetch_one(tx.conn()).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Applies `update` to a live subject; [`StoreError::NotFound`] if unknown or erased.
pub async fn update(tx: &mut Tx, id: &SubjectId, update: &SubjectUpdate, now: &Timestamp) -> Result<(), StoreError> {
    let key = data_key(tx, id).await?.ok_or(StoreError::NotFound)?;
    let now = format_timestamp(now);
    let done = sqlx::query(
        "UPDATE subjects SET jurisdiction = COALESCE($2, jurisdiction), gpc = COALESCE($3, gpc), updated_at = $4 \
         WHERE subject_id = $1 AND erased_at IS NULL",
    )
    .bind(id.to_string())
    .bind(update.jurisdiction.as_ref().map(|j| j.as_str().to_owned()))
    .bind(update.gpc.map(b))
    .bind(&now)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    for (category, value) in &update.data {
        match value {
            Some(v) => put_value(tx, &key, id, category, v, &now).await?,
            None => {
                set_lookup(tx, id, category, None).await?;
                sqlx::query("DELETE FROM subject_data WHERE subject_id = $1 AND data_category = $2")
                    .bind(id.to_string())
                    .bind(category.as_str())
                    .execute(tx.conn())
                    .await?;
            }
        }
    }
    Ok(())
}

/// Sets the GPC flag of a subject; false if it was already set (nothing changed).
pub async fn set_gpc(tx: &mut Tx, id: &SubjectId, now: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE subjects SET gpc = 1, updated_at = $2 WHERE subject_id = $1 AND gpc = 0")
        .bind(id.to_string())
        .bind(format_timestamp(now))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records the effect of a completed restriction, objection or opt-out request.
pub async fn set_right(
    tx: &mut Tx,
    id: &SubjectId,
    right: DsrType,
    objection: Option<(ObjectionScope, Option<&PurposeKey>)>,
    now: &Timestamp,
) -> Result<(), StoreError> {
    let now_s = format_timestamp(now);
    let column = match (right, objection) {
        (DsrType::Restriction, _) => "restricted",
        (DsrType::OptOutOfSaleOrShare, _) => "opted_out_of_sale_or_share",
        (DsrType::Objection, Some((ObjectionScope::Profiling, _))) => "objection_profiling",
        (DsrType::Objection, Some((ObjectionScope::DirectMarketing, _))) => "objection_direct_marketing",
        (DsrType::Objection, Some((ObjectionScope::Purpose, Some(purpose)))) => {
            sqlx::query("INSERT INTO subject_objections (subject_id, purpose, created_at) VALUES ($1, $2, $3) ON CONFLICT (subject_id, purpose) DO NOTHING")
                .bind(id.to_string())
                .bind(purpose.as_str())
                .bind(&now_s)
                .execute(tx.conn())
                .await?;
            return Ok(());
        }
        _ => return Err(StoreError::Corrupt("request type has no stored effect".into())),
    };
    sqlx::query(AssertSqlSafe(format!("UPDATE subjects SET {column} = 1, updated_at = $2 WHERE subject_id = $1")))
        .bind(id.to_string())
        .bind(&now_s)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The categories held for a subject (no decryption needed).
pub async fn held_categories(tx: &mut Tx, id: &SubjectId) -> Result<Vec<DataCategory>, StoreError> {
    let keys: Vec<String> = sqlx::query_scalar("SELECT data_category FROM subject_data WHERE subject_id = $1 ORDER BY data_category")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    Ok(keys.iter().map(|k| DataCategory::parse(k)).collect::<Result<_, _>>()?)
}

/// The subject's data, decrypted, optionally only some categories. Empty once erased.
pub async fn data(tx: &mut Tx, id: &SubjectId, only: Option<&[DataCategory]>) -> Result<BTreeMap<DataCategory, Value>, StoreError> {
    let Some(key) = data_key(tx, id).await? else {
        return Ok(BTreeMap::new());
    };
    let rows = sqlx::query("SELECT data_category, value_ct FROM subject_data WHERE subject_id = $1")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let category = DataCategory::parse(&text(row, "data_category")?)?;
        if only.is_some_and(|only| !only.contains(&category)) {
            continue;
        }
        let sealed = opt_bytes(row, "value_ct")?.unwrap_or_default();
        out.insert(category.clone(), key.open_value(id, &category, &sealed)?);
    }
    Ok(out)
}

/// The raw ciphertexts of a subject's values (for tests proving crypto-shredding).
pub async fn ciphertexts(tx: &mut Tx, id: &SubjectId) -> Result<Vec<(DataCategory, Vec<u8>)>, StoreError> {
    let rows = sqlx::query("SELECT data_category, value_ct FROM subject_data WHERE subject_id = $1")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| Ok((DataCategory::parse(&text(r, "data_category")?)?, opt_bytes(r, "value_ct")?.unwrap_or_default()))).collect()
}

/// Crypto-shreds a subject: destroys its data key and removes or de-identifies every row
/// that held personal data. What stays (consent events, checks, decisions, requests) is
/// keyed by the random subject id only, which no longer leads to a person.
pub async fn erase(tx: &mut Tx, id: &SubjectId, now: &Timestamp) -> Result<(), StoreError> {
    let sid = id.to_string();
    let now = format_timestamp(now);
    for sql in [
        "DELETE FROM subject_data WHERE subject_id = $1",
        "DELETE FROM subject_lookups WHERE subject_id = $1",
        "DELETE FROM subject_objections WHERE subject_id = $1",
        "DELETE FROM privacy_sessions WHERE subject_id = $1",
        "DELETE FROM privacy_codes WHERE subject_id = $1",
        "DELETE FROM decision_explanations WHERE decision_id IN (SELECT decision_id FROM decisions WHERE subject_id = $1)",
        "UPDATE decisions SET features_ct = NULL, actual_ct = NULL, actual = NULL WHERE subject_id = $1",
        "UPDATE dsrs SET details_ct = NULL, extension_reason_ct = NULL, extension_reason = NULL, rejection_reason_ct = NULL, \
         rejection_reason = NULL WHERE subject_id = $1",
        "UPDATE consent_events SET source = NULL, source_ct = NULL WHERE subject_id = $1",
        "UPDATE dsr_notes SET note_ct = NULL WHERE dsr_id IN (SELECT dsr_id FROM dsrs WHERE subject_id = $1)",
        "UPDATE review_verdicts SET note_ct = NULL WHERE review_id IN (SELECT review_id FROM reviews WHERE subject_id = $1)",
    ] {
        sqlx::query(sql).bind(&sid).execute(tx.conn()).await?;
    }
    sqlx::query(
        "UPDATE subjects SET wrapped_key = NULL, external_id_ct = NULL, external_id_digest = NULL, gpc = 0, restricted = 0, \
         opted_out_of_sale_or_share = 0, objection_profiling = 0, objection_direct_marketing = 0, erased_at = $2, updated_at = $2 \
         WHERE subject_id = $1",
    )
    .bind(&sid)
    .bind(&now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// What a contact is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    /// `user.contact.email`, compared trimmed and in lower case.
    Email,
    /// `user.contact.phone_number`, compared as its digits (and a leading `+`).
    Phone,
}

impl ContactKind {
    fn of(category: &DataCategory) -> Option<Self> {
        match category.as_str() {
            "user.contact.email" => Some(Self::Email),
            "user.contact.phone_number" => Some(Self::Phone),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// The form compared: the same address or number however it was typed.
    pub fn normalize(self, value: &str) -> Option<String> {
        let v = value.trim();
        let out = match self {
            Self::Email => v.to_lowercase(),
            Self::Phone => {
                let plus = if v.starts_with('+') { "+" } else { "" };
                format!("{plus}{}", v.chars().filter(char::is_ascii_digit).collect::<String>())
            }
        };
        (out.len() > 3).then_some(out)
    }
}

/// Keeps the blind index of a subject's e-mail or phone in step with its value.
async fn set_lookup(tx: &mut Tx, subject: &SubjectId, category: &DataCategory, value: Option<&Value>) -> Result<(), StoreError> {
    let Some(kind) = ContactKind::of(category) else { return Ok(()) };
    sqlx::query("DELETE FROM subject_lookups WHERE subject_id = $1 AND kind = $2")
        .bind(subject.to_string())
        .bind(kind.name())
        .execute(tx.conn())
        .await?;
    let Some(normal) = value.and_then(Value::as_str).and_then(|v| kind.normalize(v)) else { return Ok(()) };
    let digest = tx.keyring().digest(&format!("subject-lookup/{}", kind.name()), normal.as_bytes()).to_vec();
    sqlx::query("INSERT INTO subject_lookups (subject_id, kind, digest) VALUES ($1, $2, $3)")
        .bind(subject.to_string())
        .bind(kind.name())
        .bind(digest)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The subjects whose e-mail or phone is `value` (normalized; at most 20).
pub async fn ids_by_contact(tx: &mut Tx, kind: ContactKind, value: &str) -> Result<Vec<SubjectId>, StoreError> {
    let Some(normal) = kind.normalize(value) else { return Ok(Vec::new()) };
    let digest = tx.keyring().digest(&format!("subject-lookup/{}", kind.name()), normal.as_bytes()).to_vec();
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT subject_id FROM subject_lookups WHERE kind = $1 AND digest = $2 ORDER BY subject_id LIMIT 20")
            .bind(kind.name())
            .bind(digest)
            .fetch_all(tx.conn())
            .await?;
    ids.iter().map(|i| Ok(SubjectId::parse(i)?)).collect()
}

/// Rebuilds the contact index of one subject from its sealed data (for subjects stored before
/// the index existed); false if the subject is erased or unknown.
pub async fn reindex_contacts(tx: &mut Tx, subject: &SubjectId) -> Result<bool, StoreError> {
    if data_key(tx, subject).await?.is_none() {
        return Ok(false);
    }
    let wanted = [DataCategory::parse("user.contact.email")?, DataCategory::parse("user.contact.phone_number")?];
    let values = data(tx, subject, Some(&wanted)).await?;
    for category in &wanted {
        set_lookup(tx, subject, category, values.get(category)).await?;
    }
    Ok(true)
}

//! Records and the queries that read and write them. Every method runs inside the [`Tx`] it
//! is called on; encryption and decryption of personal fields happen here, so callers only
//! ever see plaintext in memory and the database only ever sees ciphertext.

use std::{collections::BTreeMap, fmt};

use custos_core::{
    ApiKeyId, CheckId, ConsentStatus, DataCategory, DecisionId, DsrId, DsrStatus, DsrType, EventId, Jurisdiction, LegalBasis, Method,
    ObjectionScope, Purpose, PurposeKey, SubjectId, Timestamp, format_timestamp, parse_timestamp,
};
use serde_json::Value;
// Dynamic SQL below only splices column lists and placeholders from constants, never input.
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{
    StoreError,
    crypto::{DataKey, MasterKey, ROOT_SECRET_LABEL, dek_label},
    db::Tx,
};

pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String, StoreError> {
    row.try_get::<String, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    row.try_get::<Option<String>, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

pub(crate) fn opt_bytes(row: &AnyRow, col: &str) -> Result<Option<Vec<u8>>, StoreError> {
    row.try_get::<Option<Vec<u8>>, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn flag(row: &AnyRow, col: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))? != 0)
}

pub(crate) fn ts(row: &AnyRow, col: &str) -> Result<Timestamp, StoreError> {
    let s = text(row, col)?;
    parse_timestamp(&s).ok_or_else(|| StoreError::Corrupt(format!("{col}: not a timestamp")))
}

pub(crate) fn opt_ts(row: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    opt_text(row, col)?.map(|s| parse_timestamp(&s).ok_or_else(|| StoreError::Corrupt(format!("{col}: not a timestamp")))).transpose()
}

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T, StoreError> {
    serde_json::from_str(&text(row, col)?).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // INVARIANT: only plain data (strings, vectors, maps with string keys) is serialized here.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn b(v: bool) -> i64 {
    i64::from(v)
}

/// The columns of `gate_checks` in the order [`CheckColumns`] holds them.
pub(crate) const CHECK_COLUMNS: &str = "check_id, subject_id, purpose, requested, decision, reasons, released, gpc, key_id, checked_at";

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
        }
    }
}

/// The gate's one statement: the subject's flags, the consent and objection for the purpose,
/// and every sealed value (one row per value; `$1` subject id, `$2` purpose).
pub(crate) const GATE_FACTS_SQL: &str = "SELECT s.jurisdiction, s.erased_at, s.restricted, s.opted_out_sale_share, s.gpc, \
     s.objection_profiling, s.objection_direct_marketing, s.wrapped_key, \
     (SELECT c.status FROM consents c WHERE c.subject_id = s.subject_id AND c.purpose = $2) AS consent, \
     (SELECT COUNT(*) FROM subject_objections o WHERE o.subject_id = s.subject_id AND o.purpose = $2) AS objected, \
     d.data_category, d.value_ct \
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
    pub opted_out_sale_share: bool,
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
    /// The wrapped data key (absent once erased).
    pub(crate) wrapped_key: Option<Vec<u8>>,
}

/// A privacy notice: the text shown to subjects for one purpose, version and language.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The purpose it describes.
    pub purpose: PurposeKey,
    /// Version label, e.g. `2026-11`.
    pub version: String,
    /// BCP 47 language tag, e.g. `en`.
    pub language: String,
    /// The text shown.
    pub text: String,
    /// SHA-256 of the text, hex; stored with each consent as proof of what was shown.
    pub text_sha256: String,
    /// When it was published.
    pub created_at: Timestamp,
}

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
    pub opted_out_sale_share: bool,
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
}

/// A logged AI decision, decrypted.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    /// Id.
    pub decision_id: DecisionId,
    /// About whom.
    pub subject_id: SubjectId,
    /// Under which purpose.
    pub purpose: PurposeKey,
    /// The gate check that allowed the data use.
    pub check_id: Option<CheckId>,
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// What was decided.
    pub outcome: String,
    /// Model score.
    pub score: Option<f64>,
    /// The model's input features (personal data; encrypted at rest, gone after erasure).
    pub features: Option<Value>,
    /// Ground truth, once observed.
    pub actual: Option<String>,
    /// When the ground truth was observed.
    pub observed_at: Option<Timestamp>,
    /// The API key that logged it.
    pub key_id: Option<ApiKeyId>,
    /// When.
    pub created_at: Timestamp,
}

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
    /// Only this subject's.
    pub subject_id: Option<SubjectId>,
    /// At most this many (newest first).
    pub limit: u32,
}

/// A stored API key (the secret only as a hash).
#[derive(Clone, PartialEq)]
pub struct ApiKeyRecord {
    /// Public id.
    pub key_id: ApiKeyId,
    /// SHA-256 of the secret part.
    pub secret_sha256: Vec<u8>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Free-text label.
    pub label: String,
    /// Created.
    pub created_at: Timestamp,
    /// Revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyRecord").field("key_id", &self.key_id).field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

fn purpose_from_row(row: &AnyRow) -> Result<Purpose, StoreError> {
    Ok(Purpose {
        key: PurposeKey::parse(&text(row, "key")?)?,
        name: text(row, "name")?,
        legal_basis: LegalBasis::parse(&text(row, "legal_basis")?)?,
        data_categories: json(row, "data_categories")?,
        sale_or_share: flag(row, "sale_or_share")?,
        profiling: flag(row, "profiling")?,
        sensitive: flag(row, "sensitive")?,
        pseudonymize: flag(row, "pseudonymize")?,
        retention_days: u32::try_from(row.try_get::<i64, _>("retention_days").map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: ts(row, "created_at")?,
    })
}

fn notice_from_row(row: &AnyRow) -> Result<Notice, StoreError> {
    Ok(Notice {
        purpose: PurposeKey::parse(&text(row, "purpose")?)?,
        version: text(row, "version")?,
        language: text(row, "language")?,
        text: text(row, "text")?,
        text_sha256: text(row, "text_sha256")?,
        created_at: ts(row, "created_at")?,
    })
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
        captured_at: ts(row, "captured_at")?,
        recorded_at: ts(row, "recorded_at")?,
    })
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
    })
}

const SUBJECT_COLUMNS: &str = "subject_id, external_id_ct, jurisdiction, wrapped_key, gpc, restricted, opted_out_sale_share, \
     objection_profiling, objection_direct_marketing, created_at, updated_at, erased_at";
const DECISION_COLUMNS: &str = "decision_id, subject_id, purpose, check_id, model, model_version, outcome, score, features_ct, actual_ct, observed_at, key_id, created_at";
/// What the decision readers select: the columns, and the plaintext `actual` of rows written
/// before it was sealed (empty once the store has converted them).
const DECISION_READ_COLUMNS: &str = "decision_id, subject_id, purpose, check_id, model, model_version, outcome, score, features_ct, \
     actual_ct, actual, observed_at, key_id, created_at";
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

impl Tx {
    // ----- purposes and notices -------------------------------------------------------------

    /// Declares a purpose; [`StoreError::Conflict`] if the key exists.
    pub async fn insert_purpose(&mut self, p: &Purpose) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO purposes (key, name, legal_basis, data_categories, sale_or_share, profiling, sensitive, pseudonymize, \
             retention_days, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(p.key.as_str())
        .bind(&p.name)
        .bind(p.legal_basis.as_str())
        .bind(to_json(&p.data_categories))
        .bind(b(p.sale_or_share))
        .bind(b(p.profiling))
        .bind(b(p.sensitive))
        .bind(b(p.pseudonymize))
        .bind(i64::from(p.retention_days))
        .bind(format_timestamp(&p.created_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The purpose with this key.
    pub async fn purpose(&mut self, key: &str) -> Result<Option<Purpose>, StoreError> {
        let row = sqlx::query("SELECT * FROM purposes WHERE key = $1").bind(key).fetch_optional(self.conn()).await?;
        row.as_ref().map(purpose_from_row).transpose()
    }

    /// Every purpose, by key.
    pub async fn purposes(&mut self) -> Result<Vec<Purpose>, StoreError> {
        let rows = sqlx::query("SELECT * FROM purposes ORDER BY key").fetch_all(self.conn()).await?;
        rows.iter().map(purpose_from_row).collect()
    }

    /// Publishes a notice version; [`StoreError::Conflict`] if that version and language exist.
    pub async fn insert_notice(&mut self, n: &Notice) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO notices (purpose, version, language, text, text_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(n.purpose.as_str())
            .bind(&n.version)
            .bind(&n.language)
            .bind(&n.text)
            .bind(&n.text_sha256)
            .bind(format_timestamp(&n.created_at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Notices, optionally of one purpose, oldest first.
    pub async fn notices(&mut self, purpose: Option<&PurposeKey>) -> Result<Vec<Notice>, StoreError> {
        let rows = match purpose {
            Some(p) => {
                sqlx::query("SELECT * FROM notices WHERE purpose = $1 ORDER BY created_at, version, language")
                    .bind(p.as_str())
                    .fetch_all(self.conn())
                    .await?
            }
            None => sqlx::query("SELECT * FROM notices ORDER BY purpose, created_at, version, language").fetch_all(self.conn()).await?,
        };
        rows.iter().map(notice_from_row).collect()
    }

    /// The notices of one purpose and version (one per language).
    pub async fn notice_versions(&mut self, purpose: &PurposeKey, version: &str) -> Result<Vec<Notice>, StoreError> {
        let rows = sqlx::query("SELECT * FROM notices WHERE purpose = $1 AND version = $2 ORDER BY language")
            .bind(purpose.as_str())
            .bind(version)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(notice_from_row).collect()
    }

    // ----- subjects --------------------------------------------------------------------------

    /// Creates a subject with a fresh data key; [`StoreError::Conflict`] if the external id is
    /// taken.
    pub async fn insert_subject(&mut self, s: &NewSubject) -> Result<(), StoreError> {
        let (key, wrapped) = self.keyring.new_data_key(&s.subject_id)?;
        let digest = self.keyring.external_id_digest(&s.external_id);
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
        .execute(self.conn())
        .await?;
        for (category, value) in &s.data {
            self.put_value(&key, &s.subject_id, category, value, &now).await?;
        }
        Ok(())
    }

    async fn put_value(
        &mut self,
        key: &DataKey,
        subject: &SubjectId,
        category: &DataCategory,
        value: &Value,
        now: &str,
    ) -> Result<(), StoreError> {
        let sealed = key.seal_value(subject, category, value)?;
        sqlx::query(
            "INSERT INTO subject_data (subject_id, data_category, value_ct, collected_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (subject_id, data_category) DO UPDATE SET value_ct = excluded.value_ct, collected_at = excluded.collected_at",
        )
        .bind(subject.to_string())
        .bind(category.as_str())
        .bind(sealed)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The subject's data key, or `None` if the subject is unknown or erased.
    pub async fn data_key(&mut self, subject: &SubjectId) -> Result<Option<DataKey>, StoreError> {
        let wrapped: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT wrapped_key FROM subjects WHERE subject_id = $1")
            .bind(subject.to_string())
            .fetch_optional(self.conn())
            .await?;
        match wrapped.flatten() {
            Some(w) => Ok(Some(self.keyring.open_data_key(subject, &w)?)),
            None => Ok(None),
        }
    }

    async fn subject_from_row(&mut self, row: &AnyRow) -> Result<SubjectRecord, StoreError> {
        let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
        let external_id = match (opt_bytes(row, "wrapped_key")?, opt_bytes(row, "external_id_ct")?) {
            (Some(wrapped), Some(ct)) => {
                let key = self.keyring.open_data_key(&subject_id, &wrapped)?;
                let plain = key.open(&subject_id, "external_id", &ct)?;
                Some(String::from_utf8(plain).map_err(|_| StoreError::Corrupt("external_id is not UTF-8".into()))?)
            }
            _ => None,
        };
        let objected: Vec<String> = sqlx::query_scalar("SELECT purpose FROM subject_objections WHERE subject_id = $1 ORDER BY purpose")
            .bind(subject_id.to_string())
            .fetch_all(self.conn())
            .await?;
        Ok(SubjectRecord {
            subject_id,
            external_id,
            jurisdiction: Jurisdiction::parse(&text(row, "jurisdiction")?)?,
            gpc: flag(row, "gpc")?,
            restricted: flag(row, "restricted")?,
            opted_out_sale_share: flag(row, "opted_out_sale_share")?,
            objection_profiling: flag(row, "objection_profiling")?,
            objection_direct_marketing: flag(row, "objection_direct_marketing")?,
            objected_purposes: objected.iter().map(|p| PurposeKey::parse(p)).collect::<Result<_, _>>()?,
            created_at: ts(row, "created_at")?,
            updated_at: ts(row, "updated_at")?,
            erased_at: opt_ts(row, "erased_at")?,
        })
    }

    /// The subject with this id.
    pub async fn subject(&mut self, id: &SubjectId) -> Result<Option<SubjectRecord>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {SUBJECT_COLUMNS} FROM subjects WHERE subject_id = $1")))
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?;
        match row {
            Some(row) => Ok(Some(self.subject_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    /// The id of the subject with this external id (found through its blind index).
    pub async fn subject_id_by_external_id(&mut self, external_id: &str) -> Result<Option<SubjectId>, StoreError> {
        let digest = self.keyring.external_id_digest(external_id);
        let id: Option<String> = sqlx::query_scalar("SELECT subject_id FROM subjects WHERE external_id_digest = $1")
            .bind(digest)
            .fetch_optional(self.conn())
            .await?;
        Ok(id.map(|i| SubjectId::parse(&i)).transpose()?)
    }

    /// The gate's facts about a subject and purpose, with the subject's sealed values, in one
    /// statement; `None` if no such subject.
    pub async fn gate_facts(&mut self, id: &SubjectId, purpose: &str) -> Result<Option<GateRead>, StoreError> {
        let rows = sqlx::query(GATE_FACTS_SQL).bind(id.to_string()).bind(purpose).fetch_all(self.conn()).await?;
        let Some(row) = rows.first() else { return Ok(None) };
        let facts = GateFacts {
            jurisdiction: Jurisdiction::parse(&text(row, "jurisdiction")?)?,
            erased: opt_text(row, "erased_at")?.is_some(),
            restricted: flag(row, "restricted")?,
            opted_out_sale_share: flag(row, "opted_out_sale_share")?,
            gpc: flag(row, "gpc")?,
            objection_profiling: flag(row, "objection_profiling")?,
            objection_direct_marketing: flag(row, "objection_direct_marketing")?,
            objection_purpose: flag(row, "objected")?,
            consent: opt_text(row, "consent")?.map(|c| ConsentStatus::parse(&c)).transpose()?,
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

    /// Subjects in id (= creation) order, after `after`.
    pub async fn subjects(&mut self, after: Option<&SubjectId>, limit: u32) -> Result<Vec<SubjectRecord>, StoreError> {
        let after = after.map(ToString::to_string).unwrap_or_default();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SUBJECT_COLUMNS} FROM subjects WHERE subject_id > $1 ORDER BY subject_id LIMIT $2"
        )))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.subject_from_row(row).await?);
        }
        Ok(out)
    }

    /// How many subjects exist (erased ones included).
    pub async fn count_subjects(&mut self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM subjects").fetch_one(self.conn()).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Applies `update` to a live subject; [`StoreError::NotFound`] if unknown or erased.
    pub async fn update_subject(&mut self, id: &SubjectId, update: &SubjectUpdate, now: &Timestamp) -> Result<(), StoreError> {
        let key = self.data_key(id).await?.ok_or(StoreError::NotFound)?;
        let now = format_timestamp(now);
        let done = sqlx::query(
            "UPDATE subjects SET jurisdiction = COALESCE($2, jurisdiction), gpc = COALESCE($3, gpc), updated_at = $4 \
             WHERE subject_id = $1 AND erased_at IS NULL",
        )
        .bind(id.to_string())
        .bind(update.jurisdiction.as_ref().map(|j| j.as_str().to_owned()))
        .bind(update.gpc.map(b))
        .bind(&now)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        for (category, value) in &update.data {
            match value {
                Some(v) => self.put_value(&key, id, category, v, &now).await?,
                None => {
                    sqlx::query("DELETE FROM subject_data WHERE subject_id = $1 AND data_category = $2")
                        .bind(id.to_string())
                        .bind(category.as_str())
                        .execute(self.conn())
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Sets the GPC flag of a subject.
    pub async fn set_gpc(&mut self, id: &SubjectId, now: &Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE subjects SET gpc = 1, updated_at = $2 WHERE subject_id = $1 AND gpc = 0")
            .bind(id.to_string())
            .bind(format_timestamp(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records the effect of a completed restriction, objection or opt-out request.
    pub async fn set_subject_right(
        &mut self,
        id: &SubjectId,
        right: DsrType,
        objection: Option<(ObjectionScope, Option<&PurposeKey>)>,
        now: &Timestamp,
    ) -> Result<(), StoreError> {
        let now_s = format_timestamp(now);
        let column = match (right, objection) {
            (DsrType::Restriction, _) => "restricted",
            (DsrType::OptOutSaleShare, _) => "opted_out_sale_share",
            (DsrType::Objection, Some((ObjectionScope::Profiling, _))) => "objection_profiling",
            (DsrType::Objection, Some((ObjectionScope::DirectMarketing, _))) => "objection_direct_marketing",
            (DsrType::Objection, Some((ObjectionScope::Purpose, Some(purpose)))) => {
                sqlx::query("INSERT INTO subject_objections (subject_id, purpose, created_at) VALUES ($1, $2, $3) ON CONFLICT (subject_id, purpose) DO NOTHING")
                    .bind(id.to_string())
                    .bind(purpose.as_str())
                    .bind(&now_s)
                    .execute(self.conn())
                    .await?;
                return Ok(());
            }
            _ => return Err(StoreError::Corrupt("request type has no stored effect".into())),
        };
        sqlx::query(AssertSqlSafe(format!("UPDATE subjects SET {column} = 1, updated_at = $2 WHERE subject_id = $1")))
            .bind(id.to_string())
            .bind(&now_s)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The categories held for a subject (no decryption needed).
    pub async fn held_categories(&mut self, id: &SubjectId) -> Result<Vec<DataCategory>, StoreError> {
        let keys: Vec<String> = sqlx::query_scalar("SELECT data_category FROM subject_data WHERE subject_id = $1 ORDER BY data_category")
            .bind(id.to_string())
            .fetch_all(self.conn())
            .await?;
        Ok(keys.iter().map(|k| DataCategory::parse(k)).collect::<Result<_, _>>()?)
    }

    /// The subject's data, decrypted, optionally only some categories. Empty once erased.
    pub async fn subject_data(
        &mut self,
        id: &SubjectId,
        only: Option<&[DataCategory]>,
    ) -> Result<BTreeMap<DataCategory, Value>, StoreError> {
        let Some(key) = self.data_key(id).await? else {
            return Ok(BTreeMap::new());
        };
        let rows = sqlx::query("SELECT data_category, value_ct FROM subject_data WHERE subject_id = $1")
            .bind(id.to_string())
            .fetch_all(self.conn())
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
    pub async fn subject_ciphertexts(&mut self, id: &SubjectId) -> Result<Vec<(DataCategory, Vec<u8>)>, StoreError> {
        let rows = sqlx::query("SELECT data_category, value_ct FROM subject_data WHERE subject_id = $1")
            .bind(id.to_string())
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| Ok((DataCategory::parse(&text(r, "data_category")?)?, opt_bytes(r, "value_ct")?.unwrap_or_default()))).collect()
    }

    /// Crypto-shreds a subject: destroys its data key and removes or de-identifies every row
    /// that held personal data. What stays (consent events, checks, decisions, requests) is
    /// keyed by the random subject id only, which no longer leads to a person.
    pub async fn erase_subject(&mut self, id: &SubjectId, now: &Timestamp) -> Result<(), StoreError> {
        let sid = id.to_string();
        let now = format_timestamp(now);
        for sql in [
            "DELETE FROM subject_data WHERE subject_id = $1",
            "DELETE FROM subject_objections WHERE subject_id = $1",
            "DELETE FROM privacy_sessions WHERE subject_id = $1",
            "DELETE FROM privacy_codes WHERE subject_id = $1",
            "DELETE FROM decision_explanations WHERE decision_id IN (SELECT decision_id FROM decisions WHERE subject_id = $1)",
            "UPDATE decisions SET features_ct = NULL, actual_ct = NULL, actual = NULL WHERE subject_id = $1",
            "UPDATE dsr SET details_ct = NULL, extension_reason_ct = NULL, extension_reason = NULL, rejection_reason_ct = NULL, \
             rejection_reason = NULL WHERE subject_id = $1",
            "UPDATE consent_events SET source = NULL, source_ct = NULL WHERE subject_id = $1",
        ] {
            sqlx::query(sql).bind(&sid).execute(self.conn()).await?;
        }
        sqlx::query(
            "UPDATE subjects SET wrapped_key = NULL, external_id_ct = NULL, external_id_digest = NULL, gpc = 0, restricted = 0, \
             opted_out_sale_share = 0, objection_profiling = 0, objection_direct_marketing = 0, erased_at = $2, updated_at = $2 \
             WHERE subject_id = $1",
        )
        .bind(&sid)
        .bind(&now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Re-wraps every subject data key and the root secret under `new_master`, and records
    /// its id. Returns how many keys were re-wrapped.
    pub(crate) async fn rewrap_all(&mut self, new_master: &MasterKey) -> Result<u64, StoreError> {
        let rows = sqlx::query("SELECT subject_id, wrapped_key FROM subjects WHERE wrapped_key IS NOT NULL").fetch_all(self.conn()).await?;
        let mut count = 0;
        for row in &rows {
            let subject = SubjectId::parse(&text(row, "subject_id")?)?;
            let wrapped = opt_bytes(row, "wrapped_key")?.unwrap_or_default();
            let key = self.keyring.open_data_key(&subject, &wrapped)?;
            let rewrapped = new_master.wrap(&dek_label(&subject), key.bytes())?;
            sqlx::query("UPDATE subjects SET wrapped_key = $2 WHERE subject_id = $1")
                .bind(subject.to_string())
                .bind(rewrapped)
                .execute(self.conn())
                .await?;
            count += 1;
        }
        let root = new_master.wrap(ROOT_SECRET_LABEL, self.keyring.root())?;
        let ledger_key: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT value FROM meta WHERE name = 'ledger_signing_key'").fetch_optional(self.conn()).await?;
        if let Some(wrapped) = ledger_key {
            let seed = zeroize::Zeroizing::new(self.keyring.master().unwrap_key(crate::crypto::LEDGER_KEY_LABEL, &wrapped)?);
            let rewrapped = new_master.wrap(crate::crypto::LEDGER_KEY_LABEL, &seed)?;
            sqlx::query("UPDATE meta SET value = $1 WHERE name = 'ledger_signing_key'").bind(rewrapped).execute(self.conn()).await?;
            count += 1;
        }
        sqlx::query("UPDATE meta SET value = $1 WHERE name = 'root_secret'").bind(root).execute(self.conn()).await?;
        sqlx::query("UPDATE meta SET value = $1 WHERE name = 'master_key_id'")
            .bind(new_master.key_id().into_bytes())
            .execute(self.conn())
            .await?;
        Ok(count + 1)
    }

    // ----- consent ---------------------------------------------------------------------------

    /// Appends a consent event and moves the current state if the event is the latest
    /// captured one (events may arrive out of order).
    pub async fn insert_consent_event(&mut self, e: &ConsentEvent) -> Result<(), StoreError> {
        let captured = format_timestamp(&e.captured_at);
        let source_ct = match &e.source {
            Some(source) => {
                let key = self.data_key(&e.subject_id).await?;
                let context = crate::sealed::context("consent_events", &e.event_id.to_string(), "source");
                crate::sealed::seal(key.as_ref(), &e.subject_id, &context, Some(source))?
            }
            None => None,
        };
        sqlx::query(
            "INSERT INTO consent_events (event_id, subject_id, purpose, status, method, notice_version, notice_language, \
             notice_text_sha256, source_ct, gpc, captured_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO consents (subject_id, purpose, status, event_id, captured_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (subject_id, purpose) DO UPDATE SET status = excluded.status, event_id = excluded.event_id, \
             captured_at = excluded.captured_at WHERE excluded.captured_at >= consents.captured_at",
        )
        .bind(e.subject_id.to_string())
        .bind(e.purpose.as_str())
        .bind(e.status.as_str())
        .bind(e.event_id.to_string())
        .bind(&captured)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The current consent state for one purpose.
    pub async fn current_consent(&mut self, subject: &SubjectId, purpose: &PurposeKey) -> Result<Option<ConsentStatus>, StoreError> {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM consents WHERE subject_id = $1 AND purpose = $2")
            .bind(subject.to_string())
            .bind(purpose.as_str())
            .fetch_optional(self.conn())
            .await?;
        Ok(status.map(|s| ConsentStatus::parse(&s)).transpose()?)
    }

    /// The current consent state per purpose.
    pub async fn consents(&mut self, subject: &SubjectId) -> Result<Vec<ConsentState>, StoreError> {
        let rows = sqlx::query("SELECT purpose, status, event_id, captured_at FROM consents WHERE subject_id = $1 ORDER BY purpose")
            .bind(subject.to_string())
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ConsentState {
                    purpose: PurposeKey::parse(&text(r, "purpose")?)?,
                    status: ConsentStatus::parse(&text(r, "status")?)?,
                    event_id: EventId::parse(&text(r, "event_id")?)?,
                    captured_at: ts(r, "captured_at")?,
                })
            })
            .collect()
    }

    /// Every consent event of a subject, in capture order.
    pub async fn consent_history(&mut self, subject: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError> {
        let rows = sqlx::query("SELECT * FROM consent_events WHERE subject_id = $1 ORDER BY captured_at, recorded_at")
            .bind(subject.to_string())
            .fetch_all(self.conn())
            .await?;
        let key = self.data_key(subject).await?;
        rows.iter().map(|r| consent_event_from_row(r, key.as_ref())).collect()
    }

    // ----- gate checks -----------------------------------------------------------------------

    /// Persists many gate checks with one multi-row statement (the check appender's batches).
    pub async fn insert_checks(&mut self, checks: &[CheckRecord]) -> Result<(), StoreError> {
        if checks.is_empty() {
            return Ok(());
        }
        let sql = format!("INSERT INTO gate_checks ({CHECK_COLUMNS}) VALUES {}", self.values_list(checks.len(), 10));
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
                .bind(c.checked_at);
        }
        q.execute(self.conn()).await?;
        Ok(())
    }

    /// One gate check.
    pub async fn check(&mut self, id: &CheckId) -> Result<Option<CheckRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM gate_checks WHERE check_id = $1").bind(id.to_string()).fetch_optional(self.conn()).await?;
        row.as_ref().map(check_from_row).transpose()
    }

    /// A subject's gate checks, newest first. `indexed` comes from [`crate::Store::indexed_checks`]:
    /// on SQLite the indexed rowids plus a scan of the rows after the index's high-water mark.
    pub async fn checks_for_subject(
        &mut self,
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
                .fetch_all(self.conn())
                .await?
            }
            None => {
                sqlx::query("SELECT * FROM gate_checks WHERE subject_id = $1 ORDER BY checked_at DESC LIMIT $2")
                    .bind(subject.to_string())
                    .bind(i64::from(limit))
                    .fetch_all(self.conn())
                    .await?
            }
        };
        rows.iter().map(check_from_row).collect()
    }

    // ----- decisions -------------------------------------------------------------------------

    /// Logs a decision; its features are encrypted under the subject's key.
    pub async fn insert_decision(&mut self, d: &DecisionRecord) -> Result<(), StoreError> {
        let key = if d.features.is_some() || d.actual.is_some() { self.data_key(&d.subject_id).await? } else { None };
        let features_ct = match &d.features {
            Some(f) => {
                let key = key.as_ref().ok_or(StoreError::NotFound)?;
                let bytes = serde_json::to_vec(f).map_err(|_| StoreError::Crypto("features are not serializable"))?;
                Some(key.seal(&d.subject_id, &format!("decision/{}", d.decision_id), &bytes)?)
            }
            None => None,
        };
        let actual_ct = crate::sealed::seal(
            key.as_ref(),
            &d.subject_id,
            &crate::sealed::context("decisions", &d.decision_id.to_string(), "actual"),
            d.actual.as_deref(),
        )?;
        let postgres = self.conn.backend_name() == "PostgreSQL";
        let score_param = if postgres { "CAST($8 AS DOUBLE PRECISION)" } else { "$8" };
        let query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO decisions ({DECISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, {score_param}, $9, $10, $11, $12, $13)"
        )))
        .bind(d.decision_id.to_string())
        .bind(d.subject_id.to_string())
        .bind(d.purpose.as_str())
        .bind(d.check_id.map(|c| c.to_string()))
        .bind(&d.model)
        .bind(&d.model_version)
        .bind(&d.outcome);
        // On PostgreSQL the score travels as text and is cast in SQL: sqlx 0.9's `Any` driver
        // binds a null `f64` as `float4`, the statement cache keeps that type, and the next
        // non-null score (8 bytes) was refused as "incorrect binary data format" (a 500).
        // Rust's shortest round-trip formatting and PostgreSQL's parser keep every bit.
        let query = if postgres { query.bind(d.score.map(|s| s.to_string())) } else { query.bind(d.score) };
        query
            .bind(features_ct)
            .bind(actual_ct)
            .bind(d.observed_at.as_ref().map(format_timestamp))
            .bind(d.key_id.map(|k| k.to_string()))
            .bind(format_timestamp(&d.created_at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records the observed outcome of a decision; false if there is no such decision.
    /// The outcome is sealed under the subject's key; for an erased subject only the time is
    /// kept.
    pub async fn set_decision_outcome(&mut self, id: &DecisionId, actual: &str, observed_at: &Timestamp) -> Result<bool, StoreError> {
        let subject: Option<String> = sqlx::query_scalar("SELECT subject_id FROM decisions WHERE decision_id = $1")
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?;
        let Some(subject) = subject else { return Ok(false) };
        let subject = SubjectId::parse(&subject)?;
        let key = self.data_key(&subject).await?;
        let actual_ct =
            crate::sealed::seal(key.as_ref(), &subject, &crate::sealed::context("decisions", &id.to_string(), "actual"), Some(actual))?;
        let done = sqlx::query("UPDATE decisions SET actual_ct = $2, actual = NULL, observed_at = $3 WHERE decision_id = $1")
            .bind(id.to_string())
            .bind(actual_ct)
            .bind(format_timestamp(observed_at))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn decisions_from_rows(&mut self, rows: Vec<AnyRow>) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut keys = crate::sealed::SubjectKeys::default();
        let subjects: Vec<SubjectId> =
            rows.iter().map(|r| Ok(SubjectId::parse(&text(r, "subject_id")?)?)).collect::<Result<_, StoreError>>()?;
        keys.load(self, &subjects).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let decision_id = DecisionId::parse(&text(row, "decision_id")?)?;
            let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
            let key = keys.loaded(&subject_id);
            let features = match (opt_bytes(row, "features_ct")?, key) {
                (Some(ct), Some(key)) => {
                    let bytes = key.open(&subject_id, &format!("decision/{decision_id}"), &ct)?;
                    Some(serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("features are not JSON".into()))?)
                }
                _ => None,
            };
            let actual = match opt_bytes(row, "actual_ct")? {
                Some(ct) => crate::sealed::open(
                    key,
                    &subject_id,
                    &crate::sealed::context("decisions", &decision_id.to_string(), "actual"),
                    Some(&ct),
                )?,
                None => opt_text(row, "actual")?,
            };
            out.push(DecisionRecord {
                decision_id,
                subject_id,
                purpose: PurposeKey::parse(&text(row, "purpose")?)?,
                check_id: opt_text(row, "check_id")?.map(|c| CheckId::parse(&c)).transpose()?,
                model: text(row, "model")?,
                model_version: text(row, "model_version")?,
                outcome: text(row, "outcome")?,
                score: row.try_get::<Option<f64>, _>("score").map_err(|e| StoreError::Corrupt(e.to_string()))?,
                features,
                actual,
                observed_at: opt_ts(row, "observed_at")?,
                key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
                created_at: ts(row, "created_at")?,
            });
        }
        Ok(out)
    }

    /// One decision.
    pub async fn decision(&mut self, id: &DecisionId) -> Result<Option<DecisionRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!("SELECT {DECISION_READ_COLUMNS} FROM decisions WHERE decision_id = $1")))
            .bind(id.to_string())
            .fetch_all(self.conn())
            .await?;
        Ok(self.decisions_from_rows(rows).await?.into_iter().next())
    }

    /// Decisions, newest first, optionally only one purpose, model and outcome.
    pub async fn decisions(
        &mut self,
        purpose: Option<&str>,
        model: Option<&str>,
        outcome: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut clauses = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        for (column, value) in [("purpose", purpose), ("model", model), ("outcome", outcome)] {
            if let Some(v) = value {
                binds.push(v.to_owned());
                clauses.push(format!("{column} = ${}", binds.len()));
            }
        }
        let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let sql = format!(
            "SELECT {DECISION_READ_COLUMNS} FROM decisions {filter} ORDER BY created_at DESC, decision_id DESC LIMIT {}",
            limit.max(1)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.conn()).await?;
        self.decisions_from_rows(rows).await
    }

    /// A subject's decisions, newest first.
    pub async fn decisions_for_subject(&mut self, subject: &SubjectId, limit: u32) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DECISION_READ_COLUMNS} FROM decisions WHERE subject_id = $1 ORDER BY created_at DESC LIMIT $2"
        )))
        .bind(subject.to_string())
        .bind(i64::from(limit))
        .fetch_all(self.conn())
        .await?;
        self.decisions_from_rows(rows).await
    }

    // ----- data-subject requests -------------------------------------------------------------

    /// Files a request; its details are encrypted under the subject's key.
    pub async fn insert_dsr(&mut self, d: &DsrRecord) -> Result<(), StoreError> {
        let key = self.data_key(&d.subject_id).await?;
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
            "INSERT INTO dsr ({DSR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
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
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces a request's mutable fields, but only if it is still in status `expected`
    /// (so two concurrent transitions cannot both win). Returns whether it was updated.
    pub async fn update_dsr(&mut self, d: &DsrRecord, expected: DsrStatus) -> Result<bool, StoreError> {
        let key = self.data_key(&d.subject_id).await?;
        let (extension_ct, rejection_ct) = seal_reasons(key.as_ref(), d)?;
        let done = sqlx::query(
            "UPDATE dsr SET status = $3, due_at = $4, verified_at = $5, verification_method = $6, verified_by = $7, extended_at = $8, \
             extension_reason_ct = $9, extension_reason = NULL, closed_at = $10, rejection_reason_ct = $11, rejection_reason = NULL, \
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
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn dsrs_from_rows(&mut self, rows: Vec<AnyRow>) -> Result<Vec<DsrRecord>, StoreError> {
        let mut keys = crate::sealed::SubjectKeys::default();
        let subjects: Vec<SubjectId> =
            rows.iter().map(|r| Ok(SubjectId::parse(&text(r, "subject_id")?)?)).collect::<Result<_, StoreError>>()?;
        keys.load(self, &subjects).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let dsr_id = DsrId::parse(&text(row, "dsr_id")?)?;
            let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
            let key = keys.loaded(&subject_id);
            let details = match (opt_bytes(row, "details_ct")?, key) {
                (Some(ct), Some(key)) => {
                    let bytes = key.open(&subject_id, &format!("dsr/{dsr_id}"), &ct)?;
                    Some(serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("details are not JSON".into()))?)
                }
                _ => None,
            };
            let reason = |field: &str| -> Result<Option<String>, StoreError> {
                match opt_bytes(row, &format!("{field}_ct"))? {
                    Some(ct) => {
                        crate::sealed::open(key, &subject_id, &crate::sealed::context("dsr", &dsr_id.to_string(), field), Some(&ct))
                    }
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

    /// One request.
    pub async fn dsr(&mut self, id: &DsrId) -> Result<Option<DsrRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!("SELECT {DSR_READ_COLUMNS} FROM dsr WHERE dsr_id = $1")))
            .bind(id.to_string())
            .fetch_all(self.conn())
            .await?;
        Ok(self.dsrs_from_rows(rows).await?.into_iter().next())
    }

    /// Requests matching `filter`, newest first (overdue: most overdue first).
    pub async fn dsrs(&mut self, filter: &DsrFilter) -> Result<Vec<DsrRecord>, StoreError> {
        let mut sql = format!("SELECT {DSR_READ_COLUMNS} FROM dsr WHERE 1 = 1");
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
        if filter.overdue_at.is_some() {
            sql += &format!(" AND status IN ('pending_verification', 'verified', 'extended') AND due_at < {}", next());
            sql += " ORDER BY due_at";
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
        if let Some(t) = filter.overdue_at {
            q = q.bind(format_timestamp(&t));
        }
        let rows = q.bind(i64::from(filter.limit.max(1))).fetch_all(self.conn()).await?;
        self.dsrs_from_rows(rows).await
    }

    // ----- retention -------------------------------------------------------------------------

    /// The distinct data categories held for anyone.
    ///
    /// A skip scan of the `(data_category, collected_at)` index: one lookup per category, not
    /// a pass over every stored value (`SELECT DISTINCT` read all 400,000 index entries of the
    /// 100,000-subject demo, 2 s on a cold cache, while holding SQLite's one writer at start-up).
    pub async fn held_categories_all(&mut self) -> Result<Vec<DataCategory>, StoreError> {
        let keys: Vec<String> = sqlx::query_scalar(
            "WITH RECURSIVE held (category) AS ( \
                 SELECT MIN(data_category) FROM subject_data \
                 UNION ALL \
                 SELECT (SELECT MIN(data_category) FROM subject_data WHERE data_category > held.category) FROM held \
                 WHERE held.category IS NOT NULL) \
             SELECT category FROM held WHERE category IS NOT NULL ORDER BY category",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(keys.iter().map(|k| DataCategory::parse(k)).collect::<Result<_, _>>()?)
    }

    /// Deletes the values of `category` collected before `cutoff`; returns how many.
    pub async fn expire_category(&mut self, category: &DataCategory, cutoff: &Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM subject_data WHERE data_category = $1 AND collected_at < $2")
            .bind(category.as_str())
            .bind(format_timestamp(cutoff))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    // ----- API keys --------------------------------------------------------------------------

    /// Stores a new API key (hash only).
    pub async fn insert_api_key(&mut self, k: &ApiKeyRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_keys (key_id, secret_sha256, scopes, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(k.key_id.to_string())
            .bind(k.secret_sha256.clone())
            .bind(k.scopes.join(" "))
            .bind(&k.label)
            .bind(format_timestamp(&k.created_at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The `(purpose, entity type)` pairs the PII vault holds tokens for: the domains in which
    /// a subject's values may have been tokenized.
    pub async fn vault_domains(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT purpose, entity_type FROM pii_vault").fetch_all(self.conn()).await?;
        rows.iter().map(|r| Ok((text(r, "purpose")?, text(r, "entity_type")?))).collect()
    }

    /// Deletes the vault entries of `tokens`; returns how many there were.
    pub async fn vault_delete(&mut self, tokens: &[String]) -> Result<u64, StoreError> {
        let mut removed = 0;
        for chunk in tokens.chunks(500) {
            let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("DELETE FROM pii_vault WHERE token IN ({placeholders})");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for token in chunk {
                q = q.bind(token.clone());
            }
            removed += q.execute(self.conn()).await?.rows_affected();
        }
        Ok(removed)
    }

    /// Stores a vault entry; an existing token (the same value tokenized again) is left as is.
    pub async fn vault_put(&mut self, token: &str, entity_type: &str, purpose: &str, sealed: Vec<u8>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pii_vault (token, entity_type, purpose, value_sealed, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token) DO NOTHING",
        )
        .bind(token.to_owned())
        .bind(entity_type.to_owned())
        .bind(purpose.to_owned())
        .bind(sealed)
        .bind(format_timestamp(&custos_core::now()))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The vault entry of `token`: its entity type and sealed value.
    pub async fn vault_get(&mut self, token: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query("SELECT entity_type, value_sealed FROM pii_vault WHERE token = $1")
            .bind(token.to_owned())
            .fetch_optional(self.conn())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((text(&r, "entity_type")?, opt_bytes(&r, "value_sealed")?.unwrap_or_default()))),
        }
    }

    fn api_key_from_row(row: &AnyRow) -> Result<ApiKeyRecord, StoreError> {
        Ok(ApiKeyRecord {
            key_id: ApiKeyId::parse(&text(row, "key_id")?)?,
            secret_sha256: opt_bytes(row, "secret_sha256")?.unwrap_or_default(),
            scopes: text(row, "scopes")?.split_whitespace().map(str::to_owned).collect(),
            label: text(row, "label")?,
            created_at: ts(row, "created_at")?,
            revoked_at: opt_ts(row, "revoked_at")?,
        })
    }

    /// One API key.
    pub async fn api_key(&mut self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM api_keys WHERE key_id = $1").bind(id.to_string()).fetch_optional(self.conn()).await?;
        row.as_ref().map(Self::api_key_from_row).transpose()
    }

    /// Every API key, oldest first.
    pub async fn api_keys(&mut self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM api_keys ORDER BY created_at, key_id").fetch_all(self.conn()).await?;
        rows.iter().map(Self::api_key_from_row).collect()
    }

    /// Revokes a key; false if there is no such live key.
    pub async fn revoke_api_key(&mut self, id: &ApiKeyId, now: &Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL")
            .bind(id.to_string())
            .bind(format_timestamp(now))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

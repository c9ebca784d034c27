//! The request and response documents of the API. Field names are the public contract: the
//! same words as the Rust types, SQL columns, CLI flags and UI labels. Requests reject unknown
//! fields. Values that must match the vocabulary (keys, codes, ids) arrive as strings and are
//! validated by the service, so every error names its field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Declares a processing purpose.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeInput {
    /// Unique key, dot-separated lowercase segments (fideslang data-use style).
    #[schema(example = "marketing.advertising.first_party.targeted")]
    pub key: String,
    /// Short human-readable name.
    #[schema(example = "Targeted offers")]
    pub name: String,
    /// `consent`, `legitimate_interest`, `contract` or `legal_obligation`.
    #[schema(example = "consent")]
    pub legal_basis: String,
    /// fideslang data categories the purpose may use (a category covers its children).
    #[schema(example = json!(["user.contact.email", "user.demographic.age_range"]))]
    pub data_categories: Vec<String>,
    /// Sells or shares data (CCPA/CPRA sense).
    #[serde(default)]
    pub sale_or_share: bool,
    /// Profiles the subject.
    #[serde(default)]
    pub profiling: bool,
    /// Uses sensitive data: consent required in every jurisdiction.
    #[serde(default)]
    pub sensitive: bool,
    /// Release pseudonymous tokens instead of values.
    #[serde(default)]
    pub pseudonymize: bool,
    /// Days data collected for this purpose may be kept (1-36500).
    #[schema(example = 730)]
    pub retention_days: u32,
}

/// A declared purpose.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurposeView {
    /// Unique key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Allowed data categories.
    pub data_categories: Vec<String>,
    /// Sells or shares data.
    pub sale_or_share: bool,
    /// Profiles the subject.
    pub profiling: bool,
    /// Uses sensitive data.
    pub sensitive: bool,
    /// Releases tokens instead of values.
    pub pseudonymize: bool,
    /// Retention period in days.
    pub retention_days: u32,
    /// When it was declared (RFC 3339).
    pub created_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// Publishes a version of a purpose's privacy notice.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// The purpose key.
    pub purpose: String,
    /// Version label, e.g. `2026-11`.
    #[schema(example = "2026-11")]
    pub version: String,
    /// Language tag, e.g. `en`.
    #[schema(example = "en")]
    pub language: String,
    /// The text shown to subjects.
    pub text: String,
}

/// A published notice version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeView {
    /// The purpose key.
    pub purpose: String,
    /// Version label.
    pub version: String,
    /// Language tag.
    pub language: String,
    /// The text.
    pub text: String,
    /// SHA-256 of the text, hex: what consent events store as proof.
    pub text_sha256: String,
    /// When it was published.
    pub created_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// Creates a data subject.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectInput {
    /// The business's own identifier for the person (unique).
    #[schema(example = "cust-1001")]
    pub external_id: String,
    /// ISO 3166-1 alpha-2 or ISO 3166-2 code.
    #[schema(example = "DE")]
    pub jurisdiction: String,
    /// Personal data by fideslang data category.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"user.contact.email": "ana@example.org"}))]
    pub data: BTreeMap<String, Value>,
}

/// Changes a data subject. Absent fields stay; a `null` data value deletes that category.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectPatch {
    /// New jurisdiction.
    pub jurisdiction: Option<String>,
    /// Record a Global Privacy Control preference.
    pub gpc: Option<bool>,
    /// Values to set, or `null` to delete.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: BTreeMap<String, Value>,
}

/// A data subject as created or listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubjectView {
    /// Internal id.
    pub subject_id: String,
    /// The business's identifier; `null` once erased.
    pub external_id: Option<String>,
    /// Jurisdiction.
    pub jurisdiction: String,
    /// When created.
    pub created_at: String,
    /// When last changed.
    pub updated_at: String,
    /// When erased, if erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<String>,
    /// GPC preference recorded.
    pub gpc: bool,
    /// Processing restricted.
    pub restricted: bool,
    /// Opted out of sale/sharing.
    pub opted_out_sale_share: bool,
    /// Objections in force: `profiling`, `direct_marketing`, and purpose keys.
    pub objections: Vec<String>,
    /// Personal data by category (only on a single subject, decrypted).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<BTreeMap<String, Value>>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// A page of subjects.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubjectPage {
    /// The subjects.
    pub subjects: Vec<SubjectView>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// Records a consent event.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Whose consent.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// `granted`, `denied` or `withdrawn`.
    #[schema(example = "granted")]
    pub status: String,
    /// How it was captured (`api`, `privacy_center`, `web_form`, ...).
    #[schema(example = "api")]
    pub method: String,
    /// The notice version shown; must exist for the purpose.
    #[schema(example = "2026-11")]
    pub notice_version: String,
    /// The notice language shown; default `en`, or the only language of that version.
    pub language: Option<String>,
    /// Where it was captured (form, campaign).
    pub source: Option<String>,
    /// When the subject answered (RFC 3339); default now.
    pub captured_at: Option<String>,
}

/// A recorded consent event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentEventView {
    /// Event id.
    pub event_id: String,
    /// Whose consent.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// Status.
    pub status: String,
    /// Method.
    pub method: String,
    /// Notice version shown.
    pub notice_version: String,
    /// Notice language shown.
    pub notice_language: String,
    /// SHA-256 of the notice text shown.
    pub notice_text_sha256: String,
    /// Where it was captured.
    pub source: Option<String>,
    /// A GPC signal accompanied it.
    pub gpc: bool,
    /// When the subject answered.
    pub captured_at: String,
    /// When custos recorded it.
    pub recorded_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// The current consent state for one purpose.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentStateView {
    /// Purpose.
    pub purpose: String,
    /// Current status.
    pub status: String,
    /// The event that set it.
    pub event_id: String,
    /// When that event was captured.
    pub captured_at: String,
}

/// A subject's consents: the current state per purpose and the full history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubjectConsents {
    /// Subject.
    pub subject_id: String,
    /// Current state per purpose.
    pub current: Vec<ConsentStateView>,
    /// Every event, in capture order.
    pub history: Vec<ConsentEventView>,
}

/// Asks whether a purpose may use a subject's data.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GateCheckInput {
    /// Whose data.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// Which data categories are wanted.
    #[serde(default)]
    pub data_categories: Vec<String>,
}

/// One reason of a gate decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReasonView {
    /// Stable code, e.g. `consent_granted`, `consent_withdrawn`, `gpc_opt_out`.
    pub code: String,
    /// Plain-language explanation.
    pub message: String,
}

/// The gate's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GateCheckView {
    /// Id of the persisted check (quote it when logging a decision).
    pub check_id: String,
    /// `allow` or `deny`.
    pub decision: String,
    /// Why.
    pub reasons: Vec<ReasonView>,
    /// The released data: only requested, allowed, non-audit-only categories; tokens for
    /// pseudonymizing purposes.
    #[schema(value_type = Object)]
    pub released: BTreeMap<String, Value>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// Logs an AI decision about a subject.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// About whom.
    pub subject_id: String,
    /// Under which purpose.
    pub purpose: String,
    /// The gate check that allowed the data use.
    pub check_id: Option<String>,
    /// Model name.
    #[schema(example = "offer-ranker")]
    pub model: String,
    /// Model version.
    #[schema(example = "3")]
    pub model_version: String,
    /// What was decided.
    #[schema(example = "approved")]
    pub outcome: String,
    /// Model score.
    pub score: Option<f64>,
    /// Input features (stored encrypted).
    #[schema(value_type = Option<Object>)]
    pub features: Option<BTreeMap<String, Value>>,
}

/// A logged decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    /// Id.
    pub decision_id: String,
    /// About whom.
    pub subject_id: String,
    /// Purpose.
    pub purpose: String,
    /// The gate check quoted.
    pub check_id: Option<String>,
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// Outcome.
    pub outcome: String,
    /// Score.
    pub score: Option<f64>,
    /// Features (absent once the subject is erased).
    #[schema(value_type = Option<Object>)]
    pub features: Option<Value>,
    /// Ground truth, once observed.
    pub actual: Option<String>,
    /// When the ground truth was observed.
    pub observed_at: Option<String>,
    /// When logged.
    pub created_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// Records the observed outcome of a decision.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// What actually happened.
    #[schema(example = "converted")]
    pub actual: String,
    /// When it was observed (RFC 3339); default now.
    pub observed_at: Option<String>,
}

/// Files a data-subject request.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DsrInput {
    /// Whose request.
    pub subject_id: String,
    /// `access`, `portability`, `erasure`, `rectification`, `restriction`, `objection` or
    /// `opt_out_sale_share`.
    #[serde(rename = "type")]
    #[schema(example = "erasure")]
    pub dsr_type: String,
    /// For objections: `purpose`, `profiling` or `direct_marketing` (default `purpose` when a
    /// purpose is given, else `profiling`).
    pub objection: Option<String>,
    /// For objections to one purpose.
    pub purpose: Option<String>,
    /// For rectification: corrected values by data category.
    #[schema(value_type = Option<Object>)]
    pub data: Option<BTreeMap<String, Value>>,
    /// The requester's own words (stored encrypted).
    pub statement: Option<String>,
    /// For `contest`: the decision contested (one of the subject's).
    #[serde(default)]
    pub decision_id: Option<String>,
}

/// Verifies the requester's identity.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DsrVerifyInput {
    /// How identity was verified (`email_link`, `account_login`, `id_document`, ...).
    #[schema(example = "email_link")]
    pub method: String,
}

/// A reason for an extension or a rejection.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DsrReasonInput {
    /// Why.
    pub reason: String,
}

/// Completes a request (no fields).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DsrCompleteInput {}

/// A data-subject request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DsrView {
    /// Id.
    pub dsr_id: String,
    /// Whose request.
    pub subject_id: String,
    /// Which right.
    #[serde(rename = "type")]
    pub dsr_type: String,
    /// Where it stands.
    pub status: String,
    /// Jurisdiction whose deadline applies.
    pub jurisdiction: String,
    /// Objection scope, for objections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objection: Option<String>,
    /// Purpose, for objections to one purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Received.
    pub received_at: String,
    /// Due.
    pub due_at: String,
    /// Past due and still open.
    pub overdue: bool,
    /// Verified at.
    pub verified_at: Option<String>,
    /// Verification method.
    pub verification_method: Option<String>,
    /// Who verified.
    pub verified_by: Option<String>,
    /// Extended at.
    pub extended_at: Option<String>,
    /// Extension reason.
    pub extension_reason: Option<String>,
    /// Completed or rejected at.
    pub closed_at: Option<String>,
    /// Rejection reason.
    pub rejection_reason: Option<String>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// A complete, machine-readable copy of what custos holds about a subject (GDPR Arts. 15
/// and 20). Generated on request, never written to disk.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubjectExport {
    /// Format identifier.
    pub format: String,
    /// When generated.
    pub generated_at: String,
    /// The request it answers.
    pub dsr_id: String,
    /// The subject record.
    pub subject: SubjectView,
    /// Personal data by category (empty once erased).
    #[schema(value_type = Object)]
    pub data: BTreeMap<String, Value>,
    /// Consent state and history.
    pub consents: SubjectConsents,
    /// Gate checks about the subject.
    pub checks: Vec<CheckView>,
    /// AI decisions about the subject.
    pub decisions: Vec<DecisionView>,
    /// The subject's requests.
    pub requests: Vec<DsrView>,
}

/// A persisted gate check, as exported.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckView {
    /// Id.
    pub check_id: String,
    /// Purpose asked for.
    pub purpose: String,
    /// Categories requested.
    pub requested: Vec<String>,
    /// `allow` or `deny`.
    pub decision: String,
    /// Reasons.
    pub reasons: Vec<ReasonView>,
    /// Categories released.
    pub released: Vec<String>,
    /// When.
    pub checked_at: String,
}

/// Creates an API key.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// Scopes to grant: `admin`, `subjects:read`, `subjects:write`, `consent:write`, `gate`,
    /// `decisions:write`, `decisions:read`, `dsr`, `all`, ...
    #[schema(example = json!(["gate", "consent:write"]))]
    pub scopes: Vec<String>,
    /// What the key is for.
    #[serde(default)]
    pub label: String,
}

/// An API key (never its secret, except once, on creation).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    /// Public id.
    pub key_id: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Label.
    pub label: String,
    /// Created.
    pub created_at: String,
    /// Revoked, if revoked.
    pub revoked_at: Option<String>,
    /// The full key to present as `Authorization: Bearer ...`; only in the creation response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// Proof of recording: the leaf's position in the audit ledger and its RFC 9162 leaf hash
/// (base64). An inclusion proof for it comes from `GET /v1/ledger/proof/inclusion`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ReceiptView {
    /// Position of the leaf.
    pub leaf_index: u64,
    /// SHA-256 of 0x00 followed by the leaf bytes, base64.
    pub leaf_hash: String,
}

impl From<custos_store::Receipt> for ReceiptView {
    fn from(r: custos_store::Receipt) -> Self {
        Self { leaf_index: r.leaf_index, leaf_hash: data_encoding::BASE64.encode(&r.leaf_hash) }
    }
}

/// A ledger entry: the exact leaf bytes and their hash, both base64.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntryView {
    /// Position of the leaf.
    pub index: u64,
    /// The leaf bytes (RFC 8785 canonical JSON), base64.
    pub leaf: String,
    /// RFC 9162 leaf hash, base64.
    pub leaf_hash: String,
}

/// An RFC 9162 audit path.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InclusionProofView {
    /// The leaf.
    pub leaf_index: u64,
    /// The tree the path leads to the root of.
    pub tree_size: u64,
    /// Sibling hashes from the leaf upwards, base64.
    pub hashes: Vec<String>,
}

/// An RFC 9162 consistency proof.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProofView {
    /// Size of the older tree.
    pub first: u64,
    /// Size of the newer tree.
    pub second: u64,
    /// The proof's hashes, base64.
    pub hashes: Vec<String>,
}

/// A self-contained proof that one leaf is in the ledger, checkable offline with the verifier
/// key alone (`custos ledger verify-proof`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProofBundle {
    /// A signed checkpoint (C2SP signed note) whose tree contains the leaf.
    pub checkpoint: String,
    /// The leaf bytes, base64.
    pub leaf: String,
    /// Position of the leaf.
    pub leaf_index: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The audit path, base64.
    pub hashes: Vec<String>,
}

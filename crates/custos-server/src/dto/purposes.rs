//! Purposes and their notices on the wire.

use custos_core::LegalBasis;
use custos_service::purposes as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts, words};

/// Declares a processing purpose.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PurposeInput {
    /// Unique key, dot-separated lowercase segments (fideslang data-use style); `key` before 0.2.
    #[serde(alias = "key")]
    #[schema(example = "marketing.advertising.first_party.targeted")]
    pub purpose: String,
    /// Short human-readable name.
    #[schema(example = "Targeted offers")]
    pub name: String,
    /// The legal basis the processing relies on.
    #[schema(schema_with = words::<LegalBasis>)]
    pub legal_basis: LegalBasis,
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
    /// Its decisions have a legal or similarly significant effect on the subject (GDPR
    /// Art. 22: credit, pricing, eligibility, employment); decisions inherit it.
    #[serde(default)]
    pub significant_effect: bool,
    /// Days data collected for this purpose may be kept (1-36500).
    #[schema(example = 730)]
    pub retention_days: u32,
}

impl From<PurposeInput> for domain::PurposeInput {
    fn from(i: PurposeInput) -> Self {
        Self {
            purpose: i.purpose,
            name: i.name,
            legal_basis: i.legal_basis,
            data_categories: i.data_categories,
            sale_or_share: i.sale_or_share,
            profiling: i.profiling,
            sensitive: i.sensitive,
            pseudonymize: i.pseudonymize,
            significant_effect: i.significant_effect,
            retention_days: i.retention_days,
        }
    }
}

/// A declared purpose.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PurposeView {
    /// Unique key.
    pub purpose: String,
    /// Name.
    pub name: String,
    /// Legal basis.
    #[schema(schema_with = words::<LegalBasis>)]
    pub legal_basis: LegalBasis,
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
    /// Its decisions have a legal or similarly significant effect.
    pub significant_effect: bool,
    /// Retention period in days.
    pub retention_days: u32,
    /// When it was declared (RFC 3339).
    pub created_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::PurposeView> for PurposeView {
    fn from(v: domain::PurposeView) -> Self {
        let p = v.purpose;
        Self {
            purpose: p.purpose.to_string(),
            name: p.name,
            legal_basis: p.legal_basis,
            data_categories: p.data_categories.iter().map(ToString::to_string).collect(),
            sale_or_share: p.sale_or_share,
            profiling: p.profiling,
            sensitive: p.sensitive,
            pseudonymize: p.pseudonymize,
            significant_effect: p.significant_effect,
            retention_days: p.retention_days,
            created_at: ts(&p.created_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// Publishes a version of a purpose's privacy notice.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeInput {
    /// The purpose's key.
    pub purpose: String,
    /// Version label, e.g. `2026-11`.
    #[schema(example = "2026-11")]
    pub version: String,
    /// BCP 47 language tag of the text, e.g. `en`; `language` before 0.2.
    #[serde(alias = "language")]
    #[schema(example = "en")]
    pub notice_language: String,
    /// The text shown to subjects.
    pub text: String,
}

impl From<NoticeInput> for domain::NoticeInput {
    fn from(i: NoticeInput) -> Self {
        Self { purpose: i.purpose, version: i.version, notice_language: i.notice_language, text: i.text }
    }
}

/// A published notice version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct NoticeView {
    /// The purpose's key.
    pub purpose: String,
    /// Version label.
    pub version: String,
    /// Language tag of the text.
    pub notice_language: String,
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

impl From<domain::NoticeView> for NoticeView {
    fn from(v: domain::NoticeView) -> Self {
        let n = v.notice;
        Self {
            purpose: n.purpose.to_string(),
            version: n.version,
            notice_language: n.notice_language,
            text: n.text,
            text_sha256: n.text_sha256,
            created_at: ts(&n.created_at),
            receipt: receipt(v.receipt),
        }
    }
}

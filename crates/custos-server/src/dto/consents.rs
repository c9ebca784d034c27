//! Consent events on the wire.

use custos_core::ConsentStatus;
use custos_service::consents as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts, words};

/// Records a consent event.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsentInput {
    /// Whose consent.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// What the subject said.
    #[schema(schema_with = words::<ConsentStatus>)]
    pub status: ConsentStatus,
    /// How it was captured (`api`, `privacy_center`, `web_form`, ...).
    #[schema(example = "api")]
    pub method: String,
    /// The notice version shown; must exist for the purpose.
    #[schema(example = "2026-11")]
    pub notice_version: String,
    /// The notice language shown; default `en`, or the only language of that version
    /// (`language` before 0.2).
    #[serde(default, alias = "language")]
    pub notice_language: Option<String>,
    /// Where it was captured (form, campaign).
    pub source: Option<String>,
    /// When the subject answered (RFC 3339); default now.
    pub captured_at: Option<String>,
}

impl From<ConsentInput> for domain::ConsentInput {
    fn from(i: ConsentInput) -> Self {
        Self {
            subject_id: i.subject_id,
            purpose: i.purpose,
            status: i.status,
            method: i.method,
            notice_version: i.notice_version,
            notice_language: i.notice_language,
            source: i.source,
            captured_at: i.captured_at,
        }
    }
}

/// A recorded consent event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ConsentEventView {
    /// Event id.
    pub event_id: String,
    /// Whose consent.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// Status.
    #[schema(schema_with = words::<ConsentStatus>)]
    pub status: ConsentStatus,
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
    /// The customer allowed this sale or sharing purpose in the privacy center after being
    /// shown that their Global Privacy Control signal says otherwise: it wins for this purpose.
    pub overrides_gpc: bool,
    /// When the subject answered.
    pub captured_at: String,
    /// When custos recorded it.
    pub recorded_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ConsentEvent> for ConsentEventView {
    fn from(e: domain::ConsentEvent) -> Self {
        Self {
            event_id: e.event_id.to_string(),
            subject_id: e.subject_id.to_string(),
            purpose: e.purpose.to_string(),
            status: e.status,
            method: e.method.to_string(),
            notice_version: e.notice_version,
            notice_language: e.notice_language,
            notice_text_sha256: e.notice_text_sha256,
            source: e.source,
            gpc: e.gpc,
            overrides_gpc: e.overrides_gpc,
            captured_at: ts(&e.captured_at),
            recorded_at: ts(&e.recorded_at),
            receipt: None,
        }
    }
}

impl From<domain::ConsentEventView> for ConsentEventView {
    fn from(v: domain::ConsentEventView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.event.into() }
    }
}

/// The current consent state for one purpose.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ConsentStateView {
    /// Purpose.
    pub purpose: String,
    /// Current status.
    #[schema(schema_with = words::<ConsentStatus>)]
    pub status: ConsentStatus,
    /// The event that set it.
    pub event_id: String,
    /// When that event was captured.
    pub captured_at: String,
    /// That event allowed the purpose over a Global Privacy Control signal.
    pub overrides_gpc: bool,
}

impl From<domain::ConsentState> for ConsentStateView {
    fn from(s: domain::ConsentState) -> Self {
        Self {
            purpose: s.purpose.to_string(),
            status: s.status,
            event_id: s.event_id.to_string(),
            captured_at: ts(&s.captured_at),
            overrides_gpc: s.overrides_gpc,
        }
    }
}

/// A subject's consents: the current state per purpose and the full history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SubjectConsents {
    /// Subject.
    pub subject_id: String,
    /// Current state per purpose.
    pub current: Vec<ConsentStateView>,
    /// Every event, in capture order.
    pub history: Vec<ConsentEventView>,
}

impl From<domain::SubjectConsents> for SubjectConsents {
    fn from(c: domain::SubjectConsents) -> Self {
        Self {
            subject_id: c.subject_id.to_string(),
            current: c.current.into_iter().map(Into::into).collect(),
            history: c.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// A consent signal from a consent management platform: a TC string, a GPP string, or both.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignalInput {
    /// Whose signal.
    pub subject_id: String,
    /// A TC string (IAB TCF v2.2/v2.3), decoded strictly.
    pub tc_string: Option<String>,
    /// A GPP string (IAB Global Privacy Platform), decoded strictly.
    pub gpp_string: Option<String>,
    /// Where it came from (the CMP, the site).
    pub source: Option<String>,
    /// `strict` (default): a TC string naming a vendor list version never uploaded
    /// (`gvl_version_unknown`) or vendors that version does not hold (`vendor_not_in_gvl`) is
    /// refused (422). `lenient`: accepted, with the rule in `warnings`. The strings' own
    /// rules are always strict.
    #[serde(default)]
    pub mode: Option<String>,
}

impl From<SignalInput> for custos_service::signals::SignalInput {
    fn from(i: SignalInput) -> Self {
        Self { subject_id: i.subject_id, tc_string: i.tc_string, gpp_string: i.gpp_string, source: i.source, mode: i.mode }
    }
}

/// One thing a signal changed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SignalEffectView {
    /// The purpose (none for the subject-wide opt-out of sale and sharing).
    pub purpose: Option<String>,
    /// `granted`, `denied`, `withdrawn`, `objection` or `opted_out_of_sale_or_share`.
    pub effect: String,
    /// Why, in words: the TCF purpose or GPP field that said so.
    pub because: String,
}

/// What a signal changed, with the ledger receipt of the stored signal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SignalView {
    /// The stored signal (sealed under the subject's key).
    pub signal_id: String,
    /// SHA-256 of the string(s) as received; the consent events it caused carry it as their
    /// notice digest.
    pub signal_sha256: String,
    /// What changed (empty when the subject's state already matched).
    pub effects: Vec<SignalEffectView>,
    /// Rules lenient mode let pass (`gvl_version_unknown: ...`).
    pub warnings: Vec<String>,
    /// Where it was recorded in the ledger.
    pub receipt: ReceiptView,
}

/// A stored version of the IAB's Global Vendor List.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct VendorListView {
    /// `vendorListVersion`: the number TC strings name.
    pub vendor_list_version: i64,
    /// `gvlSpecificationVersion`.
    pub gvl_specification_version: i64,
    /// `tcfPolicyVersion`.
    pub tcf_policy_version: i64,
    /// `lastUpdated`, as in the file.
    pub last_updated: String,
    /// How many vendors it lists.
    pub vendor_count: i64,
    /// SHA-256 of the file as uploaded.
    pub file_sha256: String,
    /// When it was uploaded.
    pub uploaded_at: String,
    /// Where the upload was recorded in the ledger (new versions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl VendorListView {
    pub(crate) fn of(l: custos_service::signals::VendorListRecord, r: Option<custos_service::Receipt>) -> Self {
        Self {
            vendor_list_version: l.vendor_list_version,
            gvl_specification_version: l.gvl_specification_version,
            tcf_policy_version: l.tcf_policy_version,
            last_updated: l.last_updated,
            vendor_count: l.vendor_count,
            file_sha256: l.file_sha256,
            uploaded_at: ts(&l.uploaded_at),
            receipt: receipt(r),
        }
    }
}

impl From<custos_service::signals::SignalView> for SignalView {
    fn from(v: custos_service::signals::SignalView) -> Self {
        Self {
            signal_id: v.signal_id,
            signal_sha256: v.signal_sha256,
            effects: v.effects.into_iter().map(|e| SignalEffectView { purpose: e.purpose, effect: e.effect, because: e.because }).collect(),
            warnings: v.warnings,
            receipt: ReceiptView::from(v.receipt),
        }
    }
}

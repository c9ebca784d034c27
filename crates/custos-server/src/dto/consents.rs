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
}

impl From<domain::ConsentState> for ConsentStateView {
    fn from(s: domain::ConsentState) -> Self {
        Self { purpose: s.purpose.to_string(), status: s.status, event_id: s.event_id.to_string(), captured_at: ts(&s.captured_at) }
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
}

impl From<SignalInput> for custos_service::signals::SignalInput {
    fn from(i: SignalInput) -> Self {
        Self { subject_id: i.subject_id, tc_string: i.tc_string, gpp_string: i.gpp_string, source: i.source }
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
    /// Where it was recorded in the ledger.
    pub receipt: ReceiptView,
}

impl From<custos_service::signals::SignalView> for SignalView {
    fn from(v: custos_service::signals::SignalView) -> Self {
        Self {
            signal_id: v.signal_id,
            signal_sha256: v.signal_sha256,
            effects: v.effects.into_iter().map(|e| SignalEffectView { purpose: e.purpose, effect: e.effect, because: e.because }).collect(),
            receipt: ReceiptView::from(v.receipt),
        }
    }
}

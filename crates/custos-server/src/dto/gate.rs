//! The gate on the wire.

use std::collections::BTreeMap;

use custos_service::gate::{self as domain, Decision, ReasonCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts, words};

/// Asks whether a purpose may use a subject's data.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GateCheckInput {
    /// Whose data.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// Which data categories are wanted.
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// The model that will decide with the data: with `model_version`, the gate denies (reason
    /// `model_not_approved`) unless that version may decide.
    #[serde(default)]
    pub model: Option<String>,
    /// The model's version (with `model`).
    #[serde(default)]
    pub model_version: Option<String>,
    /// Who receives the released data outside the business: a vendor in the register. A
    /// processor needs a data processing agreement in force covering the data (else
    /// `no_valid_dpa`), a joint controller an arrangement (`no_joint_arrangement`), every vendor
    /// the purpose and categories declared as shared with it (`recipient_not_declared`).
    #[serde(default)]
    pub recipient: Option<RecipientDoc>,
}

/// The recipient of a gate check: a vendor in the register, an IAB TCF vendor, or both.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipientDoc {
    /// The vendor's id in the register.
    #[serde(default)]
    pub vendor_id: Option<String>,
    /// The vendor's id in the IAB's Global Vendor List: the subject's latest TC string must
    /// give it consent or legitimate interest for the purpose's TCF purposes, as publisher
    /// restrictions allow (else `tcf_vendor_not_allowed`).
    #[serde(default)]
    #[schema(example = 755)]
    pub tcf_vendor_id: Option<u16>,
}

impl From<GateCheckInput> for domain::GateCheckInput {
    fn from(i: GateCheckInput) -> Self {
        Self {
            subject_id: i.subject_id,
            purpose: i.purpose,
            data_categories: i.data_categories,
            model: i.model,
            model_version: i.model_version,
            tcf_vendor_id: i.recipient.as_ref().and_then(|r| r.tcf_vendor_id),
            recipient: i.recipient.and_then(|r| r.vendor_id),
        }
    }
}

/// One reason of a gate decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct ReasonView {
    /// Stable code.
    #[schema(schema_with = words::<ReasonCode>)]
    pub code: ReasonCode,
    /// Plain-language explanation.
    pub message: String,
}

impl From<domain::Reason> for ReasonView {
    fn from(r: domain::Reason) -> Self {
        Self { code: r.code, message: r.message }
    }
}

/// The gate's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct GateCheckView {
    /// Id of the persisted check (quote it when logging a decision).
    pub check_id: String,
    /// Allow or deny.
    #[schema(schema_with = words::<Decision>)]
    pub decision: Decision,
    /// Why, most decisive first.
    pub reasons: Vec<ReasonView>,
    /// The released data: only requested, allowed, non-audit-only categories; tokens for
    /// pseudonymizing purposes.
    #[schema(value_type = Object)]
    pub released: BTreeMap<String, Value>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::GateCheckView> for GateCheckView {
    fn from(v: domain::GateCheckView) -> Self {
        Self {
            check_id: v.check_id.to_string(),
            decision: v.decision,
            reasons: v.reasons.into_iter().map(Into::into).collect(),
            released: v.released,
            receipt: receipt(v.receipt),
        }
    }
}

/// A persisted gate check, as exported.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct CheckView {
    /// Id.
    pub check_id: String,
    /// Purpose asked for.
    pub purpose: String,
    /// Categories requested.
    pub requested: Vec<String>,
    /// Allow or deny.
    #[schema(schema_with = words::<Decision>)]
    pub decision: Decision,
    /// Reasons.
    pub reasons: Vec<ReasonView>,
    /// Categories released.
    pub released: Vec<String>,
    /// When.
    pub checked_at: String,
}

impl From<domain::CheckView> for CheckView {
    fn from(c: domain::CheckView) -> Self {
        Self {
            check_id: c.check_id.to_string(),
            purpose: c.purpose,
            requested: c.requested.iter().map(ToString::to_string).collect(),
            decision: c.decision,
            reasons: c.reasons.into_iter().map(Into::into).collect(),
            released: c.released.iter().map(ToString::to_string).collect(),
            checked_at: ts(&c.checked_at),
        }
    }
}

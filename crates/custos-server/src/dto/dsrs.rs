//! Data-subject requests on the wire.

use std::collections::BTreeMap;

use custos_core::{DsrStatus, DsrType, ObjectionScope};
use custos_service::dsrs as domain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    ReceiptView, consents::SubjectConsents, decisions::DecisionView, gate::CheckView, opt_ts, optional_words, receipt,
    subjects::SubjectView, ts, words,
};

/// Files a data-subject request.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DsrInput {
    /// Whose request.
    pub subject_id: String,
    /// Which right (`opt_out_sale_share` is read as `opt_out_of_sale_or_share` until 0.3).
    #[serde(rename = "type")]
    #[schema(schema_with = words::<DsrType>)]
    pub dsr_type: DsrType,
    /// For objections: what is objected to (default `purpose` when a purpose is given, else
    /// `profiling`).
    #[serde(default)]
    #[schema(schema_with = optional_words::<ObjectionScope>)]
    pub objection: Option<ObjectionScope>,
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

impl From<DsrInput> for domain::DsrInput {
    fn from(i: DsrInput) -> Self {
        Self {
            subject_id: i.subject_id,
            dsr_type: i.dsr_type,
            objection: i.objection,
            purpose: i.purpose,
            data: i.data,
            statement: i.statement,
            decision_id: i.decision_id,
        }
    }
}

/// Verifies the requester's identity.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DsrVerifyInput {
    /// How identity was verified (`email_link`, `account_login`, `id_document`, ...).
    #[schema(example = "email_link")]
    pub method: String,
}

impl From<DsrVerifyInput> for domain::DsrVerifyInput {
    fn from(i: DsrVerifyInput) -> Self {
        Self { method: i.method }
    }
}

/// A reason for an extension or a rejection.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DsrReasonInput {
    /// Why.
    pub reason: String,
}

impl From<DsrReasonInput> for domain::DsrReasonInput {
    fn from(i: DsrReasonInput) -> Self {
        Self { reason: i.reason }
    }
}

/// Completes a request (no fields).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DsrCompleteInput {}

/// A data-subject request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct DsrView {
    /// Id.
    pub dsr_id: String,
    /// Whose request.
    pub subject_id: String,
    /// Which right.
    #[serde(rename = "type")]
    #[schema(schema_with = words::<DsrType>)]
    pub dsr_type: DsrType,
    /// Where it stands.
    #[schema(schema_with = words::<DsrStatus>)]
    pub status: DsrStatus,
    /// Jurisdiction whose deadline applies.
    pub jurisdiction: String,
    /// Objection scope, for objections.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_words::<ObjectionScope>)]
    pub objection: Option<ObjectionScope>,
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
    /// An earlier open request of the same subject and type that this one repeats (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::DsrView> for DsrView {
    fn from(d: domain::DsrView) -> Self {
        Self {
            dsr_id: d.dsr_id.to_string(),
            subject_id: d.subject_id.to_string(),
            dsr_type: d.dsr_type,
            status: d.status,
            jurisdiction: d.jurisdiction.to_string(),
            objection: d.objection,
            purpose: d.purpose.map(|p| p.to_string()),
            received_at: ts(&d.received_at),
            due_at: ts(&d.due_at),
            overdue: d.overdue,
            verified_at: opt_ts(&d.verified_at),
            verification_method: d.verification_method,
            verified_by: d.verified_by,
            extended_at: opt_ts(&d.extended_at),
            extension_reason: d.extension_reason,
            closed_at: opt_ts(&d.closed_at),
            rejection_reason: d.rejection_reason,
            duplicate_of: d.duplicate_of.map(|x| x.to_string()),
            receipt: receipt(d.receipt),
        }
    }
}

/// Closes a request as a duplicate of another.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MergeInput {
    /// The open request of the same subject and type to keep.
    pub into: String,
}

/// One CSV field, quoted when it needs to be (RFC 4180), with a leading `=`, `+`, `-` or `@`
/// defused so a spreadsheet does not run it as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

/// The request queue as CSV: one row per request, the columns staff filter on.
pub(crate) fn csv(views: &[DsrView]) -> String {
    let mut out = String::from("dsr_id,subject_id,type,status,jurisdiction,received_at,due_at,overdue,duplicate_of,closed_at\r\n");
    for d in views {
        let row = [
            d.dsr_id.as_str(),
            d.subject_id.as_str(),
            d.dsr_type.as_str(),
            d.status.as_str(),
            d.jurisdiction.as_str(),
            d.received_at.as_str(),
            d.due_at.as_str(),
            if d.overdue { "true" } else { "false" },
            d.duplicate_of.as_deref().unwrap_or(""),
            d.closed_at.as_deref().unwrap_or(""),
        ];
        out += &row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
        out += "\r\n";
    }
    out
}

/// A complete, machine-readable copy of what custos holds about a subject (GDPR Arts. 15
/// and 20). Generated on request, never written to disk.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SubjectExport {
    /// Format identifier (`custos.subject-export.v1`).
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

impl From<domain::SubjectExport> for SubjectExport {
    fn from(e: domain::SubjectExport) -> Self {
        Self {
            format: domain::EXPORT_FORMAT.to_owned(),
            generated_at: ts(&e.generated_at),
            dsr_id: e.dsr_id.to_string(),
            subject: e.subject.into(),
            data: e.data.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            consents: e.consents.into(),
            checks: e.checks.into_iter().map(Into::into).collect(),
            decisions: e.decisions.into_iter().map(Into::into).collect(),
            requests: e.requests.into_iter().map(Into::into).collect(),
        }
    }
}

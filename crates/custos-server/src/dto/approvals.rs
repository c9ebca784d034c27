//! Approval requests, sign-offs and comments on the wire.

use custos_core::{Role, Verdict};
use custos_service::approvals as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts, words};

/// Asks for a model version's approval (a person: the owner or an admin).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApprovalInput {
    /// The model version.
    pub model_id: String,
    /// The validation run whose report is the evidence.
    #[serde(default)]
    pub validation_id: Option<String>,
    /// Where the DPIA is (required when the AI system is high-risk).
    #[serde(default)]
    pub dpia_link: Option<String>,
    /// A first comment for the signers.
    #[serde(default)]
    pub comment: Option<String>,
}

impl From<ApprovalInput> for domain::ApprovalInput {
    fn from(i: ApprovalInput) -> Self {
        Self { model_id: i.model_id, validation_id: i.validation_id, dpia_link: i.dpia_link, comment: i.comment }
    }
}

/// A person's verdict for one role.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignOffInput {
    /// `approve`, `reject` or `request_changes`.
    #[schema(schema_with = words::<Verdict>)]
    pub verdict: Verdict,
    /// The role signed for: one you hold and the request needs.
    #[schema(schema_with = words::<Role>)]
    pub role: Role,
    /// Why (required).
    pub comment: String,
}

impl From<SignOffInput> for domain::SignOffInput {
    fn from(i: SignOffInput) -> Self {
        Self { verdict: i.verdict, role: i.role, comment: i.comment }
    }
}

/// A comment on a request.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommentInput {
    /// The text.
    pub body: String,
}

/// A sign-off or comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ApprovalEntryView {
    /// `comment`, `approve`, `reject` or `request_changes`.
    pub kind: String,
    /// The staff account.
    pub staff_id: String,
    /// Their sign-in name.
    pub staff_email: String,
    /// The role signed for (sign-offs only).
    pub role: Option<String>,
    /// What they wrote.
    pub body: String,
    /// When.
    pub created_at: String,
}

/// An approval request (with its thread when read one at a time).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ApprovalView {
    /// Id.
    pub approval_id: String,
    /// The model version.
    pub model_id: String,
    /// Its name (what decisions quote as `model`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// The AI system it serves.
    pub ai_system_id: Option<String>,
    /// Who asked (a staff account).
    pub requested_by: String,
    /// The validation run whose report is the evidence.
    pub validation_id: Option<String>,
    /// The DPIA.
    pub dpia_link: Option<String>,
    /// Roles whose sign-off it needs.
    pub required_roles: Vec<String>,
    /// Required roles nobody signed off for yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_roles: Option<Vec<String>>,
    /// `open`, `approved`, `rejected`, `changes_requested` or `withdrawn`.
    #[schema(schema_with = words::<custos_core::ApprovalStatus>)]
    pub status: String,
    /// When it was asked.
    pub created_at: String,
    /// When it was decided.
    pub decided_at: Option<String>,
    /// When the approval it granted lapses.
    pub expires_at: Option<String>,
    /// Sign-offs and comments, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<ApprovalEntryView>>,
    /// Where the write was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ApprovalRecord> for ApprovalView {
    fn from(a: domain::ApprovalRecord) -> Self {
        Self {
            approval_id: a.approval_id,
            model_id: a.model_id.to_string(),
            model: None,
            model_version: None,
            ai_system_id: a.ai_system_id.map(|x| x.to_string()),
            requested_by: a.requested_by,
            validation_id: a.validation_id,
            dpia_link: a.dpia_link,
            required_roles: a.required_roles,
            missing_roles: None,
            status: a.status,
            created_at: ts(&a.created_at),
            decided_at: a.decided_at.as_ref().map(ts),
            expires_at: a.expires_at.as_ref().map(ts),
            entries: None,
            receipt: None,
        }
    }
}

impl From<domain::ApprovalView> for ApprovalView {
    fn from(v: domain::ApprovalView) -> Self {
        Self {
            model: Some(v.model_name),
            model_version: Some(v.model_version),
            missing_roles: Some(v.missing_roles),
            entries: Some(
                v.entries
                    .into_iter()
                    .map(|e| ApprovalEntryView {
                        kind: e.kind,
                        staff_id: e.staff_id,
                        staff_email: e.staff_email,
                        role: e.role,
                        body: e.body,
                        created_at: ts(&e.created_at),
                    })
                    .collect(),
            ),
            receipt: receipt(v.receipt),
            ..v.approval.into()
        }
    }
}

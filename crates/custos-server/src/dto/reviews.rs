//! Reviews of decisions on the wire: the queue, one review as its reader may see it, and a
//! reviewer's judgement.

use custos_core::{ReviewAction, ReviewStatus, ReviewTrigger, Role};
use custos_service::reviews as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, decisions::DecisionView, opt_ts, optional_words, receipt, ts, words};

/// Why a decision went to review: a rule's condition, a contest or a suspension.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewReasonView {
    /// The rule (absent for contests and suspensions).
    pub rule_id: Option<String>,
    /// Its version.
    pub rule_version: Option<u32>,
    /// The condition that matched.
    #[schema(schema_with = words::<ReviewTrigger>)]
    pub code: ReviewTrigger,
}

impl From<domain::ReviewReason> for ReviewReasonView {
    fn from(r: domain::ReviewReason) -> Self {
        Self { rule_id: r.rule_id.map(|i| i.to_string()), rule_version: r.rule_version, code: r.code }
    }
}

/// A review in the queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewView {
    /// Id.
    pub review_id: String,
    /// The model's decision under review.
    pub decision_id: String,
    /// Whose decision.
    pub subject_id: String,
    /// Under which purpose.
    pub purpose: String,
    /// Where it stands.
    #[schema(schema_with = words::<ReviewStatus>)]
    pub status: ReviewStatus,
    /// Why it was opened.
    pub reasons: Vec<ReviewReasonView>,
    /// Who may review.
    #[schema(schema_with = words::<Role>)]
    pub required_role: Role,
    /// Who is told when it is overdue.
    #[schema(schema_with = optional_words::<Role>)]
    pub escalation_role: Option<Role>,
    /// Two different reviewers must agree.
    pub two_person: bool,
    /// The model's outcome is hidden until the reviewer records theirs.
    pub blind: bool,
    /// When a person must have decided.
    pub due_at: String,
    /// The staff account holding it.
    pub assignee: Option<String>,
    /// When it was taken.
    pub claimed_at: Option<String>,
    /// When it passed its due time and was escalated (it stays open).
    pub escalated_at: Option<String>,
    /// When a person resolved it.
    pub resolved_at: Option<String>,
    /// What was done.
    #[schema(schema_with = optional_words::<ReviewAction>)]
    pub action: Option<ReviewAction>,
    /// The outcome that stands.
    pub outcome: Option<String>,
    /// The reviewer's reason code.
    pub reason_code: Option<String>,
    /// The decision that stands: the model's (confirmed) or a person's (overridden).
    pub final_decision_id: Option<String>,
    /// When it was opened.
    pub created_at: String,
}

impl From<domain::ReviewRecord> for ReviewView {
    fn from(r: domain::ReviewRecord) -> Self {
        Self {
            review_id: r.review_id.to_string(),
            decision_id: r.decision_id.to_string(),
            subject_id: r.subject_id.to_string(),
            purpose: r.purpose.to_string(),
            status: r.status,
            reasons: r.reasons.into_iter().map(Into::into).collect(),
            required_role: r.required_role,
            escalation_role: r.escalation_role,
            two_person: r.two_person,
            blind: r.blind,
            due_at: ts(&r.due_at),
            assignee: r.assignee,
            claimed_at: opt_ts(&r.claimed_at),
            escalated_at: opt_ts(&r.escalated_at),
            resolved_at: opt_ts(&r.resolved_at),
            action: r.action,
            outcome: r.outcome,
            reason_code: r.reason_code,
            final_decision_id: r.final_decision_id.map(|d| d.to_string()),
            created_at: ts(&r.created_at),
        }
    }
}

/// A page of the review queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewPageView {
    /// The reviews, soonest due first.
    pub reviews: Vec<ReviewView>,
    /// How many match in all.
    pub total: u64,
    /// How many come before this page (pass `offset` = offset + the page's length for the next).
    pub offset: u64,
}

impl From<domain::ReviewPage> for ReviewPageView {
    fn from(p: domain::ReviewPage) -> Self {
        Self { reviews: p.reviews.into_iter().map(Into::into).collect(), total: p.total, offset: p.offset }
    }
}

/// One reviewer's judgement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct VerdictView {
    /// The reviewer (staff account id).
    pub user_id: String,
    /// Confirm or override.
    #[schema(schema_with = words::<ReviewAction>)]
    pub action: ReviewAction,
    /// The outcome they chose.
    pub outcome: String,
    /// Whether it is the model's outcome.
    pub agrees: bool,
    /// Their reason code.
    pub reason_code: String,
    /// Their note (absent once the subject is erased).
    pub note: Option<String>,
    /// When they took the review.
    pub claimed_at: String,
    /// When they recorded this.
    pub recorded_at: String,
}

impl From<domain::VerdictRecord> for VerdictView {
    fn from(v: domain::VerdictRecord) -> Self {
        Self {
            user_id: v.user_id,
            action: v.action,
            outcome: v.outcome,
            agrees: v.agrees,
            reason_code: v.reason_code,
            note: v.note,
            claimed_at: ts(&v.claimed_at),
            recorded_at: ts(&v.recorded_at),
        }
    }
}

/// A review with its decision, as the caller may see it: in blind mode the model's outcome
/// and score are empty until the caller has recorded their own verdict; under the two-person
/// rule the other verdict is hidden until then too.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewDetailView {
    /// The review.
    pub review: ReviewView,
    /// The model's decision (its `outcome` empty and `score` null while hidden).
    pub decision: DecisionView,
    /// Whether the model's outcome and score are hidden from the caller.
    pub model_hidden: bool,
    /// The verdicts the caller may see.
    pub verdicts: Vec<VerdictView>,
    /// How many verdicts there are in all.
    pub verdict_count: usize,
    /// For a contest: the customer's own words.
    pub contest_statement: Option<String>,
    /// The subject's other decisions under the same purpose, newest first (at most 20).
    pub history: Vec<DecisionView>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ReviewView> for ReviewDetailView {
    fn from(v: domain::ReviewView) -> Self {
        Self {
            review: v.review.into(),
            decision: v.decision.into(),
            model_hidden: v.model_hidden,
            verdicts: v.verdicts.into_iter().map(Into::into).collect(),
            verdict_count: v.verdict_count,
            contest_statement: v.contest_statement,
            history: v.history.into_iter().map(Into::into).collect(),
            receipt: receipt(v.receipt),
        }
    }
}

/// Puts a review in a reviewer's queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignInput {
    /// The reviewer's sign-in email.
    pub assignee: String,
}

/// A reviewer's judgement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolveInput {
    /// `confirm` (the model's outcome stands) or `override` (yours does).
    #[schema(schema_with = words::<ReviewAction>)]
    pub action: ReviewAction,
    /// The outcome that should stand (required to override).
    pub outcome: Option<String>,
    /// A short code for why, e.g. `income_verified`.
    #[schema(example = "income_verified")]
    pub reason_code: String,
    /// A note (at most 2000 characters; sealed under the subject's key).
    pub note: Option<String>,
}

impl From<ResolveInput> for domain::ResolveInput {
    fn from(i: ResolveInput) -> Self {
        Self { action: i.action, outcome: i.outcome, reason_code: i.reason_code, note: i.note }
    }
}

/// The inputs of a decision under review, released through the gate under purpose `oversight`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewInputsView {
    /// The gate check that released them.
    pub check_id: String,
    /// Whether the gate allowed it.
    pub allowed: bool,
    /// The model's inputs (absent when refused or erased).
    #[schema(value_type = Option<Object>)]
    pub features: Option<serde_json::Value>,
}

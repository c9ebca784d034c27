//! The decision log, explanations and reasons on the wire.

use std::collections::BTreeMap;

use custos_service::{decisions as domain, models::ReasonsView as DomainReasons};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use custos_core::{CounterfactualStatus, DecidedBy, DecisionStatus, ReviewStatus};

use super::{ReceiptView, opt_ts, receipt, ts, words};

/// Logs an AI decision about a subject.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionInput {
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
    /// The decision has a legal or similarly significant effect on the subject (GDPR Art. 22);
    /// it also has one when its purpose is declared with `significant_effect`.
    #[serde(default)]
    pub significant: Option<bool>,
}

impl From<DecisionInput> for domain::DecisionInput {
    fn from(i: DecisionInput) -> Self {
        Self {
            subject_id: i.subject_id,
            purpose: i.purpose,
            check_id: i.check_id,
            model: i.model,
            model_version: i.model_version,
            outcome: i.outcome,
            score: i.score,
            features: i.features,
            significant: i.significant,
        }
    }
}

/// A logged decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct DecisionView {
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
    /// `final` (act on it), `pending_review` (do not act yet: a person will decide),
    /// `overridden` (a person decided otherwise: `review.final_decision_id` names their decision).
    #[schema(schema_with = words::<DecisionStatus>)]
    pub status: DecisionStatus,
    /// Has a legal or similarly significant effect.
    pub significant: bool,
    /// The model, or a person overriding it.
    #[schema(schema_with = words::<DecidedBy>)]
    pub decided_by: DecidedBy,
    /// The model decision this person's decision replaces.
    pub supersedes: Option<String>,
    /// A person's reason code (their decisions only).
    pub reason_code: Option<String>,
    /// The review it waits for, or last had (on single reads and write answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewSummary>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

/// The review of a decision, in brief.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewSummary {
    /// The review.
    pub review_id: String,
    /// Where it stands.
    #[schema(schema_with = words::<ReviewStatus>)]
    pub status: ReviewStatus,
    /// Why the decision went to review.
    pub reasons: Vec<super::reviews::ReviewReasonView>,
    /// When a person must have decided.
    pub due_at: String,
    /// The decision that stands once resolved.
    pub final_decision_id: Option<String>,
}

/// The reasons the system that logged a decision is told. When a reason is a fairness alert,
/// naming it would reveal that the subject belongs to an audit-only group (which the gate never
/// releases), so every reason of that review is given as the generic `review_rule` with its
/// rule: the caller learns that rules sent the decision to a person, not which condition.
/// Reviewers and oversight staff see the real reasons through `/v1/reviews`.
fn caller_reasons(reasons: Vec<custos_service::reviews::ReviewReason>) -> Vec<super::reviews::ReviewReasonView> {
    if !reasons.iter().any(|r| r.code == custos_core::ReviewTrigger::FairnessAlert) {
        return reasons.into_iter().map(Into::into).collect();
    }
    let mut out: Vec<super::reviews::ReviewReasonView> = Vec::new();
    for r in reasons {
        let view = super::reviews::ReviewReasonView {
            rule_id: r.rule_id.map(|i| i.to_string()),
            rule_version: r.rule_version,
            code: if r.rule_id.is_some() { custos_core::ReviewTrigger::Rule } else { r.code },
        };
        if !out.iter().any(|o| o.rule_id == view.rule_id && o.code == view.code) {
            out.push(view);
        }
    }
    out
}

impl From<custos_service::reviews::ReviewRecord> for ReviewSummary {
    fn from(r: custos_service::reviews::ReviewRecord) -> Self {
        Self {
            review_id: r.review_id.to_string(),
            status: r.status,
            reasons: caller_reasons(r.reasons),
            due_at: ts(&r.due_at),
            final_decision_id: r.final_decision_id.map(|d| d.to_string()),
        }
    }
}

impl From<domain::DecisionRecord> for DecisionView {
    fn from(d: domain::DecisionRecord) -> Self {
        Self {
            decision_id: d.decision_id.to_string(),
            subject_id: d.subject_id.to_string(),
            purpose: d.purpose.to_string(),
            check_id: d.check_id.map(|c| c.to_string()),
            model: d.model,
            model_version: d.model_version,
            outcome: d.outcome,
            score: d.score,
            features: d.features,
            actual: d.actual,
            observed_at: opt_ts(&d.observed_at),
            created_at: ts(&d.created_at),
            status: d.status,
            significant: d.significant,
            decided_by: d.decided_by,
            supersedes: d.supersedes.map(|s| s.to_string()),
            reason_code: d.reason_code,
            review: None,
            receipt: None,
        }
    }
}

impl From<domain::DecisionView> for DecisionView {
    fn from(v: domain::DecisionView) -> Self {
        Self { receipt: receipt(v.receipt), review: v.review.map(Into::into), ..v.decision.into() }
    }
}

/// Records the observed outcome of a decision.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutcomeInput {
    /// What actually happened.
    #[schema(example = "converted")]
    pub actual: String,
    /// When it was observed (RFC 3339); default now.
    pub observed_at: Option<String>,
}

impl From<OutcomeInput> for domain::OutcomeInput {
    fn from(i: OutcomeInput) -> Self {
        Self { actual: i.actual, observed_at: i.observed_at }
    }
}

/// The plain-language reasons of a decision: what a customer may see.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReasonsView {
    /// The decision.
    pub decision_id: String,
    /// The explanation in one paragraph.
    pub text: String,
    /// The reasons, most important first.
    pub reasons: Vec<String>,
    /// What would have changed the outcome (actionable features only).
    pub hints: Vec<String>,
}

impl From<DomainReasons> for ReasonsView {
    fn from(r: DomainReasons) -> Self {
        Self { decision_id: r.decision_id.to_string(), text: r.text, reasons: r.reasons, hints: r.hints }
    }
}

/// A customer's contest of a decision.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContestInput {
    /// The customer's own words (at most 5000 characters; sealed).
    pub statement: Option<String>,
}

/// One feature's change in a counterfactual.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct FeatureChangeView {
    /// The feature.
    pub feature: String,
    /// Its value in the decision.
    pub from: f64,
    /// The value that, with the other changes, flips the outcome.
    pub to: f64,
}

/// What would have changed an adverse decision: the fewest actionable features, then the least
/// change scaled by each feature's range, verified by scoring the changed row again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct CounterfactualView {
    /// The decision.
    pub decision_id: String,
    /// `found`, `not_found` (no change within the bounds flips it) or `not_adverse`.
    #[schema(schema_with = words::<CounterfactualStatus>)]
    pub status: CounterfactualStatus,
    /// The changes (largest scaled change first), when found.
    pub changes: Vec<FeatureChangeView>,
    /// The prediction of the changed row, when found.
    pub prediction: Option<f64>,
    /// The prediction of the decision's row, when found.
    pub original_prediction: Option<f64>,
    /// The total change, each feature's scaled by its range, when found.
    pub cost: Option<f64>,
    /// Why none was found.
    pub reason: Option<String>,
    /// Model evaluations the search used.
    pub evaluations: Option<usize>,
    /// In the customer's words (when found and the model has a feature dictionary).
    pub text: Option<String>,
}

impl CounterfactualView {
    pub(crate) fn of(decision_id: String, v: custos_service::decisions::CounterfactualView) -> Self {
        use custos_service::decisions::Counterfactual as C;
        let c = v.counterfactual;
        let empty = Self {
            text: v.text,
            decision_id,
            status: CounterfactualStatus::NotAdverse,
            changes: Vec::new(),
            prediction: None,
            original_prediction: None,
            cost: None,
            reason: None,
            evaluations: None,
        };
        match c {
            C::Found { changes, prediction, original_prediction, cost, evaluations } => Self {
                status: CounterfactualStatus::Found,
                changes: changes.into_iter().map(|c| FeatureChangeView { feature: c.feature, from: c.from, to: c.to }).collect(),
                prediction: Some(prediction),
                original_prediction: Some(original_prediction),
                cost: Some(cost),
                evaluations: Some(evaluations),
                ..empty
            },
            C::NotFound { reason, evaluations } => {
                Self { status: CounterfactualStatus::NotFound, reason: Some(reason), evaluations: Some(evaluations), ..empty }
            }
            C::NotAdverse => Self { status: CounterfactualStatus::NotAdverse, ..empty },
        }
    }
}

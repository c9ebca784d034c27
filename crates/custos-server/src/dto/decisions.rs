//! The decision log, explanations and reasons on the wire.

use std::collections::BTreeMap;

use custos_service::{decisions as domain, models::ReasonsView as DomainReasons};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ReceiptView, opt_ts, receipt, ts};

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
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
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
            receipt: None,
        }
    }
}

impl From<domain::DecisionView> for DecisionView {
    fn from(v: domain::DecisionView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.decision.into() }
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

//! The risk register on the wire.

use custos_service::risks as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, optional_words, receipt, ts, words};

/// One mitigation: a control that addresses the risk, or an action with a due date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MitigationDoc {
    /// What is done about the risk.
    #[schema(example = "Quarterly fairness audit with an alert on the demographic parity difference")]
    pub description: String,
    /// The control that addresses it (a control's key).
    pub control: Option<String>,
    /// When the action is due (`YYYY-MM-DD`).
    #[schema(example = "2027-03-31")]
    pub due_on: Option<String>,
    /// Whether it is in place (default false).
    #[serde(default)]
    pub done: bool,
}

impl From<MitigationDoc> for domain::Mitigation {
    fn from(m: MitigationDoc) -> Self {
        Self { description: m.description, control: m.control, due_on: m.due_on, done: m.done }
    }
}

impl From<domain::Mitigation> for MitigationDoc {
    fn from(m: domain::Mitigation) -> Self {
        Self { description: m.description, control: m.control, due_on: m.due_on, done: m.done }
    }
}

/// Records a risk (POST: `title`, `description`, `category`, `likelihood`, `impact` required,
/// `owner` too unless a person records it; with `alert_id`, everything but the owner comes
/// from the alert unless given), or changes the fields given (PATCH).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskInput {
    /// The AI system it belongs to (none or `""`: the business as a whole).
    pub ai_system_id: Option<String>,
    /// A short name.
    #[schema(example = "Credit model disadvantages younger applicants")]
    pub title: Option<String>,
    /// What could happen, to whom, and why.
    pub description: Option<String>,
    /// `privacy`, `security`, `bias`, `reputational`, `legal` or `operational`.
    #[schema(schema_with = optional_words::<domain::RiskCategory>)]
    pub category: Option<String>,
    /// How likely before mitigation, 1 (rare) to 5 (almost certain).
    #[schema(minimum = 1, maximum = 5)]
    pub likelihood: Option<u8>,
    /// How bad before mitigation, 1 (negligible) to 5 (severe).
    #[schema(minimum = 1, maximum = 5)]
    pub impact: Option<u8>,
    /// Likelihood after the mitigations (with `residual_impact`).
    #[schema(minimum = 1, maximum = 5)]
    pub residual_likelihood: Option<u8>,
    /// Impact after the mitigations (with `residual_likelihood`).
    #[schema(minimum = 1, maximum = 5)]
    pub residual_impact: Option<u8>,
    /// The staff member accountable (an email or an account id).
    pub owner: Option<String>,
    /// What is done about it (a change replaces the list).
    pub mitigations: Option<Vec<MitigationDoc>>,
    /// `open` (default), `mitigating`, `accepted` (needs the residual scores) or `closed`.
    #[schema(schema_with = optional_words::<domain::RiskStatus>)]
    pub status: Option<String>,
    /// Next review (`YYYY-MM-DD`; default 90 days from today).
    pub review_on: Option<String>,
    /// POST only: raise the risk from this alert (monitoring, fairness, oversight ...); the
    /// risk keeps the link, one risk per alert.
    pub alert_id: Option<String>,
    /// POST only: raise the risk from this incident (that it could happen again); the risk
    /// keeps the link, one risk per incident.
    pub incident_id: Option<String>,
}

impl From<RiskInput> for domain::RiskInput {
    fn from(i: RiskInput) -> Self {
        Self {
            ai_system_id: i.ai_system_id,
            title: i.title,
            description: i.description,
            category: i.category,
            likelihood: i.likelihood,
            impact: i.impact,
            residual_likelihood: i.residual_likelihood,
            residual_impact: i.residual_impact,
            owner: i.owner,
            mitigations: i.mitigations.map(|m| m.into_iter().map(Into::into).collect()),
            status: i.status,
            review_on: i.review_on,
        }
    }
}

/// A risk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RiskView {
    /// Id.
    pub risk_id: String,
    /// The AI system it belongs to (none: the business as a whole).
    pub ai_system_id: Option<String>,
    /// A short name.
    pub title: String,
    /// What could happen, to whom, and why.
    pub description: String,
    /// Its category.
    #[schema(schema_with = words::<domain::RiskCategory>)]
    pub category: String,
    /// Likelihood before mitigation (1-5).
    pub likelihood: u8,
    /// Impact before mitigation (1-5).
    pub impact: u8,
    /// Likelihood times impact before mitigation (1-25).
    pub inherent_score: u8,
    /// Likelihood after mitigation.
    pub residual_likelihood: Option<u8>,
    /// Impact after mitigation.
    pub residual_impact: Option<u8>,
    /// Likelihood times impact after mitigation.
    pub residual_score: Option<u8>,
    /// The staff member accountable (their email).
    pub owner: String,
    /// What is done about it.
    pub mitigations: Vec<MitigationDoc>,
    /// Where it stands.
    #[schema(schema_with = words::<domain::RiskStatus>)]
    pub status: String,
    /// Next review (`YYYY-MM-DD`).
    pub review_on: String,
    /// `alert` or `incident` when it was raised from one.
    pub raised_from: Option<String>,
    /// The id of that alert or incident.
    pub raised_from_id: Option<String>,
    /// Who recorded it.
    pub created_by: String,
    /// When it was recorded.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::RiskRecord> for RiskView {
    fn from(r: domain::RiskRecord) -> Self {
        Self {
            risk_id: r.risk_id.to_string(),
            ai_system_id: r.ai_system_id.as_ref().map(ToString::to_string),
            inherent_score: r.inherent_score(),
            residual_score: r.residual_score(),
            title: r.title,
            description: r.description,
            category: r.category,
            likelihood: r.likelihood,
            impact: r.impact,
            residual_likelihood: r.residual_likelihood,
            residual_impact: r.residual_impact,
            owner: r.owner,
            mitigations: r.mitigations.into_iter().map(Into::into).collect(),
            status: r.status,
            review_on: r.review_on,
            raised_from: r.raised_from,
            raised_from_id: r.raised_from_id,
            created_by: r.created_by,
            created_at: ts(&r.created_at),
            updated_at: ts(&r.updated_at),
            receipt: None,
        }
    }
}

impl From<domain::RiskView> for RiskView {
    fn from(v: domain::RiskView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.risk.into() }
    }
}

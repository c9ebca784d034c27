//! Oversight settings and figures on the wire: review rules, suspensions (the stop button)
//! and the oversight metrics.

use custos_core::{Role, SuspensionMode};
use custos_service::oversight as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, opt_ts, optional_words, receipt, ts, words};

/// When a rule sends a decision to review. Every condition given must hold; name at least one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleConditionsView {
    /// Decisions under this purpose.
    pub purpose: Option<String>,
    /// Decisions of this model.
    pub model: Option<String>,
    /// Only this version of the model.
    pub model_version: Option<String>,
    /// Only decisions with a legal or similarly significant effect.
    #[serde(default)]
    pub significant: bool,
    /// Only decisions whose score lies in `[low, high]`.
    pub score_band: Option<[f64; 2]>,
    /// Only decisions without an explanation.
    #[serde(default)]
    pub no_explanation: bool,
    /// Only decisions about a subject in a group that a firing fairness alert names (for an
    /// audit of the same purpose and model). The subject's group is read by the service from
    /// audit-only data and never shown: the review says only `fairness_alert`.
    #[serde(default)]
    pub fairness_alert: bool,
    /// A share of decisions (0 < rate <= 1), drawn by decision id, for quality control.
    pub sample_rate: Option<f64>,
}

impl From<RuleConditionsView> for domain::RuleConditions {
    fn from(c: RuleConditionsView) -> Self {
        Self {
            purpose: c.purpose,
            model: c.model,
            model_version: c.model_version,
            significant: c.significant,
            score_band: c.score_band,
            no_explanation: c.no_explanation,
            fairness_alert: c.fairness_alert,
            sample_rate: c.sample_rate,
        }
    }
}

impl From<domain::RuleConditions> for RuleConditionsView {
    fn from(c: domain::RuleConditions) -> Self {
        Self {
            purpose: c.purpose,
            model: c.model,
            model_version: c.model_version,
            significant: c.significant,
            score_band: c.score_band,
            no_explanation: c.no_explanation,
            fairness_alert: c.fairness_alert,
            sample_rate: c.sample_rate,
        }
    }
}

/// Creates a review rule (or, with `replaces`, the next version of one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewRuleInput {
    /// What people call it.
    #[schema(example = "Credit decisions near the cut-off")]
    pub name: String,
    /// When it applies.
    pub conditions: RuleConditionsView,
    /// Hours a reviewer has (1-8760).
    #[schema(example = 48)]
    pub sla_hours: u32,
    /// Who may review (default `reviewer`).
    #[schema(schema_with = optional_words::<Role>)]
    pub required_role: Option<Role>,
    /// Who is told when a review is overdue (default `privacy_officer`).
    #[schema(schema_with = optional_words::<Role>)]
    pub escalation_role: Option<Role>,
    /// Two different reviewers must agree.
    #[serde(default)]
    pub two_person: bool,
    /// The reviewer sees the model's outcome only after recording theirs.
    #[serde(default)]
    pub blind: bool,
    /// The rule this is a new version of.
    pub replaces: Option<String>,
}

impl From<ReviewRuleInput> for domain::ReviewRuleInput {
    fn from(i: ReviewRuleInput) -> Self {
        Self {
            name: i.name,
            conditions: i.conditions.into(),
            sla_hours: i.sla_hours,
            required_role: i.required_role,
            escalation_role: i.escalation_role,
            two_person: i.two_person,
            blind: i.blind,
            replaces: i.replaces,
        }
    }
}

/// A review rule (its live version).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewRuleView {
    /// Stable across versions.
    pub rule_id: String,
    /// Name.
    pub name: String,
    /// Version (1, 2, ...).
    pub version: u32,
    /// When it applies.
    pub conditions: RuleConditionsView,
    /// Hours a reviewer has.
    pub sla_hours: u32,
    /// Who may review.
    #[schema(schema_with = words::<Role>)]
    pub required_role: Role,
    /// Who is told when a review is overdue.
    #[schema(schema_with = optional_words::<Role>)]
    pub escalation_role: Option<Role>,
    /// Two different reviewers must agree.
    pub two_person: bool,
    /// Blind review.
    pub blind: bool,
    /// When this version was written.
    pub created_at: String,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ReviewRuleView> for ReviewRuleView {
    fn from(v: domain::ReviewRuleView) -> Self {
        let r = v.rule;
        Self {
            rule_id: r.rule_id.to_string(),
            name: r.name,
            version: r.version,
            conditions: v.conditions.into(),
            sla_hours: r.sla_hours,
            required_role: r.required_role,
            escalation_role: r.escalation_role,
            two_person: r.two_person,
            blind: r.blind,
            created_at: ts(&r.created_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// Presses the stop button.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuspensionInput {
    /// The purpose to stop (`deny`) or to review (`review_all`).
    pub purpose: Option<String>,
    /// The model whose decisions all go to review (`review_all`).
    pub model: Option<String>,
    /// Only this version of the model.
    pub model_version: Option<String>,
    /// `deny`: the gate refuses the purpose; `review_all`: every decision goes to a person.
    #[schema(schema_with = words::<SuspensionMode>)]
    pub mode: SuspensionMode,
    /// Why.
    pub reason: String,
}

impl From<SuspensionInput> for domain::SuspensionInput {
    fn from(i: SuspensionInput) -> Self {
        Self { purpose: i.purpose, model: i.model, model_version: i.model_version, mode: i.mode, reason: i.reason }
    }
}

/// A suspension.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SuspensionView {
    /// Id.
    pub suspension_id: String,
    /// The purpose.
    pub purpose: Option<String>,
    /// The model.
    pub model: Option<String>,
    /// The model version.
    pub model_version: Option<String>,
    /// What it does.
    #[schema(schema_with = words::<SuspensionMode>)]
    pub mode: SuspensionMode,
    /// Why.
    pub reason: String,
    /// Who pressed the button (`staff:<id>` or `key:<id>`).
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// When it was lifted (absent while it holds).
    pub lifted_at: Option<String>,
    /// Who lifted it.
    pub lifted_by: Option<String>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::SuspensionRecord> for SuspensionView {
    fn from(s: domain::SuspensionRecord) -> Self {
        Self {
            suspension_id: s.suspension_id.to_string(),
            purpose: s.purpose.map(|p| p.to_string()),
            model: s.model,
            model_version: s.model_version,
            mode: s.mode,
            reason: s.reason,
            created_by: s.created_by,
            created_at: ts(&s.created_at),
            lifted_at: opt_ts(&s.lifted_at),
            lifted_by: s.lifted_by,
            receipt: None,
        }
    }
}

impl From<domain::SuspensionView> for SuspensionView {
    fn from(v: domain::SuspensionView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.suspension.into() }
    }
}

/// The figures of a group of verdicts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct FiguresView {
    /// Verdicts recorded.
    pub reviews: u64,
    /// Share that overrode the model (0-1).
    pub override_rate: f64,
    /// Share whose outcome was the model's (0-1).
    pub agreement_rate: f64,
    /// Median seconds from taking a review to the verdict.
    pub median_seconds: f64,
    /// 10th percentile of those seconds.
    pub p10_seconds: f64,
    /// Share recorded after the review was due (0-1).
    pub late_share: f64,
}

impl From<domain::Figures> for FiguresView {
    fn from(f: domain::Figures) -> Self {
        Self {
            reviews: f.reviews,
            override_rate: f.override_rate,
            agreement_rate: f.agreement_rate,
            median_seconds: f.median_seconds,
            p10_seconds: f.p10_seconds,
            late_share: f.late_share,
        }
    }
}

/// One reviewer's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReviewerFiguresView {
    /// The staff account.
    pub user_id: String,
    /// Their sign-in email.
    pub email: Option<String>,
    /// Their figures.
    #[serde(flatten)]
    pub figures: FiguresView,
    /// Whether they look like rubber-stamping (the alert fires).
    pub rubber_stamping: bool,
}

/// One rule's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct RuleFiguresView {
    /// The rule (absent: contests and suspensions).
    pub rule_id: Option<String>,
    /// Its figures.
    #[serde(flatten)]
    pub figures: FiguresView,
}

/// The oversight figures over a trailing window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct OversightMetricsView {
    /// Window start.
    pub since: String,
    /// Window end.
    pub until: String,
    /// The rubber-stamp alert fires above this agreement...
    pub alert_agreement_above: f64,
    /// ...when the median time is below this many seconds...
    pub alert_median_seconds_below: f64,
    /// ...over at least this many reviews.
    pub alert_min_reviews: u32,
    /// Everyone together.
    pub overall: FiguresView,
    /// Per reviewer.
    pub reviewers: Vec<ReviewerFiguresView>,
    /// Per rule.
    pub rules: Vec<RuleFiguresView>,
}

impl From<domain::OversightMetrics> for OversightMetricsView {
    fn from(m: domain::OversightMetrics) -> Self {
        Self {
            since: ts(&m.since),
            until: ts(&m.until),
            alert_agreement_above: m.config.agreement_above,
            alert_median_seconds_below: m.config.median_seconds_below,
            alert_min_reviews: m.config.min_reviews,
            overall: m.overall.into(),
            reviewers: m
                .reviewers
                .into_iter()
                .map(|r| ReviewerFiguresView {
                    user_id: r.user_id,
                    email: r.email,
                    figures: r.figures.into(),
                    rubber_stamping: r.rubber_stamping,
                })
                .collect(),
            rules: m
                .rules
                .into_iter()
                .map(|r| RuleFiguresView { rule_id: r.rule_id.map(|i| i.to_string()), figures: r.figures.into() })
                .collect(),
        }
    }
}

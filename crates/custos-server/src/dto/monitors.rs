//! Monitors on the wire.

use custos_service::monitors as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts};

/// Creates a monitor.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MonitorInput {
    /// What people call it.
    #[schema(example = "Next best offer, inputs")]
    pub name: String,
    /// Watch decisions under this purpose.
    pub purpose: Option<String>,
    /// Watch decisions of this model (a model, a purpose or both).
    pub model: Option<String>,
    /// Start of the reference window (RFC 3339).
    #[schema(example = "2026-11-01T00:00:00Z")]
    pub reference_from: String,
    /// End of the reference window (RFC 3339, exclusive).
    #[schema(example = "2026-12-01T00:00:00Z")]
    pub reference_to: String,
    /// `hourly`, `daily` (default) or `weekly`: the current window, ending when a report is asked.
    pub window_length: Option<String>,
    /// The drift decision's error rate (default 0.05).
    pub alpha: Option<f64>,
    /// `holm` (default), `bh` or `none`.
    pub correction: Option<String>,
    /// The outcome that counts as positive for performance figures (none: no performance).
    pub positive_outcome: Option<String>,
    /// The score at which a decision is predicted positive (default 0.5).
    pub decision_threshold: Option<f64>,
    /// An accuracy alert fires when a window's accuracy is below this (needs `positive_outcome`).
    pub min_accuracy: Option<f64>,
    /// Alert rules over the monitor's figures (at most 20); each fires and resolves its own
    /// alert (kind `rule_<n>`, n its position from 1) in the one alert store.
    #[serde(default)]
    pub alert_rules: Vec<AlertRuleView>,
}

/// An alert rule: fires while a window's figure is above or below a threshold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertRuleView {
    /// `psi`, `wasserstein_sd` or `jensen_shannon` (of one input), `drifted_inputs`,
    /// `accuracy`, `roc_auc`, `precision`, `recall`, `brier` or `expected_calibration_error`
    /// (performance figures need the monitor's `positive_outcome`).
    #[schema(example = "psi")]
    pub figure: String,
    /// The input, for `psi`, `wasserstein_sd` and `jensen_shannon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "income")]
    pub input: Option<String>,
    /// Fires while the figure is above this (give this or `below`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 0.1)]
    pub above: Option<f64>,
    /// Fires while the figure is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    /// Performance figures: require the whole 95 % interval past the threshold.
    #[serde(default)]
    pub interval: bool,
    /// When it fires, the approved versions of the monitor's model must be validated again
    /// (their approval lapses; the AI system's `on_expiry` says what decisions then do).
    #[serde(default)]
    pub requires_revalidation: bool,
}

impl From<AlertRuleView> for domain::AlertRule {
    fn from(r: AlertRuleView) -> Self {
        Self {
            figure: r.figure,
            input: r.input,
            above: r.above,
            below: r.below,
            interval: r.interval,
            requires_revalidation: r.requires_revalidation,
        }
    }
}

impl From<domain::AlertRule> for AlertRuleView {
    fn from(r: domain::AlertRule) -> Self {
        Self {
            figure: r.figure,
            input: r.input,
            above: r.above,
            below: r.below,
            interval: r.interval,
            requires_revalidation: r.requires_revalidation,
        }
    }
}

/// Silences a monitor's new alerts until a time, or lifts the silence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SilenceInput {
    /// Until when (RFC 3339); null lifts the silence.
    #[schema(example = "2026-12-03T09:00:00Z")]
    pub until: Option<String>,
}

impl From<MonitorInput> for domain::MonitorInput {
    fn from(i: MonitorInput) -> Self {
        Self {
            name: i.name,
            purpose: i.purpose,
            model: i.model,
            reference_from: i.reference_from,
            reference_to: i.reference_to,
            window_length: i.window_length,
            alpha: i.alpha,
            correction: i.correction,
            positive_outcome: i.positive_outcome,
            decision_threshold: i.decision_threshold,
            min_accuracy: i.min_accuracy,
            alert_rules: i.alert_rules.into_iter().map(Into::into).collect(),
        }
    }
}

/// A monitor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MonitorView {
    /// Id.
    pub monitor_id: String,
    /// What people call it.
    pub name: String,
    /// The purpose watched.
    pub purpose: Option<String>,
    /// The model watched.
    pub model: Option<String>,
    /// Start of the reference window.
    pub reference_from: String,
    /// End of the reference window (exclusive).
    pub reference_to: String,
    /// `hourly`, `daily` or `weekly`.
    pub window_length: String,
    /// The drift decision's error rate.
    pub alpha: f64,
    /// `holm`, `bh` or `none`.
    pub correction: String,
    /// The outcome that counts as positive.
    pub positive_outcome: Option<String>,
    /// The score at which a decision is predicted positive.
    pub decision_threshold: f64,
    /// An accuracy alert fires below this.
    pub min_accuracy: Option<f64>,
    /// No new alert of this monitor fires before this.
    pub silenced_until: Option<String>,
    /// Its alert rules.
    pub alert_rules: Vec<AlertRuleView>,
    /// When it was created.
    pub created_at: String,
    /// Where its creation was recorded (write answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::MonitorRecord> for MonitorView {
    fn from(m: domain::MonitorRecord) -> Self {
        Self {
            monitor_id: m.monitor_id.to_string(),
            name: m.name,
            purpose: m.purpose,
            model: m.model,
            reference_from: ts(&m.reference_from),
            reference_to: ts(&m.reference_to),
            window_length: m.window_length,
            alpha: m.alpha,
            correction: m.correction,
            positive_outcome: m.positive_outcome,
            decision_threshold: m.decision_threshold,
            min_accuracy: m.min_accuracy,
            silenced_until: m.silenced_until.as_ref().map(ts),
            alert_rules: serde_json::from_value::<Vec<domain::AlertRule>>(m.alert_rules)
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            created_at: ts(&m.created_at),
            receipt: None,
        }
    }
}

impl From<domain::MonitorView> for MonitorView {
    fn from(v: domain::MonitorView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.monitor.into() }
    }
}

/// One window of a report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct WindowView {
    /// Start.
    pub from: String,
    /// End (exclusive).
    pub to: String,
    /// Decisions read.
    pub rows: u64,
    /// The window held more decisions than a report reads (100,000; the earliest were read).
    pub truncated: bool,
}

impl From<domain::WindowFigures> for WindowView {
    fn from(w: domain::WindowFigures) -> Self {
        Self { from: ts(&w.from), to: ts(&w.to), rows: w.rows, truncated: w.truncated }
    }
}

/// A monitor's report: drift of the features and performance in the current window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MonitorReportView {
    /// The monitor.
    pub monitor: MonitorView,
    /// The reference window (with an uploaded profile: the monitor's reference dates and the
    /// profile's rows).
    pub reference: WindowView,
    /// `window` (the decision log) or `profile` (an uploaded profile).
    pub reference_source: String,
    /// The current window.
    pub current: WindowView,
    /// The drift report (the shape of `custos drift`'s JSON: `columns`, `correction`, `alpha`,
    /// `drifted_columns`, `rows`; docs/MONITORING.md); null when a window has no features.
    #[schema(value_type = Option<Object>)]
    pub drift: Option<serde_json::Value>,
    /// Performance in the current window (`roc_auc`, `accuracy`, `precision`, `recall`,
    /// `brier`, `expected_calibration_error`, each with its interval, and `estimated`: true
    /// when computed from the scores alone); null without a positive outcome or scores.
    #[schema(value_type = Option<Object>)]
    pub performance: Option<serde_json::Value>,
}

impl From<domain::MonitorReport> for MonitorReportView {
    fn from(r: domain::MonitorReport) -> Self {
        Self {
            monitor: r.monitor.into(),
            reference: r.reference.into(),
            reference_source: r.reference_source.to_owned(),
            current: r.current.into(),
            drift: r.drift.and_then(|d| serde_json::to_value(d).ok()),
            performance: r.performance.and_then(|p| serde_json::to_value(p).ok()),
        }
    }
}

/// One window of a monitor's trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct WindowSummaryView {
    /// The window.
    pub window: WindowView,
    /// Features compared.
    pub features: usize,
    /// The features that drifted.
    pub drifted: Vec<String>,
    /// Performance in the window (as in a report); null without a positive outcome or scores.
    #[schema(value_type = Option<Object>)]
    pub performance: Option<serde_json::Value>,
}

impl From<domain::WindowSummary> for WindowSummaryView {
    fn from(w: domain::WindowSummary) -> Self {
        Self {
            window: w.window.into(),
            features: w.features,
            drifted: w.drifted,
            performance: w.performance.and_then(|p| serde_json::to_value(p).ok()),
        }
    }
}

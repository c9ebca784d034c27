//! Fairness audits, schedules and alerts on the wire.

use std::collections::BTreeMap;

use custos_core::AuditStatus;
use custos_service::fairness::{self as domain, Breach, FairnessReport};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, opt_ts, receipt, ts, words};

/// An audit of the decision log.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FairnessAuditInput {
    /// Only decisions under this purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "marketing.advertising.first_party.targeted")]
    pub purpose: Option<String>,
    /// Only decisions by this model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "next-best-offer")]
    pub model: Option<String>,
    /// Only decisions made at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Only decisions made before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Audit-only data categories whose values form the groups (1 to 4; groups are every
    /// combination of their values).
    #[schema(example = json!(["user.demographic.gender"]))]
    pub sensitive: Vec<String>,
    /// The favourable decision outcome (and actual outcome); default `1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "offer")]
    pub favorable: Option<String>,
    /// The reference (privileged) group for AIF360's relative metrics, as
    /// `category=value[,category=value]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "user.demographic.gender=male")]
    pub reference_group: Option<String>,
    /// Groups smaller than this get a warning (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_group_size: Option<u64>,
    /// Bootstrap replicates for the disparity intervals (default 1000, at most 10000; 0 skips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap (default 20261122).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Alert thresholds per disparity: a difference or index above its threshold (in absolute
    /// value), or a ratio or disparate impact below it, raises an alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = json!({"demographic_parity_difference": 0.1, "disparate_impact": 0.8}))]
    pub thresholds: Option<BTreeMap<String, f64>>,
    /// What must cross a threshold for an alert: the point `estimate` (default) or the whole
    /// 95 % bootstrap `interval` (demographic parity difference and equalized odds difference
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_on: Option<AlertOnView>,
    /// When an alert fires, the approved versions of `model` must be validated again (their
    /// approval lapses; the AI system's `on_expiry` says what decisions then do).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requires_revalidation: bool,
}

/// What must cross a fairness threshold for an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AlertOnView {
    /// The point estimate.
    Estimate,
    /// The whole bootstrap interval.
    Interval,
}

impl From<AlertOnView> for domain::AlertOn {
    fn from(v: AlertOnView) -> Self {
        match v {
            AlertOnView::Estimate => Self::Estimate,
            AlertOnView::Interval => Self::Interval,
        }
    }
}

impl From<domain::AlertOn> for AlertOnView {
    fn from(v: domain::AlertOn) -> Self {
        match v {
            domain::AlertOn::Estimate => Self::Estimate,
            domain::AlertOn::Interval => Self::Interval,
        }
    }
}

impl From<FairnessAuditInput> for domain::FairnessAuditInput {
    fn from(i: FairnessAuditInput) -> Self {
        Self {
            purpose: i.purpose,
            model: i.model,
            from: i.from,
            to: i.to,
            sensitive: i.sensitive,
            favorable: i.favorable,
            reference_group: i.reference_group,
            min_group_size: i.min_group_size,
            bootstrap: i.bootstrap,
            seed: i.seed,
            thresholds: i.thresholds,
            alert_on: i.alert_on.map(Into::into),
            requires_revalidation: i.requires_revalidation,
        }
    }
}

impl From<domain::FairnessAuditInput> for FairnessAuditInput {
    fn from(i: domain::FairnessAuditInput) -> Self {
        Self {
            purpose: i.purpose,
            model: i.model,
            from: i.from,
            to: i.to,
            sensitive: i.sensitive,
            favorable: i.favorable,
            reference_group: i.reference_group,
            min_group_size: i.min_group_size,
            bootstrap: i.bootstrap,
            seed: i.seed,
            thresholds: i.thresholds,
            alert_on: i.alert_on.map(Into::into),
            requires_revalidation: i.requires_revalidation,
        }
    }
}

/// How far a running audit got.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct AuditProgress {
    /// Decisions read so far.
    pub rows_done: u64,
    /// Decisions in scope (null until the audit starts).
    pub rows_total: Option<u64>,
}

/// A disparity past its threshold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct FairnessAlert {
    /// The disparity (`demographic_parity_difference`, `disparate_impact`, ...).
    pub metric: String,
    /// Its value in the report.
    pub value: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// Which side of the threshold it is on.
    #[schema(schema_with = words::<Breach>)]
    pub breach: Breach,
}

impl From<domain::FairnessAlert> for FairnessAlert {
    fn from(a: domain::FairnessAlert) -> Self {
        Self { metric: a.metric, value: a.value, threshold: a.threshold, breach: a.breach }
    }
}

/// An audit: its request, status, progress and (once it succeeded) its report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FairnessAuditView {
    /// The audit.
    pub audit_id: String,
    /// Where it is.
    #[schema(schema_with = words::<AuditStatus>)]
    pub status: AuditStatus,
    /// What was asked.
    pub request: FairnessAuditInput,
    /// The recurring audit that queued it, if any.
    pub schedule_id: Option<String>,
    /// How far it got.
    pub progress: AuditProgress,
    /// The report (same shape as `custos fairness audit`), once it succeeded; omitted in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<FairnessReport>,
    /// SHA-256 of the stored report (also in the ledger).
    pub report_sha256: Option<String>,
    /// Thresholds the report breached.
    pub alerts: Vec<FairnessAlert>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was asked for.
    pub created_at: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it finished.
    pub finished_at: Option<String>,
    /// The ledger receipt of the request (on creation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::FairnessAuditView> for FairnessAuditView {
    fn from(a: domain::FairnessAuditView) -> Self {
        Self {
            audit_id: a.audit_id.to_string(),
            status: a.status,
            request: a.request.into(),
            schedule_id: a.schedule_id.map(|s| s.to_string()),
            progress: AuditProgress { rows_done: a.progress.rows_done, rows_total: a.progress.rows_total },
            report: a.report,
            report_sha256: a.report_sha256,
            alerts: a.alerts.into_iter().map(Into::into).collect(),
            error: a.error,
            created_at: ts(&a.created_at),
            started_at: opt_ts(&a.started_at),
            finished_at: opt_ts(&a.finished_at),
            receipt: receipt(a.receipt),
        }
    }
}

/// A recurring audit.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FairnessScheduleInput {
    /// Seconds between runs (at least 60).
    #[schema(example = 86400)]
    pub interval_seconds: u64,
    /// Each run audits the decisions of this many trailing seconds (all decisions when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 2592000)]
    pub window_seconds: Option<u64>,
    /// The audit to run (without `from`/`to`, which the window sets).
    pub audit: FairnessAuditInput,
}

impl From<FairnessScheduleInput> for domain::FairnessScheduleInput {
    fn from(i: FairnessScheduleInput) -> Self {
        Self { interval_seconds: i.interval_seconds, window_seconds: i.window_seconds, audit: i.audit.into() }
    }
}

/// A recurring audit as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct FairnessScheduleView {
    /// The schedule.
    pub schedule_id: String,
    /// Seconds between runs.
    pub interval_seconds: u64,
    /// The trailing window each run audits.
    pub window_seconds: Option<u64>,
    /// The audit it runs.
    pub audit: FairnessAuditInput,
    /// When it next runs.
    pub next_run_at: String,
    /// When it was created.
    pub created_at: String,
    /// The ledger receipt (on creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::FairnessScheduleView> for FairnessScheduleView {
    fn from(s: domain::FairnessScheduleView) -> Self {
        Self {
            schedule_id: s.schedule_id.to_string(),
            interval_seconds: s.interval_seconds,
            window_seconds: s.window_seconds,
            audit: s.audit.into(),
            next_run_at: ts(&s.next_run_at),
            created_at: ts(&s.created_at),
            receipt: receipt(s.receipt),
        }
    }
}

/// A stopped recurring audit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct FairnessScheduleDeleted {
    /// The schedule that was stopped.
    pub schedule_id: String,
    /// The ledger receipt of the deletion.
    pub receipt: ReceiptView,
}

impl From<domain::FairnessScheduleDeleted> for FairnessScheduleDeleted {
    fn from(d: domain::FairnessScheduleDeleted) -> Self {
        Self { schedule_id: d.schedule_id.to_string(), receipt: d.receipt.into() }
    }
}

/// An audit that raised alerts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct FairnessAlertView {
    /// The audit.
    pub audit_id: String,
    /// The recurring audit that ran it, if any.
    pub schedule_id: Option<String>,
    /// When the audit finished.
    pub finished_at: Option<String>,
    /// What it breached.
    pub alerts: Vec<FairnessAlert>,
}

impl From<domain::FairnessAlertView> for FairnessAlertView {
    fn from(a: domain::FairnessAlertView) -> Self {
        Self {
            audit_id: a.audit_id.to_string(),
            schedule_id: a.schedule_id.map(|s| s.to_string()),
            finished_at: opt_ts(&a.finished_at),
            alerts: a.alerts.into_iter().map(Into::into).collect(),
        }
    }
}

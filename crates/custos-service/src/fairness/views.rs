//! What the fairness handle takes and gives: audit and schedule requests (stored as JSON, so
//! they keep their serde shape), and the views of audits, schedules, alerts and the trend.

use std::collections::BTreeMap;

use custos_core::{AuditId, AuditStatus, ScheduleId, Timestamp};
use serde::{Deserialize, Serialize};

use super::FairnessReport;
use crate::Receipt;

/// An audit of the decision log (`POST /v1/fairness/audits`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessAuditInput {
    /// Only decisions under this purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Only decisions by this model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Only decisions made at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Only decisions made before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Audit-only data categories whose values form the groups (1 to 4; groups are every
    /// combination of their values).
    pub sensitive: Vec<String>,
    /// The favourable decision outcome (and actual outcome); default `1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorable: Option<String>,
    /// The reference (privileged) group for AIF360's relative metrics, as
    /// `category=value[,category=value]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub thresholds: Option<BTreeMap<String, f64>>,
    /// What must cross a threshold for an alert: the point `estimate` (default) or the whole
    /// 95 % bootstrap `interval` (only for the disparities that have one: demographic parity
    /// difference and equalized odds difference), so that noise in a small window does not
    /// alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_on: Option<AlertOn>,
    /// When an alert fires, the approved versions of `model` must be validated again: their
    /// approval lapses, and their AI system's expiry setting says what decisions then do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requires_revalidation: bool,
}

/// What must cross a fairness threshold for an alert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertOn {
    /// The point estimate.
    #[default]
    Estimate,
    /// The whole bootstrap interval.
    Interval,
}

/// How far a running audit got.
#[derive(Debug, Clone, Copy)]
pub struct AuditProgress {
    /// Decisions read so far.
    pub rows_done: u64,
    /// Decisions in scope (null until the audit starts).
    pub rows_total: Option<u64>,
}

/// An audit: its request, status, progress and (once it succeeded) its report.
#[derive(Debug, Clone)]
pub struct FairnessAuditView {
    /// The audit.
    pub audit_id: AuditId,
    /// Where it is.
    pub status: AuditStatus,
    /// What was asked.
    pub request: FairnessAuditInput,
    /// The recurring audit that queued it, if any.
    pub schedule_id: Option<ScheduleId>,
    /// How far it got.
    pub progress: AuditProgress,
    /// The report (same as `custos fairness audit`), once it succeeded; `None` in lists.
    pub report: Option<FairnessReport>,
    /// SHA-256 of the stored report (also in the ledger).
    pub report_sha256: Option<String>,
    /// Thresholds the report breached.
    pub alerts: Vec<FairnessAlert>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was asked for.
    pub created_at: Timestamp,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
    /// The ledger receipt of the request (on creation only).
    pub receipt: Option<Receipt>,
}

/// A disparity past its threshold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FairnessAlert {
    /// The disparity (`demographic_parity_difference`, `disparate_impact`, ...).
    pub metric: String,
    /// Its value in the report.
    pub value: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// Which side of the threshold it is on.
    pub breach: Breach,
}

custos_core::vocabulary! {
    /// Which way a disparity crossed its threshold.
    pub enum Breach: "breach" {
        /// A difference or index too large.
        Above = "above" ("Above the threshold"),
        /// A ratio or disparate impact too small.
        Below = "below" ("Below the threshold"),
    }
}

/// A recurring audit (`POST /v1/fairness/schedules`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessScheduleInput {
    /// Seconds between runs (at least 60).
    pub interval_seconds: u64,
    /// Each run audits the decisions of this many trailing seconds (all decisions when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<u64>,
    /// The audit to run (without `from`/`to`, which the window sets).
    pub audit: FairnessAuditInput,
}

/// A recurring audit.
#[derive(Debug, Clone)]
pub struct FairnessScheduleView {
    /// The schedule.
    pub schedule_id: ScheduleId,
    /// Seconds between runs.
    pub interval_seconds: u64,
    /// The trailing window each run audits.
    pub window_seconds: Option<u64>,
    /// The audit it runs.
    pub audit: FairnessAuditInput,
    /// When it next runs.
    pub next_run_at: Timestamp,
    /// When it was created.
    pub created_at: Timestamp,
    /// The ledger receipt (on creation).
    pub receipt: Option<Receipt>,
}

/// A stopped recurring audit.
#[derive(Debug, Clone)]
pub struct FairnessScheduleDeleted {
    /// The schedule that was stopped.
    pub schedule_id: ScheduleId,
    /// The ledger receipt of the deletion.
    pub receipt: Receipt,
}

/// An audit that raised alerts.
#[derive(Debug, Clone)]
pub struct FairnessAlertView {
    /// The audit.
    pub audit_id: AuditId,
    /// The recurring audit that ran it, if any.
    pub schedule_id: Option<ScheduleId>,
    /// When the audit finished.
    pub finished_at: Option<Timestamp>,
    /// What it breached.
    pub alerts: Vec<FairnessAlert>,
}

/// One audit on the fairness trend.
#[derive(Debug, Clone)]
pub struct TrendPoint {
    /// The audit.
    pub audit_id: AuditId,
    /// When it finished.
    pub finished_at: Timestamp,
    /// Its demographic parity difference (`None` when it could not be computed).
    pub demographic_parity_difference: Option<f64>,
}

/// What an audit can be asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChoices {
    /// The audit-only categories configured (the only ones an audit may group by).
    pub categories: Vec<String>,
    /// Outcomes in the decision log with their counts, most common first (at most 50).
    pub outcomes: Vec<(String, u64)>,
}

//! Validation runs on the wire.

use custos_service::validations as domain;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts};

/// Where a running validation is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ProgressView {
    /// `scoring`, `bootstrap`, `calibration`, `flip test`, `robustness` or `monotonicity`.
    pub stage: String,
    /// Done so far.
    pub done: u64,
    /// To do in this stage.
    pub total: u64,
}

/// A validation run and, once it succeeded, its report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ValidationView {
    /// Id (cite it in an approval request as `validation_id`).
    pub validation_id: String,
    /// The model version validated.
    pub model_id: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    #[schema(examples("queued", "running", "succeeded", "failed"))]
    pub state: String,
    /// While it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<ProgressView>,
    /// Whether every check of the policy passed.
    pub passed: Option<bool>,
    /// SHA-256 of the report text (as in the ledger).
    pub report_sha256: Option<String>,
    /// Rows of the set.
    pub rows: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// What it was asked: columns, options, policy.
    #[schema(value_type = Object)]
    pub request: Value,
    /// The report: performance with intervals, calibration, fairness, flip tests, robustness,
    /// monotonicity, representation, proxies, and the checks against the policy.
    #[schema(value_type = Option<Object>)]
    pub report: Option<Value>,
    /// Until when the sealed set is kept (none: deleted when the run ended).
    pub set_kept_until: Option<String>,
    /// When it was asked.
    pub created_at: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Where the start was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ValidationView> for ValidationView {
    fn from(v: domain::ValidationView) -> Self {
        let r = v.validation;
        Self {
            validation_id: r.validation_id,
            model_id: r.model_id.to_string(),
            state: r.status,
            progress: v.progress.map(|(stage, done, total)| ProgressView { stage, done, total }),
            passed: r.passed,
            report_sha256: r.report_sha256,
            rows: r.rows,
            error: r.error,
            request: r.spec,
            report: r.report.as_deref().and_then(|t| serde_json::from_str(t).ok()),
            set_kept_until: r.file_path.as_ref().and(r.retain_until.as_ref()).map(ts),
            created_at: ts(&r.created_at),
            started_at: r.started_at.as_ref().map(ts),
            finished_at: r.finished_at.as_ref().map(ts),
            receipt: receipt(v.receipt),
        }
    }
}

//! Segments, export policies, segment exports, private queries and privacy budgets on the wire.

use std::collections::BTreeMap;

use custos_service::exports as domain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ReceiptView, opt_ts, receipt, ts, words};

/// A new version of a purpose's export policy. `policy` holds: `release` (`rows` or
/// `statistics`), `quasi_identifiers` (`[{"field": <data category>, "hierarchy": {"intervals":
/// [10, 20]} | {"prefix": 2} | "dates" | {"tree": [{value: parent}, ...]} | "fideslang"}]`),
/// `sensitive` (data categories), `k`, `l`, `t`, `max_suppressed` (a share, 0 to 0.5),
/// `budget` (`{"epsilon": 2}`, `{"epsilon": 2, "delta": 1e-6}` or `{"rho": 0.5}`),
/// `segment_keys` (per data category, the keys private statistics report), `statistics` (for
/// `release: statistics`: as a private query's fields) and `retention_days` (default 30).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportPolicyInput {
    /// The policy (see above).
    #[schema(value_type = Object)]
    pub policy: Value,
    /// Start the purpose's privacy budget afresh (what was spent is forgotten; the ledger keeps
    /// the change). Default false: spent stays spent.
    #[serde(default)]
    pub reset_budget: bool,
}

/// One version of a purpose's export policy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ExportPolicyView {
    /// The purpose.
    pub purpose: String,
    /// The version (1, 2, ...).
    pub version: i64,
    /// The policy as validated (defaults filled in).
    #[schema(value_type = Object)]
    pub policy: Value,
    /// The version whose change last reset the privacy budget.
    pub budget_epoch: i64,
    /// Who set it (`staff:<id>`).
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Where the change is in the ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::PolicyView> for ExportPolicyView {
    fn from(v: domain::PolicyView) -> Self {
        Self {
            purpose: v.purpose,
            version: v.version,
            policy: serde_json::to_value(&v.policy).unwrap_or(Value::Null),
            budget_epoch: v.budget_epoch,
            created_by: v.created_by,
            created_at: ts(&v.created_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// A segment to save: which subjects (jurisdictions, and per data category the values a
/// subject's value must be one of) and the fields exported about them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SegmentInput {
    /// A name (unique).
    #[schema(example = "Young adults in Germany")]
    pub name: String,
    /// Jurisdictions (a country also matches its subdivisions); empty or missing: all.
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    /// Per data category, the values a subject's value must be one of.
    #[serde(default)]
    pub filter: BTreeMap<String, Vec<String>>,
    /// What is exported about each subject: data categories, or `decision.outcome` and
    /// `decision.score` (the subject's latest standing decision under the export's purpose).
    pub fields: Vec<String>,
}

/// A saved segment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SegmentView {
    /// Id.
    pub segment_id: String,
    /// Name.
    pub name: String,
    /// Jurisdictions (empty: all).
    pub jurisdictions: Vec<String>,
    /// Per data category, the values a subject's value must be one of.
    pub filter: BTreeMap<String, Vec<String>>,
    /// What is exported: data categories, or `decision.outcome` and `decision.score` (the
    /// subject's latest standing decision under the export's purpose).
    pub fields: Vec<String>,
    /// Who saved it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Where the change is in the ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::SegmentView> for SegmentView {
    fn from(v: domain::SegmentView) -> Self {
        Self {
            segment_id: v.segment_id.to_string(),
            name: v.name,
            jurisdictions: v.jurisdictions,
            filter: v.filter,
            fields: v.fields,
            created_by: v.created_by,
            created_at: ts(&v.created_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// The vendor receiving released data.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipientInput {
    /// The vendor's id in the register.
    pub vendor_id: String,
}

/// A segment export under a purpose.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportInput {
    /// The purpose the export serves (its export policy applies).
    #[schema(example = "marketing.advertising.third_party")]
    pub purpose: String,
    /// The segment exported.
    pub segment_id: String,
    /// `csv` (default) or `parquet`.
    #[schema(example = "csv")]
    pub format: Option<String>,
    /// The vendor the file goes to, if it leaves the business: its agreements must allow it.
    pub recipient: Option<RecipientInput>,
    /// The receiving IAB TCF vendor: each subject's TC string must allow it.
    pub tcf_vendor_id: Option<u16>,
}

/// An export and its report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ExportView {
    /// Id.
    pub export_id: String,
    /// The purpose.
    pub purpose: String,
    /// The segment.
    pub segment_id: String,
    /// The export policy version applied.
    pub policy_version: i64,
    /// `rows` (generalized records) or `statistics` (differentially private figures).
    pub release: String,
    /// `csv` or `parquet`.
    pub format: String,
    /// The vendor it went to.
    pub recipient: Option<String>,
    /// Whether the file is still kept.
    #[schema(schema_with = words::<domain::ExportStatus>)]
    pub status: String,
    /// What the export achieved: who the gate included and excluded (by reason), k, class
    /// sizes, l, t, re-identification risk, suppressed records and information loss; or the
    /// private release's parameters and noise scales.
    #[schema(value_type = Object)]
    pub report: Value,
    /// SHA-256 of the file (hex), also in the ledger.
    pub file_sha256: String,
    /// The file's size in bytes.
    pub file_bytes: i64,
    /// When the file is deleted.
    pub retain_until: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// When its file was deleted.
    pub deleted_at: Option<String>,
    /// Where it is in the ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ExportView> for ExportView {
    fn from(v: domain::ExportView) -> Self {
        Self {
            export_id: v.export_id.to_string(),
            purpose: v.purpose,
            segment_id: v.segment_id.to_string(),
            policy_version: v.policy_version,
            release: v.release,
            format: v.format,
            recipient: v.recipient,
            status: v.status,
            report: v.report,
            file_sha256: v.file_sha256,
            file_bytes: v.file_bytes,
            retain_until: ts(&v.retain_until),
            created_by: v.created_by,
            created_at: ts(&v.created_at),
            deleted_at: opt_ts(&v.deleted_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// A differentially private query: per declared key of `segment_by`, a `count`, a `sum` or
/// `mean` of `field` clamped to `bounds`, or a `histogram` of `field`'s declared keys; with
/// `epsilon` (discrete Laplace, pure DP) or `rho` (discrete Gaussian, zCDP).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DpQueryInput {
    /// The purpose whose privacy budget the query spends.
    pub purpose: String,
    /// The segment it runs over (none: every subject the purpose may use).
    pub segment_id: Option<String>,
    /// The data category whose declared keys segment the figures.
    pub segment_by: String,
    /// `count`, `sum`, `mean` or `histogram`.
    #[schema(example = "count")]
    pub statistic: String,
    /// The field summed, averaged or counted by key.
    pub field: Option<String>,
    /// `[low, high]`: each subject's value is clamped to them (sum, mean).
    pub bounds: Option<[i64; 2]>,
    /// Pure epsilon of the release.
    pub epsilon: Option<f64>,
    /// zCDP rho of the release.
    pub rho: Option<f64>,
}

impl DpQueryInput {
    pub(crate) fn into_domain(self) -> Result<domain::DpQueryInput, crate::ApiError> {
        let statistic = match self.statistic.as_str() {
            "count" => domain::Statistic::Count,
            "sum" => domain::Statistic::Sum,
            "mean" => domain::Statistic::Mean,
            "histogram" => domain::Statistic::Histogram,
            _ => return Err(crate::ApiError::invalid(Some("statistic".into()), "must be `count`, `sum`, `mean` or `histogram`")),
        };
        Ok(domain::DpQueryInput {
            purpose: self.purpose,
            segment_id: self.segment_id,
            spec: domain::StatisticsSpec {
                segment_by: self.segment_by,
                statistic,
                field: self.field,
                bounds: self.bounds,
                epsilon: self.epsilon,
                rho: self.rho,
            },
        })
    }
}

/// One key's private figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct DpFigures {
    /// The key (for a histogram, `segment key | field key`).
    pub segment: String,
    /// Noisy count.
    pub count: i64,
    /// Noisy sum (sum and mean).
    pub sum: Option<i64>,
    /// Noisy sum over noisy count (sum and mean).
    pub mean: Option<f64>,
}

/// A private query's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct DpAnswer {
    /// Id of the release (its spend).
    pub query_id: String,
    /// The statistic.
    pub statistic: String,
    /// `laplace` (discrete Laplace, pure epsilon) or `gaussian` (discrete Gaussian, zCDP).
    pub mechanism: String,
    /// Per declared key, in the order declared.
    pub segments: Vec<DpFigures>,
    /// The scale of the counts' noise (Laplace scale or Gaussian sigma).
    pub count_noise: f64,
    /// The scale of the sums' noise.
    pub sum_noise: Option<f64>,
    /// What this release spent: `epsilon` (pure releases only) and `rho`.
    #[schema(value_type = Object)]
    pub spent: Value,
    /// What the purpose's budget has left.
    pub remaining: f64,
    /// Its currency: `epsilon` or `rho`.
    pub currency: String,
    /// Where the release is in the ledger.
    pub receipt: ReceiptView,
}

impl From<domain::DpAnswer> for DpAnswer {
    fn from(a: domain::DpAnswer) -> Self {
        Self {
            query_id: a.query_id.to_string(),
            statistic: serde_json::to_value(a.statistic).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            mechanism: a.mechanism.to_owned(),
            segments: a
                .release
                .segments
                .into_iter()
                .map(|s| DpFigures { segment: s.segment, count: s.count, sum: s.sum, mean: s.mean })
                .collect(),
            count_noise: a.release.count_noise,
            sum_noise: a.release.sum_noise,
            spent: serde_json::json!({"epsilon": a.release.spend.epsilon, "rho": a.release.spend.rho}),
            remaining: a.remaining,
            currency: a.currency.to_owned(),
            receipt: a.receipt.into(),
        }
    }
}

/// What one dataset spent of a purpose's budget.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct DatasetSpend {
    /// The segment (none: all the purpose's subjects).
    pub segment_id: Option<String>,
    /// Spent, in the budget's currency.
    pub spent: f64,
}

/// A purpose's privacy budget as it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct BudgetView {
    /// The purpose.
    pub purpose: String,
    /// `epsilon` or `rho`.
    pub currency: String,
    /// The total.
    pub total: f64,
    /// The delta of an (epsilon, delta) budget.
    pub delta: Option<f64>,
    /// Spent since the last reset.
    pub spent: f64,
    /// Left.
    pub remaining: f64,
    /// Releases since the last reset.
    pub queries: i64,
    /// The policy version whose change last reset it.
    pub since_version: i64,
    /// Spent per dataset.
    pub by_segment: Vec<DatasetSpend>,
}

impl From<domain::BudgetView> for BudgetView {
    fn from(b: domain::BudgetView) -> Self {
        Self {
            purpose: b.purpose,
            currency: b.currency.to_owned(),
            total: b.total,
            delta: b.delta,
            spent: b.spent,
            remaining: b.remaining,
            queries: b.queries,
            since_version: b.since_version,
            by_segment: b.by_segment.into_iter().map(|(s, spent)| DatasetSpend { segment_id: s.map(|s| s.to_string()), spent }).collect(),
        }
    }
}

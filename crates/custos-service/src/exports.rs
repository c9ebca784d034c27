//! Exports as a governed purpose: saved segments, each purpose's export policy (versioned, set by
//! a privacy officer), segment exports that pass the gate and then the policy (k-anonymity,
//! l-diversity and t-closeness by generalization and suppression, or differentially private
//! statistics instead of rows), the privacy budget each purpose spends, and the export files,
//! sealed under their own keys until their retention ends.
//!
//! The data is the subjects' vault fields as the gate releases them for the purpose, never
//! uploads. Every change and every release is a ledger event; an export's leaf carries the
//! SHA-256 of its file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use custos_anon::dp::{Mechanism, OsRandom, SegmentRelease, Spend};
use custos_anon::enforce::{Hierarchy, Sensitive, Target};
use custos_anon::{CheckOptions, Column, Table};
use custos_core::{DataCategory, ExportId, LedgerEvent, PurposeKey, QueryId, Role, SegmentId, Timestamp, VendorId, now};
use custos_store::exports::{BudgetRecord, ExportRecord, PolicyRecord, SegmentRecord, SpendRecord};
use custos_store::sealed_files::{SealedWriter, new_key, read_sealed};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::gate::{Selection, SelectionAsk, value_text};
use crate::risks::RecordedBy;
use crate::{Principal, Receipt, Service, ServiceError};

custos_core::vocabulary! {
    /// Whether an export's file is still kept.
    pub enum ExportStatus: "status" {
        /// The file can be downloaded until its retention ends.
        Available = "available" ("Available"),
        /// Its retention ended and the file was deleted (the report stays).
        Deleted = "deleted" ("Deleted"),
    }
}

/// Categories that identify a person: never a segment filter.
const IDENTIFYING: &[&str] = &[
    "user.contact.email",
    "user.contact.phone_number",
    "user.contact.fax_number",
    "user.contact.url",
    "user.contact.address.street",
    "user.name",
    "user.government_id",
    "user.unique_id",
    "user.financial",
    "user.payment",
    "user.authorization",
    "user.account",
    "user.device",
];

/// Days an export file is kept unless its policy says otherwise.
pub const DEFAULT_EXPORT_RETENTION_DAYS: u32 = 30;
/// Longest retention a policy may set.
pub const MAX_EXPORT_RETENTION_DAYS: u32 = 365;
/// Largest export file served back (bytes).
const MAX_FILE_BYTES: u64 = 512 << 20;
/// Most generalizations (lattice nodes) a policy's hierarchies may make.
const MAX_LATTICE: u64 = 1 << 20;
/// Most lattice nodes one generalization search evaluates (bounds an export's cost).
const MAX_SEARCH_NODES: usize = 50_000;
/// Most keys a declared key set (or a histogram's cross product) may have.
const MAX_KEYS: usize = 10_000;
/// Largest epsilon or rho one release may ask for.
const MAX_RELEASE_BUDGET: f64 = 10.0;

/// How a generalization hierarchy is written in a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HierarchySpec {
    /// Numbers into intervals of growing widths (`{"intervals": [5, 10, 20]}`).
    Intervals(Vec<f64>),
    /// Text by prefix: up to this many trailing characters replaced by `*` (postal codes).
    Prefix(usize),
    /// ISO dates to month, quarter and year.
    Dates,
    /// A tree given level by level: each level maps a value to its parent.
    Tree(Vec<BTreeMap<String, String>>),
    /// Data category keys up the fideslang tree (`user.contact.email` -> `user.contact` ->
    /// `user`).
    Fideslang,
}

/// A quasi-identifier of a policy: a data category and how it coarsens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuasiIdentifier {
    /// The data category.
    pub field: String,
    /// Its generalization hierarchy.
    pub hierarchy: HierarchySpec,
}

/// What an export releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Release {
    /// Records, generalized until the policy's k, l and t hold.
    #[default]
    Rows,
    /// Differentially private statistics per declared segment key instead of records.
    Statistics,
}

impl Release {
    fn as_str(self) -> &'static str {
        match self {
            Self::Rows => "rows",
            Self::Statistics => "statistics",
        }
    }
}

/// A purpose's privacy budget: pure epsilon, (epsilon, delta), or zCDP rho.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Total epsilon (pure epsilon-DP without `delta`; with it, (epsilon, delta)-DP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    /// The delta of an (epsilon, delta) budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
    /// Total zCDP rho.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
}

impl Budget {
    /// The currency the budget is kept in.
    fn currency(&self) -> &'static str {
        if self.rho.is_some() { "rho" } else { "epsilon" }
    }

    /// The total, in its currency.
    fn total(&self) -> f64 {
        self.rho.or(self.epsilon).unwrap_or(0.0)
    }

    /// What `spent` costs in the budget's currency (infinite when a zCDP release was made
    /// under a pure epsilon budget, which never happens: such releases are refused).
    fn spent(&self, spent: Spend) -> f64 {
        match (self.rho, self.epsilon, self.delta) {
            (Some(_), _, _) => spent.rho,
            (None, Some(_), Some(delta)) => spent.epsilon_at(delta),
            _ => spent.epsilon.unwrap_or(f64::INFINITY),
        }
    }
}

/// The statistic a private release computes per segment key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// How many subjects.
    Count,
    /// The sum of a field clamped to declared bounds.
    Sum,
    /// That sum over the count.
    Mean,
    /// Counts per key of a second field (its keys declared too).
    Histogram,
}

impl Statistic {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Mean => "mean",
            Self::Histogram => "histogram",
        }
    }
}

/// A private release: per key of `segment_by`, a statistic, with one of `epsilon` (discrete
/// Laplace) or `rho` (discrete Gaussian).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatisticsSpec {
    /// The data category whose declared keys segment the figures.
    pub segment_by: String,
    /// What is computed.
    pub statistic: Statistic,
    /// The field summed or averaged (`sum`, `mean`) or counted by key (`histogram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The bounds each subject's value is clamped to (`sum`, `mean`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<[i64; 2]>,
    /// Pure epsilon of the release (discrete Laplace noise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    /// zCDP rho of the release (discrete Gaussian noise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
}

fn default_k() -> u32 {
    1
}

fn default_retention() -> u32 {
    DEFAULT_EXPORT_RETENTION_DAYS
}

/// A purpose's export policy: what an export under the purpose must achieve before anything
/// leaves, and the privacy budget its private statistics spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportPolicy {
    /// Rows (generalized) or statistics (differentially private).
    #[serde(default)]
    pub release: Release,
    /// The quasi-identifiers and their hierarchies.
    #[serde(default)]
    pub quasi_identifiers: Vec<QuasiIdentifier>,
    /// Sensitive attributes (released as they are; l and t are measured on them).
    #[serde(default)]
    pub sensitive: Vec<String>,
    /// Every released class has at least k records.
    #[serde(default = "default_k")]
    pub k: u32,
    /// Every released class has at least l distinct values of the first sensitive attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l: Option<u32>,
    /// Every sensitive attribute's distribution in a class is within t of the whole export's
    /// (earth mover's distance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    /// The share of records that may be suppressed (0 to 0.5).
    #[serde(default)]
    pub max_suppressed: f64,
    /// The privacy budget of the purpose's private statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    /// Per data category, the keys a private statistic may be segmented by (declared, so the
    /// keys reported never reveal who is in the data).
    #[serde(default)]
    pub segment_keys: BTreeMap<String, Vec<String>>,
    /// For `release: statistics`: what an export releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<StatisticsSpec>,
    /// Days an export file is kept (1 to 365, default 30).
    #[serde(default = "default_retention")]
    pub retention_days: u32,
}

/// One version of a purpose's export policy.
#[derive(Debug, Clone)]
pub struct PolicyView {
    /// The purpose.
    pub purpose: String,
    /// Its version (1, 2, ...).
    pub version: i64,
    /// The policy.
    pub policy: ExportPolicy,
    /// The version whose change last reset the privacy budget.
    pub budget_epoch: i64,
    /// Who set it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// Where the change is in the ledger.
    pub receipt: Option<Receipt>,
}

/// A saved segment.
#[derive(Debug, Clone)]
pub struct SegmentView {
    /// Id.
    pub segment_id: SegmentId,
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
    pub created_at: Timestamp,
    /// Where the change is in the ledger.
    pub receipt: Option<Receipt>,
}

/// What to save as a segment.
#[derive(Debug, Clone, Default)]
pub struct SegmentInput {
    /// Name (unique).
    pub name: String,
    /// Jurisdictions (empty: all).
    pub jurisdictions: Vec<String>,
    /// Per data category, the values a subject's value must be one of.
    pub filter: BTreeMap<String, Vec<String>>,
    /// What is exported: data categories, or `decision.outcome` and `decision.score` (the
    /// subject's latest standing decision under the export's purpose).
    pub fields: Vec<String>,
}

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportInput {
    /// The purpose the export serves.
    pub purpose: String,
    /// The segment.
    pub segment_id: String,
    /// `csv` (default) or `parquet`.
    pub format: Option<String>,
    /// The vendor receiving the file, if it leaves the business.
    pub recipient: Option<String>,
    /// The IAB TCF vendor receiving it.
    pub tcf_vendor_id: Option<u16>,
}

/// An export and its report.
#[derive(Debug, Clone)]
pub struct ExportView {
    /// The stored record (report included; no key).
    pub export_id: ExportId,
    /// The purpose.
    pub purpose: String,
    /// The segment.
    pub segment_id: SegmentId,
    /// The policy version applied.
    pub policy_version: i64,
    /// `rows` or `statistics`.
    pub release: String,
    /// `csv` or `parquet`.
    pub format: String,
    /// The vendor it went to.
    pub recipient: Option<String>,
    /// `available` or `deleted`.
    pub status: String,
    /// The report.
    pub report: Value,
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// Its size.
    pub file_bytes: i64,
    /// When the file is (or was) deleted.
    pub retain_until: Timestamp,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When its file was deleted.
    pub deleted_at: Option<Timestamp>,
    /// Where it is in the ledger.
    pub receipt: Option<Receipt>,
}

impl ExportView {
    fn of(r: ExportRecord, receipt: Option<Receipt>) -> Self {
        Self {
            export_id: r.export_id,
            purpose: r.purpose,
            segment_id: r.segment_id,
            policy_version: r.policy_version,
            release: r.release,
            format: r.format,
            recipient: r.recipient,
            status: r.status,
            report: r.report,
            file_sha256: r.file_sha256,
            file_bytes: r.file_bytes,
            retain_until: r.retain_until,
            created_by: r.created_by,
            created_at: r.created_at,
            deleted_at: r.deleted_at,
            receipt,
        }
    }
}

/// A private query.
#[derive(Debug, Clone)]
pub struct DpQueryInput {
    /// The purpose whose budget it spends.
    pub purpose: String,
    /// The segment it runs over (none: every subject the purpose may use).
    pub segment_id: Option<String>,
    /// What it releases.
    pub spec: StatisticsSpec,
}

/// A private query's answer.
#[derive(Debug, Clone)]
pub struct DpAnswer {
    /// Id of the spend.
    pub query_id: QueryId,
    /// The figures and noise.
    pub release: SegmentRelease,
    /// The statistic.
    pub statistic: Statistic,
    /// The mechanism: `laplace` or `gaussian`.
    pub mechanism: &'static str,
    /// What the purpose has left, in its budget's currency.
    pub remaining: f64,
    /// That currency.
    pub currency: &'static str,
    /// Where it is in the ledger.
    pub receipt: Receipt,
}

/// A purpose's privacy budget as it stands.
#[derive(Debug, Clone)]
pub struct BudgetView {
    /// The purpose.
    pub purpose: String,
    /// `epsilon` or `rho`.
    pub currency: &'static str,
    /// The total.
    pub total: f64,
    /// The delta of an (epsilon, delta) budget.
    pub delta: Option<f64>,
    /// Spent since the last reset, in the currency.
    pub spent: f64,
    /// Left.
    pub remaining: f64,
    /// Releases since the last reset.
    pub queries: i64,
    /// The policy version whose change last reset it.
    pub since_version: i64,
    /// Spent per dataset (segment id, or none for all the purpose's subjects), in the currency.
    pub by_segment: Vec<(Option<SegmentId>, f64)>,
}

/// Segments, export policies, exports and privacy budgets.
#[derive(Clone, Copy)]
pub struct Exports<'a>(pub(crate) &'a Service);

fn category(field: &str, value: &str) -> Result<DataCategory, ServiceError> {
    DataCategory::parse(value).map_err(|e| ServiceError::invalid(field, e.message()))
}

/// Fields an export or a private query may name besides data categories: each subject's
/// latest standing decision under the export's purpose, its outcome and its score, from the
/// decision log. The outcome was made for this purpose, and the subject passed the gate for
/// it, so no further category must be allowed.
pub const DECISION_FIELDS: [&str; 2] = ["decision.outcome", "decision.score"];

/// A field an export names: a data category, or `None` for a decision field.
fn field_of(field: &str, value: &str) -> Result<Option<DataCategory>, ServiceError> {
    if DECISION_FIELDS.contains(&value) { Ok(None) } else { category(field, value).map(Some) }
}

/// What a bulk selection released, by field name: per subject, each requested field's value
/// as text (`None`: not held or withheld), and who was left out.
struct Selected {
    fields: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    considered: u64,
    excluded: BTreeMap<String, u64>,
}

impl Selected {
    /// Subjects included.
    fn len(&self) -> usize {
        self.rows.len()
    }

    /// One field's values, missing ones empty; a field that was not selected is a defect, not
    /// a column of empty values.
    fn column(&self, field: &str) -> Result<Vec<String>, ServiceError> {
        let i = self.fields.iter().position(|f| f == field).ok_or_else(|| ServiceError::internal(format!("`{field}` was not selected")))?;
        Ok(self.rows.iter().map(|r| r[i].clone().unwrap_or_default()).collect())
    }
}

fn finite_in(field: &str, v: f64, low: f64, high: f64) -> Result<(), ServiceError> {
    if !(v.is_finite() && v > low && v <= high) {
        return Err(ServiceError::invalid(field, format!("must be a number above {low} and at most {high}")));
    }
    Ok(())
}

/// Checks a policy's shape and limits (400 naming the field).
pub fn validate_policy(p: &ExportPolicy) -> Result<(), ServiceError> {
    let mut seen = Vec::new();
    for (i, q) in p.quasi_identifiers.iter().enumerate() {
        let field = format!("policy.quasi_identifiers[{i}]");
        field_of(&format!("{field}.field"), &q.field)?;
        if seen.contains(&q.field) {
            return Err(ServiceError::invalid(&format!("{field}.field"), "is named twice"));
        }
        seen.push(q.field.clone());
        let h = format!("{field}.hierarchy");
        match &q.hierarchy {
            HierarchySpec::Intervals(w)
                if w.is_empty() || w.len() > 8 || w.iter().any(|x| !x.is_finite() || *x <= 0.0) || w.windows(2).any(|p| p[1] <= p[0]) =>
            {
                return Err(ServiceError::invalid(&h, "intervals: 1 to 8 positive widths, each wider than the last"));
            }
            HierarchySpec::Prefix(n) if !(1..=16).contains(n) => {
                return Err(ServiceError::invalid(&h, "prefix: 1 to 16 characters"));
            }
            HierarchySpec::Tree(levels) if levels.is_empty() || levels.len() > 8 || levels.iter().any(|l| l.len() > MAX_KEYS) => {
                return Err(ServiceError::invalid(&h, format!("tree: 1 to 8 levels of at most {MAX_KEYS} values each")));
            }
            _ => {}
        }
    }
    if p.quasi_identifiers.len() > 12 {
        return Err(ServiceError::invalid("policy.quasi_identifiers", "at most 12 quasi-identifiers"));
    }
    // The search's work grows with the lattice: one node per combination of levels.
    let nodes = p.quasi_identifiers.iter().map(|q| hierarchy(&q.hierarchy).levels() as u64).fold(1u64, |a, l| a.saturating_mul(l));
    if nodes > MAX_LATTICE {
        return Err(ServiceError::invalid(
            "policy.quasi_identifiers",
            format!(
                "these hierarchies make a lattice of {nodes} generalizations; at most {MAX_LATTICE} (fewer levels or quasi-identifiers)"
            ),
        ));
    }
    for (i, s) in p.sensitive.iter().enumerate() {
        field_of(&format!("policy.sensitive[{i}]"), s)?;
        if seen.contains(s) {
            return Err(ServiceError::invalid(&format!("policy.sensitive[{i}]"), "is also a quasi-identifier"));
        }
    }
    if !(1..=10_000).contains(&p.k) {
        return Err(ServiceError::invalid("policy.k", "must be 1 to 10000"));
    }
    if let Some(l) = p.l {
        if !(1..=100).contains(&l) {
            return Err(ServiceError::invalid("policy.l", "must be 1 to 100"));
        }
        if p.sensitive.is_empty() {
            return Err(ServiceError::invalid("policy.l", "needs a sensitive attribute"));
        }
    }
    if let Some(t) = p.t {
        finite_in("policy.t", t, 0.0, 1.0)?;
        if p.sensitive.is_empty() {
            return Err(ServiceError::invalid("policy.t", "needs a sensitive attribute"));
        }
    }
    if !(p.max_suppressed.is_finite() && (0.0..=0.5).contains(&p.max_suppressed)) {
        return Err(ServiceError::invalid("policy.max_suppressed", "must be a share from 0 to 0.5"));
    }
    if !(1..=MAX_EXPORT_RETENTION_DAYS).contains(&p.retention_days) {
        return Err(ServiceError::invalid("policy.retention_days", format!("must be 1 to {MAX_EXPORT_RETENTION_DAYS} days")));
    }
    if let Some(b) = &p.budget {
        match (b.epsilon, b.delta, b.rho) {
            (Some(e), d, None) => {
                finite_in("policy.budget.epsilon", e, 0.0, 100.0)?;
                if let Some(d) = d {
                    finite_in("policy.budget.delta", d, 0.0, 1e-3)?;
                }
            }
            (None, None, Some(r)) => finite_in("policy.budget.rho", r, 0.0, 100.0)?,
            _ => return Err(ServiceError::invalid("policy.budget", "give `epsilon` (and optionally `delta`) or `rho`")),
        }
    }
    for (c, keys) in &p.segment_keys {
        let field = format!("policy.segment_keys.{c}");
        field_of(&field, c)?;
        if keys.is_empty() || keys.len() > MAX_KEYS || keys.iter().any(|k| k.is_empty() || k.len() > 200) {
            return Err(ServiceError::invalid(&field, format!("1 to {MAX_KEYS} keys of 1 to 200 characters")));
        }
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != keys.len() {
            return Err(ServiceError::invalid(&field, "lists a key twice"));
        }
    }
    match (p.release, &p.statistics) {
        (Release::Rows, Some(_)) => return Err(ServiceError::invalid("policy.statistics", "only with `release: statistics`")),
        (Release::Statistics, None) => return Err(ServiceError::invalid("policy.statistics", "is required with `release: statistics`")),
        (Release::Statistics, Some(spec)) => {
            if p.budget.is_none() {
                return Err(ServiceError::invalid("policy.budget", "is required with `release: statistics`"));
            }
            validate_spec("policy.statistics", spec)?;
        }
        (Release::Rows, None) => {
            if p.quasi_identifiers.is_empty() {
                return Err(ServiceError::invalid("policy.quasi_identifiers", "name at least one for `release: rows`"));
            }
        }
    }
    Ok(())
}

fn validate_spec(at: &str, s: &StatisticsSpec) -> Result<(), ServiceError> {
    field_of(&format!("{at}.segment_by"), &s.segment_by)?;
    if let Some(f) = &s.field {
        field_of(&format!("{at}.field"), f)?;
    }
    match s.statistic {
        Statistic::Count => {}
        Statistic::Sum | Statistic::Mean => {
            if s.field.is_none() {
                return Err(ServiceError::invalid(&format!("{at}.field"), "is required for a sum or a mean"));
            }
            match s.bounds {
                Some([low, high]) if low <= high && low.abs() <= 1_000_000_000 && high.abs() <= 1_000_000_000 => {}
                _ => {
                    return Err(ServiceError::invalid(
                        &format!("{at}.bounds"),
                        "a sum or a mean needs bounds [low, high] with low <= high, each within ±1e9 (each subject's value is clamped to them)",
                    ));
                }
            }
        }
        Statistic::Histogram => {
            if s.field.is_none() {
                return Err(ServiceError::invalid(&format!("{at}.field"), "is required for a histogram"));
            }
        }
    }
    match (s.epsilon, s.rho) {
        (Some(e), None) => finite_in(&format!("{at}.epsilon"), e, 0.0, MAX_RELEASE_BUDGET),
        (None, Some(r)) => finite_in(&format!("{at}.rho"), r, 0.0, MAX_RELEASE_BUDGET),
        _ => Err(ServiceError::invalid(&format!("{at}.epsilon"), "give one of `epsilon` (discrete Laplace) or `rho` (discrete Gaussian)")),
    }
}

/// A hierarchy of the engine from its policy form.
fn hierarchy(spec: &HierarchySpec) -> Hierarchy {
    match spec {
        HierarchySpec::Intervals(w) => Hierarchy::Intervals(w.clone()),
        HierarchySpec::Prefix(n) => Hierarchy::Prefix { levels: *n },
        HierarchySpec::Dates => Hierarchy::Dates,
        HierarchySpec::Tree(levels) => {
            Hierarchy::Tree(levels.iter().map(|l| l.iter().map(|(a, b)| (a.clone(), b.clone())).collect()).collect())
        }
        HierarchySpec::Fideslang => {
            // Each level drops a category key's last segment; every value met on the way up is
            // itself a key of the taxonomy, so one map serves every level.
            let parents: std::collections::HashMap<String, String> =
                custos_core::data_category_keys().map(|k| (k.to_owned(), k.rsplit_once('.').map_or(k, |(p, _)| p).to_owned())).collect();
            let depth = custos_core::data_category_keys().map(|k| k.split('.').count()).max().unwrap_or(1);
            Hierarchy::Tree(vec![parents; depth.saturating_sub(1).max(1)])
        }
    }
}

fn file_label(id: &ExportId) -> String {
    format!("export-file:{id}")
}

fn parse_format(f: Option<&str>) -> Result<custos_tabular::Format, ServiceError> {
    match f.unwrap_or("csv") {
        "csv" => Ok(custos_tabular::Format::Csv),
        "parquet" => Ok(custos_tabular::Format::Parquet),
        _ => Err(ServiceError::invalid("format", "must be `csv` or `parquet`")),
    }
}

fn format_name(f: custos_tabular::Format) -> &'static str {
    match f {
        custos_tabular::Format::Parquet => "parquet",
        _ => "csv",
    }
}

fn policy_view(r: PolicyRecord, receipt: Option<Receipt>) -> Result<PolicyView, ServiceError> {
    Ok(PolicyView {
        policy: serde_json::from_value(r.policy).map_err(|e| ServiceError::internal(format!("stored export policy: {e}")))?,
        purpose: r.purpose,
        version: r.version,
        budget_epoch: r.budget_epoch,
        created_by: r.created_by,
        created_at: r.created_at,
        receipt,
    })
}

fn segment_view(r: SegmentRecord, receipt: Option<Receipt>) -> Result<SegmentView, ServiceError> {
    Ok(SegmentView {
        filter: serde_json::from_value(r.filter).map_err(|e| ServiceError::internal(format!("stored segment filter: {e}")))?,
        segment_id: r.segment_id,
        name: r.name,
        jurisdictions: r.jurisdictions,
        fields: r.fields,
        created_by: r.created_by,
        created_at: r.created_at,
        receipt,
    })
}

/// The rows of a private release: each subject's segment key (and value to sum), the keys,
/// and whether values are summed.
fn statistics_of(
    selected: &Selected,
    spec: &StatisticsSpec,
    declared: &BTreeMap<String, Vec<String>>,
    at: &str,
) -> Result<SegmentRelease, ServiceError> {
    let keys = declared.get(&spec.segment_by).ok_or_else(|| {
        ServiceError::unprocessable(
            &format!("{at}.segment_by"),
            format!(
                "the export policy declares no keys for `{}`: declare them (`segment_keys`) so the segments reported never reveal who is in the data",
                spec.segment_by
            ),
        )
    })?;
    let mechanism = match (spec.epsilon, spec.rho) {
        (Some(epsilon), _) => Mechanism::Laplace { epsilon },
        (None, Some(rho)) => Mechanism::Gaussian { rho },
        _ => return Err(ServiceError::invalid(&format!("{at}.epsilon"), "give `epsilon` or `rho`")),
    };
    let engine = |e: custos_anon::AnonError| ServiceError::unprocessable(at, e.to_string());
    match spec.statistic {
        Statistic::Count | Statistic::Sum | Statistic::Mean => {
            let segments = selected.column(&spec.segment_by)?;
            let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
            let values = match (&spec.field, spec.statistic) {
                (Some(f), Statistic::Sum | Statistic::Mean) => {
                    Some(selected.column(f)?.iter().map(|v| v.trim().parse::<f64>().unwrap_or(f64::NAN)).collect::<Vec<f64>>())
                }
                _ => None,
            };
            let bounds = spec.bounds.map(|[l, h]| (l, h)).unwrap_or((0, 0));
            custos_anon::dp::segment_statistics(&mut OsRandom, &refs, keys, values.as_deref().map(|v| (v, bounds)), mechanism)
                .map_err(engine)
        }
        Statistic::Histogram => {
            let field = spec.field.clone().unwrap_or_default();
            let inner = declared.get(&field).ok_or_else(|| {
                ServiceError::unprocessable(&format!("{at}.field"), format!("the export policy declares no keys for `{field}`"))
            })?;
            if keys.len() * inner.len() > MAX_KEYS {
                return Err(ServiceError::unprocessable(at, format!("a histogram may have at most {MAX_KEYS} cells")));
            }
            let cells: Vec<String> = keys.iter().flat_map(|k| inner.iter().map(move |i| format!("{k} | {i}"))).collect();
            let segments: Vec<String> =
                selected.column(&spec.segment_by)?.iter().zip(selected.column(&field)?).map(|(b, f)| format!("{b} | {f}")).collect();
            let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
            custos_anon::dp::segment_statistics(&mut OsRandom, &refs, &cells, None, mechanism).map_err(engine)
        }
    }
}

/// Admits a spend against a budget: the new total, or the refusal stating what is left.
fn admit(budget: &Budget, spent: Spend, ask: Spend, field: &'static str) -> Result<Spend, ServiceError> {
    let currency = budget.currency();
    let remaining = (budget.total() - budget.spent(spent)).max(0.0);
    if budget.rho.is_none() && budget.delta.is_none() && ask.epsilon.is_none() {
        return Err(ServiceError::OverBudget {
            field,
            remaining,
            currency,
            detail: format!(
                "the purpose's budget is pure epsilon-DP; ask with `epsilon` (discrete Laplace), not `rho` ({remaining:.4} epsilon remains)"
            ),
        });
    }
    let next = spent.then(ask);
    let cost = budget.spent(next);
    if cost > budget.total() + 1e-12 {
        return Err(ServiceError::OverBudget {
            field,
            remaining,
            currency,
            detail: format!(
                "the release would bring the purpose's privacy budget to {cost:.4} {currency} of {total}; {remaining:.4} {currency} remains. Nothing was released or spent; a privacy officer may reset the budget with a new export policy version",
                total = budget.total()
            ),
        });
    }
    Ok(next)
}

fn spend_of(b: &BudgetRecord) -> Spend {
    Spend { epsilon: b.spent_epsilon, rho: b.spent_rho }
}

/// The ledger document of a private release (no figures: they are for the caller).
fn release_doc(r: &SegmentRelease, spec: &StatisticsSpec) -> Value {
    json!({
        "statistic": spec.statistic.as_str(),
        "segment_by": spec.segment_by,
        "field": spec.field,
        "bounds": spec.bounds,
        "epsilon": spec.epsilon,
        "rho": spec.rho,
        "keys": r.segments.len(),
        "count_noise": r.count_noise,
        "sum_noise": r.sum_noise,
        "spend": {"epsilon": r.spend.epsilon, "rho": r.spend.rho},
    })
}

impl Exports<'_> {
    fn dir(&self) -> PathBuf {
        self.0.config.validation_dir.clone().unwrap_or_else(std::env::temp_dir).join("custos-exports")
    }

    /// Sets a new version of a purpose's export policy (a privacy officer, as a person; scope
    /// `exports:admin`). `reset_budget` starts the privacy budget afresh; otherwise what was
    /// spent stays spent. A ledger event with the whole policy.
    pub async fn set_policy(
        &self,
        purpose: &str,
        policy: ExportPolicy,
        reset_budget: bool,
        by: &Principal,
    ) -> Result<PolicyView, ServiceError> {
        let who = by.person("setting an export policy")?;
        self.set_policy_as(purpose, policy, reset_budget, who).await
    }

    /// [`Exports::set_policy`] for a person already identified (the console, the demo).
    pub async fn set_policy_as(
        &self,
        purpose: &str,
        policy: ExportPolicy,
        reset_budget: bool,
        who: &crate::staff::StaffIdentity,
    ) -> Result<PolicyView, ServiceError> {
        if !who.roles.contains(&Role::PrivacyOfficer) {
            return Err(ServiceError::NotAllowed(custos_core::ValidationError::new(
                "authorization",
                "a privacy officer sets export policies",
            )));
        }
        let key = PurposeKey::parse(purpose).map_err(|e| ServiceError::invalid("purpose", e.message()))?;
        validate_policy(&policy)?;
        let declared = self.0.purposes().cached(key.as_str()).await?.ok_or(ServiceError::NotFound { resource: "purpose" })?;
        for (field, c) in policy
            .quasi_identifiers
            .iter()
            .map(|q| ("policy.quasi_identifiers", &q.field))
            .chain(policy.sensitive.iter().map(|s| ("policy.sensitive", s)))
        {
            let Some(c) = field_of(field, c)? else { continue };
            if !declared.allows(&c) || self.0.config.gate.is_audit_only(&c) {
                return Err(ServiceError::unprocessable(field, format!("`{c}` is not a data category the purpose may release")));
            }
        }
        let at = now();
        let actor = RecordedBy::from(who).actor;
        let doc = serde_json::to_value(&policy).map_err(ServiceError::internal)?;
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let previous = custos_store::exports::policy(tx, key.as_str()).await?;
                let version = previous.as_ref().map_or(1, |p| p.version + 1);
                let reset = reset_budget || previous.is_none();
                let budget_epoch = if reset { version } else { previous.as_ref().map_or(version, |p| p.budget_epoch) };
                let record = PolicyRecord {
                    purpose: key.to_string(),
                    version,
                    policy: doc.clone(),
                    budget_epoch,
                    created_by: actor.clone(),
                    created_at: at,
                };
                custos_store::exports::insert_policy(tx, &record).await?;
                if reset {
                    custos_store::exports::lock_budget(tx, key.as_str()).await?;
                    custos_store::exports::put_budget(
                        tx,
                        &BudgetRecord { purpose: key.to_string(), budget_epoch, spent_epsilon: Some(0.0), spent_rho: 0.0, queries: 0, updated_at: at },
                    )
                    .await?;
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ExportPolicyChanged,
                    &at,
                    json!({"purpose": key.as_str(), "version": version, "policy": doc, "budget_reset": reset, "budget_epoch": budget_epoch, "actor": actor}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok((record, receipt))
            })
            .await?;
        policy_view(record, Some(receipt))
    }

    /// The policy in force for a purpose, with its earlier versions (newest first).
    pub async fn policy_versions(&self, purpose: &str) -> Result<Vec<PolicyView>, ServiceError> {
        let key = PurposeKey::parse(purpose).map_err(|e| ServiceError::invalid("purpose", e.message()))?;
        let all = self.0.read(async |tx| Ok(custos_store::exports::policy_versions(tx, key.as_str()).await?)).await?;
        if all.is_empty() {
            return Err(ServiceError::NotFound { resource: "export policy" });
        }
        all.into_iter().map(|r| policy_view(r, None)).collect()
    }

    /// Every purpose's policy in force.
    pub async fn policies(&self) -> Result<Vec<PolicyView>, ServiceError> {
        let all = self.0.read(async |tx| Ok(custos_store::exports::policies(tx).await?)).await?;
        all.into_iter().map(|r| policy_view(r, None)).collect()
    }

    /// Saves a segment (scope `exports:write`; a ledger event).
    pub async fn create_segment(&self, input: SegmentInput, actor: &str) -> Result<SegmentView, ServiceError> {
        let name = input.name.trim().to_owned();
        crate::check_token("name", &name)?;
        if input.fields.is_empty() || input.fields.len() > 32 {
            return Err(ServiceError::invalid("fields", "name 1 to 32 data categories (or decision fields)"));
        }
        for (i, f) in input.fields.iter().enumerate() {
            field_of(&format!("fields[{i}]"), f)?;
        }
        if input.jurisdictions.len() > 100 {
            return Err(ServiceError::invalid("jurisdictions", "at most 100"));
        }
        let jurisdictions = input
            .jurisdictions
            .iter()
            .enumerate()
            .map(|(i, j)| {
                custos_core::Jurisdiction::parse(j)
                    .map(|j| j.as_str().to_owned())
                    .map_err(|e| ServiceError::invalid(&format!("jurisdictions[{i}]"), e.message()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if input.filter.len() > 16 {
            return Err(ServiceError::invalid("filter", "at most 16 categories"));
        }
        for (c, values) in &input.filter {
            let key = category(&format!("filter.{c}"), c)?;
            if key.as_str() == "user.contact" || key.as_str() == "user.contact.address" || key.as_str() == "user" {
                return Err(ServiceError::invalid(&format!("filter.{c}"), "name the category itself (e.g. user.contact.address.country)"));
            }
            // A segment groups customers; a filter on what identifies one person (an e-mail
            // address, a name, an account number) would single them out, and its values would
            // be personal data in the ledger.
            if IDENTIFYING.iter().any(|i| key.as_str() == *i || key.as_str().starts_with(&format!("{i}."))) {
                return Err(ServiceError::invalid(
                    &format!("filter.{c}"),
                    "a segment may not filter on a category that identifies a person (contact details, names, identifiers, financial accounts)",
                ));
            }
            if values.is_empty() || values.len() > 1000 {
                return Err(ServiceError::invalid(&format!("filter.{c}"), "list 1 to 1000 values"));
            }
        }
        let at = now();
        let record = SegmentRecord {
            segment_id: SegmentId::new(),
            name: name.clone(),
            jurisdictions,
            filter: serde_json::to_value(&input.filter).map_err(ServiceError::internal)?,
            fields: input.fields.clone(),
            created_by: actor.to_owned(),
            created_at: at,
        };
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::exports::insert_segment(tx, &record).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict(format!("a segment named `{name}` exists")),
                    other => other.into(),
                })?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::SegmentCreated,
                    &at,
                    json!({"segment_id": record.segment_id.to_string(), "name": record.name, "jurisdictions": record.jurisdictions,
                           "filter_categories": input.filter.keys().collect::<Vec<_>>(),
                           "filter_sha256": data_encoding::HEXLOWER.encode(&Sha256::digest(record.filter.to_string().as_bytes())),
                           "fields": record.fields, "actor": record.created_by}),
                );
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        segment_view(record, Some(receipt))
    }

    /// Segments by name.
    pub async fn segments(&self) -> Result<Vec<SegmentView>, ServiceError> {
        let all = self.0.read(async |tx| Ok(custos_store::exports::segments(tx, 1000).await?)).await?;
        all.into_iter().map(|r| segment_view(r, None)).collect()
    }

    async fn segment(&self, field: &str, id: &str) -> Result<SegmentView, ServiceError> {
        let id = SegmentId::parse(id).map_err(|e| ServiceError::invalid(field, e.message()))?;
        let record = self.0.read(async |tx| Ok(custos_store::exports::segment(tx, &id).await?)).await?;
        segment_view(record.ok_or_else(|| ServiceError::unprocessable(field, format!("no segment `{id}`")))?, None)
    }

    async fn policy_in_force(&self, purpose: &PurposeKey) -> Result<(PolicyRecord, ExportPolicy), ServiceError> {
        let record = self.0.read(async |tx| Ok(custos_store::exports::policy(tx, purpose.as_str()).await?)).await?.ok_or_else(|| {
            ServiceError::unprocessable(
                "purpose",
                format!("the purpose `{purpose}` has no export policy: a privacy officer sets one (PUT /v1/export-policies/{purpose})"),
            )
        })?;
        let policy =
            serde_json::from_value(record.policy.clone()).map_err(|e| ServiceError::internal(format!("stored export policy: {e}")))?;
        Ok((record, policy))
    }

    /// Selects the subjects of `segment` the gate lets `purpose` use, releasing `wanted` (and
    /// the categories the segment filters on).
    async fn select(
        &self,
        purpose: &PurposeKey,
        segment: Option<&SegmentView>,
        wanted: &[String],
        recipient: Option<&VendorId>,
        tcf_vendor_id: Option<u16>,
    ) -> Result<Selected, ServiceError> {
        let mut requested: Vec<DataCategory> = Vec::new();
        let filter: BTreeMap<DataCategory, Vec<String>> = match segment {
            Some(s) => {
                s.filter.iter().map(|(c, v)| Ok((category("segment.filter", c)?, v.clone()))).collect::<Result<_, ServiceError>>()?
            }
            None => BTreeMap::new(),
        };
        for c in wanted.iter().filter_map(|w| field_of("fields", w).transpose()).chain(filter.keys().cloned().map(Ok)) {
            let c = c?;
            if !requested.contains(&c) {
                requested.push(c);
            }
        }
        let none: Vec<String> = Vec::new();
        let selection: Selection = self
            .0
            .gate()
            .select(&SelectionAsk {
                purpose,
                requested: &requested,
                jurisdictions: segment.map_or(&none, |s| &s.jurisdictions),
                filter: &filter,
                recipient,
                tcf_vendor_id,
            })
            .await?;
        // Decision fields from the decision log: each included subject's latest standing
        // decision under the purpose.
        let decisions = if wanted.iter().any(|w| DECISION_FIELDS.contains(&w.as_str())) {
            let included: std::collections::HashSet<String> = selection.subjects.iter().map(ToString::to_string).collect();
            self.0.read(async |tx| Ok(custos_store::decisions::latest_outcomes(tx, purpose, &included).await?)).await?
        } else {
            Default::default()
        };
        let columns: Vec<Option<DataCategory>> = wanted.iter().map(|w| field_of("fields", w)).collect::<Result<_, _>>()?;
        let rows = selection
            .rows
            .iter()
            .zip(&selection.subjects)
            .map(|(row, subject)| {
                let decision = decisions.get(&subject.to_string());
                wanted
                    .iter()
                    .zip(&columns)
                    .map(|(w, c)| match c {
                        Some(c) => row.get(c).map(value_text),
                        None if w == "decision.outcome" => decision.map(|d| d.0.clone()),
                        None => decision.and_then(|d| d.1).map(|s| s.to_string()),
                    })
                    .collect()
            })
            .collect();
        Ok(Selected { fields: wanted.to_vec(), rows, considered: selection.considered, excluded: selection.excluded })
    }

    /// Makes a segment export under a purpose (scope `exports:write`): the gate selects the
    /// subjects and releases what the purpose allows, the purpose's export policy applies
    /// (generalization until k, l and t hold, or private statistics that spend budget), and
    /// the file is sealed under its own key, with its report and a ledger event carrying its
    /// SHA-256.
    pub async fn export(&self, input: ExportInput, actor: &str) -> Result<ExportView, ServiceError> {
        let purpose = PurposeKey::parse(&input.purpose).map_err(|e| ServiceError::invalid("purpose", e.message()))?;
        let format = parse_format(input.format.as_deref())?;
        let recipient = input
            .recipient
            .as_deref()
            .map(|v| VendorId::parse(v).map_err(|e| ServiceError::invalid("recipient.vendor_id", e.message())))
            .transpose()?;
        let segment = self.segment("segment_id", &input.segment_id).await?;
        let (policy_record, policy) = self.policy_in_force(&purpose).await?;
        let declared = self.0.purposes().cached(purpose.as_str()).await?.ok_or(ServiceError::NotFound { resource: "purpose" })?;
        let fields: Vec<String> = match (&policy.release, &policy.statistics) {
            (Release::Statistics, Some(spec)) => std::iter::once(spec.segment_by.clone()).chain(spec.field.clone()).collect(),
            _ => segment.fields.clone(),
        };
        for (i, f) in fields.iter().enumerate() {
            // A decision is a profiling result: no vendor agreement in the register names it as
            // a category it covers, so it never leaves for a vendor.
            if recipient.is_some() && DECISION_FIELDS.contains(&f.as_str()) {
                return Err(ServiceError::unprocessable(
                    &format!("segment.fields[{i}]"),
                    format!("`{f}` is a decision about the subject; decisions are not released to vendors"),
                ));
            }
            if let Some(c) = field_of("segment.fields", f)?
                && (!declared.allows(&c) || self.0.config.gate.is_audit_only(&c))
            {
                return Err(ServiceError::unprocessable(
                    &format!("segment.fields[{i}]"),
                    format!("`{c}` is not a data category the purpose may release"),
                ));
            }
            let known = policy.quasi_identifiers.iter().any(|q| &q.field == f) || policy.sensitive.contains(f);
            if policy.release == Release::Rows && !known {
                return Err(ServiceError::unprocessable(
                    &format!("segment.fields[{i}]"),
                    format!(
                        "`{f}` is neither a quasi-identifier nor a sensitive attribute of the purpose's export policy; an export releases nothing else (direct identifiers never leave)"
                    ),
                ));
            }
        }
        let selection = self.select(&purpose, Some(&segment), &fields, recipient.as_ref(), input.tcf_vendor_id).await?;
        let export_id = ExportId::new();
        let at = now();
        let selection_doc = json!({"considered": selection.considered, "included": selection.len(), "excluded": selection.excluded});
        let erasure = "Erasing a subject later does not recall this file once delivered; the file is deleted when its retention ends.";
        let (columns, report, spend) = match policy.release {
            Release::Rows => {
                let (fields, owned_policy) = (segment.fields.clone(), policy.clone());
                let (columns, figures) = tokio::task::spawn_blocking(move || anonymize(&selection, &fields, &owned_policy))
                    .await
                    .map_err(ServiceError::internal)??;
                let report = json!({"release": "rows", "selection": selection_doc, "anonymity": figures, "erasure": erasure});
                (columns, report, None)
            }
            Release::Statistics => {
                let Some(spec) = policy.statistics.clone() else { return Err(ServiceError::internal("statistics policy without a spec")) };
                let release = statistics_of(&selection, &spec, &policy.segment_keys, "policy.statistics")?;
                let mut columns = vec![("segment".to_owned(), Vec::new()), ("count".to_owned(), Vec::new())];
                if release.sum_noise.is_some() {
                    columns.push(("sum".to_owned(), Vec::new()));
                    columns.push(("mean".to_owned(), Vec::new()));
                }
                for s in &release.segments {
                    columns[0].1.push(Some(s.segment.clone()));
                    columns[1].1.push(Some(s.count.to_string()));
                    if columns.len() > 2 {
                        columns[2].1.push(s.sum.map(|v| v.to_string()));
                        columns[3].1.push(s.mean.map(|v| format!("{v:.4}")));
                    }
                }
                let report = json!({"release": "statistics", "selection": {"considered": "withheld", "note": "subject counts are not reported for a private release"},
                    "dp": release_doc(&release, &spec), "erasure": erasure});
                (columns, report, Some((release.spend, spec)))
            }
        };
        let bytes = custos_tabular::encode_text_table(&columns, format).map_err(ServiceError::internal)?;
        let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes));
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(ServiceError::internal)?;
        let path = dir.join(format!("{export_id}.sealed"));
        let key = new_key().map_err(ServiceError::internal)?;
        let mut writer = SealedWriter::create(&path, &key).map_err(ServiceError::internal)?;
        let written = writer.write(&bytes).and_then(|()| writer.finish());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(ServiceError::internal(e));
        }
        let wrapped = self.0.store.keyring().seal_aggregate(&file_label(&export_id), &key).map_err(ServiceError::internal)?;
        let record = ExportRecord {
            export_id,
            purpose: purpose.to_string(),
            segment_id: segment.segment_id,
            policy_version: policy_record.version,
            release: policy.release.as_str().to_owned(),
            format: format_name(format).to_owned(),
            recipient: recipient.as_ref().map(ToString::to_string),
            status: "available".into(),
            report,
            file_sha256: sha,
            file_bytes: bytes.len() as i64,
            file_path: Some(path.display().to_string()),
            file_key: Some(wrapped),
            retain_until: at + chrono::Duration::days(i64::from(policy.retention_days)),
            created_by: actor.to_owned(),
            created_at: at,
            deleted_at: None,
        };
        let budget = policy.budget;
        let result = self
            .0
            .write(async |tx| {
                if let Some((ask, spec)) = &spend {
                    let Some(budget) = &budget else { return Err(ServiceError::internal("statistics policy without a budget")) };
                    let field = if spec.rho.is_some() { "policy.statistics.rho" } else { "policy.statistics.epsilon" };
                    spend_budget(
                        tx,
                        &purpose,
                        &policy_record,
                        budget,
                        *ask,
                        field,
                        spec.statistic,
                        Some(segment.segment_id),
                        Some(export_id),
                        &record.created_by,
                        &at,
                    )
                    .await?;
                }
                custos_store::exports::insert_export(tx, &record).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ExportCreated,
                    &at,
                    json!({"export_id": export_id.to_string(), "purpose": purpose.as_str(), "segment_id": segment.segment_id.to_string(),
                           "policy_version": policy_record.version, "release": record.release, "format": record.format,
                           "recipient": record.recipient, "file_sha256": record.file_sha256, "file_bytes": record.file_bytes,
                           "report_sha256": data_encoding::HEXLOWER.encode(&Sha256::digest(record.report.to_string().as_bytes())),
                           "retain_until": custos_core::format_timestamp(&record.retain_until), "actor": record.created_by}),
                );
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await;
        match result {
            Ok(receipt) => Ok(ExportView::of(record, Some(receipt))),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// One export and its report.
    pub async fn get(&self, export_id: &str) -> Result<ExportView, ServiceError> {
        let id = ExportId::parse(export_id).map_err(|e| ServiceError::invalid("export_id", e.message()))?;
        let r = self.0.read(async |tx| Ok(custos_store::exports::export(tx, &id).await?)).await?;
        Ok(ExportView::of(r.ok_or(ServiceError::NotFound { resource: "export" })?, None))
    }

    /// Exports, newest first (at most 500).
    pub async fn list(&self) -> Result<Vec<ExportView>, ServiceError> {
        let all = self.0.read(async |tx| Ok(custos_store::exports::exports(tx, 500).await?)).await?;
        Ok(all.into_iter().map(|r| ExportView::of(r, None)).collect())
    }

    /// An export's file (its bytes and format), while its retention lasts: 404 after.
    pub async fn file(&self, export_id: &str) -> Result<(Vec<u8>, String), ServiceError> {
        let id = ExportId::parse(export_id).map_err(|e| ServiceError::invalid("export_id", e.message()))?;
        let r = self
            .0
            .read(async |tx| Ok(custos_store::exports::export(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "export" })?;
        let (Some(path), Some(wrapped)) = (r.file_path.as_deref(), r.file_key.as_deref()) else {
            return Err(ServiceError::NotFound { resource: "export file (deleted when its retention ended)" });
        };
        let key = self.0.store.keyring().open_aggregate(&file_label(&id), wrapped).map_err(ServiceError::internal)?;
        let key: [u8; 32] = key.try_into().map_err(|_| ServiceError::internal("export file key has the wrong length"))?;
        let path = path.to_owned();
        let bytes = tokio::task::spawn_blocking(move || read_sealed(Path::new(&path), &key, MAX_FILE_BYTES))
            .await
            .map_err(ServiceError::internal)?
            .map_err(ServiceError::internal)?;
        if data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)) != r.file_sha256 {
            return Err(ServiceError::internal("export file does not match its recorded SHA-256"));
        }
        Ok((bytes, r.format))
    }

    /// Answers a differentially private query (scope `dp:query`): the gate selects the
    /// subjects, the statistic is computed per declared key with exact discrete noise, and the
    /// purpose's budget is spent in the same transaction that records the release; a query the
    /// budget cannot pay for is refused and nothing is released.
    pub async fn query(&self, input: DpQueryInput, actor: &str) -> Result<DpAnswer, ServiceError> {
        let purpose = PurposeKey::parse(&input.purpose).map_err(|e| ServiceError::invalid("purpose", e.message()))?;
        validate_spec("query", &input.spec).map_err(|e| match e {
            ServiceError::Invalid(v) => ServiceError::invalid(v.field().trim_start_matches("query."), v.message()),
            other => other,
        })?;
        let segment = match &input.segment_id {
            Some(id) => Some(self.segment("segment_id", id).await?),
            None => None,
        };
        let (policy_record, policy) = self.policy_in_force(&purpose).await?;
        let Some(budget) = policy.budget else {
            return Err(ServiceError::unprocessable(
                "purpose",
                "the purpose's export policy sets no privacy budget, so no private query may spend one",
            ));
        };
        let declared = self.0.purposes().cached(purpose.as_str()).await?.ok_or(ServiceError::NotFound { resource: "purpose" })?;
        let fields: Vec<String> = std::iter::once(input.spec.segment_by.clone()).chain(input.spec.field.clone()).collect();
        for (name, f) in [("segment_by", Some(&input.spec.segment_by)), ("field", input.spec.field.as_ref())] {
            if let Some(f) = f
                && let Some(c) = field_of(name, f)?
                && (!declared.allows(&c) || self.0.config.gate.is_audit_only(&c))
            {
                return Err(ServiceError::unprocessable(name, format!("`{c}` is not a data category the purpose may release")));
            }
        }
        // Refuse early what the budget cannot pay for (checked again, under the lock, when spending).
        let ask = match (input.spec.epsilon, input.spec.rho) {
            (Some(e), _) => Spend::pure(e),
            (_, Some(r)) => Spend::zcdp(r),
            _ => return Err(ServiceError::invalid("epsilon", "give `epsilon` or `rho`")),
        };
        let field: &'static str = if input.spec.rho.is_some() { "rho" } else { "epsilon" };
        let current = self.0.read(async |tx| Ok(custos_store::exports::budget(tx, purpose.as_str()).await?)).await?;
        admit(&budget, current.as_ref().map_or(Spend::NONE, spend_of), ask, field)?;
        let selection = self.select(&purpose, segment.as_ref(), &fields, None, None).await?;
        let release = statistics_of(&selection, &input.spec, &policy.segment_keys, "query").map_err(|e| match e {
            ServiceError::Unprocessable(v) => ServiceError::unprocessable(v.field().trim_start_matches("query."), v.message()),
            other => other,
        })?;
        let query_id = QueryId::new();
        let at = now();
        let actor = actor.to_owned();
        let spec = input.spec.clone();
        let (remaining, receipt) = self
            .0
            .write(async |tx| {
                let next = spend_budget(tx, &purpose, &policy_record, &budget, release.spend, field, spec.statistic, segment.as_ref().map(|s| s.segment_id), None, &actor, &at).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::DpQueryAnswered,
                    &at,
                    json!({"query_id": query_id.to_string(), "purpose": purpose.as_str(), "segment_id": segment.as_ref().map(|s| s.segment_id.to_string()),
                           "policy_version": policy_record.version, "release": release_doc(&release, &spec),
                           "spent": budget.spent(next), "currency": budget.currency(), "actor": actor}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(((budget.total() - budget.spent(next)).max(0.0), receipt))
            })
            .await?;
        Ok(DpAnswer {
            query_id,
            mechanism: if spec.rho.is_some() { "gaussian" } else { "laplace" },
            statistic: spec.statistic,
            release,
            remaining,
            currency: budget.currency(),
            receipt,
        })
    }

    /// Every purpose's privacy budget: its total, what was spent since the last reset (also
    /// per dataset) and what is left.
    pub async fn budgets(&self) -> Result<Vec<BudgetView>, ServiceError> {
        let policies = self.policies().await?;
        let mut out = Vec::new();
        for p in policies {
            let Some(budget) = p.policy.budget else { continue };
            let key = p.purpose.clone();
            let (row, spends) = self
                .0
                .read(async |tx| {
                    let row = custos_store::exports::budget(tx, &key).await?;
                    let spends = custos_store::exports::spends(tx, &key, 100_000).await?;
                    Ok((row, spends))
                })
                .await?;
            let spent = row.as_ref().map_or(Spend::NONE, spend_of);
            let mut by_segment: BTreeMap<Option<SegmentId>, Spend> = BTreeMap::new();
            for s in spends.iter().filter(|s| s.budget_epoch == p.budget_epoch) {
                let one = match s.epsilon {
                    Some(e) => Spend::pure(e),
                    None => Spend::zcdp(s.rho),
                };
                let entry = by_segment.entry(s.segment_id).or_insert(Spend::NONE);
                *entry = entry.then(one);
            }
            let total = budget.total();
            let used = budget.spent(spent);
            out.push(BudgetView {
                purpose: p.purpose,
                currency: budget.currency(),
                total,
                delta: budget.delta,
                spent: used,
                remaining: (total - used).max(0.0),
                queries: row.map_or(0, |r| r.queries),
                since_version: p.budget_epoch,
                by_segment: by_segment.into_iter().map(|(k, v)| (k, budget.spent(v))).collect(),
            });
        }
        Ok(out)
    }

    /// Deletes export files whose retention ended by `at` (a ledger event each). The number
    /// deleted.
    pub async fn sweep(&self, at: Timestamp) -> Result<usize, ServiceError> {
        let due = self.0.read(async |tx| Ok(custos_store::exports::expired(tx, &at, 1000).await?)).await?;
        let mut deleted = 0;
        for r in due {
            if let Some(path) = &r.file_path
                && let Err(e) = std::fs::remove_file(path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::error!(error = %e, export_id = %r.export_id, "deleting an export file failed");
                continue;
            }
            let id = r.export_id;
            let done = self
                .0
                .write(async |tx| {
                    if !custos_store::exports::mark_deleted(tx, &id, &at).await? {
                        return Ok(false);
                    }
                    let leaf = crate::ledger::event_at(
                        LedgerEvent::ExportFileDeleted,
                        &at,
                        json!({"export_id": id.to_string(), "file_sha256": r.file_sha256, "reason": "retention_ended"}),
                    );
                    custos_store::ledger::append_leaf(tx, leaf).await?;
                    Ok(true)
                })
                .await?;
            deleted += usize::from(done);
        }
        Ok(deleted)
    }
}

/// Spends `ask` from a purpose's budget inside the caller's transaction (the row locked first),
/// recording the spend; the new total.
#[allow(clippy::too_many_arguments)]
async fn spend_budget(
    tx: &mut custos_store::Tx,
    purpose: &PurposeKey,
    policy: &PolicyRecord,
    budget: &Budget,
    ask: Spend,
    field: &'static str,
    statistic: Statistic,
    segment_id: Option<SegmentId>,
    export_id: Option<ExportId>,
    actor: &str,
    at: &Timestamp,
) -> Result<Spend, ServiceError> {
    let row = custos_store::exports::lock_budget(tx, purpose.as_str()).await?;
    // A budget row from an older epoch (the policy changed since) is stale: the epoch in
    // force is the policy's.
    let (spent, queries) = match &row {
        Some(r) if r.budget_epoch == policy.budget_epoch => (spend_of(r), r.queries),
        _ => (Spend::NONE, 0),
    };
    let next = admit(budget, spent, ask, field)?;
    custos_store::exports::put_budget(
        tx,
        &BudgetRecord {
            purpose: purpose.to_string(),
            budget_epoch: policy.budget_epoch,
            spent_epsilon: next.epsilon,
            spent_rho: next.rho,
            queries: queries + 1,
            updated_at: *at,
        },
    )
    .await?;
    custos_store::exports::insert_spend(
        tx,
        &SpendRecord {
            query_id: QueryId::new(),
            purpose: purpose.to_string(),
            segment_id,
            policy_version: policy.version,
            budget_epoch: policy.budget_epoch,
            statistic: statistic.as_str().to_owned(),
            epsilon: ask.epsilon,
            rho: ask.rho,
            export_id,
            created_by: actor.to_owned(),
            created_at: *at,
        },
    )
    .await?;
    Ok(next)
}

/// A file's columns: name and values (none: empty).
type Columns = Vec<(String, Vec<Option<String>>)>;

/// Generalizes and suppresses the selected rows until the policy holds: the file's columns (one
/// per field, rows sorted so their order reveals nothing) and the report's figures.
fn anonymize(selection: &Selected, fields: &[String], policy: &ExportPolicy) -> Result<(Columns, Value), ServiceError> {
    let refuse = |m: String| ServiceError::unprocessable("segment_id", m);
    let n = selection.len();
    if n == 0 {
        return Err(refuse("the gate lets the purpose use no subject of this segment; nothing to export".into()));
    }
    let mut table = Table::new();
    // A sensitive attribute is numeric (t by the ordered distance) when every selected value is
    // a number; decided once, for the search and for the check of the released file alike.
    let mut numeric_fields: Vec<&String> = Vec::new();
    for f in fields {
        let values = selection.column(f)?;
        let numeric: Option<Vec<f64>> =
            if policy.sensitive.contains(f) { values.iter().map(|v| v.trim().parse::<f64>().ok()).collect() } else { None };
        let column = match numeric {
            Some(v) => {
                numeric_fields.push(f);
                Column::Numeric(v)
            }
            None => Column::categorical(values.iter()),
        };
        table.push(f.clone(), column).map_err(|e| ServiceError::internal(e.to_string()))?;
    }
    let quasi: Vec<(&str, Hierarchy)> = policy
        .quasi_identifiers
        .iter()
        .filter(|q| fields.contains(&q.field))
        .map(|q| (q.field.as_str(), hierarchy(&q.hierarchy)))
        .collect();
    if quasi.is_empty() {
        return Err(ServiceError::unprocessable("segment.fields", "the segment exports none of the policy's quasi-identifiers"));
    }
    let sensitive: Vec<&str> = policy.sensitive.iter().filter(|s| fields.contains(s)).map(String::as_str).collect();
    let target = Target {
        k: policy.k as usize,
        // Every sensitive attribute exported carries the policy's l and t into the search.
        sensitive: sensitive
            .iter()
            .map(|s| Sensitive { attribute: (*s).to_owned(), l: policy.l.unwrap_or(1) as usize, t: policy.t })
            .collect(),
        max_suppressed: (policy.max_suppressed * n as f64).floor() as usize,
        max_nodes: MAX_SEARCH_NODES,
    };
    let plan = custos_anon::enforce::search(&table, &quasi, &target)
        .map_err(|e| refuse(format!("the export policy cannot be met on the {n} subjects selected: {e}")))?;
    // The released table, generalized.
    let mut columns: Vec<(String, Vec<Option<String>>)> = Vec::new();
    let mut released_table = Table::new();
    for f in fields {
        let values = selection.column(f)?;
        let level = quasi.iter().position(|(q, _)| q == f).map(|i| (i, plan.levels[i]));
        let out: Vec<String> = values
            .iter()
            .zip(&plan.released)
            .filter(|(_, keep)| **keep)
            .map(|(v, _)| match level {
                Some((i, l)) => quasi[i].1.generalize(v, l),
                None => v.clone(),
            })
            .collect();
        let column = match numeric_fields.contains(&f).then(|| out.iter().map(|v| v.trim().parse::<f64>().ok()).collect()).flatten() {
            Some(v) => Column::Numeric(v),
            None => Column::categorical(out.iter()),
        };
        released_table.push(f.clone(), column).map_err(|e| ServiceError::internal(e.to_string()))?;
        columns.push((f.clone(), out.into_iter().map(Some).collect()));
    }
    let quasi_names: Vec<&str> = quasi.iter().map(|(q, _)| *q).collect();
    let achieved = custos_anon::check(&released_table, &quasi_names, &sensitive, &CheckOptions::default())
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    // The search holds t against the selection and, with rows suppressed, against the released
    // rows too; the file is measured once more as released, and nothing leaves that misses the
    // policy on the file itself.
    if let Some(t) = policy.t
        && let Some(worst) = achieved.sensitive.iter().find(|s| s.t > t + 1e-12)
    {
        return Err(refuse(format!(
            "with the rows suppressed, the least-loss generalization reaches t = {:.3} on `{}`, above the policy's {t}; allow fewer suppressed rows or give coarser hierarchies",
            worst.t, worst.attribute
        )));
    }
    if let Some(l) = policy.l
        && let Some(worst) = achieved.sensitive.iter().find(|s| s.l < l as usize)
    {
        return Err(ServiceError::internal(format!(
            "the released file holds l = {} on `{}` below the policy's {l} (a defect)",
            worst.l, worst.attribute
        )));
    }
    // Sort rows so the file's order says nothing about when subjects joined.
    let rows = columns.first().map_or(0, |c| c.1.len());
    let mut order: Vec<usize> = (0..rows).collect();
    order.sort_by(|&a, &b| columns.iter().map(|c| c.1[a].cmp(&c.1[b])).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal));
    for c in &mut columns {
        c.1 = order.iter().map(|&i| c.1[i].take()).collect();
    }
    let figures = json!({
        "k": achieved.k,
        "k_required": policy.k,
        "l_required": policy.l,
        "t_required": policy.t,
        "rows": achieved.rows,
        "classes": achieved.classes,
        "class_sizes": achieved.class_sizes,
        "suppressed": plan.suppressed,
        "suppressed_allowed": target.max_suppressed,
        "levels": quasi.iter().zip(&plan.levels).map(|((q, h), l)| json!({"field": q, "level": l, "of": h.levels() - 1})).collect::<Vec<_>>(),
        "information_loss": {"metric": "precision", "value": plan.precision_loss, "discernibility": plan.discernibility},
        "risk": achieved.risk,
        "sensitive": achieved.sensitive,
        "lattice_nodes_evaluated": plan.evaluated,
    });
    Ok((columns, figures))
}

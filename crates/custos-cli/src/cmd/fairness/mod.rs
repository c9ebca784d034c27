//! `custos fairness ...`: audits of a table of decisions (CSV, JSON Lines or Parquet) with
//! group metrics, disparities and their uncertainty in Fairlearn's and AIF360's definitions
//! (`audit`), mitigation by reweighing or thresholds (`mitigate`), and data checks
//! (`check-data`). One file per command.

mod audit;
mod check_data;
mod mitigate;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};

use audit::audit;
use check_data::check_data;
use mitigate::mitigate;

/// Fairness commands.
#[derive(Debug, Subcommand)]
pub enum FairnessCommand {
    /// Audit a table of decisions: per-group metrics, disparities, intervals, warnings.
    Audit(AuditArgs),
    /// Mitigate bias in training data: write a copy with Kamiran-Calders reweighing weights.
    Mitigate(MitigateArgs),
    /// Check training data: group representation and label balance, and features that act as
    /// proxies for a sensitive attribute (Cramér's V).
    CheckData(CheckDataArgs),
}

/// The table and columns every fairness command reads.
#[derive(Debug, Args)]
pub struct DataColumns {
    /// The table: `.csv` (header row), `.jsonl` or `.parquet`.
    #[arg(long)]
    input: PathBuf,
    /// Sensitive attribute columns (comma-separated); groups are every combination of their values.
    #[arg(long, value_delimiter = ',', required = true)]
    sensitive: Vec<String>,
    /// The actual outcome (label) column.
    #[arg(long)]
    y_true: String,
    /// The favourable value of the label (and of the decision).
    #[arg(long, default_value = "1")]
    favorable: String,
}

impl DataColumns {
    /// The columns as the engines' inputs name them.
    fn columns(&self) -> custos_frames::fairness::DataColumns {
        custos_frames::fairness::DataColumns {
            sensitive: self.sensitive.clone(),
            y_true: self.y_true.clone(),
            favorable: custos_fairness::Favorable::new(&self.favorable),
        }
    }
}

/// `custos fairness check-data`.
#[derive(Debug, Args)]
pub struct CheckDataArgs {
    #[command(flatten)]
    data: DataColumns,
    /// Features with more distinct values than this are skipped for proxy detection (listed).
    #[arg(long, default_value_t = 50)]
    max_categories: usize,
    /// Cramér's V at or above which a feature is flagged as a proxy.
    #[arg(long, default_value_t = 0.3)]
    proxy_threshold: f64,
    /// The share each value of a sensitive attribute has in the population the data should
    /// represent, e.g. `sex=female:0.51,male:0.49` (repeat for other attributes); the report
    /// compares the data with it (chi-square goodness of fit).
    #[arg(long = "reference-distribution")]
    reference_distributions: Vec<String>,
    /// Where the JSON report goes (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Parses `attr=value:share,value:share` into the attribute and its value shares.
fn parse_distribution(spec: &str, sensitive: &[String]) -> anyhow::Result<(String, BTreeMap<String, f64>)> {
    let (attr, rest) =
        spec.split_once('=').with_context(|| format!("--reference-distribution {spec:?}: expected ATTRIBUTE=VALUE:SHARE,..."))?;
    let attr = attr.trim().to_owned();
    if !sensitive.contains(&attr) {
        bail!("--reference-distribution: {attr} is not one of --sensitive");
    }
    let mut shares = BTreeMap::new();
    for part in rest.split(',') {
        let (value, share) =
            part.rsplit_once(':').with_context(|| format!("--reference-distribution {spec:?}: expected VALUE:SHARE, got {part:?}"))?;
        let share: f64 = share
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s >= 0.0)
            .with_context(|| format!("--reference-distribution: share {share:?} of {value} is not a non-negative number"))?;
        shares.insert(value.trim().to_owned(), share);
    }
    let total: f64 = shares.values().sum();
    if (total - 1.0).abs() > 1e-6 {
        bail!("--reference-distribution for {attr}: the shares add up to {total}, not 1");
    }
    Ok((attr, shares))
}

/// `custos fairness mitigate`.
#[derive(Debug, Args)]
pub struct MitigateArgs {
    #[command(flatten)]
    data: DataColumns,
    /// `reweighing` (pre-processing: a weight per training row) or `thresholds` (post-processing:
    /// one decision threshold per group on `--score`).
    #[arg(long, value_enum, default_value_t = MitigationMethod::Reweighing)]
    method: MitigationMethod,
    /// Reweighing: the copy with a weight column (its extension picks the format). Thresholds:
    /// where the JSON report goes (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Reweighing: the name of the added column.
    #[arg(long, default_value = "weight")]
    weight_column: String,
    /// Thresholds: the score column (higher means more likely favourable).
    #[arg(long)]
    score: Option<String>,
    /// Thresholds: which rates to equalize.
    #[arg(long, value_enum, default_value_t = ThresholdConstraint::DemographicParity)]
    constraint: ThresholdConstraint,
    /// Thresholds: the largest allowed difference between the groups' rates.
    #[arg(long, default_value_t = 0.02)]
    tolerance: f64,
    /// Thresholds: the shared threshold the result is compared with (the accuracy cost).
    #[arg(long, default_value_t = 0.5)]
    baseline_threshold: f64,
}

/// How `mitigate` reduces bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MitigationMethod {
    /// Kamiran-Calders reweighing of training rows.
    Reweighing,
    /// Per-group decision thresholds on a score.
    Thresholds,
}

/// Which rates group thresholds equalize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ThresholdConstraint {
    /// Selection rates.
    DemographicParity,
    /// True positive rates (equal opportunity).
    TruePositiveRateParity,
}

/// How the audit report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// The JSON report.
    Json,
    /// A text table of the groups and the headline disparities.
    Table,
    /// A standalone HTML report with charts, for people who would rather see than read.
    Html,
}

/// `custos fairness audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    data: DataColumns,
    /// The decision (prediction) column.
    #[arg(long)]
    y_pred: String,
    /// A score column (probability of the favourable outcome) for ROC AUC and calibration.
    #[arg(long)]
    score: Option<String>,
    /// The privileged (reference) group for AIF360's relative metrics, e.g. `sex=male`.
    #[arg(long)]
    reference_group: Option<String>,
    /// Groups smaller than this get a warning (their numbers are fragile).
    #[arg(long, default_value_t = 30)]
    min_group_size: u64,
    /// Bootstrap replicates for the disparity intervals (0 to skip; at most 10,000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(0..=custos_fairness::report::MAX_BOOTSTRAP as i64))]
    bootstrap: u32,
    /// Seed of the bootstrap (reports are reproducible).
    #[arg(long, default_value_t = 20261122)]
    seed: u64,
    /// Constant memory whatever the file size: ROC AUC from a 1,000-bin histogram per group
    /// (the report says so) instead of every score.
    #[arg(long)]
    streaming: bool,
    /// Print decode and counting times to stderr (for benchmarks).
    #[arg(long)]
    timings: bool,
    /// Report format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Json)]
    format: AuditFormat,
    /// Where the report goes (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Runs a fairness command.
pub fn run(command: FairnessCommand) -> anyhow::Result<()> {
    match command {
        FairnessCommand::Audit(args) => audit(args),
        FairnessCommand::Mitigate(args) => mitigate(args),
        FairnessCommand::CheckData(args) => check_data(args),
    }
}

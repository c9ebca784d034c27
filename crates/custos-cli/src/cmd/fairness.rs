//! `custos fairness audit`: group metrics, disparities and their uncertainty for a table of
//! decisions (CSV, JSON Lines or Parquet), in Fairlearn's and AIF360's definitions.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use custos_fairness::stats::{self, Interval, Z95};
use custos_fairness::{
    Confusion, GroupMetrics, confusion_by_group, disparities, generalized_entropy_index, pooled, relative_to_reference, theil_index,
};
use custos_tabular::{TableReader, column_text};
use serde::Serialize;
use serde_json::{Value, json};

use super::pii::{open_output, progress};

/// Fairness commands.
#[derive(Debug, Subcommand)]
pub enum FairnessCommand {
    /// Audit a table of decisions: per-group metrics, disparities, intervals, warnings.
    Audit(AuditArgs),
}

/// How the audit report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// The JSON report.
    Json,
    /// A text table of the groups and the headline disparities.
    Table,
}

/// `custos fairness audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Decisions: `.csv` (header row), `.jsonl` or `.parquet`.
    #[arg(long)]
    input: PathBuf,
    /// Sensitive attribute columns (comma-separated); groups are every combination of their values.
    #[arg(long, value_delimiter = ',', required = true)]
    sensitive: Vec<String>,
    /// The actual outcome column.
    #[arg(long)]
    y_true: String,
    /// The decision (prediction) column.
    #[arg(long)]
    y_pred: String,
    /// A score column (probability of the favourable outcome) for ROC AUC and calibration.
    #[arg(long)]
    score: Option<String>,
    /// The value of `--y-true`/`--y-pred` that is favourable.
    #[arg(long, default_value = "1")]
    favorable: String,
    /// The privileged (reference) group for AIF360's relative metrics, e.g. `sex=male`.
    #[arg(long)]
    reference_group: Option<String>,
    /// Groups smaller than this get a warning (their numbers are fragile).
    #[arg(long, default_value_t = 30)]
    min_group_size: u64,
    /// Bootstrap replicates for the disparity intervals (0 to skip).
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
    /// Seed of the bootstrap (reports are reproducible).
    #[arg(long, default_value_t = 20261122)]
    seed: u64,
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
    }
}

/// Whether `value` is the favourable label (numerically equal when both are numbers, so `1`,
/// `1.0` and `true`/`1` spellings of a label agree).
fn is_favorable(value: &str, favorable: &str, favorable_num: Option<f64>) -> bool {
    let v = value.trim();
    if v == favorable {
        return true;
    }
    match (favorable_num, v.parse::<f64>()) {
        (Some(f), Ok(x)) => x == f,
        _ => matches!((favorable, v), ("1", "true" | "True" | "TRUE") | ("true", "1")),
    }
}

/// The rows of the audit, in memory (one byte per label, four per group id, eight per score).
struct Rows {
    group: Vec<u32>,
    by_attribute: Vec<Vec<u32>>,
    y_true: Vec<bool>,
    y_pred: Vec<bool>,
    score: Vec<f64>,
    groups: Vec<Vec<String>>,
    attribute_values: Vec<Vec<String>>,
}

fn read_rows(args: &AuditArgs) -> anyhow::Result<Rows> {
    let reader = TableReader::open(&args.input, 65_536)?;
    let schema = reader.schema();
    let mut needed: Vec<&str> = args.sensitive.iter().map(String::as_str).collect();
    needed.push(&args.y_true);
    needed.push(&args.y_pred);
    if let Some(s) = &args.score {
        needed.push(s);
    }
    for name in &needed {
        if schema.field_with_name(name).is_err() {
            bail!(
                "no column {name:?} in {} (columns: {})",
                args.input.display(),
                schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let favorable_num = args.favorable.parse::<f64>().ok();
    let mut rows = Rows {
        group: Vec::new(),
        by_attribute: vec![Vec::new(); args.sensitive.len()],
        y_true: Vec::new(),
        y_pred: Vec::new(),
        score: Vec::new(),
        groups: Vec::new(),
        attribute_values: vec![Vec::new(); args.sensitive.len()],
    };
    let mut group_ids: HashMap<Vec<String>, u32> = HashMap::new();
    let mut value_ids: Vec<HashMap<String, u32>> = vec![HashMap::new(); args.sensitive.len()];
    let bar = progress(None);
    let mut row_no = 0u64;
    for batch in reader {
        let batch = batch?;
        let col = |name: &str| -> anyhow::Result<Vec<Option<String>>> {
            let array = batch.column_by_name(name).with_context(|| format!("column {name} vanished"))?;
            Ok(column_text(array.as_ref())?)
        };
        let sensitive: Vec<Vec<Option<String>>> = args.sensitive.iter().map(|s| col(s)).collect::<anyhow::Result<_>>()?;
        let y_true = col(&args.y_true)?;
        let y_pred = col(&args.y_pred)?;
        let score = args.score.as_deref().map(col).transpose()?;
        for i in 0..batch.num_rows() {
            row_no += 1;
            let key: Vec<String> = sensitive.iter().map(|c| c[i].clone().unwrap_or_else(|| "(missing)".into())).collect();
            for (a, value) in key.iter().enumerate() {
                let next = value_ids[a].len() as u32;
                let id = *value_ids[a].entry(value.clone()).or_insert_with(|| {
                    rows.attribute_values[a].push(value.clone());
                    next
                });
                rows.by_attribute[a].push(id);
            }
            let next = group_ids.len() as u32;
            let gid = *group_ids.entry(key.clone()).or_insert_with(|| {
                rows.groups.push(key);
                next
            });
            rows.group.push(gid);
            let (Some(t), Some(p)) = (y_true[i].as_deref(), y_pred[i].as_deref()) else {
                bail!("row {row_no}: missing {} or {}", args.y_true, args.y_pred);
            };
            rows.y_true.push(is_favorable(t, &args.favorable, favorable_num));
            rows.y_pred.push(is_favorable(p, &args.favorable, favorable_num));
            if let Some(scores) = &score {
                let s = scores[i].as_deref().and_then(|s| s.trim().parse::<f64>().ok()).filter(|s| (0.0..=1.0).contains(s));
                let Some(s) = s else {
                    bail!("row {row_no}: {} must be a number between 0 and 1", args.score.as_deref().unwrap_or("score"))
                };
                rows.score.push(s);
            }
        }
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    if rows.group.is_empty() {
        bail!("{} has no rows", args.input.display());
    }
    Ok(rows)
}

#[derive(Serialize)]
struct GroupReport {
    group: BTreeMap<String, String>,
    #[serde(flatten)]
    metrics: GroupMetrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    mean_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roc_auc: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_calibration_error: Option<f64>,
    intervals: BTreeMap<&'static str, Option<Interval>>,
}

fn group_reports(
    names: &[String],
    keys: &[Vec<String>],
    ids: &[u32],
    rows: &Rows,
    warnings: &mut Vec<String>,
    min_size: u64,
) -> anyhow::Result<(Vec<GroupReport>, Vec<Confusion>)> {
    let counts = confusion_by_group(ids, &rows.y_true, &rows.y_pred, keys.len())?;
    let mut reports = Vec::with_capacity(keys.len());
    let mut scores_by_group: Vec<(Vec<f64>, Vec<bool>)> = vec![(Vec::new(), Vec::new()); keys.len()];
    if !rows.score.is_empty() {
        for ((&g, &s), &t) in ids.iter().zip(&rows.score).zip(&rows.y_true) {
            scores_by_group[g as usize].0.push(s);
            scores_by_group[g as usize].1.push(t);
        }
    }
    for (g, (key, c)) in keys.iter().zip(&counts).enumerate() {
        let group: BTreeMap<String, String> = names.iter().cloned().zip(key.iter().cloned()).collect();
        let label = key.join(", ");
        if c.count() < min_size {
            warnings.push(format!("group {label}: only {} rows (below {min_size}); its rates are fragile", c.count()));
        }
        if c.tp + c.fn_ == 0 {
            warnings.push(format!("group {label}: no actual positives; true/false negative rates are reported as 0"));
        }
        if c.fp + c.tn == 0 {
            warnings.push(format!("group {label}: no actual negatives; false positive and true negative rates are reported as 0"));
        }
        let mut intervals = BTreeMap::new();
        intervals.insert("selection_rate", stats::wilson(c.tp + c.fp, c.count(), Z95));
        intervals.insert("true_positive_rate", stats::wilson(c.tp, c.tp + c.fn_, Z95));
        intervals.insert("false_positive_rate", stats::wilson(c.fp, c.fp + c.tn, Z95));
        intervals.insert("accuracy", stats::wilson(c.tp + c.tn, c.count(), Z95));
        let (scores, labels) = &scores_by_group[g];
        let with_scores = !rows.score.is_empty();
        reports.push(GroupReport {
            group,
            metrics: GroupMetrics::from_counts(c),
            mean_score: with_scores.then(|| scores.iter().sum::<f64>() / scores.len().max(1) as f64),
            roc_auc: with_scores.then(|| stats::roc_auc(scores, labels).map_or(Value::Null, |v| json!(v))),
            expected_calibration_error: if with_scores { stats::expected_calibration_error(scores, labels, 10) } else { None },
            intervals,
        });
    }
    Ok((reports, counts))
}

fn finite(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

fn audit(args: AuditArgs) -> anyhow::Result<()> {
    let rows = read_rows(&args)?;
    let mut warnings = Vec::new();
    let (by_group, counts) = group_reports(&args.sensitive, &rows.groups, &rows.group, &rows, &mut warnings, args.min_group_size)?;
    let mut by_attribute = serde_json::Map::new();
    for (a, name) in args.sensitive.iter().enumerate() {
        let keys: Vec<Vec<String>> = rows.attribute_values[a].iter().map(|v| vec![v.clone()]).collect();
        let (reports, _) =
            group_reports(std::slice::from_ref(name), &keys, &rows.by_attribute[a], &rows, &mut Vec::new(), args.min_group_size)?;
        by_attribute.insert(name.clone(), serde_json::to_value(reports)?);
    }
    let metrics: Vec<GroupMetrics> = counts.iter().map(GroupMetrics::from_counts).collect();
    let d = disparities(&metrics);
    let all = pooled(&counts);
    let mut report = json!({
        "rows": rows.group.len(),
        "sensitive": args.sensitive,
        "by_group": by_group,
        "by_attribute": by_attribute,
        "disparities": {
            "demographic_parity_difference": finite(d.demographic_parity_difference),
            "demographic_parity_ratio": finite(d.demographic_parity_ratio),
            "equalized_odds_difference": finite(d.equalized_odds_difference),
            "equalized_odds_ratio": finite(d.equalized_odds_ratio),
            "equal_opportunity_difference": finite(d.equal_opportunity_difference),
            "predictive_parity_difference": finite(d.predictive_parity_difference),
            "theil_index": finite(theil_index(&all)),
            "generalized_entropy_index": finite(generalized_entropy_index(&all, 2.0)),
        },
    });
    if let Some((dpd, eod)) = stats::bootstrap_disparities(&counts, args.bootstrap, args.seed, 0.95) {
        report["disparity_intervals"] = json!({
            "method": format!("stratified percentile bootstrap, {} replicates, seed {}", args.bootstrap, args.seed),
            "demographic_parity_difference": dpd,
            "equalized_odds_difference": eod,
        });
    }
    if let Some((chi2, dof, p)) = stats::selection_independence(&counts) {
        report["independence"] = json!({"test": "Pearson chi-square, selection x group", "statistic": chi2, "dof": dof, "p_value": p});
    }
    if let Some(spec) = &args.reference_group {
        let reference = parse_reference(spec, &args.sensitive)?;
        let privileged: Vec<bool> = rows.groups.iter().map(|key| reference.iter().all(|(a, v)| key[*a] == *v)).collect();
        if !privileged.iter().any(|p| *p) {
            bail!("--reference-group {spec}: no rows have those values");
        }
        let priv_counts = pooled(counts.iter().zip(&privileged).filter(|(_, p)| **p).map(|(c, _)| c));
        let unpriv_counts = pooled(counts.iter().zip(&privileged).filter(|(_, p)| !**p).map(|(c, _)| c));
        let r = relative_to_reference(&priv_counts, &unpriv_counts);
        report["relative_to_reference"] = json!({
            "reference": spec,
            "disparate_impact": finite(r.disparate_impact),
            "statistical_parity_difference": finite(r.statistical_parity_difference),
            "average_odds_difference": finite(r.average_odds_difference),
            "equal_opportunity_difference": finite(r.equal_opportunity_difference),
            "four_fifths_rule_violated": r.four_fifths_violated,
        });
    }
    report["warnings"] = json!(warnings);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let mut out = open_output(args.output.as_deref())?;
    match args.format {
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditFormat::Table => {
            writeln!(out, "{} rows; groups by {}", rows.group.len(), args.sensitive.join(" x "))?;
            writeln!(out, "{:<32} {:>8} {:>9} {:>9} {:>9} {:>9}", "group", "count", "selected", "TPR", "FPR", "accuracy")?;
            for (key, m) in rows.groups.iter().zip(&metrics) {
                writeln!(
                    out,
                    "{:<32} {:>8} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
                    key.join(", "),
                    m.count,
                    m.selection_rate,
                    m.true_positive_rate,
                    m.false_positive_rate,
                    m.accuracy
                )?;
            }
            writeln!(out, "demographic parity difference {:.4}, ratio {:.4}", d.demographic_parity_difference, d.demographic_parity_ratio)?;
            writeln!(out, "equalized odds difference {:.4}, ratio {:.4}", d.equalized_odds_difference, d.equalized_odds_ratio)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Parses `attr=value[,attr=value]` against the sensitive attributes.
fn parse_reference(spec: &str, sensitive: &[String]) -> anyhow::Result<Vec<(usize, String)>> {
    spec.split(',')
        .map(|part| {
            let (attr, value) = part.split_once('=').with_context(|| format!("--reference-group {spec:?}: expected ATTRIBUTE=VALUE"))?;
            let idx = sensitive
                .iter()
                .position(|s| s == attr.trim())
                .with_context(|| format!("--reference-group: {attr} is not one of --sensitive"))?;
            Ok((idx, value.trim().to_owned()))
        })
        .collect()
}

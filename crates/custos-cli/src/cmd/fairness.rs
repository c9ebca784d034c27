//! `custos fairness audit`: group metrics, disparities and their uncertainty for a table of
//! decisions (CSV, JSON Lines or Parquet), in Fairlearn's and AIF360's definitions.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use custos_fairness::report::{self, GroupTally, MISSING, ReportOptions, ScoreStats};
use custos_fairness::stats;
use custos_fairness::{Confusion, Favorable, confusion_by_group, pooled};
use custos_tabular::{Array as _, TableReader};
use serde_json::{Value, json};

use super::pii::{open_output, progress};

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

/// Largest dense group table (product of the attributes' distinct values) before falling back
/// to hashing.
const DENSE_CELLS: usize = 1 << 20;

/// The mixed-radix code of attribute ids under the given cardinalities.
fn mixed_radix(ids: impl Iterator<Item = u32>, cards: &[usize]) -> usize {
    ids.zip(cards).fold(0usize, |code, (id, card)| code * card + id as usize)
}

/// Everything an audit needs, accumulated batch by batch in memory proportional to the number
/// of groups (plus one (score, label) pair per row for the exact ROC AUC unless streaming).
struct Accumulated {
    rows: u64,
    /// Combination groups: the attribute values, in first-seen order.
    groups: Vec<Vec<String>>,
    counts: Vec<Confusion>,
    scores: Vec<ScoreStats>,
    has_score: bool,
}

/// Labels of a column: favourable or not, compared numerically for numeric columns.
fn labels(array: &dyn custos_tabular::Array, favorable: &Favorable, name: &str) -> anyhow::Result<Vec<bool>> {
    if array.null_count() > 0 {
        bail!("column {name} has missing values");
    }
    if let (Some(values), Some(f)) = (custos_tabular::column_as_f64(array), favorable.number()) {
        return Ok(values.values().iter().map(|v| *v == f).collect());
    }
    let strings = custos_tabular::column_as_strings(array)?;
    Ok(strings.iter().map(|v| favorable.matches(v.unwrap_or(""))).collect())
}

fn accumulate(args: &AuditArgs) -> anyhow::Result<Accumulated> {
    let reader = TableReader::open_with(&args.data.input, 65_536, true)?;
    let schema = reader.schema();
    let mut needed: Vec<&str> = args.data.sensitive.iter().map(String::as_str).collect();
    needed.push(&args.data.y_true);
    needed.push(&args.y_pred);
    if let Some(s) = &args.score {
        needed.push(s);
    }
    for name in &needed {
        if schema.field_with_name(name).is_err() {
            bail!(
                "no column {name:?} in {} (columns: {})",
                args.data.input.display(),
                schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let favorable = Favorable::new(&args.data.favorable);
    let mut acc = Accumulated { rows: 0, groups: Vec::new(), counts: Vec::new(), scores: Vec::new(), has_score: args.score.is_some() };
    // Attribute value -> id per attribute, and combination of ids -> group.
    let mut value_ids: Vec<rustc_hash::FxHashMap<String, u32>> = vec![rustc_hash::FxHashMap::default(); args.data.sensitive.len()];
    let mut attribute_values: Vec<Vec<String>> = vec![Vec::new(); args.data.sensitive.len()];
    if args.data.sensitive.len() > 4 {
        bail!("at most 4 sensitive attributes (combinations of more are too sparse to audit)");
    }
    let mut group_of: rustc_hash::FxHashMap<u128, u32> = rustc_hash::FxHashMap::default();
    let mut group_ids: Vec<Vec<u32>> = Vec::new();
    let mut dense: (Vec<usize>, Vec<u32>) = (Vec::new(), Vec::new());
    let bar = progress(None);
    let (mut decode, mut count) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut reader = reader;
    loop {
        let started = std::time::Instant::now();
        let Some(batch) = reader.next() else { break };
        let batch = batch?;
        decode += started.elapsed();
        let started = std::time::Instant::now();
        let column = |name: &str| batch.column_by_name(name).with_context(|| format!("column {name} vanished"));
        let sensitive: Vec<custos_tabular::StringArray> = args
            .data
            .sensitive
            .iter()
            .map(|s| {
                let array = column(s)?;
                if matches!(array.data_type(), custos_tabular::DataType::Dictionary(_, _)) {
                    return Ok(custos_tabular::StringArray::from(Vec::<Option<&str>>::new()));
                }
                Ok(custos_tabular::column_as_strings(array.as_ref())?)
            })
            .collect::<anyhow::Result<_>>()?;
        let y_true = labels(column(&args.data.y_true)?.as_ref(), &favorable, &args.data.y_true)?;
        let y_pred = labels(column(&args.y_pred)?.as_ref(), &favorable, &args.y_pred)?;
        let score = match &args.score {
            Some(name) => {
                let values =
                    custos_tabular::column_as_f64(column(name)?.as_ref()).with_context(|| format!("column {name} is not numeric"))?;
                if values.null_count() > 0 || values.values().iter().any(|s| !(0.0..=1.0).contains(s)) {
                    bail!("column {name} must hold numbers between 0 and 1 in every row");
                }
                Some(values)
            }
            None => None,
        };
        // Attribute ids per row: dictionary columns map their few distinct values once per
        // batch; plain text columns look each row's value up.
        let n = batch.num_rows();
        let mut attr_ids: Vec<Vec<u32>> = Vec::with_capacity(args.data.sensitive.len());
        for (a, name) in args.data.sensitive.iter().enumerate() {
            let array = column(name)?;
            let mut intern = |v: &str| -> u32 {
                match value_ids[a].get(v) {
                    Some(id) => *id,
                    None => {
                        let id = attribute_values[a].len() as u32;
                        value_ids[a].insert(v.to_owned(), id);
                        attribute_values[a].push(v.to_owned());
                        id
                    }
                }
            };
            let ids: Vec<u32> = match custos_tabular::dictionary_codes(array.as_ref()) {
                Some((codes, values)) => {
                    let lut: Vec<u32> =
                        (0..values.len()).map(|k| intern(if values.is_null(k) { MISSING } else { values.value(k) })).collect();
                    let missing = intern(MISSING);
                    codes.iter().map(|&k| if k == usize::MAX { missing } else { lut[k] }).collect()
                }
                None => {
                    let strings = &sensitive[a];
                    (0..n).map(|i| intern(if strings.is_null(i) { MISSING } else { strings.value(i) })).collect()
                }
            };
            attr_ids.push(ids);
        }
        // Combination groups. With few distinct values (the usual case) a dense table indexed by
        // the mixed-radix code of the attribute ids; otherwise a hash of the packed ids.
        let cards: Vec<usize> = attribute_values.iter().map(Vec::len).collect();
        let cells: usize = cards.iter().product();
        let mut row_groups = Vec::with_capacity(n);
        // Groups are refused as they appear past the limit, before they take memory.
        let too_many = || {
            anyhow::anyhow!(
                "more than {} groups by {} (audit fewer attributes at once, or bin their values)",
                custos_fairness::report::MAX_GROUPS,
                args.data.sensitive.join(" x ")
            )
        };
        let new_group = |ids_of_row: Vec<u32>, acc: &mut Accumulated, group_ids: &mut Vec<Vec<u32>>| -> anyhow::Result<u32> {
            let g = acc.groups.len() as u32;
            if acc.groups.len() >= custos_fairness::report::MAX_GROUPS {
                return Err(too_many());
            }
            acc.groups.push(ids_of_row.iter().enumerate().map(|(a, id)| attribute_values[a][*id as usize].clone()).collect());
            acc.counts.push(Confusion::default());
            acc.scores.push(ScoreStats::default());
            group_ids.push(ids_of_row);
            Ok(g)
        };
        if cells <= DENSE_CELLS {
            if dense.0 != cards {
                // The cardinalities grew: re-place the known groups in a table of the new shape.
                dense = (cards.clone(), vec![u32::MAX; cells]);
                for (g, ids) in group_ids.iter().enumerate() {
                    dense.1[mixed_radix(ids.iter().copied(), &cards)] = g as u32;
                }
            }
            for i in 0..n {
                let code = mixed_radix(attr_ids.iter().map(|ids| ids[i]), &cards);
                let mut g = dense.1[code];
                if g == u32::MAX {
                    g = new_group(attr_ids.iter().map(|ids| ids[i]).collect(), &mut acc, &mut group_ids)?;
                    dense.1[code] = g;
                    let key = attr_ids.iter().fold(0u128, |k, ids| (k << 32) | u128::from(ids[i]));
                    group_of.insert(key, g);
                }
                row_groups.push(g);
            }
        } else {
            for i in 0..n {
                let key = attr_ids.iter().fold(0u128, |k, ids| (k << 32) | u128::from(ids[i]));
                let g = match group_of.get(&key) {
                    Some(g) => *g,
                    None => {
                        let g = new_group(attr_ids.iter().map(|ids| ids[i]).collect(), &mut acc, &mut group_ids)?;
                        group_of.insert(key, g);
                        g
                    }
                };
                row_groups.push(g);
            }
        }
        let batch_counts = confusion_by_group(&row_groups, &y_true, &y_pred, acc.groups.len())?;
        for (total, c) in acc.counts.iter_mut().zip(&batch_counts) {
            *total = pooled([&*total, c]);
        }
        if let Some(values) = &score {
            if !args.streaming {
                // The exact ROC AUC keeps every (score, label) pair; ask for the memory first so
                // that running out is an error with advice, not an abort.
                let mut per_group = vec![0usize; acc.scores.len()];
                for g in &row_groups {
                    per_group[*g as usize] += 1;
                }
                for (stats, n) in acc.scores.iter_mut().zip(per_group) {
                    if stats.try_reserve(n).is_err() {
                        bail!(
                            "not enough memory to keep every score for the exact ROC AUC after {} rows; run with --streaming (binned ROC AUC, constant memory)",
                            acc.rows
                        );
                    }
                }
            }
            for ((g, s), t) in row_groups.iter().zip(values.values().iter()).zip(&y_true) {
                acc.scores[*g as usize].add(*s, *t, args.streaming);
            }
        }
        acc.rows += batch.num_rows() as u64;
        bar.inc(batch.num_rows() as u64);
        count += started.elapsed();
    }
    bar.finish_and_clear();
    if args.timings {
        eprintln!("timings: decode {:.3} s, group and count {:.3} s ({} rows)", decode.as_secs_f64(), count.as_secs_f64(), acc.rows);
    }
    if acc.rows == 0 {
        bail!("{} has no rows", args.data.input.display());
    }
    Ok(acc)
}

fn audit(args: AuditArgs) -> anyhow::Result<()> {
    let acc = accumulate(&args)?;
    let reference = args
        .reference_group
        .as_deref()
        .map(|spec| Ok::<_, anyhow::Error>((spec.to_owned(), parse_reference(spec, &args.data.sensitive)?)))
        .transpose()?;
    let options = ReportOptions {
        min_group_size: args.min_group_size,
        bootstrap: args.bootstrap as usize,
        seed: args.seed,
        has_score: acc.has_score,
        streaming: args.streaming,
        reference,
    };
    let rows = acc.rows;
    let mut tallies: Vec<GroupTally> = acc
        .groups
        .into_iter()
        .zip(acc.counts)
        .zip(acc.scores)
        .map(|((key, c), scores)| GroupTally { key, labelled: c, unlabelled: (0, 0), scores })
        .collect();
    let report = report::build(&args.data.sensitive, &mut tallies, &options).map_err(|e| match e {
        report::ReportError::NoReferenceRows(spec) => anyhow::anyhow!("--reference-group {spec}: no rows have those values"),
        other => anyhow::anyhow!(other),
    })?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = open_output(args.output.as_deref())?;
    match args.format {
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditFormat::Html => {
            let digest = file_sha256(&args.data.input)?;
            let command = std::env::args().collect::<Vec<_>>().join(" ");
            let input = args.data.input.display().to_string();
            let provenance = [("Input", input.as_str()), ("SHA-256", digest.as_str()), ("Produced by", command.as_str())];
            out.write_all(custos_web::fairness_report_file(&report, &provenance)?.as_bytes())?;
        }
        AuditFormat::Table => {
            writeln!(out, "{} rows; groups by {}", rows, args.data.sensitive.join(" x "))?;
            writeln!(out, "{:<32} {:>8} {:>9} {:>9} {:>9} {:>9}", "group", "count", "selected", "TPR", "FPR", "accuracy")?;
            let num = |v: Option<f64>| v.unwrap_or(f64::NAN);
            for g in &report.by_group {
                let key: Vec<&str> = args.data.sensitive.iter().map(|a| g.group.get(a).map_or("", String::as_str)).collect();
                let m = &g.metrics;
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
            let d = &report.disparities;
            writeln!(
                out,
                "demographic parity difference {:.4}, ratio {:.4}",
                num(d.demographic_parity_difference),
                num(d.demographic_parity_ratio)
            )?;
            writeln!(out, "equalized odds difference {:.4}, ratio {:.4}", num(d.equalized_odds_difference), num(d.equalized_odds_ratio))?;
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

/// The SHA-256 of a file, hex, read in blocks.
fn file_sha256(path: &std::path::Path) -> anyhow::Result<String> {
    use sha2::{Digest as _, Sha256};
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(data_encoding::HEXLOWER.encode(&hasher.finalize()))
}

/// The combination key of every row of a batch, and its labels.
fn batch_keys(batch: &custos_tabular::RecordBatch, args: &MitigateArgs, favorable: &Favorable) -> anyhow::Result<(Vec<String>, Vec<bool>)> {
    let column = |name: &str| batch.column_by_name(name).with_context(|| format!("no column {name:?} in {}", args.data.input.display()));
    let columns: Vec<custos_tabular::StringArray> =
        args.data.sensitive.iter().map(|s| Ok(custos_tabular::column_as_strings(column(s)?.as_ref())?)).collect::<anyhow::Result<_>>()?;
    let keys = (0..batch.num_rows())
        .map(|i| columns.iter().map(|c| if c.is_null(i) { MISSING } else { c.value(i) }).collect::<Vec<_>>().join("\u{1f}"))
        .collect();
    let y = labels(column(&args.data.y_true)?.as_ref(), favorable, &args.data.y_true)?;
    Ok((keys, y))
}

/// `mitigate`: two passes, counting (group, label) cells, then writing each row with its weight.
fn mitigate(args: MitigateArgs) -> anyhow::Result<()> {
    if args.method == MitigationMethod::Thresholds {
        return mitigate_thresholds(&args);
    }
    let output = args.output.clone().context("--method reweighing needs --output (the weighted copy of the table)")?;
    let favorable = Favorable::new(&args.data.favorable);
    let mut cells: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for batch in TableReader::open(&args.data.input, 65_536)? {
        let (keys, y) = batch_keys(&batch?, &args, &favorable)?;
        for (k, label) in keys.into_iter().zip(y) {
            let c = cells.entry(k).or_default();
            if label {
                c.1 += 1;
            } else {
                c.0 += 1;
            }
        }
    }
    if cells.is_empty() {
        bail!("{} has no rows", args.data.input.display());
    }
    let keys: Vec<&String> = cells.keys().collect();
    let weights = custos_fairness::reweighing(&cells.values().copied().collect::<Vec<_>>());
    let weight_of: BTreeMap<&String, (f64, f64)> = keys.into_iter().zip(weights).collect();
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let in_schema = reader.schema();
    if in_schema.field_with_name(&args.weight_column).is_ok() {
        bail!("{} already has a column {:?} (choose another --weight-column)", args.data.input.display(), args.weight_column);
    }
    let mut fields: Vec<custos_tabular::Field> = in_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(custos_tabular::Field::new(&args.weight_column, custos_tabular::DataType::Float64, false));
    let schema = std::sync::Arc::new(custos_tabular::Schema::new(fields));
    let tmp = output.with_extension(format!("partial.{}", output.extension().and_then(|e| e.to_str()).unwrap_or("out")));
    let mut writer = custos_tabular::TableWriter::create(&tmp, schema.clone())?;
    for batch in reader {
        let batch = batch?;
        let (keys, y) = batch_keys(&batch, &args, &favorable)?;
        let w: Vec<f64> =
            keys.iter().zip(&y).map(|(k, label)| weight_of.get(k).map_or(0.0, |(wn, wp)| if *label { *wp } else { *wn })).collect();
        let mut columns = batch.columns().to_vec();
        columns.push(std::sync::Arc::new(custos_tabular::Float64Array::from(w)));
        writer.write(&custos_tabular::RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    writer.finish()?;
    std::fs::rename(&tmp, &output).with_context(|| format!("cannot move the weighted table to {}", output.display()))?;
    Ok(())
}

/// `mitigate --method thresholds`: the most accurate per-group thresholds whose rates differ by
/// at most the tolerance, compared with one shared threshold.
fn mitigate_thresholds(args: &MitigateArgs) -> anyhow::Result<()> {
    use custos_fairness::thresholds::{self, Constraint, GroupThreshold};
    let score_column = args.score.as_deref().context("--method thresholds needs --score (the column the thresholds apply to)")?;
    if !(0.0..=1.0).contains(&args.tolerance) {
        bail!("--tolerance must be between 0 and 1");
    }
    let favorable = Favorable::new(&args.data.favorable);
    let mut groups: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
    let mut rows = 0u64;
    for batch in TableReader::open(&args.data.input, 65_536)? {
        let batch = batch?;
        let (keys, y) = batch_keys(&batch, args, &favorable)?;
        let column =
            batch.column_by_name(score_column).with_context(|| format!("no column {score_column:?} in {}", args.data.input.display()))?;
        let scores = custos_tabular::column_as_f64(column.as_ref()).with_context(|| format!("column {score_column} is not numeric"))?;
        if scores.null_count() > 0 || scores.values().iter().any(|s| !s.is_finite()) {
            bail!("column {score_column} must hold a number in every row");
        }
        for ((k, label), s) in keys.into_iter().zip(y).zip(scores.values().iter()) {
            groups.entry(k).or_default().push((*s, label));
        }
        rows += batch.num_rows() as u64;
    }
    if rows == 0 {
        bail!("{} has no rows", args.data.input.display());
    }
    let constraint = match args.constraint {
        ThresholdConstraint::DemographicParity => Constraint::DemographicParity,
        ThresholdConstraint::TruePositiveRateParity => Constraint::TruePositiveRateParity,
    };
    let names: Vec<&String> = groups.keys().collect();
    let mut scored: Vec<Vec<(f64, bool)>> = groups.values().cloned().collect();
    let baseline = thresholds::at_threshold(&scored, args.baseline_threshold);
    let unconstrained = thresholds::optimize(&mut scored, constraint, 1.0).context("no group can take part")?;
    let chosen = thresholds::optimize(&mut scored, constraint, args.tolerance)
        .context("no group has actual positives, so true positive rates cannot be equalized")?;
    let summary = |gs: &[GroupThreshold]| {
        let n: u64 = gs.iter().map(|g| g.count).sum();
        let correct: f64 = gs.iter().map(|g| g.accuracy * g.count as f64).sum();
        let rates: Vec<f64> = gs
            .iter()
            .filter(|g| g.constrained)
            .map(|g| if constraint == Constraint::DemographicParity { g.selection_rate } else { g.true_positive_rate })
            .collect();
        let spread = rates.iter().cloned().fold(f64::MIN, f64::max) - rates.iter().cloned().fold(f64::MAX, f64::min);
        json!({"accuracy": correct / n as f64, "rate_difference": spread})
    };
    let group_of = |key: &str| -> BTreeMap<String, String> {
        args.data.sensitive.iter().cloned().zip(key.split('\u{1f}').map(str::to_owned)).collect()
    };
    let (before, after) = (summary(&baseline), summary(&chosen));
    let cost = before["accuracy"].as_f64().unwrap_or(0.0) - after["accuracy"].as_f64().unwrap_or(0.0);
    let report = json!({
        "method": "per-group thresholds, deterministic (Fairlearn ThresholdOptimizer's idea without its randomization); exact optimum of accuracy under the tolerance",
        "constraint": constraint,
        "tolerance": args.tolerance,
        "rows": rows,
        "groups": names.iter().zip(chosen.iter().zip(&baseline)).map(|(k, (c, b))| json!({"group": group_of(k), "chosen": c, "baseline": b})).collect::<Vec<_>>(),
        "baseline": {"threshold": args.baseline_threshold, "accuracy": before["accuracy"], "rate_difference": before["rate_difference"]},
        "optimized": after,
        "accuracy_cost": cost,
        "most_accurate_unconstrained": summary(&unconstrained),
    });
    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Rows per (feature value, sensitive value); `None` once a feature has too many values.
type JointCounts = BTreeMap<(String, String), u64>;

/// `check-data`: one pass counting, per sensitive attribute, rows and favourable labels per
/// value, and for every other low-cardinality column its joint counts with the attribute.
fn check_data(args: CheckDataArgs) -> anyhow::Result<()> {
    let favorable = Favorable::new(&args.data.favorable);
    let references: Vec<(String, BTreeMap<String, f64>)> =
        args.reference_distributions.iter().map(|d| parse_distribution(d, &args.data.sensitive)).collect::<anyhow::Result<_>>()?;
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let schema = reader.schema();
    for name in args.data.sensitive.iter().chain(std::iter::once(&args.data.y_true)) {
        if schema.field_with_name(name).is_err() {
            bail!("no column {name:?} in {}", args.data.input.display());
        }
    }
    let features: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).filter(|n| !args.data.sensitive.contains(n)).collect();
    // Per sensitive attribute: value -> (rows, favourable).
    let mut groups: Vec<BTreeMap<String, (u64, u64)>> = vec![BTreeMap::new(); args.data.sensitive.len()];
    // Per (feature, attribute): (feature value, attribute value) -> rows; None once too many values.
    let mut joint: Vec<Vec<Option<JointCounts>>> = vec![vec![Some(BTreeMap::new()); args.data.sensitive.len()]; features.len()];
    let mut distinct: Vec<std::collections::HashSet<String>> = vec![Default::default(); features.len()];
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch?;
        let text = |name: &str| -> anyhow::Result<custos_tabular::StringArray> {
            Ok(custos_tabular::column_as_strings(batch.column_by_name(name).with_context(|| format!("column {name} vanished"))?.as_ref())?)
        };
        let sens: Vec<custos_tabular::StringArray> = args.data.sensitive.iter().map(|s| text(s)).collect::<anyhow::Result<_>>()?;
        let y = labels(
            batch.column_by_name(&args.data.y_true).with_context(|| "label column vanished")?.as_ref(),
            &favorable,
            &args.data.y_true,
        )?;
        let value = |c: &custos_tabular::StringArray, i: usize| if c.is_null(i) { MISSING.to_owned() } else { c.value(i).to_owned() };
        for (a, col) in sens.iter().enumerate() {
            for (i, label) in y.iter().enumerate() {
                let e = groups[a].entry(value(col, i)).or_default();
                e.0 += 1;
                e.1 += u64::from(*label);
            }
        }
        for (f, name) in features.iter().enumerate() {
            if joint[f].iter().all(Option::is_none) {
                continue;
            }
            let col = text(name)?;
            for i in 0..batch.num_rows() {
                let v = value(&col, i);
                if distinct[f].len() < args.max_categories || distinct[f].contains(&v) {
                    distinct[f].insert(v.clone());
                    for (a, s) in sens.iter().enumerate() {
                        if let Some(map) = joint[f][a].as_mut() {
                            *map.entry((v.clone(), value(s, i))).or_default() += 1;
                        }
                    }
                } else {
                    joint[f].iter_mut().for_each(|m| *m = None);
                    break;
                }
            }
        }
        rows += batch.num_rows() as u64;
    }
    let mut proxies = Vec::new();
    let mut skipped = Vec::new();
    for (f, name) in features.iter().enumerate() {
        for (a, attr) in args.data.sensitive.iter().enumerate() {
            let Some(map) = &joint[f][a] else {
                if a == 0 {
                    skipped.push(name.clone());
                }
                continue;
            };
            let row_keys: Vec<&String> = map.keys().map(|k| &k.0).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let col_keys: Vec<&String> = map.keys().map(|k| &k.1).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let table: Vec<Vec<u64>> = row_keys
                .iter()
                .map(|r| col_keys.iter().map(|c| map.get(&((*r).clone(), (*c).clone())).copied().unwrap_or(0)).collect())
                .collect();
            if let Some(v) = stats::cramers_v(&table) {
                let mi = stats::mutual_information(&table);
                proxies.push(json!({"feature": name, "sensitive": attr, "cramers_v": v, "mutual_information": mi, "flagged": v >= args.proxy_threshold}));
            }
        }
    }
    let by_attribute: serde_json::Map<String, Value> = args
        .data
        .sensitive
        .iter()
        .zip(&groups)
        .map(|(attr, g)| {
            let list: Vec<Value> = g
                .iter()
                .map(|(v, (n, fav))| json!({"value": v, "count": n, "share": *n as f64 / rows.max(1) as f64, "base_rate": *fav as f64 / (*n).max(1) as f64}))
                .collect();
            (attr.clone(), Value::Array(list))
        })
        .collect();
    let mut representation = serde_json::Map::new();
    for (attr, shares) in &references {
        let a = args.data.sensitive.iter().position(|s| s == attr).unwrap_or(0);
        let unknown: Vec<&String> = groups[a].keys().filter(|v| !shares.contains_key(*v)).collect();
        if !unknown.is_empty() {
            bail!(
                "--reference-distribution for {attr} has no share for {} (found in the data)",
                unknown.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
            );
        }
        let observed: Vec<u64> = shares.keys().map(|v| groups[a].get(v).map_or(0, |g| g.0)).collect();
        let expected: Vec<f64> = shares.values().copied().collect();
        let values: Vec<Value> = shares
            .iter()
            .zip(&observed)
            .map(|((value, share), n)| {
                let observed_share = *n as f64 / rows.max(1) as f64;
                json!({"value": value, "count": n, "observed_share": observed_share, "expected_share": share, "difference": observed_share - share})
            })
            .collect();
        let test = stats::goodness_of_fit(&observed, &expected)
            .map(|(chi2, dof, p)| json!({"test": "Pearson chi-square goodness of fit", "statistic": chi2, "dof": dof, "p_value": p}));
        representation.insert(attr.clone(), json!({"values": values, "goodness_of_fit": test}));
    }
    let mut report = json!({"rows": rows, "groups": by_attribute, "proxies": proxies, "skipped_high_cardinality": skipped,
        "proxy_method": format!("Cramér's V (no continuity correction), flagged at >= {}; mutual information in nats", args.proxy_threshold)});
    if !representation.is_empty() {
        report["representation"] = Value::Object(representation);
    }
    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

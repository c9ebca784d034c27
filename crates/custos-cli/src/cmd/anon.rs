//! `custos anon check`: how re-identifiable a table (CSV, JSON Lines or Parquet) is: k, the
//! class sizes, l-diversity and t-closeness of each sensitive attribute, and prosecutor risk.

use std::path::{Path, PathBuf};

use std::fmt::Write as _;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use custos_anon::{CheckOptions, Column, Table, enforce::Hierarchy};
use custos_tabular::TableReader;

/// Anonymity of tables.
#[derive(Debug, Subcommand)]
pub enum AnonCommand {
    /// k-anonymity, l-diversity, t-closeness and re-identification risk of a table.
    Check(CheckArgs),
    /// Generalize and suppress until the table is k-anonymous (and l-diverse), with the least
    /// information loss; writes the released rows.
    Enforce(EnforceArgs),
}

/// `custos anon enforce`.
#[derive(Debug, Args)]
pub struct EnforceArgs {
    /// The table (CSV, JSON Lines or Parquet).
    #[arg(long)]
    input: PathBuf,
    /// Quasi-identifiers, comma-separated; each needs a hierarchy in --hierarchies.
    #[arg(long, value_delimiter = ',', required = true)]
    quasi: Vec<String>,
    /// Every released class has at least this many rows.
    #[arg(long)]
    k: usize,
    /// `attribute:l`: every released class has at least l distinct values of the attribute.
    #[arg(long)]
    l: Option<String>,
    /// At most this many rows may be suppressed (default 0).
    #[arg(long, default_value_t = 0)]
    max_suppressed: usize,
    /// The hierarchies (TOML): per quasi-identifier a table with one of `intervals = [5, 10,
    /// 20]`, `prefix = 3`, `dates = true`, or `tree = [{flu = "respiratory"}, {respiratory =
    /// "illness"}]`.
    #[arg(long)]
    hierarchies: PathBuf,
    /// Where to write the released rows (CSV, JSON Lines or Parquet), quasi-identifiers
    /// generalized, every other column as it was.
    #[arg(long)]
    output: PathBuf,
}

/// One column's hierarchy as written in the TOML file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HierarchySpec {
    intervals: Option<Vec<f64>>,
    prefix: Option<usize>,
    dates: Option<bool>,
    tree: Option<Vec<std::collections::HashMap<String, String>>>,
}

fn hierarchy(name: &str, spec: HierarchySpec) -> anyhow::Result<Hierarchy> {
    Ok(match spec {
        HierarchySpec { intervals: Some(w), prefix: None, dates: None, tree: None } => {
            if w.is_empty() || w.iter().any(|x| !(x.is_finite() && *x > 0.0)) || w.windows(2).any(|p| p[1] <= p[0]) {
                bail!("hierarchy {name:?}: intervals must be positive widths in increasing order");
            }
            Hierarchy::Intervals(w)
        }
        HierarchySpec { intervals: None, prefix: Some(levels), dates: None, tree: None } if (1..=32).contains(&levels) => {
            Hierarchy::Prefix { levels }
        }
        HierarchySpec { intervals: None, prefix: None, dates: Some(true), tree: None } => Hierarchy::Dates,
        HierarchySpec { intervals: None, prefix: None, dates: None, tree: Some(t) } if !t.is_empty() && t.len() <= 16 => Hierarchy::Tree(t),
        _ => bail!("hierarchy {name:?}: give exactly one of intervals, prefix (1-32), dates = true or tree (1-16 levels)"),
    })
}

fn enforce(args: EnforceArgs) -> anyhow::Result<()> {
    use custos_tabular::{Field, Schema, StringArray};
    let text = std::fs::read_to_string(&args.hierarchies).with_context(|| format!("cannot read {}", args.hierarchies.display()))?;
    let mut specs: std::collections::HashMap<String, HierarchySpec> =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", args.hierarchies.display(), e.message()))?;
    let mut quasi = Vec::with_capacity(args.quasi.len());
    for q in &args.quasi {
        let spec = specs.remove(q).with_context(|| format!("no hierarchy for {q:?} in {}", args.hierarchies.display()))?;
        quasi.push((q.as_str(), hierarchy(q, spec)?));
    }
    let l = match &args.l {
        Some(spec) => {
            let (name, l) = spec.rsplit_once(':').context("--l is attribute:l")?;
            Some((name.to_owned(), l.parse::<usize>().ok().filter(|l| *l >= 1).context("--l is attribute:l with l at least 1")?))
        }
        None => None,
    };
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    // Every column, as text (the output keeps them); the quasi-identifiers and the l attribute
    // as the engine's columns.
    let reader = TableReader::open(&args.input, 65_536)?;
    let schema = reader.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    for q in &args.quasi {
        if !names.contains(q) {
            bail!("no column {q:?} in {}", args.input.display());
        }
    }
    if let Some((a, _)) = &l
        && !names.contains(a)
    {
        bail!("no column {a:?} in {}", args.input.display());
    }
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for batch in reader {
        let batch = batch?;
        for (i, column) in batch.columns().iter().enumerate() {
            cells[i].extend(custos_tabular::column_text(column.as_ref())?);
        }
    }
    let mut table = Table::new();
    let mut wanted: Vec<&str> = args.quasi.iter().map(String::as_str).collect();
    if let Some((a, _)) = &l {
        wanted.push(a);
    }
    for name in &wanted {
        let i = names.iter().position(|n| n == name).unwrap_or(0);
        if table.column(name).is_err() {
            table.push(*name, Column::categorical(cells[i].iter().map(|c| c.as_deref().unwrap_or(""))))?;
        }
    }
    let target = custos_anon::enforce::Target { k: args.k, l, max_suppressed: args.max_suppressed, max_nodes: 200_000 };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("searching the lattice {bar:30} {pos}/{len} nodes classified ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let plan = custos_anon::enforce::search_with_progress(&table, &quasi, &target, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let plan = plan?;
    // The released rows, quasi-identifiers generalized.
    let kept: Vec<usize> = (0..table.rows()).filter(|&r| plan.released[r]).collect();
    let mut columns = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let level = quasi.iter().position(|(q, _)| q == name).map(|p| (&quasi[p].1, plan.levels[p]));
        let values: StringArray = kept
            .iter()
            .map(|&r| {
                let cell = cells[i][r].as_deref();
                match level {
                    Some((h, lv)) => Some(h.generalize(cell.unwrap_or(""), lv)),
                    None => cell.map(str::to_owned),
                }
            })
            .collect();
        columns.push(std::sync::Arc::new(values) as custos_tabular::ArrayRef);
    }
    let out_schema =
        std::sync::Arc::new(Schema::new(names.iter().map(|n| Field::new(n, custos_tabular::DataType::Utf8, true)).collect::<Vec<_>>()));
    let batch = custos_tabular::RecordBatch::try_new(out_schema.clone(), columns)?;
    let mut writer = custos_tabular::TableWriter::create(&args.output, out_schema)?;
    writer.write(&batch)?;
    writer.finish()?;
    let report = serde_json::json!({
        "levels": quasi.iter().zip(&plan.levels).map(|((q, h), l)| (q.to_string(), serde_json::json!({"level": l, "of": h.levels() - 1}))).collect::<serde_json::Map<_, _>>(),
        "k": plan.k,
        "released": kept.len(),
        "suppressed": plan.suppressed,
        "precision_loss": plan.precision_loss,
        "discernibility": plan.discernibility,
        "nodes_evaluated": plan.evaluated,
        "output": args.output.display().to_string(),
    });
    print(&format!("{}\n", serde_json::to_string_pretty(&report)?))
}

/// `custos anon check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The table (CSV, JSON Lines or Parquet, by extension).
    #[arg(long)]
    input: PathBuf,
    /// Quasi-identifiers, comma-separated (columns an attacker may know: age, postal code,
    /// gender ...).
    #[arg(long, value_delimiter = ',', required = true)]
    quasi: Vec<String>,
    /// Sensitive attributes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    sensitive: Vec<String>,
    /// Columns to read as categories even when they hold numbers (t-closeness then uses the
    /// equal distance), comma-separated.
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// A record is "at risk" when its class gives an attacker a chance above this.
    #[arg(long, default_value_t = 0.2)]
    risk_threshold: f64,
    /// `table` (for people) or `json`.
    #[arg(long, default_value = "table")]
    format: String,
}

/// Differentially private statistics.
#[derive(Debug, Subcommand)]
pub enum DpCommand {
    /// Noisy counts (and sums and means) per segment, for declared segment keys.
    Stats(StatsArgs),
}

/// `custos dp stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The table (CSV, JSON Lines or Parquet), one row per person.
    #[arg(long)]
    input: PathBuf,
    /// The column whose values are the segments.
    #[arg(long)]
    segment_by: String,
    /// The segments to report, comma-separated: all of them, held or not, and no others (keys
    /// read from the data would tell who is in it).
    #[arg(long, value_delimiter = ',', required = true)]
    keys: Vec<String>,
    /// A numeric column to sum (and average) per segment.
    #[arg(long)]
    sum: Option<String>,
    /// The bounds each value is clamped to, `low,high` (integers): required with --sum.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    bounds: Option<Vec<i64>>,
    /// Pure differential privacy with this epsilon (discrete Laplace noise).
    #[arg(long, conflicts_with = "rho")]
    epsilon: Option<f64>,
    /// Zero-concentrated differential privacy with this rho (discrete Gaussian noise).
    #[arg(long)]
    rho: Option<f64>,
    /// With --rho, the delta at which to state the (epsilon, delta) guarantee.
    #[arg(long, default_value_t = 1e-6)]
    delta: f64,
}

/// Runs a `dp` subcommand.
pub fn run_dp(command: DpCommand) -> anyhow::Result<()> {
    match command {
        DpCommand::Stats(args) => stats(args),
    }
}

fn stats(args: StatsArgs) -> anyhow::Result<()> {
    use custos_anon::dp::{Mechanism, OsRandom, segment_statistics};
    let mechanism = match (args.epsilon, args.rho) {
        (Some(epsilon), None) => Mechanism::Laplace { epsilon },
        (None, Some(rho)) => Mechanism::Gaussian { rho },
        _ => bail!("give --epsilon (pure DP) or --rho (zCDP)"),
    };
    let bounds = match (&args.sum, &args.bounds) {
        (Some(_), Some(b)) if b.len() == 2 => Some((b[0], b[1])),
        (Some(_), Some(_)) => bail!("--bounds takes two integers, low,high"),
        (Some(_), None) => bail!("--sum needs --bounds low,high: a sum's noise is set by the largest value one person can add"),
        (None, Some(_)) => bail!("--bounds is for --sum"),
        (None, None) => None,
    };
    let mut names = vec![args.segment_by.as_str()];
    if let Some(s) = &args.sum {
        names.push(s);
    }
    // The segment column as text, the summed one as numbers.
    let categorical = vec![args.segment_by.clone()];
    let table = read(&args.input, &names, &categorical)?;
    let segments: Vec<&str> = match table.column(&args.segment_by)? {
        Column::Categorical { codes, values } => codes.iter().map(|&c| values[c as usize].as_str()).collect(),
        Column::Numeric(_) => bail!("column {:?} was not read as text", args.segment_by),
    };
    let values = match &args.sum {
        Some(s) => match table.column(s)? {
            Column::Numeric(v) => Some(v.as_slice()),
            Column::Categorical { .. } => bail!("column {s:?} is not numeric"),
        },
        None => None,
    };
    let release = segment_statistics(&mut OsRandom, &segments, &args.keys, values.zip(bounds), mechanism)?;
    let guarantee = release.spend.epsilon_at(args.delta);
    let doc = serde_json::json!({
        "mechanism": match mechanism { Mechanism::Laplace { .. } => "discrete_laplace", Mechanism::Gaussian { .. } => "discrete_gaussian" },
        "segments": release.segments,
        "count_noise_scale": release.count_noise,
        "sum_noise_scale": release.sum_noise,
        "spend": {"epsilon": release.spend.epsilon, "rho": release.spend.rho, "epsilon_at_delta": guarantee, "delta": if release.spend.epsilon.is_some() { 0.0 } else { args.delta }},
    });
    if release.undeclared_rows > 0 {
        eprintln!("note: {} rows belong to segments not in --keys and were left out", release.undeclared_rows);
    }
    print(&format!("{}\n", serde_json::to_string_pretty(&doc)?))
}

/// Runs an `anon` subcommand.
pub fn run(command: AnonCommand) -> anyhow::Result<()> {
    match command {
        AnonCommand::Check(args) => check(args),
        AnonCommand::Enforce(args) => enforce(args),
    }
}

/// Reads the named columns: a column whose every value is a number (CSV text included) as
/// numbers (missing as NaN, one value), any other or one named in `categorical` as text
/// (missing as an empty value).
fn read(path: &Path, names: &[&str], categorical: &[String]) -> anyhow::Result<Table> {
    let reader = TableReader::open(path, 65_536)?;
    let schema = reader.schema();
    for name in names {
        schema.field_with_name(name).map_err(|_| anyhow::anyhow!("no column {name:?} in {}", path.display()))?;
    }
    // Numeric until a value says otherwise.
    let mut numeric: Vec<bool> = names.iter().map(|n| !categorical.iter().any(|c| c == n)).collect();
    let bar = indicatif::ProgressBar::new(reader.rows.unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading {pos} rows {per_sec}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut numbers: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for batch in reader {
        let batch = batch?;
        for (i, name) in names.iter().enumerate() {
            let array = batch.column_by_name(name).with_context(|| format!("column {name} vanished"))?;
            if numeric[i] {
                if let Some(floats) = custos_tabular::column_as_f64(array.as_ref()) {
                    numbers[i].extend(floats.iter().map(|v| v.unwrap_or(f64::NAN)));
                    continue;
                }
                // Not a number after all: the numbers so far become text again.
                numeric[i] = false;
                texts[i] = numbers[i].drain(..).map(|x| if x.is_nan() { String::new() } else { x.to_string() }).collect();
            }
            let text = custos_tabular::column_text(array.as_ref())?;
            texts[i].extend(text.into_iter().map(Option::unwrap_or_default));
        }
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    let mut table = Table::new();
    for (i, name) in names.iter().enumerate() {
        let column = if numeric[i] { Column::Numeric(std::mem::take(&mut numbers[i])) } else { Column::categorical(&texts[i]) };
        table.push(*name, column)?;
    }
    Ok(table)
}

fn check(args: CheckArgs) -> anyhow::Result<()> {
    if !(args.risk_threshold > 0.0 && args.risk_threshold <= 1.0) {
        bail!("--risk-threshold must be in (0, 1]");
    }
    if args.format != "table" && args.format != "json" {
        bail!("--format must be table or json");
    }
    let quasi: Vec<&str> = args.quasi.iter().map(String::as_str).collect();
    let sensitive: Vec<&str> = args.sensitive.iter().map(String::as_str).collect();
    let mut names = quasi.clone();
    // A column named twice is read once; the check names the mistake.
    names.extend(sensitive.iter().filter(|s| !quasi.contains(s)));
    let table = read(&args.input, &names, &args.categorical)?;
    let options = CheckOptions { risk_threshold: args.risk_threshold, ..CheckOptions::default() };
    let report = custos_anon::check(&table, &quasi, &sensitive, &options)?;
    if args.format == "json" {
        return print(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    }
    let mut out = String::new();
    writeln!(out, "{} rows in {} equivalence classes over {}", report.rows, report.classes, quasi.join(", "))?;
    writeln!(out, "k-anonymity: {} (the smallest class)", report.k)?;
    writeln!(
        out,
        "re-identification risk (prosecutor): highest {:.1}%, average {:.1}%, records above {:.0}%: {:.1}%",
        100.0 * report.risk.max,
        100.0 * report.risk.average,
        100.0 * report.risk.threshold,
        100.0 * report.risk.records_at_risk
    )?;
    let sizes: Vec<String> = report.class_sizes.iter().take(10).map(|(size, n)| format!("{n} of size {size}")).collect();
    writeln!(out, "class sizes: {}{}", sizes.join(", "), if report.class_sizes.len() > 10 { ", ..." } else { "" })?;
    for s in &report.sensitive {
        let recursive: Vec<String> = s
            .recursive_c
            .iter()
            .map(|(l, c)| match c {
                Some(c) => format!("(c,{l}) holds for c > {c:.3}"),
                None => format!("(c,{l}) never holds"),
            })
            .collect();
        writeln!(
            out,
            "{} ({}): l = {}, entropy l = {:.3}, {}, t = {:.4}",
            s.attribute,
            s.kind,
            s.l,
            s.entropy_l,
            recursive.join(", "),
            s.t
        )?;
    }
    print(&out)
}

/// Prints `text`; a reader that stopped reading (`| head`) is not an error.
fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

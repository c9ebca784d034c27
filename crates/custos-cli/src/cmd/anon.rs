//! `custos anon check`: how re-identifiable a table (CSV, JSON Lines or Parquet) is: k, the
//! class sizes, l-diversity and t-closeness of each sensitive attribute, and prosecutor risk.

use std::path::{Path, PathBuf};

use std::fmt::Write as _;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use custos_anon::{CheckOptions, Table};
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
    /// Sensitive attributes, comma-separated: a bare `--l` or `--t` applies to each.
    #[arg(long, value_delimiter = ',')]
    sensitive: Vec<String>,
    /// `l` (for every --sensitive attribute) or `attribute:l`, comma-separated or repeated:
    /// every released class has at least l distinct values of the attribute.
    #[arg(long, value_delimiter = ',')]
    l: Vec<String>,
    /// `t` (for every --sensitive attribute) or `attribute:t`, comma-separated or repeated:
    /// every released class's distribution of the attribute is within t (earth mover's
    /// distance, 0 to 1) of the table's.
    #[arg(long, value_delimiter = ',')]
    t: Vec<String>,
    /// At most this many rows may be suppressed (default 0).
    #[arg(long, default_value_t = 0)]
    max_suppressed: usize,
    /// Sensitive attributes to read as categories even when they hold numbers (t then uses the
    /// equal distance), comma-separated.
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
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

/// The sensitive attributes from `--sensitive`, `--l` and `--t` (`attribute:value`, or a bare
/// value for every `--sensitive` attribute), one entry per attribute.
fn sensitive_targets(sensitive: &[String], l: &[String], t: &[String]) -> anyhow::Result<Vec<custos_anon::enforce::Sensitive>> {
    let mut out: Vec<custos_anon::enforce::Sensitive> =
        sensitive.iter().map(|a| custos_anon::enforce::Sensitive { attribute: a.clone(), l: 1, t: None }).collect();
    // A bare value applies to every --sensitive attribute.
    let each = |spec: &str, flag: &str| -> anyhow::Result<Vec<(String, String)>> {
        match spec.rsplit_once(':') {
            Some((name, v)) => Ok(vec![(name.to_owned(), v.to_owned())]),
            None if sensitive.is_empty() => bail!("{flag} {spec} names no attribute: give --sensitive, or {flag} attribute:{spec}"),
            None => Ok(sensitive.iter().map(|a| (a.clone(), spec.to_owned())).collect()),
        }
    };
    let mut entry = |name: &str| -> usize {
        match out.iter().position(|s| s.attribute == name) {
            Some(i) => i,
            None => {
                out.push(custos_anon::enforce::Sensitive { attribute: name.to_owned(), l: 1, t: None });
                out.len() - 1
            }
        }
    };
    let mut ls = Vec::new();
    for spec in l {
        for (name, v) in each(spec, "--l")? {
            let v = v.parse::<usize>().ok().filter(|l| *l >= 1).context("--l is l or attribute:l with l at least 1")?;
            ls.push((entry(&name), v));
        }
    }
    let mut ts = Vec::new();
    for spec in t {
        for (name, v) in each(spec, "--t")? {
            let v = v.parse::<f64>().ok().filter(|t| (0.0..=1.0).contains(t)).context("--t is t or attribute:t with t between 0 and 1")?;
            ts.push((entry(&name), v));
        }
    }
    for (i, v) in ls {
        out[i].l = v;
    }
    for (i, v) in ts {
        out[i].t = Some(v);
    }
    Ok(out)
}

fn enforce(args: EnforceArgs) -> anyhow::Result<()> {
    use custos_frames::anon::{
        Cells, ClassCounts, HierarchySpec, MAX_SEARCH_NODES, Release, ReleaseError, enforcement_plan, enforcement_report,
    };
    let text = std::fs::read_to_string(&args.hierarchies).with_context(|| format!("cannot read {}", args.hierarchies.display()))?;
    let mut specs: std::collections::HashMap<String, HierarchySpec> =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", args.hierarchies.display(), e.message()))?;
    let mut quasi = Vec::with_capacity(args.quasi.len());
    for q in &args.quasi {
        let spec = specs.remove(q).with_context(|| format!("no hierarchy for {q:?} in {}", args.hierarchies.display()))?;
        quasi.push((q.as_str(), spec.hierarchy(q).map_err(anyhow::Error::msg)?));
    }
    let sensitive = sensitive_targets(&args.sensitive, &args.l, &args.t)?;
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    let source = args.input.display().to_string();
    let reader = TableReader::open(&args.input, 65_536)?;
    let schema = reader.schema();
    // The columns the search needs: quasi-identifiers, then sensitive attributes.
    let mut needed: Vec<String> = args.quasi.clone();
    needed.extend(sensitive.iter().map(|s| s.attribute.clone()).filter(|a| !args.quasi.contains(a)));
    // First pass: group the rows by their needed values (memory follows the distinct
    // combinations, not the rows; the other columns are never held).
    let mut counts = ClassCounts::new(&schema, &source, &needed, &[], Cells::Text)?;
    let bar = indicatif::ProgressBar::new(reader.rows.unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading {pos} rows {per_sec}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for batch in reader {
        let batch = batch?;
        counts.add_batch(&batch)?;
        if counts.rows() > u64::from(u32::MAX) {
            bail!("more than 4,294,967,295 rows: split the table");
        }
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    let target = custos_anon::enforce::Target { k: args.k, sensitive, max_suppressed: args.max_suppressed, max_nodes: MAX_SEARCH_NODES };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("searching the lattice {bar:30} {pos}/{len} nodes classified ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let plan = enforcement_plan(&counts, &quasi, &target, &args.categorical, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let plan = plan?;
    // Second pass, written to a file beside the output and renamed only once every row was
    // accounted for: a failure leaves no partial release behind.
    let partial = partial_path(&args.output);
    let changed = || anyhow::anyhow!("{source} changed while it was being read; nothing was written");
    let written = (|| -> anyhow::Result<u64> {
        let mut release = Release::new(&counts, &plan, &quasi, &schema);
        let mut writer = custos_tabular::TableWriter::create(&partial, release.schema())?;
        let bar = indicatif::ProgressBar::new(counts.rows());
        bar.set_style(
            indicatif::ProgressStyle::with_template("writing {bar:30} {pos}/{len} rows")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        for batch in TableReader::open(&args.input, 65_536)? {
            let batch = batch?;
            let out = release.apply(&batch).map_err(|e| match e {
                ReleaseError::Changed => changed(),
                other => other.into(),
            })?;
            writer.write(&out)?;
            bar.inc(batch.num_rows() as u64);
        }
        writer.finish()?;
        bar.finish_and_clear();
        release.finish().map_err(|e| match e {
            ReleaseError::Changed => changed(),
            other => other.into(),
        })
    })();
    let released = match written {
        Ok(released) => {
            std::fs::rename(&partial, &args.output).with_context(|| format!("cannot write {}", args.output.display()))?;
            released
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let mut report = enforcement_report(&quasi, &plan, &counts, released);
    report["output"] = serde_json::Value::String(args.output.display().to_string());
    print(&format!("{}\n", serde_json::to_string_pretty(&report)?))
}

/// Where the released rows are written before they are complete: beside the output, so the
/// rename that publishes them stays on one file system.
fn partial_path(output: &Path) -> PathBuf {
    // The extension stays last: it names the format.
    let stem = output.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = output.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    output.with_file_name(format!(".{stem}.partial{ext}"))
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
    #[arg(long, value_delimiter = ',', required_unless_present = "select_keys")]
    keys: Vec<String>,
    /// Instead of --keys: read the keys from the data and report only those whose noisy count
    /// clears a threshold, set so that a key one person alone holds shows with at most this
    /// probability (DP partition selection; needs --epsilon). The guarantee assumes one row
    /// per person: a person with several rows under a rare key is not covered.
    #[arg(long, conflicts_with_all = ["keys", "rho"])]
    select_keys: Option<f64>,
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
    use custos_anon::dp::Mechanism;
    use custos_frames::anon::{DpRequest, dp_statistics};
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
    if args.select_keys.is_some() && args.epsilon.is_none() {
        bail!("--select-keys needs --epsilon (the threshold is set for discrete Laplace noise)");
    }
    let mut names = vec![args.segment_by.as_str()];
    if let Some(s) = &args.sum {
        names.push(s);
    }
    // The segment column as text, the summed one as numbers.
    let categorical = vec![args.segment_by.clone()];
    let table = read(&args.input, &names, &categorical)?;
    let request = DpRequest {
        segment_by: args.segment_by.clone(),
        keys: args.select_keys.is_none().then(|| args.keys.clone()),
        select_keys: args.select_keys,
        sum: args.sum.clone().zip(bounds),
        mechanism,
        delta: args.delta,
    };
    let (doc, left_out) = dp_statistics(&table, &request)?;
    if left_out > 0 {
        eprintln!("note: {left_out} rows belong to segments not in --keys and were left out");
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
    let mut table = custos_frames::anon::TableReader::new(&reader.schema(), &path.display().to_string(), names, categorical)?;
    let bar = indicatif::ProgressBar::new(reader.rows.unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading {pos} rows {per_sec}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for batch in reader {
        let batch = batch?;
        table.add_batch(&batch)?;
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    Ok(table.finish()?)
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

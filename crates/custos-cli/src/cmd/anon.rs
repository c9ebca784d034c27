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

/// Rows read so far, grouped by their values of the columns the search needs (quasi-identifiers
/// and sensitive attributes): the search's memory follows the distinct combinations, not the
/// rows, and the other columns are never held.
struct Groups {
    /// Per needed column, its distinct values and their codes.
    values: Vec<Vec<String>>,
    index: Vec<std::collections::HashMap<String, u32>>,
    /// Per group, its codes (one per needed column, flattened) and its rows.
    group_of: std::collections::HashMap<Box<[u32]>, u32>,
    codes: Vec<u32>,
    counts: Vec<u32>,
}

impl Groups {
    fn new(columns: usize) -> Self {
        Self {
            values: vec![Vec::new(); columns],
            index: vec![std::collections::HashMap::new(); columns],
            group_of: std::collections::HashMap::new(),
            codes: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// The group of a row read again (its cells of the needed columns), if the first pass saw
    /// it.
    fn find(&self, cells: &[Option<&str>]) -> Option<u32> {
        let key: Vec<u32> =
            cells.iter().enumerate().map(|(c, cell)| self.index[c].get(cell.unwrap_or("")).copied()).collect::<Option<_>>()?;
        self.group_of.get(key.as_slice()).copied()
    }

    /// Counts one row (its cells of the needed columns) in its group, made on first sight.
    fn add(&mut self, cells: &[Option<&str>]) {
        let mut key = Vec::with_capacity(cells.len());
        for (c, cell) in cells.iter().enumerate() {
            let v = cell.unwrap_or("");
            let code = match self.index[c].get(v) {
                Some(&code) => code,
                None => {
                    let code = self.values[c].len() as u32;
                    self.index[c].insert(v.to_owned(), code);
                    self.values[c].push(v.to_owned());
                    code
                }
            };
            key.push(code);
        }
        let key = key.into_boxed_slice();
        if let Some(&g) = self.group_of.get(&key) {
            let c = &mut self.counts[g as usize];
            *c = c.saturating_add(1);
            return;
        }
        let g = self.counts.len() as u32;
        self.codes.extend_from_slice(&key);
        self.group_of.insert(key, g);
        self.counts.push(1);
    }
}

/// Per needed column, each row's text (`None`: missing) from a batch.
fn needed_cells(batch: &custos_tabular::RecordBatch, needed: &[String]) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    needed
        .iter()
        .map(|n| {
            let array = batch.column_by_name(n).with_context(|| format!("column {n} vanished"))?;
            Ok(custos_tabular::column_text(array.as_ref())?)
        })
        .collect()
}

fn enforce(args: EnforceArgs) -> anyhow::Result<()> {
    use custos_tabular::{Field, Schema};
    let text = std::fs::read_to_string(&args.hierarchies).with_context(|| format!("cannot read {}", args.hierarchies.display()))?;
    let mut specs: std::collections::HashMap<String, HierarchySpec> =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", args.hierarchies.display(), e.message()))?;
    let mut quasi = Vec::with_capacity(args.quasi.len());
    for q in &args.quasi {
        let spec = specs.remove(q).with_context(|| format!("no hierarchy for {q:?} in {}", args.hierarchies.display()))?;
        quasi.push((q.as_str(), hierarchy(q, spec)?));
    }
    let sensitive = sensitive_targets(&args.sensitive, &args.l, &args.t)?;
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    let reader = TableReader::open(&args.input, 65_536)?;
    let schema = reader.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    // The columns the search needs: quasi-identifiers, then sensitive attributes.
    let mut needed: Vec<String> = args.quasi.clone();
    needed.extend(sensitive.iter().map(|s| s.attribute.clone()).filter(|a| !args.quasi.contains(a)));
    for n in &needed {
        if !names.contains(n) {
            bail!("no column {n:?} in {}", args.input.display());
        }
    }
    // First pass: group the rows by their needed values.
    let bar = indicatif::ProgressBar::new(reader.rows.unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading {pos} rows {per_sec}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut groups = Groups::new(needed.len());
    let mut rows: u64 = 0;
    for batch in reader {
        let batch = batch?;
        let cells = needed_cells(&batch, &needed)?;
        let mut row: Vec<Option<&str>> = vec![None; needed.len()];
        for r in 0..batch.num_rows() {
            for (c, column) in cells.iter().enumerate() {
                row[c] = column[r].as_deref();
            }
            groups.add(&row);
            if groups.counts.len() > u32::MAX as usize - 1 {
                bail!("more than 4 billion distinct combinations of the quasi-identifiers");
            }
        }
        rows += batch.num_rows() as u64;
        if rows > u64::from(u32::MAX) {
            bail!("more than 4,294,967,295 rows: split the table");
        }
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    // The grouped table: one row per combination, with its number of rows. A sensitive
    // attribute whose every value is a number is numeric (t uses the ordered distance).
    let width = needed.len();
    let n_groups = groups.counts.len();
    let mut table = Table::new();
    for (c, name) in needed.iter().enumerate() {
        let values = &groups.values[c];
        let of_group = (0..n_groups).map(|g| values[groups.codes[g * width + c] as usize].as_str());
        // As `anon check` reads it: numeric when every value is a number or missing (NaN).
        let numbers: Option<Vec<f64>> = if c >= args.quasi.len() && !args.categorical.contains(name) {
            values.iter().map(|v| if v.trim().is_empty() { Some(f64::NAN) } else { v.trim().parse::<f64>().ok() }).collect()
        } else {
            None
        };
        let column = match numbers {
            Some(numbers) => Column::Numeric((0..n_groups).map(|g| numbers[groups.codes[g * width + c] as usize]).collect()),
            None => Column::categorical(of_group),
        };
        table.push(name.as_str(), column)?;
    }
    let target = custos_anon::enforce::Target { k: args.k, sensitive, max_suppressed: args.max_suppressed, max_nodes: 200_000 };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("searching the lattice {bar:30} {pos}/{len} nodes classified ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let plan = custos_anon::enforce::search_grouped(&table, &groups.counts, &quasi, &target, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let plan = plan?;
    drop(table);
    // Each quasi-identifier's values generalized once, at the chosen level.
    let generalized: Vec<Vec<String>> =
        quasi.iter().enumerate().map(|(q, (_, h))| groups.values[q].iter().map(|v| h.generalize(v, plan.levels[q])).collect()).collect();
    // Second pass: each row released or not by its group, quasi-identifiers generalized,
    // every other column as it was, written batch by batch.
    let out_schema =
        std::sync::Arc::new(Schema::new(names.iter().map(|n| Field::new(n, custos_tabular::DataType::Utf8, true)).collect::<Vec<_>>()));
    // Written to a file beside the output and renamed only once every row was accounted for:
    // a failure leaves no partial release behind.
    let partial = partial_path(&args.output);
    let written = write_released(&args, &partial, &names, &needed, &quasi, &groups, &plan, &generalized, rows, out_schema);
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
    let report = serde_json::json!({
        "levels": quasi.iter().zip(&plan.levels).map(|((q, h), l)| (q.to_string(), serde_json::json!({"level": l, "of": h.levels() - 1}))).collect::<serde_json::Map<_, _>>(),
        "k": plan.k,
        "rows": rows,
        "combinations": n_groups,
        "released": released,
        "suppressed": plan.suppressed,
        "precision_loss": plan.precision_loss,
        "discernibility": plan.discernibility,
        "nodes_evaluated": plan.evaluated,
        "output": args.output.display().to_string(),
    });
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

/// The second pass: reads the input again, writes each batch's released rows to `path`
/// (quasi-identifiers generalized, the other columns as they were), and checks that every
/// group has as many rows as the first pass counted, so a file that changed in between is
/// refused rather than released with classes below k. The rows released.
#[allow(clippy::too_many_arguments)]
fn write_released(
    args: &EnforceArgs,
    path: &Path,
    names: &[String],
    needed: &[String],
    quasi: &[(&str, Hierarchy)],
    groups: &Groups,
    plan: &custos_anon::enforce::Plan,
    generalized: &[Vec<String>],
    rows: u64,
    out_schema: custos_tabular::SchemaRef,
) -> anyhow::Result<u64> {
    use custos_tabular::StringArray;
    let changed = || anyhow::anyhow!("{} changed while it was being read; nothing was written", args.input.display());
    let width = needed.len();
    let mut writer = custos_tabular::TableWriter::create(path, out_schema.clone())?;
    let bar = indicatif::ProgressBar::new(rows);
    bar.set_style(
        indicatif::ProgressStyle::with_template("writing {bar:30} {pos}/{len} rows")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut seen = vec![0u32; groups.counts.len()];
    let mut released = 0u64;
    for batch in TableReader::open(&args.input, 65_536)? {
        let batch = batch?;
        let cells = needed_cells(&batch, needed)?;
        let mut row: Vec<Option<&str>> = vec![None; width];
        let mut kept = Vec::with_capacity(batch.num_rows());
        for r in 0..batch.num_rows() {
            for (c, column) in cells.iter().enumerate() {
                row[c] = column[r].as_deref();
            }
            let g = groups.find(&row).ok_or_else(changed)?;
            seen[g as usize] = seen[g as usize].saturating_add(1);
            if plan.released[g as usize] {
                kept.push((r, g));
            }
        }
        released += kept.len() as u64;
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let values: StringArray = match quasi.iter().position(|(q, _)| q == name) {
                Some(q) => {
                    kept.iter().map(|&(_, g)| Some(generalized[q][groups.codes[g as usize * width + q] as usize].as_str())).collect()
                }
                None => {
                    let array = batch.column_by_name(name).with_context(|| format!("column {name} vanished"))?;
                    let text = custos_tabular::column_text(array.as_ref())?;
                    kept.iter().map(|&(r, _)| text[r].as_deref()).collect()
                }
            };
            columns.push(std::sync::Arc::new(values) as custos_tabular::ArrayRef);
        }
        writer.write(&custos_tabular::RecordBatch::try_new(out_schema.clone(), columns)?)?;
        bar.inc(batch.num_rows() as u64);
    }
    writer.finish()?;
    bar.finish_and_clear();
    if seen != groups.counts {
        return Err(changed());
    }
    Ok(released)
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
    if let (Some(delta), Some(epsilon)) = (args.select_keys, args.epsilon) {
        let selected = custos_anon::dp::segment_statistics_selected(&mut OsRandom, &segments, values.zip(bounds), epsilon, delta)?;
        let release = selected.release;
        let doc = serde_json::json!({
            "mechanism": "discrete_laplace",
            "keys": "selected",
            "threshold": selected.threshold,
            "segments": release.segments,
            "count_noise_scale": release.count_noise,
            "sum_noise_scale": release.sum_noise,
            "spend": {"epsilon": epsilon, "delta": delta},
        });
        return print(&format!("{}\n", serde_json::to_string_pretty(&doc)?));
    }
    if args.select_keys.is_some() {
        bail!("--select-keys needs --epsilon (the threshold is set for discrete Laplace noise)");
    }
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

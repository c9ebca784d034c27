//! `custos drift`: compares a current table with a reference table column by column
//! (`custos-monitor`), streaming both through `custos-tabular` (CSV, JSONL or Parquet).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use custos_frames::drift::SampleReader;
use custos_monitor::{ColumnDrift, ColumnInput, Correction, DriftOptions, DriftReport, Verdict};
use custos_tabular::TableReader;

use super::pii::{open_output, progress};

/// Arguments of `custos drift`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DriftArgs {
    /// Write or merge profiles instead of comparing.
    #[command(subcommand)]
    pub command: Option<DriftCommand>,
    /// The reference table (CSV, JSONL or Parquet, by extension).
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// The reference as a profile (`custos drift profile`) instead of the table.
    #[arg(long)]
    pub reference_profile: Option<PathBuf>,
    /// The current table, same columns.
    #[arg(long)]
    pub current: Option<PathBuf>,
    /// The current data as a profile instead of the table.
    #[arg(long)]
    pub current_profile: Option<PathBuf>,
    /// Only these columns (comma-separated; default: every column the two tables share).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Treat these columns as categories even if they hold numbers.
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Correction across columns: `holm` (family-wise error), `bh` (false discovery rate) or
    /// `none`.
    #[arg(long, default_value = "holm")]
    pub correction: String,
    /// The error rate.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// The smallest effect worth calling drift for a column, `column=value` (repeatable):
    /// Wasserstein distance in reference standard deviations for numbers, PSI for categories.
    #[arg(long = "min-effect")]
    pub min_effect: Vec<String>,
    /// `json`, `table` or `html`.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Where to write (default: standard output).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// What `custos drift` does besides comparing.
#[derive(Debug, clap::Subcommand)]
pub enum DriftCommand {
    /// Write a table's column sketches to a profile file (bounded memory).
    Profile(super::drift_profile::ProfileArgs),
    /// Merge shards' profiles into one.
    Merge(super::drift_profile::MergeArgs),
}

fn read(path: &Path, columns: &[String], forced: &BTreeSet<String>, bar: &indicatif::ProgressBar) -> anyhow::Result<SampleReader> {
    // Parquet text columns arrive dictionary-encoded: categories are counted by code.
    let reader = TableReader::open_with(path, 65_536, true)?;
    // Numbers are held once, in buffers sized up front when the file says how many rows it
    // has (at most 16 million: a bound on what a header can make us reserve).
    let capacity = reader.rows.unwrap_or(0).min(16_000_000) as usize;
    let mut samples = SampleReader::new(&reader.schema(), &path.display().to_string(), columns, forced, capacity)?;
    for batch in reader {
        let batch = batch?;
        samples.add_batch(&batch)?;
        bar.inc(batch.num_rows() as u64);
    }
    Ok(samples)
}

/// Runs `custos drift`.
pub fn run(args: DriftArgs) -> anyhow::Result<()> {
    match args.command {
        Some(DriftCommand::Profile(a)) => return super::drift_profile::run_profile(a),
        Some(DriftCommand::Merge(a)) => return super::drift_profile::run_merge(a),
        None => {}
    }
    let correction =
        Correction::parse(&args.correction).with_context(|| format!("--correction: {:?} is not holm, bh or none", args.correction))?;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        bail!("--alpha must be between 0 and 1");
    }
    if !["json", "table", "html"].contains(&args.format.as_str()) {
        bail!("--format must be json, table or html");
    }
    let mut min_effect: BTreeMap<String, f64> = BTreeMap::new();
    for m in &args.min_effect {
        let (c, v) = m.split_once('=').with_context(|| format!("--min-effect {m:?}: write column=value"))?;
        let v: f64 = v
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .with_context(|| format!("--min-effect {m:?}: not a number >= 0"))?;
        min_effect.insert(c.to_owned(), v);
    }
    if args.reference.is_some() == args.reference_profile.is_some() {
        bail!("give one of --reference and --reference-profile");
    }
    if args.current.is_some() == args.current_profile.is_some() {
        bail!("give one of --current and --current-profile");
    }
    let profiles = args.reference_profile.is_some() || args.current_profile.is_some();
    let reference_profile = args.reference_profile.as_deref().map(super::drift_profile::read_profile).transpose()?;
    let current_profile = args.current_profile.as_deref().map(super::drift_profile::read_profile).transpose()?;
    let names = |side: &Option<PathBuf>, profile: &Option<custos_monitor::Profile>| -> anyhow::Result<Vec<String>> {
        Ok(match (side, profile) {
            (_, Some(p)) => p.columns.iter().map(|c| c.name.clone()).collect(),
            (Some(path), None) => TableReader::open(path, 1)?.schema().fields().iter().map(|f| f.name().clone()).collect(),
            (None, None) => Vec::new(),
        })
    };
    let shared: Vec<String> = {
        let r = names(&args.reference, &reference_profile)?;
        let c = names(&args.current, &current_profile)?;
        r.into_iter().filter(|n| c.contains(n)).collect()
    };
    let columns: Vec<String> = if args.columns.is_empty() {
        shared
    } else {
        for c in &args.columns {
            if !shared.contains(c) {
                bail!("--columns: {c:?} is not a column of both tables");
            }
        }
        args.columns.clone()
    };
    if columns.is_empty() {
        bail!("the two tables share no column");
    }
    for c in min_effect.keys().chain(&args.categorical) {
        if !columns.contains(c) {
            bail!("{c:?} is not a compared column");
        }
    }
    let forced: BTreeSet<String> = args.categorical.iter().cloned().collect();
    let bar = progress(None);
    let mut inputs: Vec<ColumnInput> = if profiles {
        // Against a profile both sides are sketched; a raw table takes the profile's kinds.
        if reference_profile.is_some() && !forced.is_empty() {
            bail!("--categorical: the reference profile already fixed each column's kind");
        }
        let sides = std::thread::scope(|scope| {
            let current = scope.spawn(|| match (&current_profile, &args.current) {
                (Some(p), _) => Ok(p.clone()),
                (None, Some(path)) => super::drift_profile::profile_table(path, &columns, &forced, reference_profile.as_ref(), &bar),
                (None, None) => bail!("--current is required"),
            });
            let reference = match (&reference_profile, &args.reference) {
                (Some(p), _) => Ok(p.clone()),
                (None, Some(path)) => super::drift_profile::profile_table(path, &columns, &forced, current_profile.as_ref(), &bar),
                (None, None) => Err(anyhow::anyhow!("--reference is required")),
            };
            (reference, current.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
        let (reference, current) = (sides.0?, sides.1?);
        bar.finish_and_clear();
        columns
            .iter()
            .map(|name| {
                let (Some(r), Some(c)) = (reference.column(name), current.column(name)) else {
                    bail!("column {name:?} is missing from a profile")
                };
                if r.kind() != c.kind() {
                    bail!("column {name:?} is {} in the reference and {} in the current data", r.kind(), c.kind());
                }
                Ok(ColumnInput {
                    name: name.clone(),
                    reference: r.sample(),
                    current: c.sample(),
                    min_effect: min_effect.get(name).copied(),
                })
            })
            .collect::<anyhow::Result<_>>()?
    } else {
        let (Some(reference_path), Some(current_path)) = (&args.reference, &args.current) else {
            bail!("--reference and --current are required")
        };
        // The two tables are read at once, one per core.
        let (reference, current) = std::thread::scope(|scope| {
            let current = scope.spawn(|| read(current_path, &columns, &forced, &bar));
            let reference = read(reference_path, &columns, &forced, &bar);
            (reference, current.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
        let (reference, current) = (reference?, current?);
        bar.finish_and_clear();
        SampleReader::finish_pair(reference, current)
            .into_iter()
            .map(|(name, reference, current)| ColumnInput { min_effect: min_effect.get(&name).copied(), name, reference, current })
            .collect()
    };
    let report = custos_monitor::compare(&mut inputs, &DriftOptions { alpha: args.alpha, correction, power: 0.8, name_values: true })?;
    let mut out = open_output(args.output.as_deref())?;
    match args.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        "table" => write_table(&mut out, &report)?,
        _ => out.write_all(super::drift_html::page(&report, &inputs).as_bytes())?,
    }
    out.flush()?;
    Ok(())
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Drift => "drift",
        Verdict::DetectableButSmall => "small",
        Verdict::NoDrift => "-",
    }
}

fn write_table(out: &mut dyn Write, report: &DriftReport) -> anyhow::Result<()> {
    let width = report.columns.iter().map(|c| c.column.len()).max().unwrap_or(6).max(6);
    writeln!(out, "{:<width$}  {:<11}  {:>10}  {:>14}  {:>8}  verdict", "column", "kind", "adjusted p", "effect", "value")?;
    for c in &report.columns {
        let ColumnDrift { column, kind, p_value_adjusted, effect_size, verdict, .. } = c;
        writeln!(
            out,
            "{column:<width$}  {kind:<11}  {p_value_adjusted:>10.3e}  {:>14}  {:>8.4}  {}",
            effect_size.method,
            effect_size.value,
            verdict_word(*verdict)
        )?;
    }
    writeln!(
        out,
        "{} of {} columns drifted ({} correction, alpha {}); {} reference rows, {} current rows",
        report.drifted_columns,
        report.columns.len(),
        match report.correction {
            Correction::Holm => "Holm",
            Correction::Bh => "Benjamini-Hochberg",
            Correction::None => "no",
        },
        report.alpha,
        report.rows.reference,
        report.rows.current
    )?;
    Ok(())
}

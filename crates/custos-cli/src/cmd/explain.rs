//! `custos explain`: predictions, TreeSHAP attributions and plain-language reasons for rows of a
//! table, from an XGBoost or LightGBM model file (format detected) or a linear model JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use custos_explain::reasons::{FeatureDictionary, ReasonOptions};
use custos_explain::{Attribution, Model, ShapMode};
use custos_tabular::{Array as _, TableReader};
use serde_json::{Value, json};

use super::pii::{open_output, progress};

/// Explanation commands.
#[derive(Debug, Subcommand)]
pub enum ExplainCommand {
    /// Attributions per feature (margin space) and the base value, one row per input row.
    Shap(ShapArgs),
    /// The model's margins and predictions (probabilities for classifiers).
    Predict(PredictArgs),
    /// Reason codes and a plain-language explanation per row, in the feature dictionary's words.
    Reasons(ReasonsArgs),
}

/// The model and the rows every explain command reads.
#[derive(Debug, Args)]
pub struct ModelRows {
    /// The model: XGBoost JSON (`save_model("model.json")`), LightGBM text or `dump_model`
    /// JSON, or a linear model JSON; the format is detected.
    #[arg(long)]
    model: PathBuf,
    /// The rows: `.csv` (header row), `.jsonl` or `.parquet`, one column per model feature
    /// (others are ignored; an `id` column is copied through). Empty cells are missing values.
    #[arg(long)]
    input: PathBuf,
    /// Where the result goes (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: crate::config::ModelLimitArgs,
}

/// Output layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Comma-separated values with a header.
    Csv,
    /// A JSON array of objects with the same keys as the CSV columns.
    Json,
}

/// Which TreeSHAP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Cover-weighted (the libraries' `pred_contribs` and shap's default).
    PathDependent,
    /// Against background rows (`--background`).
    Interventional,
}

/// `custos explain shap`.
#[derive(Debug, Args)]
pub struct ShapArgs {
    #[command(flatten)]
    data: ModelRows,
    /// Which TreeSHAP.
    #[arg(long, value_enum, default_value_t = Mode::PathDependent)]
    mode: Mode,
    /// Background rows for `--mode interventional` (same columns as the input).
    #[arg(long)]
    background: Option<PathBuf>,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Worker threads, 1 to 256 (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
}

/// `custos explain predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    data: ModelRows,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
}

/// `custos explain reasons`.
#[derive(Debug, Args)]
pub struct ReasonsArgs {
    #[command(flatten)]
    data: ModelRows,
    /// The feature dictionary (`features.toml`): `favorable_outcome`, and per feature
    /// `[features.<name>]` with `description`, `higher`, `lower`, optional `unit` and `actionable`.
    #[arg(long)]
    dictionary: PathBuf,
    /// At most this many reasons per row.
    #[arg(long, default_value_t = 4)]
    top_k: usize,
    /// The decision boundary (probability for classifiers; required for hints on regression).
    #[arg(long)]
    threshold: Option<f64>,
    /// The class explained (multi-class models).
    #[arg(long, default_value_t = 0)]
    class: usize,
    /// Which TreeSHAP.
    #[arg(long, value_enum, default_value_t = Mode::PathDependent)]
    mode: Mode,
    /// Background rows for `--mode interventional`.
    #[arg(long)]
    background: Option<PathBuf>,
}

/// Runs an explain command.
pub fn run(command: ExplainCommand) -> anyhow::Result<()> {
    match command {
        ExplainCommand::Shap(args) => shap(args),
        ExplainCommand::Predict(args) => predict(args),
        ExplainCommand::Reasons(args) => reasons(args),
    }
}

/// Reads and parses a model file under `limits` (a model past them is refused, naming the rule).
pub fn load_model(path: &Path, limits: &custos_explain::Limits) -> anyhow::Result<Model> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Model::parse_with(&bytes, limits).with_context(|| format!("{}", path.display()))
}

/// Rows as the model's features (NaN for missing), and the table's `id` column if it has one.
pub type Rows = (Vec<Vec<f64>>, Option<Vec<String>>);

/// The rows of a table as the model's features.
pub fn load_rows(model: &Model, path: &Path) -> anyhow::Result<Rows> {
    let reader = TableReader::open(path, 65_536)?;
    let schema = reader.schema();
    let missing: Vec<&str> = model.feature_names().iter().filter(|f| schema.field_with_name(f).is_err()).map(String::as_str).collect();
    if !missing.is_empty() {
        bail!("{} lacks the model's feature column(s): {}", path.display(), missing.join(", "));
    }
    let has_id = schema.field_with_name("id").is_ok();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for batch in reader {
        let batch = batch?;
        let start = rows.len();
        rows.extend((0..batch.num_rows()).map(|_| vec![f64::NAN; model.feature_names().len()]));
        for (f, name) in model.feature_names().iter().enumerate() {
            let column = batch.column_by_name(name).with_context(|| format!("column {name} vanished"))?;
            let values = custos_tabular::column_as_f64(column.as_ref()).with_context(|| {
                format!("column {name} of {} is not numeric (categorical features must hold the model's category codes)", path.display())
            })?;
            for (i, row) in rows[start..].iter_mut().enumerate() {
                row[f] = if values.is_null(i) { f64::NAN } else { values.value(i) };
            }
        }
        if has_id {
            let id = custos_tabular::column_text(batch.column_by_name("id").context("id column vanished")?.as_ref())?;
            ids.extend(id.into_iter().map(Option::unwrap_or_default));
        }
    }
    Ok((rows, has_id.then_some(ids)))
}

/// Runs `f` over every row on `threads` workers, in order, with a progress bar.
fn par_rows<T: Send>(rows: &[Vec<f64>], threads: usize, f: impl Fn(&[f64]) -> anyhow::Result<T> + Sync) -> anyhow::Result<Vec<T>> {
    let bar = progress(Some(rows.len() as u64));
    let chunk = rows.len().div_ceil(threads.max(1)).max(1);
    let results: Vec<anyhow::Result<Vec<T>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                let (f, bar) = (&f, &bar);
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(part.len());
                    for (i, row) in part.iter().enumerate() {
                        out.push(f(row)?);
                        if i % 256 == 255 {
                            bar.inc(256);
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a worker thread panicked")))).collect()
    });
    bar.finish_and_clear();
    let mut out = Vec::with_capacity(rows.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Runs `f` over blocks of rows on `threads` workers, in order, with a progress bar.
fn par_chunks<T: Send>(
    rows: &[Vec<f64>],
    threads: usize,
    f: impl Fn(&[Vec<f64>]) -> anyhow::Result<Vec<T>> + Sync,
) -> anyhow::Result<Vec<T>> {
    let bar = progress(Some(rows.len() as u64));
    const BLOCK: usize = 1024;
    let blocks: Vec<&[Vec<f64>]> = rows.chunks(BLOCK).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Slot<T> = std::sync::Mutex<Option<anyhow::Result<Vec<T>>>>;
    let slots: Vec<Slot<T>> = (0..blocks.len()).map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(block) = blocks.get(i) else { break };
                    let r = f(block);
                    bar.inc(block.len() as u64);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    bar.finish_and_clear();
    let mut out = Vec::with_capacity(rows.len());
    for slot in slots {
        match slot.into_inner().ok().flatten() {
            Some(r) => out.extend(r?),
            None => bail!("a worker thread stopped"),
        }
    }
    Ok(out)
}

fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1)
}

fn background(model: &Model, mode: Mode, path: Option<&Path>) -> anyhow::Result<Vec<Vec<f64>>> {
    match (mode, path) {
        (Mode::PathDependent, _) => Ok(Vec::new()),
        (Mode::Interventional, None) => bail!("--mode interventional needs --background (rows the absent features are drawn from)"),
        (Mode::Interventional, Some(p)) => {
            let (rows, _) = load_rows(model, p)?;
            if rows.is_empty() {
                bail!("{} has no rows", p.display());
            }
            Ok(rows)
        }
    }
}

fn shap_mode(mode: Mode) -> ShapMode {
    match mode {
        Mode::PathDependent => ShapMode::PathDependent,
        Mode::Interventional => ShapMode::Interventional,
    }
}

/// Writes a table of numbers with an optional leading id column.
fn write_table(
    out: &mut dyn Write,
    format: TableFormat,
    header: &[String],
    ids: Option<&[String]>,
    rows: &[Vec<f64>],
) -> anyhow::Result<()> {
    let num = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
    match format {
        TableFormat::Csv => {
            let mut columns: Vec<String> = Vec::new();
            if ids.is_some() {
                columns.push("id".into());
            }
            columns.extend(header.iter().cloned());
            writeln!(out, "{}", columns.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","))?;
            for (i, row) in rows.iter().enumerate() {
                if let Some(ids) = ids {
                    write!(out, "{},", csv_cell(&ids[i]))?;
                }
                let cells: Vec<String> = row.iter().map(|v| if v.is_finite() { format!("{v}") } else { String::new() }).collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
        TableFormat::Json => {
            let docs: Vec<Value> = rows
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let mut doc = serde_json::Map::new();
                    if let Some(ids) = ids {
                        doc.insert("id".into(), json!(ids[i]));
                    }
                    for (h, v) in header.iter().zip(row) {
                        doc.insert(h.clone(), num(*v));
                    }
                    Value::Object(doc)
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &docs)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn shap(args: ShapArgs) -> anyhow::Result<()> {
    let model = load_model(&args.data.model, &args.data.limits.limits())?;
    let (rows, ids) = load_rows(&model, &args.data.input)?;
    let background = background(&model, args.mode, args.background.as_deref())?;
    let mode = shap_mode(args.mode);
    let k = model.n_outputs();
    let names = model.feature_names();
    let header: Vec<String> = if k == 1 {
        names.iter().cloned().chain(std::iter::once("base_value".to_owned())).collect()
    } else {
        (0..k)
            .flat_map(|c| names.iter().map(move |n| format!("{n}:class{c}")).chain(std::iter::once(format!("base_value:class{c}"))))
            .collect()
    };
    let flatten = |attributions: Vec<Attribution>| -> Vec<f64> {
        attributions.into_iter().flat_map(|a| a.values.into_iter().chain(std::iter::once(a.base_value))).collect()
    };
    let table = if mode == ShapMode::PathDependent {
        // Precomputed tables, rows tree by tree: several times faster than row by row.
        model.prepare();
        par_chunks(&rows, threads(args.threads.map(usize::from)), |part| Ok(model.shap_many(part)?.into_iter().map(flatten).collect()))?
    } else {
        par_rows(&rows, threads(args.threads.map(usize::from)), |row| Ok(flatten(model.shap(row, mode, &background)?)))?
    };
    let mut out = open_output(args.data.output.as_deref())?;
    write_table(&mut *out, args.format, &header, ids.as_deref(), &table)?;
    out.flush()?;
    Ok(())
}

fn predict(args: PredictArgs) -> anyhow::Result<()> {
    let model = load_model(&args.data.model, &args.data.limits.limits())?;
    let (rows, ids) = load_rows(&model, &args.data.input)?;
    let k = model.n_outputs();
    let header: Vec<String> = if k == 1 {
        vec!["margin".into(), "prediction".into()]
    } else {
        (0..k).map(|c| format!("margin:class{c}")).chain((0..k).map(|c| format!("probability:class{c}"))).collect()
    };
    let table = par_rows(&rows, threads(None), |row| {
        let mut out = model.predict_margin(row)?;
        out.extend(model.predict(row)?);
        Ok(out)
    })?;
    let mut out = open_output(args.data.output.as_deref())?;
    write_table(&mut *out, args.format, &header, ids.as_deref(), &table)?;
    out.flush()?;
    Ok(())
}

/// Reads a feature dictionary and checks it against the model's features.
pub fn load_dictionary(path: &Path, model: &Model) -> anyhow::Result<FeatureDictionary> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let dictionary: FeatureDictionary = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?;
    let unknown: Vec<&String> = dictionary.features.keys().filter(|f| !model.feature_names().contains(f)).collect();
    if !unknown.is_empty() {
        bail!(
            "{} describes features the model does not have: {}",
            path.display(),
            unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(dictionary)
}

fn reasons(args: ReasonsArgs) -> anyhow::Result<()> {
    let model = load_model(&args.data.model, &args.data.limits.limits())?;
    let dictionary = load_dictionary(&args.dictionary, &model)?;
    if args.class >= model.n_outputs() {
        bail!("--class {}: the model has {} output(s)", args.class, model.n_outputs());
    }
    let (rows, ids) = load_rows(&model, &args.data.input)?;
    let background = background(&model, args.mode, args.background.as_deref())?;
    let mode = shap_mode(args.mode);
    let options = ReasonOptions { top_k: args.top_k, output: args.class, decision_threshold: args.threshold };
    let explanations = par_rows(&rows, threads(None), |row| {
        let attributions = model.shap(row, mode, &background)?;
        Ok(custos_explain::reasons::explain(&model, row, &attributions[args.class], &dictionary, &options))
    })?;
    let mut out = open_output(args.data.output.as_deref())?;
    for (i, e) in explanations.iter().enumerate() {
        let mut doc = serde_json::to_value(e)?;
        if let Some(ids) = &ids {
            doc["id"] = json!(ids[i]);
        }
        writeln!(out, "{doc}")?;
    }
    out.flush()?;
    Ok(())
}

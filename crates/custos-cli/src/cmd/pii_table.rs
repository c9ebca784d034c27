//! `custos pii scan-table` and `custos pii redact-table`: the PII engine over the cells of a
//! CSV, JSON Lines or Parquet table, streamed batch by batch on every core.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use custos_pii::table::{ScanReport, TableScan};
use custos_pii::{Operator, OperatorConfig};
use custos_tabular::{ArrayRef, DataType, Field, RecordBatch, Schema, StringArray, TableReader, TableWriter, column_text, is_text};

use super::pii::{TextFormat, TextInput, analyze_options, build_analyzer, load_token_key, open_output, parse_operators, progress};

const BATCH_ROWS: usize = 8192;

/// How `scan-table` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A JSON document.
    Json,
    /// An aligned text table.
    Table,
}

/// Options shared by the table commands.
#[derive(Debug, Args)]
pub struct TableInput {
    /// The table: `.csv` (with a header row), `.jsonl`/`.ndjson` or `.parquet`.
    #[arg(long)]
    input: PathBuf,
    /// Custom recognizers (Presidio's YAML or JSON shape).
    #[arg(long)]
    recognizers: Option<PathBuf>,
    /// Only these entity types (comma-separated).
    #[arg(long, value_delimiter = ',')]
    entities: Option<Vec<String>>,
    /// Least score a finding needs (default 0.4).
    #[arg(long)]
    threshold: Option<f32>,
    /// Worker threads, 1 to 256 (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
}

/// `custos pii scan-table`.
#[derive(Debug, Args)]
pub struct ScanTableArgs {
    #[command(flatten)]
    table: TableInput,
    /// Where the report goes (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    report: ReportFormat,
    /// Share of non-empty rows an entity type needs to classify a column.
    #[arg(long, default_value_t = 0.5)]
    classify_share: f64,
}

/// `custos pii redact-table`.
#[derive(Debug, Args)]
pub struct RedactTableArgs {
    #[command(flatten)]
    table: TableInput,
    /// The redacted copy (its extension picks the format; may differ from the input's).
    #[arg(long)]
    output: PathBuf,
    /// Operators per entity type as Presidio's `anonymizers` JSON map, inline or a file path.
    #[arg(long)]
    operators: Option<String>,
    /// A column's own operator for everything found in it: `NAME=replace|redact|mask|hash|tokenize|keep` or `NAME={json}`.
    /// Non-text columns named here are redacted too (written as text).
    #[arg(long = "column")]
    columns: Vec<String>,
    /// File holding the 32-byte pseudonymization key (64 hex characters) for `tokenize`.
    #[arg(long, env = "CUSTOS_PII_TOKEN_KEY_FILE")]
    token_key_file: Option<PathBuf>,
}

fn text_input(t: &TableInput) -> TextInput {
    TextInput {
        input: t.input.clone(),
        output: None,
        format: TextFormat::Text,
        lossy: false,
        skip_bad_lines: false,
        max_line_bytes: usize::MAX,
        recognizers: t.recognizers.clone(),
        entities: t.entities.clone(),
        threshold: t.threshold,
        allow_list: vec![],
        threads: t.threads,
    }
}

fn threads(t: &TableInput) -> usize {
    t.threads.map(usize::from).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

/// Threads that live as long as one table command (their regex caches and lookup tables stay
/// warm, as `custos pii analyze`'s do): each batch's values are cut into one chunk per worker
/// and come back in input order. A panic in a worker is caught there and raised again here,
/// so the command never waits on a worker that is gone.
struct Workers<T, C, R> {
    jobs: mpsc::Sender<(usize, C, Vec<T>)>,
    done: mpsc::Receiver<(usize, std::thread::Result<Vec<R>>)>,
    threads: usize,
}

/// Runs `body` with `threads` workers that apply `f(context, value)`; they stop when it returns.
fn with_workers<T: Send, C: Copy + Send, R: Send, O>(
    threads: usize,
    f: impl Fn(C, &T) -> R + Sync,
    body: impl FnOnce(&Workers<T, C, R>) -> O,
) -> O {
    let f = &f;
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::channel::<(usize, C, Vec<T>)>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..threads.max(1) {
            let (rx, tx) = (job_rx.clone(), done_tx.clone());
            scope.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, context, values)) = job else { return };
                    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| values.iter().map(|v| f(context, v)).collect()));
                    if tx.send((index, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let workers = Workers { jobs: job_tx, done: done_rx, threads: threads.max(1) };
        let out = body(&workers);
        // Closing the job channel ends the workers; the scope joins them.
        drop(workers);
        out
    })
}

impl<T, C: Copy, R> Workers<T, C, R> {
    /// `f(context, value)` for every value, on every worker, results in input order.
    fn map(&self, context: C, mut values: Vec<T>) -> Vec<R> {
        let chunk = values.len().div_ceil(self.threads).max(1);
        let mut chunks = Vec::new();
        while !values.is_empty() {
            let rest = values.split_off(chunk.min(values.len()));
            chunks.push(std::mem::replace(&mut values, rest));
        }
        let n = chunks.len();
        for (i, c) in chunks.into_iter().enumerate() {
            // INVARIANT: workers only stop when `jobs` closes (their panics are caught).
            self.jobs.send((i, context, c)).expect("the workers outlive the command");
        }
        let mut parts: Vec<Option<Vec<R>>> = (0..n).map(|_| None).collect();
        for _ in 0..n {
            let (i, out) = self.done.recv().expect("the workers outlive the command");
            match out {
                Ok(v) => parts[i] = Some(v),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts.into_iter().flatten().flatten().collect()
    }
}

/// `scan-table`: per column, which entity types appear and in what share of rows.
pub fn scan(args: ScanTableArgs) -> anyhow::Result<()> {
    let analyzer = build_analyzer(&text_input(&args.table))?;
    let options = analyze_options(&text_input(&args.table), &analyzer)?;
    let reader = TableReader::open(&args.table.input, BATCH_ROWS)?;
    let schema = reader.schema();
    let bar = rows_progress();
    let mut scan = TableScan::new(schema.fields().iter().map(|f| (f.name().clone(), f.data_type().to_string())));
    let types_in = |(): (), v: &Option<String>| -> Vec<Arc<str>> {
        match v {
            Some(text) if !text.is_empty() => analyzer.analyze(text, &options).into_iter().map(|f| f.entity_type).collect(),
            _ => Vec::new(),
        }
    };
    with_workers(threads(&args.table), types_in, |workers| -> anyhow::Result<()> {
        for batch in reader {
            let batch = batch?;
            scan.add_rows(batch.num_rows() as u64);
            for (c, column) in batch.columns().iter().enumerate() {
                let values = column_text(column.as_ref()).context("cannot read column values as text")?;
                let has_value: Vec<bool> = values.iter().map(|v| v.as_deref().is_some_and(|s| !s.is_empty())).collect();
                for (found, has) in workers.map((), values).into_iter().zip(has_value) {
                    scan.add_value(c, has, found.iter().map(|e| &**e));
                }
            }
            bar.inc(batch.num_rows() as u64);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    let report = scan.finish(&args.table.input.display().to_string(), args.classify_share);
    let mut out = open_output(args.output.as_deref())?;
    match args.report {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => write_table(&mut out, &report)?,
    }
    out.flush()?;
    Ok(())
}

use std::io::Write;

fn write_table(out: &mut dyn Write, report: &ScanReport) -> anyhow::Result<()> {
    writeln!(out, "{} rows in {}", report.rows, report.file)?;
    writeln!(out, "{:<24} {:<16} {:<20} entities (share of non-empty rows)", "column", "data type", "classification")?;
    for c in &report.columns {
        let found: Vec<String> = c.entities.iter().map(|e| format!("{} {:.1}%", e.entity_type, e.share * 100.0)).collect();
        writeln!(out, "{:<24} {:<16} {:<20} {}", c.name, c.data_type, c.classification.as_deref().unwrap_or("-"), found.join(", "))?;
    }
    Ok(())
}

/// Parses one `--column NAME=OPERATOR` option.
fn column_operator(spec: &str) -> anyhow::Result<(String, Operator)> {
    let Some((name, op)) = spec.split_once('=') else { bail!("--column {spec:?}: expected NAME=OPERATOR") };
    let operator = match op.trim() {
        "replace" => Operator::Replace { new_value: None },
        "redact" => Operator::Redact {},
        "mask" => Operator::Mask { masking_char: "*".into(), chars_to_mask: usize::MAX, from_end: false },
        "hash" => Operator::Hash { hash_type: None, salt: None },
        "tokenize" => Operator::Tokenize {},
        "keep" => Operator::Keep {},
        json if json.starts_with('{') => serde_json::from_str(json).with_context(|| format!("--column {name}: invalid operator JSON"))?,
        other => bail!("--column {name}: unknown operator {other:?} (replace, redact, mask, hash, tokenize, keep or JSON)"),
    };
    operator.validate()?;
    Ok((name.to_owned(), operator))
}

/// `redact-table`: a copy of the table with what the analyzer finds replaced, cell by cell.
pub fn redact(args: RedactTableArgs) -> anyhow::Result<()> {
    let input = text_input(&args.table);
    let analyzer = build_analyzer(&input)?;
    let options = analyze_options(&input, &analyzer)?;
    let base_ops = parse_operators(args.operators.as_deref())?;
    let mut per_column: BTreeMap<String, OperatorConfig> = BTreeMap::new();
    for spec in &args.columns {
        let (name, op) = column_operator(spec)?;
        let mut ops = base_ops.clone();
        ops.0.clear();
        ops.0.insert("DEFAULT".into(), op);
        per_column.insert(name, ops);
    }
    let mut all_ops: Vec<&OperatorConfig> = per_column.values().collect();
    all_ops.push(&base_ops);
    let merged = OperatorConfig(all_ops.iter().flat_map(|o| o.0.clone()).collect());
    let tokens = load_token_key(args.token_key_file.as_deref(), &merged)?;
    if same_file(&args.table.input, &args.output) {
        bail!("--output must differ from --input");
    }
    let reader = TableReader::open(&args.table.input, BATCH_ROWS)?;
    let in_schema = reader.schema();
    for name in per_column.keys() {
        if in_schema.field_with_name(name).is_err() {
            bail!("--column {name}: no such column in {}", args.table.input.display());
        }
    }
    let redacted: Vec<bool> = in_schema.fields().iter().map(|f| is_text(f.data_type()) || per_column.contains_key(f.name())).collect();
    let out_schema = Arc::new(Schema::new(
        in_schema
            .fields()
            .iter()
            .zip(&redacted)
            .map(|(f, &r)| if r { Field::new(f.name(), DataType::Utf8, true) } else { f.as_ref().clone() })
            .collect::<Vec<_>>(),
    ));
    // Write to a temporary name and rename at the end: a failed run never leaves a half table
    // that looks complete.
    let tmp = args.output.with_extension(format!("partial.{}", args.output.extension().and_then(|e| e.to_str()).unwrap_or("out")));
    let mut writer = TableWriter::create(&tmp, out_schema.clone())?;
    let bar = rows_progress();
    let redact_cell = |ops: &OperatorConfig, v: &Option<String>| -> anyhow::Result<Option<String>> {
        match v {
            Some(text) if !text.is_empty() => Ok(Some(analyzer.redact(text, &options, ops, tokens.as_ref())?)),
            other => Ok(other.clone()),
        }
    };
    let result = with_workers(threads(&args.table), redact_cell, |workers| -> anyhow::Result<()> {
        for batch in reader {
            let batch = batch?;
            let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
            for (c, column) in batch.columns().iter().enumerate() {
                if !redacted[c] {
                    columns.push(column.clone());
                    continue;
                }
                let name = in_schema.field(c).name();
                let ops = per_column.get(name).unwrap_or(&base_ops);
                let values = column_text(column.as_ref())?;
                let new_values = workers.map(ops, values).into_iter().collect::<anyhow::Result<Vec<_>>>()?;
                columns.push(Arc::new(StringArray::from(new_values)) as ArrayRef);
            }
            let out = RecordBatch::try_new(out_schema.clone(), columns)?;
            writer.write(&out)?;
            bar.inc(batch.num_rows() as u64);
        }
        Ok(())
    });
    if let Err(e) = result {
        drop(writer);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    writer.finish()?;
    std::fs::rename(&tmp, &args.output).with_context(|| format!("cannot move the redacted table to {}", args.output.display()))?;
    bar.finish_and_clear();
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A rows-processed spinner on stderr when it is a terminal.
fn rows_progress() -> indicatif::ProgressBar {
    let bar = progress(None);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {human_pos} rows ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

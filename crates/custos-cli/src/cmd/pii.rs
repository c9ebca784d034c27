//! `custos pii analyze|anonymize|scan-table|redact-table`: the PII engine on files and pipes.
//!
//! Text commands stream JSON Lines (`{"id", "text"}`) or plain text lines: input is read in
//! bounded batches, each batch is analyzed on every core, and results are written in input
//! order, so memory stays constant whatever the input size. Offsets in the output are Unicode
//! code points, as Presidio reports them.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use custos_pii::{AnalyzeOptions, Analyzer, CustomRecognizers, Finding, OperatorConfig, offsets, operators};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::pii_table;

/// PII commands.
#[derive(Debug, Subcommand)]
pub enum PiiCommand {
    /// Find personal data: one `{"id", "entities": [{"entity_type", "start", "end", "score"}]}` line per input line.
    Analyze(AnalyzeArgs),
    /// Replace personal data using per-entity operators: one `{"id", "text", "items"}` line per input line.
    Anonymize(AnonymizeArgs),
    /// Classify the columns of a CSV, JSON Lines or Parquet table (entity types and share of rows; never values).
    ScanTable(pii_table::ScanTableArgs),
    /// Write a copy of a table with personal data replaced, column by column.
    RedactTable(pii_table::RedactTableArgs),
}

/// How input lines are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    /// JSON Lines when the first non-blank line starts with `{`, else plain text.
    Auto,
    /// One `{"id": ..., "text": ...}` object per line.
    Jsonl,
    /// One document per line; its id is the line number.
    Text,
}

/// Options every text command shares.
#[derive(Debug, Args)]
pub struct TextInput {
    /// Input file (`-` for stdin).
    #[arg(long, default_value = "-")]
    pub input: PathBuf,
    /// Output file (stdout when absent).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Input format.
    #[arg(long, value_enum, default_value_t = TextFormat::Auto)]
    pub format: TextFormat,
    /// Replace invalid UTF-8 with U+FFFD instead of stopping at it.
    #[arg(long)]
    pub lossy: bool,
    /// Skip malformed JSON lines (their count goes to stderr) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// Longest accepted line, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_line_bytes: usize,
    /// Custom recognizers (Presidio's YAML or JSON shape).
    #[arg(long)]
    pub recognizers: Option<PathBuf>,
    /// Only these entity types (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub entities: Option<Vec<String>>,
    /// Least score a finding needs (default 0.4).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Exact strings never to report (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub allow_list: Vec<String>,
    /// Worker threads, 1 to 256 (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
}

/// `custos pii analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    input: TextInput,
}

/// `custos pii anonymize`.
#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    #[command(flatten)]
    input: TextInput,
    /// Operators per entity type as Presidio's `anonymizers` JSON map (`{"DEFAULT": {"type": "replace"}, ...}`), inline or a file path.
    #[arg(long)]
    operators: Option<String>,
    /// File holding the 32-byte pseudonymization key (64 hex characters) for the `tokenize` operator.
    #[arg(long, env = "CUSTOS_PII_TOKEN_KEY_FILE")]
    token_key_file: Option<PathBuf>,
}

/// Runs a PII command.
pub fn run(command: PiiCommand) -> anyhow::Result<()> {
    match command {
        PiiCommand::Analyze(args) => {
            let analyzer = build_analyzer(&args.input)?;
            let options = analyze_options(&args.input, &analyzer)?;
            stream(&args.input, |doc: &Doc<'_>, out: &mut Vec<u8>| {
                let findings = analyzer.analyze(&doc.text, &options);
                write_findings(out, doc.id, &doc.text, &findings)
            })
        }
        PiiCommand::Anonymize(args) => {
            let analyzer = build_analyzer(&args.input)?;
            let options = analyze_options(&args.input, &analyzer)?;
            let ops = parse_operators(args.operators.as_deref())?;
            let tokens = load_token_key(args.token_key_file.as_deref(), &ops)?;
            stream(&args.input, |doc: &Doc<'_>, out: &mut Vec<u8>| {
                let findings = analyzer.analyze(&doc.text, &options);
                let result = operators::anonymize(&doc.text, &findings, &ops, tokens.as_ref())?;
                write_anonymized(out, doc.id, &result)
            })
        }
        PiiCommand::ScanTable(args) => pii_table::scan(args),
        PiiCommand::RedactTable(args) => pii_table::redact(args),
    }
}

/// The analyzer with the built-in recognizers and those in `--recognizers`.
pub(super) fn build_analyzer(input: &TextInput) -> anyhow::Result<Analyzer> {
    let custom = match &input.recognizers {
        None => CustomRecognizers::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read recognizers file {}", path.display()))?;
            let specs = CustomRecognizers::parse_file(&text).map_err(|e| anyhow::anyhow!("recognizers file {}: {e}", path.display()))?;
            CustomRecognizers::compile(specs)?
        }
    };
    Ok(Analyzer::new(custom))
}

pub(super) fn analyze_options(input: &TextInput, analyzer: &Analyzer) -> anyhow::Result<AnalyzeOptions> {
    if let Some(t) = input.threshold
        && !(0.0..=1.0).contains(&t)
    {
        bail!("--threshold must be between 0 and 1, got {t}");
    }
    if let Some(list) = &input.entities {
        analyzer.check_entities(list)?;
    }
    Ok(AnalyzeOptions {
        entities: input.entities.clone(),
        threshold: input.threshold,
        allow_list: input.allow_list.clone(),
        ..Default::default()
    })
}

/// Parses `--operators`: inline JSON, or the path of a JSON file.
pub(super) fn parse_operators(spec: Option<&str>) -> anyhow::Result<OperatorConfig> {
    let Some(spec) = spec else { return Ok(OperatorConfig::default()) };
    let text = if spec.trim_start().starts_with('{') {
        spec.to_owned()
    } else {
        std::fs::read_to_string(spec).with_context(|| format!("cannot read operators file {spec}"))?
    };
    let ops: OperatorConfig = serde_json::from_str(&text).context("invalid --operators")?;
    ops.validate()?;
    Ok(ops)
}

pub(super) fn load_token_key(path: Option<&Path>, ops: &OperatorConfig) -> anyhow::Result<Option<custos_core::Pseudonymizer>> {
    let needs = ops.0.values().any(|o| matches!(o, custos_pii::Operator::Tokenize {}));
    let Some(path) = path else {
        if needs {
            bail!("the tokenize operator needs --token-key-file (a file with 64 hex characters)");
        }
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read token key file {}", path.display()))?;
    let bytes = data_encoding::HEXLOWER_PERMISSIVE.decode(text.trim().as_bytes()).ok().filter(|b| b.len() == 32);
    let Some(bytes) = bytes else { bail!("token key file {} must hold 64 hex characters", path.display()) };
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes);
    Ok(Some(custos_core::Pseudonymizer::from_key(key)))
}

/// One input document.
pub(super) struct Doc<'a> {
    id: &'a RawValue,
    text: Cow<'a, str>,
}

#[derive(Deserialize)]
struct JsonDoc<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

#[derive(Serialize)]
struct EntityOut<'a> {
    entity_type: &'a str,
    start: usize,
    end: usize,
    score: f32,
}

fn write_findings(out: &mut Vec<u8>, id: &RawValue, text: &str, findings: &[Finding]) -> anyhow::Result<()> {
    let mut spans: Vec<(usize, usize)> = findings.iter().map(|f| (f.start, f.end)).collect();
    {
        let mut refs: Vec<&mut usize> = spans.iter_mut().flat_map(|(s, e)| [s, e]).collect();
        offsets::bytes_to_code_points(text, &mut refs);
    }
    let entities: Vec<EntityOut<'_>> = findings
        .iter()
        .zip(&spans)
        .map(|(f, &(start, end))| EntityOut { entity_type: &f.entity_type, start, end, score: f.score })
        .collect();
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a RawValue,
        entities: Vec<EntityOut<'a>>,
    }
    serde_json::to_writer(&mut *out, &Line { id, entities })?;
    out.push(b'\n');
    Ok(())
}

fn write_anonymized(out: &mut Vec<u8>, id: &RawValue, result: &custos_pii::Anonymized) -> anyhow::Result<()> {
    let mut items = result.items.clone();
    {
        let mut refs: Vec<&mut usize> = items.iter_mut().flat_map(|i| [&mut i.start, &mut i.end]).collect();
        offsets::bytes_to_code_points(&result.text, &mut refs);
    }
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a RawValue,
        text: &'a str,
        items: Vec<custos_pii::AnonymizedItem>,
    }
    serde_json::to_writer(&mut *out, &Line { id, text: &result.text, items })?;
    out.push(b'\n');
    Ok(())
}

/// A batch of raw input lines with their 1-based line numbers.
struct Batch {
    lines: Vec<(u64, Vec<u8>)>,
    bytes: usize,
}

const BATCH_BYTES: usize = 4 * 1024 * 1024;
const BATCH_LINES: usize = 16_384;

fn open_input(path: &Path) -> anyhow::Result<(Box<dyn Read + Send>, Option<u64>)> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(file), len))
}

pub(super) fn open_output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        None => Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock())),
        Some(p) => Box::new(BufWriter::with_capacity(1 << 20, File::create(p).with_context(|| format!("cannot create {}", p.display()))?)),
    })
}

/// A progress bar on stderr when it is a terminal (hidden otherwise).
pub(super) fn progress(total: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Reads `input` in batches, runs `work` on every document on all cores, writes in order.
fn stream<F>(input: &TextInput, work: F) -> anyhow::Result<()>
where
    F: Fn(&Doc<'_>, &mut Vec<u8>) -> anyhow::Result<()> + Sync,
{
    let (reader, total) = open_input(&input.input)?;
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut out = open_output(input.output.as_deref())?;
    let bar = progress(total);
    let threads = input.threads.map(usize::from).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let mut format = input.format;
    let mut line_no = 0u64;
    let mut skipped = 0u64;
    // Workers live for the whole stream (their regex caches and lookup tables stay warm);
    // each batch is cut into one chunk per worker and written back in input order.
    type Job = (usize, TextFormat, Vec<(u64, Vec<u8>)>);
    type Chunk = anyhow::Result<(Vec<u8>, u64)>;
    type Done = (usize, Chunk);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (job_tx, job_rx) = std::sync::mpsc::channel::<Job>();
        let job_rx = std::sync::Arc::new(std::sync::Mutex::new(job_rx));
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Done>();
        for _ in 0..threads {
            let (rx, tx, work) = (job_rx.clone(), done_tx.clone(), &work);
            scope.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, format, lines)) = job else { return };
                    if tx.send((index, process_lines(&lines, format, input, work))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let outcome = (|| -> anyhow::Result<()> {
            loop {
                let batch = read_batch(&mut reader, &mut line_no, input.max_line_bytes)?;
                if batch.lines.is_empty() {
                    return Ok(());
                }
                if format == TextFormat::Auto {
                    let first = batch.lines.iter().map(|(_, l)| l.trim_ascii_start()).find(|l| !l.is_empty());
                    format = if first.is_some_and(|l| l.starts_with(b"{")) { TextFormat::Jsonl } else { TextFormat::Text };
                }
                let bytes = batch.bytes;
                let chunk = batch.lines.len().div_ceil(threads).max(1);
                let mut lines = batch.lines;
                let mut chunks = Vec::new();
                while !lines.is_empty() {
                    let rest = lines.split_off(chunk.min(lines.len()));
                    chunks.push(std::mem::replace(&mut lines, rest));
                }
                let n = chunks.len();
                for (i, c) in chunks.into_iter().enumerate() {
                    job_tx.send((i, format, c)).map_err(|_| anyhow::anyhow!("the worker threads stopped"))?;
                }
                let mut results: Vec<Option<Chunk>> = (0..n).map(|_| None).collect();
                for _ in 0..n {
                    let (i, r) = done_rx.recv().map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
                    results[i] = Some(r);
                }
                for r in results.into_iter().flatten() {
                    let (out_bytes, bad) = r?;
                    skipped += bad;
                    out.write_all(&out_bytes)?;
                }
                bar.inc(bytes as u64);
            }
        })();
        drop(job_tx);
        outcome
    })?;
    out.flush()?;
    bar.finish_and_clear();
    if skipped > 0 {
        eprintln!("warning: skipped {skipped} malformed line(s)");
    }
    Ok(())
}

fn read_batch(reader: &mut impl BufRead, line_no: &mut u64, max_line: usize) -> anyhow::Result<Batch> {
    let mut batch = Batch { lines: Vec::new(), bytes: 0 };
    while batch.bytes < BATCH_BYTES && batch.lines.len() < BATCH_LINES {
        let mut line = Vec::new();
        let n = reader.take(max_line as u64 + 1).read_until(b'\n', &mut line).context("cannot read input")?;
        if n == 0 {
            break;
        }
        *line_no += 1;
        if line.len() > max_line && !line.ends_with(b"\n") {
            bail!("line {line_no}: longer than --max-line-bytes ({max_line})");
        }
        batch.bytes += line.len();
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        batch.lines.push((*line_no, line));
    }
    Ok(batch)
}

fn process_lines<F>(lines: &[(u64, Vec<u8>)], format: TextFormat, input: &TextInput, work: &F) -> anyhow::Result<(Vec<u8>, u64)>
where
    F: Fn(&Doc<'_>, &mut Vec<u8>) -> anyhow::Result<()>,
{
    let mut out = Vec::with_capacity(lines.iter().map(|(_, l)| l.len()).sum::<usize>());
    let mut skipped = 0;
    for (no, raw) in lines {
        let text: Cow<'_, str> = match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(e) if input.lossy => {
                let _ = e;
                String::from_utf8_lossy(raw)
            }
            Err(e) => bail!("line {no}, byte {}: invalid UTF-8 (use --lossy to replace it)", e.valid_up_to()),
        };
        match format {
            TextFormat::Jsonl => {
                if text.trim().is_empty() {
                    continue;
                }
                let doc: JsonDoc<'_> = match serde_json::from_str(&text) {
                    Ok(d) => d,
                    Err(e) if input.skip_bad_lines => {
                        let _ = e;
                        skipped += 1;
                        continue;
                    }
                    Err(e) => bail!("line {no}: not a {{\"id\", \"text\"}} JSON object: {e} (use --skip-bad-lines to skip such lines)"),
                };
                let number;
                let id: &RawValue = match doc.id {
                    Some(id) => id,
                    None => {
                        number = RawValue::from_string(no.to_string())?;
                        &number
                    }
                };
                work(&Doc { id, text: doc.text }, &mut out)?;
            }
            TextFormat::Text | TextFormat::Auto => {
                let id = RawValue::from_string(no.to_string())?;
                work(&Doc { id: &id, text }, &mut out)?;
            }
        }
    }
    Ok((out, skipped))
}

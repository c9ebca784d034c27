//! `custos validate`: a model's evidence for sign-off on a labelled validation set (CSV, JSONL
//! or Parquet): performance with intervals, calibration, fairness per protected group, the
//! counterfactual flip test, robustness and monotonicity, judged against a policy.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use custos_service::validations::{ModelScorer, SetSpec, TableReader, dataset};
use custos_validate::{Direction, Options, Policy, Report};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cmd::pii::open_output;

/// Output formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ValidateFormat {
    /// The whole report as JSON.
    Json,
    /// The checks and the main figures as text.
    Table,
}

/// What kind of model is validated.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Task {
    /// A binary classifier: the score is the positive class's probability.
    Binary,
    /// A regressor.
    Regression,
}

/// `custos validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The model file (XGBoost JSON, LightGBM text or dump JSON, linear JSON).
    #[arg(long)]
    pub model: PathBuf,
    /// The validation set: the model's inputs, the label and the protected attributes.
    #[arg(long)]
    pub input: PathBuf,
    /// The outcome column.
    #[arg(long)]
    pub label: String,
    /// The positive class's value in the outcome column (binary).
    #[arg(long, default_value = "1")]
    pub positive: String,
    /// Binary classifier or regressor.
    #[arg(long, value_enum, default_value_t = Task::Binary)]
    pub task: Task,
    /// Protected attributes (comma-separated columns); one that is also a model input gets the
    /// flip test.
    #[arg(long, value_delimiter = ',')]
    pub protected: Vec<String>,
    /// Category codes of text inputs, as registered with the model: `{"segment": {"gold": 0}}`.
    #[arg(long)]
    pub encoding: Option<PathBuf>,
    /// A fold-id column: figures per fold (k-fold cross-validation).
    #[arg(long)]
    pub fold: Option<String>,
    /// A column of the caller's own (out-of-fold) scores, used for performance.
    #[arg(long)]
    pub prediction: Option<String>,
    /// Declared directions: `income=increasing,debt_ratio=decreasing`.
    #[arg(long, value_delimiter = ',')]
    pub monotone: Vec<String>,
    /// The validation policy (JSON: `max_group_ece`, `max_flip_rate_upper`, `max_dpd`,
    /// `min_group_n`, `min_auc`, `max_noise_flip_rate`, `max_monotonicity_violations`).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// A score at or above this predicts the positive class.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Bootstrap replicates.
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 20_261_203)]
    pub seed: u64,
    /// Relative noise levels of the robustness test.
    #[arg(long, value_delimiter = ',', default_value = "0.01,0.05")]
    pub noise: Vec<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Table)]
    pub format: ValidateFormat,
    /// Write here instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Exit with an error when a check fails (for CI).
    #[arg(long)]
    pub enforce: bool,
}

fn parse_monotone(specs: &[String]) -> anyhow::Result<Vec<(String, Direction)>> {
    specs
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let (name, dir) = s.split_once('=').with_context(|| format!("--monotone {s:?}: write input=increasing or input=decreasing"))?;
            let dir = match dir.trim() {
                "increasing" | "+" => Direction::Increasing,
                "decreasing" | "-" => Direction::Decreasing,
                other => bail!("--monotone {name}: {other:?} is not increasing or decreasing"),
            };
            Ok((name.trim().to_owned(), dir))
        })
        .collect()
}

type Encoding = BTreeMap<String, BTreeMap<String, f64>>;

/// A progress bar per stage on stderr when it is a terminal.
struct Bars {
    bar: ProgressBar,
    stage: std::sync::Mutex<String>,
}

impl custos_validate::Progress for Bars {
    fn report(&self, stage: &str, done: u64, total: u64) {
        if let Ok(mut current) = self.stage.lock()
            && *current != stage
        {
            current.clear();
            current.push_str(stage);
            self.bar.set_message(stage.to_owned());
            self.bar.set_position(0);
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
}

fn table(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "validation of {} rows ({}): {}", report.rows, report.task, if report.passed { "PASSED" } else { "FAILED" })?;
    for c in &report.checks {
        writeln!(out, "  [{}] {:<18} {}", if c.passed { "pass" } else { "FAIL" }, c.check, c.detail)?;
    }
    writeln!(out, "performance (95 % bootstrap intervals):")?;
    for (name, f) in &report.performance.figures {
        match (f.low, f.high) {
            (Some(l), Some(h)) => writeln!(out, "  {name:<10} {:.4}  [{l:.4}, {h:.4}]", f.value)?,
            _ => writeln!(out, "  {name:<10} {:.4}", f.value)?,
        }
    }
    if let Some(c) = &report.calibration {
        write!(out, "calibration: ECE {:.4}", c.ece)?;
        if let Some(hl) = c.hosmer_lemeshow {
            write!(out, ", Hosmer-Lemeshow {:.2} on {} df (p = {:.4})", hl.statistic, hl.degrees_of_freedom, hl.p_value)?;
        }
        writeln!(out)?;
    }
    for f in &report.flips {
        writeln!(out, "flip test ({} {}): {} of {} flipped", f.kind, f.changed, f.flips, f.rows)?;
    }
    for r in &report.robustness {
        writeln!(
            out,
            "noise {:.0} %: {:.2} % flipped, mean score change {:.5}",
            r.level * 100.0,
            r.flip_rate * 100.0,
            r.mean_score_change
        )?;
    }
    Ok(())
}

/// Runs `custos validate`.
pub fn run(args: ValidateArgs) -> anyhow::Result<()> {
    let model = crate::cmd::explain::load_model(&args.model, &custos_explain::Limits::default())?;
    let encoding: Encoding = match &args.encoding {
        Some(p) => serde_json::from_slice(&std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?)
            .with_context(|| format!("{}: expected {{\"input\": {{\"category\": code}}}}", p.display()))?,
        None => BTreeMap::new(),
    };
    let policy: Policy = match &args.policy {
        Some(p) => read_policy(p)?,
        None => Policy::default(),
    };
    let options = Options {
        threshold: args.threshold,
        bootstrap: args.bootstrap,
        seed: args.seed,
        noise_levels: args.noise.clone(),
        monotone: parse_monotone(&args.monotone)?,
        ..Options::default()
    };
    let spec = SetSpec {
        label: args.label.clone(),
        positive: Some(args.positive.clone()),
        regression: args.task == Task::Regression,
        protected: args.protected.clone(),
        fold: args.fold.clone(),
        prediction: args.prediction.clone(),
    };
    let data = dataset(TableReader::open(&args.input, 65_536)?, &spec, &model, &encoding).map_err(one_line)?;
    let scorer = ModelScorer::new(model, spec.regression).map_err(one_line)?;
    let bar = if std::io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{msg:12} {wide_bar} {pos}/{len} {eta}").unwrap_or_else(|_| ProgressStyle::default_bar()));
    let bars = Bars { bar, stage: std::sync::Mutex::new(String::new()) };
    let report = custos_validate::validate(&scorer, &data, &options, &policy, &bars)?;
    bars.bar.finish_and_clear();
    let mut out = open_output(args.output.as_deref())?;
    match args.format {
        ValidateFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ValidateFormat::Table => table(&report, &mut out)?,
    }
    out.flush()?;
    if args.enforce && !report.passed {
        let failed: Vec<&str> = report.checks.iter().filter(|c| !c.passed).map(|c| c.check.as_str()).collect();
        bail!("validation failed: {}", failed.join(", "));
    }
    Ok(())
}

/// A service error as the CLI says it: the field's message, on one line.
fn one_line(e: custos_service::ServiceError) -> anyhow::Error {
    match e {
        custos_service::ServiceError::Invalid(v) | custos_service::ServiceError::Unprocessable(v) => anyhow::anyhow!("{}", v.message()),
        other => anyhow::anyhow!("{other}"),
    }
}

fn read_policy(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("{}: not a validation policy", path.display()))
}

use std::io::IsTerminal as _;

//! The validation engine: a model's evidence for sign-off, computed on a labelled validation
//! set. Performance with bootstrap intervals (and per fold), calibration (reliability curve,
//! ECE overall and per group, Hosmer-Lemeshow), fairness per protected group with intervals,
//! the counterfactual flip test (change only the protected attribute, then each detected proxy),
//! robustness to small relative noise, monotonicity where directions are declared, and the data
//! checks (representation, proxies). A [`Policy`] turns the figures into pass/fail checks.
//!
//! Pure: the caller reads the file and the model and hands over rows and a [`Scorer`]; no I/O.
//! Scoring runs on every core; randomness is seeded, so a report is reproducible.

pub mod metrics;

use std::sync::atomic::{AtomicU64, Ordering};

use custos_fairness::{Confusion, GroupMetrics, disparities, stats};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::metrics::Counts;

/// Why a validation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidateError {
    /// The set is unusable (empty, ragged, a label or attribute missing).
    #[error("{0}")]
    Data(String),
    /// An option or policy value is out of range.
    #[error("{0}")]
    Options(String),
}

/// What the model scores: one row (in the model's feature order) to one number, the positive
/// class's probability for a binary classifier or the prediction for a regressor.
pub trait Scorer: Sync {
    /// The score of `row`.
    fn score(&self, row: &[f64]) -> f64;

    /// The scores of many rows (row-major, `width` values each) into `out`; a scorer that can
    /// batch (a tree ensemble, tree by tree over the block) overrides this.
    fn score_many(&self, rows: &[f64], width: usize, out: &mut [f64]) {
        for (o, row) in out.iter_mut().zip(rows.chunks_exact(width.max(1))) {
            *o = self.score(row);
        }
    }
}

impl<F: Fn(&[f64]) -> f64 + Sync> Scorer for F {
    fn score(&self, row: &[f64]) -> f64 {
        self(row)
    }
}

/// The outcome column.
#[derive(Clone, Debug)]
pub enum Labels {
    /// A binary classifier's true classes.
    Binary(Vec<bool>),
    /// A regressor's true values.
    Continuous(Vec<f64>),
}

/// A protected attribute: its group per row and, when the model takes it as an input, which
/// input and the model's value of each group (for the flip test).
#[derive(Clone, Debug)]
pub struct Protected {
    /// Column name.
    pub name: String,
    /// Group names, by code.
    pub groups: Vec<String>,
    /// Each row's group code.
    pub codes: Vec<u32>,
    /// The model input it is, if any.
    pub feature: Option<usize>,
    /// The model's value of each group (by code), when it is an input.
    pub values: Vec<f64>,
}

/// The validation set in the model's terms.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Model inputs, in model order.
    pub features: Vec<String>,
    /// Rows, row-major (`n * features.len()` values; NaN: missing).
    pub rows: Vec<f64>,
    /// Inputs that are categories (codes): robustness leaves them alone.
    pub categorical: Vec<bool>,
    /// The outcome.
    pub labels: Labels,
    /// Protected attributes.
    pub protected: Vec<Protected>,
    /// Fold ids (k-fold cross-validation), if given.
    pub folds: Option<Vec<u32>>,
    /// The caller's own (out-of-fold) scores, used for performance instead of the model's.
    pub predictions: Option<Vec<f64>>,
}

impl Dataset {
    /// Rows.
    pub fn len(&self) -> usize {
        match &self.labels {
            Labels::Binary(l) => l.len(),
            Labels::Continuous(l) => l.len(),
        }
    }

    /// Whether the set has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A monotonicity constraint: the score must not fall (increasing) or rise (decreasing) when
/// the input grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The score never falls as the input grows.
    Increasing,
    /// The score never rises as the input grows.
    Decreasing,
}

/// Most fold ids a set may hold.
pub const MAX_FOLDS: usize = 100;
/// Most groups of a protected attribute the model reads (the flip test scores every row once
/// per other group).
pub const MAX_FLIP_GROUPS: usize = 50;

/// How the figures are computed.
#[derive(Clone, Debug)]
pub struct Options {
    /// A score at or above this predicts the positive class.
    pub threshold: f64,
    /// Bootstrap replicates for the intervals.
    pub bootstrap: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Bins of the reliability curve and the ECE.
    pub bins: usize,
    /// Relative noise levels of the robustness test (0.01 = 1 %).
    pub noise_levels: Vec<f64>,
    /// Declared directions, by input name.
    pub monotone: Vec<(String, Direction)>,
    /// Cramér's V from which an input counts as a proxy of a protected attribute.
    pub proxy_min_cramers_v: f64,
    /// Worker threads (0: every core).
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            bootstrap: 200,
            seed: 20_261_203,
            bins: 10,
            noise_levels: vec![0.01, 0.05],
            monotone: Vec::new(),
            proxy_min_cramers_v: 0.3,
            threads: 0,
        }
    }
}

/// The thresholds a validation must meet (per AI system, or the default).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Largest ECE of any group large enough to judge.
    pub max_group_ece: f64,
    /// Largest upper 95 % bound of the protected-attribute flip rate.
    pub max_flip_rate_upper: f64,
    /// Largest upper 95 % bound of the demographic parity difference.
    pub max_dpd: f64,
    /// Rows a group needs to be judged; a smaller group fails the representation check.
    pub min_group_n: u64,
    /// Smallest lower 95 % bound of the ROC AUC (none: not checked).
    pub min_auc: Option<f64>,
    /// Largest flip rate under the smallest noise level.
    pub max_noise_flip_rate: f64,
    /// Largest share of rows that break a declared direction.
    pub max_monotonicity_violations: f64,
    /// Days a passing report stays current evidence for an approved model (the compliance
    /// control `models_validated_and_assessed` reads it; the checks here do not).
    pub max_report_age_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_group_ece: 0.05,
            max_flip_rate_upper: 0.01,
            max_dpd: 0.1,
            min_group_n: 30,
            min_auc: None,
            max_noise_flip_rate: 0.05,
            max_monotonicity_violations: 0.0,
            max_report_age_days: 365,
        }
    }
}

/// A figure with its 95 % interval, when one is computed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// The estimate.
    pub value: f64,
    /// Lower bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Upper bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
}

/// Performance of the scores against the outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Performance {
    /// Rows.
    pub rows: u64,
    /// Figures by name (`roc_auc`, `accuracy`, `precision`, `recall`, `f1`, `brier`, `log_loss`;
    /// or `rmse`, `mae`), with bootstrap intervals.
    pub figures: Vec<(String, Figure)>,
}

/// One fold's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FoldFigures {
    /// Fold id.
    pub fold: u32,
    /// Its performance (no intervals).
    pub performance: Performance,
}

/// Calibration of a binary classifier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// The reliability curve.
    pub curve: Vec<metrics::CurvePoint>,
    /// ECE overall.
    pub ece: f64,
    /// The Hosmer-Lemeshow test over deciles of risk.
    pub hosmer_lemeshow: Option<metrics::HosmerLemeshow>,
}

/// One group of a protected attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupFigures {
    /// Group name.
    pub group: String,
    /// Rows.
    pub count: u64,
    /// Share of rows predicted positive, with its Wilson interval.
    pub selection_rate: Figure,
    /// True positive rate, with its Wilson interval.
    pub true_positive_rate: Figure,
    /// False positive rate.
    pub false_positive_rate: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// ECE within the group.
    pub ece: Option<f64>,
    /// Whether the group has the policy's minimum rows.
    pub large_enough: bool,
}

/// Fairness over one protected attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttributeFairness {
    /// The attribute.
    pub attribute: String,
    /// Its groups.
    pub groups: Vec<GroupFigures>,
    /// Demographic parity difference with its bootstrap interval.
    pub demographic_parity_difference: Figure,
    /// Equalized odds difference with its bootstrap interval.
    pub equalized_odds_difference: Figure,
    /// Demographic parity ratio.
    pub demographic_parity_ratio: f64,
}

/// The flip test of one change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlipResult {
    /// The protected attribute.
    pub attribute: String,
    /// What was changed: the attribute itself, or a proxy input.
    pub changed: String,
    /// `attribute` or `proxy`.
    pub kind: String,
    /// Rows whose predicted class changed.
    pub flips: u64,
    /// Rows tried.
    pub rows: u64,
    /// flips / rows, with its Wilson 95 % interval.
    pub rate: Figure,
    /// Mean absolute change of the score.
    pub mean_score_change: f64,
}

/// A detected proxy of a protected attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proxy {
    /// The protected attribute.
    pub attribute: String,
    /// The input.
    pub input: String,
    /// Cramér's V between the two (numeric inputs in deciles).
    pub cramers_v: f64,
    /// Mutual information (nats).
    pub mutual_information: f64,
}

/// Robustness under one noise level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoiseResult {
    /// Relative noise (0.01 = 1 %): each numeric input times (1 + level · N(0, 1)).
    pub level: f64,
    /// Share of rows whose predicted class changed.
    pub flip_rate: f64,
    /// Mean absolute change of the score.
    pub mean_score_change: f64,
    /// Largest absolute change of the score.
    pub max_score_change: f64,
}

/// Monotonicity of one input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonotoneResult {
    /// The input.
    pub input: String,
    /// The declared direction.
    pub direction: Direction,
    /// The step tried (a tenth of the input's standard deviation).
    pub step: f64,
    /// Rows where the score moved the wrong way.
    pub violations: u64,
    /// Rows tried.
    pub rows: u64,
}

/// Representation of one protected attribute's groups.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Representation {
    /// The attribute.
    pub attribute: String,
    /// (group, rows, share of rows, share positive).
    pub groups: Vec<(String, u64, f64, f64)>,
}

/// One pass/fail judgement against the policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What was checked (`auc`, `group_ece`, `flip_test`, `demographic_parity`,
    /// `representation`, `robustness`, `monotonicity`).
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// The figure judged.
    pub value: Option<f64>,
    /// The policy's threshold.
    pub threshold: Option<f64>,
    /// In words.
    pub detail: String,
}

/// The validation report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// `binary` or `regression`.
    pub task: String,
    /// Rows.
    pub rows: u64,
    /// Whether performance used the caller's own (out-of-fold) scores.
    pub caller_scores: bool,
    /// Performance with intervals.
    pub performance: Performance,
    /// Per fold, when fold ids were given.
    pub folds: Vec<FoldFigures>,
    /// Calibration (binary classifiers).
    pub calibration: Option<Calibration>,
    /// Fairness per protected attribute (binary classifiers).
    pub fairness: Vec<AttributeFairness>,
    /// Representation of the groups.
    pub representation: Vec<Representation>,
    /// Inputs found to be proxies of a protected attribute.
    pub proxies: Vec<Proxy>,
    /// The counterfactual flip tests.
    pub flips: Vec<FlipResult>,
    /// Robustness to noise.
    pub robustness: Vec<NoiseResult>,
    /// Declared directions, checked.
    pub monotonicity: Vec<MonotoneResult>,
    /// The policy applied.
    pub policy: Policy,
    /// Pass/fail per check.
    pub checks: Vec<Check>,
    /// Whether every check passed.
    pub passed: bool,
}

/// What a long validation reports as it goes: the stage and rows done of rows to do.
pub trait Progress: Sync {
    /// `stage` has done `done` of `total`.
    fn report(&self, stage: &str, done: u64, total: u64);
}

impl<F: Fn(&str, u64, u64) + Sync> Progress for F {
    fn report(&self, stage: &str, done: u64, total: u64) {
        self(stage, done, total);
    }
}

/// No progress reports.
pub struct Quiet;

impl Progress for Quiet {
    fn report(&self, _: &str, _: u64, _: u64) {}
}

fn threads(options: &Options) -> usize {
    if options.threads > 0 { options.threads } else { std::thread::available_parallelism().map_or(1, |n| n.get()) }
}

/// Rows scored per batch (a block of rows the scorer sees at once).
const BATCH: usize = 512;

/// Scores every row after `change` edits a copy of it, on every core; `change` gets the row
/// index and the copy. Reports progress as `stage`.
fn score_all(
    scorer: &dyn Scorer,
    data: &Dataset,
    workers: usize,
    stage: &str,
    progress: &dyn Progress,
    change: &(dyn Fn(usize, &mut [f64]) + Sync),
) -> Vec<f64> {
    let all: Vec<usize> = (0..data.len()).collect();
    score_rows(scorer, data, &all, workers, stage, progress, change)
}

/// Scores the rows `which` (in that order) after `change` edits a copy of each.
fn score_rows(
    scorer: &dyn Scorer,
    data: &Dataset,
    which: &[usize],
    workers: usize,
    stage: &str,
    progress: &dyn Progress,
    change: &(dyn Fn(usize, &mut [f64]) + Sync),
) -> Vec<f64> {
    let n = which.len();
    let p = data.features.len();
    let mut out = vec![0.0; n];
    let done = AtomicU64::new(0);
    let chunk = n.div_ceil(workers.max(1)).max(1);
    std::thread::scope(|scope| {
        for (part, rows) in out.chunks_mut(chunk).zip(which.chunks(chunk)) {
            let done = &done;
            scope.spawn(move || {
                let mut block = Vec::with_capacity(BATCH * p);
                for (slots, ids) in part.chunks_mut(BATCH).zip(rows.chunks(BATCH)) {
                    block.clear();
                    for &i in ids {
                        let start = block.len();
                        block.extend_from_slice(&data.rows[i * p..(i + 1) * p]);
                        change(i, &mut block[start..]);
                    }
                    scorer.score_many(&block, p, slots);
                    let d = done.fetch_add(ids.len() as u64, Ordering::Relaxed) + ids.len() as u64;
                    progress.report(stage, d, n as u64);
                }
            });
        }
    });
    progress.report(stage, n as u64, n as u64);
    out
}

/// The `q` quantile with linear interpolation between order statistics (numpy's default).
fn percentile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let h = (values.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    values[lo] + (h - lo as f64) * (values[hi] - values[lo])
}

/// The binary figures of weighted rows, `order` sorting them by score (weights: how often
/// a bootstrap drew each row; all 1 for the estimate).
fn binary_figures(scores: &[f64], labels: &[bool], weights: &[u32], order: &[u32], threshold: f64) -> [f64; 7] {
    let mut counts = Counts::default();
    let (mut brier, mut log_loss, mut total) = (0.0, 0.0, 0.0);
    for ((&s, &l), &w) in scores.iter().zip(labels).zip(weights) {
        if w == 0 {
            continue;
        }
        let w = f64::from(w);
        counts.add(s >= threshold, l, w);
        brier += w * (s - f64::from(u8::from(l))).powi(2);
        log_loss += w * metrics::point_log_loss(s, l);
        total += w;
    }
    // AUC: walk the rows by score; within a block of tied scores, positives count the
    // negatives below it and half the tied negatives.
    let (mut below, mut u, mut pos, mut neg) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i] as usize];
        let (mut bp, mut bn) = (0.0, 0.0);
        // (Scores are finite: `validate` refuses others, so a tie block always advances; -0 and
        // 0 are one tie, as in scikit-learn.)
        while i < order.len() && scores[order[i] as usize] == s {
            let r = order[i] as usize;
            let w = f64::from(weights[r]);
            if labels[r] {
                bp += w;
            } else {
                bn += w;
            }
            i += 1;
        }
        u += bp * (below + 0.5 * bn);
        below += bn;
        pos += bp;
        neg += bn;
    }
    let auc = if pos > 0.0 && neg > 0.0 { u / (pos * neg) } else { f64::NAN };
    [auc, counts.accuracy(), counts.precision(), counts.recall(), counts.f1(), brier / total, log_loss / total]
}

const BINARY_NAMES: [&str; 7] = ["roc_auc", "accuracy", "precision", "recall", "f1", "brier", "log_loss"];
const REGRESSION_NAMES: [&str; 2] = ["rmse", "mae"];

fn regression_figures(predictions: &[f64], targets: &[f64], weights: &[u32]) -> [f64; 2] {
    let (mut se, mut ae, mut total) = (0.0, 0.0, 0.0);
    for ((p, t), &w) in predictions.iter().zip(targets).zip(weights) {
        let w = f64::from(w);
        se += w * (p - t).powi(2);
        ae += w * (p - t).abs();
        total += w;
    }
    [(se / total).sqrt(), ae / total]
}

/// Bootstrap replicates of the figures: each redraws n rows with replacement (seeded per
/// replicate, spread over the workers); percentile 95 % intervals.
fn bootstrap<const K: usize>(
    n: usize,
    options: &Options,
    workers: usize,
    progress: &dyn Progress,
    figures: &(dyn Fn(&[u32]) -> [f64; K] + Sync),
) -> Vec<(f64, f64)> {
    let replicates = options.bootstrap;
    if replicates == 0 || n == 0 {
        return vec![(f64::NAN, f64::NAN); K];
    }
    let done = AtomicU64::new(0);
    let per = replicates.div_ceil(workers.max(1));
    let mut draws: Vec<[f64; K]> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|w| {
                let done = &done;
                scope.spawn(move || {
                    let mut out = Vec::new();
                    let mut weights = vec![0u32; n];
                    for r in (w * per)..((w + 1) * per).min(replicates) {
                        let mut rng = StdRng::seed_from_u64(options.seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(r as u64 + 1)));
                        weights.iter_mut().for_each(|x| *x = 0);
                        for _ in 0..n {
                            weights[rng.random_range(0..n)] += 1;
                        }
                        out.push(figures(&weights));
                        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress.report("bootstrap", d, replicates as u64);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    (0..K)
        .map(|k| {
            let mut v: Vec<f64> = draws.iter_mut().map(|d| d[k]).filter(|x| !x.is_nan()).collect();
            if v.is_empty() { (f64::NAN, f64::NAN) } else { (percentile(&mut v, 0.025), percentile(&mut v, 0.975)) }
        })
        .collect()
}

fn binary_performance(
    scores: &[f64],
    labels: &[bool],
    options: &Options,
    workers: usize,
    progress: &dyn Progress,
    with_intervals: bool,
) -> Performance {
    let mut order: Vec<u32> = (0..scores.len() as u32).collect();
    order.sort_by(|&a, &b| scores[a as usize].total_cmp(&scores[b as usize]));
    let ones = vec![1u32; scores.len()];
    let estimate = binary_figures(scores, labels, &ones, &order, options.threshold);
    let intervals = if with_intervals {
        bootstrap::<7>(scores.len(), options, workers, progress, &|w| binary_figures(scores, labels, w, &order, options.threshold))
    } else {
        Vec::new()
    };
    performance(scores.len(), &BINARY_NAMES, &estimate, &intervals)
}

fn regression_performance(
    predictions: &[f64],
    targets: &[f64],
    options: &Options,
    workers: usize,
    progress: &dyn Progress,
    with_intervals: bool,
) -> Performance {
    let ones = vec![1u32; predictions.len()];
    let estimate = regression_figures(predictions, targets, &ones);
    let intervals = if with_intervals {
        bootstrap::<2>(predictions.len(), options, workers, progress, &|w| regression_figures(predictions, targets, w))
    } else {
        Vec::new()
    };
    performance(predictions.len(), &REGRESSION_NAMES, &estimate, &intervals)
}

/// Named figures with their intervals (none where the bootstrap gave none).
fn performance(rows: usize, names: &[&str], estimate: &[f64], intervals: &[(f64, f64)]) -> Performance {
    let bound = |x: f64| (!x.is_nan()).then_some(x);
    Performance {
        rows: rows as u64,
        figures: names
            .iter()
            .zip(estimate)
            .enumerate()
            .map(|(k, (name, &value))| {
                let (low, high) = intervals.get(k).copied().unwrap_or((f64::NAN, f64::NAN));
                ((*name).to_owned(), Figure { value, low: bound(low), high: bound(high) })
            })
            .collect(),
    }
}

fn wilson_figure(successes: u64, n: u64) -> Figure {
    let value = if n == 0 { f64::NAN } else { successes as f64 / n as f64 };
    let interval = stats::wilson(successes, n, stats::Z95);
    Figure { value, low: interval.map(|i| i.low), high: interval.map(|i| i.high) }
}

/// Codes of an input for a contingency table: its distinct values when there are at most 20,
/// else its deciles.
fn input_codes(data: &Dataset, feature: usize) -> Vec<u32> {
    let p = data.features.len();
    let n = data.len();
    let column: Vec<f64> = (0..n).map(|i| data.rows[i * p + feature]).collect();
    let mut distinct: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() <= 20 {
        return column
            .iter()
            .map(|x| if x.is_nan() { distinct.len() as u32 } else { distinct.partition_point(|d| d < x) as u32 })
            .collect();
    }
    let mut sorted: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let cuts: Vec<f64> = (1..10).map(|k| sorted[(sorted.len() * k / 10).min(sorted.len() - 1)]).collect();
    column.iter().map(|x| if x.is_nan() { 10 } else { cuts.partition_point(|c| c < x) as u32 }).collect()
}

fn contingency(a: &[u32], b: &[u32]) -> Vec<Vec<u64>> {
    let rows = a.iter().max().map_or(0, |m| *m as usize + 1);
    let cols = b.iter().max().map_or(0, |m| *m as usize + 1);
    let mut table = vec![vec![0u64; cols]; rows];
    for (&x, &y) in a.iter().zip(b) {
        table[x as usize][y as usize] += 1;
    }
    table.retain(|r| r.iter().any(|c| *c > 0));
    let keep: Vec<bool> = (0..cols).map(|c| table.iter().any(|r| r[c] > 0)).collect();
    for r in &mut table {
        let mut k = 0;
        r.retain(|_| {
            k += 1;
            keep[k - 1]
        });
    }
    table
}

fn check(checks: &mut Vec<Check>, name: &str, passed: bool, value: Option<f64>, threshold: Option<f64>, detail: String) {
    checks.push(Check { check: name.into(), passed, value, threshold, detail });
}

fn validate_inputs(data: &Dataset, options: &Options) -> Result<(), ValidateError> {
    let n = data.len();
    let p = data.features.len();
    if n == 0 {
        return Err(ValidateError::Data("the validation set has no rows".into()));
    }
    if p == 0 || data.rows.len() != n * p {
        return Err(ValidateError::Data(format!("expected {n} rows of {p} inputs, got {} values", data.rows.len())));
    }
    if data.categorical.len() != p {
        return Err(ValidateError::Data("`categorical` must have one flag per input".into()));
    }
    for a in &data.protected {
        if a.codes.len() != n || a.codes.iter().any(|c| *c as usize >= a.groups.len()) {
            return Err(ValidateError::Data(format!("protected attribute {}: one known group per row", a.name)));
        }
        if let Some(f) = a.feature
            && (f >= p || a.values.len() != a.groups.len())
        {
            return Err(ValidateError::Data(format!("protected attribute {}: the model's value of every group", a.name)));
        }
    }
    if data.folds.as_ref().is_some_and(|f| f.len() != n) || data.predictions.as_ref().is_some_and(|f| f.len() != n) {
        return Err(ValidateError::Data("folds and predictions need one value per row".into()));
    }
    if let Some(folds) = &data.folds {
        let mut ids = folds.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > MAX_FOLDS {
            return Err(ValidateError::Data(format!("at most {MAX_FOLDS} folds")));
        }
    }
    if let Some(i) = data.predictions.as_ref().and_then(|p| p.iter().position(|x| !x.is_finite())) {
        return Err(ValidateError::Data(format!("the given prediction of row {} is not a number", i + 1)));
    }
    if let Labels::Continuous(v) = &data.labels
        && let Some(i) = v.iter().position(|x| !x.is_finite())
    {
        return Err(ValidateError::Data(format!("the outcome of row {} is not a number", i + 1)));
    }
    for a in &data.protected {
        if a.feature.is_some() && a.groups.len() > MAX_FLIP_GROUPS {
            return Err(ValidateError::Data(format!(
                "protected attribute {}: at most {MAX_FLIP_GROUPS} groups for the flip test (each row is scored once per other group)",
                a.name
            )));
        }
    }
    if !(options.threshold.is_finite() && (0.0..=1.0).contains(&options.threshold)) {
        return Err(ValidateError::Options("the threshold must lie in [0, 1]".into()));
    }
    if options.bins == 0 || options.bins > 1_000 || options.bootstrap > 10_000 {
        return Err(ValidateError::Options("bins must be 1-1000 and bootstrap replicates at most 10000".into()));
    }
    if options.noise_levels.iter().any(|l| !(l.is_finite() && *l > 0.0 && *l <= 1.0)) {
        return Err(ValidateError::Options("noise levels must lie in (0, 1]".into()));
    }
    for (name, _) in &options.monotone {
        if !data.features.contains(name) {
            return Err(ValidateError::Options(format!("monotone: the model has no input {name}")));
        }
    }
    Ok(())
}

/// Validates `scorer` on `data`, judged by `policy`.
pub fn validate(
    scorer: &dyn Scorer,
    data: &Dataset,
    options: &Options,
    policy: &Policy,
    progress: &dyn Progress,
) -> Result<Report, ValidateError> {
    validate_inputs(data, options)?;
    let n = data.len();
    let p = data.features.len();
    let workers = threads(options).min(n).max(1);
    let t = options.threshold;
    let scores = score_all(scorer, data, workers, "scoring", progress, &|_, _| {});
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(ValidateError::Data(format!("the model gave no score for row {}", i + 1)));
    }
    let mut checks = Vec::new();
    let performance_scores = data.predictions.as_deref().unwrap_or(&scores);

    let (task, performance, folds, calibration, fairness) = match &data.labels {
        Labels::Binary(labels) => {
            let performance = binary_performance(performance_scores, labels, options, workers, progress, true);
            let folds = fold_figures(data, |rows| {
                let s: Vec<f64> = rows.iter().map(|&i| performance_scores[i]).collect();
                let l: Vec<bool> = rows.iter().map(|&i| labels[i]).collect();
                binary_performance(&s, &l, options, workers, progress, false)
            });
            if let Some(min) = policy.min_auc {
                let auc = performance.figures[0].1;
                let low = auc.low.unwrap_or(auc.value);
                check(&mut checks, "auc", low >= min, Some(low), Some(min), format!("ROC AUC {:.4}, lower 95 % bound {low:.4}", auc.value));
            }
            progress.report("calibration", 0, 1);
            let calibration = Calibration {
                curve: metrics::calibration_curve(&scores, labels, options.bins),
                ece: metrics::expected_calibration_error(&scores, labels, options.bins).unwrap_or(f64::NAN),
                hosmer_lemeshow: metrics::hosmer_lemeshow(&scores, labels, 10),
            };
            progress.report("calibration", 1, 1);
            let fairness: Vec<AttributeFairness> =
                data.protected.iter().map(|a| attribute_fairness(a, &scores, labels, options, policy)).collect();
            (String::from("binary"), performance, folds, Some(calibration), fairness)
        }
        Labels::Continuous(targets) => {
            let performance = regression_performance(performance_scores, targets, options, workers, progress, true);
            let folds = fold_figures(data, |rows| {
                let s: Vec<f64> = rows.iter().map(|&i| performance_scores[i]).collect();
                let l: Vec<f64> = rows.iter().map(|&i| targets[i]).collect();
                regression_performance(&s, &l, options, workers, progress, false)
            });
            (String::from("regression"), performance, folds, None, Vec::new())
        }
    };

    // Calibration and fairness checks, per group large enough to judge.
    for a in &fairness {
        let worst = a
            .groups
            .iter()
            .filter(|g| g.large_enough)
            .filter_map(|g| g.ece.map(|e| (e, g.group.clone())))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((ece, group)) = worst {
            check(
                &mut checks,
                "group_ece",
                ece <= policy.max_group_ece,
                Some(ece),
                Some(policy.max_group_ece),
                format!("{}: the worst calibrated group is {group} (ECE {ece:.4})", a.attribute),
            );
        }
        let dpd = a.demographic_parity_difference;
        let upper = dpd.high.unwrap_or(dpd.value);
        check(
            &mut checks,
            "demographic_parity",
            upper <= policy.max_dpd,
            Some(upper),
            Some(policy.max_dpd),
            format!("{}: demographic parity difference {:.4}, upper 95 % bound {upper:.4}", a.attribute, dpd.value),
        );
    }

    // Representation and proxies.
    let mut representation = Vec::new();
    let mut proxies = Vec::new();
    for a in &data.protected {
        let mut counts = vec![0u64; a.groups.len()];
        let mut positives = vec![0.0f64; a.groups.len()];
        for (i, &c) in a.codes.iter().enumerate() {
            counts[c as usize] += 1;
            positives[c as usize] += match &data.labels {
                Labels::Binary(l) => f64::from(u8::from(l[i])),
                Labels::Continuous(v) => v[i],
            };
        }
        let groups: Vec<(String, u64, f64, f64)> = a
            .groups
            .iter()
            .enumerate()
            .filter(|(k, _)| counts[*k] > 0)
            .map(|(k, g)| (g.clone(), counts[k], counts[k] as f64 / n as f64, positives[k] / counts[k] as f64))
            .collect();
        let smallest = groups.iter().min_by_key(|g| g.1).cloned();
        if let Some((group, count, _, _)) = smallest {
            check(
                &mut checks,
                "representation",
                count >= policy.min_group_n,
                Some(count as f64),
                Some(policy.min_group_n as f64),
                format!("{}: the smallest group is {group} with {count} rows", a.name),
            );
        }
        representation.push(Representation { attribute: a.name.clone(), groups });
        for f in 0..p {
            if a.feature == Some(f) {
                continue;
            }
            let table = contingency(&a.codes, &input_codes(data, f));
            let v = stats::cramers_v(&table).unwrap_or(0.0);
            if v >= options.proxy_min_cramers_v {
                proxies.push(Proxy {
                    attribute: a.name.clone(),
                    input: data.features[f].clone(),
                    cramers_v: v,
                    mutual_information: stats::mutual_information(&table).unwrap_or(0.0),
                });
            }
        }
    }

    // The flip tests: the attribute itself (every other group's value), then each proxy (a
    // value drawn from a row of another group).
    let mut flips = Vec::new();
    let predicted = |s: f64| s >= t;
    for a in &data.protected {
        if let Some(f) = a.feature {
            // Each row once for every group it is not in: n · (groups - 1) scorings.
            let mut flipped = vec![false; n];
            let mut change = vec![0.0f64; n];
            for g in 0..a.groups.len() {
                let others: Vec<usize> = (0..n).filter(|&i| a.codes[i] as usize != g).collect();
                if others.is_empty() {
                    continue;
                }
                let tried = score_rows(scorer, data, &others, workers, "flip test", progress, &|_, row| row[f] = a.values[g]);
                for (&i, &t) in others.iter().zip(&tried) {
                    flipped[i] |= predicted(t) != predicted(scores[i]);
                    change[i] = change[i].max((t - scores[i]).abs());
                }
            }
            flips.push(flip_result(&a.name, &a.name, "attribute", &flipped, &change));
        }
        for proxy in proxies.iter().filter(|x| x.attribute == a.name) {
            let Some(f) = data.features.iter().position(|x| *x == proxy.input) else { continue };
            // Rows of each group, to draw a value from a row of another group.
            let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); a.groups.len()];
            for (i, &c) in a.codes.iter().enumerate() {
                by_group[c as usize].push(i);
            }
            let mut rng = StdRng::seed_from_u64(options.seed ^ 0x5eed_f11b);
            let donors: Vec<Option<usize>> = (0..n)
                .map(|i| {
                    let others: usize = by_group.iter().enumerate().filter(|(g, _)| *g != a.codes[i] as usize).map(|(_, r)| r.len()).sum();
                    if others == 0 {
                        return None;
                    }
                    let mut k = rng.random_range(0..others);
                    for (g, rows) in by_group.iter().enumerate() {
                        if g == a.codes[i] as usize {
                            continue;
                        }
                        if k < rows.len() {
                            return Some(rows[k]);
                        }
                        k -= rows.len();
                    }
                    None
                })
                .collect();
            let tried = score_all(scorer, data, workers, "flip test", progress, &|i, row| {
                if let Some(j) = donors[i] {
                    row[f] = data.rows[j * p + f];
                }
            });
            let flipped: Vec<bool> = (0..n).map(|i| predicted(tried[i]) != predicted(scores[i])).collect();
            let change: Vec<f64> = (0..n).map(|i| (tried[i] - scores[i]).abs()).collect();
            flips.push(flip_result(&a.name, &proxy.input, "proxy", &flipped, &change));
        }
    }
    for fr in flips.iter().filter(|f| f.kind == "attribute") {
        let upper = fr.rate.high.unwrap_or(fr.rate.value);
        check(
            &mut checks,
            "flip_test",
            upper <= policy.max_flip_rate_upper,
            Some(upper),
            Some(policy.max_flip_rate_upper),
            format!("changing only {} flips {} of {} decisions (upper 95 % bound {:.4})", fr.attribute, fr.flips, fr.rows, upper),
        );
    }
    if let Labels::Binary(_) = data.labels
        && data.protected.iter().all(|a| a.feature.is_none())
        && !data.protected.is_empty()
    {
        check(
            &mut checks,
            "flip_test",
            true,
            Some(0.0),
            Some(policy.max_flip_rate_upper),
            "no protected attribute is a model input: changing it cannot flip a decision (proxies are tested separately)".into(),
        );
    }

    // Robustness: every numeric input times (1 + level · N(0, 1)), seeded per row.
    let mut robustness = Vec::new();
    let normal = rand_distr::StandardNormal;
    for (k, &level) in options.noise_levels.iter().enumerate() {
        let seed = options.seed ^ (k as u64 + 1).wrapping_mul(0xa076_1d64_78bd_642f);
        let tried = score_all(scorer, data, workers, "robustness", progress, &|i, row| {
            let mut rng = StdRng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0xe703_7ed1_a0b4_28db));
            for (x, categorical) in row.iter_mut().zip(&data.categorical) {
                if !categorical && x.is_finite() {
                    let z: f64 = rng.sample(normal);
                    *x *= 1.0 + level * z;
                }
            }
        });
        let flipped = (0..n).filter(|&i| predicted(tried[i]) != predicted(scores[i])).count();
        let changes: Vec<f64> = (0..n).map(|i| (tried[i] - scores[i]).abs()).collect();
        robustness.push(NoiseResult {
            level,
            flip_rate: flipped as f64 / n as f64,
            mean_score_change: changes.iter().sum::<f64>() / n as f64,
            max_score_change: changes.iter().copied().fold(0.0, f64::max),
        });
    }
    if let (Some(first), Labels::Binary(_)) = (robustness.first(), &data.labels) {
        check(
            &mut checks,
            "robustness",
            first.flip_rate <= policy.max_noise_flip_rate,
            Some(first.flip_rate),
            Some(policy.max_noise_flip_rate),
            format!("{:.0} % noise on the numeric inputs flips {:.2} % of decisions", first.level * 100.0, first.flip_rate * 100.0),
        );
    }

    // Monotonicity: a step of a tenth of the input's standard deviation.
    let mut monotonicity = Vec::new();
    for (name, direction) in &options.monotone {
        let Some(f) = data.features.iter().position(|x| x == name) else { continue };
        let column: Vec<f64> = (0..n).map(|i| data.rows[i * p + f]).filter(|x| x.is_finite()).collect();
        let mean = column.iter().sum::<f64>() / column.len().max(1) as f64;
        let sd = (column.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / column.len().max(1) as f64).sqrt();
        let step = if sd > 0.0 { sd / 10.0 } else { 1.0 };
        let tried = score_all(scorer, data, workers, "monotonicity", progress, &|_, row| {
            if row[f].is_finite() {
                row[f] += step;
            }
        });
        let violations = (0..n)
            .filter(|&i| match direction {
                Direction::Increasing => tried[i] < scores[i] - 1e-12,
                Direction::Decreasing => tried[i] > scores[i] + 1e-12,
            })
            .count() as u64;
        monotonicity.push(MonotoneResult { input: name.clone(), direction: *direction, step, violations, rows: n as u64 });
    }
    for m in &monotonicity {
        let share = m.violations as f64 / m.rows as f64;
        check(
            &mut checks,
            "monotonicity",
            share <= policy.max_monotonicity_violations,
            Some(share),
            Some(policy.max_monotonicity_violations),
            format!("{} should be {:?}: {} of {} rows move the wrong way", m.input, m.direction, m.violations, m.rows).to_lowercase(),
        );
    }

    let passed = checks.iter().all(|c| c.passed);
    Ok(Report {
        task,
        rows: n as u64,
        caller_scores: data.predictions.is_some(),
        performance,
        folds,
        calibration,
        fairness,
        representation,
        proxies,
        flips,
        robustness,
        monotonicity,
        policy: policy.clone(),
        checks,
        passed,
    })
}

fn fold_figures(data: &Dataset, figures: impl Fn(&[usize]) -> Performance) -> Vec<FoldFigures> {
    let Some(folds) = &data.folds else { return Vec::new() };
    let mut ids: Vec<u32> = folds.clone();
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .map(|&fold| {
            let rows: Vec<usize> = (0..folds.len()).filter(|&i| folds[i] == fold).collect();
            FoldFigures { fold, performance: figures(&rows) }
        })
        .collect()
}

fn flip_result(attribute: &str, changed: &str, kind: &str, flipped: &[bool], change: &[f64]) -> FlipResult {
    let flips = flipped.iter().filter(|f| **f).count() as u64;
    let rows = flipped.len() as u64;
    FlipResult {
        attribute: attribute.into(),
        changed: changed.into(),
        kind: kind.into(),
        flips,
        rows,
        rate: wilson_figure(flips, rows),
        mean_score_change: change.iter().sum::<f64>() / rows.max(1) as f64,
    }
}

fn attribute_fairness(a: &Protected, scores: &[f64], labels: &[bool], options: &Options, policy: &Policy) -> AttributeFairness {
    let k = a.groups.len();
    let mut confusion = vec![Confusion::default(); k];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in a.codes.iter().enumerate() {
        let predicted = scores[i] >= options.threshold;
        let cell = &mut confusion[c as usize];
        match (predicted, labels[i]) {
            (true, true) => cell.tp += 1,
            (true, false) => cell.fp += 1,
            (false, false) => cell.tn += 1,
            (false, true) => cell.fn_ += 1,
        }
        members[c as usize].push(i);
    }
    let metrics: Vec<GroupMetrics> = confusion.iter().map(GroupMetrics::from_counts).collect();
    let d = disparities(&metrics);
    let intervals = stats::bootstrap_disparities(&confusion, options.bootstrap.max(1), options.seed, 0.95);
    let groups = (0..k)
        .filter(|&g| confusion[g].count() > 0)
        .map(|g| {
            let c = &confusion[g];
            let s: Vec<f64> = members[g].iter().map(|&i| scores[i]).collect();
            let l: Vec<bool> = members[g].iter().map(|&i| labels[i]).collect();
            GroupFigures {
                group: a.groups[g].clone(),
                count: c.count(),
                selection_rate: wilson_figure(c.tp + c.fp, c.count()),
                true_positive_rate: wilson_figure(c.tp, c.tp + c.fn_),
                false_positive_rate: metrics[g].false_positive_rate,
                accuracy: metrics[g].accuracy,
                ece: metrics::expected_calibration_error(&s, &l, options.bins),
                large_enough: c.count() >= policy.min_group_n,
            }
        })
        .collect();
    AttributeFairness {
        attribute: a.name.clone(),
        groups,
        demographic_parity_difference: Figure {
            value: d.demographic_parity_difference,
            low: intervals.map(|i| i.0.low),
            high: intervals.map(|i| i.0.high),
        },
        equalized_odds_difference: Figure {
            value: d.equalized_odds_difference,
            low: intervals.map(|i| i.1.low),
            high: intervals.map(|i| i.1.high),
        },
        demographic_parity_ratio: d.demographic_parity_ratio,
    }
}

#[cfg(test)]
mod tests;

//! A drift comparison of a current table against a reference, column by column, with one
//! decision per column and the false-alarm rate controlled across columns.
//!
//! - Numeric columns run the two-sample Kolmogorov-Smirnov test (any change of shape), the
//!   Anderson-Darling k-sample test (tails) and Welch's t-test (location); categorical columns
//!   run the chi-square test of homogeneity. Every column also runs the two-proportion test of
//!   its missing-value rate when either sample has a missing value (a test that cannot reject
//!   is not run, so it costs no power).
//! - A column's decision p-value is the Bonferroni combination of its own tests (the smallest p
//!   times the number run, at most 1); the decision p-values of all columns are then adjusted
//!   (Holm by default, Benjamini-Hochberg, or none).
//! - Significance is not magnitude: each column reports an effect size (numeric: Wasserstein
//!   distance in reference standard deviations; categorical: PSI), compared with its
//!   `min_effect`. `drift` = significant and not negligible; `detectable_but_small` =
//!   significant but below `min_effect`; `no_drift` otherwise. A change of the missing-value
//!   rate of at least [`MIN_MISSING_CHANGE`] also counts as not negligible.
//! - Each column states the smallest effect its sample sizes detect with the asked power at
//!   the corrected error rate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::correct::{Correction, adjust};
use crate::sketch::NumericSketch;
use crate::{ad, categorical, effect, ks, location};

/// A column's values in one table.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    /// Numbers (finite values only) and how many were missing (null or NaN).
    Numeric {
        /// The finite values, in any order.
        values: Vec<f64>,
        /// Missing values.
        missing: u64,
    },
    /// Category counts and how many were missing.
    Categorical {
        /// Count of each category.
        counts: BTreeMap<String, u64>,
        /// Missing values.
        missing: u64,
    },
    /// Numbers kept as a sketch (a profile): compared by KS from the quantile sketches and
    /// Welch's t from the moments.
    Sketch(Box<NumericSketch>),
}

impl Sample {
    fn rows(&self) -> u64 {
        match self {
            Sample::Numeric { values, missing } => values.len() as u64 + missing,
            Sample::Categorical { counts, missing } => counts.values().sum::<u64>() + missing,
            Sample::Sketch(s) => s.moments.n + s.missing,
        }
    }

    fn missing(&self) -> u64 {
        match self {
            Sample::Numeric { missing, .. } | Sample::Categorical { missing, .. } => *missing,
            Sample::Sketch(s) => s.missing,
        }
    }
}

/// One column to compare.
#[derive(Clone, Debug)]
pub struct ColumnInput {
    /// Its name.
    pub name: String,
    /// The reference sample.
    pub reference: Sample,
    /// The current sample (the same kind).
    pub current: Sample,
    /// The smallest effect worth calling drift (default [`DEFAULT_MIN_EFFECT_NUMERIC`] or
    /// [`DEFAULT_MIN_EFFECT_CATEGORICAL`]).
    pub min_effect: Option<f64>,
}

/// Default smallest numeric effect: a Wasserstein distance of 0.05 reference standard
/// deviations (a mean shift of 0.05 sd is a real shift for customer data at scale).
pub const DEFAULT_MIN_EFFECT_NUMERIC: f64 = 0.05;
/// Default smallest categorical effect: a PSI of 0.01 (a binary rate moving from 0.30 to 0.36
/// has a PSI of 0.016).
pub const DEFAULT_MIN_EFFECT_CATEGORICAL: f64 = 0.01;

/// A change of the missing-value rate of at least this (one percentage point) is not
/// negligible, whatever the values do.
pub const MIN_MISSING_CHANGE: f64 = 0.01;

/// How a comparison decides.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftOptions {
    /// The error rate (family-wise with Holm, false discovery rate with BH).
    pub alpha: f64,
    /// The correction across columns.
    pub correction: Correction,
    /// The power at which the minimum detectable effect is stated.
    pub power: f64,
    /// Whether new and vanished categories are listed by name (a table on your own disk), or
    /// only counted (values that may be personal data, in a service's answer).
    pub name_values: bool,
}

impl Default for DriftOptions {
    fn default() -> Self {
        Self { alpha: 0.05, correction: Correction::Holm, power: 0.8, name_values: true }
    }
}

/// One test's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestFigures {
    /// `ks`, `anderson_darling`, `welch_t`, `chi_square`, `missing_rate`, or `ks_sketch`
    /// (KS from two quantile sketches).
    pub method: String,
    /// The statistic.
    pub statistic: f64,
    /// Its p-value (two-sided; for `ks_sketch`, at the statistic minus its error bound).
    pub p_value: f64,
    /// How far the statistic can be from the one the raw data would give (sketches only: the
    /// sum of the two sketches' rank errors at 99 % confidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_bound: Option<f64>,
}

/// An effect size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    /// `wasserstein_sd`, `psi`, `jensen_shannon`.
    pub method: String,
    /// Its value.
    pub value: f64,
}

/// Missing-value rates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MissingRate {
    /// In the reference.
    pub reference: f64,
    /// In the current sample.
    pub current: f64,
    /// The two-proportion test's p-value (null when neither has a missing value).
    pub p_value: Option<f64>,
}

/// What a column's comparison concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significant and at least `min_effect`.
    Drift,
    /// Significant but smaller than `min_effect`: real, reported, not alarming.
    DetectableButSmall,
    /// Not significant.
    NoDrift,
}

/// One column's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// The column.
    pub column: String,
    /// `numeric` or `categorical`.
    pub kind: String,
    /// Every test run.
    pub tests: Vec<TestFigures>,
    /// The column's decision p-value: the Bonferroni combination of its tests.
    pub p_value: f64,
    /// `p_value` adjusted across columns.
    pub p_value_adjusted: f64,
    /// The effect size the verdict uses.
    pub effect_size: Effect,
    /// Other effect sizes, for the record.
    pub other_effects: Vec<Effect>,
    /// The smallest effect worth calling drift.
    pub min_effect: f64,
    /// Significant and not negligible.
    pub drift: bool,
    /// The verdict.
    pub verdict: Verdict,
    /// The smallest shift detected with the asked power at the corrected error rate
    /// (numeric: a mean shift in reference standard deviations; categorical: a change of
    /// the most common category's share).
    pub min_detectable_effect: Option<f64>,
    /// Categories seen only in the current sample.
    pub new_categories: Vec<String>,
    /// Categories seen only in the reference.
    pub vanished_categories: Vec<String>,
    /// Missing-value rates.
    pub missing_rate: MissingRate,
    /// In plain words.
    pub summary: String,
}

/// Rows compared.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    /// Reference rows.
    pub reference: u64,
    /// Current rows.
    pub current: u64,
}

/// A whole comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Per column, in the input's order.
    pub columns: Vec<ColumnDrift>,
    /// The correction across columns.
    pub correction: Correction,
    /// The error rate.
    pub alpha: f64,
    /// Columns with `drift: true`.
    pub drifted_columns: usize,
    /// Rows compared (the largest column count).
    pub rows: Rows,
}

/// Why a comparison cannot run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DriftError {
    /// Options out of range.
    #[error("{0}")]
    Options(String),
    /// A column is numeric in one table and categorical in the other.
    #[error("column `{0}` is numeric in one table and categorical in the other")]
    KindMismatch(String),
}

struct Partial {
    column: String,
    kind: &'static str,
    tests: Vec<TestFigures>,
    p_value: f64,
    effect_size: Effect,
    other_effects: Vec<Effect>,
    min_effect: f64,
    new_categories: Vec<String>,
    vanished_categories: Vec<String>,
    missing_rate: MissingRate,
    sizes: (f64, f64),
    top_share: Option<f64>,
}

fn test(method: &str, r: location::TestResult) -> TestFigures {
    TestFigures { method: method.to_owned(), statistic: r.statistic, p_value: r.p_value, error_bound: None }
}

/// A numeric column's figures before its tests are combined: the Wasserstein effect in
/// reference standard deviations decides, PSI and Jensen-Shannon on the decile bins are
/// reported beside it (raw samples and sketches alike).
fn numeric_partial(c: &ColumnInput, normed: f64, (br, bk): (&[u64], &[u64]), missing_rate: MissingRate, sizes: (f64, f64)) -> Partial {
    Partial {
        column: c.name.clone(),
        kind: "numeric",
        tests: Vec::new(),
        p_value: 1.0,
        effect_size: Effect { method: "wasserstein_sd".into(), value: if normed.is_finite() { normed } else { 0.0 } },
        other_effects: vec![
            Effect { method: "psi".into(), value: effect::psi(br, bk) },
            Effect { method: "jensen_shannon".into(), value: effect::jensen_shannon(br, bk) },
        ],
        min_effect: c.min_effect.unwrap_or(DEFAULT_MIN_EFFECT_NUMERIC),
        new_categories: Vec::new(),
        vanished_categories: Vec::new(),
        missing_rate,
        sizes,
        top_share: None,
    }
}

/// Drops the non-finite values of `values` and sorts the rest, in place.
fn sort_in_place(values: &mut Vec<f64>, scratch: &mut Vec<f64>) {
    values.retain(|x| x.is_finite());
    crate::sort_f64_with(values, scratch);
}

fn compare_column(c: &mut ColumnInput, scratch: &mut Vec<f64>) -> Result<Partial, DriftError> {
    // Raw numbers against a sketch: sketch the numbers, so both sides carry the same error.
    let sketch = |s: &mut Sample| {
        if let Sample::Numeric { values, missing } = s {
            *s = Sample::Sketch(Box::new(NumericSketch::of(values, *missing)));
        }
    };
    match (&c.reference, &c.current) {
        (Sample::Numeric { .. }, Sample::Sketch(_)) => sketch(&mut c.reference),
        (Sample::Sketch(_), Sample::Numeric { .. }) => sketch(&mut c.current),
        _ => {}
    }
    if let (Sample::Numeric { values: r, .. }, Sample::Numeric { values: k, .. }) = (&mut c.reference, &mut c.current) {
        sort_in_place(r, scratch);
        sort_in_place(k, scratch);
    }
    let c = &*c;
    let (n_ref, n_cur) = (c.reference.rows(), c.current.rows());
    let (m_ref, m_cur) = (c.reference.missing(), c.current.missing());
    let missing_test = if m_ref + m_cur > 0 { categorical::two_proportions(m_ref, n_ref, m_cur, n_cur) } else { None };
    let rate = |m: u64, n: u64| if n == 0 { 0.0 } else { m as f64 / n as f64 };
    let missing_rate = MissingRate { reference: rate(m_ref, n_ref), current: rate(m_cur, n_cur), p_value: missing_test.map(|t| t.p_value) };
    let mut tests = Vec::new();
    let partial = match (&c.reference, &c.current) {
        (Sample::Numeric { values: r, .. }, Sample::Numeric { values: k, .. }) => {
            let (r, k) = (r.as_slice(), k.as_slice());
            if let Some(t) = ks::ks_2samp_sorted(r, k, None) {
                tests.push(TestFigures { method: "ks".into(), statistic: t.statistic, p_value: t.p_value, error_bound: None });
            }
            if let Some(t) = ad::anderson_ksamp(&[r, k]) {
                tests.push(TestFigures {
                    method: "anderson_darling".into(),
                    statistic: t.statistic,
                    p_value: t.p_value,
                    error_bound: None,
                });
            }
            if let Some(t) = location::welch(r, k) {
                tests.push(test("welch_t", t));
            }
            let (_, sd) = if r.is_empty() { (0.0, 0.0) } else { location::mean_sd(r) };
            let distance = effect::wasserstein_sorted(r, k);
            let normed = if sd > 0.0 { distance / sd } else { distance };
            let edges = effect::decile_edges(r);
            let (br, bk) = (effect::bin_counts(r, &edges), effect::bin_counts(k, &edges));
            numeric_partial(c, normed, (&br, &bk), missing_rate, (r.len() as f64, k.len() as f64))
        }
        (Sample::Categorical { counts: r, .. }, Sample::Categorical { counts: k, .. }) => {
            let names: Vec<&String> = r.keys().chain(k.keys()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let rc: Vec<u64> = names.iter().map(|n| r.get(*n).copied().unwrap_or(0)).collect();
            let kc: Vec<u64> = names.iter().map(|n| k.get(*n).copied().unwrap_or(0)).collect();
            let (mr, mk, _) = categorical::merge_small(&rc, &kc);
            if let Some(t) = categorical::chi2_homogeneity(&mr, &mk) {
                tests.push(test("chi_square", t));
            }
            let total_r: u64 = rc.iter().sum();
            let top = rc.iter().max().map(|m| if total_r == 0 { 0.0 } else { *m as f64 / total_r as f64 });
            Partial {
                column: c.name.clone(),
                kind: "categorical",
                tests: Vec::new(),
                p_value: 1.0,
                effect_size: Effect { method: "psi".into(), value: effect::psi(&rc, &kc) },
                other_effects: vec![Effect { method: "jensen_shannon".into(), value: effect::jensen_shannon(&rc, &kc) }],
                min_effect: c.min_effect.unwrap_or(DEFAULT_MIN_EFFECT_CATEGORICAL),
                new_categories: names.iter().zip(&rc).filter(|(_, c)| **c == 0).map(|(n, _)| (*n).clone()).collect(),
                vanished_categories: names.iter().zip(&kc).filter(|(_, c)| **c == 0).map(|(n, _)| (*n).clone()).collect(),
                missing_rate,
                sizes: (total_r as f64, kc.iter().sum::<u64>() as f64),
                top_share: top,
            }
        }
        (Sample::Sketch(r), Sample::Sketch(k)) => {
            let (vr, vk) = (r.quantiles.sorted_view(), k.quantiles.sorted_view());
            let (n1, n2) = (r.moments.n, k.moments.n);
            if let (Some(a), Some(b)) = (r.quantiles.exact_values(), k.quantiles.exact_values())
                && let Some(t) = ks::ks_2samp_sorted(&a, &b, None)
            {
                // Small enough to be held whole: the exact test, as on raw values.
                tests.push(TestFigures { method: "ks".into(), statistic: t.statistic, p_value: t.p_value, error_bound: None });
            } else if n1 > 0 && n2 > 0 {
                let statistic = vr.values().iter().chain(vk.values()).map(|x| (vr.cdf(*x) - vk.cdf(*x)).abs()).fold(0.0, f64::max);
                let bound = r.quantiles.rank_error() + k.quantiles.rank_error();
                let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
                let effective = (m * n / (m + n)).round_ties_even().max(1.0);
                let p_value = ks::kolmogorov_sf(effective, (statistic - bound).max(0.0)).clamp(0.0, 1.0);
                tests.push(TestFigures { method: "ks_sketch".into(), statistic, p_value, error_bound: Some(bound) });
            }
            let moments = |s: &NumericSketch| (s.moments.n as f64, s.moments.mean, s.moments.variance());
            if let Some(t) = location::welch_from_moments(moments(r), moments(k)) {
                tests.push(test("welch_t", t));
            }
            let sd = r.moments.sd();
            // The area between the quantile functions, on a grid of 1,000 ranks.
            let distance = if n1 > 0 && n2 > 0 {
                (0..1000)
                    .map(|i| {
                        let p = (f64::from(i) + 0.5) / 1000.0;
                        (vr.quantile(p).unwrap_or(0.0) - vk.quantile(p).unwrap_or(0.0)).abs()
                    })
                    .sum::<f64>()
                    / 1000.0
            } else {
                0.0
            };
            let normed = if sd > 0.0 { distance / sd } else { distance };
            let mut edges: Vec<f64> = (1..10).filter_map(|d| vr.quantile(f64::from(d) / 10.0)).collect();
            edges.dedup();
            let bins = |v: &crate::kll::SortedView, n: u64| -> Vec<u64> {
                let mut below = 0u64;
                let mut out: Vec<u64> = edges
                    .iter()
                    .map(|e| {
                        let at_most = (v.cdf(*e) * n as f64).round() as u64;
                        let here = at_most.saturating_sub(below);
                        below = below.max(at_most);
                        here
                    })
                    .collect();
                out.push(n.saturating_sub(below));
                out
            };
            let (br, bk) = (bins(&vr, n1), bins(&vk, n2));
            numeric_partial(c, normed, (&br, &bk), missing_rate, (n1 as f64, n2 as f64))
        }
        _ => return Err(DriftError::KindMismatch(c.name.clone())),
    };
    if let Some(t) = missing_test {
        tests.push(test("missing_rate", t));
    }
    let p_value = tests.iter().map(|t| t.p_value).fold(1.0f64, f64::min) * tests.len().max(1) as f64;
    Ok(Partial { tests, p_value: p_value.min(1.0), ..partial })
}

/// Compares every column; the verdicts hold the error rate across all of them. Numeric
/// samples are sorted in place and lose their non-finite values (no copy of large columns).
pub fn compare(columns: &mut [ColumnInput], options: &DriftOptions) -> Result<DriftReport, DriftError> {
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(DriftError::Options("alpha must be between 0 and 1".into()));
    }
    if !(options.power > 0.0 && options.power < 1.0) {
        return Err(DriftError::Options("power must be between 0 and 1".into()));
    }
    // Columns are independent: every core takes the next column not yet taken (numeric
    // columns cost far more than categorical ones), with its own sort buffer.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(columns.len()).max(1);
    let slots: Vec<std::sync::Mutex<&mut ColumnInput>> = columns.iter_mut().map(std::sync::Mutex::new).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<Partial, DriftError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut scratch = Vec::new();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(slot) = slots.get(i) else { break };
                        let mut column = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        out.push((i, compare_column(&mut column, &mut scratch)));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    let partials: Vec<Partial> = done.into_iter().map(|(_, r)| r).collect::<Result<_, _>>()?;
    let adjusted = adjust(&partials.iter().map(|p| p.p_value).collect::<Vec<_>>(), options.correction);
    let normal = Normal::standard();
    let m = partials.len().max(1) as f64;
    let out: Vec<ColumnDrift> = partials
        .into_iter()
        .zip(adjusted)
        .map(|(p, adj)| {
            let significant = adj < options.alpha;
            let missing_moved = (p.missing_rate.current - p.missing_rate.reference).abs() >= MIN_MISSING_CHANGE;
            let big = p.effect_size.value >= p.min_effect || missing_moved;
            let verdict = match (significant, big) {
                (true, true) => Verdict::Drift,
                (true, false) => Verdict::DetectableButSmall,
                _ => Verdict::NoDrift,
            };
            // The error rate a single column faces in the worst case: the correction's
            // smallest step (alpha / m) shared by the column's own tests.
            let per_column = match options.correction {
                Correction::None => options.alpha,
                _ => options.alpha / m,
            };
            let per_test = per_column / p.tests.len().max(1) as f64;
            let z = normal.inverse_cdf(1.0 - per_test / 2.0) + normal.inverse_cdf(options.power);
            let (n1, n2) = p.sizes;
            let mde = (n1 > 0.0 && n2 > 0.0).then(|| {
                let spread = (1.0 / n1 + 1.0 / n2).sqrt();
                match p.top_share {
                    Some(s) => z * (s * (1.0 - s)).sqrt() * spread,
                    None => z * spread,
                }
            });
            let summary = summary(&p, adj, options, verdict, mde);
            let (new_categories, vanished_categories) =
                if options.name_values { (p.new_categories, p.vanished_categories) } else { (Vec::new(), Vec::new()) };
            ColumnDrift {
                column: p.column,
                kind: p.kind.to_owned(),
                tests: p.tests,
                p_value: p.p_value,
                p_value_adjusted: adj,
                effect_size: p.effect_size,
                other_effects: p.other_effects,
                min_effect: p.min_effect,
                drift: verdict == Verdict::Drift,
                verdict,
                min_detectable_effect: mde,
                new_categories,
                vanished_categories,
                missing_rate: p.missing_rate,
                summary,
            }
        })
        .collect();
    let rows = Rows {
        reference: columns.iter().map(|c| c.reference.rows()).max().unwrap_or(0),
        current: columns.iter().map(|c| c.current.rows()).max().unwrap_or(0),
    };
    Ok(DriftReport {
        drifted_columns: out.iter().filter(|c| c.drift).count(),
        columns: out,
        correction: options.correction,
        alpha: options.alpha,
        rows,
    })
}

fn p_text(p: f64) -> String {
    if p < 0.001 { "below 0.001".to_owned() } else { format!("{p:.3}") }
}

fn summary(p: &Partial, adj: f64, options: &DriftOptions, verdict: Verdict, mde: Option<f64>) -> String {
    let effect = match p.effect_size.method.as_str() {
        "wasserstein_sd" => format!("the distribution moved by {:.3} reference standard deviations", p.effect_size.value),
        _ => format!("the population stability index is {:.3}", p.effect_size.value),
    };
    let head = match verdict {
        Verdict::Drift => format!("Drift: {effect} (adjusted p {}).", p_text(adj)),
        Verdict::DetectableButSmall => {
            format!("A small but real change: {effect}, below the {:.3} that counts as drift (adjusted p {}).", p.min_effect, p_text(adj))
        }
        Verdict::NoDrift => format!("No drift found (adjusted p {}); {effect}.", p_text(adj)),
    };
    let power = match (mde, p.top_share) {
        (Some(d), None) => format!(
            " With these sample sizes a mean shift of {d:.3} standard deviations would be detected {:.0}% of the time.",
            options.power * 100.0
        ),
        (Some(d), Some(_)) => format!(
            " With these sample sizes a change of {:.1} points in the most common category's share would be detected {:.0}% of the time.",
            d * 100.0,
            options.power * 100.0
        ),
        _ => String::new(),
    };
    let mut extra = String::new();
    let (mr, mc) = (p.missing_rate.reference, p.missing_rate.current);
    if (mc - mr).abs() >= MIN_MISSING_CHANGE {
        extra.push_str(&format!(" Missing values went from {:.1}% to {:.1}%.", mr * 100.0, mc * 100.0));
    }
    if !p.new_categories.is_empty() {
        if options.name_values {
            extra.push_str(&format!(" New values: {}.", p.new_categories.join(", ")));
        } else {
            extra.push_str(&format!(" {} new value(s).", p.new_categories.len()));
        }
    }
    if !p.vanished_categories.is_empty() {
        if options.name_values {
            extra.push_str(&format!(" Values no longer seen: {}.", p.vanished_categories.join(", ")));
        } else {
            extra.push_str(&format!(" {} value(s) no longer seen.", p.vanished_categories.len()));
        }
    }
    format!("{head}{power}{extra}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn verdicts_separate_significance_from_magnitude() {
        // 0.30 -> 0.36 at 50,000 rows each: certain, and a PSI of 0.016 (above 0.01: drift);
        // with min_effect 0.05 the same change is detectable but small.
        let reference = Sample::Categorical { counts: counts(&[("yes", 15_000), ("no", 35_000)]), missing: 0 };
        let current = Sample::Categorical { counts: counts(&[("yes", 18_000), ("no", 32_000)]), missing: 0 };
        let column =
            |min_effect| ColumnInput { name: "opted_in".into(), reference: reference.clone(), current: current.clone(), min_effect };
        let report = compare(&mut [column(None), column(Some(0.05))], &DriftOptions::default()).expect("report");
        assert_eq!(report.columns[0].verdict, Verdict::Drift);
        assert!(report.columns[0].p_value_adjusted < 1e-14);
        assert!((report.columns[0].effect_size.value - 0.0163).abs() < 1e-3);
        assert_eq!(report.columns[1].verdict, Verdict::DetectableButSmall);
        assert_eq!(report.drifted_columns, 1);
        assert!(report.columns[1].summary.contains("small but real"), "{}", report.columns[1].summary);
    }

    #[test]
    fn categories_and_missing_values_are_reported() {
        let reference = Sample::Categorical { counts: counts(&[("a", 500), ("b", 500)]), missing: 10 };
        let current = Sample::Categorical { counts: counts(&[("a", 480), ("c", 520)]), missing: 90 };
        let c = ColumnInput { name: "tier".into(), reference, current, min_effect: None };
        let report = compare(&mut [c], &DriftOptions::default()).expect("report");
        let col = &report.columns[0];
        assert_eq!((col.new_categories.clone(), col.vanished_categories.clone()), (vec!["c".to_owned()], vec!["b".to_owned()]));
        assert_eq!(col.tests.iter().map(|t| t.method.as_str()).collect::<Vec<_>>(), ["chi_square", "missing_rate"]);
        assert!(col.missing_rate.p_value.expect("tested") < 1e-10);
        assert!(col.drift);
        assert!(col.summary.contains("New values: c") && col.summary.contains("no longer seen: b"), "{}", col.summary);
    }

    #[test]
    fn a_column_without_missing_values_runs_no_missing_test_and_power_is_stated() {
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i % 97)).collect();
        let c = ColumnInput {
            name: "age".into(),
            reference: Sample::Numeric { values: values.clone(), missing: 0 },
            current: Sample::Numeric { values, missing: 0 },
            min_effect: None,
        };
        let report = compare(&mut [c], &DriftOptions::default()).expect("report");
        let col = &report.columns[0];
        assert_eq!(col.tests.iter().map(|t| t.method.as_str()).collect::<Vec<_>>(), ["ks", "anderson_darling", "welch_t"]);
        assert_eq!(col.verdict, Verdict::NoDrift);
        // (z_{1 - 0.05/3/2} + z_0.8) * sqrt(2/1000) = (2.394 + 0.842) * 0.0447 = 0.145.
        assert!((col.min_detectable_effect.expect("mde") - 0.1447).abs() < 1e-3, "{:?}", col.min_detectable_effect);
        assert!(col.summary.contains("0.145 standard deviations"), "{}", col.summary);
    }

    #[test]
    fn bad_options_and_mixed_kinds_are_refused() {
        let n = Sample::Numeric { values: vec![1.0], missing: 0 };
        let k = Sample::Categorical { counts: counts(&[("a", 1)]), missing: 0 };
        let c = ColumnInput { name: "x".into(), reference: n, current: k, min_effect: None };
        assert_eq!(compare(&mut [c.clone()], &DriftOptions::default()), Err(DriftError::KindMismatch("x".into())));
        let bad = DriftOptions { alpha: 1.5, ..DriftOptions::default() };
        assert!(matches!(compare(&mut [c], &bad), Err(DriftError::Options(_))));
    }
}

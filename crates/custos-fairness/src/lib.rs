//! custos fairness engine: per-group metrics, disparities and their uncertainty, with
//! Fairlearn's and AIF360's definitions so the numbers match the notebooks people use today.
//!
//! Everything is computed from per-group confusion counts (one pass over the rows, like a
//! `bincount`), so audits of the whole decision log cost little more than reading it. Scores
//! (ROC AUC, calibration) need the score values per group and are computed exactly.
//!
//! The engine is pure: columns in, results out. Group ids are dense `u32`s assigned by the
//! caller (one per combination of sensitive attribute values).

pub mod partial;
pub mod report;
pub mod stats;
pub mod thresholds;

use serde::{Deserialize, Serialize};

/// Why an audit could not be computed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FairnessError {
    /// Columns of different lengths.
    #[error("column lengths differ: {0}")]
    LengthMismatch(String),
    /// A group id is not below the number of groups.
    #[error("group id {0} is out of range")]
    GroupOutOfRange(u32),
    /// No rows.
    #[error("no rows to audit")]
    Empty,
}

/// Confusion counts of one group (positive = the favourable outcome).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Actual positive, predicted positive.
    pub tp: u64,
    /// Actual negative, predicted positive.
    pub fp: u64,
    /// Actual negative, predicted negative.
    pub tn: u64,
    /// Actual positive, predicted negative.
    pub fn_: u64,
}

impl Confusion {
    /// Rows in the group.
    pub fn count(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    fn add(&mut self, other: &Confusion) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.tn += other.tn;
        self.fn_ += other.fn_;
    }
}

/// Counts the confusion matrix of every group in one pass. `group[i] < n_groups`.
pub fn confusion_by_group(group: &[u32], y_true: &[bool], y_pred: &[bool], n_groups: usize) -> Result<Vec<Confusion>, FairnessError> {
    if group.len() != y_true.len() || group.len() != y_pred.len() {
        return Err(FairnessError::LengthMismatch(format!("group {}, y_true {}, y_pred {}", group.len(), y_true.len(), y_pred.len())));
    }
    // Flat counters indexed by group * 4 + (y_true * 2 + y_pred): a branch-free bincount.
    let mut cells = vec![0u64; n_groups * 4];
    for ((&g, &t), &p) in group.iter().zip(y_true).zip(y_pred) {
        let idx = (g as usize) * 4 + (usize::from(t) << 1) + usize::from(p);
        match cells.get_mut(idx) {
            Some(c) => *c += 1,
            None => return Err(FairnessError::GroupOutOfRange(g)),
        }
    }
    Ok(cells.chunks_exact(4).map(|c| Confusion { tn: c[0], fp: c[1], fn_: c[2], tp: c[3] }).collect())
}

/// The favourable value of a label or decision, compared the way people write labels: equal
/// text, or numerically equal when both are numbers (`1` and `1.0`), with `true` meaning `1`.
#[derive(Clone, Debug)]
pub struct Favorable {
    text: String,
    number: Option<f64>,
}

impl Favorable {
    /// The favourable value as given (`1`, `approved`, ...).
    pub fn new(value: &str) -> Self {
        let text = value.trim().to_owned();
        let number = text.parse::<f64>().ok();
        Self { text, number }
    }

    /// The value as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The favourable value as a number, when it is one.
    pub fn number(&self) -> Option<f64> {
        self.number
    }

    /// Whether `value` is the favourable value.
    pub fn matches(&self, value: &str) -> bool {
        let v = value.trim();
        if v == self.text {
            return true;
        }
        match (self.number, v.parse::<f64>()) {
            (Some(f), Ok(x)) => x == f,
            _ => matches!((self.text.as_str(), v), ("1", "true" | "True" | "TRUE") | ("true", "1")),
        }
    }
}

/// Sums confusion counts of several groups (e.g. every group but the reference).
pub fn pooled<'a>(groups: impl IntoIterator<Item = &'a Confusion>) -> Confusion {
    let mut total = Confusion::default();
    for g in groups {
        total.add(g);
    }
    total
}

/// `num / den`, or 0 when the denominator is 0: Fairlearn's (and scikit-learn's
/// `zero_division=0`) convention for rates of empty cells.
fn ratio0(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}

/// The metrics of one group, with Fairlearn's names and definitions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    /// Rows in the group.
    pub count: u64,
    /// Share predicted favourable.
    pub selection_rate: f64,
    /// TP / (TP + FN); 0 with no actual positives.
    pub true_positive_rate: f64,
    /// FP / (FP + TN); 0 with no actual negatives.
    pub false_positive_rate: f64,
    /// FN / (TP + FN); 0 with no actual positives.
    pub false_negative_rate: f64,
    /// TN / (FP + TN); 0 with no actual negatives.
    pub true_negative_rate: f64,
    /// TP / (TP + FP) (positive predictive value); 0 with no favourable predictions.
    pub precision: f64,
    /// TN / (TN + FN) (negative predictive value); 0 with no unfavourable predictions.
    pub npv: f64,
    /// (TP + TN) / count.
    pub accuracy: f64,
    /// Share actually favourable.
    pub base_rate: f64,
}

impl GroupMetrics {
    /// The metrics of a group from its confusion counts.
    pub fn from_counts(c: &Confusion) -> Self {
        let n = c.count();
        Self {
            count: n,
            selection_rate: ratio0(c.tp + c.fp, n),
            true_positive_rate: ratio0(c.tp, c.tp + c.fn_),
            false_positive_rate: ratio0(c.fp, c.fp + c.tn),
            false_negative_rate: ratio0(c.fn_, c.tp + c.fn_),
            true_negative_rate: ratio0(c.tn, c.fp + c.tn),
            precision: ratio0(c.tp, c.tp + c.fp),
            npv: ratio0(c.tn, c.tn + c.fn_),
            accuracy: ratio0(c.tp + c.tn, n),
            base_rate: ratio0(c.tp + c.fn_, n),
        }
    }
}

fn spread(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    let min = values.fold(f64::INFINITY, f64::min);
    (min, max)
}

fn difference(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (min, max) = spread(values);
    max - min
}

/// min / max, Fairlearn's `ratio` aggregation (0/0 is 1: no disparity between two zeros... Fairlearn
/// returns NaN there; see [`Disparities`]).
fn ratio(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (min, max) = spread(values);
    if max == 0.0 { f64::NAN } else { min / max }
}

/// Disparities between groups, Fairlearn's `between_groups` definitions. A ratio whose largest
/// value is 0 is NaN (serialized as null), as in Fairlearn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Disparities {
    /// max - min of selection rate.
    pub demographic_parity_difference: f64,
    /// min / max of selection rate.
    pub demographic_parity_ratio: f64,
    /// The larger of the TPR and FPR differences.
    pub equalized_odds_difference: f64,
    /// The smaller of the TPR and FPR ratios.
    pub equalized_odds_ratio: f64,
    /// max - min of TPR.
    pub equal_opportunity_difference: f64,
    /// max - min of precision (predictive parity).
    pub predictive_parity_difference: f64,
}

/// Fairlearn's between-groups disparities over `groups` (empty groups are skipped, as
/// Fairlearn's MetricFrame never sees them).
pub fn disparities(groups: &[GroupMetrics]) -> Disparities {
    let present: Vec<&GroupMetrics> = groups.iter().filter(|g| g.count > 0).collect();
    let sel = present.iter().map(|g| g.selection_rate);
    let tpr = present.iter().map(|g| g.true_positive_rate);
    let fpr = present.iter().map(|g| g.false_positive_rate);
    let ppv = present.iter().map(|g| g.precision);
    let tpr_ratio = ratio(tpr.clone());
    let fpr_ratio = ratio(fpr.clone());
    Disparities {
        demographic_parity_difference: difference(sel.clone()),
        demographic_parity_ratio: ratio(sel),
        equalized_odds_difference: difference(tpr.clone()).max(difference(fpr)),
        equalized_odds_ratio: if tpr_ratio.is_nan() || fpr_ratio.is_nan() { f64::NAN } else { tpr_ratio.min(fpr_ratio) },
        equal_opportunity_difference: difference(tpr),
        predictive_parity_difference: difference(ppv),
    }
}

/// AIF360's comparisons of the unprivileged rows against the privileged (reference) rows,
/// with AIF360's signs (unprivileged minus privileged; ratios unprivileged over privileged).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RelativeToReference {
    /// P(favourable | unprivileged) / P(favourable | privileged).
    pub disparate_impact: f64,
    /// P(favourable | unprivileged) - P(favourable | privileged).
    pub statistical_parity_difference: f64,
    /// Mean of the FPR and TPR differences.
    pub average_odds_difference: f64,
    /// TPR difference.
    pub equal_opportunity_difference: f64,
    /// Whether the disparate impact is below 0.8 (the four-fifths rule).
    pub four_fifths_violated: bool,
}

/// `num / den`, NaN when the denominator is 0: AIF360's convention (it divides as numpy does).
fn ratio_nan(num: u64, den: u64) -> f64 {
    if den == 0 { f64::NAN } else { num as f64 / den as f64 }
}

/// AIF360's relative metrics: `privileged` against `unprivileged` pooled counts. Unlike the
/// per-group metrics, rates with an empty denominator are NaN here, as AIF360 computes them.
pub fn relative_to_reference(privileged: &Confusion, unprivileged: &Confusion) -> RelativeToReference {
    let sel = |c: &Confusion| ratio_nan(c.tp + c.fp, c.count());
    let tpr = |c: &Confusion| ratio_nan(c.tp, c.tp + c.fn_);
    let fpr = |c: &Confusion| ratio_nan(c.fp, c.fp + c.tn);
    let di = sel(unprivileged) / sel(privileged);
    RelativeToReference {
        disparate_impact: di,
        statistical_parity_difference: sel(unprivileged) - sel(privileged),
        average_odds_difference: 0.5 * ((fpr(unprivileged) - fpr(privileged)) + (tpr(unprivileged) - tpr(privileged))),
        equal_opportunity_difference: tpr(unprivileged) - tpr(privileged),
        four_fifths_violated: di < 0.8,
    }
}

/// AIF360's generalized entropy index over all rows with its benefit `b = y_pred - y_true + 1`
/// (0 for a false negative, 1 when right, 2 for a false positive); `alpha = 1` is the Theil
/// index. Computed from the pooled confusion counts, which is exact because `b` takes three
/// values.
pub fn generalized_entropy_index(all: &Confusion, alpha: f64) -> f64 {
    let n = all.count() as f64;
    if n == 0.0 {
        return f64::NAN;
    }
    let right = (all.tp + all.tn) as f64;
    let fps = all.fp as f64;
    let fns = all.fn_ as f64;
    let mu = (right + 2.0 * fps) / n;
    if mu == 0.0 {
        return f64::NAN;
    }
    let term = |b: f64| -> f64 {
        let x = b / mu;
        if alpha == 1.0 {
            if x == 0.0 { 0.0 } else { x * x.ln() }
        } else if alpha == 0.0 {
            -x.ln()
        } else {
            x.powf(alpha) - 1.0
        }
    };
    let sum = fns * term(0.0) + right * term(1.0) + fps * term(2.0);
    if alpha == 1.0 || alpha == 0.0 { sum / n } else { sum / (n * alpha * (alpha - 1.0)) }
}

/// AIF360's Theil index (generalized entropy index with `alpha = 1`).
pub fn theil_index(all: &Confusion) -> f64 {
    generalized_entropy_index(all, 1.0)
}

/// Kamiran & Calders' reweighing: the weight of a row of group `g` with label `y` is
/// `P(g) P(y) / P(g, y)` = `n_g n_y / (n n_gy)`, so that label and group are independent in the
/// weighted data. Returns, per group, the weights of its (unfavourable, favourable) rows
/// (0 for a cell with no rows). With two groups this is AIF360's `Reweighing`.
pub fn reweighing(labels_by_group: &[(u64, u64)]) -> Vec<(f64, f64)> {
    let n: u64 = labels_by_group.iter().map(|(neg, pos)| neg + pos).sum();
    let n_neg: u64 = labels_by_group.iter().map(|c| c.0).sum();
    let n_pos: u64 = labels_by_group.iter().map(|c| c.1).sum();
    let weight = |n_g: u64, n_y: u64, n_gy: u64| if n_gy == 0 { 0.0 } else { (n_g as f64 * n_y as f64) / (n as f64 * n_gy as f64) };
    labels_by_group.iter().map(|&(neg, pos)| (weight(neg + pos, n_neg, neg), weight(neg + pos, n_pos, pos))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_metrics_follow_the_definitions() {
        let group = [0, 0, 0, 0, 1, 1, 1];
        let y_true = [true, true, false, false, true, false, false];
        let y_pred = [true, false, true, false, false, false, true];
        let c = confusion_by_group(&group, &y_true, &y_pred, 2).unwrap_or_default();
        assert_eq!(c[0], Confusion { tp: 1, fp: 1, tn: 1, fn_: 1 });
        assert_eq!(c[1], Confusion { tp: 0, fp: 1, tn: 1, fn_: 1 });
        let m = GroupMetrics::from_counts(&c[1]);
        assert_eq!(m.true_positive_rate, 0.0);
        assert!((m.selection_rate - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(confusion_by_group(&[2], &[true], &[true], 2), Err(FairnessError::GroupOutOfRange(2)));
        let d = disparities(&[GroupMetrics::from_counts(&c[0]), m]);
        assert!((d.demographic_parity_difference - (0.5 - 1.0 / 3.0)).abs() < 1e-15);
        let all = pooled(&c);
        assert!(theil_index(&all).is_finite());
        // Reweighing makes label and group independent: weighted favourable share equal per group.
        let w = reweighing(&[(2, 6), (6, 2)]);
        let share = |(neg, pos): (u64, u64), (wn, wp): (f64, f64)| pos as f64 * wp / (pos as f64 * wp + neg as f64 * wn);
        assert!((share((2, 6), w[0]) - share((6, 2), w[1])).abs() < 1e-12);
    }
}

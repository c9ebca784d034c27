//! Metrics with scikit-learn's definitions, so a report's figures equal what a data scientist
//! computes in a notebook: `roc_auc_score`, `accuracy_score`, `precision_score`,
//! `recall_score`, `f1_score`, `brier_score_loss`, `log_loss`, `calibration_curve`
//! (`strategy="uniform"`), `mean_squared_error`, `mean_absolute_error`; plus the expected
//! calibration error and the Hosmer-Lemeshow test.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// scikit-learn's `roc_auc_score` (ties counted half). `None` with one class only.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    custos_fairness::stats::roc_auc(scores, labels)
}

/// Confusion counts at `threshold` (a score at or above it predicts the positive class).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    /// True positives.
    pub tp: f64,
    /// False positives.
    pub fp: f64,
    /// True negatives.
    pub tn: f64,
    /// False negatives.
    pub fn_: f64,
}

impl Counts {
    /// The counts of `scores` against `labels`.
    pub fn of(scores: &[f64], labels: &[bool], threshold: f64) -> Self {
        let mut c = Self::default();
        for (&s, &l) in scores.iter().zip(labels) {
            c.add(s >= threshold, l, 1.0);
        }
        c
    }

    pub(crate) fn add(&mut self, predicted: bool, actual: bool, w: f64) {
        match (predicted, actual) {
            (true, true) => self.tp += w,
            (true, false) => self.fp += w,
            (false, false) => self.tn += w,
            (false, true) => self.fn_ += w,
        }
    }

    /// `accuracy_score`.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.tp + self.tn + self.fp + self.fn_)
    }

    /// `precision_score` (0 with no positive prediction, scikit-learn's `zero_division` default
    /// after its warning).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// `recall_score` (0 with no actual positive).
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// `f1_score`: 2 TP / (2 TP + FP + FN) (0 when that is 0/0).
    pub fn f1(&self) -> f64 {
        ratio(2.0 * self.tp, 2.0 * self.tp + self.fp + self.fn_)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// `brier_score_loss`: the mean squared difference between score and outcome.
pub fn brier(scores: &[f64], labels: &[bool]) -> f64 {
    let sum: f64 = scores.iter().zip(labels).map(|(&s, &l)| (s - f64::from(u8::from(l))).powi(2)).sum();
    sum / scores.len().max(1) as f64
}

/// scikit-learn clips probabilities to [eps, 1 - eps] with the float64 machine epsilon.
pub(crate) const LOG_LOSS_EPS: f64 = f64::EPSILON;

/// `log_loss` of a binary classifier's scores (clipped as scikit-learn clips them).
pub fn log_loss(scores: &[f64], labels: &[bool]) -> f64 {
    let sum: f64 = scores.iter().zip(labels).map(|(&s, &l)| point_log_loss(s, l)).sum();
    sum / scores.len().max(1) as f64
}

pub(crate) fn point_log_loss(s: f64, l: bool) -> f64 {
    let p = s.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
    if l { -p.ln() } else { -(1.0 - p).ln() }
}

/// Root mean squared error.
pub fn rmse(predictions: &[f64], targets: &[f64]) -> f64 {
    let sum: f64 = predictions.iter().zip(targets).map(|(p, t)| (p - t).powi(2)).sum();
    (sum / predictions.len().max(1) as f64).sqrt()
}

/// Mean absolute error.
pub fn mae(predictions: &[f64], targets: &[f64]) -> f64 {
    let sum: f64 = predictions.iter().zip(targets).map(|(p, t)| (p - t).abs()).sum();
    sum / predictions.len().max(1) as f64
}

/// One bin of a reliability curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Mean score in the bin (`prob_pred`).
    pub mean_score: f64,
    /// Share of positives in the bin (`prob_true`).
    pub observed: f64,
    /// Rows in the bin.
    pub count: u64,
}

/// The bin of `score` among `bins` equal-width bins, as scikit-learn's `calibration_curve`
/// assigns it: the number of inner edges (`np.linspace(0, 1, bins + 1)[1:-1]`) strictly below
/// the score (`np.searchsorted`, left side).
fn uniform_bin(score: f64, edges: &[f64]) -> usize {
    edges.partition_point(|&e| e < score)
}

fn inner_edges(bins: usize) -> Vec<f64> {
    // numpy's linspace: start + i * step.
    let step = 1.0 / bins as f64;
    (1..bins).map(|i| i as f64 * step).collect()
}

/// scikit-learn's `calibration_curve(labels, scores, n_bins=bins, strategy="uniform")`, the
/// empty bins left out, with each bin's count.
pub fn calibration_curve(scores: &[f64], labels: &[bool], bins: usize) -> Vec<CurvePoint> {
    let edges = inner_edges(bins.max(1));
    let mut total = vec![0u64; bins.max(1)];
    let mut sum = vec![0.0; bins.max(1)];
    let mut positive = vec![0u64; bins.max(1)];
    for (&s, &l) in scores.iter().zip(labels) {
        let b = uniform_bin(s, &edges);
        total[b] += 1;
        sum[b] += s;
        positive[b] += u64::from(l);
    }
    (0..total.len())
        .filter(|&b| total[b] > 0)
        .map(|b| CurvePoint { mean_score: sum[b] / total[b] as f64, observed: positive[b] as f64 / total[b] as f64, count: total[b] })
        .collect()
}

/// Expected calibration error over the bins of [`calibration_curve`]: the count-weighted mean
/// of |observed - mean score|. `None` for no rows.
pub fn expected_calibration_error(scores: &[f64], labels: &[bool], bins: usize) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as f64;
    Some(calibration_curve(scores, labels, bins).iter().map(|p| p.count as f64 / n * (p.observed - p.mean_score).abs()).sum())
}

/// The Hosmer-Lemeshow goodness-of-fit test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HosmerLemeshow {
    /// Σ (observed - expected)² / (expected (1 - expected / n)) over the groups.
    pub statistic: f64,
    /// Groups - 2.
    pub degrees_of_freedom: u64,
    /// Upper tail of the chi-square distribution.
    pub p_value: f64,
}

/// The Hosmer-Lemeshow test with `groups` groups of rows sorted by score, of near-equal size
/// (the first `n % groups` one row larger, as `np.array_split`). `None` with fewer than three
/// groups' worth of rows.
pub fn hosmer_lemeshow(scores: &[f64], labels: &[bool], groups: usize) -> Option<HosmerLemeshow> {
    let n = scores.len();
    if groups < 3 || n < groups {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (base, extra) = (n / groups, n % groups);
    let mut statistic = 0.0;
    let mut start = 0;
    for g in 0..groups {
        let size = base + usize::from(g < extra);
        let rows = &order[start..start + size];
        start += size;
        let observed: f64 = rows.iter().map(|&i| f64::from(u8::from(labels[i]))).sum();
        let expected: f64 = rows.iter().map(|&i| scores[i]).sum();
        let variance = expected * (1.0 - expected / size as f64);
        let gap = (observed - expected).powi(2);
        // A group predicted all 0 (or all 1) whose outcomes say otherwise is infinitely far
        // off; one whose outcomes agree adds nothing. Every group counts in the degrees of
        // freedom.
        statistic += if variance > 0.0 {
            gap / variance
        } else if gap > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
    }
    let dof = (groups as u64).checked_sub(2).filter(|d| *d > 0)?;
    let p_value = ChiSquared::new(dof as f64).map_or(f64::NAN, |d| d.sf(statistic));
    Some(HosmerLemeshow { statistic, degrees_of_freedom: dof, p_value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_numpy_edges() {
        let edges = inner_edges(10);
        assert_eq!(uniform_bin(0.1, &edges), 0, "an edge value falls in the lower bin");
        assert_eq!(uniform_bin(0.100_000_001, &edges), 1);
        assert_eq!(uniform_bin(0.0, &edges), 0);
        assert_eq!(uniform_bin(1.0, &edges), 9);
        // 3 * 0.1 = 0.30000000000000004: 0.3 itself lies below that edge.
        assert_eq!(uniform_bin(0.3, &edges), 2);
    }

    #[test]
    fn counts_give_the_usual_rates() {
        let c = Counts::of(&[0.9, 0.8, 0.2, 0.6, 0.1], &[true, false, false, true, true], 0.5);
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (2.0, 1.0, 1.0, 1.0));
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-15 && (c.recall() - 2.0 / 3.0).abs() < 1e-15);
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-15 && (c.accuracy() - 0.6).abs() < 1e-15);
    }
}

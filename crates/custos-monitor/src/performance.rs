//! A classifier's performance over a window of decisions.
//!
//! - **Measured**, when the outcomes are known: ROC AUC (with the Hanley-McNeil interval),
//!   accuracy, precision and recall at the decision threshold (Wilson intervals), the Brier
//!   score (a normal interval of the mean squared error) and the expected calibration error
//!   (10 equal-width bins). The point values equal scikit-learn's (`testdata/monitor`).
//! - **Estimated**, when they are not yet known: for a *calibrated* classifier the score is
//!   the probability that the outcome is positive, so the expected confusion matrix follows
//!   from the scores alone (the confidence-based performance estimation idea, CBPE): each row
//!   is right with probability p when predicted positive and 1 - p otherwise. Expected
//!   accuracy, precision, recall and ROC AUC (the AUC of the scores with every row counted p
//!   times as a positive and 1 - p times as a negative, pairs of a row with itself left out),
//!   with normal intervals for the sums of independent Bernoulli draws where they are sums.
//!   Always flagged `estimated`: an uncalibrated model makes the estimate wrong.

use custos_fairness::stats;
use serde::{Deserialize, Serialize};

/// A figure and its 95 % interval (when one is defined).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Lower bound of the 95 % interval.
    pub low: Option<f64>,
    /// Upper bound of the 95 % interval.
    pub high: Option<f64>,
}

impl Estimate {
    fn with(value: f64, interval: Option<(f64, f64)>) -> Self {
        Self { value, low: interval.map(|i| i.0), high: interval.map(|i| i.1) }
    }
}

/// A window's performance figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// Rows in the window.
    pub rows: u64,
    /// Known positive outcomes (measured), or the expected number (estimated).
    pub positives: f64,
    /// ROC AUC (none with one class only).
    pub roc_auc: Option<Estimate>,
    /// Share right at the threshold.
    pub accuracy: Estimate,
    /// Share of predicted positives that are positive (none without a predicted positive).
    pub precision: Option<Estimate>,
    /// Share of positives predicted positive (none without a positive).
    pub recall: Option<Estimate>,
    /// Mean squared difference between score and outcome (measured only).
    pub brier: Option<Estimate>,
    /// Expected calibration error over 10 bins (measured only).
    pub expected_calibration_error: Option<f64>,
    /// True when estimated from the scores alone (CBPE), false when measured.
    pub estimated: bool,
}

const Z95: f64 = 1.959_963_984_540_054;

fn wilson(successes: u64, n: u64) -> Option<(f64, f64)> {
    stats::wilson(successes, n, Z95).map(|i| (i.low, i.high))
}

fn normal(value: f64, variance: f64) -> Option<(f64, f64)> {
    (variance.is_finite() && variance >= 0.0).then(|| {
        let half = Z95 * variance.sqrt();
        ((value - half).max(0.0), (value + half).min(1.0))
    })
}

/// Measured performance of scores (probability of the positive outcome) against known
/// outcomes at `threshold` (predicted positive when score >= threshold). `None` for no rows or
/// a score outside [0, 1].
pub fn measured(scores: &[f64], labels: &[bool], threshold: f64) -> Option<Performance> {
    if scores.is_empty() || scores.len() != labels.len() || scores.iter().any(|s| !(0.0..=1.0).contains(s)) {
        return None;
    }
    let n = scores.len() as u64;
    let (mut tp, mut fp, mut tn, mut fn_) = (0u64, 0u64, 0u64, 0u64);
    let mut squared = Vec::with_capacity(scores.len());
    for (&s, &y) in scores.iter().zip(labels) {
        match (s >= threshold, y) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
        squared.push((s - f64::from(u8::from(y))).powi(2));
    }
    let positives = tp + fn_;
    let negatives = fp + tn;
    let roc_auc = stats::roc_auc(scores, labels).map(|a| {
        // Hanley and McNeil (1982).
        let (q1, q2) = (a / (2.0 - a), 2.0 * a * a / (1.0 + a));
        let (np, nn) = (positives as f64, negatives as f64);
        let variance = (a * (1.0 - a) + (np - 1.0) * (q1 - a * a) + (nn - 1.0) * (q2 - a * a)) / (np * nn);
        Estimate::with(a, normal(a, variance))
    });
    let ratio = |num: u64, den: u64| (den > 0).then(|| Estimate::with(num as f64 / den as f64, wilson(num, den)));
    let brier_mean = squared.iter().sum::<f64>() / n as f64;
    let brier_var =
        if n > 1 { squared.iter().map(|e| (e - brier_mean).powi(2)).sum::<f64>() / (n - 1) as f64 / n as f64 } else { f64::NAN };
    Some(Performance {
        rows: n,
        positives: positives as f64,
        roc_auc,
        accuracy: Estimate::with((tp + tn) as f64 / n as f64, wilson(tp + tn, n)),
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, positives),
        brier: Some(Estimate::with(brier_mean, normal(brier_mean, brier_var))),
        expected_calibration_error: stats::expected_calibration_error(scores, labels, 10),
        estimated: false,
    })
}

/// Performance estimated from the scores of a calibrated classifier alone (CBPE), at
/// `threshold`. `None` for no rows or a score outside [0, 1].
pub fn estimated(scores: &[f64], threshold: f64) -> Option<Performance> {
    if scores.is_empty() || scores.iter().any(|s| !(0.0..=1.0).contains(s)) {
        return None;
    }
    let n = scores.len() as f64;
    // Each row is right with probability c: p when predicted positive, 1 - p otherwise.
    let (mut right, mut right_var) = (0.0f64, 0.0f64);
    let (mut tp, mut tp_var, mut predicted) = (0.0f64, 0.0f64, 0u64);
    let mut positives = 0.0f64;
    for &p in scores {
        let c = if p >= threshold { p } else { 1.0 - p };
        right += c;
        right_var += c * (1.0 - c);
        positives += p;
        if p >= threshold {
            tp += p;
            tp_var += p * (1.0 - p);
            predicted += 1;
        }
    }
    let accuracy = right / n;
    let precision = (predicted > 0).then(|| {
        let k = predicted as f64;
        Estimate::with(tp / k, normal(tp / k, tp_var / (k * k)))
    });
    // Recall is a ratio of two dependent sums: a point estimate only.
    let recall = (positives > 0.0).then(|| Estimate::with(tp / positives, None));
    Some(Performance {
        rows: scores.len() as u64,
        positives,
        roc_auc: expected_auc(scores),
        accuracy: Estimate::with(accuracy, normal(accuracy, right_var / (n * n))),
        precision,
        recall,
        brier: None,
        expected_calibration_error: None,
        estimated: true,
    })
}

/// The AUC with every row counted p times positive and 1 - p times negative, self-pairs
/// excluded: sum over pairs i != j of p_i (1 - p_j) [s_i > s_j] (+ 1/2 on ties), over the
/// total weight of such pairs.
fn expected_auc(scores: &[f64]) -> Option<Estimate> {
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mut below_neg, mut numerator) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        let s = sorted[i];
        let count = (j - i) as f64;
        let (pos, neg) = (count * s, count * (1.0 - s));
        // Pairs with strictly lower scores, and half of the tied pairs (self-pairs removed).
        numerator += pos * below_neg + 0.5 * (pos * neg - count * s * (1.0 - s));
        below_neg += neg;
        i = j;
    }
    let total_pos: f64 = scores.iter().sum();
    let total_neg = scores.len() as f64 - total_pos;
    let self_pairs: f64 = scores.iter().map(|p| p * (1.0 - p)).sum();
    let denominator = total_pos * total_neg - self_pairs;
    (denominator > 0.0).then(|| Estimate::with(numerator / denominator, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_none() {
        assert!(measured(&[], &[], 0.5).is_none());
        assert!(measured(&[1.5], &[true], 0.5).is_none());
        assert!(estimated(&[f64::NAN], 0.5).is_none());
    }

    #[test]
    fn expected_auc_counts_every_pair_once() {
        // Two rows: 0.2 and 0.8. Pairs (i != j): 0.8 positive x 0.2 negative ranks right with
        // weight 0.8 * 0.8; 0.2 positive x 0.8 negative ranks wrong with weight 0.2 * 0.2.
        let got = expected_auc(&[0.2, 0.8]).expect("auc").value;
        assert!((got - 0.64 / (0.64 + 0.04)).abs() < 1e-12, "{got}");
    }
}

//! The statistics an auditor asks about: intervals for rates and for disparities, a test of
//! independence between selection and group, ROC AUC and calibration error per group.

use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::{Confusion, GroupMetrics, disparities};

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The Wilson score interval of `successes` out of `n` (Wilson 1927), which stays inside [0, 1]
/// and behaves for small groups and rates near 0 or 1, unlike the normal approximation.
/// `None` for an empty denominator.
pub fn wilson(successes: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let center = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    Some(Interval { low: (center - half).max(0.0), high: (center + half).min(1.0) })
}

/// Pearson's chi-square test of independence between selection (favourable prediction or not)
/// and group, without continuity correction: statistic, degrees of freedom, p-value. `None`
/// when fewer than two groups are non-empty or nobody (or everybody) was selected.
pub fn selection_independence(groups: &[Confusion]) -> Option<(f64, u64, f64)> {
    let rows: Vec<(f64, f64)> = groups.iter().filter(|c| c.count() > 0).map(|c| ((c.tp + c.fp) as f64, (c.tn + c.fn_) as f64)).collect();
    let selected: f64 = rows.iter().map(|r| r.0).sum();
    let rejected: f64 = rows.iter().map(|r| r.1).sum();
    let total = selected + rejected;
    if rows.len() < 2 || selected == 0.0 || rejected == 0.0 {
        return None;
    }
    let mut statistic = 0.0;
    for (s, r) in &rows {
        let n = s + r;
        for (observed, column_total) in [(*s, selected), (*r, rejected)] {
            let expected = n * column_total / total;
            statistic += (observed - expected).powi(2) / expected;
        }
    }
    let dof = (rows.len() - 1) as u64;
    let p = ChiSquared::new(dof as f64).map(|d| d.sf(statistic)).unwrap_or(f64::NAN);
    Some((statistic, dof, p))
}

/// Cramér's V of a contingency table (rows x columns of counts), without continuity
/// correction: `sqrt(chi2 / (n (min(r, c) - 1)))`, 0 = independent, 1 = one determines the
/// other. Used to flag features that stand in for a sensitive attribute. `None` for a table with
/// fewer than two non-empty rows or columns.
pub fn cramers_v(table: &[Vec<u64>]) -> Option<f64> {
    let cols = table.first()?.len();
    let row_sums: Vec<f64> = table.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let col_sums: Vec<f64> = (0..cols).map(|j| table.iter().map(|r| r[j]).sum::<u64>() as f64).collect();
    let n: f64 = row_sums.iter().sum();
    let r = row_sums.iter().filter(|&&x| x > 0.0).count();
    let c = col_sums.iter().filter(|&&x| x > 0.0).count();
    if r < 2 || c < 2 || n == 0.0 {
        return None;
    }
    let mut chi2 = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &observed) in row.iter().enumerate() {
            let expected = row_sums[i] * col_sums[j] / n;
            if expected > 0.0 {
                chi2 += (observed as f64 - expected).powi(2) / expected;
            }
        }
    }
    Some((chi2 / (n * (r.min(c) - 1) as f64)).sqrt())
}

/// The mutual information (in nats) between the row and column variables of a contingency
/// table: how much knowing a feature's value tells about the sensitive attribute, scikit-learn's
/// `mutual_info_score`. 0 = independent. `None` for an empty table.
pub fn mutual_information(table: &[Vec<u64>]) -> Option<f64> {
    let cols = table.first()?.len();
    let row_sums: Vec<f64> = table.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let col_sums: Vec<f64> = (0..cols).map(|j| table.iter().map(|r| r[j]).sum::<u64>() as f64).collect();
    let n: f64 = row_sums.iter().sum();
    if n == 0.0 {
        return None;
    }
    let mut mi = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &count) in row.iter().enumerate() {
            if count > 0 {
                let c = count as f64;
                mi += (c / n) * ((c * n) / (row_sums[i] * col_sums[j])).ln();
            }
        }
    }
    Some(mi.max(0.0))
}

/// Pearson's chi-square goodness-of-fit test of observed counts against expected shares (which
/// sum to 1): statistic, degrees of freedom, p-value, as `scipy.stats.chisquare`. Used to test a
/// training set's representation of groups against a reference population. `None` with fewer
/// than two categories or no rows.
pub fn goodness_of_fit(observed: &[u64], expected_shares: &[f64]) -> Option<(f64, u64, f64)> {
    let n: u64 = observed.iter().sum();
    if observed.len() < 2 || observed.len() != expected_shares.len() || n == 0 {
        return None;
    }
    let statistic: f64 = observed
        .iter()
        .zip(expected_shares)
        .map(|(&o, &share)| {
            let e = share * n as f64;
            if e > 0.0 {
                (o as f64 - e).powi(2) / e
            } else if o > 0 {
                f64::INFINITY
            } else {
                0.0
            }
        })
        .sum();
    let dof = (observed.len() - 1) as u64;
    let p = ChiSquared::new(dof as f64).map(|d| d.sf(statistic)).unwrap_or(f64::NAN);
    Some((statistic, dof, p))
}

/// The exact ROC AUC of `scores` against `labels` (Mann-Whitney U with average ranks for ties),
/// scikit-learn's `roc_auc_score`. `None` when only one class is present.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    roc_auc_pairs(&mut pairs)
}

/// [`roc_auc`] over (score, label) pairs, sorting them in place (one cache-friendly sort, no
/// index indirection: the cost on millions of rows).
pub fn roc_auc_pairs(pairs: &mut [(f64, bool)]) -> Option<f64> {
    let positives = pairs.iter().filter(|p| p.1).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg_rank = (i + j + 2) as f64 / 2.0;
        let tied_pos = pairs[i..=j].iter().filter(|p| p.1).count();
        rank_sum_pos += avg_rank * tied_pos as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// The exact ROC AUC of several runs of (score, label) pairs, each sorted by score ascending,
/// taken together, without copying them: a k-way merge that counts, for every block of tied
/// scores, the negatives below it (Mann-Whitney U with ties counted half). `None` when only one
/// class is present.
pub fn roc_auc_sorted_runs(runs: &[&[(f64, bool)]]) -> Option<f64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    #[derive(PartialEq)]
    struct Head(f64, usize);
    impl Eq for Head {}
    impl PartialOrd for Head {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Head {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
        }
    }
    let positives: usize = runs.iter().map(|r| r.iter().filter(|p| p.1).count()).sum();
    let negatives: usize = runs.iter().map(|r| r.len()).sum::<usize>() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut next = vec![0usize; runs.len()];
    let mut heap: BinaryHeap<Reverse<Head>> =
        runs.iter().enumerate().filter(|(_, r)| !r.is_empty()).map(|(k, r)| Reverse(Head(r[0].0, k))).collect();
    let (mut below, mut u) = (0u64, 0.0f64);
    while let Some(Reverse(Head(score, _))) = heap.peek().map(|h| Reverse(Head(h.0.0, h.0.1))) {
        // One block of tied scores, across every run.
        let (mut pos, mut neg) = (0u64, 0u64);
        while let Some(Reverse(Head(s, k))) = heap.peek().map(|h| Reverse(Head(h.0.0, h.0.1))) {
            if s.total_cmp(&score) != std::cmp::Ordering::Equal {
                break;
            }
            heap.pop();
            let run = runs[k];
            while next[k] < run.len() && run[next[k]].0.total_cmp(&score) == std::cmp::Ordering::Equal {
                if run[next[k]].1 {
                    pos += 1;
                } else {
                    neg += 1;
                }
                next[k] += 1;
            }
            if next[k] < run.len() {
                heap.push(Reverse(Head(run[next[k]].0, k)));
            }
        }
        u += pos as f64 * (below as f64 + 0.5 * neg as f64);
        below += neg;
    }
    Some(u / (positives as f64 * negatives as f64))
}

/// Expected calibration error with `bins` equal-width bins over [0, 1]: the share-weighted mean
/// of |observed positive rate - mean score| per non-empty bin (a score of exactly 1 falls in the
/// last bin). `None` for no rows.
pub fn expected_calibration_error(scores: &[f64], labels: &[bool], bins: usize) -> Option<f64> {
    if scores.is_empty() || bins == 0 {
        return None;
    }
    let mut count = vec![0u64; bins];
    let mut score_sum = vec![0.0f64; bins];
    let mut positive = vec![0u64; bins];
    for (&s, &l) in scores.iter().zip(labels) {
        let b = ((s * bins as f64).floor() as usize).min(bins - 1);
        count[b] += 1;
        score_sum[b] += s;
        positive[b] += u64::from(l);
    }
    let n = scores.len() as f64;
    Some(
        (0..bins)
            .filter(|&b| count[b] > 0)
            .map(|b| {
                let c = count[b] as f64;
                (c / n) * (positive[b] as f64 / c - score_sum[b] / c).abs()
            })
            .sum(),
    )
}

/// Percentile bootstrap intervals of the between-group disparities: each replicate redraws
/// every group's rows with replacement (a stratified bootstrap, so group sizes stay fixed) by
/// drawing its confusion counts from a multinomial with the observed cell shares. Seeded, so an
/// audit is reproducible. Returns (demographic parity difference, equalized odds difference)
/// intervals; `None` with fewer than two non-empty groups.
pub fn bootstrap_disparities(groups: &[Confusion], replicates: usize, seed: u64, confidence: f64) -> Option<(Interval, Interval)> {
    let present: Vec<&Confusion> = groups.iter().filter(|c| c.count() > 0).collect();
    if present.len() < 2 || replicates == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut dpd = Vec::with_capacity(replicates);
    let mut eod = Vec::with_capacity(replicates);
    for _ in 0..replicates {
        let metrics: Vec<GroupMetrics> = present.iter().map(|c| GroupMetrics::from_counts(&resample(c, &mut rng))).collect();
        let d = disparities(&metrics);
        dpd.push(d.demographic_parity_difference);
        eod.push(d.equalized_odds_difference);
    }
    Some((percentile_interval(&mut dpd, confidence), percentile_interval(&mut eod, confidence)))
}

fn percentile_interval(values: &mut [f64], confidence: f64) -> Interval {
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    Interval { low: at(tail), high: at(1.0 - tail) }
}

/// One multinomial draw of a group's four cells with its observed shares.
fn resample(c: &Confusion, rng: &mut StdRng) -> Confusion {
    let n = c.count();
    let cells = [c.tp, c.fp, c.tn, c.fn_];
    let mut out = [0u64; 4];
    let mut remaining = n;
    let mut mass_left = n as f64;
    for k in 0..3 {
        let p = if mass_left > 0.0 { (cells[k] as f64 / mass_left).clamp(0.0, 1.0) } else { 0.0 };
        let draw = binomial(remaining, p, rng);
        out[k] = draw;
        remaining -= draw;
        mass_left -= cells[k] as f64;
    }
    out[3] = remaining;
    Confusion { tp: out[0], fp: out[1], tn: out[2], fn_: out[3] }
}

/// A binomial draw (`rand_distr`'s BTPE sampler: exact, and constant time in `n`).
fn binomial(n: u64, p: f64, rng: &mut StdRng) -> u64 {
    if p <= 0.0 || n == 0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    // INVARIANT: p is in (0, 1) here, which is all `Binomial::new` checks.
    rand_distr::Binomial::new(n, p).map_or(0, |b| rng.sample(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_runs_give_the_auc_of_their_union() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let runs: Vec<Vec<(f64, bool)>> = (0..rng.random_range(1..5))
                .map(|_| {
                    let mut r: Vec<(f64, bool)> =
                        (0..rng.random_range(0..12)).map(|_| (f64::from(rng.random_range(0..5u32)) / 4.0, rng.random_bool(0.5))).collect();
                    r.sort_by(|a, b| a.0.total_cmp(&b.0));
                    r
                })
                .collect();
            let mut all: Vec<(f64, bool)> = runs.concat();
            let slices: Vec<&[(f64, bool)]> = runs.iter().map(Vec::as_slice).collect();
            let merged = roc_auc_sorted_runs(&slices);
            let direct = roc_auc_pairs(&mut all);
            assert_eq!(merged.is_some(), direct.is_some());
            if let (Some(a), Some(b)) = (merged, direct) {
                assert!((a - b).abs() < 1e-12, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn auc_with_ties_and_wilson_bounds() {
        // scikit-learn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        // ties: roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.9]) == 0.75
        assert_eq!(roc_auc(&[0.5, 0.5, 0.5, 0.9], &[false, true, false, true]), Some(0.75));
        assert_eq!(roc_auc(&[0.2], &[true]), None);
        let w = wilson(0, 10, Z95).unwrap_or(Interval { low: -1.0, high: -1.0 });
        assert_eq!(w.low, 0.0);
        assert!(w.high > 0.27 && w.high < 0.28);
        assert_eq!(wilson(1, 0, Z95), None);
        let groups = [Confusion { tp: 30, fp: 10, tn: 50, fn_: 10 }, Confusion { tp: 10, fp: 5, tn: 70, fn_: 15 }];
        let (dpd, _) =
            bootstrap_disparities(&groups, 200, 7, 0.95).unwrap_or((Interval { low: 0.0, high: 0.0 }, Interval { low: 0.0, high: 0.0 }));
        assert!(dpd.low < 0.25 && dpd.high > 0.25, "{dpd:?}");
        assert_eq!(bootstrap_disparities(&groups, 200, 7, 0.95), bootstrap_disparities(&groups, 200, 7, 0.95));
    }
}

//! Post-processing mitigation: one decision threshold per group on a score, chosen so that the
//! groups' selection rates (demographic parity) or true positive rates (equal opportunity) lie
//! within a tolerance of each other, with the highest accuracy that allows.
//!
//! This is the idea of Fairlearn's `ThresholdOptimizer` (Hardt, Price & Srebro 2016) without its
//! randomization: Fairlearn reaches exact equality by flipping a coin between two thresholds for
//! some rows, which a business cannot explain to a customer ("we tossed a coin"). Deterministic
//! thresholds can only make the rates equal up to the granularity of the data, so the caller
//! states a tolerance, and the search is exact under it: among all combinations of per-group
//! thresholds whose rates differ by at most the tolerance, the one with the most correct
//! decisions (checked against brute force in the tests).
//!
//! The search: a group's candidate thresholds are the cuts between its distinct scores, and each
//! has a rate and a number of correct decisions. A feasible combination has all rates in some
//! window `[lo, lo + tolerance]`, and `lo` can be taken to be one of the candidate rates; for each
//! such `lo`, each group independently takes its best cut inside the window (a sliding-window
//! maximum, since cuts are sorted by rate). Cost: O(groups x candidates) after sorting.

use serde::Serialize;

/// Which rates to equalize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// Selection rates (demographic parity).
    DemographicParity,
    /// True positive rates (equal opportunity).
    TruePositiveRateParity,
}

/// The chosen threshold of one group and what it does.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupThreshold {
    /// Select rows whose score is at least this (`None`: select nobody).
    pub threshold: Option<f64>,
    /// Rows in the group.
    pub count: u64,
    /// Share selected.
    pub selection_rate: f64,
    /// Share of actual positives selected (0 without positives).
    pub true_positive_rate: f64,
    /// Share of rows decided right.
    pub accuracy: f64,
    /// Whether the group took part in the constraint (a group without actual positives cannot
    /// take part in true-positive-rate parity; it gets its most accurate threshold).
    pub constrained: bool,
}

/// One candidate cut of a group: select the `selected` highest scores.
#[derive(Clone, Copy, Debug)]
struct Cut {
    threshold: Option<f64>,
    selected: u64,
    true_positives: u64,
    rate: f64,
    correct: u64,
}

/// The cuts of one group, in increasing order of rate.
fn cuts(scored: &mut [(f64, bool)], constraint: Constraint) -> Vec<Cut> {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = scored.len() as u64;
    let positives = scored.iter().filter(|s| s.1).count() as u64;
    let negatives = n - positives;
    let rate = |selected: u64, tp: u64| match constraint {
        Constraint::DemographicParity => {
            if n == 0 {
                0.0
            } else {
                selected as f64 / n as f64
            }
        }
        Constraint::TruePositiveRateParity => {
            if positives == 0 {
                0.0
            } else {
                tp as f64 / positives as f64
            }
        }
    };
    let mut out = vec![Cut { threshold: None, selected: 0, true_positives: 0, rate: rate(0, 0), correct: negatives }];
    let mut tp = 0u64;
    for i in 0..scored.len() {
        tp += u64::from(scored[i].1);
        let boundary = i + 1 == scored.len() || scored[i + 1].0 < scored[i].0;
        if boundary {
            let selected = i as u64 + 1;
            let fp = selected - tp;
            out.push(Cut {
                threshold: Some(scored[i].0),
                selected,
                true_positives: tp,
                rate: rate(selected, tp),
                correct: tp + negatives - fp,
            });
        }
    }
    out
}

fn describe(c: &Cut, n: u64, positives: u64, constrained: bool) -> GroupThreshold {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    GroupThreshold {
        threshold: c.threshold,
        count: n,
        selection_rate: ratio(c.selected, n),
        true_positive_rate: ratio(c.true_positives, positives),
        accuracy: ratio(c.correct, n),
        constrained,
    }
}

/// The most accurate per-group thresholds whose rates differ by at most `tolerance`, for
/// groups given as (score, actual outcome) pairs. `None` when no group can take part.
pub fn optimize(groups: &mut [Vec<(f64, bool)>], constraint: Constraint, tolerance: f64) -> Option<Vec<GroupThreshold>> {
    let all: Vec<Vec<Cut>> = groups.iter_mut().map(|g| cuts(g, constraint)).collect();
    let positives: Vec<u64> = groups.iter().map(|g| g.iter().filter(|s| s.1).count() as u64).collect();
    let takes_part: Vec<bool> =
        groups.iter().zip(&positives).map(|(g, p)| !g.is_empty() && (constraint == Constraint::DemographicParity || *p > 0)).collect();
    if !takes_part.iter().any(|t| *t) {
        return None;
    }
    // Candidate lower ends of the window: every cut rate of a constrained group.
    let mut lows: Vec<f64> = all.iter().zip(&takes_part).filter(|(_, t)| **t).flat_map(|(c, _)| c.iter().map(|c| c.rate)).collect();
    lows.sort_by(f64::total_cmp);
    lows.dedup();
    // Per group, a sliding window over its cuts (sorted by rate) with a deque of indices whose
    // `correct` decreases: the front is the window's best cut.
    let mut best: Option<(u64, f64)> = None;
    let mut heads = vec![0usize; all.len()];
    let mut tails = vec![0usize; all.len()];
    let mut deques: Vec<std::collections::VecDeque<usize>> = vec![Default::default(); all.len()];
    let eps = 1e-12;
    'lows: for &lo in &lows {
        let hi = lo + tolerance + eps;
        let mut total = 0u64;
        for (g, c) in all.iter().enumerate() {
            if !takes_part[g] {
                continue;
            }
            while tails[g] < c.len() && c[tails[g]].rate <= hi {
                while deques[g].back().is_some_and(|&b| c[b].correct <= c[tails[g]].correct) {
                    deques[g].pop_back();
                }
                deques[g].push_back(tails[g]);
                tails[g] += 1;
            }
            while heads[g] < tails[g] && c[heads[g]].rate < lo - eps {
                if deques[g].front() == Some(&heads[g]) {
                    deques[g].pop_front();
                }
                heads[g] += 1;
            }
            match deques[g].front() {
                Some(&i) => total += c[i].correct,
                None => continue 'lows,
            }
        }
        if best.is_none_or(|(t, _)| total > t) {
            best = Some((total, lo));
        }
    }
    let (_, lo) = best?;
    let hi = lo + tolerance + eps;
    Some(
        all.iter()
            .enumerate()
            .map(|(g, c)| {
                let chosen = if takes_part[g] {
                    c.iter().filter(|x| x.rate >= lo - eps && x.rate <= hi).max_by_key(|x| x.correct)
                } else {
                    c.iter().max_by_key(|x| x.correct)
                };
                let chosen = chosen.copied().unwrap_or(c[0]);
                describe(&chosen, groups[g].len() as u64, positives[g], takes_part[g])
            })
            .collect(),
    )
}

/// What one shared threshold does to each group (the baseline the optimized thresholds are
/// compared with): rows with a score of at least `threshold` are selected.
pub fn at_threshold(groups: &[Vec<(f64, bool)>], threshold: f64) -> Vec<GroupThreshold> {
    groups
        .iter()
        .map(|g| {
            let n = g.len() as u64;
            let positives = g.iter().filter(|s| s.1).count() as u64;
            let selected = g.iter().filter(|s| s.0 >= threshold).count() as u64;
            let tp = g.iter().filter(|s| s.0 >= threshold && s.1).count() as u64;
            let cut = Cut {
                threshold: Some(threshold),
                selected,
                true_positives: tp,
                rate: 0.0,
                correct: tp + (n - positives) - (selected - tp),
            };
            describe(&cut, n, positives, true)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng, rngs::StdRng};

    fn rate(g: &GroupThreshold, c: Constraint) -> f64 {
        match c {
            Constraint::DemographicParity => g.selection_rate,
            Constraint::TruePositiveRateParity => g.true_positive_rate,
        }
    }

    /// Every combination of cuts of two or three small groups: the best feasible accuracy.
    fn brute_force(groups: &mut [Vec<(f64, bool)>], c: Constraint, tol: f64) -> Option<u64> {
        let all: Vec<Vec<Cut>> = groups.iter_mut().map(|g| cuts(g, c)).collect();
        let mut best = None;
        let mut idx = vec![0usize; all.len()];
        loop {
            let chosen: Vec<&Cut> = idx.iter().zip(&all).map(|(i, c)| &c[*i]).collect();
            let max = chosen.iter().map(|c| c.rate).fold(f64::MIN, f64::max);
            let min = chosen.iter().map(|c| c.rate).fold(f64::MAX, f64::min);
            if max - min <= tol + 1e-12 {
                let total: u64 = chosen.iter().map(|c| c.correct).sum();
                if best.is_none_or(|b| total > b) {
                    best = Some(total);
                }
            }
            let mut k = 0;
            loop {
                if k == idx.len() {
                    return best;
                }
                idx[k] += 1;
                if idx[k] < all[k].len() {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
        }
    }

    #[test]
    fn thresholds_are_the_exact_optimum_under_the_tolerance() {
        let mut rng = StdRng::seed_from_u64(7);
        for case in 0..300 {
            let n_groups = 2 + case % 2;
            let mut groups: Vec<Vec<(f64, bool)>> = (0..n_groups)
                .map(|g| {
                    let n = rng.random_range(1..9);
                    (0..n)
                        .map(|_| {
                            let score = f64::from(rng.random_range(0..6u32)) / 5.0;
                            (score, rng.random_bool((0.2 + 0.2 * g as f64 + 0.3 * score).min(0.95)))
                        })
                        .collect()
                })
                .collect();
            for constraint in [Constraint::DemographicParity, Constraint::TruePositiveRateParity] {
                let tol = [0.0, 0.05, 0.2][case % 3];
                if constraint == Constraint::TruePositiveRateParity && groups.iter().any(|g| !g.iter().any(|s| s.1)) {
                    continue;
                }
                let expected = brute_force(&mut groups, constraint, tol);
                let got = optimize(&mut groups, constraint, tol).expect("groups take part");
                let correct: f64 = got.iter().map(|g| g.accuracy * g.count as f64).sum();
                assert_eq!(Some(correct.round() as u64), expected, "case {case} {constraint:?} tol {tol}: {groups:?} -> {got:?}");
                let rates: Vec<f64> = got.iter().map(|g| rate(g, constraint)).collect();
                let spread = rates.iter().cloned().fold(f64::MIN, f64::max) - rates.iter().cloned().fold(f64::MAX, f64::min);
                assert!(spread <= tol + 1e-9, "case {case}: {rates:?}");
            }
        }
    }

    #[test]
    fn baseline_counts_one_threshold() {
        let groups = vec![vec![(0.9, true), (0.4, true), (0.2, false)], vec![(0.6, false)]];
        let b = at_threshold(&groups, 0.5);
        assert_eq!(b[0].selection_rate, 1.0 / 3.0);
        assert_eq!(b[0].true_positive_rate, 0.5);
        assert_eq!(b[0].accuracy, 2.0 / 3.0);
        assert_eq!(b[1].accuracy, 0.0);
    }
}

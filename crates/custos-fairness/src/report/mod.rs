//! The audit report: per-group metrics with intervals, per-attribute breakdowns, disparities
//! with bootstrap intervals, the independence test and AIF360's comparisons against a
//! reference group, as one JSON document. The CLI (over files) and the server (over the
//! decision log) build it from the same tallies, so the two can never disagree on a number.
//!
//! Decisions whose actual outcome is unknown (the decision log before ground truth arrives)
//! are tallied apart: they count for selection (who got the favourable decision) but not for
//! error rates, which use only the decisions that have an outcome.

use std::collections::BTreeMap;

mod document;

pub use document::{Disparities, DisparityIntervals, FairnessReport, GroupReport, Independence, ReferenceComparison};

use crate::stats::{self, Z95};
use crate::{Confusion, GroupMetrics, disparities, generalized_entropy_index, pooled, relative_to_reference, theil_index};

/// Histogram bins per group for the streaming ROC AUC.
pub const AUC_BINS: usize = 1000;

/// The group value of a row whose attribute is missing.
pub const MISSING: &str = "(missing)";

/// Scores of one group: every (score, label) pair for the exact ROC AUC, or a histogram for the
/// streaming approximation; calibration bins and the score sum are exact either way.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScoreStats {
    exact: Vec<(f64, bool)>,
    /// Per histogram bin: (negatives, positives).
    histogram: Vec<(u64, u64)>,
    sum: f64,
    n: u64,
    /// Per calibration bin (10 equal-width): labelled rows, positives, score sum.
    calibration: [(u64, u64, f64); 10],
}

impl ScoreStats {
    /// Adds a score in [0, 1] with its actual outcome; `streaming` keeps a histogram instead
    /// of the pair.
    pub fn add(&mut self, score: f64, label: bool, streaming: bool) {
        if streaming {
            if self.histogram.is_empty() {
                self.histogram = vec![(0, 0); AUC_BINS];
            }
            let b = ((score * AUC_BINS as f64) as usize).min(AUC_BINS - 1);
            if label {
                self.histogram[b].1 += 1;
            } else {
                self.histogram[b].0 += 1;
            }
        } else {
            self.exact.push((score, label));
        }
        self.add_unlabelled(score);
        let c = ((score * 10.0).floor() as usize).min(9);
        self.calibration[c].0 += 1;
        self.calibration[c].1 += u64::from(label);
        self.calibration[c].2 += score;
    }

    /// Makes room for `additional` exact (score, label) pairs, or says there is no memory for
    /// them (so a caller can stop with advice instead of being killed mid-run).
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), std::collections::TryReserveError> {
        self.exact.try_reserve(additional)
    }

    /// Adds a score whose actual outcome is not known (counts for the mean score only).
    pub fn add_unlabelled(&mut self, score: f64) {
        self.sum += score;
        self.n += 1;
    }

    /// Adds another group's histogram, calibration bins and score sum (unions of groups). The
    /// exact pairs stay with their group: the union's exact ROC AUC merges the groups' sorted
    /// pairs without copying them (see [`build`]).
    fn merge_summary(&mut self, other: &ScoreStats) {
        if !other.histogram.is_empty() {
            if self.histogram.is_empty() {
                self.histogram = vec![(0, 0); AUC_BINS];
            }
            for (a, b) in self.histogram.iter_mut().zip(&other.histogram) {
                a.0 += b.0;
                a.1 += b.1;
            }
        }
        self.sum += other.sum;
        self.n += other.n;
        for (a, b) in self.calibration.iter_mut().zip(&other.calibration) {
            a.0 += b.0;
            a.1 += b.1;
            a.2 += b.2;
        }
    }

    /// Adds all of `other`, its exact (score, label) pairs included: partial aggregates of
    /// the same group from different parts of a table.
    pub fn merge(&mut self, other: &ScoreStats) {
        self.exact.extend_from_slice(&other.exact);
        self.merge_summary(other);
    }

    /// The mean score (NaN without scores).
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.sum / self.n as f64 }
    }

    /// ROC AUC from the histogram (`None` when the exact pairs are kept instead, or when only
    /// one class is present).
    fn histogram_auc(&self) -> Option<f64> {
        if self.histogram.is_empty() {
            return None;
        }
        // Scores in one bin count as tied (Mann-Whitney with ties), an approximation within
        // 1/AUC_BINS of the exact value's score resolution.
        let negatives: u64 = self.histogram.iter().map(|b| b.0).sum();
        let positives: u64 = self.histogram.iter().map(|b| b.1).sum();
        if negatives == 0 || positives == 0 {
            return None;
        }
        let mut below = 0u64;
        let mut u = 0.0;
        for (neg, pos) in &self.histogram {
            u += *pos as f64 * (below as f64 + 0.5 * *neg as f64);
            below += neg;
        }
        Some(u / (positives as f64 * negatives as f64))
    }

    /// Expected calibration error over 10 equal-width bins of the labelled scores.
    pub fn ece(&self) -> Option<f64> {
        let n: u64 = self.calibration.iter().map(|b| b.0).sum();
        if n == 0 {
            return None;
        }
        let n = n as f64;
        Some(
            self.calibration
                .iter()
                .filter(|b| b.0 > 0)
                .map(|(count, pos, sum)| {
                    let c = *count as f64;
                    (c / n) * (*pos as f64 / c - sum / c).abs()
                })
                .sum(),
        )
    }
}

/// What an audit counted for one combination of sensitive values.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupTally {
    /// The group's value of each sensitive attribute, in the report's attribute order.
    pub key: Vec<String>,
    /// Confusion counts of the decisions whose actual outcome is known.
    pub labelled: Confusion,
    /// Decisions without a known outcome: (favourable, unfavourable).
    pub unlabelled: (u64, u64),
    /// Their scores, if the decisions carry one.
    pub scores: ScoreStats,
}

impl GroupTally {
    fn merge(&mut self, other: &GroupTally) {
        self.labelled = pooled([&self.labelled, &other.labelled]);
        self.unlabelled.0 += other.unlabelled.0;
        self.unlabelled.1 += other.unlabelled.1;
        self.scores.merge_summary(&other.scores);
    }

    /// All decisions, counted so that only the selection is right: unlabelled favourable ones
    /// as true positives, unlabelled unfavourable ones as true negatives. With every outcome
    /// known this is the labelled confusion itself.
    pub fn selection(&self) -> Confusion {
        let l = self.labelled;
        Confusion { tp: l.tp + self.unlabelled.0, tn: l.tn + self.unlabelled.1, ..l }
    }

    fn count(&self) -> u64 {
        self.labelled.count() + self.unlabelled.0 + self.unlabelled.1
    }
}

/// How the report is computed.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Groups smaller than this get a warning.
    pub min_group_size: u64,
    /// Bootstrap replicates for the disparity intervals (0 to skip).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Whether the decisions carry scores (adds mean score, ROC AUC, calibration).
    pub has_score: bool,
    /// Whether ROC AUC came from histograms (the report says so).
    pub streaming: bool,
    /// The reference (privileged) group for AIF360's comparisons: its spelling as given, and
    /// the (attribute index, value) pairs that define it.
    pub reference: Option<(String, Vec<(usize, String)>)>,
}

/// Why a report could not be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    /// Nothing to audit.
    #[error("no rows to audit")]
    Empty,
    /// The reference group matched no rows.
    #[error("reference group {0}: no rows have those values")]
    NoReferenceRows(String),
    /// More groups than an audit reads ([`MAX_GROUPS`]).
    #[error("{0} groups; an audit reads at most {MAX_GROUPS} (audit fewer attributes at once, or bin their values)")]
    TooManyGroups(usize),
    /// More bootstrap replicates than an audit draws ([`MAX_BOOTSTRAP`]).
    #[error("{0} bootstrap replicates; at most {MAX_BOOTSTRAP}")]
    TooManyReplicates(usize),
}

/// The most groups (combinations of sensitive values) one audit reads. Each group costs a few
/// kilobytes of counts and score bins, and comparisons between groups are pairwise; past a
/// couple of thousand groups nearly all of them are too small to say anything.
pub const MAX_GROUPS: usize = 2_000;

/// The most bootstrap replicates one audit draws (the intervals stop moving long before).
pub const MAX_BOOTSTRAP: usize = 10_000;

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The metrics of a tally: error rates over the labelled decisions, count and selection rate
/// over all of them.
fn metrics_of(t: &GroupTally) -> GroupMetrics {
    let mut m = GroupMetrics::from_counts(&t.labelled);
    let all = t.selection();
    m.count = all.count();
    m.selection_rate = GroupMetrics::from_counts(&all).selection_rate;
    m
}

fn group_reports(
    names: &[String],
    groups: &[GroupTally],
    aucs: &[Option<f64>],
    options: &ReportOptions,
    partial: bool,
    warnings: &mut Vec<String>,
) -> Vec<GroupReport> {
    groups
        .iter()
        .zip(aucs)
        .map(|(t, auc)| {
            let label = names.iter().zip(&t.key).map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", ");
            let c = &t.labelled;
            let all = t.selection();
            if all.count() < options.min_group_size {
                warnings.push(format!(
                    "group {label}: only {} rows (below {}); its rates are fragile",
                    all.count(),
                    options.min_group_size
                ));
            }
            if partial && c.count() == 0 {
                warnings.push(format!("group {label}: no decision has a recorded outcome; its error rates are reported as 0"));
            } else {
                if c.tp + c.fn_ == 0 {
                    warnings.push(format!("group {label}: no actual positives; true positive and false negative rates are reported as 0"));
                }
                if c.fp + c.tn == 0 {
                    warnings.push(format!("group {label}: no actual negatives; false positive and true negative rates are reported as 0"));
                }
            }
            let mut intervals = BTreeMap::new();
            intervals.insert("selection_rate".to_owned(), stats::wilson(all.tp + all.fp, all.count(), Z95));
            intervals.insert("true_positive_rate".to_owned(), stats::wilson(c.tp, c.tp + c.fn_, Z95));
            intervals.insert("false_positive_rate".to_owned(), stats::wilson(c.fp, c.fp + c.tn, Z95));
            intervals.insert("accuracy".to_owned(), stats::wilson(c.tp + c.tn, c.count(), Z95));
            GroupReport {
                group: names.iter().cloned().zip(t.key.iter().cloned()).collect(),
                metrics: metrics_of(t),
                labelled_count: partial.then(|| c.count()),
                mean_score: options.has_score.then(|| t.scores.mean()),
                roc_auc: options.has_score.then(|| auc.unwrap_or(f64::NAN)),
                expected_calibration_error: if options.has_score { t.scores.ece() } else { None },
                intervals,
            }
        })
        .collect()
}

/// The single-attribute groups of attribute `a`: unions of the combination groups (without
/// their exact score pairs), with the indices of the combination groups in each.
fn attribute_groups(groups: &[GroupTally], a: usize) -> Vec<(GroupTally, Vec<usize>)> {
    let mut out: Vec<(GroupTally, Vec<usize>)> = Vec::new();
    for (i, t) in groups.iter().enumerate() {
        match out.iter_mut().find(|o| o.0.key[0] == t.key[a]) {
            Some((o, members)) => {
                o.merge(t);
                members.push(i);
            }
            None => {
                let mut first =
                    GroupTally { key: vec![t.key[a].clone()], labelled: t.labelled, unlabelled: t.unlabelled, ..Default::default() };
                first.scores.merge_summary(&t.scores);
                out.push((first, vec![i]));
            }
        }
    }
    out
}

/// The ROC AUC of the union of `members` (exact pairs already sorted, or histograms).
fn union_auc(groups: &[GroupTally], members: &[usize], merged: &ScoreStats) -> Option<f64> {
    if !merged.histogram.is_empty() {
        return merged.histogram_auc();
    }
    let runs: Vec<&[(f64, bool)]> = members.iter().map(|&i| groups[i].scores.exact.as_slice()).collect();
    stats::roc_auc_sorted_runs(&runs)
}

/// Builds the report over `groups` (one tally per combination of the `sensitive` values).
/// Warnings are in the report's `warnings` array. Sorts each group's exact score pairs in place
/// (the only memory the exact ROC AUC needs is the pairs themselves).
pub fn build(sensitive: &[String], groups: &mut [GroupTally], options: &ReportOptions) -> Result<FairnessReport, ReportError> {
    if groups.len() > MAX_GROUPS {
        return Err(ReportError::TooManyGroups(groups.len()));
    }
    if options.bootstrap > MAX_BOOTSTRAP {
        return Err(ReportError::TooManyReplicates(options.bootstrap));
    }
    for g in groups.iter_mut() {
        g.scores.exact.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    }
    let groups: &[GroupTally] = groups;
    let rows: u64 = groups.iter().map(GroupTally::count).sum();
    if rows == 0 {
        return Err(ReportError::Empty);
    }
    let labelled_rows: u64 = groups.iter().map(|t| t.labelled.count()).sum();
    let partial = labelled_rows < rows;
    let mut warnings = Vec::new();
    let aucs: Vec<Option<f64>> = (0..groups.len()).map(|i| union_auc(groups, &[i], &groups[i].scores)).collect();
    let by_group = group_reports(sensitive, groups, &aucs, options, partial, &mut warnings);
    let mut by_attribute = BTreeMap::new();
    for (a, name) in sensitive.iter().enumerate() {
        let unions = attribute_groups(groups, a);
        let aucs: Vec<Option<f64>> = unions.iter().map(|(u, members)| union_auc(groups, members, &u.scores)).collect();
        let tallies: Vec<GroupTally> = unions.into_iter().map(|(u, _)| u).collect();
        let reports = group_reports(std::slice::from_ref(name), &tallies, &aucs, options, partial, &mut Vec::new());
        by_attribute.insert(name.clone(), reports);
    }
    let selection: Vec<Confusion> = groups.iter().map(GroupTally::selection).collect();
    let labelled: Vec<Confusion> = groups.iter().map(|t| t.labelled).collect();
    let d_sel = disparities(&selection.iter().map(GroupMetrics::from_counts).collect::<Vec<_>>());
    let d = disparities(&labelled.iter().map(GroupMetrics::from_counts).collect::<Vec<_>>());
    let all = pooled(&labelled);
    let roc_auc_method = options.has_score.then(|| {
        if options.streaming {
            format!("approximate: scores binned into {AUC_BINS} equal-width bins per group, ties within a bin")
        } else {
            "exact".to_owned()
        }
    });
    let disparities = Disparities {
        demographic_parity_difference: finite(d_sel.demographic_parity_difference),
        demographic_parity_ratio: finite(d_sel.demographic_parity_ratio),
        equalized_odds_difference: finite(d.equalized_odds_difference),
        equalized_odds_ratio: finite(d.equalized_odds_ratio),
        equal_opportunity_difference: finite(d.equal_opportunity_difference),
        predictive_parity_difference: finite(d.predictive_parity_difference),
        theil_index: finite(theil_index(&all)),
        generalized_entropy_index: finite(generalized_entropy_index(&all, 2.0)),
    };
    let dpd = stats::bootstrap_disparities(&selection, options.bootstrap, options.seed, 0.95).map(|b| b.0);
    let eod = stats::bootstrap_disparities(&labelled, options.bootstrap, options.seed, 0.95).map(|b| b.1);
    let disparity_intervals = dpd.map(|dpd| DisparityIntervals {
        method: format!("stratified percentile bootstrap, {} replicates, seed {}", options.bootstrap, options.seed),
        demographic_parity_difference: dpd,
        equalized_odds_difference: eod,
    });
    let independence = stats::selection_independence(&selection).map(|(statistic, dof, p_value)| Independence {
        test: "Pearson chi-square, selection x group".to_owned(),
        statistic,
        dof,
        p_value,
    });
    let mut comparison = None;
    if let Some((spec, reference)) = &options.reference {
        let privileged: Vec<bool> = groups.iter().map(|t| reference.iter().all(|(a, v)| t.key.get(*a) == Some(v))).collect();
        if !privileged.iter().any(|p| *p) {
            return Err(ReportError::NoReferenceRows(spec.clone()));
        }
        let split = |counts: &[Confusion]| {
            let of = |want: bool| pooled(counts.iter().zip(&privileged).filter(|(_, p)| **p == want).map(|(c, _)| c));
            relative_to_reference(&of(true), &of(false))
        };
        let (r_sel, r) = (split(&selection), split(&labelled));
        comparison = Some(ReferenceComparison {
            reference: spec.clone(),
            disparate_impact: finite(r_sel.disparate_impact),
            statistical_parity_difference: finite(r_sel.statistical_parity_difference),
            average_odds_difference: finite(r.average_odds_difference),
            equal_opportunity_difference: finite(r.equal_opportunity_difference),
            four_fifths_rule_violated: r_sel.four_fifths_violated,
        });
    }
    Ok(FairnessReport {
        rows,
        roc_auc_method,
        sensitive: sensitive.to_vec(),
        by_group,
        by_attribute,
        disparities,
        labelled_rows: partial.then_some(labelled_rows),
        disparity_intervals,
        independence,
        relative_to_reference: comparison,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ReportOptions {
        ReportOptions { min_group_size: 1, bootstrap: 0, seed: 1, has_score: false, streaming: false, reference: None }
    }

    #[test]
    fn unlabelled_decisions_count_for_selection_but_not_error_rates() {
        let mut groups = vec![
            GroupTally {
                key: vec!["a".into()],
                labelled: Confusion { tp: 1, fp: 0, tn: 1, fn_: 0 },
                unlabelled: (2, 0),
                ..Default::default()
            },
            GroupTally {
                key: vec!["b".into()],
                labelled: Confusion { tp: 0, fp: 1, tn: 0, fn_: 1 },
                unlabelled: (0, 2),
                ..Default::default()
            },
        ];
        let r = serde_json::to_value(build(&["g".into()], &mut groups, &options()).expect("report")).expect("json");
        assert_eq!(r["rows"], 8);
        assert_eq!(r["labelled_rows"], 4);
        // Selection over all four decisions of each group: a 3/4, b 1/4.
        assert_eq!(r["by_group"][0]["selection_rate"], 0.75);
        assert_eq!(r["by_group"][1]["selection_rate"], 0.25);
        assert_eq!(r["disparities"]["demographic_parity_difference"], 0.5);
        // Error rates over the labelled two: a TPR 1, FPR 0; b TPR 0, FPR 1.
        assert_eq!(r["by_group"][0]["true_positive_rate"], 1.0);
        assert_eq!(r["by_group"][1]["false_positive_rate"], 1.0);
        assert_eq!(r["by_group"][0]["labelled_count"], 2);
        assert_eq!(r["disparities"]["equalized_odds_difference"], 1.0);
    }

    #[test]
    fn fully_labelled_reports_have_no_labelled_fields() {
        let mut groups =
            vec![GroupTally { key: vec!["a".into()], labelled: Confusion { tp: 1, fp: 1, tn: 1, fn_: 1 }, ..Default::default() }];
        let r = serde_json::to_value(build(&["g".into()], &mut groups, &options()).expect("report")).expect("json");
        assert!(r.get("labelled_rows").is_none());
        assert!(r["by_group"][0].get("labelled_count").is_none());
        assert_eq!(build(&["g".into()], &mut [], &options()), Err(ReportError::Empty));
        // The report reads back as it was written, nulls included.
        let report = build(&["g".into()], &mut groups, &options()).expect("report");
        let text = serde_json::to_string(&report).expect("json");
        let back: FairnessReport = serde_json::from_str(&text).expect("read back");
        assert_eq!(serde_json::to_string(&back).expect("json"), text);
    }
}

//! Counterfactuals: the smallest change to the features a customer can act on that would have
//! turned an adverse decision into a favourable one, verified by scoring the changed row.
//!
//! "Smallest" is decided in this order:
//! 1. the fewest features changed;
//! 2. then the least total change, each feature's change divided by its range (the dictionary's
//!    `max - min`; without both, the span of the model's split thresholds on it, or 1).
//!
//! Only features marked `actionable` move, within their `min`/`max` and in the direction their
//! `change` allows (`increase`, `decrease` or `either`).
//!
//! For linear and logistic models the answer is exact (up to [`CounterfactualOptions::max_features`]
//! features): with the features fixed, the cheapest way to move the margin fills the features
//! in order of margin gained per unit of scaled change, so every subset is solved in closed form
//! and the best subset of the smallest size wins. For tree ensembles a feature's effect changes
//! only at its split thresholds, so values just either side of each threshold are the only
//! candidates; a beam search adds one feature per level (fewest features first) and keeps the
//! `beam` most promising rows, within a budget of model evaluations. When no change within the
//! bounds flips the outcome, the answer says so, with how much was searched.

use serde::{Deserialize, Serialize};

use crate::{Link, Model, reasons::FavorableSide, reasons::FeatureDictionary};

/// Which way a customer can move a feature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Up or down.
    #[default]
    Either,
    /// Only up (e.g. months as a customer).
    Increase,
    /// Only down (e.g. debt).
    Decrease,
}

/// How far to search.
#[derive(Clone, Debug)]
pub struct CounterfactualOptions {
    /// The output (class) explained.
    pub output: usize,
    /// The decision boundary in prediction space (default 0.5 for classifiers).
    pub decision_threshold: Option<f64>,
    /// At most this many features changed.
    pub max_features: usize,
    /// Rows kept per level of the tree search.
    pub beam: usize,
    /// Candidate values per feature in the tree search (the nearest first).
    pub candidates_per_feature: usize,
    /// Model evaluations at most (tree search).
    pub max_evaluations: usize,
}

impl Default for CounterfactualOptions {
    fn default() -> Self {
        Self { output: 0, decision_threshold: None, max_features: 3, beam: 8, candidates_per_feature: 48, max_evaluations: 40_000 }
    }
}

/// One feature's change.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FeatureChange {
    /// The feature.
    pub feature: String,
    /// Its value in the decision.
    pub from: f64,
    /// The value that, with the other changes, flips the outcome.
    pub to: f64,
}

/// What the search found.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Counterfactual {
    /// A change that flips the outcome, verified by re-scoring.
    Found {
        /// The changes, largest scaled change first.
        changes: Vec<FeatureChange>,
        /// The prediction of the changed row.
        prediction: f64,
        /// The prediction of the decision's row.
        original_prediction: f64,
        /// The total change, each feature's scaled by its range.
        cost: f64,
        /// Model evaluations used.
        evaluations: usize,
    },
    /// No change within the bounds flips the outcome.
    NotFound {
        /// Why, in a sentence.
        reason: String,
        /// Model evaluations used.
        evaluations: usize,
    },
    /// The decision is not adverse (or the model has no decision boundary): nothing to change.
    NotAdverse,
}

/// The customer's words for a counterfactual that was found ("If your debt-to-income ratio had
/// been 0.23 instead of 0.55 and the number of missed payments 0 instead of 2, the outcome
/// would likely have been different."), from the dictionary's descriptions and units.
pub fn describe(c: &Counterfactual, dictionary: &FeatureDictionary) -> Option<String> {
    describe_in(c, dictionary, None, &crate::reasons::ENGLISH)
}

/// [`describe`] in `language`'s words (the dictionary's base words when `None` or not
/// translated) and `phrases`' sentences.
pub fn describe_in(
    c: &Counterfactual,
    dictionary: &FeatureDictionary,
    language: Option<&str>,
    phrases: &crate::reasons::Phrases<'_>,
) -> Option<String> {
    let Counterfactual::Found { changes, .. } = c else { return None };
    let mut joined = String::new();
    for (i, ch) in changes.iter().enumerate() {
        if i > 0 {
            joined.push_str(if i + 1 == changes.len() { phrases.and } else { ", " });
        }
        joined.push_str(&crate::reasons::change(dictionary, language, phrases, &ch.feature, ch.from, ch.to, i == 0));
    }
    Some(phrases.changed.replace("{changes}", &joined))
}

/// A feature that may move: its index, bounds, direction and range.
#[derive(Clone, Debug)]
struct Movable {
    index: usize,
    low: f64,
    high: f64,
    range: f64,
}

fn score(model: &Model, row: &[f64], k: usize) -> f64 {
    model.predict(row).ok().and_then(|p| p.get(k).copied()).unwrap_or(f64::NAN)
}

/// The smallest change to `row`'s actionable features that moves the prediction of output
/// `options.output` across the decision boundary to the dictionary's favourable side.
pub fn counterfactual(model: &Model, row: &[f64], dictionary: &FeatureDictionary, options: &CounterfactualOptions) -> Counterfactual {
    let k = options.output;
    let Some(boundary) = options.decision_threshold.or(match model.link() {
        Link::Identity => None,
        Link::Logistic | Link::Softmax => Some(0.5),
    }) else {
        return Counterfactual::NotAdverse;
    };
    let sign = if dictionary.favorable_outcome == FavorableSide::Higher { 1.0 } else { -1.0 };
    let original = score(model, row, k);
    // Strictly past the boundary, so that re-scoring confirms the flip.
    let flipped = |p: f64| p.is_finite() && sign * (p - boundary) > 0.0;
    if !original.is_finite() || sign * (original - boundary) >= 0.0 {
        return Counterfactual::NotAdverse;
    }
    let names = model.feature_names();
    let mut movable = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let Some(t) = dictionary.features.get(name) else { continue };
        let x = row[index];
        if !t.actionable || !x.is_finite() {
            continue;
        }
        let mut low = t.min.unwrap_or(f64::NEG_INFINITY);
        let mut high = t.max.unwrap_or(f64::INFINITY);
        match t.change.unwrap_or_default() {
            Change::Increase => low = low.max(x),
            Change::Decrease => high = high.min(x),
            Change::Either => {}
        }
        let range = match (t.min, t.max) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => {
                let th = model.thresholds(index);
                match (th.first(), th.last()) {
                    (Some(a), Some(b)) if b > a => b - a,
                    _ => x.abs().max(1.0),
                }
            }
        };
        if low <= high {
            movable.push(Movable { index, low, high, range });
        }
    }
    if movable.is_empty() {
        return Counterfactual::NotFound { reason: "no feature the customer can act on is in the model".into(), evaluations: 0 };
    }
    let linear = (0..names.len()).all(|f| model.coefficient(f).is_some());
    let found = if linear && model.link() != Link::Softmax {
        linear_search(model, row, &movable, boundary, sign, options)
    } else {
        tree_search(model, row, &movable, k, &flipped, sign, options)
    };
    match found {
        Ok((changed, evaluations)) => {
            let prediction = score(model, &changed, k);
            if !flipped(prediction) {
                return Counterfactual::NotFound {
                    reason: "the change found did not flip the outcome when the row was scored again".into(),
                    evaluations: evaluations + 1,
                };
            }
            let mut changes: Vec<(f64, FeatureChange)> = movable
                .iter()
                .filter(|m| changed[m.index] != row[m.index])
                .map(|m| {
                    let c = FeatureChange { feature: names[m.index].clone(), from: row[m.index], to: changed[m.index] };
                    ((changed[m.index] - row[m.index]).abs() / m.range, c)
                })
                .collect();
            changes.sort_by(|a, b| b.0.total_cmp(&a.0));
            let cost = changes.iter().map(|(c, _)| c).sum();
            Counterfactual::Found {
                changes: changes.into_iter().map(|(_, c)| c).collect(),
                prediction,
                original_prediction: original,
                cost,
                evaluations: evaluations + 1,
            }
        }
        Err((reason, evaluations)) => Counterfactual::NotFound { reason, evaluations },
    }
}

/// Linear models, exactly: every subset of at most `max_features` features, each solved in
/// closed form; the fewest features, then the least scaled change.
fn linear_search(
    model: &Model,
    row: &[f64],
    movable: &[Movable],
    boundary: f64,
    sign: f64,
    options: &CounterfactualOptions,
) -> Result<(Vec<f64>, usize), (String, usize)> {
    let margin = model.predict_margin(row).ok().and_then(|m| m.first().copied()).unwrap_or(f64::NAN);
    let wanted = match model.link() {
        Link::Logistic => (boundary / (1.0 - boundary)).ln(),
        _ => boundary,
    };
    // The favourable margin gain needed, a hair past the boundary.
    let need = sign * (wanted - margin);
    let need = need + need.abs().max(1.0) * 1e-9;
    // Per feature: the favourable gain per unit of change, and the most it can give.
    let options_of: Vec<(usize, f64, f64, f64)> = movable
        .iter()
        .filter_map(|m| {
            let c = sign * model.coefficient(m.index)?;
            if c == 0.0 {
                return None;
            }
            let x = row[m.index];
            // Moving up gains when c > 0; down when c < 0.
            let room = if c > 0.0 { m.high - x } else { x - m.low };
            (room > 0.0).then_some((m.index, c, room, m.range))
        })
        .collect();
    let mut best: Option<(usize, f64, Vec<f64>)> = None;
    let n = options_of.len();
    let mut evaluations = 0;
    for size in 1..=options.max_features.min(n) {
        for subset in subsets(n, size) {
            evaluations += 1;
            // Fill by efficiency: gain per unit of scaled change.
            let mut parts: Vec<&(usize, f64, f64, f64)> = subset.iter().map(|&i| &options_of[i]).collect();
            parts.sort_by(|a, b| (b.1.abs() * b.3).total_cmp(&(a.1.abs() * a.3)));
            let mut left = need;
            let mut changed = row.to_vec();
            let mut cost = 0.0;
            for (index, c, room, range) in parts {
                if left <= 0.0 {
                    break;
                }
                let step = (left / c.abs()).min(*room);
                changed[*index] += if *c > 0.0 { step } else { -step };
                left -= step * c.abs();
                cost += step / range;
            }
            // Every feature of the subset must be used (otherwise a smaller subset does it).
            if left <= 0.0
                && subset.iter().all(|&i| changed[options_of[i].0] != row[options_of[i].0])
                && best.as_ref().is_none_or(|b| cost < b.1)
            {
                best = Some((size, cost, changed));
            }
        }
        if best.is_some() {
            break;
        }
    }
    best.map(|(_, _, row)| (row, evaluations)).ok_or_else(|| {
        (format!("no change of up to {} actionable features within their bounds reaches the boundary", options.max_features), evaluations)
    })
}

/// The index sets of `size` out of `n` (lexicographic).
fn subsets(n: usize, size: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut current = Vec::with_capacity(size);
    fn go(start: usize, n: usize, size: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if current.len() == size {
            out.push(current.clone());
            return;
        }
        for i in start..n {
            if out.len() >= 5_000 {
                return;
            }
            current.push(i);
            go(i + 1, n, size, current, out);
            current.pop();
        }
    }
    go(0, n, size, &mut current, &mut out);
    out
}

/// The candidate values of a feature in a tree model: just either side of each split
/// threshold, within bounds, nearest to the current value first.
fn candidates(model: &Model, m: &Movable, x: f64, per_feature: usize) -> Vec<f64> {
    let mut values: Vec<f64> = Vec::new();
    for t in model.thresholds(m.index) {
        let eps = t.abs().max(1.0) * 1e-5;
        for v in [t - eps, t + eps] {
            if v >= m.low && v <= m.high && v != x {
                values.push(v);
            }
        }
    }
    values.sort_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()));
    values.dedup();
    if values.len() > per_feature {
        // The nearest half, and the rest spread evenly (far values can move a score most).
        let near = per_feature / 2;
        let far = &values[near..];
        let step = far.len() as f64 / (per_feature - near) as f64;
        let spread: Vec<f64> = (0..per_feature - near).map(|i| far[((i as f64 * step) as usize).min(far.len() - 1)]).collect();
        values.truncate(near);
        values.extend(spread);
    }
    values
}

/// Tree ensembles: a beam search adding one feature per level over threshold candidates.
fn tree_search(
    model: &Model,
    row: &[f64],
    movable: &[Movable],
    k: usize,
    flipped: &dyn Fn(f64) -> bool,
    sign: f64,
    options: &CounterfactualOptions,
) -> Result<(Vec<f64>, usize), (String, usize)> {
    let cands: Vec<Vec<f64>> = movable.iter().map(|m| candidates(model, m, row[m.index], options.candidates_per_feature)).collect();
    let cost_of = |changed: &[f64]| -> f64 { movable.iter().map(|m| (changed[m.index] - row[m.index]).abs() / m.range).sum() };
    // A beam entry: the row, which movable features it changed, its favourable score.
    let mut beam: Vec<(Vec<f64>, Vec<bool>, f64)> = vec![(row.to_vec(), vec![false; movable.len()], sign * score(model, row, k))];
    let mut evaluations = 0;
    for _level in 0..options.max_features.min(movable.len()) {
        let mut next: Vec<(Vec<f64>, Vec<bool>, f64)> = Vec::new();
        let mut found: Option<(f64, Vec<f64>)> = None;
        for (base, used, _) in &beam {
            for (j, m) in movable.iter().enumerate() {
                if used[j] {
                    continue;
                }
                for &v in &cands[j] {
                    if evaluations >= options.max_evaluations {
                        break;
                    }
                    let mut probe = base.clone();
                    probe[m.index] = v;
                    let p = score(model, &probe, k);
                    evaluations += 1;
                    if flipped(p) {
                        let c = cost_of(&probe);
                        if found.as_ref().is_none_or(|f| c < f.0) {
                            found = Some((c, probe));
                        }
                    } else if p.is_finite() {
                        let mut u = used.clone();
                        u[j] = true;
                        next.push((probe, u, sign * p));
                    }
                }
            }
        }
        if let Some((_, changed)) = found {
            return Ok((changed, evaluations));
        }
        if evaluations >= options.max_evaluations {
            return Err((format!("no flip found within {} model evaluations", options.max_evaluations), evaluations));
        }
        // Keep the most promising: the best score, then the least change.
        next.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| cost_of(&a.0).total_cmp(&cost_of(&b.0))));
        next.truncate(options.beam);
        if next.is_empty() {
            break;
        }
        beam = next;
    }
    Err((
        format!(
            "no change of up to {} actionable features within their bounds flips the outcome (beam of {})",
            options.max_features, options.beam
        ),
        evaluations,
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::reasons::FeatureText;

    fn text(actionable: bool, min: Option<f64>, max: Option<f64>, change: Option<Change>) -> FeatureText {
        FeatureText { description: "x".into(), higher: "h".into(), lower: "l".into(), unit: None, actionable, min, max, change }
    }

    fn credit() -> Model {
        let doc = br#"{"type": "logistic", "features": ["income", "debt_ratio", "missed_payments"], "coefficients": [0.0001, -4.0, -0.8],
                       "intercept": -2.0, "feature_means": [30000, 0.3, 1]}"#;
        Model::parse(doc).expect("model")
    }

    fn dictionary(entries: &[(&str, FeatureText)]) -> FeatureDictionary {
        FeatureDictionary {
            outcomes: BTreeMap::new(),
            languages: BTreeMap::new(),
            favorable_outcome: FavorableSide::Higher,
            intro: None,
            features: entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn linear_is_exact_and_prefers_one_feature() {
        let model = credit();
        // margin = -2 + 2.5 - 4*0.6 - 0.8*2 = -3.5: declined.
        let row = [25_000.0, 0.6, 2.0];
        let d = dictionary(&[
            ("debt_ratio", text(true, Some(0.0), Some(1.0), Some(Change::Decrease))),
            ("missed_payments", text(true, Some(0.0), Some(10.0), Some(Change::Decrease))),
        ]);
        let Counterfactual::Found { changes, prediction, cost, .. } = counterfactual(&model, &row, &d, &CounterfactualOptions::default())
        else {
            panic!("a flip exists")
        };
        assert!(prediction > 0.5 && prediction < 0.5 + 1e-6, "lands on the boundary: {prediction}");
        // Neither alone reaches the boundary (debt ratio 0.6 -> 0 gives 2.4 of the 3.5 needed,
        // missed payments 2 -> 0 gives 1.6): both are needed, filled by efficiency.
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(cost > 0.0);
        // Only decreases, within bounds.
        for c in &changes {
            assert!(c.to < c.from && c.to >= 0.0, "{c:?}");
        }
    }

    #[test]
    fn linear_one_feature_when_one_suffices_and_bounds_hold() {
        let model = credit();
        // margin = -2 + 4 - 4*0.3 - 0 = 0.8 at 40k... use a row just under the boundary.
        let row = [30_000.0, 0.3, 0.1];
        let base = model.predict(&row).expect("p")[0];
        assert!(base < 0.5, "{base}");
        let d = dictionary(&[("debt_ratio", text(true, Some(0.0), Some(1.0), Some(Change::Decrease)))]);
        let Counterfactual::Found { changes, .. } = counterfactual(&model, &row, &d, &CounterfactualOptions::default()) else {
            panic!("one feature suffices")
        };
        assert_eq!(changes.len(), 1);
        // Exact: margin -2 + 3 - 4r - 0.08 = 0 -> r = 0.23.
        assert!((changes[0].to - 0.23).abs() < 1e-6, "{changes:?}");
        // Increase-only cannot help a feature whose increase hurts.
        let d = dictionary(&[("debt_ratio", text(true, Some(0.0), Some(1.0), Some(Change::Increase)))]);
        assert!(matches!(counterfactual(&model, &row, &d, &CounterfactualOptions::default()), Counterfactual::NotFound { .. }));
        let found = counterfactual(
            &model,
            &row,
            &dictionary(&[("debt_ratio", text(true, Some(0.0), Some(1.0), Some(Change::Decrease)))]),
            &CounterfactualOptions::default(),
        );
        let mut words = dictionary(&[("debt_ratio", text(true, Some(0.0), Some(1.0), Some(Change::Decrease)))]);
        words.features.get_mut("debt_ratio").expect("entry").description = "Your debt-to-income ratio".into();
        assert_eq!(
            describe(&found, &words).as_deref(),
            Some("If your debt-to-income ratio had been 0.23 instead of 0.3, the outcome would likely have been different.")
        );
        // A favourable decision needs nothing.
        assert_eq!(counterfactual(&model, &[90_000.0, 0.0, 0.0], &d, &CounterfactualOptions::default()), Counterfactual::NotAdverse);
    }
}

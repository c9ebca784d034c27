//! Reason codes: the features that pushed a decision toward the adverse side, in the customer's
//! words, with counterfactual hints ("if X had been below T ...") where a feature can be acted on.
//!
//! The words come from a feature dictionary the business writes (`features.toml`): which side of
//! the score is good for the customer, and per feature a customer-facing description and what a
//! higher or a lower value means. Which of the two phrases applies is decided by the model, not
//! by the value alone: the reason is "too high" when lowering the feature (holding the others)
//! would have moved the score to the favourable side, and "too low" otherwise. Hints are found by
//! trying the feature's split thresholds (trees) or solving for it (linear models).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Attribution, Link, Model};

/// Which side of the model's score is good for the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FavorableSide {
    /// A higher score (e.g. probability of approval) is good.
    Higher,
    /// A lower score (e.g. probability of default) is good.
    Lower,
}

/// Customer-facing words for one feature.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeatureText {
    /// What the feature is, as a customer would say it ("Your income").
    pub description: String,
    /// What a higher value means ("is high compared with similar applicants").
    pub higher: String,
    /// What a lower value means.
    pub lower: String,
    /// Unit for hints ("EUR", "months").
    #[serde(default)]
    pub unit: Option<String>,
    /// Whether the customer can change it (only these get counterfactual hints).
    #[serde(default)]
    pub actionable: bool,
    /// The smallest value a hint may suggest (e.g. 0 for counts).
    #[serde(default)]
    pub min: Option<f64>,
    /// The largest value a hint may suggest.
    #[serde(default)]
    pub max: Option<f64>,
    /// Which way the customer can move it (`increase`, `decrease` or `either`, the default):
    /// counterfactuals respect it.
    #[serde(default)]
    pub change: Option<crate::counterfactual::Change>,
}

/// The feature dictionary (`features.toml`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeatureDictionary {
    /// Which side of the score is good for the customer.
    pub favorable_outcome: FavorableSide,
    /// The sentence the reasons follow (default "The main reasons were").
    #[serde(default)]
    pub intro: Option<String>,
    /// Words per model feature, by feature name.
    #[serde(default)]
    pub features: BTreeMap<String, FeatureText>,
}

/// How many reasons, for which output, against which decision boundary.
#[derive(Clone, Debug)]
pub struct ReasonOptions {
    /// At most this many reasons.
    pub top_k: usize,
    /// The output (class) explained.
    pub output: usize,
    /// The decision boundary in prediction space (probability for classifiers, value for
    /// regression); hints say what would cross it. Default: 0.5 for classifiers, none for
    /// regression.
    pub decision_threshold: Option<f64>,
}

impl Default for ReasonOptions {
    fn default() -> Self {
        Self { top_k: 4, output: 0, decision_threshold: None }
    }
}

/// Which of a feature's two phrases applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The value is high for the adverse side ("is high compared with ...").
    Higher,
    /// The value is low for the adverse side.
    Lower,
}

/// One reason.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Reason {
    /// The model feature.
    pub feature: String,
    /// Its value in the row (null when missing).
    pub value: Option<f64>,
    /// Its attribution (margin space; toward the adverse side).
    pub contribution: f64,
    /// Which phrase applied.
    pub direction: Direction,
    /// The customer-facing sentence fragment.
    pub text: String,
}

/// A change of one actionable feature that would have crossed the decision boundary.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Counterfactual {
    /// The feature.
    pub feature: String,
    /// Its value in the row.
    pub from: f64,
    /// The nearest value on the other side of the boundary (others unchanged).
    pub to: f64,
    /// The customer-facing hint.
    pub text: String,
}

/// Reasons and hints for one decision.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Reasons {
    /// Whether the decision was on the favourable side of the boundary (null without one).
    pub favorable: Option<bool>,
    /// The model's prediction for the explained output (null when it could not be computed).
    #[serde(deserialize_with = "crate::nan_if_null")]
    pub prediction: f64,
    /// The adverse reasons, most important first.
    pub reasons: Vec<Reason>,
    /// Hints for actionable features.
    pub counterfactuals: Vec<Counterfactual>,
    /// The plain-language explanation.
    pub text: String,
}

pub(crate) fn fmt_value(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{}", v.round())
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The prediction of output `k` for `row`.
fn prediction(model: &Model, row: &[f64], k: usize) -> f64 {
    model.predict(row).ok().and_then(|p| p.get(k).copied()).unwrap_or(f64::NAN)
}

/// Values of feature `f` just across each of its thresholds, below `x` and above `x`.
fn probes(model: &Model, f: usize, x: f64) -> (Vec<f64>, Vec<f64>) {
    let nudge = |t: f64| 1e-6 * t.abs().max(1e-3);
    let thresholds = model.thresholds(f);
    let x = if x.is_nan() { 0.0 } else { x };
    let below: Vec<f64> =
        thresholds.iter().filter(|t| **t < x || (**t - x).abs() < nudge(**t)).map(|t| t - nudge(*t)).filter(|v| *v < x).collect();
    let above: Vec<f64> = thresholds.iter().filter(|t| **t >= x - nudge(**t)).map(|t| t + nudge(*t)).filter(|v| *v > x).collect();
    (below, above)
}

/// Explains `row` given its attribution (from [`Model::shap`]) in the dictionary's words.
pub fn explain(model: &Model, row: &[f64], attribution: &Attribution, dictionary: &FeatureDictionary, options: &ReasonOptions) -> Reasons {
    let sign = if dictionary.favorable_outcome == FavorableSide::Higher { 1.0 } else { -1.0 };
    let k = options.output;
    let current = prediction(model, row, k);
    let threshold = options.decision_threshold.or(match model.link() {
        Link::Identity => None,
        Link::Logistic | Link::Softmax => Some(0.5),
    });
    let favorable = threshold.map(|t| sign * (current - t) >= 0.0);
    // Score change (toward favourable) when feature f takes value v.
    let gain = |f: usize, v: f64| {
        let mut probe = row.to_vec();
        probe[f] = v;
        sign * (prediction(model, &probe, k) - current)
    };
    let mut adverse: Vec<(usize, f64)> =
        attribution.values.iter().enumerate().filter(|(_, v)| sign * **v < 0.0).map(|(i, v)| (i, *v)).collect();
    adverse.sort_by(|a, b| (sign * a.1).total_cmp(&(sign * b.1)));
    adverse.truncate(options.top_k);
    let names = model.feature_names();
    let mut reasons = Vec::new();
    let mut counterfactuals = Vec::new();
    for (f, contribution) in adverse {
        let name = &names[f];
        let x = row[f];
        // Is the value too high (lowering helps) or too low?
        let (too_high, below, above) = match model.coefficient(f) {
            Some(c) => (sign * c < 0.0, Vec::new(), Vec::new()),
            None => {
                let (below, above) = probes(model, f, x);
                let best = |vs: &[f64]| vs.iter().map(|v| gain(f, *v)).fold(0.0f64, f64::max);
                (best(&below) > best(&above), below, above)
            }
        };
        let text = dictionary.features.get(name);
        let phrase = match (text, too_high) {
            (Some(t), true) => format!("{} {}", t.description, t.higher),
            (Some(t), false) => format!("{} {}", t.description, t.lower),
            (None, true) => format!("{name} is high"),
            (None, false) => format!("{name} is low"),
        };
        reasons.push(Reason {
            feature: name.clone(),
            value: (!x.is_nan()).then_some(x),
            contribution,
            direction: if too_high { Direction::Higher } else { Direction::Lower },
            text: phrase,
        });
        // Hints: actionable features, adverse decisions, a boundary to cross.
        let (Some(t), Some(boundary), Some(false)) = (text, threshold, favorable) else { continue };
        if !t.actionable || x.is_nan() {
            continue;
        }
        let crosses = |v: f64| {
            let mut probe = row.to_vec();
            probe[f] = v;
            sign * (prediction(model, &probe, k) - boundary) >= 0.0
        };
        let target = match model.coefficient(f) {
            Some(c) if c != 0.0 && model.link() != Link::Softmax => {
                // Solve in margin space: logit for logistic models.
                let wanted = match model.link() {
                    Link::Logistic => (boundary / (1.0 - boundary)).ln(),
                    _ => boundary,
                };
                let margin = model.predict_margin(row).ok().and_then(|m| m.first().copied()).unwrap_or(f64::NAN);
                Some(x + (wanted - margin) / c).filter(|v| v.is_finite())
            }
            Some(_) => None,
            None => {
                // The nearest threshold crossing, in the helpful direction first.
                let mut candidates: Vec<f64> = if too_high { below.iter().rev().copied().collect() } else { above.clone() };
                candidates.sort_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()));
                candidates.into_iter().find(|v| crosses(*v))
            }
        };
        let plausible = |v: f64| t.min.is_none_or(|m| v >= m) && t.max.is_none_or(|m| v <= m);
        if let Some(to) = target.filter(|v| plausible(*v)) {
            let unit = t.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            let side = if to < x { "below" } else { "above" };
            counterfactuals.push(Counterfactual {
                feature: name.clone(),
                from: x,
                to,
                text: format!(
                    "If {} had been {side} {}{unit}, the outcome would likely have been different.",
                    lower_first(&t.description),
                    fmt_value(to)
                ),
            });
        }
    }
    // The dictionary's intro introduces the reasons for an adverse outcome; a favourable
    // outcome is said to be one, with what still weighed against it.
    let intro = match favorable {
        Some(true) => "The outcome was in your favour. What weighed against it".to_owned(),
        _ => dictionary.intro.clone().unwrap_or_else(|| "The main reasons were".to_owned()),
    };
    let text = if reasons.is_empty() {
        "No single factor weighed against you.".to_owned()
    } else {
        format!("{intro}: {}.", reasons.iter().map(|r| lower_first(&r.text)).collect::<Vec<_>>().join("; "))
    };
    Reasons { favorable, prediction: current, reasons, counterfactuals, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ShapMode;

    fn credit_model() -> Model {
        let doc = br#"{"type": "logistic", "features": ["income", "debt_ratio", "age"], "coefficients": [0.0001, -4.0, 0.01],
                       "intercept": -2.0, "feature_means": [30000, 0.3, 40]}"#;
        Model::parse(doc).expect("model")
    }

    fn dictionary() -> FeatureDictionary {
        let mut features = BTreeMap::new();
        features.insert(
            "income".into(),
            FeatureText {
                description: "Your income".into(),
                higher: "is high".into(),
                lower: "is low for this credit line".into(),
                unit: Some("EUR".into()),
                actionable: false,
                min: None,
                max: None,
                change: None,
            },
        );
        features.insert(
            "debt_ratio".into(),
            FeatureText {
                description: "Your debt-to-income ratio".into(),
                higher: "is high".into(),
                lower: "is low".into(),
                unit: None,
                actionable: true,
                min: Some(0.0),
                max: None,
                change: None,
            },
        );
        FeatureDictionary { favorable_outcome: FavorableSide::Higher, intro: None, features }
    }

    #[test]
    fn linear_reasons_name_the_adverse_features_and_solve_the_hint() {
        let model = credit_model();
        let row = [20000.0, 0.6, 40.0];
        let attribution = &model.shap(&row, ShapMode::PathDependent, &[]).expect("shap")[0];
        // Exact linear attributions: coefficient x (value - mean).
        assert!((attribution.values[0] - 0.0001 * (20000.0 - 30000.0)).abs() < 1e-12);
        assert!((attribution.values[1] - (-4.0 * (0.6 - 0.3))).abs() < 1e-12);
        let e = explain(&model, &row, attribution, &dictionary(), &ReasonOptions::default());
        assert_eq!(e.favorable, Some(false));
        assert_eq!(e.reasons.iter().map(|r| r.feature.as_str()).collect::<Vec<_>>(), ["debt_ratio", "income"]);
        assert_eq!(e.reasons[0].direction, Direction::Higher);
        assert_eq!(e.reasons[1].direction, Direction::Lower);
        assert_eq!(e.text, "The main reasons were: your debt-to-income ratio is high; your income is low for this credit line.");
        // Only the actionable feature gets a hint, and it lands exactly on the boundary.
        assert_eq!(e.counterfactuals.len(), 1);
        let mut moved = row;
        moved[1] = e.counterfactuals[0].to;
        assert!((model.predict(&moved).expect("p")[0] - 0.5).abs() < 1e-9);
        assert!(e.counterfactuals[0].text.starts_with("If your debt-to-income ratio had been below 0.1"), "{}", e.counterfactuals[0].text);
        // A hint outside the feature's plausible range is not given.
        let worse = [10000.0, 0.9, 40.0];
        let attribution = &model.shap(&worse, ShapMode::PathDependent, &[]).expect("shap")[0];
        let e = explain(&model, &worse, attribution, &dictionary(), &ReasonOptions::default());
        assert!(e.counterfactuals.is_empty(), "{:?}", e.counterfactuals);
    }
}

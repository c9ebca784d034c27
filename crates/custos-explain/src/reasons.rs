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
    /// Customer labels of the model's outcomes (`no_offer` -> "No offer this time"), so a
    /// customer never reads an outcome code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outcomes: BTreeMap<String, String>,
    /// The same words in other languages, by lower-case language code (`de`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub languages: BTreeMap<String, Translation>,
}

/// The dictionary's words in one more language: the feature labels, the intro and the outcome
/// labels; what a feature can do (unit aside) is the base dictionary's.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// The sentence the reasons follow.
    #[serde(default)]
    pub intro: Option<String>,
    /// Words per model feature: every feature of the base dictionary.
    pub features: BTreeMap<String, FeatureWords>,
    /// Outcome labels: every outcome of the base dictionary.
    #[serde(default)]
    pub outcomes: BTreeMap<String, String>,
}

/// One feature's customer-facing words in another language.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeatureWords {
    /// What the feature is.
    pub description: String,
    /// What a higher value means.
    pub higher: String,
    /// What a lower value means.
    pub lower: String,
    /// Unit for hints, if it reads differently in this language.
    #[serde(default)]
    pub unit: Option<String>,
}

/// One feature's words as a sentence uses them, in whichever language was asked for.
struct Words<'a> {
    description: &'a str,
    higher: &'a str,
    lower: &'a str,
    unit: Option<&'a str>,
}

impl FeatureDictionary {
    /// The words for `feature` in `language` (the base words when `language` is `None` or has
    /// no words for it).
    fn words(&self, language: Option<&str>, feature: &str) -> Option<Words<'_>> {
        let base = self.features.get(feature)?;
        let translated = language.and_then(|l| self.languages.get(l)).and_then(|t| t.features.get(feature));
        Some(match translated {
            Some(w) => {
                Words { description: &w.description, higher: &w.higher, lower: &w.lower, unit: w.unit.as_deref().or(base.unit.as_deref()) }
            }
            None => Words { description: &base.description, higher: &base.higher, lower: &base.lower, unit: base.unit.as_deref() },
        })
    }

    /// The customer label of an outcome in `language` (else the base label), if the dictionary
    /// has one.
    pub fn outcome_label(&self, language: Option<&str>, outcome: &str) -> Option<&str> {
        language
            .and_then(|l| self.languages.get(l))
            .and_then(|t| t.outcomes.get(outcome))
            .or_else(|| self.outcomes.get(outcome))
            .map(String::as_str)
    }

    /// Whether the dictionary is complete in every language it lists: each translation gives
    /// words for every feature and a label for every outcome of the base dictionary, and names
    /// nothing else. The first gap, as (field path, what is wrong).
    pub fn gaps(&self) -> Option<(String, &'static str)> {
        for (lang, t) in &self.languages {
            let valid = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
            if !valid {
                return Some((format!("languages.{lang}"), "must be a lower-case language code of two or three letters (`de`)"));
            }
            if let Some(f) = self.features.keys().find(|f| !t.features.contains_key(*f)) {
                return Some((format!("languages.{lang}.features.{f}"), "is missing: every feature needs words in every language"));
            }
            if let Some(f) = t.features.keys().find(|f| !self.features.contains_key(*f)) {
                return Some((format!("languages.{lang}.features.{f}"), "is not a feature of the dictionary"));
            }
            if let Some(o) = self.outcomes.keys().find(|o| !t.outcomes.contains_key(*o)) {
                return Some((format!("languages.{lang}.outcomes.{o}"), "is missing: every outcome needs a label in every language"));
            }
            if let Some(o) = t.outcomes.keys().find(|o| !self.outcomes.contains_key(*o)) {
                return Some((format!("languages.{lang}.outcomes.{o}"), "is not an outcome of the dictionary"));
            }
        }
        None
    }
}

/// The sentences around the dictionary's words in one language. The caller owns them (the
/// privacy center keeps them with its other sentences); [`ENGLISH`] is what the API says.
/// Templates fill `{feature}`, `{value}`, `{to}`, `{from}` and `{changes}`.
#[derive(Clone, Copy, Debug)]
pub struct Phrases<'a> {
    /// Introduces what weighed against a favourable outcome.
    pub favourable: &'a str,
    /// Introduces the reasons when the dictionary has no intro.
    pub main_reasons: &'a str,
    /// Said when nothing weighed against the customer.
    pub no_reason: &'a str,
    /// Stands for the reasons the dictionary has no words for ("other factors in the model").
    pub unnamed: &'a str,
    /// A hint for lowering a feature: `{feature}`, `{value}`.
    pub hint_below: &'a str,
    /// A hint for raising a feature: `{feature}`, `{value}`.
    pub hint_above: &'a str,
    /// A counterfactual around its changes: `{changes}`.
    pub changed: &'a str,
    /// The first change: `{feature}`, `{to}`, `{from}`.
    pub change_first: &'a str,
    /// Each further change.
    pub change_more: &'a str,
    /// Joins the last change to the others (" and ").
    pub and: &'a str,
    /// First words that keep their capital inside a sentence (German's polite "Ihr", "Sie");
    /// any other description starts lower case there.
    pub keep_capital: &'a [&'a str],
    /// The decimal separator of numbers in hints (`.` or `,`).
    pub decimal: char,
}

/// The API's words.
pub const ENGLISH: Phrases<'static> = Phrases {
    favourable: "The outcome was in your favour. What weighed against it",
    main_reasons: "The main reasons were",
    no_reason: "No single factor weighed against you.",
    unnamed: "other factors in the model",
    hint_below: "If {feature} had been below {value}, the outcome would likely have been different.",
    hint_above: "If {feature} had been above {value}, the outcome would likely have been different.",
    changed: "If {changes}, the outcome would likely have been different.",
    change_first: "{feature} had been {to} instead of {from}",
    change_more: "{feature} {to} instead of {from}",
    and: " and ",
    keep_capital: &[],
    decimal: '.',
};

impl Phrases<'_> {
    /// A number as a hint shows it, with this language's decimal separator.
    fn number(&self, v: f64) -> String {
        let s = fmt_value(v);
        if self.decimal == '.' { s } else { s.replace('.', &self.decimal.to_string()) }
    }

    fn inline(&self, description: &str) -> String {
        let first = description.split([' ', ',']).next().unwrap_or_default();
        if self.keep_capital.contains(&first) { description.to_owned() } else { lower_first(description) }
    }
}

/// The explanation and its hints in `language`'s words (the dictionary's base words when
/// `language` is `None` or not translated) and `phrases`' sentences: the privacy center shows
/// a stored explanation in the customer's language this way.
pub fn render(reasons: &Reasons, dictionary: &FeatureDictionary, language: Option<&str>, phrases: &Phrases<'_>) -> (String, Vec<String>) {
    // A feature the dictionary has no words for is not named (a customer never reads a
    // feature's code): such features are "other factors", once, after the named ones.
    let mut fragments: Vec<String> = reasons
        .reasons
        .iter()
        .filter_map(|r| {
            let w = dictionary.words(language, &r.feature)?;
            Some(format!("{} {}", w.description, if r.direction == Direction::Higher { w.higher } else { w.lower }))
        })
        .collect();
    if fragments.len() < reasons.reasons.len() {
        fragments.push(phrases.unnamed.to_owned());
    }
    let intro = match reasons.favorable {
        Some(true) => phrases.favourable,
        _ => language
            .and_then(|l| dictionary.languages.get(l))
            .and_then(|t| t.intro.as_deref())
            .or(dictionary.intro.as_deref())
            .unwrap_or(phrases.main_reasons),
    };
    let text = if fragments.is_empty() {
        phrases.no_reason.to_owned()
    } else {
        format!("{intro}: {}.", fragments.iter().map(|f| phrases.inline(f)).collect::<Vec<_>>().join("; "))
    };
    let hints = reasons
        .counterfactuals
        .iter()
        .map(|c| match dictionary.words(language, &c.feature) {
            Some(w) => hint(phrases, &w, c.from, c.to),
            None => c.text.clone(),
        })
        .collect();
    (text, hints)
}

fn hint(phrases: &Phrases<'_>, w: &Words<'_>, from: f64, to: f64) -> String {
    let unit = w.unit.map(|u| format!(" {u}")).unwrap_or_default();
    let template = if to < from { phrases.hint_below } else { phrases.hint_above };
    template.replace("{feature}", &phrases.inline(w.description)).replace("{value}", &format!("{}{unit}", phrases.number(to)))
}

/// One change of a counterfactual in `language`'s words (`first`: the first of its changes).
pub(crate) fn change(
    dictionary: &FeatureDictionary,
    language: Option<&str>,
    phrases: &Phrases<'_>,
    feature: &str,
    from: f64,
    to: f64,
    first: bool,
) -> String {
    let words = dictionary.words(language, feature);
    let what = words.as_ref().map_or_else(|| feature.to_owned(), |w| phrases.inline(w.description));
    let unit = words.as_ref().and_then(|w| w.unit).map(|u| format!(" {u}")).unwrap_or_default();
    let template = if first { phrases.change_first } else { phrases.change_more };
    template
        .replace("{feature}", &what)
        .replace("{to}", &format!("{}{unit}", phrases.number(to)))
        .replace("{from}", &format!("{}{unit}", phrases.number(from)))
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
        let phrase = match (dictionary.words(None, name), too_high) {
            (Some(w), true) => format!("{} {}", w.description, w.higher),
            (Some(w), false) => format!("{} {}", w.description, w.lower),
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
        if let Some(to) = target.filter(|v| plausible(*v))
            && let Some(w) = dictionary.words(None, name)
        {
            counterfactuals.push(Counterfactual { feature: name.clone(), from: x, to, text: hint(&ENGLISH, &w, x, to) });
        }
    }
    let mut out = Reasons { favorable, prediction: current, reasons, counterfactuals, text: String::new() };
    out.text = render(&out, dictionary, None, &ENGLISH).0;
    out
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
        FeatureDictionary {
            favorable_outcome: FavorableSide::Higher,
            intro: None,
            features,
            outcomes: BTreeMap::new(),
            languages: BTreeMap::new(),
        }
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

    /// German words for [`dictionary`]'s features.
    fn german() -> Translation {
        let words = |description: &str, higher: &str, lower: &str| FeatureWords {
            description: description.into(),
            higher: higher.into(),
            lower: lower.into(),
            unit: None,
        };
        Translation {
            intro: None,
            features: BTreeMap::from([
                ("income".into(), words("Ihr Einkommen", "ist hoch", "ist für diese Kreditlinie niedrig")),
                ("debt_ratio".into(), words("Ihr Verhältnis von Schulden zu Einkommen", "ist hoch", "ist niedrig")),
            ]),
            outcomes: BTreeMap::from([("declined".into(), "Abgelehnt".into())]),
        }
    }

    const GERMAN: Phrases<'static> = Phrases {
        favourable: "Das Ergebnis fiel zu Ihren Gunsten aus. Dagegen sprach",
        main_reasons: "Die wichtigsten Gründe waren",
        no_reason: "Kein einzelner Faktor sprach gegen Sie.",
        unnamed: "weitere Faktoren des Modells",
        hint_below: "Wäre {feature} unter {value} gewesen, wäre das Ergebnis wahrscheinlich anders ausgefallen.",
        hint_above: "Wäre {feature} über {value} gewesen, wäre das Ergebnis wahrscheinlich anders ausgefallen.",
        changed: "Wenn {changes}, wäre das Ergebnis wahrscheinlich anders ausgefallen.",
        change_first: "{feature} {to} statt {from} gewesen wäre",
        change_more: "{feature} {to} statt {from} gewesen wäre",
        and: " und ",
        keep_capital: &["Ihr", "Ihre", "Ihrer", "Ihren", "Ihrem", "Ihres", "Sie"],
        decimal: ',',
    };

    #[test]
    fn a_stored_explanation_reads_in_the_customers_language() {
        let model = credit_model();
        let row = [20000.0, 0.6, 40.0];
        let attribution = &model.shap(&row, ShapMode::PathDependent, &[]).expect("shap")[0];
        let mut d = dictionary();
        d.outcomes.insert("declined".into(), "Declined".into());
        d.languages.insert("de".into(), german());
        assert_eq!(d.gaps(), None);
        let e = explain(&model, &row, attribution, &d, &ReasonOptions::default());
        // The base words are unchanged by a translation.
        assert_eq!(e.text, "The main reasons were: your debt-to-income ratio is high; your income is low for this credit line.");
        assert_eq!(render(&e, &d, None, &ENGLISH), (e.text.clone(), e.counterfactuals.iter().map(|c| c.text.clone()).collect()));
        let (text, hints) = render(&e, &d, Some("de"), &GERMAN);
        assert_eq!(
            text,
            "Die wichtigsten Gründe waren: Ihr Verhältnis von Schulden zu Einkommen ist hoch; Ihr Einkommen ist für diese Kreditlinie niedrig."
        );
        assert_eq!(hints.len(), 1);
        assert!(hints[0].starts_with("Wäre Ihr Verhältnis von Schulden zu Einkommen unter 0,1"), "{}", hints[0]);
        // A language the dictionary lacks keeps its base words in the caller's sentences.
        assert!(render(&e, &d, Some("fr"), &GERMAN).0.starts_with("Die wichtigsten Gründe waren: your debt-to-income ratio is high"));
        assert_eq!(d.outcome_label(Some("de"), "declined"), Some("Abgelehnt"));
        assert_eq!(d.outcome_label(Some("fr"), "declined"), Some("Declined"));
        assert_eq!(d.outcome_label(None, "approved"), None);
    }

    #[test]
    fn a_translation_with_a_gap_is_named() {
        let mut d = dictionary();
        let mut de = german();
        de.features.remove("income");
        d.languages.insert("de".into(), de);
        assert_eq!(d.gaps().map(|(field, _)| field), Some("languages.de.features.income".to_owned()));
        let mut d = dictionary();
        let mut de = german();
        de.features.insert("shoe_size".into(), de.features["income"].clone());
        d.languages.insert("de".into(), de);
        assert_eq!(d.gaps().map(|(field, _)| field), Some("languages.de.features.shoe_size".to_owned()));
        let mut d = dictionary();
        d.outcomes.insert("approved".into(), "Approved".into());
        d.languages.insert("de".into(), german());
        assert_eq!(d.gaps().map(|(field, _)| field), Some("languages.de.outcomes.approved".to_owned()));
        let mut d = dictionary();
        d.languages.insert("DE".into(), german());
        assert_eq!(d.gaps().map(|(field, _)| field), Some("languages.DE".to_owned()));
    }
}

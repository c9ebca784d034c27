//! Linear and logistic models from a small JSON description:
//!
//! ```json
//! {"type": "logistic", "features": ["income", "debt_ratio"], "coefficients": [0.00003, -2.1],
//!  "intercept": -0.4, "feature_means": [41000, 0.35]}
//! ```
//!
//! Their Shapley values are exact and closed-form: with independent features, feature `i`
//! contributes `coefficient_i * (x_i - mean_i)`, and the base value is the margin at the means.
//! A missing value is read as the feature's mean (it contributes nothing).

use serde_json::Value;

use crate::{Attribution, ExplainError, Library, Link, Model};

#[derive(Clone, Debug)]
pub(crate) struct Linear {
    pub(crate) coefficients: Vec<f64>,
    intercept: f64,
    means: Vec<f64>,
}

impl Linear {
    pub(crate) fn margin(&self, row: &[f64]) -> f64 {
        self.intercept
            + self.coefficients.iter().zip(row).zip(&self.means).map(|((c, x), m)| c * if x.is_nan() { *m } else { *x }).sum::<f64>()
    }

    pub(crate) fn expected_margin(&self) -> f64 {
        self.intercept + self.coefficients.iter().zip(&self.means).map(|(c, m)| c * m).sum::<f64>()
    }

    pub(crate) fn attribution(&self, row: &[f64]) -> Attribution {
        let values =
            self.coefficients.iter().zip(row).zip(&self.means).map(|((c, x), m)| if x.is_nan() { 0.0 } else { c * (x - m) }).collect();
        Attribution { values, base_value: self.expected_margin() }
    }
}

fn malformed(detail: impl Into<String>) -> ExplainError {
    ExplainError::Malformed { format: "linear model JSON", detail: detail.into() }
}

fn numbers(doc: &Value, key: &str) -> Result<Vec<f64>, ExplainError> {
    doc[key]
        .as_array()
        .ok_or_else(|| malformed(format!("`{key}` must be an array of numbers")))?
        .iter()
        .map(|v| v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| malformed(format!("`{key}` holds {v}, not a finite number"))))
        .collect()
}

pub(crate) fn parse(doc: &Value) -> Result<Model, ExplainError> {
    let kind = doc["type"].as_str().unwrap_or("linear");
    let link = match kind {
        "linear" => Link::Identity,
        "logistic" => Link::Logistic,
        other => return Err(ExplainError::UnsupportedObjective(format!("linear model type {other:?} (linear or logistic)"))),
    };
    let features: Vec<String> = doc["features"]
        .as_array()
        .ok_or_else(|| malformed("`features` must be an array of names"))?
        .iter()
        .map(|f| f.as_str().map(str::to_owned).ok_or_else(|| malformed("`features` must hold strings")))
        .collect::<Result<_, _>>()?;
    let coefficients = numbers(doc, "coefficients")?;
    let means = if doc.get("feature_means").is_some() { numbers(doc, "feature_means")? } else { vec![0.0; features.len()] };
    if coefficients.len() != features.len() || means.len() != features.len() {
        return Err(malformed(format!(
            "{} features, {} coefficients and {} feature_means: they must be as many",
            features.len(),
            coefficients.len(),
            means.len()
        )));
    }
    let intercept = doc["intercept"].as_f64().unwrap_or(0.0);
    Ok(Model {
        library: Library::Linear,
        objective: kind.to_owned(),
        link,
        feature_names: features,
        n_outputs: 1,
        trees: Vec::new(),
        tree_output: Vec::new(),
        base_margin: vec![intercept],
        linear: Some(Linear { coefficients, intercept, means }),
        tables: Default::default(),
        max_depth: 0,
        table_bytes: 0,
    })
}

//! The explanation of one decision as custos stores it and every reader receives it: the
//! attributions of each model output and, with a feature dictionary, the reasons for the
//! explained output. One typed document from the engine to the console, the API and the
//! privacy center.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Attribution, Model, reasons::Reasons};

/// How custos explains decisions today.
pub const METHOD: &str = "path-dependent TreeSHAP (margin space)";

/// The attributions of one model output.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutputAttributions {
    /// The expected margin the attributions start from.
    #[serde(deserialize_with = "nan_if_null")]
    pub base_value: f64,
    /// The attribution of each feature, by feature name (margin space).
    pub attributions: BTreeMap<String, f64>,
}

/// The explanation of one decision.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Explanation {
    /// The registered model version that explained it.
    pub model_id: String,
    /// How the attributions were computed.
    pub method: String,
    /// The model's prediction per output.
    #[serde(deserialize_with = "nan_if_null_vec")]
    pub prediction: Vec<f64>,
    /// The output the reasons and the console's chart explain (the predicted class).
    pub explained_output: usize,
    /// The attributions of each output.
    pub outputs: Vec<OutputAttributions>,
    /// The reasons in the dictionary's words (none without a dictionary).
    pub reasons: Option<Reasons>,
    /// The decision explained (filled in when read; not part of what is stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
}

impl Explanation {
    /// The explanation document of `model`'s decision with these attributions and predictions.
    pub fn new(
        model_id: String,
        model: &Model,
        attributions: &[Attribution],
        prediction: Vec<f64>,
        explained_output: usize,
        reasons: Option<Reasons>,
    ) -> Self {
        let outputs = attributions
            .iter()
            .map(|a| OutputAttributions {
                base_value: a.base_value,
                attributions: model.feature_names().iter().cloned().zip(a.values.iter().copied()).collect(),
            })
            .collect();
        Self { model_id, method: METHOD.to_owned(), prediction, explained_output, outputs, reasons, decision_id: None }
    }

    /// The attributions of the explained output, largest magnitude first.
    pub fn ranked(&self) -> Vec<(&str, f64)> {
        let mut out: Vec<(&str, f64)> = self
            .outputs
            .get(self.explained_output)
            .map(|o| o.attributions.iter().map(|(f, v)| (f.as_str(), *v)).collect())
            .unwrap_or_default();
        out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        out
    }

    /// The base value of the explained output.
    pub fn base_value(&self) -> Option<f64> {
        self.outputs.get(self.explained_output).map(|o| o.base_value)
    }

    /// The prediction of the explained output.
    pub fn explained_prediction(&self) -> Option<f64> {
        self.prediction.get(self.explained_output).copied()
    }
}

/// Reads a number written by serde_json, where NaN was written as `null`.
pub(crate) fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

fn nan_if_null_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_nulls_as_nan() {
        let doc = Explanation {
            model_id: "m".into(),
            method: METHOD.into(),
            prediction: vec![0.7, f64::NAN],
            explained_output: 0,
            outputs: vec![OutputAttributions { base_value: 0.1, attributions: [("a".to_owned(), -0.5), ("b".to_owned(), 0.25)].into() }],
            reasons: None,
            decision_id: None,
        };
        let text = serde_json::to_string(&doc).expect("json");
        assert!(text.contains("\"prediction\":[0.7,null]"), "{text}");
        let back: Explanation = serde_json::from_str(&text).expect("read back");
        assert_eq!(back.prediction[0], 0.7);
        assert!(back.prediction[1].is_nan());
        assert_eq!(back.ranked(), vec![("a", -0.5), ("b", 0.25)]);
        assert_eq!((back.base_value(), back.explained_prediction()), (Some(0.1), Some(0.7)));
    }
}

//! Registered models and decision explanations on the wire.

use std::collections::BTreeMap;

use custos_service::models as domain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts};

/// Registers a model version.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModelInput {
    /// The name decisions quote as `model`.
    #[schema(example = "next-best-offer")]
    pub name: String,
    /// The version decisions quote as `model_version`.
    #[schema(example = "2026.11")]
    pub version: String,
    /// The model file's content: XGBoost JSON (`save_model("model.json")`), LightGBM text
    /// (`save_model`) or `dump_model` JSON, or a linear model JSON.
    pub model: String,
    /// The feature dictionary: `favorable_outcome` and per feature `description`, `higher`,
    /// `lower`, optional `unit`, `actionable`, `min`, `max`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub dictionary: Option<Value>,
    /// Category codes per feature: `{"segment": {"gold": 0, "silver": 1}}`.
    #[serde(default)]
    pub encoding: Option<BTreeMap<String, BTreeMap<String, f64>>>,
    /// Who answers for the model.
    #[schema(example = "pricing-team@example.com")]
    pub owner: String,
    /// The purpose it is meant for.
    #[serde(default)]
    pub purpose: Option<String>,
}

impl From<ModelInput> for domain::ModelInput {
    fn from(i: ModelInput) -> Self {
        Self {
            name: i.name,
            version: i.version,
            model: i.model,
            dictionary: i.dictionary,
            encoding: i.encoding,
            owner: i.owner,
            purpose: i.purpose,
        }
    }
}

/// A registered model version (without its file).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ModelView {
    /// The model version.
    pub model_id: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The library that wrote the file.
    #[schema(value_type = String, examples("xgboost", "lightgbm", "linear"))]
    pub library: String,
    /// The objective.
    pub objective: String,
    /// Feature names in model order.
    pub features: Vec<String>,
    /// 1, or the number of classes.
    pub outputs: usize,
    /// Trees in the ensemble (0 for linear models).
    pub trees: usize,
    /// SHA-256 of the file (hex).
    pub file_sha256: String,
    /// Whether reasons can be given (a dictionary was registered).
    pub has_dictionary: bool,
    /// Who answers for the model.
    pub owner: String,
    /// The purpose it is meant for.
    pub purpose: Option<String>,
    /// When it was registered.
    pub created_at: String,
    /// The ledger receipt (on registration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ModelView> for ModelView {
    fn from(m: domain::ModelView) -> Self {
        Self {
            model_id: m.model_id.to_string(),
            name: m.name,
            version: m.version,
            library: m.library,
            objective: m.objective,
            features: m.features,
            outputs: m.outputs,
            trees: m.trees,
            file_sha256: m.file_sha256,
            has_dictionary: m.has_dictionary,
            owner: m.owner,
            purpose: m.purpose,
            created_at: ts(&m.created_at),
            receipt: receipt(m.receipt),
        }
    }
}

/// The attributions of one model output.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct OutputAttributionsView {
    /// The expected margin the attributions start from.
    pub base_value: Option<f64>,
    /// The attribution of each feature, by feature name (margin space).
    pub attributions: BTreeMap<String, f64>,
}

/// The explanation of a decision by a registered model, as it was made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ExplanationView {
    /// The decision.
    pub decision_id: Option<String>,
    /// The registered model version that explained it.
    pub model_id: String,
    /// How the attributions were computed.
    pub method: String,
    /// The model's prediction per output (null where it could not be computed).
    pub prediction: Vec<Option<f64>>,
    /// The output the reasons explain (the predicted class).
    pub explained_output: usize,
    /// The attributions of each output.
    pub outputs: Vec<OutputAttributionsView>,
    /// The reasons in the feature dictionary's words: `favorable`, `prediction`, `reasons`
    /// (`feature`, `value`, `contribution`, `direction`, `text`), `counterfactuals` (`feature`,
    /// `from`, `to`, `text`) and `text`; null without a dictionary.
    #[schema(value_type = Option<Object>)]
    pub reasons: Option<Value>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl From<custos_service::decisions::Explanation> for ExplanationView {
    fn from(e: custos_service::decisions::Explanation) -> Self {
        Self {
            decision_id: e.decision_id,
            model_id: e.model_id,
            method: e.method,
            prediction: e.prediction.into_iter().map(finite).collect(),
            explained_output: e.explained_output,
            outputs: e
                .outputs
                .into_iter()
                .map(|o| OutputAttributionsView { base_value: finite(o.base_value), attributions: o.attributions })
                .collect(),
            reasons: e.reasons.and_then(|r| serde_json::to_value(r).ok()),
        }
    }
}

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
    /// The model card: what it is for.
    #[serde(default)]
    pub intended_use: Option<String>,
    /// The model card: what it must not be used for; known weaknesses.
    #[serde(default)]
    pub limitations: Option<String>,
    /// The model card: where its training data came from.
    #[serde(default)]
    pub training_data: Option<String>,
    /// The AI system it serves.
    #[serde(default)]
    pub ai_system_id: Option<String>,
    /// Store its decisions as `shadow` (never shown to customers) while it is in review,
    /// instead of refusing them.
    #[serde(default)]
    pub shadow: bool,
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
            intended_use: i.intended_use,
            limitations: i.limitations,
            training_data: i.training_data,
            ai_system_id: i.ai_system_id,
            shadow: i.shadow,
        }
    }
}

/// Changes a model version's card, owner, AI system or shadow setting (fields given change).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModelUpdateInput {
    /// The staff account that answers for it (email or account id).
    #[serde(default)]
    pub owner: Option<String>,
    /// What it is for (draft and rejected versions only).
    #[serde(default)]
    pub intended_use: Option<String>,
    /// What it must not be used for (draft and rejected versions only).
    #[serde(default)]
    pub limitations: Option<String>,
    /// Where its training data came from (draft and rejected versions only).
    #[serde(default)]
    pub training_data: Option<String>,
    /// The AI system it serves (`""` unlinks; draft and rejected versions only).
    #[serde(default)]
    pub ai_system_id: Option<String>,
    /// Store its decisions as `shadow` while it is in review.
    #[serde(default)]
    pub shadow: Option<bool>,
}

impl From<ModelUpdateInput> for custos_service::lifecycle::ModelUpdate {
    fn from(i: ModelUpdateInput) -> Self {
        Self {
            owner: i.owner,
            intended_use: i.intended_use,
            limitations: i.limitations,
            training_data: i.training_data,
            ai_system_id: i.ai_system_id,
            shadow: i.shadow,
        }
    }
}

/// Takes a model version out of use.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetireInput {
    /// Why (kept in the ledger).
    pub reason: String,
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
    /// `draft`, `in_review`, `approved`, `rejected` or `retired`: only `approved` versions
    /// decide about customers.
    #[schema(schema_with = super::words::<custos_core::ModelState>)]
    pub state: String,
    /// The staff account that answers for it.
    pub owner_id: Option<String>,
    /// The model card: what it is for.
    pub intended_use: String,
    /// The model card: what it must not be used for; known weaknesses.
    pub limitations: String,
    /// The model card: where its training data came from.
    pub training_data: String,
    /// The AI system it serves.
    pub ai_system_id: Option<String>,
    /// Whether its decisions are stored as `shadow` while it is in review.
    pub shadow: bool,
    /// When it was approved.
    pub approved_at: Option<String>,
    /// When its approval lapses.
    pub approval_expires_at: Option<String>,
    /// Whether its approval has lapsed (its age, or an alert asked for revalidation).
    pub approval_lapsed: bool,
    /// Why it must be validated again, if an alert asked.
    pub revalidation_reason: Option<String>,
    /// How it became approved: `sign_off`, or `upgrade` (it was deciding before approvals).
    pub approval_source: Option<String>,
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
            state: m.lifecycle.state,
            owner_id: m.lifecycle.owner_id,
            intended_use: m.lifecycle.intended_use,
            limitations: m.lifecycle.limitations,
            training_data: m.lifecycle.training_data,
            ai_system_id: m.lifecycle.ai_system_id.map(|a| a.to_string()),
            shadow: m.lifecycle.shadow,
            approved_at: m.lifecycle.approved_at.as_ref().map(ts),
            approval_expires_at: m.lifecycle.approval_expires_at.as_ref().map(ts),
            approval_lapsed: m.approval_lapsed,
            revalidation_reason: m.lifecycle.revalidation_reason,
            approval_source: m.lifecycle.approval_source.map(|s| if s == "upgrade_pending" { "upgrade".into() } else { s }),
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

//! The model registry, and the explanation of every decision a registered model makes.
//!
//! A model version is registered with its file (XGBoost JSON, LightGBM text or dump JSON, or a
//! linear model JSON), a feature dictionary (the customer-facing words of the reasons), an
//! optional encoding of category strings into the model's codes, an owner and its intended
//! purpose. A decision logged with `features` under a registered `model` and `model_version`
//! gets its TreeSHAP attributions and reasons computed in the same request and stored with it,
//! sealed under the subject's key (an explanation is personal data: it is derived from the
//! person's features), so that the reviewer, the auditor and the customer later read the
//! explanation of the decision as it was made, not a recomputation under a newer model.
//!
//! Loaded models are cached per process (with their TreeSHAP tables built once); a model version
//! never changes once registered, so the cache needs no invalidation, and "not registered" is
//! forgotten whenever this process registers a model.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use custos_core::{ApiKeyId, DecisionId, LedgerEvent, ModelId, PurposeKey, Timestamp, now};
use custos_explain::reasons::{FeatureDictionary, ReasonOptions};
use custos_explain::{ExplainError, Explanation, Library, Limits, Model, ShapMode};
use custos_store::ModelRecord;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::{Receipt, Service, ServiceError};

/// Largest model file accepted.
pub const MAX_MODEL_BYTES: usize = 48 << 20;

/// Registers a model version.
#[derive(Debug, Clone, Default)]
pub struct ModelInput {
    /// The name decisions quote as `model`.
    pub name: String,
    /// The version decisions quote as `model_version`.
    pub version: String,
    /// The model file's content: XGBoost JSON (`save_model("model.json")`), LightGBM text
    /// (`save_model`) or `dump_model` JSON, or a linear model JSON.
    pub model: String,
    /// The feature dictionary: `favorable_outcome` and per feature `description`, `higher`,
    /// `lower`, optional `unit`, `actionable`, `min`, `max`.
    pub dictionary: Option<Value>,
    /// Category codes per feature: `{"segment": {"gold": 0, "silver": 1}}`.
    pub encoding: Option<BTreeMap<String, BTreeMap<String, f64>>>,
    /// Who answers for the model: a staff account's email (or id) makes it the version's
    /// owner, who asks for its approval; other text is kept as a label and the version needs an
    /// owner set before it can be submitted.
    pub owner: String,
    /// The purpose it is meant for.
    pub purpose: Option<String>,
    /// The model card: what it is for.
    pub intended_use: Option<String>,
    /// The model card: what it must not be used for; known weaknesses.
    pub limitations: Option<String>,
    /// The model card: where its training data came from.
    pub training_data: Option<String>,
    /// The AI system it serves.
    pub ai_system_id: Option<String>,
    /// Whether its decisions are stored as `shadow` while it is in review.
    pub shadow: bool,
}

/// A registered model version (without its file).
#[derive(Debug, Clone)]
pub struct ModelView {
    /// The model version.
    pub model_id: ModelId,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `xgboost`, `lightgbm` or `linear`.
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
    pub created_at: Timestamp,
    /// Its lifecycle and model card fields.
    pub lifecycle: custos_store::models::ModelLifecycle,
    /// Whether its approval has lapsed (its age, or an alert asked for revalidation).
    pub approval_lapsed: bool,
    /// The ledger receipt (on registration).
    pub receipt: Option<Receipt>,
}

/// The plain-language reasons of a decision: what a customer may see.
#[derive(Debug, Clone)]
pub struct ReasonsView {
    /// The decision.
    pub decision_id: DecisionId,
    /// The explanation in one paragraph.
    pub text: String,
    /// The reasons, most important first.
    pub reasons: Vec<String>,
    /// What would have changed the outcome (actionable features only).
    pub hints: Vec<String>,
}

/// A model ready to explain, with its words.
#[derive(Debug)]
pub(crate) struct LoadedModel {
    model_id: ModelId,
    model: Model,
    dictionary: Option<FeatureDictionary>,
    encoding: BTreeMap<String, BTreeMap<String, f64>>,
}

impl LoadedModel {
    /// The feature dictionary, if one was registered.
    pub(crate) fn dictionary(&self) -> Option<&FeatureDictionary> {
        self.dictionary.as_ref()
    }
}

/// Loaded models by `name \u{1f} version` (`None`: not registered).
pub(crate) type ModelCache = Arc<RwLock<HashMap<String, Option<Arc<LoadedModel>>>>>;

fn library_name(l: Library) -> &'static str {
    match l {
        Library::XGBoost => "xgboost",
        Library::LightGBM => "lightgbm",
        Library::Linear => "linear",
    }
}

fn parse_dictionary(value: &Value, model: &Model) -> Result<FeatureDictionary, ServiceError> {
    let dictionary: FeatureDictionary =
        serde_json::from_value(value.clone()).map_err(|e| ServiceError::invalid("dictionary", e.to_string()))?;
    if let Some(unknown) = dictionary.features.keys().find(|f| !model.feature_names().contains(f)) {
        return Err(ServiceError::unprocessable(&format!("dictionary.features.{unknown}"), "the model has no such feature"));
    }
    if let Some((field, why)) = dictionary.gaps() {
        return Err(ServiceError::unprocessable(&format!("dictionary.{field}"), why));
    }
    Ok(dictionary)
}

fn view(r: &ModelRecord, model: &Model) -> ModelView {
    ModelView {
        model_id: r.model_id,
        name: r.name.clone(),
        version: r.version.clone(),
        library: r.library.clone(),
        objective: r.objective.clone(),
        features: model.feature_names().to_vec(),
        outputs: model.n_outputs(),
        trees: model.n_trees(),
        file_sha256: r.file_sha256.clone(),
        has_dictionary: r.dictionary.is_some(),
        owner: r.owner.clone(),
        purpose: r.purpose.clone(),
        created_at: r.created_at,
        approval_lapsed: r.lifecycle.state == "approved" && crate::lifecycle::lapsed(&r.lifecycle, &now()),
        lifecycle: r.lifecycle.clone(),
        receipt: None,
    }
}

/// A model file's error as the API reports it: a file that breaks a rule or limit is a 422
/// naming the rule, one that is not a model at all a 400.
fn model_error(e: ExplainError) -> ServiceError {
    match e {
        ExplainError::Refused { .. } => ServiceError::unprocessable("model", e.to_string()),
        other => ServiceError::invalid("model", other.to_string()),
    }
}

fn load(r: &ModelRecord, limits: &Limits) -> Result<LoadedModel, ServiceError> {
    let corrupt =
        |what: &str| ServiceError::internal(custos_store::StoreError::Corrupt(format!("registered model {}: {what}", r.model_id)));
    // A model registered before the limits were lowered is refused as it would be today.
    let model = Model::parse_with(&r.file, limits).map_err(|e| match e {
        ExplainError::Refused { .. } => {
            ServiceError::unprocessable("model", format!("the registered model {} {} can no longer be used: {e}", r.name, r.version))
        }
        _ => corrupt("unreadable file"),
    })?;
    let dictionary =
        r.dictionary.as_ref().map(|d| serde_json::from_value(d.clone())).transpose().map_err(|_| corrupt("unreadable dictionary"))?;
    let encoding =
        r.encoding.as_ref().map(|e| serde_json::from_value(e.clone())).transpose().map_err(|_| corrupt("unreadable encoding"))?;
    model.prepare();
    Ok(LoadedModel { model_id: r.model_id, model, dictionary, encoding: encoding.unwrap_or_default() })
}

/// The model registry.
#[derive(Clone, Copy)]
pub struct Models<'a>(pub(crate) &'a Service);

impl Models<'_> {
    /// Registers a model version after checking that its file, dictionary and encoding fit.
    pub async fn register(&self, input: ModelInput, caller: Option<ApiKeyId>) -> Result<ModelView, ServiceError> {
        crate::check_token("name", &input.name)?;
        crate::check_token("version", &input.version)?;
        crate::check_token("owner", &input.owner)?;
        if input.model.len() > MAX_MODEL_BYTES {
            return Err(ServiceError::invalid("model", format!("must be at most {} MiB", MAX_MODEL_BYTES >> 20)));
        }
        // Reading a large file is CPU work: off the async workers, under the configured limits.
        let limits = self.0.config().model_limits;
        let (model, input) = tokio::task::spawn_blocking(move || (Model::parse_with(input.model.as_bytes(), &limits), input))
            .await
            .map_err(|_| ServiceError::internal(custos_store::StoreError::Corrupt("model reading panicked".into())))?;
        let model = model.map_err(model_error)?;
        let dictionary = input.dictionary.as_ref().map(|d| parse_dictionary(d, &model)).transpose()?;
        for (feature, codes) in input.encoding.iter().flatten() {
            if !model.feature_names().contains(feature) {
                return Err(ServiceError::unprocessable(&format!("encoding.{feature}"), "the model has no such feature"));
            }
            if codes.values().any(|c| !c.is_finite()) {
                return Err(ServiceError::invalid(&format!("encoding.{feature}"), "codes must be finite numbers"));
            }
        }
        if let Some(p) = &input.purpose {
            PurposeKey::parse(p)?;
            if self.0.purposes().cached(p).await?.is_none() {
                return Err(ServiceError::unprocessable("purpose", format!("purpose `{p}` does not exist")));
            }
        }
        for (field, v) in
            [("intended_use", &input.intended_use), ("limitations", &input.limitations), ("training_data", &input.training_data)]
        {
            if let Some(v) = v {
                crate::lifecycle::check_card_text(field, v)?;
            }
        }
        let ai_system_id = input
            .ai_system_id
            .as_deref()
            .map(|a| custos_core::AiSystemId::parse(a).map_err(|e| ServiceError::invalid("ai_system_id", e.message())))
            .transpose()?;
        let lifecycle = custos_store::models::ModelLifecycle {
            state: custos_core::ModelState::Draft.as_str().to_owned(),
            intended_use: input.intended_use.clone().unwrap_or_default(),
            limitations: input.limitations.clone().unwrap_or_default(),
            training_data: input.training_data.clone().unwrap_or_default(),
            ai_system_id,
            shadow: input.shadow,
            ..Default::default()
        };
        let file = input.model.into_bytes();
        let record = ModelRecord {
            model_id: ModelId::new(),
            name: input.name,
            version: input.version,
            library: library_name(model.library()).to_owned(),
            objective: model.objective().to_owned(),
            file_sha256: data_encoding::HEXLOWER.encode(&Sha256::digest(&file)),
            file,
            dictionary: dictionary.as_ref().and(input.dictionary),
            encoding: input.encoding.as_ref().map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
            owner: input.owner,
            purpose: input.purpose,
            key_id: caller,
            created_at: now(),
            lifecycle,
        };
        let leaf = crate::ledger::event_at(
            LedgerEvent::ModelRegistered,
            &record.created_at,
            json!({
                "model_id": record.model_id.to_string(),
                "name": record.name,
                "version": record.version,
                "library": record.library,
                "file_sha256": record.file_sha256,
                "purpose": record.purpose,
                "key_id": caller.map(|k| k.to_string()),
            }),
        );
        let mut stored = record.clone();
        let (receipt, stored) = self
            .0
            .write(async |tx| {
                // An owner that names a staff account makes that person the version's owner.
                let by_email = custos_store::staff::user_by_email(tx, &stored.owner.trim().to_lowercase()).await?;
                stored.lifecycle.owner_id = by_email.map(|u| u.user_id);
                if let Some(a) = &stored.lifecycle.ai_system_id
                    && custos_store::ai_systems::get(tx, a).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("ai_system_id", "no such AI system"));
                }
                custos_store::models::insert(tx, &stored).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => {
                        ServiceError::Conflict("this model name and version are already registered".into())
                    }
                    other => other.into(),
                })?;
                Ok((custos_store::ledger::append_leaf(tx, leaf).await?, stored.clone()))
            })
            .await?;
        if let Ok(mut cache) = self.0.models.write() {
            cache.retain(|_, v| v.is_some());
        }
        self.0.lifecycles.forget();
        let mut v = view(&stored, &model);
        v.receipt = Some(receipt);
        Ok(v)
    }

    /// Every registered model version, newest first: one read of the records (without their
    /// files); the models themselves come from the cache (read and parsed once per process).
    pub async fn all(&self) -> Result<Vec<ModelView>, ServiceError> {
        let records = self.0.read(async |tx| Ok(custos_store::models::all(tx).await?)).await?;
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let loaded = self.loaded(&record.name, &record.version).await?.ok_or(ServiceError::NotFound { resource: "model" })?;
            out.push(view(&record, &loaded.model));
        }
        Ok(out)
    }

    /// One registered model version.
    pub async fn get(&self, model_id: &str) -> Result<ModelView, ServiceError> {
        let id = ModelId::parse(model_id)?;
        let record = self
            .0
            .read(async |tx| Ok(custos_store::models::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "model" })?;
        let loaded = self.loaded(&record.name, &record.version).await?.ok_or(ServiceError::NotFound { resource: "model" })?;
        Ok(view(&record, &loaded.model))
    }

    /// The loaded model a decision quotes, if registered.
    pub(crate) async fn loaded(&self, name: &str, version: &str) -> Result<Option<Arc<LoadedModel>>, ServiceError> {
        let key = format!("{name}\u{1f}{version}");
        if let Some(hit) = self.0.models.read().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(hit);
        }
        let (n, v) = (name.to_owned(), version.to_owned());
        let record = self.0.read(async |tx| Ok(custos_store::models::by_name(tx, &n, &v).await?)).await?;
        let loaded = match record {
            Some(r) => {
                // Parsing and building tables is CPU work: off the async workers.
                let limits = self.0.config().model_limits;
                let loaded = tokio::task::spawn_blocking(move || load(&r, &limits))
                    .await
                    .map_err(|_| ServiceError::internal(custos_store::StoreError::Corrupt("model loading panicked".into())))??;
                Some(Arc::new(loaded))
            }
            None => None,
        };
        if let Ok(mut cache) = self.0.models.write() {
            cache.insert(key, loaded.clone());
        }
        Ok(loaded)
    }
}

/// The explanation of a decision by a registered model: attributions per output and, with a
/// dictionary, the reasons for the predicted class. Features are read as numbers, booleans
/// as 1/0, strings through the model's encoding, null or absent as missing.
pub(crate) fn explain_decision(loaded: &LoadedModel, features: &BTreeMap<String, Value>) -> Result<(ModelId, Explanation), ServiceError> {
    let model = &loaded.model;
    let row = row_of(loaded, features)?;
    let attributions = model.shap(&row, ShapMode::PathDependent, &[]).map_err(|e| ServiceError::invalid("features", e.to_string()))?;
    let predictions = model.predict(&row).map_err(|e| ServiceError::invalid("features", e.to_string()))?;
    let explained =
        predictions.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(k, _)| if model.n_outputs() == 1 { 0 } else { k });
    let reasons = loaded.dictionary.as_ref().map(|d| {
        let options = ReasonOptions { output: explained, ..ReasonOptions::default() };
        custos_explain::reasons::explain(model, &row, &attributions[explained], d, &options)
    });
    Ok((loaded.model_id, Explanation::new(loaded.model_id.to_string(), model, &attributions, predictions, explained, reasons)))
}

/// The counterfactual of a decision by a registered single-output model with a feature
/// dictionary (`None` otherwise): the smallest change to actionable features that flips it.
/// CPU-bound (a beam search over the trees' thresholds): run it off the request path.
pub(crate) fn counterfactual_of(
    loaded: &LoadedModel,
    features: &BTreeMap<String, Value>,
) -> Result<Option<(custos_explain::counterfactual::Counterfactual, Option<String>)>, ServiceError> {
    let Some(dictionary) = &loaded.dictionary else { return Ok(None) };
    if loaded.model.n_outputs() != 1 {
        return Ok(None);
    }
    let row = row_of(loaded, features)?;
    let options = custos_explain::counterfactual::CounterfactualOptions::default();
    let found = custos_explain::counterfactual::counterfactual(&loaded.model, &row, dictionary, &options);
    let text = custos_explain::counterfactual::describe(&found, dictionary);
    Ok(Some((found, text)))
}

/// A decision's features as the model's row (categories through the registered encoding).
fn row_of(loaded: &LoadedModel, features: &BTreeMap<String, Value>) -> Result<Vec<f64>, ServiceError> {
    let model = &loaded.model;
    let mut row = Vec::with_capacity(model.feature_names().len());
    for name in model.feature_names() {
        let field = format!("features.{name}");
        let x = match features.get(name) {
            None | Some(Value::Null) => f64::NAN,
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(Value::Bool(b)) => f64::from(u8::from(*b)),
            Some(Value::String(s)) => match loaded.encoding.get(name).and_then(|codes| codes.get(s)) {
                Some(code) => *code,
                None => {
                    return Err(ServiceError::unprocessable(
                        &field,
                        format!("{s:?} is not a category the registered model's encoding knows"),
                    ));
                }
            },
            Some(_) => return Err(ServiceError::invalid(&field, "must be a number, a boolean, a category string or null")),
        };
        row.push(x);
    }
    Ok(row)
}

//! Validation runs: a labelled validation set uploaded for a registered model version, sealed on
//! disk under a key of its own as it arrives, validated in the background with progress, the
//! report stored, hashed into the ledger and cited by approvals. The set (it holds protected
//! attributes: personal data) is deleted when the run ends, unless a retention is asked for;
//! then the retention run deletes it when that ends.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use custos_core::{ApiKeyId, LedgerEvent, ModelId, now};
use custos_explain::Model;
use custos_store::sealed_files::{SealedWriter, new_key, read_sealed};
pub use custos_store::validations::ValidationRecord;
use custos_tabular::Array as _;
pub use custos_tabular::{Format, TableReader};
use custos_validate::{Dataset, Labels, Options, Protected};
pub use custos_validate::{Direction, Policy};
use serde_json::json;

use crate::{Receipt, Service, ServiceError};

/// Largest validation set accepted (plaintext bytes).
pub const MAX_SET_BYTES: u64 = 512 << 20;
/// Most rows a set may hold.
pub const MAX_ROWS: usize = 5_000_000;
/// Most input values (rows × inputs) a set may hold: 800 MB of memory while it runs.
pub const MAX_VALUES: usize = 100_000_000;
/// Longest a set may be kept after its run.
pub const MAX_RETENTION_DAYS: u32 = 90;

/// Which columns of the set are what (the CLI's flags, the API's form fields).
#[derive(Debug, Clone, Default)]
pub struct SetSpec {
    /// The outcome column.
    pub label: String,
    /// The positive class's value (binary; default `1`).
    pub positive: Option<String>,
    /// Whether the model is a regressor.
    pub regression: bool,
    /// Protected attribute columns.
    pub protected: Vec<String>,
    /// A fold-id column.
    pub fold: Option<String>,
    /// A column of the caller's own (out-of-fold) scores.
    pub prediction: Option<String>,
}

/// What a run is asked to do.
#[derive(Debug, Clone, Default)]
pub struct ValidationInput {
    /// The registered model version.
    pub model_id: String,
    /// The set's columns.
    pub spec: SetSpec,
    /// Declared directions.
    pub monotone: Vec<(String, Direction)>,
    /// The policy (default: the built-in one).
    pub policy: Option<Policy>,
    /// Decision threshold (default 0.5).
    pub threshold: Option<f64>,
    /// Days to keep the sealed set after the run (0: delete it when the run ends).
    pub retention_days: u32,
    /// The set's format (from the uploaded file's name).
    pub format: Option<Format>,
    /// Where the policy came from: `request`, `ai_system` or `default` (set by `begin`).
    pub policy_source: &'static str,
}

/// Where a run stands, for the API.
#[derive(Debug, Clone)]
pub struct ValidationView {
    /// The record.
    pub validation: ValidationRecord,
    /// The stage running and rows done of rows to do, while it runs.
    pub progress: Option<(String, u64, u64)>,
    /// Where the start was recorded.
    pub receipt: Option<Receipt>,
}

/// Progress of the runs of this process.
pub(crate) type RunProgress = Arc<RwLock<HashMap<String, (String, u64, u64)>>>;

type Encoding = BTreeMap<String, BTreeMap<String, f64>>;

/// Reads a table into the engine's terms for `model`: inputs by name (text inputs through
/// `encoding`), the outcome, the protected attributes (those that are inputs get the model's
/// value of each group, for the flip test), folds and the caller's scores.
pub fn dataset(reader: TableReader, spec: &SetSpec, model: &Model, encoding: &Encoding) -> Result<Dataset, ServiceError> {
    let bad = |field: &str, m: String| ServiceError::invalid(field, m);
    let schema = reader.schema();
    let features = model.feature_names().to_vec();
    let mut needed: Vec<(&str, &str)> = features.iter().map(|f| ("file", f.as_str())).collect();
    needed.push(("label", &spec.label));
    needed.extend(spec.protected.iter().map(|p| ("protected", p.as_str())));
    needed.extend(spec.fold.iter().map(|f| ("fold", f.as_str())));
    needed.extend(spec.prediction.iter().map(|f| ("prediction", f.as_str())));
    for (field, column) in &needed {
        if schema.field_with_name(column).is_err() {
            return Err(bad(field, format!("the set lacks the column {column:?}")));
        }
    }
    let p = features.len();
    let positive = spec.positive.clone().unwrap_or_else(|| "1".into());
    let positive_number = positive.parse::<f64>().ok();
    let (mut rows, mut categorical) = (Vec::new(), vec![false; p]);
    let (mut binary, mut continuous, mut folds, mut predictions) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut protected_text: Vec<Vec<String>> = vec![Vec::new(); spec.protected.len()];
    for batch in reader {
        let batch = batch.map_err(|e| bad("file", e.to_string()))?;
        let n = batch.num_rows();
        if rows.len() / p.max(1) + n > MAX_ROWS || rows.len() + n * p > MAX_VALUES {
            return Err(bad("file", format!("at most {MAX_ROWS} rows and {MAX_VALUES} input values")));
        }
        let start = rows.len();
        rows.resize(start + n * p, f64::NAN);
        let column = |name: &str| batch.column_by_name(name).cloned().ok_or_else(|| bad("file", format!("column {name} vanished")));
        for (f, name) in features.iter().enumerate() {
            let c = column(name)?;
            if let Some(values) = custos_tabular::column_as_f64(c.as_ref()) {
                for i in 0..n {
                    rows[start + i * p + f] = if values.is_null(i) { f64::NAN } else { values.value(i) };
                }
            } else {
                categorical[f] = true;
                let codes = encoding
                    .get(name)
                    .ok_or_else(|| bad("file", format!("column {name} holds text the model has no category codes for")))?;
                let text = custos_tabular::column_text(c.as_ref()).map_err(|e| bad("file", e.to_string()))?;
                for (i, v) in text.into_iter().enumerate() {
                    rows[start + i * p + f] = match v {
                        None => f64::NAN,
                        Some(v) => *codes.get(&v).ok_or_else(|| {
                            bad("file", format!("column {name}, row {}: a value the model has no category code for", start / p + i + 1))
                        })?,
                    };
                }
            }
        }
        let label = column(&spec.label)?;
        if label.null_count() > 0 {
            return Err(bad("label", format!("column {} has missing values", spec.label)));
        }
        if spec.regression {
            let values = custos_tabular::column_as_f64(label.as_ref())
                .ok_or_else(|| bad("label", "a regressor's outcome must be numeric".into()))?;
            continuous.extend(values.values().iter().copied());
        } else {
            match (custos_tabular::column_as_f64(label.as_ref()), positive_number) {
                (Some(values), Some(pn)) => binary.extend(values.values().iter().map(|v| *v == pn)),
                _ => binary.extend(
                    custos_tabular::column_text(label.as_ref())
                        .map_err(|e| bad("label", e.to_string()))?
                        .into_iter()
                        .map(|v| v.as_deref() == Some(positive.as_str())),
                ),
            }
        }
        for (k, name) in spec.protected.iter().enumerate() {
            let text = custos_tabular::column_text(column(name)?.as_ref()).map_err(|e| bad("protected", e.to_string()))?;
            protected_text[k].extend(text.into_iter().map(|v| v.unwrap_or_else(|| "(missing)".into())));
        }
        if let Some(fold) = &spec.fold {
            let c = column(fold)?;
            if c.null_count() > 0 {
                return Err(bad("fold", format!("column {fold} has missing values")));
            }
            let values = custos_tabular::column_as_f64(c.as_ref()).ok_or_else(|| bad("fold", format!("column {fold} is not numeric")))?;
            for v in values.values() {
                if !(v.is_finite() && *v >= 0.0 && *v <= f64::from(u32::MAX) && v.fract() == 0.0) {
                    return Err(bad("fold", "fold ids are whole numbers".into()));
                }
                folds.push(*v as u32);
            }
        }
        if let Some(prediction) = &spec.prediction {
            let c = column(prediction)?;
            if c.null_count() > 0 {
                return Err(bad("prediction", format!("column {prediction} has missing values")));
            }
            let values = custos_tabular::column_as_f64(c.as_ref())
                .ok_or_else(|| bad("prediction", format!("column {prediction} is not numeric")))?;
            predictions.extend(values.values().iter().copied());
        }
    }
    let mut protected = Vec::new();
    for (k, name) in spec.protected.iter().enumerate() {
        let mut groups = protected_text[k].clone();
        groups.sort();
        groups.dedup();
        if groups.len() > 1_000 {
            return Err(bad(
                "protected",
                format!("{name}: {} distinct values; a protected attribute has groups, not identifiers", groups.len()),
            ));
        }
        let codes = protected_text[k].iter().map(|v| groups.binary_search(v).unwrap_or(0) as u32).collect();
        let feature = features.iter().position(|f| f == name);
        let values = match feature {
            None => Vec::new(),
            Some(f) => {
                categorical[f] = true;
                groups
                    .iter()
                    .map(|g| match encoding.get(name) {
                        Some(codes) => codes
                            .get(g)
                            .copied()
                            .ok_or_else(|| bad("protected", format!("{name}: a group the model has no category code for"))),
                        None => g.parse::<f64>().map_err(|_| {
                            bad("protected", format!("{name}: a group that is not a number, and the model has no codes for it"))
                        }),
                    })
                    .collect::<Result<Vec<f64>, ServiceError>>()?
            }
        };
        protected.push(Protected { name: name.clone(), groups, codes, feature, values });
    }
    Ok(Dataset {
        features,
        rows,
        categorical,
        labels: if spec.regression { Labels::Continuous(continuous) } else { Labels::Binary(binary) },
        protected,
        folds: spec.fold.is_some().then_some(folds),
        predictions: spec.prediction.is_some().then_some(predictions),
    })
}

/// The model as the engine scores it: the positive class's probability (or the prediction).
pub struct ModelScorer {
    /// The model.
    pub model: Model,
    /// Which output is scored.
    pub output: usize,
}

impl ModelScorer {
    /// The scorer of `model` for a binary classifier or a regressor.
    pub fn new(model: Model, regression: bool) -> Result<Self, ServiceError> {
        let output = match (regression, model.n_outputs()) {
            (false, 1) | (true, 1) => 0,
            (false, 2) => 1,
            (_, k) => {
                return Err(ServiceError::unprocessable(
                    "model_id",
                    format!("the model has {k} outputs: multiclass models are not validated yet"),
                ));
            }
        };
        model.prepare();
        Ok(Self { model, output })
    }
}

impl custos_validate::Scorer for ModelScorer {
    fn score(&self, row: &[f64]) -> f64 {
        self.model.predict(row).ok().and_then(|p| p.get(self.output).copied()).unwrap_or(f64::NAN)
    }

    fn score_many(&self, rows: &[f64], width: usize, out: &mut [f64]) {
        // Single-output models score a block tree by tree; others row by row.
        if self.model.n_outputs() == 1 && self.model.predict_margins(rows, out).is_ok() {
            if self.model.link() == custos_explain::Link::Logistic {
                for o in out.iter_mut() {
                    *o = 1.0 / (1.0 + (-*o).exp());
                }
            }
            return;
        }
        for (o, row) in out.iter_mut().zip(rows.chunks_exact(width.max(1))) {
            *o = self.score(row);
        }
    }
}

fn file_label(id: &str) -> String {
    format!("validations/{id}/set_key")
}

/// A set being uploaded: sealed to disk as it arrives. Dropped before [`Validations::finish`],
/// its file is deleted (a failed or abandoned upload leaves nothing).
pub struct Upload {
    id: String,
    path: PathBuf,
    writer: Option<SealedWriter>,
    key: [u8; 32],
    input: ValidationInput,
    model_id: ModelId,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("id", &self.id).finish_non_exhaustive()
    }
}

impl Upload {
    /// Appends a piece of the set; refused past [`MAX_SET_BYTES`].
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ServiceError> {
        let writer = self.writer.as_mut().ok_or_else(|| ServiceError::internal("the upload is closed"))?;
        if writer.written() + chunk.len() as u64 > MAX_SET_BYTES {
            return Err(ServiceError::invalid("file", format!("the set must be at most {} MiB", MAX_SET_BYTES >> 20)));
        }
        writer.write(chunk).map_err(ServiceError::internal)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn delete_set(path: &str) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::error!(error = %e, "cannot delete a validation set");
    }
}

/// Validation runs.
#[derive(Clone, Copy)]
pub struct Validations<'a>(pub(crate) &'a Service);

impl Validations<'_> {
    fn dir(&self) -> PathBuf {
        self.0.config().validation_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("custos-validations"))
    }

    /// Checks a request and opens its sealed upload. Bad input changes nothing.
    pub async fn begin(&self, input: ValidationInput) -> Result<Upload, ServiceError> {
        let model_id = ModelId::parse(&input.model_id).map_err(|e| ServiceError::invalid("model_id", e.message()))?;
        crate::check_token("label", &input.spec.label)?;
        for (field, v) in [("positive", &input.spec.positive), ("fold", &input.spec.fold), ("prediction", &input.spec.prediction)] {
            if let Some(v) = v {
                crate::check_token(field, v)?;
            }
        }
        if input.spec.protected.len() > 20 {
            return Err(ServiceError::invalid("protected", "at most 20 protected attributes"));
        }
        for p in &input.spec.protected {
            crate::check_token("protected", p)?;
        }
        if input.retention_days > MAX_RETENTION_DAYS {
            return Err(ServiceError::invalid("retention_days", format!("at most {MAX_RETENTION_DAYS} days")));
        }
        if input.threshold.is_some_and(|t| !(t.is_finite() && (0.0..=1.0).contains(&t))) {
            return Err(ServiceError::invalid("threshold", "must lie in [0, 1]"));
        }
        if input.format.is_none() {
            return Err(ServiceError::invalid("file", "name the file .csv, .jsonl or .parquet"));
        }
        let record = self.0.read(async |tx| Ok(custos_store::models::get(tx, &model_id).await?)).await?;
        let record = record.ok_or_else(|| ServiceError::unprocessable("model_id", "no such model version"))?;
        let names: Vec<String> = {
            let limits = self.0.config().model_limits;
            let file = record.file.clone();
            let model = tokio::task::spawn_blocking(move || Model::parse_with(&file, &limits))
                .await
                .map_err(|_| ServiceError::internal("model reading panicked"))?
                .map_err(|e| ServiceError::unprocessable("model_id", format!("the registered model cannot be read: {e}")))?;
            model.feature_names().to_vec()
        };
        for (name, _) in &input.monotone {
            if !names.contains(name) {
                return Err(ServiceError::invalid("monotone", format!("the model has no input {name:?}")));
            }
        }
        // No policy given: the AI system's (the one the version names, else the one listing its
        // name), else the built-in default. The report records the policy applied.
        let mut input = input;
        if input.policy.is_none() {
            let (system_id, name) = (record.lifecycle.ai_system_id, record.name.clone());
            let system = self
                .0
                .read(async |tx| {
                    Ok(match system_id {
                        Some(id) => custos_store::ai_systems::get(tx, &id).await?,
                        None => custos_store::ai_systems::list(tx, 1_000).await?.into_iter().find(|a| a.models.contains(&name)),
                    })
                })
                .await?;
            input.policy = match system.and_then(|a| a.validation_policy) {
                Some(p) => {
                    input.policy_source = "ai_system";
                    Some(serde_json::from_value(p).map_err(|e| {
                        ServiceError::unprocessable(
                            "policy",
                            format!("the AI system's validation policy cannot be read ({e}): set it again"),
                        )
                    })?)
                }
                None => {
                    input.policy_source = "default";
                    None
                }
            };
        } else {
            input.policy_source = "request";
        }
        let dir = self.dir();
        custos_store::files_private_dir(&dir).map_err(ServiceError::internal)?;
        let id = uuid::Uuid::now_v7().to_string();
        let path = dir.join(format!("{id}.sealed"));
        let key = new_key().map_err(ServiceError::internal)?;
        let writer = SealedWriter::create(&path, &key).map_err(ServiceError::internal)?;
        Ok(Upload { id, path, writer: Some(writer), key, input, model_id })
    }

    /// Records the run (a ledger event) once the set is in, and starts it in the background.
    pub async fn finish(&self, mut upload: Upload, caller: Option<ApiKeyId>) -> Result<ValidationView, ServiceError> {
        let writer = upload.writer.take().ok_or_else(|| ServiceError::internal("the upload is closed"))?;
        if writer.written() == 0 {
            let _ = std::fs::remove_file(&upload.path);
            return Err(ServiceError::invalid("file", "the set is empty"));
        }
        let written = writer.written();
        if let Err(e) = writer.finish() {
            let _ = std::fs::remove_file(&upload.path);
            return Err(ServiceError::internal(e));
        }
        let at = now();
        let i = &upload.input;
        let spec = json!({
            "label": i.spec.label, "positive": i.spec.positive, "regression": i.spec.regression, "protected": i.spec.protected,
            "fold": i.spec.fold, "prediction": i.spec.prediction,
            "monotone": i.monotone.iter().map(|(n, d)| json!([n, d])).collect::<Vec<_>>(),
            "policy": i.policy, "policy_source": i.policy_source, "threshold": i.threshold, "retention_days": i.retention_days,
            "format": match i.format { Some(Format::Csv) => "csv", Some(Format::Jsonl) => "jsonl", _ => "parquet" },
            "bytes": written,
        });
        let wrapped = self.0.store.keyring().seal_aggregate(&file_label(&upload.id), &upload.key).map_err(ServiceError::internal)?;
        let record = ValidationRecord {
            validation_id: upload.id.clone(),
            model_id: upload.model_id,
            status: "queued".into(),
            spec,
            report: None,
            report_sha256: None,
            passed: None,
            rows: None,
            error: None,
            file_path: Some(upload.path.display().to_string()),
            file_key: Some(wrapped),
            retain_until: None,
            key_id: caller,
            created_at: at,
            started_at: None,
            finished_at: None,
        };
        let leaf = crate::ledger::event_at(
            LedgerEvent::ValidationStarted,
            &at,
            json!({"validation_id": record.validation_id, "model_id": record.model_id.to_string(), "bytes": written, "key_id": caller.map(|k| k.to_string())}),
        );
        let stored = record.clone();
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::validations::insert(tx, &stored).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await;
        let receipt = match receipt {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&upload.path);
                return Err(e);
            }
        };
        let service = self.0.clone();
        let id = record.validation_id.clone();
        self.0.background.spawn(async move {
            if let Err(e) = service.validations().run(&id).await {
                tracing::error!(error = %e, "validation run failed to record");
            }
        });
        Ok(ValidationView { validation: record, progress: None, receipt: Some(receipt) })
    }

    /// One run: its status, progress while it runs, and report when done.
    pub async fn get(&self, validation_id: &str) -> Result<ValidationView, ServiceError> {
        let id = validation_id.to_owned();
        let record = self
            .0
            .read(async |tx| Ok(custos_store::validations::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "validation" })?;
        let progress = self.0.validation_progress.read().ok().and_then(|p| p.get(validation_id).cloned());
        Ok(ValidationView { validation: record, progress, receipt: None })
    }

    /// Runs a queued validation to its end: the report stored and hashed into the ledger, or the
    /// error recorded; the set deleted unless a retention was asked for.
    pub(crate) async fn run(&self, id: &str) -> Result<(), ServiceError> {
        let key = id.to_owned();
        let Some(mut record) = self.0.read(async |tx| Ok(custos_store::validations::get(tx, &key).await?)).await? else { return Ok(()) };
        let model_id = record.model_id;
        let Some(model) = self.0.read(async |tx| Ok(custos_store::models::get(tx, &model_id).await?)).await? else { return Ok(()) };
        record.status = "running".into();
        record.started_at = Some(now());
        let running = record.clone();
        self.0.write(async |tx| Ok(custos_store::validations::update(tx, &running).await?)).await?;
        let keyring = self.0.store.keyring().clone();
        let limits = self.0.config().model_limits;
        let progress = self.0.validation_progress.clone();
        let spec = record.spec.clone();
        // One run at a time: each holds its set in memory.
        let _slot = self.0.validation_slots.acquire().await.map_err(ServiceError::internal)?;
        let (path, wrapped) = (record.file_path.clone().unwrap_or_default(), record.file_key.clone().unwrap_or_default());
        let run_id = id.to_owned();
        let outcome = tokio::task::spawn_blocking(move || -> Result<(String, bool, u64), String> {
            let key = keyring.open_aggregate(&file_label(&run_id), &wrapped).map_err(|_| "the set's key cannot be opened".to_owned())?;
            let key: [u8; 32] = key.try_into().map_err(|_| "the set's key is malformed".to_owned())?;
            let bytes = read_sealed(Path::new(&path), &key, MAX_SET_BYTES).map_err(|e| e.to_string())?;
            let format = match spec["format"].as_str() {
                Some("csv") => Format::Csv,
                Some("jsonl") => Format::Jsonl,
                _ => Format::Parquet,
            };
            let reader = TableReader::from_bytes(bytes, format, 65_536, "the uploaded set").map_err(|e| e.to_string())?;
            let parsed = Model::parse_with(&model.file, &limits).map_err(|e| format!("the registered model cannot be read: {e}"))?;
            let encoding: Encoding = model.encoding.as_ref().and_then(|e| serde_json::from_value(e.clone()).ok()).unwrap_or_default();
            let set_spec = SetSpec {
                label: spec["label"].as_str().unwrap_or_default().to_owned(),
                positive: spec["positive"].as_str().map(str::to_owned),
                regression: spec["regression"].as_bool().unwrap_or(false),
                protected: spec["protected"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                fold: spec["fold"].as_str().map(str::to_owned),
                prediction: spec["prediction"].as_str().map(str::to_owned),
            };
            let data = dataset(reader, &set_spec, &parsed, &encoding).map_err(|e| e.to_string())?;
            let scorer = ModelScorer::new(parsed, set_spec.regression).map_err(|e| e.to_string())?;
            let mut options = Options::default();
            if let Some(t) = spec["threshold"].as_f64() {
                options.threshold = t;
            }
            options.monotone = serde_json::from_value(spec["monotone"].clone()).unwrap_or_default();
            let policy: Policy = serde_json::from_value(spec["policy"].clone()).unwrap_or_default();
            let report_progress = |stage: &str, done: u64, total: u64| {
                if let Ok(mut p) = progress.write() {
                    p.insert(run_id.clone(), (stage.to_owned(), done, total));
                }
            };
            let report = custos_validate::validate(&scorer, &data, &options, &policy, &report_progress).map_err(|e| e.to_string())?;
            let text = serde_json::to_string(&report).map_err(|e| e.to_string())?;
            Ok((text, report.passed, report.rows))
        })
        .await
        .unwrap_or_else(|_| Err("the validation panicked".into()));
        if let Ok(mut p) = self.0.validation_progress.write() {
            p.remove(id);
        }
        let at = now();
        record.finished_at = Some(at);
        let retention_days = record.spec["retention_days"].as_u64().unwrap_or(0);
        let keep = retention_days > 0 && outcome.is_ok();
        let (event, fields) = match outcome {
            Ok((text, passed, rows)) => {
                let sha = crate::ledger::sha256_hex(text.as_bytes());
                record.status = "succeeded".into();
                record.report = Some(text);
                record.report_sha256 = Some(sha.clone());
                record.passed = Some(passed);
                record.rows = Some(rows);
                (
                    LedgerEvent::ValidationFinished,
                    json!({"validation_id": id, "model_id": model_id.to_string(), "status": "succeeded", "report_sha256": sha, "passed": passed, "rows": rows}),
                )
            }
            Err(message) => {
                record.status = "failed".into();
                record.error = Some(message);
                (LedgerEvent::ValidationFinished, json!({"validation_id": id, "model_id": model_id.to_string(), "status": "failed"}))
            }
        };
        let path = record.file_path.clone();
        if keep {
            record.retain_until = Some(at + chrono::Duration::days(i64::try_from(retention_days).unwrap_or(0)));
        } else {
            record.file_path = None;
            record.file_key = None;
        }
        let leaf = crate::ledger::event_at(event, &at, fields);
        let done = record.clone();
        self.0
            .write(async |tx| {
                custos_store::validations::update(tx, &done).await?;
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        if !keep && let Some(p) = path {
            delete_set(&p);
        }
        Ok(())
    }

    /// Deletes kept sets whose retention ended, and fails runs a stopped process left behind
    /// (their sets deleted). Returns how many sets were deleted.
    pub async fn sweep(&self, interrupted: bool) -> Result<usize, ServiceError> {
        let at = now();
        let expired = self.0.read(async |tx| Ok(custos_store::validations::sets_expired(tx, &at).await?)).await?;
        let stale = if interrupted {
            self.0.read(async |tx| Ok(custos_store::validations::with_status(tx, &["queued", "running"]).await?)).await?
        } else {
            Vec::new()
        };
        let mut deleted = 0;
        for mut v in expired.into_iter().chain(stale) {
            let path = v.file_path.take();
            v.file_key = None;
            v.retain_until = None;
            if v.status == "queued" || v.status == "running" {
                v.status = "failed".into();
                v.error = Some("interrupted: the server stopped during the run; start it again".into());
                v.finished_at = Some(at);
            }
            let leaf = crate::ledger::event_at(
                LedgerEvent::ValidationSetDeleted,
                &at,
                json!({"validation_id": v.validation_id, "model_id": v.model_id.to_string()}),
            );
            let row = v.clone();
            self.0
                .write(async |tx| {
                    custos_store::validations::update(tx, &row).await?;
                    custos_store::ledger::append_leaf(tx, leaf).await?;
                    Ok(())
                })
                .await?;
            if let Some(p) = path {
                delete_set(&p);
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

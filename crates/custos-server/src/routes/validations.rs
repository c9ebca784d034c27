use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Multipart, Path, State},
    http::StatusCode,
    routing::{get, post},
};
use custos_service::validations::{Direction, Format, MAX_SET_BYTES, Policy, SetSpec, ValidationInput};

use crate::{
    ApiError, AppState,
    dto::validations::ValidationView,
    extract::{Auth, ValidationsWrite},
};

/// Longest text field of the form.
const MAX_FIELD: usize = 64 * 1024;

fn bad(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::invalid(Some(field.to_owned()), detail)
}

fn parse_monotone(text: &str) -> Result<Vec<(String, Direction)>, ApiError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (name, dir) = s.split_once('=').ok_or_else(|| bad("monotone", "write input=increasing or input=decreasing"))?;
            let dir = match dir.trim() {
                "increasing" => Direction::Increasing,
                "decreasing" => Direction::Decreasing,
                other => return Err(bad("monotone", format!("{other:?} is not increasing or decreasing"))),
            };
            Ok((name.trim().to_owned(), dir))
        })
        .collect()
}

/// Starts a validation of a registered model version on a labelled set (scope
/// `validations:write`). A `multipart/form-data` body: `model_id`, `label`, and optionally
/// `positive` (the positive class's value, default `1`), `task` (`binary` or `regression`),
/// `protected` (comma-separated columns), `fold`, `prediction` (the caller's out-of-fold
/// scores), `monotone` (`income=increasing,debt_ratio=decreasing`), `policy` (JSON),
/// `threshold`, `retention_days` (keep the sealed set that long; default 0: deleted when the
/// run ends), then `file` last (`.csv`, `.jsonl` or `.parquet`, at most 512 MiB). The set is
/// sealed on disk under a key of its own as it streams in; the run goes on in the background
/// (`GET /v1/validations/{id}` shows its progress, then the report).
#[utoipa::path(post, path = "/v1/validations", tag = "validations",
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 202, body = ValidationView), (status = 400, body = ApiError), (status = 413, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_validation(
    State(s): State<AppState>,
    Auth(p, _): Auth<ValidationsWrite>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<ValidationView>), ApiError> {
    match start(&s, p.key_id, &mut form).await {
        Ok(view) => Ok((StatusCode::ACCEPTED, Json(view))),
        Err(e) => {
            // Read (and discard) what the client is still sending, up to a bound, so that it
            // gets the problem document rather than a broken connection.
            let mut drained = 0usize;
            while drained < DRAIN_LIMIT {
                let Ok(Some(mut field)) = form.next_field().await else { break };
                while let Ok(Some(chunk)) = field.chunk().await {
                    drained += chunk.len();
                    if drained >= DRAIN_LIMIT {
                        break;
                    }
                }
            }
            Err(e)
        }
    }
}

/// Most bytes read after a refusal before the connection is dropped.
const DRAIN_LIMIT: usize = 16 << 20;

async fn start(s: &AppState, key_id: custos_core::ApiKeyId, form: &mut Multipart) -> Result<ValidationView, ApiError> {
    let mut input = ValidationInput { spec: SetSpec::default(), ..ValidationInput::default() };
    let mut upload = None;
    while let Some(mut field) = form.next_field().await.map_err(|e| bad("file", format!("not a valid multipart form: {e}")))? {
        let name = field.name().unwrap_or_default().to_owned();
        if upload.is_some() {
            return Err(bad(&name, "put `file` last"));
        }
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            input.format = Format::from_path(std::path::Path::new(&file_name)).ok();
            let mut opened = s.service().validations().begin(input.clone()).await?;
            while let Some(chunk) = field.chunk().await.map_err(|e| bad("file", format!("the upload broke off: {e}")))? {
                opened.write(&chunk)?;
            }
            upload = Some(opened);
            continue;
        }
        let mut text = String::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(&name, format!("the upload broke off: {e}")))? {
            if text.len() + chunk.len() > MAX_FIELD {
                return Err(bad(&name, "at most 64 KiB"));
            }
            text.push_str(std::str::from_utf8(&chunk).map_err(|_| bad(&name, "must be UTF-8 text"))?);
        }
        let some = |t: &str| (!t.trim().is_empty()).then(|| t.trim().to_owned());
        match name.as_str() {
            "model_id" => input.model_id = text.trim().to_owned(),
            "label" => input.spec.label = text.trim().to_owned(),
            "positive" => input.spec.positive = some(&text),
            "task" => {
                input.spec.regression = match text.trim() {
                    "binary" | "" => false,
                    "regression" => true,
                    _ => return Err(bad("task", "must be `binary` or `regression`")),
                }
            }
            "protected" => input.spec.protected = text.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect(),
            "fold" => input.spec.fold = some(&text),
            "prediction" => input.spec.prediction = some(&text),
            "monotone" => input.monotone = parse_monotone(&text)?,
            "policy" => {
                input.policy =
                    Some(serde_json::from_str::<Policy>(&text).map_err(|e| bad("policy", format!("not a validation policy: {e}")))?)
            }
            "threshold" => input.threshold = Some(text.trim().parse().map_err(|_| bad("threshold", "must be a number"))?),
            "retention_days" => {
                input.retention_days = text.trim().parse().map_err(|_| bad("retention_days", "must be a whole number of days"))?
            }
            other => return Err(bad(other, "unknown field")),
        }
    }
    if input.model_id.is_empty() {
        return Err(bad("model_id", "is required"));
    }
    if input.spec.label.is_empty() {
        return Err(bad("label", "is required"));
    }
    let upload = upload.ok_or_else(|| bad("file", "is required (the validation set)"))?;
    Ok(s.service().validations().finish(upload, Some(key_id)).await?.into())
}

/// A validation run: its state, progress while it runs, and the report (scope
/// `validations:write`).
#[utoipa::path(get, path = "/v1/validations/{validation_id}", tag = "validations", params(("validation_id" = String, Path)),
    responses((status = 200, body = ValidationView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_validation(
    State(s): State<AppState>,
    _auth: Auth<ValidationsWrite>,
    Path(id): Path<String>,
) -> Result<Json<ValidationView>, ApiError> {
    Ok(Json(s.service().validations().get(&id).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/validations",
            post(create_validation).layer(DefaultBodyLimit::max(usize::try_from(MAX_SET_BYTES).unwrap_or(usize::MAX) + (1 << 20))),
        )
        .route("/v1/validations/{validation_id}", get(get_validation))
}

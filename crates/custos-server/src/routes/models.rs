use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use custos_service::models::MAX_MODEL_BYTES;
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::models::{ModelInput, ModelUpdateInput, ModelView, RetireInput},
    extract::{ApiJson, ApiQuery, Auth, ModelsRead, ModelsWrite},
};

/// How a model card is rendered.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardQuery {
    /// `markdown` (default) or `html`.
    format: Option<String>,
}

/// Registers a model version with its file, feature dictionary and category encoding (scope
/// `models:write`); decisions it makes are explained from then on.
#[utoipa::path(post, path = "/v1/models", tag = "models", request_body = ModelInput,
    responses((status = 201, body = ModelView), (status = 400, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn register_model(
    State(s): State<AppState>,
    Auth(p, _): Auth<ModelsWrite>,
    ApiJson(input): ApiJson<ModelInput>,
) -> Result<(StatusCode, Json<ModelView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().models().register(input.into(), Some(p.key_id)).await?.into())))
}

/// Registered model versions, newest first (scope `models:read`).
#[utoipa::path(get, path = "/v1/models", tag = "models", responses((status = 200, body = Vec<ModelView>)), security(("bearer" = [])))]
pub(crate) async fn list_models(State(s): State<AppState>, _auth: Auth<ModelsRead>) -> Result<Json<Vec<ModelView>>, ApiError> {
    Ok(Json(s.service().models().all().await?.into_iter().map(Into::into).collect()))
}

/// One registered model version (scope `models:read`).
#[utoipa::path(get, path = "/v1/models/{model_id}", tag = "models", params(("model_id" = String, Path)),
    responses((status = 200, body = ModelView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_model(
    State(s): State<AppState>,
    _auth: Auth<ModelsRead>,
    Path(id): Path<String>,
) -> Result<Json<ModelView>, ApiError> {
    Ok(Json(s.service().models().get(&id).await?.into()))
}

/// Changes a version's owner, shadow setting and (while a draft or rejected) its card fields and
/// AI system (scope `models:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/models/{model_id}", tag = "models", params(("model_id" = String, Path)), request_body = ModelUpdateInput,
    responses((status = 200, body = ModelView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_model(
    State(s): State<AppState>,
    Auth(p, _): Auth<ModelsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ModelUpdateInput>,
) -> Result<Json<ModelView>, ApiError> {
    Ok(Json(s.service().models().update(&id, input.into(), &p.actor()).await?.into()))
}

/// Takes a version out of use: its decisions are refused from now on (scope `models:write`;
/// a ledger event with the reason).
#[utoipa::path(post, path = "/v1/models/{model_id}/retire", tag = "models", params(("model_id" = String, Path)), request_body = RetireInput,
    responses((status = 200, body = ModelView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn retire_model(
    State(s): State<AppState>,
    Auth(p, _): Auth<ModelsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RetireInput>,
) -> Result<Json<ModelView>, ApiError> {
    Ok(Json(s.service().models().retire(&id, &input.reason, &p.actor()).await?.into()))
}

/// A version's model card, as Markdown (default), HTML or PDF (scope `models:read`; the sign-off
/// threads with `approvals:read` too).
#[utoipa::path(get, path = "/v1/models/{model_id}/card", tag = "models", params(("model_id" = String, Path), CardQuery),
    responses((status = 200, content_type = "text/markdown", body = String), (status = 400, body = ApiError), (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn model_card(
    State(s): State<AppState>,
    Auth(p, _): Auth<ModelsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CardQuery>,
) -> Result<Response, ApiError> {
    // The sign-off threads only for a reader of approvals.
    let card = s.service().models().card(&id, p.has(custos_service::Scope::ApprovalsRead)).await?;
    match q.format.as_deref() {
        None | Some("markdown") => Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], card.markdown()).into_response()),
        Some("html") => Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], custos_web::model_card_html(&card)).into_response()),
        Some("pdf") => crate::routes::report_as(Some("pdf"), custos_web::model_card_html(&card), &format!("model-card-{id}")).await,
        Some(_) => {
            Err(custos_service::ServiceError::from(custos_core::ValidationError::new("format", "must be `markdown`, `html` or `pdf`"))
                .into())
        }
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/models", get(list_models).post(register_model).layer(DefaultBodyLimit::max(MAX_MODEL_BYTES + (1 << 20))))
        .route("/v1/models/{model_id}", get(get_model).patch(patch_model))
        .route("/v1/models/{model_id}/retire", post(retire_model))
        .route("/v1/models/{model_id}/card", get(model_card))
}

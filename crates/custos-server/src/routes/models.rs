use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    routing::get,
};
use custos_service::models::MAX_MODEL_BYTES;

use crate::{
    ApiError, AppState,
    dto::models::{ModelInput, ModelView},
    extract::{ApiJson, Auth, ModelsRead, ModelsWrite},
};

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

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/models", get(list_models).post(register_model).layer(DefaultBodyLimit::max(MAX_MODEL_BYTES + (1 << 20))))
        .route("/v1/models/{model_id}", get(get_model))
}

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    routing::get,
};
use custos_service::models::{MAX_MODEL_BYTES, ModelInput, ModelView, ReasonsView};

use crate::{
    ApiError, AppState,
    extract::{ApiJson, Auth, DecisionsRead, ModelsRead, ModelsWrite},
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
    Ok((StatusCode::CREATED, Json(s.service().models().register(input, Some(p.key_id)).await?)))
}

/// Registered model versions, newest first (scope `models:read`).
#[utoipa::path(get, path = "/v1/models", tag = "models", responses((status = 200, body = Vec<ModelView>)), security(("bearer" = [])))]
pub(crate) async fn list_models(State(s): State<AppState>, _auth: Auth<ModelsRead>) -> Result<Json<Vec<ModelView>>, ApiError> {
    Ok(Json(s.service().models().all().await?))
}

/// One registered model version (scope `models:read`).
#[utoipa::path(get, path = "/v1/models/{model_id}", tag = "models", params(("model_id" = String, Path)),
    responses((status = 200, body = ModelView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_model(
    State(s): State<AppState>,
    _auth: Auth<ModelsRead>,
    Path(id): Path<String>,
) -> Result<Json<ModelView>, ApiError> {
    Ok(Json(s.service().models().get(&id).await?))
}

/// The full explanation of a decision by a registered model: attributions per feature and
/// output, the prediction, and the reasons with their numbers (scope `decisions:read`).
#[utoipa::path(get, path = "/v1/decisions/{decision_id}/explanation", tag = "decisions", params(("decision_id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn decision_explanation(
    State(s): State<AppState>,
    _auth: Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(s.service().decisions().explanation(&id).await?))
}

/// The plain-language reasons of a decision: what a customer may see (scope `decisions:read`).
#[utoipa::path(get, path = "/v1/decisions/{decision_id}/reasons", tag = "decisions", params(("decision_id" = String, Path)),
    responses((status = 200, body = ReasonsView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn decision_reasons(
    State(s): State<AppState>,
    _auth: Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<ReasonsView>, ApiError> {
    Ok(Json(s.service().decisions().reasons(&id).await?))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/models", get(list_models).post(register_model).layer(DefaultBodyLimit::max(MAX_MODEL_BYTES + (1 << 20))))
        .route("/v1/models/{model_id}", get(get_model))
        .route("/v1/decisions/{decision_id}/explanation", get(decision_explanation))
        .route("/v1/decisions/{decision_id}/reasons", get(decision_reasons))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};

use crate::{
    ApiError, AppState,
    dto::ai_systems::{AiSystemInput, AiSystemView},
    extract::{AiSystemsRead, AiSystemsWrite, ApiJson, Auth},
};

/// Records an AI system in the inventory (scope `ai-systems:write`; a ledger event).
#[utoipa::path(post, path = "/v1/ai-systems", tag = "ai-systems", request_body = AiSystemInput,
    responses((status = 201, body = AiSystemView), (status = 400, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_ai_system(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsWrite>,
    ApiJson(input): ApiJson<AiSystemInput>,
) -> Result<(StatusCode, Json<AiSystemView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().ai_systems().create(input.into()).await?.into())))
}

/// The AI inventory, by name (scope `ai-systems:read`).
#[utoipa::path(get, path = "/v1/ai-systems", tag = "ai-systems", responses((status = 200, body = Vec<AiSystemView>)), security(("bearer" = [])))]
pub(crate) async fn list_ai_systems(State(s): State<AppState>, _auth: Auth<AiSystemsRead>) -> Result<Json<Vec<AiSystemView>>, ApiError> {
    Ok(Json(s.service().ai_systems().list().await?.into_iter().map(Into::into).collect()))
}

/// One AI system (scope `ai-systems:read`).
#[utoipa::path(get, path = "/v1/ai-systems/{ai_system_id}", tag = "ai-systems", params(("ai_system_id" = String, Path)),
    responses((status = 200, body = AiSystemView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_ai_system(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsRead>,
    Path(id): Path<String>,
) -> Result<Json<AiSystemView>, ApiError> {
    Ok(Json(s.service().ai_systems().get(&id).await?.into()))
}

/// Changes the fields given (scope `ai-systems:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/ai-systems/{ai_system_id}", tag = "ai-systems", params(("ai_system_id" = String, Path)), request_body = AiSystemInput,
    responses((status = 200, body = AiSystemView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_ai_system(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AiSystemInput>,
) -> Result<Json<AiSystemView>, ApiError> {
    Ok(Json(s.service().ai_systems().update(&id, input.into()).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/ai-systems", get(list_ai_systems).post(create_ai_system))
        .route("/v1/ai-systems/{ai_system_id}", get(get_ai_system).patch(patch_ai_system))
}

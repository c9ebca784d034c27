use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::purposes::{NoticeInput, NoticeView, PurposeInput, PurposeView},
    extract::{ApiJson, ApiQuery, Auth, PurposesWrite},
};

/// Declares a purpose (scope `purposes:write`).
#[utoipa::path(post, path = "/v1/purposes", tag = "purposes", request_body = PurposeInput,
    responses((status = 201, body = PurposeView), (status = 400, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_purpose(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<PurposesWrite>,
    ApiJson(input): ApiJson<PurposeInput>,
) -> Result<(StatusCode, Json<PurposeView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().purposes().create(input.into()).await?.into())))
}

/// Lists purposes (any key).
#[utoipa::path(get, path = "/v1/purposes", tag = "purposes", responses((status = 200, body = Vec<PurposeView>)), security(("bearer" = [])))]
pub(crate) async fn list_purposes(State(s): State<AppState>, Auth(_caller, _): Auth) -> Result<Json<Vec<PurposeView>>, ApiError> {
    Ok(Json(s.service().purposes().all().await?.into_iter().map(Into::into).collect()))
}

/// One purpose (any key).
#[utoipa::path(get, path = "/v1/purposes/{purpose}", tag = "purposes", params(("purpose" = String, Path, description = "the purpose's key")),
    responses((status = 200, body = PurposeView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_purpose(
    State(s): State<AppState>,
    Auth(_caller, _): Auth,
    Path(purpose): Path<String>,
) -> Result<Json<PurposeView>, ApiError> {
    Ok(Json(s.service().purposes().get(&purpose).await?.into()))
}

/// Publishes a notice version (scope `purposes:write`).
#[utoipa::path(post, path = "/v1/notices", tag = "purposes", request_body = NoticeInput,
    responses((status = 201, body = NoticeView), (status = 400, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_notice(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<PurposesWrite>,
    ApiJson(input): ApiJson<NoticeInput>,
) -> Result<(StatusCode, Json<NoticeView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().purposes().create_notice(input.into()).await?.into())))
}

/// Filter for notices.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeQuery {
    /// Only this purpose's notices.
    purpose: Option<String>,
}

/// Lists notices (any key).
#[utoipa::path(get, path = "/v1/notices", tag = "purposes", params(NoticeQuery), responses((status = 200, body = Vec<NoticeView>)), security(("bearer" = [])))]
pub(crate) async fn list_notices(
    State(s): State<AppState>,
    Auth(_caller, _): Auth,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> Result<Json<Vec<NoticeView>>, ApiError> {
    Ok(Json(s.service().purposes().notices(q.purpose.as_deref()).await?.into_iter().map(Into::into).collect()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/purposes", get(list_purposes).post(create_purpose))
        .route("/v1/purposes/{purpose}", get(get_purpose))
        .route("/v1/notices", get(list_notices).post(create_notice))
}

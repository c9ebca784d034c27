use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get},
};

use crate::{
    ApiError, AppState,
    dto::keys::{ApiKeyInput, ApiKeyView},
    extract::{ApiJson, Auth, KeysAdmin},
};

/// Creates an API key (scope `keys:admin`); the response's `key` is shown only once. A key grants
/// only scopes it holds itself, and never `all` (minted only on the server's host).
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = ApiKeyInput,
    responses((status = 201, body = ApiKeyView), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_key(
    State(s): State<AppState>,
    Auth(caller, _): Auth<KeysAdmin>,
    ApiJson(input): ApiJson<ApiKeyInput>,
) -> Result<(StatusCode, Json<ApiKeyView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().keys().create(input.try_into()?, custos_service::KeyIssuer::ApiKey(&caller)).await?.into())))
}

/// Lists API keys without secrets (scope `keys:admin`).
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = Vec<ApiKeyView>)), security(("bearer" = [])))]
pub(crate) async fn list_keys(State(s): State<AppState>, Auth(_caller, _): Auth<KeysAdmin>) -> Result<Json<Vec<ApiKeyView>>, ApiError> {
    Ok(Json(s.service().keys().all().await?.into_iter().map(Into::into).collect()))
}

/// Revokes an API key at once (scope `keys:admin`).
#[utoipa::path(delete, path = "/v1/keys/{key_id}", tag = "keys", params(("key_id" = String, Path)),
    responses((status = 200, body = ApiKeyView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn revoke_key(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<KeysAdmin>,
    Path(id): Path<String>,
) -> Result<Json<ApiKeyView>, ApiError> {
    Ok(Json(s.service().keys().revoke(&id).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/keys", get(list_keys).post(create_key)).route("/v1/keys/{key_id}", delete(revoke_key))
}

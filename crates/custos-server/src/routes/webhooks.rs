use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get, post},
};

use crate::{
    ApiError, AppState,
    dto::webhooks::{DeliveryView, WebhookInput, WebhookView},
    extract::{ApiJson, Auth, WebhooksAdmin},
};

/// Adds a webhook endpoint; the answer carries its signing secret, shown only now (scope
/// `webhooks:admin`).
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = WebhookView), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_webhook(
    State(s): State<AppState>,
    _auth: Auth<WebhooksAdmin>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().webhooks().create(input.into()).await?.into())))
}

/// The webhook endpoints in use (scope `webhooks:admin`).
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", responses((status = 200, body = Vec<WebhookView>)), security(("bearer" = [])))]
pub(crate) async fn list_webhooks(State(s): State<AppState>, _auth: Auth<WebhooksAdmin>) -> Result<Json<Vec<WebhookView>>, ApiError> {
    Ok(Json(s.service().webhooks().list().await?.into_iter().map(Into::into).collect()))
}

/// Removes a webhook endpoint; what it had pending is not sent (scope `webhooks:admin`).
#[utoipa::path(delete, path = "/v1/webhooks/{webhook_id}", tag = "webhooks", params(("webhook_id" = String, Path)),
    responses((status = 204), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn delete_webhook(
    State(s): State<AppState>,
    _auth: Auth<WebhooksAdmin>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.service().webhooks().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest deliveries to an endpoint with every attempt (scope `webhooks:admin`).
#[utoipa::path(get, path = "/v1/webhooks/{webhook_id}/deliveries", tag = "webhooks", params(("webhook_id" = String, Path)),
    responses((status = 200, body = Vec<DeliveryView>)), security(("bearer" = [])))]
pub(crate) async fn webhook_deliveries(
    State(s): State<AppState>,
    _auth: Auth<WebhooksAdmin>,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    Ok(Json(s.service().webhooks().deliveries(&id).await?.into_iter().map(Into::into).collect()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks", post(create_webhook).get(list_webhooks))
        .route("/v1/webhooks/{webhook_id}", delete(delete_webhook))
        .route("/v1/webhooks/{webhook_id}/deliveries", get(webhook_deliveries))
}

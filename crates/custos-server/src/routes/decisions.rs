use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::post,
};
use custos_service::dto::{DecisionInput, DecisionView, OutcomeInput};

use crate::{
    ApiError, AppState,
    extract::{ApiJson, Auth, DecisionsWrite},
};

/// Logs an AI decision (scope `decisions:write`).
#[utoipa::path(post, path = "/v1/decisions", tag = "decisions", request_body = DecisionInput,
    responses((status = 201, body = DecisionView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn record_decision(
    State(s): State<AppState>,
    Auth(p, _): Auth<DecisionsWrite>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().decisions().record(input, Some(p.key_id)).await?)))
}

/// Records the observed outcome of a decision (scope `decisions:write`).
#[utoipa::path(post, path = "/v1/decisions/{decision_id}/outcome", tag = "decisions", params(("decision_id" = String, Path)), request_body = OutcomeInput,
    responses((status = 200, body = DecisionView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn record_outcome(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DecisionsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> Result<Json<DecisionView>, ApiError> {
    Ok(Json(s.service().decisions().record_outcome(&id, input).await?))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/decisions", post(record_decision)).route("/v1/decisions/{decision_id}/outcome", post(record_outcome))
}

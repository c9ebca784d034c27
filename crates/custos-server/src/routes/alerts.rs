use axum::{
    Json, Router,
    extract::{Path, State},
    routing::{get, post},
};
use custos_core::{AlertSource, AlertState};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::{alerts::AlertView, optional_words},
    extract::{AlertsRead, AlertsWrite, ApiJsonOrEmpty, ApiQuery, Auth},
};

/// Alert filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertListQuery {
    /// Only from this source.
    #[param(schema_with = optional_words::<AlertSource>)]
    source: Option<AlertSource>,
    /// Only in this state.
    #[param(schema_with = optional_words::<AlertState>)]
    state: Option<AlertState>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
}

/// Alerts from every source, newest first (scope `alerts:read`).
#[utoipa::path(get, path = "/v1/alerts", tag = "alerts", params(AlertListQuery), responses((status = 200, body = Vec<AlertView>)), security(("bearer" = [])))]
pub(crate) async fn list_alerts(
    State(s): State<AppState>,
    _auth: Auth<AlertsRead>,
    ApiQuery(q): ApiQuery<AlertListQuery>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    Ok(Json(s.service().alerts().list(q.source, q.state, q.limit.unwrap_or(100)).await?.into_iter().map(Into::into).collect()))
}

/// Records that you have seen an alert (scope `alerts:write`).
#[utoipa::path(post, path = "/v1/alerts/{alert_id}/acknowledge", tag = "alerts", params(("alert_id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn acknowledge_alert(
    State(s): State<AppState>,
    Auth(p, _): Auth<AlertsWrite>,
    Path(id): Path<String>,
    _body: ApiJsonOrEmpty<crate::dto::NoFields>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.service().alerts().acknowledge(&id, &p.actor()).await?.into()))
}

/// Resolves a firing alert by hand (scope `alerts:write`).
#[utoipa::path(post, path = "/v1/alerts/{alert_id}/resolve", tag = "alerts", params(("alert_id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn resolve_alert(
    State(s): State<AppState>,
    _auth: Auth<AlertsWrite>,
    Path(id): Path<String>,
    _body: ApiJsonOrEmpty<crate::dto::NoFields>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.service().alerts().resolve(&id).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/alerts", get(list_alerts))
        .route("/v1/alerts/{alert_id}/acknowledge", post(acknowledge_alert))
        .route("/v1/alerts/{alert_id}/resolve", post(resolve_alert))
}

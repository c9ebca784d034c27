use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::incidents::{IncidentInput, IncidentView, LetterInput, LetterReportView, NotificationInput},
    extract::{ApiJson, ApiQuery, Auth, IncidentsRead, IncidentsWrite},
};

/// Opens an incident: its response plan is attached and its legal clocks start from
/// `became_aware_at` (scope `incidents:write`; a ledger event with the facts, never the text).
#[utoipa::path(post, path = "/v1/incidents", tag = "incidents", request_body = IncidentInput,
    responses((status = 201, body = IncidentView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_incident(
    State(s): State<AppState>,
    Auth(p, _): Auth<IncidentsWrite>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().incidents().create(input.into(), &p.actor()).await?.into())))
}

/// Incident filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentListQuery {
    /// Only incidents not closed.
    open: Option<bool>,
}

/// Incidents with their clocks, newest awareness first (scope `incidents:read`).
#[utoipa::path(get, path = "/v1/incidents", tag = "incidents", params(IncidentListQuery),
    responses((status = 200, body = Vec<IncidentView>), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_incidents(
    State(s): State<AppState>,
    _auth: Auth<IncidentsRead>,
    ApiQuery(q): ApiQuery<IncidentListQuery>,
) -> Result<Json<Vec<IncidentView>>, ApiError> {
    let list = s.service().incidents().list_at(q.open.unwrap_or(false), custos_core::now()).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One incident with its clocks (scope `incidents:read`).
#[utoipa::path(get, path = "/v1/incidents/{incident_id}", tag = "incidents", params(("incident_id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_incident(
    State(s): State<AppState>,
    _auth: Auth<IncidentsRead>,
    Path(id): Path<String>,
) -> Result<Json<IncidentView>, ApiError> {
    Ok(Json(s.service().incidents().get(&id).await?.into()))
}

/// Changes the fields given; the clocks follow the new facts (scope `incidents:write`; a ledger
/// event naming what changed).
#[utoipa::path(patch, path = "/v1/incidents/{incident_id}", tag = "incidents", params(("incident_id" = String, Path)), request_body = IncidentInput,
    responses((status = 200, body = IncidentView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_incident(
    State(s): State<AppState>,
    _auth: Auth<IncidentsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> Result<Json<IncidentView>, ApiError> {
    Ok(Json(s.service().incidents().update(&id, input.into()).await?.into()))
}

/// Records a notification made for one of the incident's duties: it stops that clock; a late
/// one needs `late_reason` (scope `incidents:write`; a ledger event).
#[utoipa::path(post, path = "/v1/incidents/{incident_id}/notifications", tag = "incidents", params(("incident_id" = String, Path)),
    request_body = NotificationInput,
    responses((status = 201, body = IncidentView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn notify_incident(
    State(s): State<AppState>,
    Auth(p, _): Auth<IncidentsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NotificationInput>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().incidents().notify(&id, input.into(), &p.actor()).await?.into())))
}

/// Report format.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentReportQuery {
    /// `html` (default), `pdf` or `json`.
    format: Option<String>,
}

/// The incident file for the authority: the facts, what happened and was done, every legal duty
/// with its deadline and where it stands, the notifications (late ones with their reasons) and
/// the response plan, as HTML, PDF or JSON (scope `incidents:read`).
#[utoipa::path(get, path = "/v1/incidents/{incident_id}/report", tag = "incidents", params(("incident_id" = String, Path), IncidentReportQuery),
    responses((status = 200, content_type = "text/html"), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn incident_report(
    State(s): State<AppState>,
    _auth: Auth<IncidentsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<IncidentReportQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let v = s.service().incidents().get(&id).await?;
    if q.format.as_deref() == Some("json") {
        return Ok(Json(IncidentView::from(v)).into_response());
    }
    let html = custos_web::incident_report_html(&v);
    crate::routes::report_as(q.format.as_deref(), html, &format!("incident-{id}")).await
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/incidents", get(list_incidents).post(create_incident))
        .route("/v1/incidents/{incident_id}", get(get_incident).patch(patch_incident))
        .route("/v1/incidents/{incident_id}/notifications", post(notify_incident))
        .route("/v1/incidents/{incident_id}/report", get(incident_report))
        .route("/v1/incidents/{incident_id}/letters", post(send_letters))
}

/// Sends the templated letter (GDPR Art. 34(2)) to every subject the incident lists through the
/// delivery channel, and records the notification of `duty` when named (scope
/// `incidents:write`; a ledger event with the letter's digest and the counts).
#[utoipa::path(post, path = "/v1/incidents/{incident_id}/letters", tag = "incidents", params(("incident_id" = String, Path)),
    request_body = LetterInput,
    responses((status = 200, body = LetterReportView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn send_letters(
    State(s): State<AppState>,
    Auth(p, _): Auth<IncidentsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LetterInput>,
) -> Result<Json<LetterReportView>, ApiError> {
    Ok(Json(s.service().incidents().send_letters(&id, input.into(), &p.actor()).await?.into()))
}

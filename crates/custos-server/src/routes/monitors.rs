use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::monitors::{MonitorInput, MonitorReportView, MonitorView, SilenceInput, WindowSummaryView},
    extract::{ApiJson, ApiJsonBytes, ApiQuery, Auth, MonitorsRead, MonitorsWrite},
};

/// Creates a monitor of a model's (or a purpose's) decisions against a reference window of the
/// decision log (scope `monitors:write`).
#[utoipa::path(post, path = "/v1/monitors", tag = "monitors", request_body = MonitorInput,
    responses((status = 201, body = MonitorView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_monitor(
    State(s): State<AppState>,
    _auth: Auth<MonitorsWrite>,
    ApiJson(input): ApiJson<MonitorInput>,
) -> Result<(StatusCode, Json<MonitorView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().monitors().create(input.into()).await?.into())))
}

/// Monitors, newest first (scope `monitors:read`).
#[utoipa::path(get, path = "/v1/monitors", tag = "monitors", responses((status = 200, body = Vec<MonitorView>)), security(("bearer" = [])))]
pub(crate) async fn list_monitors(State(s): State<AppState>, _auth: Auth<MonitorsRead>) -> Result<Json<Vec<MonitorView>>, ApiError> {
    Ok(Json(s.service().monitors().list().await?.into_iter().map(Into::into).collect()))
}

/// One monitor (scope `monitors:read`).
#[utoipa::path(get, path = "/v1/monitors/{monitor_id}", tag = "monitors", params(("monitor_id" = String, Path)),
    responses((status = 200, body = MonitorView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_monitor(
    State(s): State<AppState>,
    _auth: Auth<MonitorsRead>,
    Path(id): Path<String>,
) -> Result<Json<MonitorView>, ApiError> {
    Ok(Json(s.service().monitors().get(&id).await?.into()))
}

/// The current window of a report.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportQuery {
    /// Start of the current window (RFC 3339; default: the monitor's window length before `to`).
    from: Option<String>,
    /// End of the current window (RFC 3339, exclusive; default now).
    to: Option<String>,
    /// `json` (default) or `html` (a standalone page with a chart and the figures in words).
    format: Option<String>,
}

/// A monitor's report: drift of the features and performance of the current window against
/// the reference window, computed now from the decision log (scope `monitors:read`).
#[utoipa::path(get, path = "/v1/monitors/{monitor_id}/report", tag = "monitors", params(("monitor_id" = String, Path), ReportQuery),
    responses((status = 200, body = MonitorReportView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn monitor_report(
    State(s): State<AppState>,
    _auth: Auth<MonitorsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let html = super::wants_html(q.format.as_deref())?;
    let report = s.service().monitors().report(&id, q.from.as_deref(), q.to.as_deref()).await?;
    if html {
        let page = custos_web::monitor_report_page(&report).map_err(|e| ApiError::internal(&e))?;
        return Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], page).into_response());
    }
    Ok(Json(MonitorReportView::from(report)).into_response())
}

/// Which windows a trend covers.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct WindowsQuery {
    /// How many windows (1-30, default 7).
    count: Option<u32>,
    /// End of the last window (RFC 3339, exclusive; default now).
    to: Option<String>,
}

/// The last windows of a monitor, oldest first, each compared with the reference: features
/// that drifted and performance (scope `monitors:read`).
#[utoipa::path(get, path = "/v1/monitors/{monitor_id}/windows", tag = "monitors", params(("monitor_id" = String, Path), WindowsQuery),
    responses((status = 200, body = Vec<WindowSummaryView>), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn monitor_windows(
    State(s): State<AppState>,
    _auth: Auth<MonitorsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<WindowsQuery>,
) -> Result<Json<Vec<WindowSummaryView>>, ApiError> {
    Ok(Json(s.service().monitors().windows(&id, q.count, q.to.as_deref()).await?.into_iter().map(Into::into).collect()))
}

/// How many stored windows.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    /// How many of the newest stored windows (1-90, default 30).
    count: Option<u32>,
}

/// The monitor's stored closed windows (each whole window of its length, aligned to UTC,
/// profiled when it closed and kept under the check retention), oldest first, each compared
/// with the reference: the history that outlives the decision log (scope `monitors:read`).
#[utoipa::path(get, path = "/v1/monitors/{monitor_id}/history", tag = "monitors", params(("monitor_id" = String, Path), HistoryQuery),
    responses((status = 200, body = Vec<WindowSummaryView>), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn monitor_history(
    State(s): State<AppState>,
    _auth: Auth<MonitorsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Vec<WindowSummaryView>>, ApiError> {
    Ok(Json(s.service().monitors().history(&id, q.count).await?.into_iter().map(Into::into).collect()))
}

/// Silences a monitor's new alerts until a time, or lifts the silence with `until: null`
/// (scope `monitors:write`; a ledger event). Alerts already firing stay until they end.
#[utoipa::path(post, path = "/v1/monitors/{monitor_id}/silence", tag = "monitors", params(("monitor_id" = String, Path)), request_body = SilenceInput,
    responses((status = 200, body = MonitorView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn silence_monitor(
    State(s): State<AppState>,
    _auth: Auth<MonitorsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SilenceInput>,
) -> Result<Json<MonitorView>, ApiError> {
    Ok(Json(s.service().monitors().silence(&id, input.until.as_deref()).await?.into()))
}

/// Replaces the monitor's reference window with an uploaded profile (the JSON `custos drift
/// profile` writes, at most 16 MB): reports and checks then compare each window with it
/// (scope `monitors:write`; sealed at rest; a ledger event with the profile's digest).
#[utoipa::path(put, path = "/v1/monitors/{monitor_id}/reference-profile", tag = "monitors", params(("monitor_id" = String, Path)),
    request_body(content = serde_json::Value, description = "A drift profile (`custos drift profile`)", content_type = "application/json"),
    responses((status = 200, body = MonitorView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn upload_reference_profile(
    State(s): State<AppState>,
    _auth: Auth<MonitorsWrite>,
    Path(id): Path<String>,
    ApiJsonBytes(body): ApiJsonBytes,
) -> Result<Json<MonitorView>, ApiError> {
    Ok(Json(s.service().monitors().upload_reference(&id, &body).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/monitors", get(list_monitors).post(create_monitor))
        .route("/v1/monitors/{monitor_id}", get(get_monitor))
        .route("/v1/monitors/{monitor_id}/report", get(monitor_report))
        .route("/v1/monitors/{monitor_id}/windows", get(monitor_windows))
        .route("/v1/monitors/{monitor_id}/history", get(monitor_history))
        .route("/v1/monitors/{monitor_id}/silence", post(silence_monitor))
        .route(
            "/v1/monitors/{monitor_id}/reference-profile",
            put(upload_reference_profile).layer(DefaultBodyLimit::max(custos_service::monitors::MAX_PROFILE_BYTES + 1024)),
        )
}

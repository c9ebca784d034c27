use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{delete, get},
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::fairness::{
        FairnessAlertView, FairnessAuditInput, FairnessAuditView, FairnessScheduleDeleted, FairnessScheduleInput, FairnessScheduleView,
    },
    extract::{ApiJson, ApiQuery, AuditsRead, AuditsWrite, Auth},
};

/// How many to list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct FairnessListQuery {
    /// At most this many, newest first (default 100, at most 500).
    limit: Option<u32>,
}

/// How a report is rendered.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportQuery {
    /// `json` (default: the stored text, whose SHA-256 is in the ledger) or `html` (the
    /// standalone report with charts).
    format: Option<String>,
}

/// Starts a fairness audit of the decision log as a background job (scope `audits:write`); poll
/// the returned audit (its `Location`) for progress and the report.
#[utoipa::path(post, path = "/v1/fairness/audits", tag = "fairness", request_body = FairnessAuditInput,
    responses((status = 202, body = FairnessAuditView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_fairness_audit(
    State(s): State<AppState>,
    Auth(p, _): Auth<AuditsWrite>,
    ApiJson(input): ApiJson<FairnessAuditInput>,
) -> Result<Response, ApiError> {
    let view = FairnessAuditView::from(s.service().fairness().request_audit(input.into(), Some(p.key_id)).await?);
    let location = HeaderValue::from_str(&format!("/v1/fairness/audits/{}", view.audit_id)).ok();
    let mut response = (StatusCode::ACCEPTED, Json(view)).into_response();
    if let Some(l) = location {
        response.headers_mut().insert(header::LOCATION, l);
    }
    Ok(response)
}

/// Recent audits without their reports (scope `audits:read`).
#[utoipa::path(get, path = "/v1/fairness/audits", tag = "fairness", params(FairnessListQuery),
    responses((status = 200, body = Vec<FairnessAuditView>)), security(("bearer" = [])))]
pub(crate) async fn list_fairness_audits(
    State(s): State<AppState>,
    _auth: Auth<AuditsRead>,
    ApiQuery(q): ApiQuery<FairnessListQuery>,
) -> Result<Json<Vec<FairnessAuditView>>, ApiError> {
    Ok(Json(s.service().fairness().audits(q.limit.unwrap_or(100)).await?.into_iter().map(Into::into).collect()))
}

/// One audit: status, progress, alerts and, once it succeeded, the report (scope `audits:read`).
#[utoipa::path(get, path = "/v1/fairness/audits/{audit_id}", tag = "fairness", params(("audit_id" = String, Path)),
    responses((status = 200, body = FairnessAuditView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_fairness_audit(
    State(s): State<AppState>,
    _auth: Auth<AuditsRead>,
    Path(id): Path<String>,
) -> Result<Json<FairnessAuditView>, ApiError> {
    Ok(Json(s.service().fairness().audit(&id).await?.into()))
}

/// The report of a finished audit (scope `audits:read`): the exact stored JSON, whose SHA-256 the
/// ledger holds, or with `format=html` the standalone report with charts.
#[utoipa::path(get, path = "/v1/fairness/audits/{audit_id}/report", tag = "fairness", params(("audit_id" = String, Path), ReportQuery),
    responses((status = 200, body = Object), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn fairness_report(
    State(s): State<AppState>,
    _auth: Auth<AuditsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let html = super::wants_html(q.format.as_deref())?;
    let text = s.service().fairness().report(&id).await?;
    if !html {
        return Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], text).into_response());
    }
    let audit = s.service().fairness().audit(&id).await?;
    let page = custos_web::fairness_report_page(&audit).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], page).into_response())
}

/// Audits whose disparities crossed their thresholds, newest first (scope `audits:read`).
#[utoipa::path(get, path = "/v1/fairness/alerts", tag = "fairness", params(FairnessListQuery),
    responses((status = 200, body = Vec<FairnessAlertView>)), security(("bearer" = [])))]
pub(crate) async fn list_fairness_alerts(
    State(s): State<AppState>,
    _auth: Auth<AuditsRead>,
    ApiQuery(q): ApiQuery<FairnessListQuery>,
) -> Result<Json<Vec<FairnessAlertView>>, ApiError> {
    Ok(Json(s.service().fairness().alerts(q.limit.unwrap_or(100)).await?.into_iter().map(Into::into).collect()))
}

/// Creates a recurring audit; its first run is queued at once (scope `audits:write`).
#[utoipa::path(post, path = "/v1/fairness/schedules", tag = "fairness", request_body = FairnessScheduleInput,
    responses((status = 201, body = FairnessScheduleView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_fairness_schedule(
    State(s): State<AppState>,
    Auth(p, _): Auth<AuditsWrite>,
    ApiJson(input): ApiJson<FairnessScheduleInput>,
) -> Result<(StatusCode, Json<FairnessScheduleView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().fairness().create_schedule(input.into(), Some(p.key_id)).await?.into())))
}

/// Every recurring audit (scope `audits:read`).
#[utoipa::path(get, path = "/v1/fairness/schedules", tag = "fairness",
    responses((status = 200, body = Vec<FairnessScheduleView>)), security(("bearer" = [])))]
pub(crate) async fn list_fairness_schedules(
    State(s): State<AppState>,
    _auth: Auth<AuditsRead>,
) -> Result<Json<Vec<FairnessScheduleView>>, ApiError> {
    Ok(Json(s.service().fairness().schedules().await?.into_iter().map(Into::into).collect()))
}

/// Stops a recurring audit; its past audits stay (scope `audits:write`).
#[utoipa::path(delete, path = "/v1/fairness/schedules/{schedule_id}", tag = "fairness", params(("schedule_id" = String, Path)),
    responses((status = 200, body = FairnessScheduleDeleted), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn delete_fairness_schedule(
    State(s): State<AppState>,
    Auth(p, _): Auth<AuditsWrite>,
    Path(id): Path<String>,
) -> Result<Json<FairnessScheduleDeleted>, ApiError> {
    Ok(Json(s.service().fairness().delete_schedule(&id, Some(p.key_id)).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/fairness/audits", get(list_fairness_audits).post(create_fairness_audit))
        .route("/v1/fairness/audits/{audit_id}", get(get_fairness_audit))
        .route("/v1/fairness/audits/{audit_id}/report", get(fairness_report))
        .route("/v1/fairness/alerts", get(list_fairness_alerts))
        .route("/v1/fairness/schedules", get(list_fairness_schedules).post(create_fairness_schedule))
        .route("/v1/fairness/schedules/{schedule_id}", delete(delete_fairness_schedule))
}

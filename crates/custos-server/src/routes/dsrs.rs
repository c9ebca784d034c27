use axum::{
    Json, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use custos_core::{DsrStatus, DsrType};
use custos_service::DsrQuery;
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::{
        dsrs::{DsrCompleteInput, DsrInput, DsrReasonInput, DsrVerifyInput, DsrView, MergeInput, SubjectExport},
        optional_words,
    },
    extract::{ApiJson, ApiJsonOrEmpty, ApiQuery, Auth, DsrsRead, DsrsWrite},
};

/// Files a data-subject request (scope `dsrs:write`).
#[utoipa::path(post, path = "/v1/dsr", tag = "dsr", request_body = DsrInput,
    responses((status = 201, body = DsrView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsWrite>,
    ApiJson(input): ApiJson<DsrInput>,
) -> Result<(StatusCode, Json<DsrView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().dsrs().create(input.into()).await?.into())))
}

/// Request filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DsrListQuery {
    /// Only open requests past their due date, most overdue first.
    #[serde(default)]
    overdue: bool,
    /// Only this status.
    #[param(schema_with = optional_words::<DsrStatus>)]
    status: Option<DsrStatus>,
    /// Only this subject's requests.
    subject_id: Option<String>,
    /// Only this type.
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = optional_words::<DsrType>)]
    dsr_type: Option<DsrType>,
    /// Only under this jurisdiction's law (`DE`, `US-CA`, ...).
    jurisdiction: Option<String>,
    /// Only due before this time (RFC 3339).
    due_before: Option<String>,
    /// `json` (default) or `csv` (the same rows as a spreadsheet, `text/csv`).
    format: Option<String>,
    /// At most this many (default 500).
    limit: Option<u32>,
}

/// Lists requests, filtered; with `format=csv` as a spreadsheet (scope `dsrs:read`).
#[utoipa::path(get, path = "/v1/dsr", tag = "dsr", params(DsrListQuery),
    responses((status = 200, body = Vec<DsrView>), (status = 200, description = "with format=csv", content_type = "text/csv", body = String)),
    security(("bearer" = [])))]
pub(crate) async fn list_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsRead>,
    ApiQuery(q): ApiQuery<DsrListQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid(Some("format".into()), "must be json or csv")),
    };
    let query = DsrQuery {
        status: q.status,
        overdue: q.overdue,
        open: false,
        subject_id: q.subject_id,
        dsr_type: q.dsr_type,
        jurisdiction: q.jurisdiction,
        due_before: q.due_before,
        limit: q.limit,
    };
    let views: Vec<DsrView> = s.service().dsrs().list(query).await?.into_iter().map(Into::into).collect();
    Ok(if csv {
        (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"requests.csv\"")],
            crate::dto::dsrs::csv(&views),
        )
            .into_response()
    } else {
        Json(views).into_response()
    })
}

/// Closes a request as a duplicate of another open request of the same subject and type
/// (scope `dsrs:write`).
#[utoipa::path(post, path = "/v1/dsr/{dsr_id}/merge", tag = "dsr", params(("dsr_id" = String, Path)), request_body = MergeInput,
    responses((status = 200, body = DsrView), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn merge_dsr(
    State(s): State<AppState>,
    _auth: Auth<DsrsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<Json<DsrView>, ApiError> {
    Ok(Json(s.service().dsrs().merge(&id, &input.into).await?.into()))
}

/// One request (scope `dsrs:read`).
#[utoipa::path(get, path = "/v1/dsr/{dsr_id}", tag = "dsr", params(("dsr_id" = String, Path)),
    responses((status = 200, body = DsrView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsRead>,
    Path(id): Path<String>,
) -> Result<Json<DsrView>, ApiError> {
    Ok(Json(s.service().dsrs().get(&id).await?.into()))
}

/// Records identity verification (scope `dsrs:write`).
#[utoipa::path(post, path = "/v1/dsr/{dsr_id}/verify", tag = "dsr", params(("dsr_id" = String, Path)), request_body = DsrVerifyInput,
    responses((status = 200, body = DsrView), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn verify_dsr(
    State(s): State<AppState>,
    Auth(p, _): Auth<DsrsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DsrVerifyInput>,
) -> Result<Json<DsrView>, ApiError> {
    Ok(Json(s.service().dsrs().verify(&id, input.into(), &format!("api_key:{}", p.key_id)).await?.into()))
}

/// Carries the request out (scope `dsrs:write`).
#[utoipa::path(post, path = "/v1/dsr/{dsr_id}/complete", tag = "dsr", params(("dsr_id" = String, Path)), request_body = DsrCompleteInput,
    responses((status = 200, body = DsrView), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn complete_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsWrite>,
    Path(id): Path<String>,
    ApiJsonOrEmpty(_body): ApiJsonOrEmpty<DsrCompleteInput>,
) -> Result<Json<DsrView>, ApiError> {
    Ok(Json(s.service().dsrs().complete(&id).await?.into()))
}

/// Extends the deadline once, with a reason (scope `dsrs:write`).
#[utoipa::path(post, path = "/v1/dsr/{dsr_id}/extend", tag = "dsr", params(("dsr_id" = String, Path)), request_body = DsrReasonInput,
    responses((status = 200, body = DsrView), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn extend_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DsrReasonInput>,
) -> Result<Json<DsrView>, ApiError> {
    Ok(Json(s.service().dsrs().extend(&id, input.into()).await?.into()))
}

/// Rejects the request, with a reason (scope `dsrs:write`).
#[utoipa::path(post, path = "/v1/dsr/{dsr_id}/reject", tag = "dsr", params(("dsr_id" = String, Path)), request_body = DsrReasonInput,
    responses((status = 200, body = DsrView), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn reject_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DsrReasonInput>,
) -> Result<Json<DsrView>, ApiError> {
    Ok(Json(s.service().dsrs().reject(&id, input.into()).await?.into()))
}

/// The complete JSON export answering an access or portability request (scope `dsrs:read`).
/// Generated on request and never stored.
#[utoipa::path(get, path = "/v1/dsr/{dsr_id}/export", tag = "dsr", params(("dsr_id" = String, Path)),
    responses((status = 200, body = SubjectExport), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn export_dsr(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DsrsRead>,
    Path(id): Path<String>,
) -> Result<Json<SubjectExport>, ApiError> {
    Ok(Json(s.service().dsrs().export(&id).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/dsr", get(list_dsr).post(create_dsr))
        .route("/v1/dsr/{dsr_id}", get(get_dsr))
        .route("/v1/dsr/{dsr_id}/verify", post(verify_dsr))
        .route("/v1/dsr/{dsr_id}/complete", post(complete_dsr))
        .route("/v1/dsr/{dsr_id}/extend", post(extend_dsr))
        .route("/v1/dsr/{dsr_id}/reject", post(reject_dsr))
        .route("/v1/dsr/{dsr_id}/export", get(export_dsr))
        .route("/v1/dsr/{dsr_id}/merge", post(merge_dsr))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::assessments::{AssessmentInput, AssessmentView},
    extract::{ApiJson, ApiQuery, AssessmentsRead, AssessmentsWrite, Auth},
};

/// Starts an assessment with the latest version of a questionnaire, of an AI system (`dpia`,
/// `ai_act`) or of a vendor (`vendor`), as a draft; the answers given are checked and concluded from (scope
/// `assessments:write`; a ledger event).
#[utoipa::path(post, path = "/v1/assessments", tag = "assessments", request_body = AssessmentInput,
    responses((status = 201, body = AssessmentView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_assessment(
    State(s): State<AppState>,
    Auth(p, _): Auth<AssessmentsWrite>,
    ApiJson(input): ApiJson<AssessmentInput>,
) -> Result<(StatusCode, Json<AssessmentView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().assessments().create(input.into(), &p.actor()).await?.into())))
}

/// Assessment filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssessmentListQuery {
    /// Only this AI system's assessments.
    ai_system_id: Option<String>,
    /// Only this vendor's assessments.
    vendor_id: Option<String>,
}

/// Assessments, newest first (scope `assessments:read`).
#[utoipa::path(get, path = "/v1/assessments", tag = "assessments", params(AssessmentListQuery),
    responses((status = 200, body = Vec<AssessmentView>), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_assessments(
    State(s): State<AppState>,
    _auth: Auth<AssessmentsRead>,
    ApiQuery(q): ApiQuery<AssessmentListQuery>,
) -> Result<Json<Vec<AssessmentView>>, ApiError> {
    Ok(Json(s.service().assessments().list(q.ai_system_id.as_deref(), q.vendor_id.as_deref()).await?.into_iter().map(Into::into).collect()))
}

/// One assessment with what custos concluded (scope `assessments:read`).
#[utoipa::path(get, path = "/v1/assessments/{assessment_id}", tag = "assessments", params(("assessment_id" = String, Path)),
    responses((status = 200, body = AssessmentView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_assessment(
    State(s): State<AppState>,
    _auth: Auth<AssessmentsRead>,
    Path(id): Path<String>,
) -> Result<Json<AssessmentView>, ApiError> {
    Ok(Json(s.service().assessments().get(&id).await?.into()))
}

/// Merges answers or moves the assessment: `submitted`, `approved` (a privacy officer with a
/// personal access token), `draft` (scope `assessments:write`; a ledger event).
#[utoipa::path(patch, path = "/v1/assessments/{assessment_id}", tag = "assessments", params(("assessment_id" = String, Path)),
    request_body = AssessmentInput,
    responses((status = 200, body = AssessmentView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_assessment(
    State(s): State<AppState>,
    Auth(p, _): Auth<AssessmentsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AssessmentInput>,
) -> Result<Json<AssessmentView>, ApiError> {
    Ok(Json(s.service().assessments().update(&id, input.into(), &p).await?.into()))
}

/// Report format.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportQuery {
    /// `html` (default) or `pdf`.
    format: Option<String>,
}

/// The assessment's report: the AI system or vendor, every answer with its question and article, and what
/// custos concluded (the tier's path and obligations, the DPIA screening, the vendor review's
/// findings), as HTML or PDF (scope
/// `assessments:read`).
#[utoipa::path(get, path = "/v1/assessments/{assessment_id}/report", tag = "assessments", params(("assessment_id" = String, Path), ReportQuery),
    responses((status = 200, content_type = "text/html"), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn assessment_report(
    State(s): State<AppState>,
    _auth: Auth<AssessmentsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let a = s.service().assessments().get(&id).await?;
    let about = s.service().assessments().about(&a).await?;
    let html = custos_web::assessment_report_html(&a, about);
    crate::routes::report_as(q.format.as_deref(), html, &format!("assessment-{id}")).await
}

/// The questionnaires custos knows, each with its sections and questions (scope
/// `assessments:read`).
#[utoipa::path(get, path = "/v1/questionnaires", tag = "assessments", responses((status = 200, body = Object)), security(("bearer" = [])))]
pub(crate) async fn list_questionnaires(_auth: Auth<AssessmentsRead>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(custos_govern::questionnaire::questionnaires()).unwrap_or_default(),
    )
        .into_response()
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/assessments", get(list_assessments).post(create_assessment))
        .route("/v1/assessments/{assessment_id}", get(get_assessment).patch(patch_assessment))
        .route("/v1/assessments/{assessment_id}/report", get(assessment_report))
        .route("/v1/questionnaires", get(list_questionnaires))
}

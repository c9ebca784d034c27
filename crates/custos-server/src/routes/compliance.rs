use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, patch},
};
use data_encoding::BASE64;
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::compliance::{ControlView, EvidenceProofView, EvidenceUploadInput, EvidenceView, ObligationView, RunView, ScopeInput},
    extract::{ApiJson, ApiQuery, Auth, ComplianceRead, ComplianceWrite},
};

/// Obligation filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObligationQuery {
    /// Only this law (`GDPR`, `CCPA`, ...).
    regulation: Option<String>,
    /// Only this status (`failing`, `not_evaluated`, `passing`, `not_applicable`).
    status: Option<String>,
}

/// The obligations of the catalog, whether each applies and why, and how it stands; failing
/// first (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/obligations", tag = "compliance", params(ObligationQuery),
    responses((status = 200, body = Vec<ObligationView>), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_obligations(
    State(s): State<AppState>,
    _auth: Auth<ComplianceRead>,
    ApiQuery(q): ApiQuery<ObligationQuery>,
) -> Result<Json<Vec<ObligationView>>, ApiError> {
    if let Some(st) = &q.status {
        custos_service::compliance::ComplianceStatus::parse(st).map_err(|e| ApiError::invalid(Some("status".into()), e.message()))?;
    }
    let view = s.service().compliance().view().await?;
    Ok(Json(
        view.obligations
            .into_iter()
            .filter(|o| q.regulation.as_deref().is_none_or(|r| o.obligation.regulation == r))
            .map(ObligationView::from)
            .filter(|o| q.status.as_deref().is_none_or(|st| o.status == st))
            .collect(),
    ))
}

/// A DPO marks an obligation not applicable with a justification, or applicable again (scope
/// `compliance:write`, a privacy officer's personal access token; a ledger event).
#[utoipa::path(patch, path = "/v1/compliance/obligations/{obligation_id}", tag = "compliance", params(("obligation_id" = String, Path)),
    request_body = ScopeInput,
    responses((status = 200, body = ObligationView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn scope_obligation(
    State(s): State<AppState>,
    Auth(p, _): Auth<ComplianceWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ScopeInput>,
) -> Result<Json<ObligationView>, ApiError> {
    let service = s.service().compliance();
    service.scope(&id, input.not_applicable, input.justification, p.staff.as_ref()).await?;
    let view = service.view().await?;
    let o = view
        .obligations
        .into_iter()
        .find(|o| o.obligation.obligation_id == id)
        .ok_or(custos_service::ServiceError::NotFound { resource: "obligation" })?;
    Ok(Json(o.into()))
}

/// The controls: automated ones with their rule, manual ones per capability, each with its
/// newest evidence and status (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/controls", tag = "compliance", responses((status = 200, body = Vec<ControlView>)), security(("bearer" = [])))]
pub(crate) async fn list_controls(State(s): State<AppState>, _auth: Auth<ComplianceRead>) -> Result<Json<Vec<ControlView>>, ApiError> {
    Ok(Json(s.service().compliance().view().await?.controls.into_iter().map(Into::into).collect()))
}

/// Evidence filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceQuery {
    /// Only this control's.
    control: Option<String>,
    /// At most this many (default 100, up to 1,000).
    limit: Option<u32>,
}

/// Evidence, newest first (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/evidence", tag = "compliance", params(EvidenceQuery),
    responses((status = 200, body = Vec<EvidenceView>), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_evidence(
    State(s): State<AppState>,
    _auth: Auth<ComplianceRead>,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
) -> Result<Json<Vec<EvidenceView>>, ApiError> {
    let all = s.service().compliance().evidence(q.control.as_deref(), q.limit.unwrap_or(100)).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// One piece of evidence with its proof: the hash recomputed and found in the ledger, and the
/// offline bundle for `custos ledger verify-proof` (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/evidence/{evidence_id}", tag = "compliance", params(("evidence_id" = String, Path)),
    responses((status = 200, body = EvidenceProofView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_evidence(
    State(s): State<AppState>,
    _auth: Auth<ComplianceRead>,
    Path(id): Path<String>,
) -> Result<Json<EvidenceProofView>, ApiError> {
    let p = s.service().compliance().prove(&id).await?;
    Ok(Json(EvidenceProofView {
        evidence: p.evidence.into(),
        verified: p.verified,
        proof: serde_json::to_value(&p.bundle).unwrap_or_default(),
    }))
}

/// An uploaded evidence file, as uploaded (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/evidence/{evidence_id}/file", tag = "compliance", params(("evidence_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn evidence_file(
    State(s): State<AppState>,
    _auth: Auth<ComplianceRead>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (e, content) = s.service().compliance().evidence_file(&id).await?;
    let content = content.ok_or(custos_service::ServiceError::NotFound { resource: "evidence file" })?;
    let name = e.file_name.unwrap_or_else(|| "evidence".into()).replace(['"', '\\'], "_");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, e.content_type.unwrap_or_else(|| "application/octet-stream".into())),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        content,
    )
        .into_response())
}

/// Uploads a file as evidence for a manual control (scope `compliance:write`, a personal
/// access token; a ledger event with the file's hash).
#[utoipa::path(post, path = "/v1/compliance/evidence", tag = "compliance", request_body = EvidenceUploadInput,
    responses((status = 201, body = EvidenceView), (status = 400, body = ApiError), (status = 403, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn upload_evidence(
    State(s): State<AppState>,
    Auth(p, _): Auth<ComplianceWrite>,
    ApiJson(input): ApiJson<EvidenceUploadInput>,
) -> Result<(StatusCode, Json<EvidenceView>), ApiError> {
    let text = input.content_base64.ok_or_else(|| ApiError::invalid(Some("content_base64".into()), "is required"))?;
    if text.len() > custos_service::compliance::MAX_EVIDENCE_BYTES / 3 * 4 + 8 {
        return Err(ApiError::invalid(Some("content_base64".into()), "the file is larger than 5 MiB"));
    }
    let content = BASE64.decode(text.as_bytes()).map_err(|_| ApiError::invalid(Some("content_base64".into()), "must be base64"))?;
    let upload = custos_service::compliance::EvidenceUpload {
        control: input.control,
        file_name: input.file_name,
        content_type: input.content_type,
        content,
        owner: input.owner,
        review_on: input.review_on,
    };
    let e = s.service().compliance().upload(upload, p.staff.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

/// Evaluates every automated control now (scope `compliance:write`, a personal access token):
/// evidence stored and hashed into the ledger, alerts for failing controls. At most one a minute
/// (409 otherwise).
#[utoipa::path(post, path = "/v1/compliance/runs", tag = "compliance",
    responses((status = 201, body = RunView), (status = 403, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn start_run(
    State(s): State<AppState>,
    Auth(p, _): Auth<ComplianceWrite>,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    let Some(staff) = p.staff.as_ref() else {
        return Err(custos_service::ServiceError::NotAllowed(custos_core::ValidationError::new(
            "authorization",
            "starting a run needs a person: use a personal access token",
        ))
        .into());
    };
    let run = s.service().compliance().evaluate_on_demand(&format!("staff:{}", staff.user_id)).await?;
    Ok((StatusCode::CREATED, Json(run.into())))
}

/// Runs, newest first (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/runs", tag = "compliance", responses((status = 200, body = Vec<RunView>)), security(("bearer" = [])))]
pub(crate) async fn list_runs(State(s): State<AppState>, _auth: Auth<ComplianceRead>) -> Result<Json<Vec<RunView>>, ApiError> {
    Ok(Json(s.service().compliance().runs().await?.into_iter().map(Into::into).collect()))
}

/// Report options.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportQuery {
    /// Only this law (default: all).
    regulation: Option<String>,
    /// `html` (default), `pdf` or `json` (with each evidence's offline proof bundle).
    format: Option<String>,
}

/// The compliance report a regulator or a board can read: a summary in words, the applicable
/// obligations failing first, their controls and the latest evidence with its ledger leaf and
/// hash; `verified: false` catalog entries marked (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/report", tag = "compliance", params(ReportQuery),
    responses((status = 200, content_type = "text/html"), (status = 400, body = ApiError), (status = 503, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn compliance_report(
    State(s): State<AppState>,
    _auth: Auth<ComplianceRead>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let view = s.service().compliance().view().await?;
    if let Some(r) = &q.regulation
        && !view.regulations.iter().any(|x| &x.regulation == r)
    {
        return Err(ApiError::invalid(
            Some("regulation".into()),
            "not a regulation of the catalog (GET /v1/compliance/obligations lists them)",
        ));
    }
    if q.format.as_deref() == Some("json") {
        return Ok(Json(s.service().compliance().report_json(q.regulation.as_deref()).await?).into_response());
    }
    let html = custos_web::compliance_report_html(&view, q.regulation.as_deref(), custos_core::now());
    crate::routes::report_as(q.format.as_deref(), html, "compliance").await
}

/// Record format.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct RopaQuery {
    /// `json` (default), `csv`, `html` or `pdf`.
    format: Option<String>,
}

/// The GDPR Art. 30(1) record of processing from the declared purposes and the vendor
/// register, compared with the gate checks of the last 30 days: `entries` (one per purpose, with
/// what ran) and `findings` where the two differ (scope `compliance:read`).
#[utoipa::path(get, path = "/v1/compliance/ropa", tag = "compliance", params(RopaQuery),
    responses((status = 200, body = Object), (status = 400, body = ApiError), (status = 503, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn ropa(
    State(s): State<AppState>,
    _auth: Auth<ComplianceRead>,
    ApiQuery(q): ApiQuery<RopaQuery>,
) -> Result<Response, ApiError> {
    let r = s.service().compliance().ropa(custos_core::now()).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(r).into_response()),
        Some("csv") => Ok((
            [
                (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"record-of-processing.csv\""),
            ],
            custos_service::compliance::ropa_csv(&r),
        )
            .into_response()),
        Some("html") => crate::routes::report_as(None, custos_web::ropa_html(&r), "record-of-processing").await,
        Some("pdf") => crate::routes::report_as(Some("pdf"), custos_web::ropa_html(&r), "record-of-processing").await,
        Some(_) => Err(ApiError::invalid(Some("format".into()), "must be `json`, `csv`, `html` or `pdf`")),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/compliance/obligations", get(list_obligations))
        .route("/v1/compliance/obligations/{obligation_id}", patch(scope_obligation))
        .route("/v1/compliance/controls", get(list_controls))
        .route(
            "/v1/compliance/evidence",
            get(list_evidence)
                .post(upload_evidence)
                .layer(DefaultBodyLimit::max(custos_service::compliance::MAX_EVIDENCE_BYTES / 3 * 4 + (1 << 16))),
        )
        .route("/v1/compliance/evidence/{evidence_id}", get(get_evidence))
        .route("/v1/compliance/evidence/{evidence_id}/file", get(evidence_file))
        .route("/v1/compliance/runs", get(list_runs).post(start_run))
        .route("/v1/compliance/report", get(compliance_report))
        .route("/v1/compliance/ropa", get(ropa))
}

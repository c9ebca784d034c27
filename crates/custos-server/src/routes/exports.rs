use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};

use crate::{
    ApiError, AppState,
    dto::exports::{
        BudgetView, DpAnswer, DpQueryInput, ExportInput, ExportPolicyInput, ExportPolicyView, ExportView, SegmentInput, SegmentView,
    },
    extract::{ApiJson, Auth, DpQuery, ExportsAdmin, ExportsRead, ExportsWrite},
};

/// Sets a new version of a purpose's export policy: quasi-identifiers and their hierarchies,
/// sensitive attributes, k/l/t, or private statistics instead of rows, and the privacy budget
/// (scope `exports:admin`, a privacy officer as a person; a ledger event with the whole policy).
#[utoipa::path(put, path = "/v1/export-policies/{purpose}", tag = "exports", params(("purpose" = String, Path)), request_body = ExportPolicyInput,
    responses((status = 200, body = ExportPolicyView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn put_export_policy(
    State(s): State<AppState>,
    Auth(p, _): Auth<ExportsAdmin>,
    Path(purpose): Path<String>,
    ApiJson(input): ApiJson<ExportPolicyInput>,
) -> Result<Json<ExportPolicyView>, ApiError> {
    let policy: custos_service::exports::ExportPolicy = serde_path_to_error::deserialize(input.policy).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "policy".to_owned() } else { format!("policy.{path}") };
        ApiError::invalid(Some(field), e.into_inner().to_string())
    })?;
    Ok(Json(s.service().exports().set_policy(&purpose, policy, input.reset_budget, &p).await?.into()))
}

/// Every purpose's export policy in force (scope `exports:read`).
#[utoipa::path(get, path = "/v1/export-policies", tag = "exports",
    responses((status = 200, body = Vec<ExportPolicyView>)), security(("bearer" = [])))]
pub(crate) async fn list_export_policies(
    State(s): State<AppState>,
    _auth: Auth<ExportsRead>,
) -> Result<Json<Vec<ExportPolicyView>>, ApiError> {
    Ok(Json(s.service().exports().policies().await?.into_iter().map(Into::into).collect()))
}

/// A purpose's export policy versions, the one in force first (scope `exports:read`).
#[utoipa::path(get, path = "/v1/export-policies/{purpose}", tag = "exports", params(("purpose" = String, Path)),
    responses((status = 200, body = Vec<ExportPolicyView>), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn export_policy_versions(
    State(s): State<AppState>,
    _auth: Auth<ExportsRead>,
    Path(purpose): Path<String>,
) -> Result<Json<Vec<ExportPolicyView>>, ApiError> {
    Ok(Json(s.service().exports().policy_versions(&purpose).await?.into_iter().map(Into::into).collect()))
}

/// Saves a segment (scope `exports:write`; a ledger event).
#[utoipa::path(post, path = "/v1/segments", tag = "exports", request_body = SegmentInput,
    responses((status = 201, body = SegmentView), (status = 400, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_segment(
    State(s): State<AppState>,
    Auth(p, _): Auth<ExportsWrite>,
    ApiJson(input): ApiJson<SegmentInput>,
) -> Result<(StatusCode, Json<SegmentView>), ApiError> {
    let input = custos_service::exports::SegmentInput {
        name: input.name,
        jurisdictions: input.jurisdictions,
        filter: input.filter,
        fields: input.fields,
    };
    Ok((StatusCode::CREATED, Json(s.service().exports().create_segment(input, &p.actor()).await?.into())))
}

/// Saved segments by name (scope `exports:read`).
#[utoipa::path(get, path = "/v1/segments", tag = "exports", responses((status = 200, body = Vec<SegmentView>)), security(("bearer" = [])))]
pub(crate) async fn list_segments(State(s): State<AppState>, _auth: Auth<ExportsRead>) -> Result<Json<Vec<SegmentView>>, ApiError> {
    Ok(Json(s.service().exports().segments().await?.into_iter().map(Into::into).collect()))
}

/// Exports a segment under a purpose (scope `exports:write`): the gate selects the subjects and
/// releases what the purpose allows; the purpose's export policy applies; the file is sealed
/// and kept for the policy's retention; the ledger records the export with the file's SHA-256.
#[utoipa::path(post, path = "/v1/exports", tag = "exports", request_body = ExportInput,
    responses((status = 201, body = ExportView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_export(
    State(s): State<AppState>,
    Auth(p, _): Auth<ExportsWrite>,
    ApiJson(input): ApiJson<ExportInput>,
) -> Result<(StatusCode, Json<ExportView>), ApiError> {
    let input = custos_service::exports::ExportInput {
        purpose: input.purpose,
        segment_id: input.segment_id,
        format: input.format,
        recipient: input.recipient.map(|r| r.vendor_id),
        tcf_vendor_id: input.tcf_vendor_id,
    };
    Ok((StatusCode::CREATED, Json(s.service().exports().export(input, &p.actor()).await?.into())))
}

/// Exports, newest first (scope `exports:read`).
#[utoipa::path(get, path = "/v1/exports", tag = "exports", responses((status = 200, body = Vec<ExportView>)), security(("bearer" = [])))]
pub(crate) async fn list_exports(State(s): State<AppState>, _auth: Auth<ExportsRead>) -> Result<Json<Vec<ExportView>>, ApiError> {
    Ok(Json(s.service().exports().list().await?.into_iter().map(Into::into).collect()))
}

/// One export and its report (scope `exports:read`).
#[utoipa::path(get, path = "/v1/exports/{export_id}", tag = "exports", params(("export_id" = String, Path)),
    responses((status = 200, body = ExportView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_export(
    State(s): State<AppState>,
    _auth: Auth<ExportsRead>,
    Path(id): Path<String>,
) -> Result<Json<ExportView>, ApiError> {
    Ok(Json(s.service().exports().get(&id).await?.into()))
}

/// An export's file (CSV or Parquet) while its retention lasts; 404 after (scope
/// `exports:read`).
#[utoipa::path(get, path = "/v1/exports/{export_id}/file", tag = "exports", params(("export_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn export_file(State(s): State<AppState>, _auth: Auth<ExportsRead>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (bytes, format) = s.service().exports().file(&id).await?;
    Ok(custos_web::export_file_response(&id, bytes, &format))
}

/// Answers a differentially private query and spends the purpose's privacy budget (scope
/// `dp:query`); a query the budget cannot pay for is refused (422, `remaining` in the problem
/// document) and nothing is released.
#[utoipa::path(post, path = "/v1/dp/query", tag = "exports", request_body = DpQueryInput,
    responses((status = 200, body = DpAnswer), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn dp_query(
    State(s): State<AppState>,
    Auth(p, _): Auth<DpQuery>,
    ApiJson(input): ApiJson<DpQueryInput>,
) -> Result<Json<DpAnswer>, ApiError> {
    Ok(Json(s.service().exports().query(input.into_domain()?, &p.actor()).await?.into()))
}

/// Every purpose's privacy budget: total, spent since the last reset (per dataset too) and
/// remaining (scope `exports:read`).
#[utoipa::path(get, path = "/v1/privacy-budgets", tag = "exports", responses((status = 200, body = Vec<BudgetView>)), security(("bearer" = [])))]
pub(crate) async fn list_privacy_budgets(State(s): State<AppState>, _auth: Auth<ExportsRead>) -> Result<Json<Vec<BudgetView>>, ApiError> {
    Ok(Json(s.service().exports().budgets().await?.into_iter().map(Into::into).collect()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/export-policies", get(list_export_policies))
        .route("/v1/export-policies/{purpose}", get(export_policy_versions).put(put_export_policy))
        .route("/v1/segments", get(list_segments).post(create_segment))
        .route("/v1/exports", get(list_exports).post(create_export))
        .route("/v1/exports/{export_id}", get(get_export))
        .route("/v1/exports/{export_id}/file", get(export_file))
        .route("/v1/dp/query", post(dp_query))
        .route("/v1/privacy-budgets", get(list_privacy_budgets))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, patch},
};

use crate::{
    ApiError, AppState,
    dto::vendors::{DpaInput, DpaView, VendorInput, VendorView},
    extract::{ApiJson, Auth, VendorsRead, VendorsWrite},
};

/// Records a vendor: a processor, sub-processor, joint controller or other recipient, with the
/// purposes, data categories and AI systems that send it data (scope `vendors:write`; a ledger
/// event).
#[utoipa::path(post, path = "/v1/vendors", tag = "vendors", request_body = VendorInput,
    responses((status = 201, body = VendorView), (status = 400, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_vendor(
    State(s): State<AppState>,
    Auth(p, _): Auth<VendorsWrite>,
    ApiJson(input): ApiJson<VendorInput>,
) -> Result<(StatusCode, Json<VendorView>), ApiError> {
    let view = s.service().vendors().create(input.into(), &(&p).into()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// The vendor register by name, each vendor with its agreements as they stand today (scope
/// `vendors:read`).
#[utoipa::path(get, path = "/v1/vendors", tag = "vendors",
    responses((status = 200, body = Vec<VendorView>)), security(("bearer" = [])))]
pub(crate) async fn list_vendors(State(s): State<AppState>, _auth: Auth<VendorsRead>) -> Result<Json<Vec<VendorView>>, ApiError> {
    Ok(Json(s.service().vendors().list().await?.into_iter().map(Into::into).collect()))
}

/// One vendor (scope `vendors:read`).
#[utoipa::path(get, path = "/v1/vendors/{vendor_id}", tag = "vendors", params(("vendor_id" = String, Path)),
    responses((status = 200, body = VendorView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_vendor(
    State(s): State<AppState>,
    _auth: Auth<VendorsRead>,
    Path(id): Path<String>,
) -> Result<Json<VendorView>, ApiError> {
    Ok(Json(s.service().vendors().get(&id).await?.into()))
}

/// Changes the fields given (scope `vendors:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/vendors/{vendor_id}", tag = "vendors", params(("vendor_id" = String, Path)), request_body = VendorInput,
    responses((status = 200, body = VendorView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_vendor(
    State(s): State<AppState>,
    Auth(p, _): Auth<VendorsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VendorInput>,
) -> Result<Json<VendorView>, ApiError> {
    Ok(Json(s.service().vendors().update(&id, input.into(), &(&p).into()).await?.into()))
}

/// Records an agreement with a vendor: a data processing agreement, a joint-controller
/// arrangement or a data-sharing agreement, with its dates, country and transfer mechanism
/// (scope `vendors:write`; a ledger event).
#[utoipa::path(post, path = "/v1/vendors/{vendor_id}/dpas", tag = "vendors", params(("vendor_id" = String, Path)), request_body = DpaInput,
    responses((status = 201, body = DpaView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_dpa(
    State(s): State<AppState>,
    Auth(p, _): Auth<VendorsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DpaInput>,
) -> Result<(StatusCode, Json<DpaView>), ApiError> {
    let view = s.service().vendors().add_dpa(&id, input.into(), &(&p).into()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// A vendor's agreements, newest signature first (scope `vendors:read`).
#[utoipa::path(get, path = "/v1/vendors/{vendor_id}/dpas", tag = "vendors", params(("vendor_id" = String, Path)),
    responses((status = 200, body = Vec<DpaView>), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_dpas(
    State(s): State<AppState>,
    _auth: Auth<VendorsRead>,
    Path(id): Path<String>,
) -> Result<Json<Vec<DpaView>>, ApiError> {
    Ok(Json(s.service().vendors().get(&id).await?.dpas.into_iter().map(Into::into).collect()))
}

/// Changes the fields given of an agreement; `status: terminated` ends it (scope
/// `vendors:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/vendors/{vendor_id}/dpas/{dpa_id}", tag = "vendors",
    params(("vendor_id" = String, Path), ("dpa_id" = String, Path)), request_body = DpaInput,
    responses((status = 200, body = DpaView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn patch_dpa(
    State(s): State<AppState>,
    Auth(p, _): Auth<VendorsWrite>,
    Path((vendor, dpa)): Path<(String, String)>,
    ApiJson(input): ApiJson<DpaInput>,
) -> Result<Json<DpaView>, ApiError> {
    Ok(Json(s.service().vendors().update_dpa(&vendor, &dpa, input.into(), &(&p).into()).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/vendors", get(list_vendors).post(create_vendor))
        .route("/v1/vendors/{vendor_id}", get(get_vendor).patch(patch_vendor))
        .route("/v1/vendors/{vendor_id}/dpas", get(list_dpas).post(create_dpa))
        .route("/v1/vendors/{vendor_id}/dpas/{dpa_id}", patch(patch_dpa))
}

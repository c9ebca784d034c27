use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;

use crate::AppState;

/// Liveness and backend.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    status: &'static str,
    backend: &'static str,
}

/// Liveness probe (public).
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health)))]
pub(crate) async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let backend = match state.service().admin().backend() {
        custos_service::Backend::Sqlite => "sqlite",
        custos_service::Backend::Postgres => "postgres",
    };
    Json(Health { status: "ok", backend })
}

/// The OpenAPI 3.1 document of this API (public).
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI document")))]
pub(crate) async fn openapi_json(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi_json.as_str().to_owned()).into_response()
}

/// The Global Privacy Control support resource (GPC specification, section 3.2).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct GpcSupport {
    /// The site honours `Sec-GPC: 1`: the gate and the privacy center record it as an opt-out
    /// of sale and sharing where the law makes it one.
    gpc: bool,
    /// When custos's GPC handling last changed (`YYYY-MM-DD`).
    #[serde(rename = "lastUpdate")]
    last_update: &'static str,
}

/// Whether this site honours Global Privacy Control (public, per the GPC specification).
#[utoipa::path(get, path = "/.well-known/gpc.json", tag = "meta", responses((status = 200, body = GpcSupport)))]
pub(crate) async fn gpc_json() -> Json<GpcSupport> {
    Json(GpcSupport { gpc: true, last_update: "2026-12-04" })
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/openapi.json", get(openapi_json)).route("/.well-known/gpc.json", get(gpc_json))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::ledger::{ConsistencyProofView, InclusionProofView, LedgerEntryView},
    extract::{ApiQuery, Auth, LedgerAdmin, LedgerRead},
};

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], body).into_response()
}

/// The latest signed checkpoint, a C2SP signed note (public).
#[utoipa::path(get, path = "/v1/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = ApiError)))]
pub(crate) async fn ledger_checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(text(s.service().ledger().checkpoint().await?))
}

/// Publishes a checkpoint now if there are new leaves and returns the latest (scope `ledger:admin`).
#[utoipa::path(post, path = "/v1/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain")), security(("bearer" = [])))]
pub(crate) async fn publish_checkpoint(State(s): State<AppState>, Auth(_caller, _): Auth<LedgerAdmin>) -> Result<Response, ApiError> {
    s.service().ledger().publish_checkpoint().await?;
    Ok(text(s.service().ledger().checkpoint().await?))
}

/// The note verifier key that checks the checkpoints (public).
#[utoipa::path(get, path = "/v1/ledger/key", tag = "ledger", responses((status = 200, body = String, content_type = "text/plain")))]
pub(crate) async fn ledger_key(State(s): State<AppState>) -> Response {
    text(format!("{}\n", s.service().ledger().verifier_key()))
}

/// One leaf with its hash (scope `ledger:read`).
#[utoipa::path(get, path = "/v1/ledger/entries/{index}", tag = "ledger", params(("index" = u64, Path)),
    responses((status = 200, body = LedgerEntryView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn ledger_entry(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<LedgerRead>,
    Path(index): Path<String>,
) -> Result<Json<LedgerEntryView>, ApiError> {
    let index = index.parse::<u64>().map_err(|_| ApiError::invalid(Some("index".into()), "must be a non-negative integer"))?;
    Ok(Json(s.service().ledger().entry(index).await?.into()))
}

/// Inclusion proof parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct InclusionQuery {
    /// The leaf.
    index: u64,
    /// A signed tree size the proof leads to the root of.
    tree_size: u64,
}

/// The RFC 9162 audit path of a leaf (scope `ledger:read`).
#[utoipa::path(get, path = "/v1/ledger/proof/inclusion", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionProofView), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn inclusion_proof(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<LedgerRead>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProofView>, ApiError> {
    Ok(Json(s.service().ledger().inclusion_proof(q.index, q.tree_size).await?.into()))
}

/// Consistency proof parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsistencyQuery {
    /// The older tree size.
    first: u64,
    /// The newer tree size.
    second: u64,
}

/// The RFC 9162 consistency proof between two tree sizes (scope `ledger:read`).
#[utoipa::path(get, path = "/v1/ledger/proof/consistency", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProofView), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn consistency_proof(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<LedgerRead>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProofView>, ApiError> {
    Ok(Json(s.service().ledger().consistency_proof(q.first, q.second).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/ledger/checkpoint", get(ledger_checkpoint).post(publish_checkpoint))
        .route("/v1/ledger/key", get(ledger_key))
        .route("/v1/ledger/entries/{index}", get(ledger_entry))
        .route("/v1/ledger/proof/inclusion", get(inclusion_proof))
        .route("/v1/ledger/proof/consistency", get(consistency_proof))
}

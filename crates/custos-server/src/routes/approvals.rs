use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use custos_core::ApprovalStatus;
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::{
        approvals::{ApprovalInput, ApprovalView, CommentInput, SignOffInput},
        optional_words,
    },
    extract::{ApiJson, ApiQuery, ApprovalsRead, ApprovalsWrite, Auth},
};

/// Approval filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApprovalListQuery {
    /// Only in this status.
    #[param(schema_with = optional_words::<ApprovalStatus>)]
    status: Option<ApprovalStatus>,
    /// Only of this model version.
    model_id: Option<String>,
}

/// Asks for a model version's approval; the version goes `in_review` (scope `approvals:write`, a
/// personal access token of its owner or an admin: a person asks).
#[utoipa::path(post, path = "/v1/approvals", tag = "approvals", request_body = ApprovalInput,
    responses((status = 201, body = ApprovalView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_approval(
    State(s): State<AppState>,
    Auth(p, _): Auth<ApprovalsWrite>,
    ApiJson(input): ApiJson<ApprovalInput>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let staff = p.person("asking for an approval")?;
    Ok((StatusCode::CREATED, Json(s.service().approvals().request(input.into(), staff).await?.into())))
}

/// Approval requests, newest first (scope `approvals:read`).
#[utoipa::path(get, path = "/v1/approvals", tag = "approvals", params(ApprovalListQuery), responses((status = 200, body = Vec<ApprovalView>)), security(("bearer" = [])))]
pub(crate) async fn list_approvals(
    State(s): State<AppState>,
    _auth: Auth<ApprovalsRead>,
    ApiQuery(q): ApiQuery<ApprovalListQuery>,
) -> Result<Json<Vec<ApprovalView>>, ApiError> {
    let status = q.status.map(|s| s.as_str());
    Ok(Json(s.service().approvals().list(status, q.model_id.as_deref()).await?.into_iter().map(Into::into).collect()))
}

/// One approval request with its sign-offs and comments (scope `approvals:read`).
#[utoipa::path(get, path = "/v1/approvals/{approval_id}", tag = "approvals", params(("approval_id" = String, Path)),
    responses((status = 200, body = ApprovalView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_approval(
    State(s): State<AppState>,
    _auth: Auth<ApprovalsRead>,
    Path(id): Path<String>,
) -> Result<Json<ApprovalView>, ApiError> {
    Ok(Json(s.service().approvals().get(&id).await?.into()))
}

/// Signs off, rejects or asks for changes for one role, with a comment (scope
/// `approvals:write`, a personal access token: a person signs; not the model's owner, not the
/// one who asked, once per person).
#[utoipa::path(post, path = "/v1/approvals/{approval_id}/sign-offs", tag = "approvals", params(("approval_id" = String, Path)), request_body = SignOffInput,
    responses((status = 200, body = ApprovalView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn sign_approval(
    State(s): State<AppState>,
    Auth(p, _): Auth<ApprovalsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SignOffInput>,
) -> Result<Json<ApprovalView>, ApiError> {
    let staff = p.person("signing off")?;
    Ok(Json(s.service().approvals().sign(&id, input.into(), staff).await?.into()))
}

/// Comments on a request (scope `approvals:write`, a personal access token).
#[utoipa::path(post, path = "/v1/approvals/{approval_id}/comments", tag = "approvals", params(("approval_id" = String, Path)), request_body = CommentInput,
    responses((status = 200, body = ApprovalView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn comment_approval(
    State(s): State<AppState>,
    Auth(p, _): Auth<ApprovalsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CommentInput>,
) -> Result<Json<ApprovalView>, ApiError> {
    let staff = p.person("commenting")?;
    Ok(Json(s.service().approvals().comment(&id, &input.body, staff).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/approvals", get(list_approvals).post(create_approval))
        .route("/v1/approvals/{approval_id}", get(get_approval))
        .route("/v1/approvals/{approval_id}/sign-offs", post(sign_approval))
        .route("/v1/approvals/{approval_id}/comments", post(comment_approval))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::{get, post},
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::reviews::{AssignInput, ResolveInput, ReviewDetailView, ReviewInputsView, ReviewPageView},
    extract::{ApiJson, ApiJsonOrEmpty, ApiQuery, Auth, ReviewsRead, ReviewsWrite},
};

/// Review queue filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewListQuery {
    /// Only in this state: `open`, `claimed` or `resolved`.
    status: Option<String>,
    /// Only reviews opened by this rule.
    rule: Option<String>,
    /// Only reviews held by this staff account id.
    assignee: Option<String>,
    /// Only reviews due before this time (RFC 3339).
    due_before: Option<String>,
    /// Only unresolved reviews past their due time.
    #[serde(default)]
    overdue: bool,
    /// Skip this many (default 0).
    offset: Option<u64>,
    /// At most this many (default 50, at most 500).
    limit: Option<u32>,
}

/// The review queue, soonest due first (scope `reviews:read`).
#[utoipa::path(get, path = "/v1/reviews", tag = "reviews", params(ReviewListQuery),
    responses((status = 200, body = ReviewPageView), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_reviews(
    State(s): State<AppState>,
    _auth: Auth<ReviewsRead>,
    ApiQuery(q): ApiQuery<ReviewListQuery>,
) -> Result<Json<ReviewPageView>, ApiError> {
    let query = custos_service::reviews::ReviewQuery {
        status: q.status,
        rule: q.rule,
        assignee: q.assignee,
        due_before: q.due_before,
        overdue: q.overdue,
    };
    Ok(Json(s.service().reviews().queue(query, q.offset.unwrap_or(0), q.limit.unwrap_or(50)).await?.into()))
}

/// One review with its decision, as the caller may see it (scope `reviews:read`).
#[utoipa::path(get, path = "/v1/reviews/{review_id}", tag = "reviews", params(("review_id" = String, Path)),
    responses((status = 200, body = ReviewDetailView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_review(
    State(s): State<AppState>,
    Auth(p, _): Auth<ReviewsRead>,
    Path(id): Path<String>,
) -> Result<Json<ReviewDetailView>, ApiError> {
    Ok(Json(s.service().reviews().get(&id, p.staff.as_ref()).await?.into()))
}

/// The inputs the model used, released to the reviewer through the gate under the purpose
/// `oversight` (checked and logged); refused in a blind review until the reviewer has recorded
/// their outcome (scope `reviews:read`, a person).
#[utoipa::path(get, path = "/v1/reviews/{review_id}/inputs", tag = "reviews", params(("review_id" = String, Path)),
    responses((status = 200, body = ReviewInputsView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn review_inputs(
    State(s): State<AppState>,
    Auth(p, _): Auth<ReviewsRead>,
    Path(id): Path<String>,
) -> Result<Json<ReviewInputsView>, ApiError> {
    let staff = p.person("reading a decision's inputs")?;
    let i = s.service().reviews().inputs(&id, staff).await?;
    Ok(Json(ReviewInputsView { check_id: i.check_id.to_string(), allowed: i.allowed, features: i.features }))
}

/// Takes a review (scope `reviews:write`, a personal access token: a person reviews).
#[utoipa::path(post, path = "/v1/reviews/{review_id}/claim", tag = "reviews", params(("review_id" = String, Path)),
    responses((status = 200, body = ReviewDetailView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn claim_review(
    State(s): State<AppState>,
    Auth(p, _): Auth<ReviewsWrite>,
    Path(id): Path<String>,
    _body: ApiJsonOrEmpty<crate::dto::NoFields>,
) -> Result<Json<ReviewDetailView>, ApiError> {
    let staff = p.person("taking a review")?;
    Ok(Json(s.service().reviews().claim(&id, staff).await?.into()))
}

/// Puts an open review in a reviewer's queue (scope `reviews:write`).
#[utoipa::path(post, path = "/v1/reviews/{review_id}/assign", tag = "reviews", params(("review_id" = String, Path)), request_body = AssignInput,
    responses((status = 200, body = ReviewDetailView), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn assign_review(
    State(s): State<AppState>,
    Auth(p, _): Auth<ReviewsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<Json<ReviewDetailView>, ApiError> {
    Ok(Json(s.service().reviews().assign(&id, &input.assignee, &p.actor()).await?.into()))
}

/// Records your judgement of a review you hold: confirm or override (scope `reviews:write`, a
/// personal access token: a person reviews).
#[utoipa::path(post, path = "/v1/reviews/{review_id}/resolve", tag = "reviews", params(("review_id" = String, Path)), request_body = ResolveInput,
    responses((status = 200, body = ReviewDetailView), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn resolve_review(
    State(s): State<AppState>,
    Auth(p, _): Auth<ReviewsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> Result<Json<ReviewDetailView>, ApiError> {
    let staff = p.person("resolving a review")?;
    Ok(Json(s.service().reviews().resolve(&id, staff, input.into()).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/reviews", get(list_reviews))
        .route("/v1/reviews/{review_id}", get(get_review))
        .route("/v1/reviews/{review_id}/inputs", get(review_inputs))
        .route("/v1/reviews/{review_id}/claim", post(claim_review))
        .route("/v1/reviews/{review_id}/assign", post(assign_review))
        .route("/v1/reviews/{review_id}/resolve", post(resolve_review))
}

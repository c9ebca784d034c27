use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get, post},
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::{
        ReceiptView,
        oversight::{OversightMetricsView, ReviewRuleInput, ReviewRuleView, SuspensionInput, SuspensionView},
    },
    extract::{ApiJson, ApiQuery, Auth, OversightAdmin},
};

/// Creates a review rule, or a new version of one with `replaces` (scope `oversight:admin`).
#[utoipa::path(post, path = "/v1/review-rules", tag = "oversight", request_body = ReviewRuleInput,
    responses((status = 201, body = ReviewRuleView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_review_rule(
    State(s): State<AppState>,
    _auth: Auth<OversightAdmin>,
    ApiJson(input): ApiJson<ReviewRuleInput>,
) -> Result<(StatusCode, Json<ReviewRuleView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().oversight().create_rule(input.into()).await?.into())))
}

/// The review rules in force (scope `oversight:admin`).
#[utoipa::path(get, path = "/v1/review-rules", tag = "oversight", responses((status = 200, body = Vec<ReviewRuleView>)), security(("bearer" = [])))]
pub(crate) async fn list_review_rules(
    State(s): State<AppState>,
    _auth: Auth<OversightAdmin>,
) -> Result<Json<Vec<ReviewRuleView>>, ApiError> {
    Ok(Json(s.service().oversight().rules().await?.into_iter().map(Into::into).collect()))
}

/// Deletes a review rule; open reviews stay open (scope `oversight:admin`).
#[utoipa::path(delete, path = "/v1/review-rules/{rule_id}", tag = "oversight", params(("rule_id" = String, Path)),
    responses((status = 200, body = ReceiptView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn delete_review_rule(
    State(s): State<AppState>,
    _auth: Auth<OversightAdmin>,
    Path(id): Path<String>,
) -> Result<Json<ReceiptView>, ApiError> {
    Ok(Json(s.service().oversight().delete_rule(&id).await?.into()))
}

/// The stop button: stops a purpose at the gate (`deny`) or sends every decision of a model
/// or purpose to review (`review_all`) (scope `oversight:admin`).
#[utoipa::path(post, path = "/v1/suspensions", tag = "oversight", request_body = SuspensionInput,
    responses((status = 201, body = SuspensionView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_suspension(
    State(s): State<AppState>,
    Auth(p, _): Auth<OversightAdmin>,
    ApiJson(input): ApiJson<SuspensionInput>,
) -> Result<(StatusCode, Json<SuspensionView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().oversight().suspend(input.into(), &p.actor()).await?.into())))
}

/// Suspensions, those that hold first (scope `oversight:admin`).
#[utoipa::path(get, path = "/v1/suspensions", tag = "oversight", responses((status = 200, body = Vec<SuspensionView>)), security(("bearer" = [])))]
pub(crate) async fn list_suspensions(
    State(s): State<AppState>,
    _auth: Auth<OversightAdmin>,
) -> Result<Json<Vec<SuspensionView>>, ApiError> {
    Ok(Json(s.service().oversight().suspensions().await?.into_iter().map(Into::into).collect()))
}

/// Lifts a suspension (scope `oversight:admin`).
#[utoipa::path(delete, path = "/v1/suspensions/{suspension_id}", tag = "oversight", params(("suspension_id" = String, Path)),
    responses((status = 200, body = SuspensionView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn lift_suspension(
    State(s): State<AppState>,
    Auth(p, _): Auth<OversightAdmin>,
    Path(id): Path<String>,
) -> Result<Json<SuspensionView>, ApiError> {
    Ok(Json(s.service().oversight().lift(&id, &p.actor()).await?.into()))
}

/// The window of the oversight figures.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetricsQuery {
    /// Days to look back (1-366; default 30).
    days: Option<u32>,
}

/// Whether oversight is real: per reviewer and per rule, reviews done, override and agreement
/// rates, median and 10th-percentile time, share late; fires the rubber-stamp alert (scope
/// `oversight:admin`).
#[utoipa::path(get, path = "/v1/oversight/metrics", tag = "oversight", params(MetricsQuery),
    responses((status = 200, body = OversightMetricsView), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn oversight_metrics(
    State(s): State<AppState>,
    _auth: Auth<OversightAdmin>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> Result<Json<OversightMetricsView>, ApiError> {
    Ok(Json(s.service().oversight().metrics(q.days, custos_core::now()).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/review-rules", post(create_review_rule).get(list_review_rules))
        .route("/v1/review-rules/{rule_id}", delete(delete_review_rule))
        .route("/v1/suspensions", post(create_suspension).get(list_suspensions))
        .route("/v1/suspensions/{suspension_id}", delete(lift_suspension))
        .route("/v1/oversight/metrics", get(oversight_metrics))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};

use crate::{
    ApiError, AppState,
    dto::{
        decisions::{ContestInput, CounterfactualView, DecisionInput, DecisionView, OutcomeInput, ReasonsView},
        models::ExplanationView,
    },
    extract::{ApiJson, ApiJsonOrEmpty, Auth, DecisionsRead, DecisionsWrite},
};

/// Logs an AI decision (scope `decisions:write`).
#[utoipa::path(post, path = "/v1/decisions", tag = "decisions", request_body = DecisionInput,
    responses((status = 201, body = DecisionView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn record_decision(
    State(s): State<AppState>,
    Auth(p, _): Auth<DecisionsWrite>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().decisions().record(input.into(), Some(p.key_id)).await?.into())))
}

/// One decision: its status (`final`, `pending_review`, `overridden`) and its latest review
/// (scope `decisions:read`). Do not act on a `pending_review` decision.
#[utoipa::path(get, path = "/v1/decisions/{decision_id}", tag = "decisions", params(("decision_id" = String, Path)),
    responses((status = 200, body = DecisionView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_decision(
    State(s): State<AppState>,
    _auth: Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    Ok(Json(s.service().decisions().get(&id).await?.into()))
}

/// The counterfactual of a decision by a registered model with a feature dictionary: the
/// smallest change to what the customer can act on that would have flipped it, computed after
/// the decision was logged (404 until then) (scope `decisions:read`).
#[utoipa::path(get, path = "/v1/decisions/{decision_id}/counterfactual", tag = "decisions", params(("decision_id" = String, Path)),
    responses((status = 200, body = CounterfactualView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn decision_counterfactual(
    State(s): State<AppState>,
    _auth: Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<CounterfactualView>, ApiError> {
    let c = s.service().decisions().counterfactual(&id).await?;
    Ok(Json(CounterfactualView::of(id, c)))
}

/// Records the observed outcome of a decision (scope `decisions:write`).
#[utoipa::path(post, path = "/v1/decisions/{decision_id}/outcome", tag = "decisions", params(("decision_id" = String, Path)), request_body = OutcomeInput,
    responses((status = 200, body = DecisionView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn record_outcome(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DecisionsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> Result<Json<DecisionView>, ApiError> {
    Ok(Json(s.service().decisions().record_outcome(&id, input.into()).await?.into()))
}

/// The full explanation of a decision by a registered model: attributions per feature and
/// output, the prediction, and the reasons with their numbers (scope `decisions:read`).
#[utoipa::path(get, path = "/v1/decisions/{decision_id}/explanation", tag = "decisions", params(("decision_id" = String, Path)),
    responses((status = 200, body = ExplanationView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn decision_explanation(
    State(s): State<AppState>,
    _auth: Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<ExplanationView>, ApiError> {
    Ok(Json(s.service().decisions().explanation(&id).await?.into()))
}

/// The plain-language reasons of a decision: what a customer may see (scope `decisions:read`).
#[utoipa::path(get, path = "/v1/decisions/{decision_id}/reasons", tag = "decisions", params(("decision_id" = String, Path)),
    responses((status = 200, body = ReasonsView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn decision_reasons(
    State(s): State<AppState>,
    _auth: Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<ReasonsView>, ApiError> {
    Ok(Json(s.service().decisions().reasons(&id).await?.into()))
}

/// A customer contests a decision (GDPR Art. 22(3)): files a `contest` request for the
/// decision's subject and opens a review of the decision, due when the request is (scope
/// `dsrs:write`). A decision under review cannot be contested again until its review ends.
#[utoipa::path(post, path = "/v1/decisions/{decision_id}/contest", tag = "decisions", params(("decision_id" = String, Path)), request_body = ContestInput,
    responses((status = 201, body = crate::dto::dsrs::DsrView), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn contest_decision(
    State(s): State<AppState>,
    _auth: Auth<crate::extract::DsrsWrite>,
    Path(id): Path<String>,
    ApiJsonOrEmpty(input): ApiJsonOrEmpty<ContestInput>,
) -> Result<(StatusCode, Json<crate::dto::dsrs::DsrView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().dsrs().contest(&id, input.statement).await?.into())))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/decisions", post(record_decision))
        .route("/v1/decisions/{decision_id}", get(get_decision))
        .route("/v1/decisions/{decision_id}/outcome", post(record_outcome))
        .route("/v1/decisions/{decision_id}/contest", post(contest_decision))
        .route("/v1/decisions/{decision_id}/counterfactual", get(decision_counterfactual))
        .route("/v1/decisions/{decision_id}/explanation", get(decision_explanation))
        .route("/v1/decisions/{decision_id}/reasons", get(decision_reasons))
}

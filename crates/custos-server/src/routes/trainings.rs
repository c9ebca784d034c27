use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::trainings::{CompletionInput, CompletionView, CoverageView, TrainingInput, TrainingView},
    extract::{ApiJson, ApiQuery, Auth, TrainingsRead, TrainingsWrite},
};

/// Records a course in the training catalog (scope `trainings:write`; a ledger event).
#[utoipa::path(post, path = "/v1/trainings", tag = "trainings", request_body = TrainingInput,
    responses((status = 201, body = TrainingView), (status = 400, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_training(
    State(s): State<AppState>,
    Auth(p, _): Auth<TrainingsWrite>,
    ApiJson(input): ApiJson<TrainingInput>,
) -> Result<(StatusCode, Json<TrainingView>), ApiError> {
    let view = s.service().trainings().create(input.into(), &p.actor()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// The training catalog by name (scope `trainings:read`).
#[utoipa::path(get, path = "/v1/trainings", tag = "trainings", responses((status = 200, body = Vec<TrainingView>)), security(("bearer" = [])))]
pub(crate) async fn list_trainings(State(s): State<AppState>, _auth: Auth<TrainingsRead>) -> Result<Json<Vec<TrainingView>>, ApiError> {
    Ok(Json(s.service().trainings().list().await?.into_iter().map(Into::into).collect()))
}

/// Coverage: for each role, how many of its staff hold every course it requires valid today,
/// and each staff member's valid and missing courses (scope `trainings:read`).
#[utoipa::path(get, path = "/v1/trainings/coverage", tag = "trainings", responses((status = 200, body = CoverageView)), security(("bearer" = [])))]
pub(crate) async fn training_coverage(State(s): State<AppState>, _auth: Auth<TrainingsRead>) -> Result<Json<CoverageView>, ApiError> {
    let (people, roles) = s.service().trainings().coverage(custos_core::now()).await?;
    Ok(Json(CoverageView::of(people, roles)))
}

/// One course (scope `trainings:read`).
#[utoipa::path(get, path = "/v1/trainings/{training_id}", tag = "trainings", params(("training_id" = String, Path)),
    responses((status = 200, body = TrainingView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_training(
    State(s): State<AppState>,
    _auth: Auth<TrainingsRead>,
    Path(id): Path<String>,
) -> Result<Json<TrainingView>, ApiError> {
    Ok(Json(s.service().trainings().get(&id).await?.into()))
}

/// Changes the fields given (scope `trainings:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/trainings/{training_id}", tag = "trainings", params(("training_id" = String, Path)), request_body = TrainingInput,
    responses((status = 200, body = TrainingView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_training(
    State(s): State<AppState>,
    Auth(p, _): Auth<TrainingsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TrainingInput>,
) -> Result<Json<TrainingView>, ApiError> {
    Ok(Json(s.service().trainings().update(&id, input.into(), &p.actor()).await?.into()))
}

/// Records that a staff member completed a course; the expiry follows from its validity
/// (scope `trainings:write`; a ledger event).
#[utoipa::path(post, path = "/v1/training-records", tag = "trainings", request_body = CompletionInput,
    responses((status = 201, body = CompletionView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_training_record(
    State(s): State<AppState>,
    Auth(p, _): Auth<TrainingsWrite>,
    ApiJson(input): ApiJson<CompletionInput>,
) -> Result<(StatusCode, Json<CompletionView>), ApiError> {
    let view = s.service().trainings().complete(input.into(), &p.actor()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Completion filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompletionQuery {
    /// Only this staff member's (an email or an account id).
    user: Option<String>,
}

/// Completions, newest first (scope `trainings:read`).
#[utoipa::path(get, path = "/v1/training-records", tag = "trainings", params(CompletionQuery),
    responses((status = 200, body = Vec<CompletionView>), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_training_records(
    State(s): State<AppState>,
    _auth: Auth<TrainingsRead>,
    ApiQuery(q): ApiQuery<CompletionQuery>,
) -> Result<Json<Vec<CompletionView>>, ApiError> {
    Ok(Json(s.service().trainings().completions(q.user.as_deref()).await?.into_iter().map(Into::into).collect()))
}

/// Corrects a completion's date or evidence (scope `trainings:write`; a ledger event).
#[utoipa::path(patch, path = "/v1/training-records/{training_record_id}", tag = "trainings", params(("training_record_id" = String, Path)),
    request_body = CompletionInput,
    responses((status = 200, body = CompletionView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn patch_training_record(
    State(s): State<AppState>,
    Auth(p, _): Auth<TrainingsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CompletionInput>,
) -> Result<Json<CompletionView>, ApiError> {
    Ok(Json(s.service().trainings().update_completion(&id, input.into(), &p.actor()).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/trainings", get(list_trainings).post(create_training))
        .route("/v1/trainings/coverage", get(training_coverage))
        .route("/v1/trainings/{training_id}", get(get_training).patch(patch_training))
        .route("/v1/training-records", get(list_training_records).post(create_training_record))
        .route("/v1/training-records/{training_record_id}", axum::routing::patch(patch_training_record))
}

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::{
        consents::SubjectConsents,
        decisions::DecisionView,
        subjects::{SubjectInput, SubjectPage, SubjectPatch, SubjectView},
    },
    extract::{ApiJson, ApiQuery, Auth, DecisionsRead, Gpc, SubjectsRead, SubjectsWrite},
};

/// Creates a subject (scope `subjects:write`). A `Sec-GPC: 1` header records a GPC preference.
#[utoipa::path(post, path = "/v1/subjects", tag = "subjects", request_body = SubjectInput,
    responses((status = 201, body = SubjectView), (status = 400, body = ApiError), (status = 409, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_subject(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<SubjectsWrite>,
    Gpc(gpc): Gpc,
    ApiJson(input): ApiJson<SubjectInput>,
) -> Result<(StatusCode, Json<SubjectView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().subjects().create(input.into(), gpc).await?.into())))
}

/// Subject lookup and paging.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectQuery {
    /// Find the subject with this external id (returns that one subject).
    external_id: Option<String>,
    /// Find subjects by e-mail address or phone number (a keyed blind index; returns a list).
    contact: Option<String>,
    /// Page after this subject id (`next_after` of the previous page).
    after: Option<String>,
    /// Page before this subject id (`prev_before` of the next page).
    before: Option<String>,
    /// Page size (1-1000, default 100).
    limit: Option<u32>,
}

/// Lists subjects, or finds one by `external_id` (scope `subjects:read`).
#[utoipa::path(get, path = "/v1/subjects", tag = "subjects", params(SubjectQuery),
    responses((status = 200, description = "a page of subjects, or one subject when external_id is given, or the list of subjects with that contact", body = SubjectPage), (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn list_subjects(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<SubjectsRead>,
    ApiQuery(q): ApiQuery<SubjectQuery>,
) -> Result<Response, ApiError> {
    if let Some(contact) = q.contact {
        let found: Vec<SubjectView> = s.service().subjects().find(&contact).await?.into_iter().map(Into::into).collect();
        return Ok(Json(found).into_response());
    }
    if let Some(external_id) = q.external_id {
        return Ok(Json(SubjectView::from(s.service().subjects().by_external_id(&external_id).await?)).into_response());
    }
    let at = custos_service::paging::PageAt::from_params(q.after, q.before);
    Ok(Json(SubjectPage::from(s.service().subjects().page(at, q.limit.unwrap_or(100)).await?)).into_response())
}

/// One subject with its decrypted data (scope `subjects:read`).
#[utoipa::path(get, path = "/v1/subjects/{subject_id}", tag = "subjects", params(("subject_id" = String, Path)),
    responses((status = 200, body = SubjectView), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_subject(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<SubjectsRead>,
    Path(id): Path<String>,
) -> Result<Json<SubjectView>, ApiError> {
    Ok(Json(s.service().subjects().get(&id).await?.into()))
}

/// Changes a subject (scope `subjects:write`); a `null` data value deletes that category.
#[utoipa::path(patch, path = "/v1/subjects/{subject_id}", tag = "subjects", params(("subject_id" = String, Path)), request_body = SubjectPatch,
    responses((status = 200, body = SubjectView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn patch_subject(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<SubjectsWrite>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<SubjectPatch>,
) -> Result<Json<SubjectView>, ApiError> {
    Ok(Json(s.service().subjects().update(&id, patch.into()).await?.into()))
}

/// A subject's current consents and history (scope `subjects:read`).
#[utoipa::path(get, path = "/v1/subjects/{subject_id}/consents", tag = "consents", params(("subject_id" = String, Path)),
    responses((status = 200, body = SubjectConsents), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn subject_consents(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<SubjectsRead>,
    Path(id): Path<String>,
) -> Result<Json<SubjectConsents>, ApiError> {
    Ok(Json(s.service().consents().of_subject(&id).await?.into()))
}

/// A subject's decisions (scope `decisions:read`).
#[utoipa::path(get, path = "/v1/subjects/{subject_id}/decisions", tag = "decisions", params(("subject_id" = String, Path)),
    responses((status = 200, body = Vec<DecisionView>), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn subject_decisions(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<DecisionsRead>,
    Path(id): Path<String>,
) -> Result<Json<Vec<DecisionView>>, ApiError> {
    Ok(Json(s.service().decisions().of_subject(&id).await?.into_iter().map(Into::into).collect()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/subjects", get(list_subjects).post(create_subject))
        .route("/v1/subjects/{subject_id}", get(get_subject).patch(patch_subject))
        .route("/v1/subjects/{subject_id}/consents", get(subject_consents))
        .route("/v1/subjects/{subject_id}/decisions", get(subject_decisions))
}

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::ai_systems::{AiSystemInput, AiSystemView, DisclosureInput, DisclosureView},
    extract::{AiSystemsRead, AiSystemsWrite, ApiJson, Auth},
};

/// Records an AI system in the inventory (scope `ai-systems:write`; a ledger event).
#[utoipa::path(post, path = "/v1/ai-systems", tag = "ai-systems", request_body = AiSystemInput,
    responses((status = 201, body = AiSystemView), (status = 400, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_ai_system(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsWrite>,
    ApiJson(input): ApiJson<AiSystemInput>,
) -> Result<(StatusCode, Json<AiSystemView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().ai_systems().create(input.into()).await?.into())))
}

/// The AI inventory, by name (scope `ai-systems:read`).
#[utoipa::path(get, path = "/v1/ai-systems", tag = "ai-systems", responses((status = 200, body = Vec<AiSystemView>)), security(("bearer" = [])))]
pub(crate) async fn list_ai_systems(State(s): State<AppState>, _auth: Auth<AiSystemsRead>) -> Result<Json<Vec<AiSystemView>>, ApiError> {
    Ok(Json(s.service().ai_systems().list().await?.into_iter().map(Into::into).collect()))
}

/// One AI system (scope `ai-systems:read`).
#[utoipa::path(get, path = "/v1/ai-systems/{ai_system_id}", tag = "ai-systems", params(("ai_system_id" = String, Path)),
    responses((status = 200, body = AiSystemView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_ai_system(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsRead>,
    Path(id): Path<String>,
) -> Result<Json<AiSystemView>, ApiError> {
    Ok(Json(s.service().ai_systems().get(&id).await?.into()))
}

/// Changes the fields given (scope `ai-systems:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/ai-systems/{ai_system_id}", tag = "ai-systems", params(("ai_system_id" = String, Path)), request_body = AiSystemInput,
    responses((status = 200, body = AiSystemView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_ai_system(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AiSystemInput>,
) -> Result<Json<AiSystemView>, ApiError> {
    Ok(Json(s.service().ai_systems().update(&id, input.into()).await?.into()))
}

/// Publishes the disclosure a customer-facing AI system shows in a language, as a new version
/// (scope `ai-systems:write`; a ledger event with the text's hash).
#[utoipa::path(post, path = "/v1/ai-systems/{ai_system_id}/disclosures", tag = "ai-systems", params(("ai_system_id" = String, Path)),
    request_body = DisclosureInput,
    responses((status = 201, body = DisclosureView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn publish_disclosure(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DisclosureInput>,
) -> Result<(StatusCode, Json<DisclosureView>), ApiError> {
    let published = s.service().ai_systems().publish_disclosure(&id, &input.language, &input.text).await?;
    Ok((StatusCode::CREATED, Json(DisclosureView::staff(published))))
}

/// The latest disclosure in each language, with how often it was served over the last 30
/// days (scope `ai-systems:read`).
#[utoipa::path(get, path = "/v1/ai-systems/{ai_system_id}/disclosures", tag = "ai-systems", params(("ai_system_id" = String, Path)),
    responses((status = 200, body = Vec<DisclosureView>), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_disclosures(
    State(s): State<AppState>,
    _auth: Auth<AiSystemsRead>,
    Path(id): Path<String>,
) -> Result<Json<Vec<DisclosureView>>, ApiError> {
    Ok(Json(s.service().ai_systems().disclosures(&id).await?.into_iter().map(DisclosureView::staff).collect()))
}

/// Which language to serve.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisclosureQuery {
    /// A language tag; else the `Accept-Language` header decides, else English.
    pub language: Option<String>,
}

/// The disclosure a customer-facing AI system shows before people interact with it (AI Act
/// Art. 50(1)), for a chatbot or campaign to embed: public (no key), by the AI system's id or
/// name, in the language asked for (`?language=`, else `Accept-Language`, else English).
/// Every serve is counted as evidence that it is shown.
#[utoipa::path(get, path = "/v1/disclosures/{ai_system}", tag = "ai-systems", params(("ai_system" = String, Path), DisclosureQuery),
    responses((status = 200, body = DisclosureView), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn serve_disclosure(
    State(s): State<AppState>,
    Path(ai_system): Path<String>,
    Query(q): Query<DisclosureQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut wanted: Vec<String> = q.language.into_iter().collect();
    wanted.extend(custos_web::preferred_languages(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())));
    let served = s.service().ai_systems().serve_disclosure(&ai_system, &wanted).await?;
    let language = HeaderValue::from_str(&served.disclosure.language).ok();
    let mut response = Json(DisclosureView::public(served)).into_response();
    let h = response.headers_mut();
    if let Some(language) = language {
        h.insert(header::CONTENT_LANGUAGE, language);
    }
    // Public words: any site may embed them (no credentials are involved); every serve counts.
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/ai-systems", get(list_ai_systems).post(create_ai_system))
        .route("/v1/ai-systems/{ai_system_id}", get(get_ai_system).patch(patch_ai_system))
        .route("/v1/ai-systems/{ai_system_id}/disclosures", get(list_disclosures).post(publish_disclosure))
        .route("/v1/disclosures/{ai_system}", get(serve_disclosure))
}

//! The consent snippet's side of the API: consent tokens minted by the business's backend,
//! and the two calls the snippet makes from the business's own pages (cross-origin, only from
//! the allow-listed origins, rate-limited), plus the script itself.

use axum::{
    Extension, Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use custos_core::ConsentStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::{
    ApiError, AppState,
    extract::{ApiJson, Auth, ConsentsWrite, Gpc},
};

/// The snippet, served as is.
const SNIPPET: &str = include_str!("../../assets/consent.js");

/// Asks for a consent token for a subject.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsentTokenInput {
    /// The subject's id in the business's systems.
    #[schema(example = "cust-42")]
    pub external_id: String,
}

/// A consent token for the snippet (works 30 minutes; not single use: the snippet makes
/// several calls).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub(crate) struct ConsentTokenView {
    /// The token, for the script tag's `data-token`.
    pub token: String,
    /// When it stops working.
    pub expires_at: String,
}

/// Mints a consent token for the snippet on the business's site (scope `consents:write`): the
/// business's backend asks for one per page view of a known customer, so a browser never
/// holds an API key.
#[utoipa::path(post, path = "/v1/consent-tokens", tag = "privacy-center", request_body = ConsentTokenInput,
    responses((status = 201, body = ConsentTokenView), (status = 400, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_consent_token(
    State(s): State<AppState>,
    _auth: Auth<ConsentsWrite>,
    ApiJson(input): ApiJson<ConsentTokenInput>,
) -> Result<(StatusCode, Json<ConsentTokenView>), ApiError> {
    let v = s.service().privacy().mint_consent_token(&input.external_id).await?;
    Ok((StatusCode::CREATED, Json(ConsentTokenView { token: v.token, expires_at: v.expires_at })))
}

/// The visitor's answer for one purpose.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmbedAnswer {
    /// The purpose.
    pub purpose: String,
    /// `granted` or `withdrawn`.
    pub status: EmbedStatus,
    /// The visitor confirmed allowing a purpose their Global Privacy Control signal opts them
    /// out of, after the snippet showed the conflict (else such a grant is a 422 naming
    /// `confirm_gpc`).
    #[serde(default)]
    pub confirm_gpc: bool,
}

/// What a visitor can answer from the snippet.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EmbedStatus {
    /// Allowed.
    Granted,
    /// Permission taken back.
    Withdrawn,
}

/// The origin of a cross-origin call, if the request has one: allowed, or refused.
fn allowed_origin(s: &AppState, headers: &HeaderMap) -> Result<Option<HeaderValue>, ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(None) };
    let text = origin.to_str().unwrap_or("");
    if s.embed_origins().iter().any(|o| o == text) {
        Ok(Some(origin.clone()))
    } else {
        Err(ApiError::forbidden("Origin", "this origin may not use the consent snippet (custos serve --embed-origin)"))
    }
}

/// `response` with the CORS headers for `origin`.
fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
    let h = response.headers_mut();
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin, Accept-Language"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn bearer(headers: &HeaderMap) -> &str {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("")
}

/// Runs a snippet call: the origin checked first (a refused origin gets no CORS headers, so
/// the browser hides the answer), the answer, errors included, carrying the CORS headers.
async fn snippet_call<F: Future<Output = Result<Response, ApiError>>>(s: &AppState, headers: &HeaderMap, call: F) -> Response {
    let origin = match allowed_origin(s, headers) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let response = match call.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    with_cors(response, origin)
}

/// The purposes the snippet shows, in the visitor's language (`Accept-Language`), with the
/// snippet's sentences; `Sec-GPC: 1` is recorded as the visitor's opt-out (a consent token
/// in `Authorization: Bearer`; cross-origin from allow-listed origins only; rate-limited).
#[utoipa::path(get, path = "/v1/embed/consents", tag = "privacy-center",
    responses((status = 200, description = "The purposes and the snippet's words"), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 429, body = ApiError)))]
pub(crate) async fn embed_consents(
    State(s): State<AppState>,
    Extension(client): Extension<custos_web::ClientAddress>,
    Gpc(gpc): Gpc,
    headers: HeaderMap,
) -> Response {
    snippet_call(&s, &headers, async {
        let session = s.service().privacy().consent_session(bearer(&headers), client.into()).await?;
        let (lang, words) = custos_web::snippet_words(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        let purposes = s.service().privacy().embed_consents(&session, lang, gpc).await?;
        let purposes: Vec<_> = purposes
            .into_iter()
            .filter(|p| !p.notice_version.is_empty())
            .map(|p| {
                json!({"purpose": p.purpose.as_str(), "name": p.name, "notice_text": p.notice_text, "notice_version": p.notice_version,
                       "status": p.status.map(|s| s.as_str()), "sale_or_share": p.sale_or_share, "gpc_blocks": p.gpc_blocks,
                       "overrides_gpc": p.overrides_gpc})
            })
            .collect();
        Ok(Json(json!({"language": lang, "gpc": gpc, "words": words, "purposes": purposes})).into_response())
    })
    .await
}

/// Records the visitor's answer from the snippet (consent method `website`, the page's origin
/// as its source), as the privacy center does: a purpose Global Privacy Control opts them out
/// of needs `confirm_gpc`.
#[utoipa::path(post, path = "/v1/embed/consents", tag = "privacy-center", request_body = EmbedAnswer,
    responses((status = 201, description = "Recorded"), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub(crate) async fn embed_answer(
    State(s): State<AppState>,
    Extension(client): Extension<custos_web::ClientAddress>,
    Gpc(gpc): Gpc,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    snippet_call(&s, &headers, async {
        let session = s.service().privacy().consent_session(bearer(&headers), client.into()).await?;
        let answer: EmbedAnswer = crate::extract::parse_json(&body)?;
        let status = match answer.status {
            EmbedStatus::Granted => ConsentStatus::Granted,
            EmbedStatus::Withdrawn => ConsentStatus::Withdrawn,
        };
        let (lang, _) = custos_web::snippet_words(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let event =
            s.service().privacy().embed_set_consent(&session, &answer.purpose, status, lang, gpc, answer.confirm_gpc, origin).await?;
        let e = event.event;
        let body = json!({"event_id": e.event_id.to_string(), "purpose": e.purpose.as_str(), "status": e.status.as_str(),
                          "overrides_gpc": e.overrides_gpc, "notice_language": e.notice_language});
        Ok((StatusCode::CREATED, Json(body)).into_response())
    })
    .await
}

/// The CORS preflight of the snippet's calls (allow-listed origins only).
async fn preflight(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match allowed_origin(&s, &headers) {
        Ok(Some(origin)) => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            let h = r.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
            r
        }
        Ok(None) => ApiError::invalid(Some("Origin".into()), "a preflight names its origin").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The snippet (public; any page may load it, only allow-listed origins may call the API).
async fn snippet() -> Response {
    let mut r = SNIPPET.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    r
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/consent-tokens", post(create_consent_token))
        .route("/v1/embed/consents", get(embed_consents).post(embed_answer).on(axum::routing::MethodFilter::OPTIONS, preflight))
        .route("/embed/consent.js", get(snippet))
}

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequestParts, Query, State},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use custos_service::pii::presidio::{PRESIDIO_ANONYMIZERS, PRESIDIO_DEANONYMIZERS, PresidioError};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::pii::{
        PiiAnalyzeRequest, PiiAnalyzerResult, PiiAnonymizeRequest, PiiAnonymizeResponse, PiiDeanonymizeRequest, PiiDetokenizeRequest,
    },
    extract::{ApiJson, Auth, PiiWrite, TokensRead},
};

/// Finds personal data in a text (scope `pii:write`): Presidio's analyzer request and response.
#[utoipa::path(post, path = "/v1/pii/analyze", tag = "pii", request_body = PiiAnalyzeRequest,
    responses((status = 200, body = Vec<PiiAnalyzerResult>), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn pii_analyze(
    State(s): State<AppState>,
    _auth: Auth<PiiWrite>,
    ApiJson(input): ApiJson<PiiAnalyzeRequest>,
) -> Result<Json<Vec<PiiAnalyzerResult>>, ApiError> {
    Ok(Json(s.service().pii().analyze(input.into())?.into_iter().map(Into::into).collect()))
}

/// Replaces personal data in a text (scope `pii:write`): Presidio's anonymizer request and response;
/// without `analyzer_results` the text is analyzed first.
#[utoipa::path(post, path = "/v1/pii/anonymize", tag = "pii", request_body = PiiAnonymizeRequest,
    responses((status = 200, body = PiiAnonymizeResponse), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn pii_anonymize(
    State(s): State<AppState>,
    _auth: Auth<PiiWrite>,
    ApiJson(input): ApiJson<PiiAnonymizeRequest>,
) -> Result<Json<PiiAnonymizeResponse>, ApiError> {
    Ok(Json(s.service().pii().anonymize(input.into()).await?.into()))
}

/// Reverses `encrypt` (scope `pii:write`): Presidio's deanonymize request and response.
#[utoipa::path(post, path = "/v1/pii/deanonymize", tag = "pii", request_body = PiiDeanonymizeRequest,
    responses((status = 200, body = PiiAnonymizeResponse), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn pii_deanonymize(
    State(s): State<AppState>,
    _auth: Auth<PiiWrite>,
    ApiJson(input): ApiJson<PiiDeanonymizeRequest>,
) -> Result<Json<PiiAnonymizeResponse>, ApiError> {
    Ok(Json(s.service().pii().deanonymize(input.into())?.into()))
}

/// Turns vaulted `tok_...` pseudonyms back into their values (scope `tokens:read`); each
/// call that reveals a value is recorded in the audit ledger.
#[utoipa::path(post, path = "/v1/pii/detokenize", tag = "pii", request_body = PiiDetokenizeRequest,
    responses((status = 200, body = PiiAnonymizeResponse), (status = 400, body = ApiError), (status = 403, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn pii_detokenize(
    State(s): State<AppState>,
    _auth: Auth<TokensRead>,
    ApiJson(input): ApiJson<PiiDetokenizeRequest>,
) -> Result<Json<PiiAnonymizeResponse>, ApiError> {
    Ok(Json(s.service().pii().detokenize(input.into()).await?.into()))
}

/// The entity types the analyzer reports (scope `pii:write`).
#[utoipa::path(get, path = "/v1/pii/supportedentities", tag = "pii",
    responses((status = 200, body = Vec<String>)), security(("bearer" = [])))]
pub(crate) async fn pii_supported_entities(State(s): State<AppState>, _auth: Auth<PiiWrite>) -> Json<Vec<String>> {
    Json(s.service().pii().supported_entities())
}

/// The recognizers the analyzer runs (scope `pii:write`).
#[utoipa::path(get, path = "/v1/pii/recognizers", tag = "pii",
    responses((status = 200, body = Vec<String>)), security(("bearer" = [])))]
pub(crate) async fn pii_recognizers(State(s): State<AppState>, _auth: Auth<PiiWrite>) -> Json<Vec<String>> {
    Json(s.service().pii().recognizers())
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/pii/analyze", post(pii_analyze))
        .route("/v1/pii/anonymize", post(pii_anonymize))
        .route("/v1/pii/deanonymize", post(pii_deanonymize))
        .route("/v1/pii/detokenize", post(pii_detokenize))
        .route("/v1/pii/supportedentities", get(pii_supported_entities))
        .route("/v1/pii/recognizers", get(pii_recognizers))
        .layer(DefaultBodyLimit::max(PII_MAX_BODY_BYTES))
}

/// The largest request body the PII routes read: 10 MiB of text (every other route takes
/// [`crate::MAX_BODY_BYTES`]); larger inputs go through `custos pii analyze`, which streams.
pub(crate) const PII_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Access to Presidio's own paths: a key with scope `pii:write`, unless the server runs with
/// `--presidio-api-no-auth` (loopback only).
pub(crate) struct PresidioAccess;

impl FromRequestParts<AppState> for PresidioAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if !state.presidio_no_auth() {
            Auth::<PiiWrite>::from_request_parts(parts, state).await?;
        }
        Ok(PresidioAccess)
    }
}

/// Presidio's answer: the document, or `{"error": message}` with Presidio's status.
fn presidio_answer(result: Result<serde_json::Value, PresidioError>) -> Response {
    match result {
        Ok(doc) => Json(doc).into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(serde_json::json!({ "error": e.message }))).into_response()
        }
    }
}

/// Presidio's `?language=` query (other parameters are ignored, as Presidio ignores them).
#[derive(Deserialize)]
struct LanguageQuery {
    language: Option<String>,
}

async fn presidio_analyze(State(s): State<AppState>, _a: PresidioAccess, body: Bytes) -> Response {
    presidio_answer(s.service().pii().presidio_analyze(&body))
}

async fn presidio_anonymize(State(s): State<AppState>, _a: PresidioAccess, body: Bytes) -> Response {
    presidio_answer(s.service().pii().presidio_anonymize(&body))
}

async fn presidio_deanonymize(State(s): State<AppState>, _a: PresidioAccess, body: Bytes) -> Response {
    presidio_answer(s.service().pii().presidio_deanonymize(&body))
}

async fn presidio_supported_entities(State(s): State<AppState>, _a: PresidioAccess, Query(q): Query<LanguageQuery>) -> Response {
    presidio_answer(s.service().pii().presidio_supported_entities(q.language.as_deref()).map(|l| serde_json::json!(l)))
}

async fn presidio_recognizers(State(s): State<AppState>, _a: PresidioAccess, Query(q): Query<LanguageQuery>) -> Response {
    presidio_answer(s.service().pii().presidio_recognizers(q.language.as_deref()).map(|l| serde_json::json!(l)))
}

async fn presidio_anonymizers(_a: PresidioAccess) -> Json<&'static [&'static str]> {
    Json(PRESIDIO_ANONYMIZERS)
}

async fn presidio_deanonymizers(_a: PresidioAccess) -> Json<&'static [&'static str]> {
    Json(PRESIDIO_DEANONYMIZERS)
}

async fn presidio_health() -> &'static str {
    "custos PII service (Presidio-compatible) is up"
}

/// Presidio's analyzer and anonymizer paths, for clients that cannot change their base URL:
/// Presidio's documents and errors (see `custos_service::pii::presidio`), the PII body limit.
pub(crate) fn presidio_routes() -> Router<AppState> {
    Router::new()
        .route("/analyze", post(presidio_analyze))
        .route("/anonymize", post(presidio_anonymize))
        .route("/deanonymize", post(presidio_deanonymize))
        .route("/supportedentities", get(presidio_supported_entities))
        .route("/recognizers", get(presidio_recognizers))
        .route("/anonymizers", get(presidio_anonymizers))
        .route("/deanonymizers", get(presidio_deanonymizers))
        .route("/health", get(presidio_health))
        .layer(DefaultBodyLimit::max(PII_MAX_BODY_BYTES))
}

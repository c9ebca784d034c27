//! Extractors whose failures are problem documents: JSON bodies that name the bad field,
//! query strings, bearer authentication and the Global Privacy Control header.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{StatusCode, header, request::Parts},
};
use std::marker::PhantomData;

use custos_service::{Principal, Scope};
use serde::de::DeserializeOwned;

use crate::{ApiError, AppState};

/// A JSON request body, deserialized with unknown fields rejected and errors that name the
/// field (`data.user.contact.email`, `scopes[2]`, ...).
pub(crate) struct ApiJson<T>(pub T);

/// Like [`ApiJson`], but an empty body means `T::default()` (for action endpoints whose body
/// is `{}`).
pub(crate) struct ApiJsonOrEmpty<T>(pub T);

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large()
        } else if timed_out(&rejection) {
            ApiError::body_timed_out()
        } else {
            ApiError::invalid(None, "the request body could not be read")
        }
    })
}

/// Whether a body read failed because the body stopped arriving (the body timeout).
fn timed_out(rejection: &axum::extract::rejection::BytesRejection) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() || e.to_string().contains("timed out") {
            return true;
        }
        source = e.source();
    }
    false
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON carries a NUL only as the escape `\u0000`; where one appears, find the field.
    if bytes.windows(6).any(|w| w == b"\\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = crate::guard::nul_in_json(&value)
    {
        return Err(ApiError::invalid(Some(field), "must not contain NUL characters (U+0000)"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let message = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::invalid(None, format!("the body is not valid JSON ({message})"));
        }
        // serde reports unknown and missing fields with the field name in backticks and the
        // path of the enclosing object.
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        let field = match named {
            Some(name) if path == "." => name,
            Some(name) if path.ends_with(&name) => path,
            Some(name) => format!("{path}.{name}"),
            None if path == "." => String::new(),
            None => path,
        };
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        ApiError::invalid((!field.is_empty()).then_some(field), message)
    })?;
    de.end().map_err(|_| ApiError::invalid(None, "unexpected data after the JSON document"))?;
    Ok(value)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = read_body(req, state).await?;
        Ok(ApiJson(parse_json(&bytes)?))
    }
}

/// A JSON body kept as bytes, for an engine that parses it itself (a drift profile); the
/// same media-type, size and timeout answers as [`ApiJson`].
pub(crate) struct ApiJsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiJsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::unsupported_media_type());
        }
        Ok(ApiJsonBytes(read_body(req, state).await?))
    }
}

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(&req);
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
        Ok(ApiJsonOrEmpty(parse_json(&bytes)?))
    }
}

/// Query parameters, with unknown or malformed parameters answered as problems.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    /// Errors name the parameter: `limit` for `?limit=many`, the unknown name for `?color=red`.
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de).map(ApiQuery).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let named = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next()).map(str::to_owned);
            let field = match named {
                Some(name) => Some(name),
                None if path != "." && !path.is_empty() => Some(path),
                None => None,
            };
            ApiError::invalid(field, format!("invalid query string: {message}"))
        })
    }
}

/// The authenticated caller, holding the scope `S` requires. Missing, malformed, unknown and
/// revoked keys are all 401; a key without the scope is 403. As a parts extractor it runs
/// before the body is read, so an unauthorized caller learns nothing from body validation.
pub(crate) struct Auth<S: RequiredScope = AnyKey>(pub Principal, pub PhantomData<S>);

/// A scope a route requires, as a type (so the requirement is visible in the signature).
pub(crate) trait RequiredScope: Send + Sync + 'static {
    /// The scope, or `None` when any valid key will do.
    const SCOPE: Option<Scope>;
}

macro_rules! scopes {
    ($($name:ident => $scope:expr),* $(,)?) => {
        $(
            #[doc = concat!("Requires `", stringify!($name), "`.")]
            pub(crate) struct $name;
            impl RequiredScope for $name {
                const SCOPE: Option<Scope> = $scope;
            }
        )*
    };
}

scopes! {
    AnyKey => None,
    PurposesWrite => Some(Scope::PurposesWrite),
    KeysAdmin => Some(Scope::KeysAdmin),
    LedgerAdmin => Some(Scope::LedgerAdmin),
    LedgerRead => Some(Scope::LedgerRead),
    SubjectsRead => Some(Scope::SubjectsRead),
    SubjectsWrite => Some(Scope::SubjectsWrite),
    ConsentsWrite => Some(Scope::ConsentsWrite),
    SignalsWrite => Some(Scope::SignalsWrite),
    TcfAdmin => Some(Scope::TcfAdmin),
    ChecksWrite => Some(Scope::ChecksWrite),
    DecisionsWrite => Some(Scope::DecisionsWrite),
    DecisionsRead => Some(Scope::DecisionsRead),
    DsrsRead => Some(Scope::DsrsRead),
    DsrsWrite => Some(Scope::DsrsWrite),
    PiiWrite => Some(Scope::PiiWrite),
    TokensRead => Some(Scope::TokensRead),
    AuditsRead => Some(Scope::AuditsRead),
    AuditsWrite => Some(Scope::AuditsWrite),
    ModelsRead => Some(Scope::ModelsRead),
    ModelsWrite => Some(Scope::ModelsWrite),
    ReviewsRead => Some(Scope::ReviewsRead),
    ReviewsWrite => Some(Scope::ReviewsWrite),
    OversightAdmin => Some(Scope::OversightAdmin),
    AlertsRead => Some(Scope::AlertsRead),
    AlertsWrite => Some(Scope::AlertsWrite),
    WebhooksAdmin => Some(Scope::WebhooksAdmin),
    MonitorsRead => Some(Scope::MonitorsRead),
    MonitorsWrite => Some(Scope::MonitorsWrite),
    AiSystemsRead => Some(Scope::AiSystemsRead),
    AiSystemsWrite => Some(Scope::AiSystemsWrite),
    RisksRead => Some(Scope::RisksRead),
    RisksWrite => Some(Scope::RisksWrite),
    IncidentsRead => Some(Scope::IncidentsRead),
    AssessmentsRead => Some(Scope::AssessmentsRead),
    AssessmentsWrite => Some(Scope::AssessmentsWrite),
    IncidentsWrite => Some(Scope::IncidentsWrite),
    ApprovalsRead => Some(Scope::ApprovalsRead),
    ApprovalsWrite => Some(Scope::ApprovalsWrite),
    ValidationsWrite => Some(Scope::ValidationsWrite),
    VendorsRead => Some(Scope::VendorsRead),
    VendorsWrite => Some(Scope::VendorsWrite),
    TrainingsRead => Some(Scope::TrainingsRead),
    TrainingsWrite => Some(Scope::TrainingsWrite),
    ComplianceRead => Some(Scope::ComplianceRead),
    ComplianceWrite => Some(Scope::ComplianceWrite),
    ExportsRead => Some(Scope::ExportsRead),
    ExportsWrite => Some(Scope::ExportsWrite),
    ExportsAdmin => Some(Scope::ExportsAdmin),
    DpQuery => Some(Scope::DpQuery),
}

impl<S: RequiredScope> FromRequestParts<AppState> for Auth<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        let principal = state.service().keys().authenticate(token).await?;
        if let Some(scope) = S::SCOPE {
            principal.require(scope)?;
        }
        Ok(Auth(principal, PhantomData))
    }
}

/// Whether the request carries a Global Privacy Control signal (`Sec-GPC: 1`).
pub(crate) struct Gpc(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Gpc {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Gpc(parts.headers.get("sec-gpc").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        age: u32,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        inner: Inner,
    }

    fn field_of(body: &str) -> Option<String> {
        let err = parse_json::<Doc>(body.as_bytes()).expect_err("invalid");
        serde_json::to_value(&err).ok()?.get("field")?.as_str().map(str::to_owned)
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(r#"{"name": 1, "inner": {"age": 1}}"#).as_deref(), Some("name"));
        assert_eq!(field_of(r#"{"name": "a", "inner": {"age": "x"}}"#).as_deref(), Some("inner.age"));
        assert_eq!(field_of(r#"{"name": "a", "inner": {"age": 1}, "extra": 1}"#).as_deref(), Some("extra"));
        assert_eq!(field_of(r#"{"name": "a", "inner": {"age": 1, "x": 2}}"#).as_deref(), Some("inner.x"));
        assert_eq!(field_of(r#"{"inner": {"age": 1}}"#).as_deref(), Some("name"));
        assert_eq!(field_of(r#"{"name": "#), None);
    }
}

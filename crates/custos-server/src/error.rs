use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use custos_service::ServiceError;
use serde::Serialize;

/// An RFC 9457 problem document. `type` is a stable URN per kind of problem; `field` names the
/// offending request field where there is one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    #[serde(rename = "type")]
    problem_type: String,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// For a refused differentially private release: what its purpose's budget has left.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    budget: Option<Box<BudgetLeft>>,
    #[serde(skip)]
    challenge: bool,
    #[serde(skip)]
    retry_after: Option<u64>,
}

/// The privacy budget a purpose has left, stated when a release is refused for want of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetLeft {
    /// What is left.
    remaining: f64,
    /// In which currency: `epsilon` or `rho`.
    currency: &'static str,
}

impl ApiError {
    fn new(status: StatusCode, slug: &str, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("urn:custos:problem:{slug}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            budget: None,
            challenge: false,
            retry_after: None,
        }
    }

    /// A malformed request document, naming the field.
    pub(crate) fn invalid(field: Option<String>, detail: impl Into<String>) -> Self {
        Self { field, ..Self::new(StatusCode::BAD_REQUEST, "invalid-request", "Invalid request", detail) }
    }

    /// A failure on our side outside the service (rendering a page): logged, answered 500.
    pub(crate) fn internal(e: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the request could not be completed")
    }

    /// Something the server needs for this answer is missing on its machine (HTTP 503).
    pub(crate) fn unavailable(e: &dyn std::fmt::Display) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Not available on this server", e.to_string())
    }

    pub(crate) fn payload_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large", "the request body exceeds 1 MiB")
    }

    pub(crate) fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as application/json",
        )
    }

    pub(crate) fn request_timed_out(budget: std::time::Duration) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request-timeout",
            "Request took too long",
            format!(
                "the request was not answered within {} seconds (--request-timeout-seconds); a write it started either committed whole or not at all",
                budget.as_secs()
            ),
        )
    }

    pub(crate) fn body_timed_out() -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT, "body-timeout", "Request body too slow", "the request body stopped arriving")
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed", "this route does not take this method")
    }

    /// Refused whoever the caller is (an origin not allowed), naming the header.
    pub(crate) fn forbidden(field: &str, detail: impl Into<String>) -> Self {
        Self { field: Some(field.to_owned()), ..Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail) }
    }

    pub(crate) fn not_found_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such route")
    }

    pub(crate) fn unauthenticated() -> Self {
        Self {
            challenge: true,
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
                "present a valid API key as `Authorization: Bearer <key>`",
            )
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(v) => Self {
                field: Some(v.field().to_owned()),
                ..Self::new(StatusCode::BAD_REQUEST, "invalid-request", "Invalid request", v.message())
            },
            ServiceError::Unprocessable(v) => Self {
                field: Some(v.field().to_owned()),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "Request cannot be carried out", v.message())
            },
            ServiceError::NotFound { resource } => {
                Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("{resource} not found"))
            }
            ServiceError::OverBudget { field, remaining, currency, detail } => Self {
                field: Some(field.to_owned()),
                budget: Some(Box::new(BudgetLeft { remaining, currency })),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "privacy-budget-exceeded", "Privacy budget exceeded", detail)
            },
            ServiceError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            ServiceError::Unauthenticated => Self::unauthenticated(),
            ServiceError::NotAllowed(v) => {
                Self { field: Some(v.field().to_owned()), ..Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", v.message()) }
            }
            ServiceError::Forbidden(scope) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Insufficient scope", format!("this API key lacks the `{scope}` scope"))
            }
            ServiceError::TooManyRequests { retry_after } => Self {
                retry_after: Some(retry_after.as_secs().max(1)),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-requests",
                    "Too many requests",
                    format!("too many attempts; try again in {} seconds", retry_after.as_secs().max(1)),
                )
            },
            ServiceError::Internal(source) => {
                // Details go to the log; the caller gets a generic message.
                tracing::error!(error = %source, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the request could not be completed; it was not applied",
                )
            }
            other => {
                tracing::error!(error = %other, "unexpected error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the request could not be completed")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if self.challenge {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

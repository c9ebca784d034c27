use custos_core::ValidationError;
use custos_store::StoreError;

/// Why an operation did not happen. Every variant but [`ServiceError::Internal`] is the
/// caller's to fix; none carries personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// A field is malformed or not allowed (HTTP 400).
    #[error("{0}")]
    Invalid(ValidationError),
    /// A field refers to something that does not exist or is in the wrong state (HTTP 422).
    #[error("{0}")]
    Unprocessable(ValidationError),
    /// The resource named in the path does not exist (HTTP 404).
    #[error("{resource} not found")]
    NotFound {
        /// What was looked for (`subject`, `purpose`, ...).
        resource: &'static str,
    },
    /// The request conflicts with existing state, e.g. a duplicate key (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// The caller presented no valid credentials (HTTP 401).
    #[error("missing, malformed, unknown or revoked API key")]
    Unauthenticated,
    /// The credentials lack a scope (HTTP 403).
    #[error("this API key lacks the `{0}` scope")]
    Forbidden(&'static str),
    /// The caller may not ask for what a field asks (HTTP 403), e.g. a key granting a scope
    /// it does not hold.
    #[error("{0}")]
    NotAllowed(ValidationError),
    /// Too many attempts from this client, or from everyone (HTTP 429): try again after this.
    #[error("too many attempts; try again in {} seconds", retry_after.as_secs().max(1))]
    TooManyRequests {
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// A differentially private release would spend more privacy budget than its purpose has
    /// left (HTTP 422): nothing was released or spent.
    #[error("{detail}")]
    OverBudget {
        /// The field of the request that asked for the spend (`epsilon` or `rho`).
        field: &'static str,
        /// What the purpose has left, in the budget's own currency.
        remaining: f64,
        /// That currency: `epsilon` or `rho`.
        currency: &'static str,
        /// The sentence for the caller.
        detail: String,
    },
    /// Something failed on our side; details go to the log only (HTTP 500/503).
    #[error("internal error")]
    Internal(#[source] InternalError),
}

impl ServiceError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(ValidationError::new(field, message))
    }

    pub(crate) fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        Self::Unprocessable(ValidationError::new(field, message))
    }
}

impl From<ValidationError> for ServiceError {
    fn from(e: ValidationError) -> Self {
        Self::Invalid(e)
    }
}

/// What failed on our side, for the log (never shown to a caller).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InternalError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl ServiceError {
    /// An internal failure (a database, the random source, a broken invariant).
    pub(crate) fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(InternalError(e.into()))
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound { resource: "record" },
            StoreError::Conflict => Self::Conflict("a record with this key already exists".into()),
            other => Self::internal(other),
        }
    }
}

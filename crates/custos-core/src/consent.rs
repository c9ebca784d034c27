use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The state a consent event puts a (subject, purpose) pair in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// The subject agreed (opt-in).
    Granted,
    /// The subject refused when asked (opt-out).
    Denied,
    /// The subject took back an earlier grant.
    Withdrawn,
}

impl ConsentStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "granted" => Ok(Self::Granted),
            "denied" => Ok(Self::Denied),
            "withdrawn" => Ok(Self::Withdrawn),
            _ => Err(ValidationError::new("status", "must be one of granted, denied, withdrawn")),
        }
    }
}

/// How a consent was captured or a request verified (`api`, `privacy_center`, `email_link`,
/// ...): a short lowercase token, kept free-form because every business has its own channels.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Method(String);

impl Method {
    /// Validates the shape: 1-64 characters of `[a-z0-9_-]`.
    pub fn parse(field: &str, s: &str) -> Result<Self, ValidationError> {
        if !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-') {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(field, "must be 1-64 characters of [a-z0-9_-]"))
        }
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Method({})", self.0)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

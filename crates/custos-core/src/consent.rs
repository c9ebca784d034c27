use std::fmt;

use serde::Serialize;

use crate::ValidationError;

crate::vocabulary! {
    /// The state a consent event puts a (subject, purpose) pair in.
    pub enum ConsentStatus: "status" {
        /// The subject agreed (opt-in).
        Granted = "granted" ("Granted"),
        /// The subject refused when asked (opt-out).
        Denied = "denied" ("Denied"),
        /// The subject took back an earlier grant.
        Withdrawn = "withdrawn" ("Withdrawn"),
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

use std::fmt;

/// A value that does not meet the vocabulary's rules, with the field it came from.
///
/// Callers map it to their own error shapes (problem+json at HTTP, a one-line message on the
/// CLI); the message never repeats the offending value, since it may be personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    field: String,
    message: String,
}

impl ValidationError {
    /// A validation error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The field (JSON pointer-like dotted path) that failed validation.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong, in words meant for the caller.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error placed under a parent field, e.g. `data` + `user.contact.email`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() { parent.to_owned() } else { format!("{parent}.{}", self.field) };
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

//! What people read instead of codes: dates as "16 Jan 2027 · 45 days left" with the ISO time
//! kept for a `title`, counts with thousands separators, labels of vocabulary words, and
//! validation errors as sentences.

use custos_core::{Timestamp, Vocabulary, format_timestamp, now};
use custos_service::ServiceError;

/// A moment as people read it, with the exact time for a tooltip and `<time datetime>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct When {
    /// "16 Jan 2027".
    pub text: String,
    /// "45 days left", "3 days overdue", "2 days ago", "today"; `None` when not asked for.
    pub relative: Option<String>,
    /// RFC 3339.
    pub iso: String,
}

fn days(n: i64) -> String {
    if n == 1 { "1 day".to_owned() } else { format!("{} days", thousands(n.unsigned_abs())) }
}

impl When {
    /// The date alone.
    pub(crate) fn date(t: &Timestamp) -> Self {
        Self { text: t.format("%-d %b %Y").to_string(), relative: None, iso: format_timestamp(t) }
    }

    /// The date alone, as the customer's language writes it (the privacy center).
    pub(crate) fn date_in(t: &crate::text::Text, at: &Timestamp) -> Self {
        Self { text: t.date(at), relative: None, iso: format_timestamp(at) }
    }

    /// The date and time (UTC), for events.
    pub(crate) fn moment(t: &Timestamp) -> Self {
        Self { text: t.format("%-d %b %Y, %H:%M UTC").to_string(), relative: None, iso: format_timestamp(t) }
    }

    /// A deadline: the date and how long is left ("45 days left", "due today", "3 days overdue").
    pub(crate) fn deadline(t: &Timestamp) -> Self {
        Self::deadline_at(t, &now())
    }

    pub(crate) fn deadline_at(t: &Timestamp, at: &Timestamp) -> Self {
        let left = t.date_naive().signed_duration_since(at.date_naive()).num_days();
        let relative = match left {
            0 => "due today".to_owned(),
            n if n > 0 => format!("{} left", days(n)),
            n => format!("{} overdue", days(n)),
        };
        Self { relative: Some(relative), ..Self::date(t) }
    }

    /// A past moment and how long ago ("2 days ago", "today").
    pub(crate) fn ago(t: &Timestamp) -> Self {
        let n = now().date_naive().signed_duration_since(t.date_naive()).num_days();
        let relative = match n {
            0 => "today".to_owned(),
            n if n > 0 => format!("{} ago", days(n)),
            n => format!("in {}", days(n)),
        };
        Self { relative: Some(relative), ..Self::date(t) }
    }
}

pub(crate) use custos_reports::thousands;

/// The label of a vocabulary word ("Waiting for verification" for `pending_verification`).
pub(crate) fn label<T: Vocabulary>(word: T) -> &'static str {
    word.label()
}

/// The label of a stored word of a vocabulary, or the word itself when it is not one (a
/// count keyed by status, say, that predates a rename).
pub(crate) fn label_of<T: Vocabulary>(word: &str) -> String {
    T::parse(word).map(|w| w.label().to_owned()).unwrap_or_else(|_| word.replace('_', " "))
}

/// A field name as people say it: `legal_basis` is "Legal basis", `data.user.name` "Data (user.name)".
fn field_words(field: &str) -> String {
    let (head, rest) = field.split_once('.').map_or((field, None), |(h, r)| (h, Some(r)));
    let head = head.split('[').next().unwrap_or(head).replace('_', " ");
    let mut chars = head.chars();
    let head = match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => "The request".to_owned(),
    };
    match rest {
        Some(r) => format!("{head} ({r})"),
        None => head,
    }
}

/// A sentence that starts with a capital and ends with a full stop.
fn sentence(text: &str) -> String {
    let t = text.trim().trim_end_matches('.');
    let mut chars = t.chars();
    match chars.next() {
        Some(c) => format!("{}{}.", c.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// What went wrong, as a sentence for the person who asked: validation errors name the field
/// in words ("Legal basis must be one of consent, contract or legal_obligation.").
pub(crate) fn problem(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) | ServiceError::Unprocessable(v) | ServiceError::NotAllowed(v) => {
            sentence(&format!("{} {}", field_words(v.field()), v.message()))
        }
        ServiceError::NotFound { resource } => sentence(&format!("there is no such {resource}")),
        ServiceError::Conflict(m) => sentence(m),
        ServiceError::OverBudget { detail, .. } => sentence(detail),
        ServiceError::TooManyRequests { retry_after } => {
            format!("Too many attempts. Try again in {} seconds.", retry_after.as_secs().max(1))
        }
        _ => "custos could not do this; the error was logged. Try again, and tell the administrator if it happens again.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custos_core::{DsrStatus, ValidationError, parse_timestamp};

    #[test]
    fn people_read_dates_counts_and_sentences() {
        let at = parse_timestamp("2026-12-02T09:00:00Z").expect("time");
        let due = parse_timestamp("2027-01-16T10:00:00Z").expect("time");
        let w = When::deadline_at(&due, &at);
        assert_eq!(
            (w.text.as_str(), w.relative.as_deref(), w.iso.as_str()),
            ("16 Jan 2027", Some("45 days left"), "2027-01-16T10:00:00.000000Z")
        );
        assert_eq!(When::deadline_at(&at, &due).relative.as_deref(), Some("45 days overdue"));
        assert_eq!(When::deadline_at(&at, &at).relative.as_deref(), Some("due today"));
        assert_eq!(thousands(1_204_000), "1,204,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(label(DsrStatus::PendingVerification), "Waiting for verification");
        assert_eq!(label_of::<DsrStatus>("completed"), "Completed");
        let e = ServiceError::Invalid(ValidationError::new("legal_basis", custos_core::one_of(&["consent", "contract"])));
        assert_eq!(problem(&e), "Legal basis must be one of consent or contract.");
        let e = ServiceError::Invalid(ValidationError::new("data.user.name", "must not be null"));
        assert_eq!(problem(&e), "Data (user.name) must not be null.");
        let e = ServiceError::Invalid(ValidationError::new("data_categories[1]", "is not a fideslang category"));
        assert_eq!(problem(&e), "Data categories is not a fideslang category.");
    }
}

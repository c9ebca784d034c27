use chrono::{DateTime, SecondsFormat, Utc};

/// A point in time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// The current time, truncated to microseconds so that it survives a round trip through
/// both databases unchanged.
pub fn now() -> Timestamp {
    let t = Utc::now();
    let micros = t.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(t)
}

/// Renders a timestamp the one way custos stores and sends it: RFC 3339, UTC, microseconds,
/// `Z` suffix. The fixed width makes stored values sort chronologically as text.
pub fn format_timestamp(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses an RFC 3339 timestamp with any offset into UTC.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips_and_sorts() {
        let a = parse_timestamp("2026-11-22T10:00:00+01:00").expect("valid");
        assert_eq!(format_timestamp(&a), "2026-11-22T09:00:00.000000Z");
        let b = parse_timestamp("2026-11-22T09:00:00.5Z").expect("valid");
        assert!(format_timestamp(&a) < format_timestamp(&b));
        assert_eq!(parse_timestamp(&format_timestamp(&b)), Some(b));
        assert!(parse_timestamp("yesterday").is_none());
    }
}

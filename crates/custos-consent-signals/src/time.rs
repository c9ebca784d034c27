//! TCF and GPP timestamps: deciseconds since the Unix epoch, shown as ISO 8601 in UTC.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// `2026-03-01T12:34:56.7Z` for a number of deciseconds.
pub(crate) fn format(ds: u64) -> String {
    let secs = (ds / 10) as i64;
    match DateTime::<Utc>::from_timestamp(secs, 0) {
        Some(t) => format!("{}.{}Z", t.format("%Y-%m-%dT%H:%M:%S"), ds % 10),
        None => String::new(),
    }
}

/// Deciseconds from an RFC 3339 timestamp (finer precision is truncated).
pub(crate) fn parse(s: &str) -> Option<u64> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    let ms = t.timestamp_millis();
    u64::try_from(ms).ok().map(|ms| ms / 100)
}

pub(crate) fn serialize<S: Serializer>(ds: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*ds))
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 timestamp: {text:?}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn deciseconds_round_trip() {
        let ds = 17_724_000_007;
        assert_eq!(super::format(ds), "2026-03-01T21:20:00.7Z");
        assert_eq!(super::parse(&super::format(ds)), Some(ds));
    }
}

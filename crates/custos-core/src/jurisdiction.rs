use std::fmt;

use chrono::{Days, Months};
use serde::{Deserialize, Serialize};

use crate::{Timestamp, ValidationError};

/// Where a data subject is, as an ISO 3166-1 alpha-2 country code (`DE`) or an ISO 3166-2
/// subdivision (`US-CA`). It selects the consent model (opt-in or opt-out) and the
/// deadlines for data-subject requests.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Jurisdiction(String);

/// EU member states plus the EEA (Iceland, Liechtenstein, Norway), where the GDPR applies.
const EU_EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT",
    "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// US states with a comprehensive privacy law answering requests in 45 days, extendable by 45
/// (CCPA 1798.130(a)(2), CPA 6-1-1306(2), VCDPA 59.1-577(B); CT, TX and OR follow the same
/// 45 + 45 pattern).
const US_45_DAY_STATES: &[&str] = &["US-CA", "US-CO", "US-VA", "US-CT", "US-TX", "US-OR"];

/// The law whose clock governs a subject's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// GDPR Art. 12(3): one month, extendable by two months.
    Gdpr,
    /// UK GDPR Art. 12A: one month, extendable by two months.
    UkGdpr,
    /// US state privacy laws: 45 days, extendable once by 45 days.
    UsState,
    /// LGPD Art. 19: complete declaration within 15 days, no extension.
    Lgpd,
    /// PIPEDA s. 8: 30 days, extendable by 30 days.
    Pipeda,
    /// Quebec Law 25 s. 32: 30 days, no extension.
    Quebec,
    /// Anywhere else: the GDPR clock, the strictest widely applied default.
    Default,
}

/// How long a regime gives to answer a request, and by how much it may be extended once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsrDeadline {
    /// Calendar months (GDPR style, "one month from receipt").
    Months {
        /// Initial period.
        initial: u32,
        /// Extension, 0 when none is allowed.
        extension: u32,
    },
    /// Calendar days.
    Days {
        /// Initial period.
        initial: u64,
        /// Extension, 0 when none is allowed.
        extension: u64,
    },
}

impl Regime {
    /// The request deadline of this regime.
    pub fn dsr_deadline(self) -> DsrDeadline {
        match self {
            Regime::Gdpr | Regime::UkGdpr | Regime::Default => DsrDeadline::Months { initial: 1, extension: 2 },
            Regime::UsState => DsrDeadline::Days { initial: 45, extension: 45 },
            Regime::Lgpd => DsrDeadline::Days { initial: 15, extension: 0 },
            Regime::Pipeda => DsrDeadline::Days { initial: 30, extension: 30 },
            Regime::Quebec => DsrDeadline::Days { initial: 30, extension: 0 },
        }
    }
}

impl DsrDeadline {
    /// The due date of a request received at `received_at`.
    pub fn due(self, received_at: Timestamp) -> Timestamp {
        match self {
            DsrDeadline::Months { initial, .. } => received_at.checked_add_months(Months::new(initial)),
            DsrDeadline::Days { initial, .. } => received_at.checked_add_days(Days::new(initial)),
        }
        .unwrap_or(received_at)
    }

    /// The due date after the one extension, or `None` when the regime allows none.
    pub fn extended(self, due_at: Timestamp) -> Option<Timestamp> {
        match self {
            DsrDeadline::Months { extension: 0, .. } | DsrDeadline::Days { extension: 0, .. } => None,
            DsrDeadline::Months { extension, .. } => due_at.checked_add_months(Months::new(extension)),
            DsrDeadline::Days { extension, .. } => due_at.checked_add_days(Days::new(extension)),
        }
    }
}

impl Jurisdiction {
    /// Validates `DE`, `US-CA`, ...: two uppercase letters, optionally `-` and 1-3 uppercase
    /// letters or digits. `UK` is accepted as the common alias of `GB`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let (country, sub) = match s.split_once('-') {
            Some((c, sub)) => (c, Some(sub)),
            None => (s, None),
        };
        let country_ok = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        let sub_ok =
            sub.is_none_or(|sub| (1..=3).contains(&sub.len()) && sub.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        if !(country_ok && sub_ok) {
            return Err(ValidationError::new(
                "jurisdiction",
                "must be an ISO 3166-1 alpha-2 code (DE) or an ISO 3166-2 subdivision (US-CA)",
            ));
        }
        if s == "UK" {
            return Ok(Self("GB".to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country part (`US` for `US-CA`).
    pub fn country(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// The regime whose deadlines apply.
    pub fn regime(&self) -> Regime {
        let country = self.country();
        if EU_EEA.contains(&country) {
            Regime::Gdpr
        } else if country == "GB" {
            Regime::UkGdpr
        } else if US_45_DAY_STATES.contains(&self.0.as_str()) {
            Regime::UsState
        } else if country == "BR" {
            Regime::Lgpd
        } else if self.0 == "CA-QC" {
            Regime::Quebec
        } else if country == "CA" {
            Regime::Pipeda
        } else {
            Regime::Default
        }
    }

    /// True when this jurisdiction (or its country) appears in `opt_out_list`; everything not
    /// listed is opt-in, the safe default.
    pub fn is_opt_out(&self, opt_out_list: &[Jurisdiction]) -> bool {
        opt_out_list.iter().any(|j| j.0 == self.0)
    }
}

impl<'de> Deserialize<'de> for Jurisdiction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Jurisdiction::parse(&s).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jurisdiction({})", self.0)
    }
}

/// The default opt-out jurisdictions (US states whose laws let businesses process until the
/// consumer opts out).
pub fn default_opt_out_jurisdictions() -> Vec<Jurisdiction> {
    US_45_DAY_STATES.iter().map(|s| Jurisdiction((*s).to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_timestamp;

    fn j(s: &str) -> Jurisdiction {
        Jurisdiction::parse(s).expect("valid")
    }

    #[test]
    fn shapes() {
        assert!(Jurisdiction::parse("de").is_err());
        assert!(Jurisdiction::parse("USA").is_err());
        assert!(Jurisdiction::parse("US-").is_err());
        assert_eq!(j("UK").as_str(), "GB");
        assert_eq!(j("US-CA").country(), "US");
    }

    #[test]
    fn regimes_and_deadlines() {
        let received = parse_timestamp("2026-01-31T12:00:00Z").expect("ts");
        let gdpr = j("DE").regime().dsr_deadline();
        // One calendar month from 31 January ends on the last day of February.
        let due = gdpr.due(received);
        assert_eq!(due, parse_timestamp("2026-02-28T12:00:00Z").expect("ts"));
        assert_eq!(gdpr.extended(due), parse_timestamp("2026-04-28T12:00:00Z"));
        let ccpa = j("US-CA").regime().dsr_deadline();
        let due = ccpa.due(received);
        assert_eq!(due, parse_timestamp("2026-03-17T12:00:00Z").expect("ts"));
        assert_eq!(ccpa.extended(due), parse_timestamp("2026-05-01T12:00:00Z"));
        assert_eq!(j("BR").regime().dsr_deadline().extended(due), None);
        assert_eq!(j("GB").regime(), Regime::UkGdpr);
        assert_eq!(j("CA-QC").regime(), Regime::Quebec);
        assert_eq!(j("JP").regime(), Regime::Default);
    }

    #[test]
    fn opt_out_is_explicit() {
        let list = default_opt_out_jurisdictions();
        assert!(j("US-CA").is_opt_out(&list));
        assert!(!j("US-NY").is_opt_out(&list));
        assert!(!j("DE").is_opt_out(&list));
    }
}

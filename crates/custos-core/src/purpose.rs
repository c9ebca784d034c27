use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DataCategory, Timestamp, ValidationError};

crate::vocabulary! {
    /// The legal basis a purpose relies on (GDPR Art. 6(1); the other bases are not offered to
    /// customer-facing AI uses).
    pub enum LegalBasis: "legal_basis" {
        /// Art. 6(1)(a): the subject agreed.
        Consent = "consent" ("Consent"),
        /// Art. 6(1)(f): the business's legitimate interest, subject to objection.
        LegitimateInterest = "legitimate_interest" ("Legitimate interest"),
        /// Art. 6(1)(b): needed to perform a contract with the subject.
        Contract = "contract" ("Contract"),
        /// Art. 6(1)(c): required by law.
        LegalObligation = "legal_obligation" ("Legal obligation"),
    }
}

/// The key of a processing purpose, e.g. `marketing.advertising.first_party.targeted`.
///
/// Purposes are named like fideslang data uses (dot-separated lowercase segments) so that the
/// standard uses can be adopted as they are; custom keys in the same shape are accepted too.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PurposeKey(String);

impl PurposeKey {
    /// Validates the shape: 1-128 characters of `[a-z0-9_]` segments joined by dots.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let ok = !s.is_empty()
            && s.len() <= 128
            && s.split('.').all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new("purpose", "must be 1-128 characters of dot-separated lowercase segments ([a-z0-9_])"))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for direct-marketing purposes (`marketing.*`), which an objection to direct
    /// marketing (GDPR Art. 21(2)-(3)) always stops.
    pub fn is_marketing(&self) -> bool {
        self.0 == "marketing" || self.0.starts_with("marketing.")
    }
}

impl<'de> Deserialize<'de> for PurposeKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        PurposeKey::parse(&s).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

impl fmt::Display for PurposeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PurposeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PurposeKey({})", self.0)
    }
}

/// A declared processing purpose: why data is used, on which legal basis, which data
/// categories it may use, and how long they may be kept for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Purpose {
    /// Unique key.
    pub purpose: PurposeKey,
    /// Short human-readable name.
    pub name: String,
    /// Legal basis the processing relies on.
    pub legal_basis: LegalBasis,
    /// The data categories this purpose may use; a category also covers its descendants.
    pub data_categories: Vec<DataCategory>,
    /// Whether the purpose sells or shares data (CCPA/CPRA sense).
    pub sale_or_share: bool,
    /// Whether the purpose profiles the subject (GDPR Art. 4(4)).
    pub profiling: bool,
    /// Whether the purpose processes sensitive data; consent is then required everywhere.
    pub sensitive: bool,
    /// Whether released values are replaced by pseudonymous tokens.
    pub pseudonymize: bool,
    /// Whether its decisions have a legal or similarly significant effect on the subject
    /// (GDPR Art. 22: credit, pricing, eligibility, employment); decisions inherit it.
    #[serde(default)]
    pub significant_effect: bool,
    /// How long data collected for this purpose may be kept.
    pub retention_days: u32,
    /// When the purpose was declared.
    pub created_at: Timestamp,
}

impl Purpose {
    /// True when `category` is one this purpose may use.
    pub fn allows(&self, category: &DataCategory) -> bool {
        self.data_categories.iter().any(|c| c.covers(category))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purpose_keys_have_one_shape() {
        assert!(PurposeKey::parse("marketing.advertising.first_party.targeted").is_ok());
        assert!(PurposeKey::parse("Marketing").is_err());
        assert!(PurposeKey::parse("a..b").is_err());
        assert!(PurposeKey::parse("").is_err());
        assert!(PurposeKey::parse("marketing.email").expect("key").is_marketing());
        assert!(!PurposeKey::parse("marketingish").expect("key").is_marketing());
    }

    #[test]
    fn legal_basis_round_trips() {
        for b in [LegalBasis::Consent, LegalBasis::LegitimateInterest, LegalBasis::Contract, LegalBasis::LegalObligation] {
            assert_eq!(LegalBasis::parse(b.as_str()), Ok(b));
        }
        assert!(LegalBasis::parse("vibes").is_err());
    }
}

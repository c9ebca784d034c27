//! International transfers (GDPR Chapter V): whether sending personal data to a country needs a
//! transfer tool, and whether the one named is one that can work there. The country lists are
//! data (`data/transfers.yaml`, `verified: false`), so a new adequacy decision changes data, not
//! code.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::names::named_enum;

/// How a transfer out of the EEA is made lawful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMechanism {
    /// The data stays in the EEA: no transfer tool is needed.
    NotNeeded,
    /// An adequacy decision for the country (Art. 45).
    Adequacy,
    /// The recipient is certified under the EU-US Data Privacy Framework (an Art. 45 decision
    /// for certified organisations only).
    DataPrivacyFramework,
    /// Standard contractual clauses adopted by the Commission (Art. 46(2)(c)).
    StandardContractualClauses,
    /// Binding corporate rules approved by an authority (Art. 47).
    BindingCorporateRules,
    /// A derogation for a specific situation, such as explicit consent (Art. 49).
    Derogation,
    /// None: the transfer has no lawful basis yet.
    None,
}

named_enum!(TransferMechanism, "transfer mechanism", {
    NotNeeded => "not_needed",
    Adequacy => "adequacy",
    DataPrivacyFramework => "data_privacy_framework",
    StandardContractualClauses => "standard_contractual_clauses",
    BindingCorporateRules => "binding_corporate_rules",
    Derogation => "derogation",
    None => "none",
});

impl TransferMechanism {
    /// Plain words for staff screens, with the article.
    pub const fn label(self) -> &'static str {
        match self {
            Self::NotNeeded => "not needed (stays in the EEA)",
            Self::Adequacy => "adequacy decision (Art. 45)",
            Self::DataPrivacyFramework => "EU-US Data Privacy Framework (Art. 45)",
            Self::StandardContractualClauses => "standard contractual clauses (Art. 46)",
            Self::BindingCorporateRules => "binding corporate rules (Art. 47)",
            Self::Derogation => "derogation (Art. 49)",
            Self::None => "none",
        }
    }
}

/// What the transfer rules say about sending data to a country under a mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// The country is in the EEA: no transfer.
    NoTransfer,
    /// A transfer with a mechanism that can work for that country.
    Covered,
    /// A transfer with no mechanism, or one that does not work for that country (adequacy
    /// claimed where there is no decision).
    Uncovered,
}

#[derive(Deserialize)]
struct Lists {
    verified: bool,
    source: String,
    eea: Vec<String>,
    adequate: Vec<String>,
    certified_only: Vec<String>,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS
        .get_or_init(|| serde_norway::from_str(include_str!("../data/transfers.yaml")).expect("the embedded transfer lists parse (tested)"))
}

/// Whether the country lists were checked against the primary texts, and what was read.
pub fn source() -> (bool, &'static str) {
    (lists().verified, &lists().source)
}

/// True for the 30 countries of the EEA (an ISO 3166 alpha-2 code; a subdivision such as
/// `ES-CN` counts as its country).
pub fn in_eea(country: &str) -> bool {
    let country = country.split('-').next().unwrap_or(country);
    lists().eea.iter().any(|c| c == country)
}

/// Whether sending personal data to `country` under `mechanism` is lawful as far as Chapter V
/// goes.
pub fn assess(country: &str, mechanism: TransferMechanism) -> TransferStatus {
    let country = country.split('-').next().unwrap_or(country);
    if in_eea(country) {
        return TransferStatus::NoTransfer;
    }
    let l = lists();
    let covered = match mechanism {
        TransferMechanism::NotNeeded | TransferMechanism::None => false,
        TransferMechanism::Adequacy => l.adequate.iter().any(|c| c == country),
        TransferMechanism::DataPrivacyFramework => l.certified_only.iter().any(|c| c == country),
        TransferMechanism::StandardContractualClauses | TransferMechanism::BindingCorporateRules | TransferMechanism::Derogation => true,
    };
    if covered { TransferStatus::Covered } else { TransferStatus::Uncovered }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_parse_and_are_marked_unverified() {
        let (verified, source) = source();
        assert!(!verified && source.contains("Art. 45"));
        assert_eq!(lists().eea.len(), 30, "27 member states and Iceland, Liechtenstein, Norway");
        for list in [&lists().eea, &lists().adequate, &lists().certified_only] {
            assert!(list.iter().all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())), "{list:?}");
        }
        assert!(!lists().adequate.iter().any(|c| in_eea(c)), "an EEA country needs no adequacy decision");
    }

    #[test]
    fn transfers_need_a_mechanism_that_works_for_the_country() {
        use TransferMechanism as M;
        use TransferStatus as S;
        assert_eq!(assess("DE", M::None), S::NoTransfer);
        assert_eq!(assess("ES-CN", M::NotNeeded), S::NoTransfer);
        assert_eq!(assess("NO", M::None), S::NoTransfer);
        assert_eq!(assess("US", M::None), S::Uncovered);
        assert_eq!(assess("US", M::NotNeeded), S::Uncovered);
        assert_eq!(assess("US", M::Adequacy), S::Uncovered, "the US decision covers certified organisations only");
        assert_eq!(assess("US", M::DataPrivacyFramework), S::Covered);
        assert_eq!(assess("US-CA", M::StandardContractualClauses), S::Covered);
        assert_eq!(assess("JP", M::Adequacy), S::Covered);
        assert_eq!(assess("GB", M::Adequacy), S::Covered);
        assert_eq!(assess("IN", M::Adequacy), S::Uncovered);
        assert_eq!(assess("IN", M::DataPrivacyFramework), S::Uncovered);
        assert_eq!(assess("IN", M::BindingCorporateRules), S::Covered);
        for m in TransferMechanism::ALL {
            assert_eq!(TransferMechanism::parse(m.as_str()), Ok(*m));
            assert_eq!(serde_json::to_value(m).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref(), Some(m.as_str()));
        }
    }
}

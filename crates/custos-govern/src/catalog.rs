//! The obligations catalog: legal duties with their citations, deadlines and sources, embedded
//! from `data/obligations.yaml` (a copy of the project's regulations catalog) and
//! `data/obligations-custos.yaml` (entries custos added, each with its source and
//! `verified: false` until checked against the primary text).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One legal obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    /// Stable id, `<REG>-<article>` (e.g. `GDPR-33`).
    pub id: String,
    /// Short name of the law.
    pub regulation: String,
    /// Article or section.
    pub citation: String,
    /// Short label.
    pub title: String,
    /// The duty in plain words.
    pub requirement: String,
    /// Deadlines, thresholds and dates as written.
    pub numbers: Vec<String>,
    /// Activities that trigger it.
    pub applies_to: Vec<String>,
    /// custos capabilities that help meet it.
    pub capability: Vec<String>,
    /// What custos can produce as evidence.
    pub evidence: Vec<String>,
    /// Whether the citation and figures were read in the primary text.
    pub verified: bool,
    /// What was read.
    pub source: String,
}

const BASE: &str = include_str!("../data/obligations.yaml");
/// custos's additions, one file per area (each entry `verified: false`, with its source).
const ADDED: [&str; 3] = [
    include_str!("../data/obligations-ai-act.yaml"),
    include_str!("../data/obligations-incidents.yaml"),
    include_str!("../data/obligations-vendors.yaml"),
];

/// Every obligation, the base catalog first, then custos's additions (parsed once).
pub fn catalog() -> &'static [Obligation] {
    static CATALOG: OnceLock<Vec<Obligation>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut all: Vec<Obligation> = serde_norway::from_str(BASE).expect("the embedded catalog parses (tested)");
        for file in ADDED {
            let added: Vec<Obligation> = serde_norway::from_str(file).expect("the embedded additions parse (tested)");
            all.extend(added);
        }
        all
    })
}

/// One obligation by id.
pub fn obligation(id: &str) -> Option<&'static Obligation> {
    catalog().iter().find(|o| o.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_with_unique_ids() {
        let all = catalog();
        assert!(all.len() >= 117, "{}", all.len());
        let mut ids: Vec<&str> = all.iter().map(|o| o.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
        assert!(obligation("GDPR-33").is_some_and(|o| o.verified));
    }

    #[test]
    fn additions_are_marked_unverified_with_a_source() {
        for o in ADDED.iter().flat_map(|f| serde_norway::from_str::<Vec<Obligation>>(f).expect("parses")) {
            assert!(!o.verified, "{} is an addition: verified false until checked", o.id);
            assert!(!o.source.is_empty(), "{} names its source", o.id);
        }
    }
}

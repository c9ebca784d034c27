use std::{collections::HashMap, fmt, sync::OnceLock};

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The fideslang default taxonomy of data categories, embedded at build time.
const DATA_CATEGORIES_JSON: &str = include_str!("../data/data_categories.json");

#[derive(Deserialize)]
struct TaxonomyEntry {
    fides_key: String,
    name: String,
}

fn taxonomy() -> &'static HashMap<String, String> {
    static TAXONOMY: OnceLock<HashMap<String, String>> = OnceLock::new();
    TAXONOMY.get_or_init(|| {
        // INVARIANT: the embedded file is the fideslang export; a parse failure is a build defect
        // caught by the unit tests below, so an empty taxonomy (rejecting everything) is the
        // safe fallback rather than a panic.
        serde_json::from_str::<Vec<TaxonomyEntry>>(DATA_CATEGORIES_JSON)
            .map(|entries| entries.into_iter().map(|e| (e.fides_key, e.name)).collect())
            .unwrap_or_default()
    })
}

/// The human-readable name fideslang gives a data category key, if it is one.
pub fn data_category_name(key: &str) -> Option<&'static str> {
    taxonomy().get(key).map(String::as_str)
}

/// Every data category key of the embedded fideslang taxonomy (in no particular order): the
/// tree that generalizes category values (`user.contact.email` -> `user.contact` -> `user`).
pub fn data_category_keys() -> impl Iterator<Item = &'static str> {
    taxonomy().keys().map(String::as_str)
}

/// A fideslang data category key such as `user.contact.email`.
///
/// Only keys of the embedded fideslang taxonomy are accepted, so every crate, table and
/// JSON document speaks the same vocabulary. Categories form a tree: `user.contact` covers
/// `user.contact.email`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DataCategory(String);

impl DataCategory {
    /// Validates `key` against the taxonomy.
    pub fn parse(key: &str) -> Result<Self, ValidationError> {
        if taxonomy().contains_key(key) {
            Ok(Self(key.to_owned()))
        } else {
            Err(ValidationError::new("data_category", format!("`{key}` is not a fideslang data category")))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `other` or one of its ancestors in the taxonomy.
    pub fn covers(&self, other: &DataCategory) -> bool {
        other.0 == self.0 || (other.0.starts_with(&self.0) && other.0.as_bytes().get(self.0.len()) == Some(&b'.'))
    }
}

impl<'de> Deserialize<'de> for DataCategory {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        DataCategory::parse(&key).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

impl fmt::Display for DataCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DataCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataCategory({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_is_embedded() {
        assert_eq!(taxonomy().len(), 85);
        assert_eq!(data_category_name("user.contact.email"), Some("User Contact Email"));
    }

    #[test]
    fn only_taxonomy_keys_parse() {
        assert!(DataCategory::parse("user.contact.email").is_ok());
        let err = DataCategory::parse("user.contact.mail").expect_err("unknown key");
        assert!(err.message().contains("user.contact.mail"));
    }

    #[test]
    fn covers_follows_the_tree_not_the_prefix() {
        let contact = DataCategory::parse("user.contact").expect("key");
        let email = DataCategory::parse("user.contact.email").expect("key");
        let user = DataCategory::parse("user").expect("key");
        assert!(contact.covers(&email));
        assert!(contact.covers(&contact));
        assert!(!email.covers(&contact));
        assert!(user.covers(&email));
        let unique = DataCategory::parse("user.unique_id").expect("key");
        let pseudo = DataCategory::parse("user.unique_id.pseudonymous").expect("key");
        assert!(unique.covers(&pseudo));
        let sensor = DataCategory::parse("user.sensor").expect("key");
        let user_sensor = DataCategory::parse("user.user_sensor").expect("key");
        assert!(!sensor.covers(&user_sensor));
    }
}

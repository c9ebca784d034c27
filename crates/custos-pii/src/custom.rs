//! Custom recognizers in Presidio's shape (ad-hoc recognizers in a request, or a YAML/JSON
//! file): regex patterns with scores, context words, an optional validator, deny lists.
//!
//! All custom patterns compile into one extra automaton and all deny lists into one
//! Aho-Corasick automaton, so any number of custom recognizers costs at most two more passes.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use regex_automata::meta::Regex;
use serde::Deserialize;

use crate::context::{next_char, prev_char};
use crate::{Candidate, PiiError, validate};

/// One regex pattern of a custom recognizer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    /// A name for the pattern (shown in errors).
    #[serde(default)]
    pub name: String,
    /// The regular expression (Rust `regex` syntax: no look-around or back-references).
    pub regex: String,
    /// The score a match gets before context, in `[0, 1]`.
    pub score: f32,
}

/// A custom recognizer as Presidio writes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRecognizer {
    /// The recognizer's name.
    pub name: String,
    /// The entity type it reports.
    pub supported_entity: String,
    /// Accepted for compatibility; custos recognizers are language-independent.
    #[serde(default)]
    pub supported_language: Option<String>,
    /// Regex patterns.
    #[serde(default)]
    pub patterns: Vec<PatternSpec>,
    /// Words that raise a match's score when near it.
    #[serde(default)]
    pub context: Vec<String>,
    /// Exact words that are always this entity (score 1.0).
    #[serde(default)]
    pub deny_list: Vec<String>,
    /// A built-in validator a regex match must pass (see [`validate::VALIDATOR_NAMES`]).
    #[serde(default)]
    pub validator: Option<String>,
    /// Accepted for compatibility with Presidio's YAML (`global_regex_flags`); ignored.
    #[serde(default)]
    pub global_regex_flags: Option<serde_json::Value>,
}

/// A file of custom recognizers (`recognizers: [...]`), YAML or JSON.
#[derive(Clone, Debug, Deserialize)]
pub struct RecognizerFile {
    /// The recognizers.
    pub recognizers: Vec<CustomRecognizer>,
}

/// Compiled custom recognizers.
#[derive(Clone, Default)]
pub struct CustomRecognizers {
    specs: Vec<CustomRecognizer>,
    /// One pattern per (recognizer, pattern) pair, in `pattern_owner` order.
    regex: Option<Regex>,
    pattern_owner: Vec<(usize, f32)>,
    deny: Option<AhoCorasick>,
    deny_owner: Vec<usize>,
}

impl std::fmt::Debug for CustomRecognizers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomRecognizers").field("count", &self.specs.len()).finish()
    }
}

impl CustomRecognizers {
    /// Compiles `specs`; the error names the recognizer and pattern at fault.
    pub fn compile(specs: Vec<CustomRecognizer>) -> Result<Self, PiiError> {
        let mut sources = Vec::new();
        let mut pattern_owner = Vec::new();
        let mut deny_words = Vec::new();
        let mut deny_owner = Vec::new();
        for (i, r) in specs.iter().enumerate() {
            if r.supported_entity.trim().is_empty() {
                return Err(PiiError::InvalidRecognizer { recognizer: r.name.clone(), reason: "supported_entity is empty".into() });
            }
            if r.patterns.is_empty() && r.deny_list.is_empty() {
                return Err(PiiError::InvalidRecognizer { recognizer: r.name.clone(), reason: "needs patterns or a deny_list".into() });
            }
            if let Some(v) = &r.validator
                && !validate::VALIDATOR_NAMES.contains(&v.as_str())
            {
                return Err(PiiError::UnknownValidator {
                    recognizer: r.name.clone(),
                    validator: v.clone(),
                    known: validate::VALIDATOR_NAMES.join(", "),
                });
            }
            for p in &r.patterns {
                if !(0.0..=1.0).contains(&p.score) {
                    return Err(PiiError::InvalidRecognizer {
                        recognizer: r.name.clone(),
                        reason: format!("pattern {:?}: score must be in [0, 1]", p.name),
                    });
                }
                if let Err(e) = Regex::new(&p.regex) {
                    return Err(PiiError::InvalidRegex { recognizer: r.name.clone(), pattern: p.name.clone(), reason: e.to_string() });
                }
                sources.push(p.regex.clone());
                pattern_owner.push((i, p.score));
            }
            for w in &r.deny_list {
                if !w.is_empty() {
                    deny_words.push(w.clone());
                    deny_owner.push(i);
                }
            }
        }
        let regex = if sources.is_empty() {
            None
        } else {
            Some(Regex::new_many(&sources).map_err(|e| PiiError::InvalidRegex {
                recognizer: "(combined)".into(),
                pattern: String::new(),
                reason: e.to_string(),
            })?)
        };
        let deny = if deny_words.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(AcMatchKind::LeftmostLongest)
                    .build(&deny_words)
                    .map_err(|e| PiiError::InvalidRecognizer { recognizer: "deny_list".into(), reason: e.to_string() })?,
            )
        };
        Ok(Self { specs, regex, pattern_owner, deny, deny_owner })
    }

    /// Parses a recognizer file: YAML or JSON (`{"recognizers": [...]}`), or a bare JSON list.
    pub fn parse_file(text: &str) -> Result<Vec<CustomRecognizer>, String> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('[') {
            return serde_json::from_str(text).map_err(|e| e.to_string());
        }
        if trimmed.starts_with('{') {
            return serde_json::from_str::<RecognizerFile>(text).map(|f| f.recognizers).map_err(|e| e.to_string());
        }
        serde_norway::from_str::<RecognizerFile>(text).map(|f| f.recognizers).map_err(|e| e.to_string())
    }

    /// Whether there are no custom recognizers.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// The recognizers' names.
    pub fn names(&self) -> Vec<String> {
        self.specs.iter().map(|s| s.name.clone()).collect()
    }

    pub(crate) fn entity_types(&self) -> Vec<String> {
        self.specs.iter().map(|s| s.supported_entity.clone()).collect()
    }

    pub(crate) fn recognizer_for(&self, entity: &str) -> Option<Arc<str>> {
        self.specs.iter().find(|s| s.supported_entity == entity).map(|s| Arc::from(s.name.as_str()))
    }

    pub(crate) fn context_for(&self, entity: &str) -> Vec<String> {
        self.specs.iter().filter(|s| s.supported_entity == entity).flat_map(|s| s.context.iter().cloned()).collect()
    }

    pub(crate) fn scan(&self, text: &str, names: &[Arc<str>], out: &mut Vec<Candidate>) {
        let entity_of = |i: usize| names.iter().position(|n| **n == *self.specs[i].supported_entity).unwrap_or(0) as u16;
        if let Some(re) = &self.regex {
            for m in re.find_iter(text) {
                let (owner, score) = self.pattern_owner[m.pattern().as_usize()];
                if m.is_empty() {
                    continue;
                }
                let spec = &self.specs[owner];
                let validated = match &spec.validator {
                    Some(v) => match validate::by_name(v, &text[m.range()]) {
                        Some(true) => true,
                        _ => continue,
                    },
                    None => false,
                };
                out.push(Candidate::new(entity_of(owner), m.start(), m.end(), if validated { 1.0 } else { score }, validated));
            }
        }
        if let Some(ac) = &self.deny {
            for m in ac.find_iter(text) {
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                if word(prev_char(text, m.start())) || word(next_char(text, m.end())) {
                    continue;
                }
                let owner = self.deny_owner[m.pattern().as_usize()];
                out.push(Candidate::new(entity_of(owner), m.start(), m.end(), 1.0, true));
            }
        }
    }
}

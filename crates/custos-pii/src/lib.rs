//! custos PII engine: finds personal data in text and anonymizes it.
//!
//! The vocabulary (entity type names, scores in `[0, 1]`, context words, allow and deny lists,
//! ad-hoc recognizers, operators) is Presidio's, so existing configurations and thresholds
//! carry over; the detection is different: one pass of a combined automaton over the text
//! finds candidates of a few broad shapes, and only the validators that fit a candidate's
//! shape run on it (see `scan`). Names, places, nationalities and organizations come from
//! shipped gazetteers plus capitalization and cue words, without a model download.
//!
//! The engine is pure: text in, findings out. Offsets are bytes in the Rust API; the
//! [`offsets`] module converts them to Unicode code points for JSON, as Presidio reports them.

mod context;
pub mod custom;
mod entity;
mod names;
pub mod offsets;
pub mod operators;
mod phone;
mod scan;
pub mod validate;

use std::collections::HashSet;
use std::sync::Arc;

pub use custom::{CustomRecognizer, CustomRecognizers, PatternSpec, RecognizerFile};
pub use entity::BUILTIN_ENTITIES;
pub use operators::{AnonymizeError, Anonymized, AnonymizedItem, Operator, OperatorConfig};

/// The score a finding needs by default: Presidio's context boost (+0.35, at least 0.4) lifts
/// a weak digit-only pattern exactly to it, so such patterns need a context word to pass.
pub const DEFAULT_THRESHOLD: f32 = 0.4;

/// How much a context word near a candidate raises its score (Presidio's default factor).
pub const CONTEXT_BOOST: f32 = 0.35;
/// The least score a candidate with a context word ends up with (Presidio's default).
pub const CONTEXT_MIN_SCORE: f32 = 0.4;

/// Why an analyzer could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    /// A custom recognizer's pattern is not a valid regular expression for this engine.
    #[error("recognizer {recognizer}: invalid regex {pattern:?}: {reason}")]
    InvalidRegex {
        /// The recognizer's name.
        recognizer: String,
        /// The pattern's name.
        pattern: String,
        /// What the regex compiler said.
        reason: String,
    },
    /// A custom recognizer names a validator that does not exist.
    #[error("recognizer {recognizer}: unknown validator {validator:?} (known: {known})")]
    UnknownValidator {
        /// The recognizer's name.
        recognizer: String,
        /// The validator it asked for.
        validator: String,
        /// The validators that exist.
        known: String,
    },
    /// A custom recognizer is malformed (no entity, no patterns and no deny list, bad score).
    #[error("recognizer {recognizer}: {reason}")]
    InvalidRecognizer {
        /// The recognizer's name.
        recognizer: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A requested entity type is not supported by this analyzer.
    #[error("unknown entity type {0:?}")]
    UnknownEntity(String),
}

/// A raw candidate inside the engine, before context, thresholds and overlap resolution.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    entity: u16,
    start: usize,
    end: usize,
    score: f32,
    /// Whether a checksum already confirmed it (context then adds nothing).
    validated: bool,
    /// Whether a context word for its own type was found near it (wins ties).
    boosted: bool,
}

impl Candidate {
    pub(crate) fn new(entity: u16, start: usize, end: usize, score: f32, validated: bool) -> Self {
        Self { entity, start, end, score, validated, boosted: false }
    }
}

/// One piece of personal data found in a text: its type, where it is (byte offsets into the
/// analyzed text, end exclusive) and how sure the engine is.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The entity type, in Presidio's vocabulary (`EMAIL_ADDRESS`, `PERSON`, ...).
    pub entity_type: Arc<str>,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// Confidence in `[0, 1]` with Presidio's meaning.
    pub score: f32,
    /// The recognizer that produced it (`custos` for built-ins, else the custom recognizer's name).
    pub recognizer: Arc<str>,
}

/// Per-call options: which entities, how sure, and what never counts as personal data.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// Only these entity types (all when `None`).
    pub entities: Option<Vec<String>>,
    /// The least score a finding needs; [`DEFAULT_THRESHOLD`] when `None`.
    pub threshold: Option<f32>,
    /// Exact strings that are never reported (Presidio's `allow_list`).
    pub allow_list: Vec<String>,
    /// Extra context words for this call (Presidio's `context`).
    pub context: Vec<String>,
    /// Regular expressions whose full matches are never reported (Presidio's `allow_list`
    /// with `allow_list_match: "regex"`).
    pub allow_regex: Option<AllowRegex>,
}

/// Compiled allow-list regular expressions.
#[derive(Clone, Debug)]
pub struct AllowRegex(regex_automata::meta::Regex);

impl AllowRegex {
    /// Compiles the patterns; a finding whose whole text matches one of them is dropped.
    pub fn compile(patterns: &[String]) -> Result<Self, PiiError> {
        let anchored: Vec<String> = patterns.iter().map(|p| format!("^(?:{p})$")).collect();
        regex_automata::meta::Regex::new_many(&anchored).map(Self).map_err(|e| PiiError::InvalidRegex {
            recognizer: "allow_list".into(),
            pattern: String::new(),
            reason: e.to_string(),
        })
    }

    fn allows(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

/// The configured engine: built once, shared by threads (`Clone` is cheap).
#[derive(Clone)]
pub struct Analyzer {
    inner: Arc<Inner>,
}

struct Inner {
    scanner: Arc<scan::Scanner>,
    custom: CustomRecognizers,
    /// Entity names: built-ins first, then custom types, indexed by `Candidate::entity`.
    names: Vec<Arc<str>>,
    builtin_recognizer: Arc<str>,
    phone_regions: Vec<phonenumber::country::Id>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").field("entities", &self.inner.names.len()).finish_non_exhaustive()
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new(CustomRecognizers::default())
    }
}

impl Analyzer {
    /// An analyzer with every built-in recognizer plus `custom` ones.
    pub fn new(custom: CustomRecognizers) -> Self {
        use phonenumber::country::Id;
        names::warm_up();
        let names_table = entity_names(&custom);
        Self {
            inner: Arc::new(Inner {
                scanner: Arc::new(scan::Scanner::new()),
                custom,
                names: names_table,
                builtin_recognizer: Arc::from("custos"),
                phone_regions: vec![Id::US, Id::GB, Id::DE, Id::FR, Id::ES, Id::IT],
            }),
        }
    }

    /// This analyzer's built-in recognizers with `custom` ones instead of its own (ad-hoc
    /// recognizers of one request); the compiled built-ins are shared, not rebuilt.
    pub fn with_custom(&self, custom: CustomRecognizers) -> Self {
        let names_table = entity_names(&custom);
        Self {
            inner: Arc::new(Inner {
                scanner: self.inner.scanner.clone(),
                custom,
                names: names_table,
                builtin_recognizer: self.inner.builtin_recognizer.clone(),
                phone_regions: self.inner.phone_regions.clone(),
            }),
        }
    }

    /// The names of the recognizers: `custos` for the built-ins, then each custom one.
    pub fn recognizers(&self) -> Vec<String> {
        let mut out = vec![self.inner.builtin_recognizer.to_string()];
        out.extend(self.inner.custom.names());
        out
    }

    /// Every entity type this analyzer can report, built-ins first.
    pub fn supported_entities(&self) -> Vec<String> {
        self.inner.names.iter().map(|n| n.to_string()).collect()
    }

    /// Checks that every name in `entities` is supported.
    pub fn check_entities(&self, entities: &[String]) -> Result<(), PiiError> {
        match entities.iter().find(|e| !self.inner.names.iter().any(|n| **n == ***e)) {
            Some(unknown) => Err(PiiError::UnknownEntity(unknown.clone())),
            None => Ok(()),
        }
    }

    /// Finds personal data in `text`: non-overlapping findings sorted by position.
    ///
    /// Where two readings of the same text overlap, the higher score wins (ties: the longer
    /// span), which is the rule Presidio's anonymizer applies; doing it here means callers see
    /// one answer per span.
    pub fn analyze(&self, text: &str, options: &AnalyzeOptions) -> Vec<Finding> {
        let mut cands = Vec::new();
        self.candidates(text, options, &mut cands);
        cands.into_iter().map(|c| self.finding(c)).collect()
    }

    fn finding(&self, c: Candidate) -> Finding {
        let entity_type = self.inner.names[c.entity as usize].clone();
        let recognizer = if (c.entity as usize) < BUILTIN_ENTITIES.len() {
            self.inner.builtin_recognizer.clone()
        } else {
            self.inner.custom.recognizer_for(&entity_type).unwrap_or_else(|| self.inner.builtin_recognizer.clone())
        };
        Finding { entity_type, start: c.start, end: c.end, score: (c.score * 100.0).round() / 100.0, recognizer }
    }

    /// The analysis itself, into a reusable buffer (benchmarks and streaming callers).
    fn candidates(&self, text: &str, options: &AnalyzeOptions, cands: &mut Vec<Candidate>) {
        cands.clear();
        let inner = &*self.inner;
        inner.scanner.scan(text, &inner.phone_regions, cands);
        inner.custom.scan(text, &inner.names, cands);
        let threshold = options.threshold.unwrap_or(DEFAULT_THRESHOLD);
        let wanted: Option<HashSet<u16>> = options
            .entities
            .as_ref()
            .map(|list| list.iter().filter_map(|e| inner.names.iter().position(|n| **n == **e)).map(|i| i as u16).collect());
        cands.retain_mut(|c| {
            if let Some(w) = &wanted
                && !w.contains(&c.entity)
            {
                return false;
            }
            if !c.validated && c.score < 1.0 && (c.entity as usize) < entity::id::PERSON as usize {
                let builtin = BUILTIN_ENTITIES[c.entity as usize].1;
                if context::has_context(text, c.start, c.end, builtin, &options.context) {
                    c.score = boosted(c.score);
                    c.boosted = true;
                }
            } else if (c.entity as usize) >= BUILTIN_ENTITIES.len() && !c.validated && c.score < 1.0 {
                let words = inner.custom.context_for(&inner.names[c.entity as usize]);
                if context::has_context(text, c.start, c.end, &[], &words)
                    || context::has_context(text, c.start, c.end, &[], &options.context)
                {
                    c.score = boosted(c.score);
                    c.boosted = true;
                }
            }
            c.score >= threshold
                && !options.allow_list.iter().any(|a| *a == text[c.start..c.end])
                && !options.allow_regex.as_ref().is_some_and(|r| r.allows(&text[c.start..c.end]))
        });
        resolve_overlaps(cands);
    }
}

/// Keeps one reading per stretch of text: higher score first, then the one its own context
/// words support, then the longer span, then the more specific (earlier) entity type.
fn resolve_overlaps(cands: &mut Vec<Candidate>) {
    if cands.len() < 2 {
        return;
    }
    cands.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.boosted.cmp(&a.boosted))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.entity.cmp(&b.entity))
            .then(a.start.cmp(&b.start))
    });
    // The kept spans do not overlap, so ordered by start they are ordered by end too: a new
    // span overlaps one of them only if it overlaps the last one starting before its end.
    // O(n log n), where testing it against every kept span was quadratic in the findings.
    let mut kept: std::collections::BTreeMap<usize, Candidate> = std::collections::BTreeMap::new();
    for c in cands.iter() {
        let clear = match kept.range(..c.end.max(c.start + 1)).next_back() {
            Some((_, k)) => k.end <= c.start,
            None => true,
        };
        if clear {
            kept.insert(c.start, *c);
        }
    }
    *cands = kept.into_values().collect();
}

#[cfg(test)]
mod tests;

/// The entity names an analyzer reports: the built-ins, then custom types not among them.
fn entity_names(custom: &CustomRecognizers) -> Vec<Arc<str>> {
    let mut names: Vec<Arc<str>> = BUILTIN_ENTITIES.iter().map(|(n, _)| Arc::from(*n)).collect();
    for t in custom.entity_types() {
        if !names.iter().any(|n| **n == *t) {
            names.push(Arc::from(t.as_str()));
        }
    }
    names
}

/// A score after a context word was found near its candidate.
fn boosted(score: f32) -> f32 {
    (score + CONTEXT_BOOST).clamp(CONTEXT_MIN_SCORE, 1.0)
}

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
pub mod table;
pub mod validate;

use std::collections::HashSet;
use std::sync::Arc;

pub use custom::{CustomRecognizer, CustomRecognizers, PatternSpec, RecognizerFile};
pub use entity::BUILTIN_ENTITIES;
pub use operators::{AnonymizeError, Anonymized, AnonymizedItem, Cipher, Operator, OperatorConfig};

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
    /// The score before a context word raised it.
    base: f32,
}

impl Candidate {
    pub(crate) fn new(entity: u16, start: usize, end: usize, score: f32, validated: bool) -> Self {
        Self { entity, start, end, score, validated, boosted: false, base: score }
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
    /// Why the engine reported it: the score before context, the context word that raised
    /// it, whether a checksum confirmed it (Presidio's `analysis_explanation`).
    pub explanation: Explanation,
}

/// How a finding's score came about, for callers that show their work (Presidio's
/// `return_decision_process`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// The score the recognizer gave before any context word raised it.
    pub original_score: f32,
    /// The context word that raised the score ([`CONTEXT_BOOST`], at least
    /// [`CONTEXT_MIN_SCORE`]), lower case; `None` when no context word did.
    pub context_word: Option<String>,
    /// Whether a checksum or registry check confirmed the value (Luhn, mod 97, ...).
    pub validated: bool,
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
    /// Context for this call (Presidio's `context`): words or phrases describing the text as
    /// a whole, counted as present near every candidate. A candidate is raised when one of
    /// its type's context words occurs in one of them (`"Driver license"` raises driver
    /// licences by `driver`).
    pub context: Vec<String>,
    /// Regular expressions whose full matches are never reported (Presidio's `allow_list`
    /// with `allow_list_match: "regex"`).
    pub allow_regex: Option<AllowRegex>,
}

/// Compiled allow-list regular expressions.
#[derive(Clone, Debug)]
pub struct AllowRegex(regex_automata::meta::Regex);

impl AllowRegex {
    /// Compiles the patterns; a finding whose text holds a match of one of them is dropped
    /// (Presidio's `re.search`: anchor with `^...$` to ask for the whole text). Matching
    /// ignores case unless `case_sensitive` (Presidio's default flags include IGNORECASE).
    pub fn compile(patterns: &[String], case_sensitive: bool) -> Result<Self, PiiError> {
        let patterns: Vec<&str> = patterns.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
        let syntax =
            regex_automata::util::syntax::Config::new().case_insensitive(!case_sensitive).multi_line(true).dot_matches_new_line(true);
        regex_automata::meta::Regex::builder().syntax(syntax).build_many(&patterns).map(Self).map_err(|e| PiiError::InvalidRegex {
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

    /// `text` with the personal data found in it replaced by `operators` (one cell of a
    /// table's redaction: the CLI's `redact-table`, Python's `redact_table`); the text itself
    /// when nothing is found. `tokens` serves the `tokenize` operator.
    pub fn redact(
        &self,
        text: &str,
        options: &AnalyzeOptions,
        operators: &OperatorConfig,
        tokens: Option<&custos_core::Pseudonymizer>,
    ) -> Result<String, AnonymizeError> {
        let findings = self.analyze(text, options);
        if findings.is_empty() {
            return Ok(text.to_owned());
        }
        Ok(operators::anonymize(text, &findings, operators, tokens)?.text)
    }

    /// Finds personal data in `text`: non-overlapping findings sorted by position.
    ///
    /// Where two readings of the same text overlap, the higher score wins (ties: the longer
    /// span), which is the rule Presidio's anonymizer applies; doing it here means callers see
    /// one answer per span.
    pub fn analyze(&self, text: &str, options: &AnalyzeOptions) -> Vec<Finding> {
        let mut cands = Vec::new();
        self.candidates(text, options, &mut cands);
        cands
            .into_iter()
            .map(|c| {
                let mut f = self.finding(c);
                if c.boosted {
                    f.explanation.context_word = self.context_word(text, &c, &options.context);
                }
                f
            })
            .collect()
    }

    /// The context word that raised `c` (looked up again: only boosted findings pay for it).
    fn context_word(&self, text: &str, c: &Candidate, extra: &[String]) -> Option<String> {
        let inner = &*self.inner;
        let own: Vec<String>;
        let (builtin, custom): (&'static [&'static str], &[String]) = if (c.entity as usize) < BUILTIN_ENTITIES.len() {
            (BUILTIN_ENTITIES[c.entity as usize].1, &[])
        } else {
            own = inner.custom.context_for(&inner.names[c.entity as usize]);
            (&[], &own)
        };
        context::context_word(text, c.start, c.end, builtin, custom, extra)
    }

    fn finding(&self, c: Candidate) -> Finding {
        let entity_type = self.inner.names[c.entity as usize].clone();
        let recognizer = if (c.entity as usize) < BUILTIN_ENTITIES.len() {
            self.inner.builtin_recognizer.clone()
        } else {
            self.inner.custom.recognizer_for(&entity_type).unwrap_or_else(|| self.inner.builtin_recognizer.clone())
        };
        let explanation = Explanation { original_score: (c.base * 100.0).round() / 100.0, context_word: None, validated: c.validated };
        Finding { entity_type, start: c.start, end: c.end, score: (c.score * 100.0).round() / 100.0, recognizer, explanation }
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
                let phone = c.entity == entity::id::PHONE_NUMBER;
                if context::context_word(text, c.start, c.end, builtin, &[], &options.context).is_some()
                    || (phone && (context::alone_on_line(text, c.start, c.end) || context::a_persons_number(text, c.start)))
                {
                    c.score = boosted(c.score);
                    c.boosted = true;
                } else if phone && c.score < 0.85 && context::not_a_phone(text, c.start) {
                    // A national reading after `order`, `invoice`, `tracking` ...: a reference.
                    return false;
                }
            } else if (c.entity as usize) >= BUILTIN_ENTITIES.len() && !c.validated && c.score < 1.0 {
                let words = inner.custom.context_for(&inner.names[c.entity as usize]);
                if context::context_word(text, c.start, c.end, &[], &words, &options.context).is_some() {
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

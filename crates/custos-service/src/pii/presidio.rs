//! Presidio's own REST paths (`/analyze`, `/anonymize`, `/deanonymize`, `/supportedentities`,
//! `/anonymizers`, ...): request documents read the way Presidio's servers read them (unknown
//! fields ignored, its defaults), its answers, and its errors (`{"error": "..."}` with the
//! status its servers give, 500 included where Presidio answers a client's mistake with one),
//! so clients and test suites written against Presidio work unchanged. `/v1/pii/*` keeps
//! custos's documents and problem+json errors. What still differs is in `docs/PRESIDIO.md`.

use std::collections::BTreeMap;
use std::sync::Arc;

use custos_core::PurposeKey;
use custos_pii::operators::{self, Cipher, KEY_LENGTH};
use custos_pii::{AllowRegex, AnalyzeOptions, CustomRecognizer, CustomRecognizers, Finding, Operator, OperatorConfig, offsets};
use serde_json::{Map, Value, json};

use super::{DEFAULT_TOKEN_PURPOSE, Pii};

/// A refusal on Presidio's paths: the HTTP status Presidio's server gives and its message,
/// answered as `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresidioError {
    /// The HTTP status code.
    pub status: u16,
    /// The message, in Presidio's words where Presidio has words for it.
    pub message: String,
}

impl PresidioError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    /// The body is not JSON (Flask's words).
    fn not_json() -> Self {
        Self::new(400, "The browser (or proxy) sent a request that this server could not understand.")
    }

    /// An analyzer request field of the wrong type (Presidio answers a `TypeError` with 400).
    fn parse(detail: impl std::fmt::Display) -> Self {
        Self::new(400, format!("Failed to parse /analyze request for AnalyzerEngine.analyze(). {detail}"))
    }

    /// An anonymizer parameter Presidio's validators refuse (422).
    fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }
}

/// The languages Presidio's paths accept: the ones custos's cue words cover. Presidio answers
/// any other with "No matching recognizers were found to serve the request.".
pub const PRESIDIO_LANGUAGES: &[&str] = &["en", "de", "es", "fr", "it"];

const NO_RECOGNIZERS: &str = "No matching recognizers were found to serve the request.";

/// Presidio's default regex flags (`re.DOTALL | re.MULTILINE | re.IGNORECASE`).
const DEFAULT_REGEX_FLAGS: i64 = 16 | 8 | 2;
const IGNORECASE: i64 = 2;

/// The operators Presidio's anonymizer lists (`custom` included, though its REST API refuses
/// it, as Presidio's does), and custos's `tokenize`.
pub const PRESIDIO_ANONYMIZERS: &[&str] = &["custom", "encrypt", "hash", "keep", "mask", "redact", "replace", "tokenize"];

/// The operators Presidio's deanonymizer lists.
pub const PRESIDIO_DEANONYMIZERS: &[&str] = &["decrypt", "deanonymize_keep"];

/// Recognizer fields Presidio's `PatternRecognizer` takes.
const RECOGNIZER_FIELDS: &[&str] = &[
    "name",
    "supported_entity",
    "supported_language",
    "patterns",
    "context",
    "deny_list",
    "deny_list_score",
    "global_regex_flags",
    "version",
    "validator",
];
/// Pattern fields Presidio's `Pattern` takes.
const PATTERN_FIELDS: &[&str] = &["name", "regex", "score"];

fn parse_body(body: &[u8]) -> Result<Value, PresidioError> {
    serde_json::from_slice(body).map_err(|_| PresidioError::not_json())
}

/// Python's truthiness of a JSON value (how Presidio reads its flags).
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn string_list(obj: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, PresidioError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| PresidioError::parse(format!("{field} must be a list of strings"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(PresidioError::parse(format!("{field} must be a list of strings"))),
    }
}

fn check_language(language: Option<&Value>) -> Result<(), PresidioError> {
    match language {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(l)) if PRESIDIO_LANGUAGES.contains(&l.as_str()) => Ok(()),
        Some(_) => Err(PresidioError::new(500, NO_RECOGNIZERS)),
    }
}

/// Presidio's arithmetic for a score: the recognizer's score, plus 0.35 (at least 0.4, at
/// most 1) when a context word supports it, in binary floating point as Python computes it
/// (so a 0.3 pattern with context scores 0.6499999999999999, as in Presidio).
pub(crate) fn presidio_scores(f: &Finding) -> (f64, f64) {
    let round2 = |x: f32| (f64::from(x) * 100.0).round() / 100.0;
    let original = round2(f.explanation.original_score);
    if f.explanation.context_word.is_some() { (original, (original + 0.35).clamp(0.4, 1.0)) } else { (original, round2(f.score)) }
}

/// Presidio's `analysis_explanation` for a finding.
pub(crate) fn explanation(f: &Finding, original: f64, score: f64) -> Value {
    let builtin = &*f.recognizer == "custos";
    let mut text = if builtin {
        format!("Identified as {} by custos's built-in recognizers", f.entity_type)
    } else {
        format!("Identified as {} by the recognizer {}", f.entity_type, f.recognizer)
    };
    if f.explanation.validated {
        text.push_str(", confirmed by its check digits or format rules");
    }
    if let Some(word) = &f.explanation.context_word {
        text.push_str(&format!("; the context word \"{word}\" raised the score"));
    }
    json!({
        "recognizer": &*f.recognizer,
        "pattern_name": null,
        "pattern": null,
        "original_score": original,
        "score": score,
        "textual_explanation": text,
        "score_context_improvement": score - original,
        "supportive_context_word": f.explanation.context_word.clone().unwrap_or_default(),
        "validation_result": if f.explanation.validated { Value::Bool(true) } else { Value::Null },
    })
}

/// Ad-hoc recognizers as Presidio builds them: a field its classes do not take is refused
/// with Python's words for it.
fn ad_hoc(list: &[Value]) -> Result<Vec<CustomRecognizer>, PresidioError> {
    list.iter()
        .map(|r| {
            let obj = r.as_object().ok_or_else(|| PresidioError::parse("each ad hoc recognizer must be an object"))?;
            if let Some(k) = obj.keys().find(|k| !RECOGNIZER_FIELDS.contains(&k.as_str())) {
                return Err(PresidioError::parse(format!("PatternRecognizer.__init__() got an unexpected keyword argument '{k}'")));
            }
            for p in obj.get("patterns").and_then(Value::as_array).into_iter().flatten() {
                let keys = p.as_object().ok_or_else(|| PresidioError::parse("each pattern must be an object"))?;
                if let Some(k) = keys.keys().find(|k| !PATTERN_FIELDS.contains(&k.as_str())) {
                    return Err(PresidioError::parse(format!("Pattern.__init__() got an unexpected keyword argument '{k}'")));
                }
            }
            let mut obj = obj.clone();
            obj.remove("version");
            obj.remove("deny_list_score");
            serde_json::from_value(Value::Object(obj)).map_err(PresidioError::parse)
        })
        .collect()
}

/// A Presidio anonymizer operator (`{"type": "mask", "masking_char": "*", ...}`); parameters
/// an operator does not take are ignored, as Presidio ignores them.
fn operator(entity: &str, spec: &Value) -> Result<Operator, PresidioError> {
    let obj =
        spec.as_object().ok_or_else(|| PresidioError::invalid(format!("Invalid input, operator config for {entity} must be an object")))?;
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| PresidioError::invalid("Invalid input, operator config must contain type"))?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let expected = |k: &str| PresidioError::invalid(format!("Expected parameter {k}"));
    Ok(match ty {
        "custom" => return Err(PresidioError::new(400, "Custom type anonymizer is not supported")),
        "replace" => Operator::Replace { new_value: text("new_value") },
        "redact" => Operator::Redact {},
        "keep" => Operator::Keep {},
        "tokenize" => Operator::Tokenize {},
        "mask" => {
            let masking_char = text("masking_char").ok_or_else(|| expected("masking_char"))?;
            if masking_char.chars().count() != 1 {
                return Err(PresidioError::invalid("Invalid input, masking_char must be a character"));
            }
            let chars_to_mask = obj.get("chars_to_mask").and_then(Value::as_u64).ok_or_else(|| expected("chars_to_mask"))?;
            let from_end = obj.get("from_end").and_then(Value::as_bool).unwrap_or(false);
            Operator::Mask { masking_char, chars_to_mask: usize::try_from(chars_to_mask).unwrap_or(usize::MAX), from_end }
        }
        "hash" => {
            let hash_type = text("hash_type");
            if let Some(h) = &hash_type
                && h != "sha256"
                && h != "sha512"
            {
                return Err(PresidioError::invalid(format!(
                    "Parameter hash_type value {h} is not in range of values ['sha256', 'sha512']"
                )));
            }
            Operator::Hash { hash_type, salt: text("salt") }
        }
        "encrypt" => {
            let key = text("key").ok_or_else(|| expected("key"))?;
            if !matches!(key.len(), 16 | 24 | 32) {
                return Err(PresidioError::invalid(KEY_LENGTH));
            }
            Operator::Encrypt { key }
        }
        other => return Err(PresidioError::invalid(format!("Invalid operator class '{other}'."))),
    })
}

/// Code point spans of a Presidio request to byte spans, with Presidio's checks and words.
fn spans(text: &str, list: &[Value], field: &str) -> Result<Vec<(usize, usize, String, f32)>, PresidioError> {
    let mut cp_to_byte: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    cp_to_byte.push(text.len());
    let length = cp_to_byte.len() - 1;
    list.iter()
        .map(|r| {
            let bad = || PresidioError::invalid(format!("Invalid input, {field} must hold objects with start, end and entity_type"));
            let start = r.get("start").and_then(Value::as_u64).ok_or_else(bad)?;
            let end = r.get("end").and_then(Value::as_u64).ok_or_else(bad)?;
            let entity_type = r.get("entity_type").and_then(Value::as_str).ok_or_else(bad)?.to_owned();
            let score = r.get("score").and_then(Value::as_f64).unwrap_or(1.0) as f32;
            if start > end {
                return Err(PresidioError::invalid(format!("Invalid input, start index '{start}' must be smaller than end index '{end}'")));
            }
            let (s, e) = (usize::try_from(start).unwrap_or(usize::MAX), usize::try_from(end).unwrap_or(usize::MAX));
            if s > length || e > length {
                return Err(PresidioError::invalid(format!(
                    "Invalid analyzer result, start: {start} and end: {end}, while text length is only {length}."
                )));
            }
            Ok((cp_to_byte[s], cp_to_byte[e], entity_type, score))
        })
        .collect()
}

fn anonymized_json(result: custos_pii::Anonymized) -> Value {
    let items = super::to_code_point_items(&result.text, result.items);
    json!({
        "text": result.text,
        "items": items.into_iter().map(|i| json!({
            "start": i.start, "end": i.end, "entity_type": i.entity_type, "text": i.text, "operator": i.operator,
        })).collect::<Vec<_>>(),
    })
}

impl Pii<'_> {
    /// `POST /analyze`: one text gives a list of results, a list of texts a list of lists.
    pub fn presidio_analyze(&self, body: &[u8]) -> Result<Value, PresidioError> {
        let doc = parse_body(body)?;
        let empty = Map::new();
        let obj = match &doc {
            Value::Object(o) => o,
            Value::Null => &empty,
            _ => return Err(PresidioError::new(400, "Invalid request json")),
        };
        let (texts, batch): (Vec<&str>, bool) = match obj.get("text") {
            Some(Value::String(s)) if !s.is_empty() => (vec![s.as_str()], false),
            Some(Value::Array(a)) if !a.is_empty() => {
                let texts = a.iter().map(|t| t.as_str().ok_or_else(|| PresidioError::parse("text must be a string or a list of strings")));
                (texts.collect::<Result<_, _>>()?, true)
            }
            None | Some(Value::Null) | Some(Value::String(_)) | Some(Value::Array(_)) => {
                return Err(PresidioError::new(500, "No text provided"));
            }
            Some(_) => return Err(PresidioError::parse("text must be a string or a list of strings")),
        };
        match obj.get("language") {
            Some(Value::String(l)) if !l.is_empty() => check_language(obj.get("language"))?,
            _ => return Err(PresidioError::new(500, "No language provided")),
        }
        let base = match obj.get("ad_hoc_recognizers") {
            Some(Value::Array(list)) if !list.is_empty() => {
                let compiled = CustomRecognizers::compile(ad_hoc(list)?).map_err(PresidioError::parse)?;
                self.engine().with_custom(compiled)
            }
            None | Some(Value::Null) | Some(Value::Array(_)) => self.engine().clone(),
            Some(_) => return Err(PresidioError::parse("ad_hoc_recognizers must be a list")),
        };
        let entities = match string_list(obj, "entities")? {
            Some(list) if !list.is_empty() => {
                let supported = base.supported_entities();
                let known: Vec<String> = list.into_iter().filter(|e| supported.contains(e)).collect();
                if known.is_empty() {
                    return Err(PresidioError::new(500, NO_RECOGNIZERS));
                }
                Some(known)
            }
            _ => None,
        };
        let threshold = match obj.get("score_threshold") {
            None | Some(Value::Null) => 0.0,
            Some(v) => v.as_f64().ok_or_else(|| PresidioError::parse("score_threshold must be a number"))?,
        };
        let flags = match obj.get("regex_flags") {
            None | Some(Value::Null) => DEFAULT_REGEX_FLAGS,
            Some(v) => v.as_i64().ok_or_else(|| PresidioError::parse("regex_flags must be an integer"))?,
        };
        let allow_list = string_list(obj, "allow_list")?.unwrap_or_default();
        let (allow_list, allow_regex) = match obj.get("allow_list_match").and_then(Value::as_str).unwrap_or("exact") {
            "exact" => (allow_list, None),
            "regex" => {
                let compiled = AllowRegex::compile(&allow_list, flags & IGNORECASE == 0).map_err(PresidioError::parse)?;
                (Vec::new(), Some(compiled))
            }
            _ => return Err(PresidioError::new(500, "allow_list_match must either be set to 'exact' or 'regex'.")),
        };
        let explain = truthy(obj.get("return_decision_process"));
        let options = AnalyzeOptions {
            entities,
            threshold: Some(0.0),
            allow_list,
            context: string_list(obj, "context")?.unwrap_or_default(),
            allow_regex,
        };
        let mut out: Vec<Value> = Vec::with_capacity(texts.len());
        for text in texts {
            let findings = base.analyze(text, &options);
            let mut positions: Vec<(usize, usize)> = findings.iter().map(|f| (f.start, f.end)).collect();
            {
                let mut refs: Vec<&mut usize> = positions.iter_mut().flat_map(|(s, e)| [s, e]).collect();
                offsets::bytes_to_code_points(text, &mut refs);
            }
            let results: Vec<Value> = findings
                .iter()
                .zip(positions)
                .filter_map(|(f, (start, end))| {
                    let (original, score) = presidio_scores(f);
                    (score >= threshold).then(|| {
                        json!({
                            "entity_type": &*f.entity_type,
                            "start": start,
                            "end": end,
                            "score": score,
                            "analysis_explanation": if explain { explanation(f, original, score) } else { Value::Null },
                        })
                    })
                })
                .collect();
            out.push(Value::Array(results));
        }
        Ok(if batch { Value::Array(out) } else { out.pop().unwrap_or(Value::Array(Vec::new())) })
    }

    /// `GET /supportedentities?language=`: every entity type, or Presidio's error for a
    /// language it does not serve.
    pub fn presidio_supported_entities(&self, language: Option<&str>) -> Result<Vec<String>, PresidioError> {
        check_language(language.map(|l| Value::String(l.to_owned())).as_ref())?;
        Ok(self.supported_entities())
    }

    /// `GET /recognizers?language=`.
    pub fn presidio_recognizers(&self, language: Option<&str>) -> Result<Vec<String>, PresidioError> {
        check_language(language.map(|l| Value::String(l.to_owned())).as_ref())?;
        Ok(self.recognizers())
    }

    /// `POST /anonymize`: the given results replaced (Presidio needs them: it does not
    /// analyze), overlaps settled as Presidio settles them, `encrypt` in Presidio's format.
    pub fn presidio_anonymize(&self, body: &[u8]) -> Result<Value, PresidioError> {
        let doc = parse_body(body)?;
        let obj = match &doc {
            Value::Object(o) if !o.is_empty() => o,
            _ => return Err(PresidioError::new(400, "Invalid request json")),
        };
        let mut ops = OperatorConfig::default();
        match obj.get("anonymizers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                // Presidio refuses `custom` before it reads anything else.
                if map.values().any(|v| v.get("type").and_then(Value::as_str) == Some("custom")) {
                    return Err(PresidioError::new(400, "Custom type anonymizer is not supported"));
                }
                for (entity, spec) in map {
                    ops.0.insert(entity.clone(), operator(entity, spec)?);
                }
            }
            Some(_) => return Err(PresidioError::invalid("Invalid input, anonymizers must be an object")),
        }
        let list = match obj.get("analyzer_results") {
            Some(Value::Array(a)) => a,
            None | Some(Value::Null) => return Err(PresidioError::invalid("Invalid input, request must contain analyzer results")),
            Some(_) => return Err(PresidioError::invalid("Invalid input, analyzer_results must be a list")),
        };
        let text = match obj.get("text") {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(PresidioError::invalid("Invalid input, text must be a string")),
        };
        let findings: Vec<Finding> = spans(text, list, "analyzer_results")?
            .into_iter()
            .map(|(start, end, entity_type, score)| Finding {
                entity_type: Arc::from(entity_type.as_str()),
                start,
                end,
                score,
                recognizer: Arc::from("client"),
                explanation: custos_pii::Explanation::default(),
            })
            .collect();
        let tokens = if ops.0.values().any(|o| matches!(o, Operator::Tokenize {})) {
            let purpose = PurposeKey::parse(DEFAULT_TOKEN_PURPOSE).map_err(|e| PresidioError::new(500, e.to_string()))?;
            Some(self.0.store.keyring().pseudonymizer(&purpose))
        } else {
            None
        };
        let result = operators::anonymize_with(text, &findings, &ops, tokens.as_ref(), Cipher::Presidio)
            .map_err(|e| PresidioError::invalid(e.to_string()))?;
        Ok(anonymized_json(result))
    }

    /// `POST /deanonymize`: `decrypt` (Presidio's format or custos's) or `deanonymize_keep`
    /// per entity type, `DEFAULT` for the rest; spans with neither stay as they are.
    pub fn presidio_deanonymize(&self, body: &[u8]) -> Result<Value, PresidioError> {
        let doc = parse_body(body)?;
        let obj = match &doc {
            Value::Object(o) if !o.is_empty() => o,
            _ => return Err(PresidioError::new(400, "Invalid request json")),
        };
        let text = match obj.get("text") {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(PresidioError::invalid("Invalid input, text must be a string")),
        };
        // entity type -> the key to decrypt with (None: keep).
        let mut keys: BTreeMap<String, Option<String>> = BTreeMap::new();
        match obj.get("deanonymizers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (entity, spec) in map {
                    let ty = spec.get("type").and_then(Value::as_str).unwrap_or("");
                    let key = match ty {
                        "decrypt" => {
                            let key =
                                spec.get("key").and_then(Value::as_str).ok_or_else(|| PresidioError::invalid("Expected parameter key"))?;
                            if !matches!(key.len(), 16 | 24 | 32) {
                                return Err(PresidioError::invalid(KEY_LENGTH));
                            }
                            Some(key.to_owned())
                        }
                        "deanonymize_keep" | "keep" => None,
                        other => return Err(PresidioError::invalid(format!("Invalid operator class '{other}'."))),
                    };
                    keys.insert(entity.clone(), key);
                }
            }
            Some(_) => return Err(PresidioError::invalid("Invalid input, deanonymizers must be an object")),
        }
        let list: &[Value] = match obj.get("anonymizer_results") {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(_) => return Err(PresidioError::invalid("Invalid input, anonymizer_results must be a list")),
        };
        let found = spans(text, list, "anonymizer_results")?;
        let positions: Vec<(usize, usize, &str)> = found.iter().map(|(s, e, t, _)| (*s, *e, t.as_str())).collect();
        let result =
            operators::replace_spans(text, &positions, |entity_type, value| match keys.get(entity_type).or_else(|| keys.get("DEFAULT")) {
                Some(Some(key)) => operators::decrypt(key, value).map(|plain| (plain, "decrypt")).ok_or_else(|| {
                    PresidioError::invalid(format!("Invalid input, the {entity_type} text does not decrypt with the given key"))
                }),
                _ => Ok((value.to_owned(), "deanonymize_keep")),
            })?;
        Ok(anonymized_json(result))
    }
}

//! The PII engine as a service: Presidio's analyzer and anonymizer request and response
//! documents (so existing Presidio clients work unchanged), over `custos-pii`.
//!
//! Offsets in these documents are Unicode code points, as Presidio's are; the engine works
//! in bytes and the conversion happens here, at the edge.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use custos_core::{LedgerEvent, PurposeKey};
use custos_pii::{
    AllowRegex, AnalyzeOptions, Analyzer, CustomRecognizer, CustomRecognizers, Finding, Operator, OperatorConfig, offsets, operators,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Service, ServiceError};

pub mod presidio;

/// The purpose whose pseudonymization key `tokenize` uses when a request names none.
pub const DEFAULT_TOKEN_PURPOSE: &str = "pii";

/// The analyzer, built on first use (compiling the automaton and loading the gazetteers takes
/// a moment that a server which never analyzes text should not pay).
#[derive(Debug, Default)]
pub(crate) struct PiiEngine(OnceLock<Analyzer>);

impl PiiEngine {
    fn analyzer(&self) -> &Analyzer {
        self.0.get_or_init(Analyzer::default)
    }
}

/// An analysis request (Presidio's `/analyze` body).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PiiAnalyzeRequest {
    /// The text to analyze.
    pub text: String,
    /// Two-letter language code; custos recognizers work on any language, so this is checked
    /// for shape only.
    #[serde(default)]
    pub language: Option<String>,
    /// Only these entity types.
    #[serde(default)]
    pub entities: Option<Vec<String>>,
    /// Echoed by Presidio for tracing; accepted and ignored.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Least score a result needs (default 0.4).
    #[serde(default)]
    pub score_threshold: Option<f32>,
    /// Explain each result (`analysis_explanation`: the score before context, the context
    /// word that raised it, whether a checksum confirmed it).
    #[serde(default)]
    pub return_decision_process: Option<bool>,
    /// Recognizers for this request only (Presidio's pattern / deny-list recognizer JSON).
    #[serde(default)]
    pub ad_hoc_recognizers: Option<Vec<Value>>,
    /// Words or phrases describing the text as a whole (Presidio's `context`): a candidate
    /// whose type has one of them among its context words is raised as if it stood beside it.
    #[serde(default)]
    pub context: Option<Vec<String>>,
    /// Values that are never reported.
    #[serde(default)]
    pub allow_list: Option<Vec<String>>,
    /// `exact` (default) or `regex`.
    #[serde(default)]
    pub allow_list_match: Option<String>,
    /// Python's regex flags for `allow_list_match: "regex"`: matching ignores case when
    /// `IGNORECASE` (2) is set, as in Presidio's default (26).
    #[serde(default)]
    pub regex_flags: Option<i64>,
}

/// Which recognizer produced a result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PiiRecognitionMetadata {
    /// The recognizer's name.
    pub recognizer_name: String,
    /// Its identifier (the same as the name here).
    pub recognizer_identifier: String,
}

/// One finding (Presidio's `RecognizerResult`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PiiAnalyzerResult {
    /// The entity type (`EMAIL_ADDRESS`, `PERSON`, ...).
    pub entity_type: String,
    /// Start, in Unicode code points.
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// Confidence in [0, 1].
    pub score: f32,
    /// With `return_decision_process`: how the score came about (Presidio's fields); else null.
    pub analysis_explanation: Option<Value>,
    /// Which recognizer found it.
    pub recognition_metadata: PiiRecognitionMetadata,
}

/// A span to anonymize, as an analyzer returned it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PiiSpan {
    /// Start, in Unicode code points.
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// The entity type.
    pub entity_type: String,
    /// The score (higher wins where spans overlap).
    #[serde(default = "one")]
    pub score: f32,
    /// Ignored (Presidio clients send analyzer output back as it came).
    #[serde(default, skip_serializing)]
    pub analysis_explanation: Option<Value>,
    /// Ignored.
    #[serde(default, skip_serializing)]
    pub recognition_metadata: Option<Value>,
}

fn one() -> f32 {
    1.0
}

/// An anonymization request (Presidio's `/anonymize` body, plus custos extensions).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PiiAnonymizeRequest {
    /// The text to anonymize.
    pub text: String,
    /// Operators per entity type with `DEFAULT` for the rest, e.g. `{"DEFAULT": {"type": "replace"}, "PHONE_NUMBER": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": true}}`.
    /// Types: replace, redact, mask, hash, encrypt, keep, tokenize.
    #[serde(default)]
    pub anonymizers: Option<BTreeMap<String, Value>>,
    /// The spans to replace; when absent, custos analyzes the text first.
    #[serde(default)]
    pub analyzer_results: Option<Vec<PiiSpan>>,
    /// When analyzing first: only these entity types.
    #[serde(default)]
    pub entities: Option<Vec<String>>,
    /// When analyzing first: least score (default 0.4).
    #[serde(default)]
    pub score_threshold: Option<f32>,
    /// When analyzing first: language code (shape-checked only).
    #[serde(default)]
    pub language: Option<String>,
    /// The purpose whose pseudonymization key `tokenize` uses (default `pii`), so tokens match
    /// those released for the same purpose elsewhere.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Keep each `tokenize`d value in the vault (sealed) so a key with scope `pii:detokenize`
    /// can turn the token back into it; without this, tokens are one-way.
    #[serde(default)]
    pub vault: Option<bool>,
}

/// A detokenization request: vaulted `tok_...` pseudonyms in `text` are replaced by their values.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PiiDetokenizeRequest {
    /// Text holding tokens produced by `tokenize` with `"vault": true`.
    pub text: String,
}

/// One replaced span (Presidio's `OperatorResult`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PiiAnonymizedItem {
    /// Start in the output text, in Unicode code points.
    pub start: usize,
    /// End in the output text, in Unicode code points.
    pub end: usize,
    /// The entity type.
    pub entity_type: String,
    /// The text now in the output.
    pub text: String,
    /// The operator applied.
    pub operator: String,
}

/// The anonymized (or deanonymized) text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PiiAnonymizeResponse {
    /// The resulting text.
    pub text: String,
    /// What was replaced.
    pub items: Vec<PiiAnonymizedItem>,
}

/// A deanonymization request (Presidio's `/deanonymize` body): reverses `encrypt`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PiiDeanonymizeRequest {
    /// The anonymized text.
    pub text: String,
    /// `{"DEFAULT": {"type": "decrypt", "key": "..."}}`, optionally per entity type.
    pub deanonymizers: BTreeMap<String, Value>,
    /// The encrypted spans (the `items` the anonymizer returned).
    pub anonymizer_results: Vec<PiiSpan>,
}

fn check_language(language: Option<&str>) -> Result<(), ServiceError> {
    match language {
        Some(l) if !(l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase())) => {
            Err(ServiceError::invalid("language", "must be a two-letter lowercase language code such as `en`"))
        }
        _ => Ok(()),
    }
}

fn check_threshold(t: Option<f32>) -> Result<(), ServiceError> {
    match t {
        Some(t) if !(0.0..=1.0).contains(&t) => Err(ServiceError::invalid("score_threshold", "must be between 0 and 1")),
        _ => Ok(()),
    }
}

fn parse_operators(field: &str, map: Option<&BTreeMap<String, Value>>) -> Result<OperatorConfig, ServiceError> {
    let mut ops = OperatorConfig::default();
    for (entity, spec) in map.into_iter().flatten() {
        if spec.get("type").and_then(Value::as_str) == Some("custom") {
            return Err(ServiceError::invalid(
                &format!("{field}.{entity}"),
                "the custom operator (a Python function) is not supported over HTTP, as in Presidio; use replace, redact, mask, hash, encrypt, keep or tokenize",
            ));
        }
        let op: Operator = serde_json::from_value(spec.clone())
            .map_err(|e| ServiceError::invalid(&format!("{field}.{entity}"), format!("not a valid operator: {e}")))?;
        op.validate().map_err(|e| ServiceError::invalid(&format!("{field}.{entity}"), e.to_string()))?;
        ops.0.insert(entity.clone(), op);
    }
    Ok(ops)
}

/// Code point spans to byte spans of `text`.
fn to_bytes(text: &str, field: &str, spans: &[PiiSpan]) -> Result<Vec<Finding>, ServiceError> {
    let mut cp_to_byte: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    cp_to_byte.push(text.len());
    spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (Some(&start), Some(&end)) = (cp_to_byte.get(s.start), cp_to_byte.get(s.end)) else {
                return Err(ServiceError::invalid(&format!("{field}[{i}]"), "start/end lie outside the text"));
            };
            if start > end {
                return Err(ServiceError::invalid(&format!("{field}[{i}]"), "start is after end"));
            }
            Ok(Finding {
                entity_type: Arc::from(s.entity_type.as_str()),
                start,
                end,
                score: s.score,
                recognizer: Arc::from("client"),
                explanation: custos_pii::Explanation::default(),
            })
        })
        .collect()
}

fn to_code_point_items(text: &str, items: Vec<custos_pii::AnonymizedItem>) -> Vec<PiiAnonymizedItem> {
    let mut items = items;
    {
        let mut refs: Vec<&mut usize> = items.iter_mut().flat_map(|i| [&mut i.start, &mut i.end]).collect();
        offsets::bytes_to_code_points(text, &mut refs);
    }
    items
        .into_iter()
        .map(|i| PiiAnonymizedItem { start: i.start, end: i.end, entity_type: i.entity_type, text: i.text, operator: i.operator })
        .collect()
}

/// Byte spans of `tok_` + 32 base32 characters (the pseudonym format of `custos-core`).
fn find_tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("tok_").map(|i| i + from) {
        let end = i + 4 + 32;
        let body_ok = bytes.get(i + 4..end).is_some_and(|b| b.iter().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(c)));
        let glued_after = bytes.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
        let glued_before = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
        let bounded = !(glued_after || glued_before);
        if body_ok && bounded {
            out.push((i, end));
            from = end;
        } else {
            from = i + 4;
        }
    }
    out
}

/// The PII engine over the API: analysis, anonymization, the vault and detokenization.
#[derive(Clone, Copy)]
pub struct Pii<'a>(pub(crate) &'a Service);

impl Pii<'_> {
    fn engine(&self) -> &Analyzer {
        self.0.pii.analyzer()
    }

    /// The entity types the analyzer reports.
    pub fn supported_entities(&self) -> Vec<String> {
        self.engine().supported_entities()
    }

    /// The recognizers the analyzer runs.
    pub fn recognizers(&self) -> Vec<String> {
        self.engine().recognizers()
    }

    /// Finds personal data in a text.
    pub fn analyze(&self, req: PiiAnalyzeRequest) -> Result<Vec<PiiAnalyzerResult>, ServiceError> {
        check_language(req.language.as_deref())?;
        check_threshold(req.score_threshold)?;
        let analyzer = match &req.ad_hoc_recognizers {
            Some(list) if !list.is_empty() => {
                let specs: Vec<CustomRecognizer> = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        serde_json::from_value(v.clone())
                            .map_err(|e| ServiceError::invalid(&format!("ad_hoc_recognizers[{i}]"), format!("not a recognizer: {e}")))
                    })
                    .collect::<Result<_, _>>()?;
                let compiled = CustomRecognizers::compile(specs).map_err(|e| ServiceError::invalid("ad_hoc_recognizers", e.to_string()))?;
                self.engine().with_custom(compiled)
            }
            _ => self.engine().clone(),
        };
        if let Some(list) = &req.entities {
            analyzer.check_entities(list).map_err(|e| ServiceError::invalid("entities", e.to_string()))?;
        }
        let allow_list = req.allow_list.clone().unwrap_or_default();
        let (allow_list, allow_regex) = match req.allow_list_match.as_deref() {
            None | Some("exact") => (allow_list, None),
            Some("regex") => {
                let case_sensitive = req.regex_flags.unwrap_or(26) & 2 == 0;
                let compiled =
                    AllowRegex::compile(&allow_list, case_sensitive).map_err(|e| ServiceError::invalid("allow_list", e.to_string()))?;
                (vec![], Some(compiled))
            }
            Some(_) => return Err(ServiceError::invalid("allow_list_match", "must be `exact` or `regex`")),
        };
        let options = AnalyzeOptions {
            entities: req.entities.clone(),
            threshold: req.score_threshold,
            allow_list,
            context: req.context.clone().unwrap_or_default(),
            allow_regex,
        };
        let findings = analyzer.analyze(&req.text, &options);
        let mut spans: Vec<(usize, usize)> = findings.iter().map(|f| (f.start, f.end)).collect();
        {
            let mut refs: Vec<&mut usize> = spans.iter_mut().flat_map(|(s, e)| [s, e]).collect();
            offsets::bytes_to_code_points(&req.text, &mut refs);
        }
        Ok(findings
            .into_iter()
            .zip(spans)
            .map(|(f, (start, end))| PiiAnalyzerResult {
                entity_type: f.entity_type.to_string(),
                start,
                end,
                score: f.score,
                analysis_explanation: (req.return_decision_process == Some(true)).then(|| {
                    let (original, score) = presidio::presidio_scores(&f);
                    presidio::explanation(&f, original, score)
                }),
                recognition_metadata: PiiRecognitionMetadata {
                    recognizer_name: f.recognizer.to_string(),
                    recognizer_identifier: f.recognizer.to_string(),
                },
            })
            .collect())
    }

    /// Replaces personal data in a text: the given spans, or what the analyzer finds. With
    /// `vault`, tokenized values are kept (sealed) for authorized detokenization.
    pub async fn anonymize(&self, req: PiiAnonymizeRequest) -> Result<PiiAnonymizeResponse, ServiceError> {
        check_language(req.language.as_deref())?;
        check_threshold(req.score_threshold)?;
        let ops = parse_operators("anonymizers", req.anonymizers.as_ref())?;
        let findings = match &req.analyzer_results {
            Some(spans) => to_bytes(&req.text, "analyzer_results", spans)?,
            None => {
                if let Some(list) = &req.entities {
                    self.engine().check_entities(list).map_err(|e| ServiceError::invalid("entities", e.to_string()))?;
                }
                let options = AnalyzeOptions { entities: req.entities.clone(), threshold: req.score_threshold, ..Default::default() };
                self.engine().analyze(&req.text, &options)
            }
        };
        let purpose = PurposeKey::parse(req.purpose.as_deref().unwrap_or(DEFAULT_TOKEN_PURPOSE))?;
        let tokens = if ops.0.values().any(|o| matches!(o, Operator::Tokenize {})) {
            Some(self.0.store.keyring().pseudonymizer(&purpose))
        } else {
            None
        };
        let result = operators::anonymize(&req.text, &findings, &ops, tokens.as_ref())
            .map_err(|e| ServiceError::invalid("analyzer_results", e.to_string()))?;
        if req.vault == Some(true) {
            let Some(p) = &tokens else {
                return Err(ServiceError::invalid("vault", "needs the tokenize operator for at least one entity type"));
            };
            // The value behind each token in the output, sealed under its token.
            let keyring = self.0.store.keyring();
            let mut entries: Vec<(String, String, Vec<u8>)> = Vec::new();
            for f in &findings {
                let value = &req.text[f.start..f.end];
                let token = p.token(&f.entity_type, value);
                if result.items.iter().any(|i| i.operator == "tokenize" && i.text == token) && !entries.iter().any(|e| e.0 == token) {
                    let sealed = keyring.seal_vault(&token, value.as_bytes())?;
                    entries.push((token, f.entity_type.to_string(), sealed));
                }
            }
            if !entries.is_empty() {
                let count = entries.len();
                let purpose_name = purpose.as_str().to_owned();
                let leaf =
                    crate::ledger::event(LedgerEvent::PiiTokensVaulted, serde_json::json!({"count": count, "purpose": purpose_name}));
                self.0
                    .write(async |tx| {
                        for (token, entity_type, sealed) in entries {
                            custos_store::vault::put(tx, &token, &entity_type, &purpose_name, sealed).await?;
                        }
                        custos_store::ledger::append_leaf(tx, leaf).await?;
                        Ok(())
                    })
                    .await?;
            }
        }
        let items = to_code_point_items(&result.text, result.items);
        Ok(PiiAnonymizeResponse { text: result.text, items })
    }

    /// Replaces vaulted `tok_...` pseudonyms in a text by the values they stand for (scope
    /// `pii:detokenize`); unknown tokens stay. Every call that reveals a value is a ledger event.
    pub async fn detokenize(&self, req: PiiDetokenizeRequest) -> Result<PiiAnonymizeResponse, ServiceError> {
        let found = find_tokens(&req.text);
        let mut values: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (start, end) in &found {
            let token = req.text[*start..*end].to_owned();
            if values.contains_key(&token) {
                continue;
            }
            let lookup = token.clone();
            let entry = self.0.read(async |tx| Ok(custos_store::vault::get(tx, &lookup).await?)).await?;
            if let Some((entity_type, sealed)) = entry {
                let plain = self.0.store.keyring().open_vault(&token, &sealed)?;
                values.insert(token, (entity_type, String::from_utf8_lossy(&plain).into_owned()));
            }
        }
        let mut text = String::with_capacity(req.text.len());
        let mut items = Vec::new();
        let mut pos = 0;
        for (start, end) in found {
            let Some((entity_type, value)) = values.get(&req.text[start..end]) else { continue };
            text.push_str(&req.text[pos..start]);
            let s = text.len();
            text.push_str(value);
            items.push(custos_pii::AnonymizedItem {
                start: s,
                end: text.len(),
                entity_type: entity_type.clone(),
                text: value.clone(),
                operator: "detokenize".into(),
            });
            pos = end;
        }
        text.push_str(&req.text[pos..]);
        if !items.is_empty() {
            self.0.store.append_event(crate::ledger::event(LedgerEvent::PiiDetokenized, serde_json::json!({"count": items.len()}))).await?;
        }
        let items = to_code_point_items(&text, items);
        Ok(PiiAnonymizeResponse { text, items })
    }

    /// Reverses `encrypt` on the given spans.
    pub fn deanonymize(&self, req: PiiDeanonymizeRequest) -> Result<PiiAnonymizeResponse, ServiceError> {
        let mut keys: BTreeMap<String, String> = BTreeMap::new();
        for (entity, spec) in &req.deanonymizers {
            let ty = spec.get("type").and_then(Value::as_str);
            let key = spec.get("key").and_then(Value::as_str);
            match (ty, key) {
                (Some("decrypt"), Some(k)) if matches!(k.len(), 16 | 24 | 32) => {
                    keys.insert(entity.clone(), k.to_owned());
                }
                _ => {
                    return Err(ServiceError::invalid(
                        &format!("deanonymizers.{entity}"),
                        "must be {\"type\": \"decrypt\", \"key\": <16, 24 or 32 characters>}",
                    ));
                }
            }
        }
        let spans = to_bytes(&req.text, "anonymizer_results", &req.anonymizer_results)?;
        // Decrypt span by span (each entity type may have its own key), back to front so
        // earlier offsets stay valid.
        let mut order: Vec<&Finding> = spans.iter().collect();
        order.sort_by_key(|f| std::cmp::Reverse(f.start));
        let mut text = req.text.clone();
        let mut plain: Vec<(usize, String, String)> = Vec::new();
        let mut last_start = usize::MAX;
        for f in order {
            if f.end > last_start {
                return Err(ServiceError::invalid("anonymizer_results", "spans overlap"));
            }
            last_start = f.start;
            let key = keys
                .get(&*f.entity_type)
                .or_else(|| keys.get("DEFAULT"))
                .ok_or_else(|| ServiceError::invalid("deanonymizers", format!("no key for {}", f.entity_type)))?;
            let value = operators::decrypt(key, &text[f.start..f.end])
                .ok_or_else(|| ServiceError::invalid("anonymizer_results", "a span does not decrypt with this key"))?;
            text.replace_range(f.start..f.end, &value);
            plain.push((f.start, f.entity_type.to_string(), value));
        }
        // Output offsets: recompute from the front now that every span has its final length.
        plain.sort_by_key(|p| p.0);
        let mut shift: isize = 0;
        let mut items = Vec::with_capacity(plain.len());
        let original: Vec<&Finding> = {
            let mut v: Vec<&Finding> = spans.iter().collect();
            v.sort_by_key(|f| f.start);
            v
        };
        for (f, (_, entity_type, value)) in original.iter().zip(plain) {
            let start = (f.start as isize + shift) as usize;
            let end = start + value.len();
            shift += value.len() as isize - (f.end - f.start) as isize;
            items.push(custos_pii::AnonymizedItem { start, end, entity_type, text: value, operator: "decrypt".into() });
        }
        let items = to_code_point_items(&text, items);
        Ok(PiiAnonymizeResponse { text, items })
    }
}

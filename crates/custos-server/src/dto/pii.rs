//! The PII engine on the wire: Presidio's analyzer and anonymizer documents, so existing
//! Presidio clients work unchanged (offsets in Unicode code points, as Presidio's are).

use std::collections::BTreeMap;

use custos_service::pii as domain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// An analysis request (Presidio's `/analyze` body).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PiiAnalyzeRequest {
    /// The text to analyze.
    #[schema(example = "Call John Smith on +1 415 555 2671")]
    pub text: String,
    /// Two-letter language code; custos recognizers work on any language, so this is checked
    /// for shape only.
    #[serde(default)]
    #[schema(example = "en")]
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
    /// Accepted for compatibility; explanations are not returned.
    #[serde(default)]
    pub return_decision_process: Option<bool>,
    /// Recognizers for this request only (Presidio's pattern / deny-list recognizer JSON).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub ad_hoc_recognizers: Option<Vec<Value>>,
    /// Extra context words that raise nearby candidates' scores.
    #[serde(default)]
    pub context: Option<Vec<String>>,
    /// Values that are never reported.
    #[serde(default)]
    pub allow_list: Option<Vec<String>>,
    /// `exact` (default) or `regex`.
    #[serde(default)]
    #[schema(value_type = Option<String>, examples("exact", "regex"))]
    pub allow_list_match: Option<String>,
    /// Accepted for compatibility (Python regex flags); ignored.
    #[serde(default)]
    pub regex_flags: Option<i64>,
}

impl From<PiiAnalyzeRequest> for domain::PiiAnalyzeRequest {
    fn from(r: PiiAnalyzeRequest) -> Self {
        Self {
            text: r.text,
            language: r.language,
            entities: r.entities,
            correlation_id: r.correlation_id,
            score_threshold: r.score_threshold,
            return_decision_process: r.return_decision_process,
            ad_hoc_recognizers: r.ad_hoc_recognizers,
            context: r.context,
            allow_list: r.allow_list,
            allow_list_match: r.allow_list_match,
            regex_flags: r.regex_flags,
        }
    }
}

/// Which recognizer produced a result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PiiRecognitionMetadata {
    /// The recognizer's name.
    pub recognizer_name: String,
    /// Its identifier (the same as the name here).
    pub recognizer_identifier: String,
}

/// One finding (Presidio's `RecognizerResult`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PiiAnalyzerResult {
    /// The entity type (`EMAIL_ADDRESS`, `PERSON`, ...).
    pub entity_type: String,
    /// Start, in Unicode code points.
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// Confidence in [0, 1].
    pub score: f32,
    /// Always null (custos does not return decision traces).
    #[schema(value_type = Option<Object>)]
    pub analysis_explanation: Option<Value>,
    /// Which recognizer found it.
    pub recognition_metadata: PiiRecognitionMetadata,
}

impl From<domain::PiiAnalyzerResult> for PiiAnalyzerResult {
    fn from(r: domain::PiiAnalyzerResult) -> Self {
        Self {
            entity_type: r.entity_type,
            start: r.start,
            end: r.end,
            score: r.score,
            analysis_explanation: r.analysis_explanation,
            recognition_metadata: PiiRecognitionMetadata {
                recognizer_name: r.recognition_metadata.recognizer_name,
                recognizer_identifier: r.recognition_metadata.recognizer_identifier,
            },
        }
    }
}

fn one() -> f32 {
    1.0
}

/// A span to anonymize, as an analyzer returned it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PiiSpan {
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
    #[schema(value_type = Option<Object>)]
    pub analysis_explanation: Option<Value>,
    /// Ignored.
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<Object>)]
    pub recognition_metadata: Option<Value>,
}

impl From<PiiSpan> for domain::PiiSpan {
    fn from(s: PiiSpan) -> Self {
        Self {
            start: s.start,
            end: s.end,
            entity_type: s.entity_type,
            score: s.score,
            analysis_explanation: s.analysis_explanation,
            recognition_metadata: s.recognition_metadata,
        }
    }
}

/// An anonymization request (Presidio's `/anonymize` body, plus custos extensions).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PiiAnonymizeRequest {
    /// The text to anonymize.
    pub text: String,
    /// Operators per entity type with `DEFAULT` for the rest, e.g. `{"DEFAULT": {"type": "replace"}, "PHONE_NUMBER": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": true}}`.
    /// Types: replace, redact, mask, hash, encrypt, keep, tokenize.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
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
    /// Keep each `tokenize`d value in the vault (sealed) so a key with scope `tokens:read` can
    /// turn the token back into it; without this, tokens are one-way.
    #[serde(default)]
    pub vault: Option<bool>,
}

impl From<PiiAnonymizeRequest> for domain::PiiAnonymizeRequest {
    fn from(r: PiiAnonymizeRequest) -> Self {
        Self {
            text: r.text,
            anonymizers: r.anonymizers,
            analyzer_results: r.analyzer_results.map(|spans| spans.into_iter().map(Into::into).collect()),
            entities: r.entities,
            score_threshold: r.score_threshold,
            language: r.language,
            purpose: r.purpose,
            vault: r.vault,
        }
    }
}

/// A detokenization request: vaulted `tok_...` pseudonyms in `text` are replaced by their values.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PiiDetokenizeRequest {
    /// Text holding tokens produced by `tokenize` with `"vault": true`.
    pub text: String,
}

impl From<PiiDetokenizeRequest> for domain::PiiDetokenizeRequest {
    fn from(r: PiiDetokenizeRequest) -> Self {
        Self { text: r.text }
    }
}

/// One replaced span (Presidio's `OperatorResult`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PiiAnonymizedItem {
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PiiAnonymizeResponse {
    /// The resulting text.
    pub text: String,
    /// What was replaced.
    pub items: Vec<PiiAnonymizedItem>,
}

impl From<domain::PiiAnonymizeResponse> for PiiAnonymizeResponse {
    fn from(r: domain::PiiAnonymizeResponse) -> Self {
        Self {
            text: r.text,
            items: r
                .items
                .into_iter()
                .map(|i| PiiAnonymizedItem { start: i.start, end: i.end, entity_type: i.entity_type, text: i.text, operator: i.operator })
                .collect(),
        }
    }
}

/// A deanonymization request (Presidio's `/deanonymize` body): reverses `encrypt`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PiiDeanonymizeRequest {
    /// The anonymized text.
    pub text: String,
    /// `{"DEFAULT": {"type": "decrypt", "key": "..."}}`, optionally per entity type.
    #[schema(value_type = Object)]
    pub deanonymizers: BTreeMap<String, Value>,
    /// The encrypted spans (the `items` the anonymizer returned).
    pub anonymizer_results: Vec<PiiSpan>,
}

impl From<PiiDeanonymizeRequest> for domain::PiiDeanonymizeRequest {
    fn from(r: PiiDeanonymizeRequest) -> Self {
        Self {
            text: r.text,
            deanonymizers: r.deanonymizers,
            anonymizer_results: r.anonymizer_results.into_iter().map(Into::into).collect(),
        }
    }
}

//! Versioned questionnaires kept as data: the questions business staff answer about an AI
//! system ([`crate::aiact`]), a processing operation ([`crate::dpia`]) or a vendor
//! ([`crate::vendor`]).
//!
//! Each definition lives in `data/questionnaires/<key>-v<version>.yaml`, is embedded at build
//! time and parsed once. A published version never changes: answers are stored with the key
//! and version they were given against, so an old assessment can always be shown with the
//! exact wording its authors saw. A new wording is a new file with the next version number.
//!
//! [`check`] validates answers against a definition, both for drafts (anything answered must
//! be well formed) and on submit (`complete`: every required question answered), and then
//! applies the few rules that span several questions (see [`crate::dpia::check_complete`]).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

/// One version of a questionnaire, as business staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// Stable name (`ai_act`, `dpia`), shared by all versions.
    pub key: String,
    /// Version number, starting at 1; answers record the version they were given against.
    pub version: u32,
    /// Title shown to users.
    pub title: String,
    /// Sections in display order.
    pub sections: Vec<Section>,
}

/// A group of related questions, shown under one heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Stable name, unique within the questionnaire.
    pub key: String,
    /// Heading shown to users.
    pub title: String,
    /// Questions in display order.
    pub questions: Vec<Question>,
}

/// One question and the form its answer takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable name, unique in the whole questionnaire: the key of its answer in [`Answers`].
    pub key: String,
    /// The question in plain words.
    pub text: String,
    /// Extra guidance shown next to the question, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The legal provision the question comes from, e.g. "GDPR Art. 35(7)(b)", so reviewers
    /// can trace each answer to the law.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Whether the questionnaire can be submitted without an answer.
    pub required: bool,
    /// The type of answer expected.
    pub kind: QuestionKind,
}

/// The type of answer a question expects, and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuestionKind {
    /// Yes or no; answered with a JSON boolean.
    YesNo,
    /// Exactly one of the options; answered with the option's value as a string.
    Choice {
        /// The options offered, in display order.
        options: Vec<Choice>,
    },
    /// Any number of the options; answered with an array of distinct option values.
    MultiChoice {
        /// The options offered, in display order.
        options: Vec<Choice>,
    },
    /// Free text; answered with a string of at most `max_len` characters.
    Text {
        /// Maximum length in characters (Unicode scalar values), to keep records reviewable.
        max_len: usize,
    },
    /// A whole number from `min` to `max` inclusive (e.g. likelihood 1-5).
    Scale {
        /// Lowest allowed value.
        min: u8,
        /// Highest allowed value.
        max: u8,
    },
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stable value stored in the answers (snake_case).
    pub value: String,
    /// Wording shown to users.
    pub label: String,
}

/// Answers to a questionnaire: question key -> answer. A yes/no answer is a boolean, a choice
/// a string, a multi-choice an array of strings, a text a string and a scale an integer;
/// `null` means "not answered".
pub type Answers = serde_json::Map<String, Value>;

/// Why answers were rejected: which question, and what is wrong with its answer.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[error("{question}: {message}")]
pub struct AnswerError {
    /// Key of the question the problem is about (as given, for unknown keys).
    pub question: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl AnswerError {
    /// Builds an error about one question.
    pub fn new(question: impl Into<String>, message: impl Into<String>) -> Self {
        Self { question: question.into(), message: message.into() }
    }
}

impl Questionnaire {
    /// Every question, in display order across sections.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// The question with this key, if the questionnaire has one.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions().find(|q| q.key == key)
    }
}

/// The embedded definitions: (key, version, YAML text). Add new versions here; the tests check
/// that each file declares the key and version it is listed under.
const DEFINITIONS: [(&str, u32, &str); 3] = [
    ("ai_act", 1, include_str!("../data/questionnaires/ai_act-v1.yaml")),
    ("dpia", 1, include_str!("../data/questionnaires/dpia-v1.yaml")),
    ("vendor", 1, include_str!("../data/questionnaires/vendor-v1.yaml")),
];

/// Every embedded questionnaire version, parsed once, in the order of the const list.
pub fn questionnaires() -> &'static [Questionnaire] {
    static PARSED: OnceLock<Vec<Questionnaire>> = OnceLock::new();
    // The files are embedded and each is parsed by the tests; a definition that failed to parse
    // would be missing here (and the tests fail) rather than the process panicking.
    PARSED.get_or_init(|| DEFINITIONS.iter().filter_map(|(_, _, text)| serde_norway::from_str(text).ok()).collect())
}

/// One version of a questionnaire, e.g. to show or check answers stored against it.
pub fn questionnaire(key: &str, version: u32) -> Option<&'static Questionnaire> {
    questionnaires().iter().find(|q| q.key == key && q.version == version)
}

/// The highest version of a questionnaire: what a new assessment should use.
pub fn latest(key: &str) -> Option<&'static Questionnaire> {
    questionnaires().iter().filter(|q| q.key == key).max_by_key(|q| q.version)
}

/// Checks answers against the definition. Every answer must belong to a question of `q` and
/// have the right form: a boolean for yes/no, an offered option for choices (distinct options
/// for multi-choice), a text of at most `max_len` characters without control characters
/// other than the line break, a whole number within the scale. `null` counts as unanswered.
/// With `complete` (on submit) every required question must be answered; an empty text or an
/// empty multi-choice counts as unanswered. Rules that span several questions follow (the DPO
/// reason of the DPIA, the "none" option of the AI Act exemptions). The error names the
/// first question found at fault.
pub fn check(q: &Questionnaire, answers: &Answers, complete: bool) -> Result<(), AnswerError> {
    for (key, value) in answers {
        let question = q
            .question(key)
            .ok_or_else(|| AnswerError::new(key, format!("not a question of the {} questionnaire, version {}", q.key, q.version)))?;
        check_value(question, value).map_err(|message| AnswerError::new(key, message))?;
    }
    if complete && let Some(missing) = q.questions().find(|question| question.required && !is_answered(answers.get(&question.key))) {
        return Err(AnswerError::new(&missing.key, "an answer is required"));
    }
    match q.key.as_str() {
        crate::dpia::DPIA_KEY => crate::dpia::cross_rules(answers, complete),
        crate::aiact::AI_ACT_KEY => crate::aiact::cross_rules(answers),
        crate::vendor::VENDOR_KEY => crate::vendor::cross_rules(answers, complete),
        _ => Ok(()),
    }
}

/// Whether an answer is given: present, not `null`, not blank text, not an empty selection.
pub(crate) fn is_answered(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(text)) => !text.trim().is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    }
}

/// Checks one answer against its question; the error is the message only.
fn check_value(question: &Question, value: &Value) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    match &question.kind {
        QuestionKind::YesNo => match value {
            Value::Bool(_) => Ok(()),
            _ => Err("expected yes or no (true or false)".to_owned()),
        },
        QuestionKind::Choice { options } => match value {
            Value::String(chosen) => offered(options, chosen),
            _ => Err("expected one option, as text".to_owned()),
        },
        QuestionKind::MultiChoice { options } => {
            let Value::Array(items) = value else {
                return Err("expected a list of options".to_owned());
            };
            let mut seen = BTreeSet::new();
            for item in items {
                let Value::String(chosen) = item else {
                    return Err("expected a list of options, as text".to_owned());
                };
                offered(options, chosen)?;
                if !seen.insert(chosen.as_str()) {
                    return Err(format!("{chosen:?} is chosen twice"));
                }
            }
            Ok(())
        }
        QuestionKind::Text { max_len } => {
            let Value::String(text) = value else {
                return Err("expected text".to_owned());
            };
            let len = text.chars().count();
            if len > *max_len {
                return Err(format!("the text has {len} characters, more than the {max_len} allowed"));
            }
            if text.chars().any(|c| c.is_control() && c != '\n') {
                return Err("the text contains a control character (only line breaks are allowed)".to_owned());
            }
            Ok(())
        }
        QuestionKind::Scale { min, max } => {
            let expected = || format!("expected a whole number from {min} to {max}");
            let number = value.as_i64().ok_or_else(expected)?;
            if number < i64::from(*min) || number > i64::from(*max) {
                return Err(format!("{number} is out of range: {}", expected()));
            }
            Ok(())
        }
    }
}

/// Whether `chosen` is one of the options; the error lists the options offered.
fn offered(options: &[Choice], chosen: &str) -> Result<(), String> {
    if options.iter().any(|o| o.value == chosen) {
        return Ok(());
    }
    let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
    Err(format!("{chosen:?} is not one of the options ({})", values.join(", ")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answers(value: Value) -> Answers {
        match value {
            Value::Object(map) => map,
            other => panic!("test answers must be an object, got {other}"),
        }
    }

    /// Problems of a definition: duplicate keys, bad option lists, empty limits.
    fn definition_problems(q: &Questionnaire) -> Vec<String> {
        let mut problems = Vec::new();
        let snake = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let mut sections = BTreeSet::new();
        let mut questions = BTreeSet::new();
        if q.sections.is_empty() {
            problems.push("no sections".to_owned());
        }
        for section in &q.sections {
            if !sections.insert(section.key.as_str()) || !snake(&section.key) {
                problems.push(format!("section key {:?} is duplicated or not snake_case", section.key));
            }
            if section.questions.is_empty() {
                problems.push(format!("section {} has no questions", section.key));
            }
            for question in &section.questions {
                let key = &question.key;
                if !questions.insert(key.as_str()) || !snake(key) {
                    problems.push(format!("question key {key:?} is duplicated or not snake_case"));
                }
                if question.text.trim().is_empty() {
                    problems.push(format!("{key}: empty text"));
                }
                match &question.kind {
                    QuestionKind::Choice { options } | QuestionKind::MultiChoice { options } => {
                        let mut values = BTreeSet::new();
                        if options.len() < 2 {
                            problems.push(format!("{key}: fewer than two options"));
                        }
                        for option in options {
                            if !values.insert(option.value.as_str()) || !snake(&option.value) || option.label.trim().is_empty() {
                                problems.push(format!("{key}: option {:?} is duplicated, not snake_case or unlabelled", option.value));
                            }
                        }
                    }
                    QuestionKind::Text { max_len } if *max_len == 0 => problems.push(format!("{key}: max_len 0")),
                    QuestionKind::Scale { min, max } if min >= max => problems.push(format!("{key}: empty scale")),
                    _ => {}
                }
            }
        }
        problems
    }

    #[test]
    fn every_embedded_definition_parses_under_its_listed_key_and_version() {
        for (key, version, text) in DEFINITIONS {
            let q: Questionnaire = serde_norway::from_str(text).expect("the definition parses");
            assert_eq!((q.key.as_str(), q.version), (key, version), "file listed as {key} v{version}");
        }
        assert_eq!(questionnaires().len(), DEFINITIONS.len());
    }

    #[test]
    fn every_embedded_definition_is_well_formed() {
        for q in questionnaires() {
            let problems = definition_problems(q);
            assert!(problems.is_empty(), "{} v{}: {problems:?}", q.key, q.version);
        }
        let mut versions: Vec<(&str, u32)> = questionnaires().iter().map(|q| (q.key.as_str(), q.version)).collect();
        let n = versions.len();
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions.len(), n, "each (key, version) appears once");
    }

    #[test]
    fn the_validator_catches_bad_definitions() {
        let mut q = questionnaire("dpia", 1).expect("dpia v1").clone();
        q.sections[1].questions[0].key = "evaluation_or_scoring".to_owned();
        q.sections[1].questions.push(Question {
            key: "bad_choice".to_owned(),
            text: "?".to_owned(),
            help: None,
            reference: None,
            required: false,
            kind: QuestionKind::Choice { options: vec![Choice { value: "a".to_owned(), label: "A".to_owned() }; 2] },
        });
        let problems = definition_problems(&q);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn lookup_by_key_and_version() {
        assert_eq!(questionnaire("ai_act", 1).map(|q| q.title.as_str()), Some("EU AI Act classification"));
        assert!(questionnaire("ai_act", 2).is_none());
        assert_eq!(latest("dpia").map(|q| q.version), Some(1));
        assert!(latest("nothing").is_none());
        let q = latest("dpia").expect("dpia");
        assert_eq!(q.question("risk_likelihood").map(|x| &x.kind), Some(&QuestionKind::Scale { min: 1, max: 5 }));
        assert!(q.questions().all(|x| x.reference.is_some()), "every DPIA question cites its article");
    }

    #[test]
    fn the_kind_serialises_with_a_type_tag() {
        let kind = QuestionKind::Text { max_len: 10 };
        assert_eq!(serde_json::to_value(&kind).expect("serialises"), json!({"type": "text", "max_len": 10}));
        assert_eq!(serde_json::to_value(QuestionKind::YesNo).expect("serialises"), json!({"type": "yes_no"}));
    }

    fn dpia() -> &'static Questionnaire {
        questionnaire("dpia", 1).expect("dpia v1")
    }

    fn rejected(value: Value) -> AnswerError {
        check(dpia(), &answers(value), false).expect_err("rejected")
    }

    #[test]
    fn well_formed_drafts_pass() {
        let draft = answers(json!({
            "large_scale": true,
            "dpo_decision": "none",
            "nature": "line one\nline two",
            "legal_basis": "contract",
            "risk_likelihood": 3,
            "subject_views": null,
        }));
        assert_eq!(check(dpia(), &draft, false), Ok(()));
        assert_eq!(check(dpia(), &Answers::new(), false), Ok(()));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let error = rejected(json!({"colour": "blue"}));
        assert_eq!(error.question, "colour");
        assert!(error.to_string().starts_with("colour: not a question of the dpia questionnaire"), "{error}");
    }

    #[test]
    fn wrong_types_are_rejected() {
        assert_eq!(rejected(json!({"large_scale": "yes"})).question, "large_scale");
        assert_eq!(rejected(json!({"legal_basis": 1})).question, "legal_basis");
        assert_eq!(rejected(json!({"nature": true})).question, "nature");
        assert_eq!(rejected(json!({"risk_likelihood": "3"})).question, "risk_likelihood");
        assert_eq!(rejected(json!({"risk_likelihood": 2.5})).question, "risk_likelihood");
        let ai_act = questionnaire("ai_act", 1).expect("ai_act v1");
        let error = check(ai_act, &answers(json!({"exemptions": "preparatory_task"})), false).expect_err("not a list");
        assert_eq!(error.question, "exemptions");
        let error = check(ai_act, &answers(json!({"exemptions": [1]})), false).expect_err("not text");
        assert_eq!(error.question, "exemptions");
    }

    #[test]
    fn options_not_offered_are_rejected() {
        let error = rejected(json!({"legal_basis": "because"}));
        assert_eq!(error.question, "legal_basis");
        assert!(error.message.contains("consent, contract"), "{error}");
        let ai_act = questionnaire("ai_act", 1).expect("ai_act v1");
        let error = check(ai_act, &answers(json!({"exemptions": ["preparatory_task", "guessing"]})), false).expect_err("unknown");
        assert!(error.message.contains("\"guessing\""), "{error}");
        let error = check(ai_act, &answers(json!({"exemptions": ["preparatory_task", "preparatory_task"]})), false).expect_err("twice");
        assert!(error.message.contains("twice"), "{error}");
    }

    #[test]
    fn long_texts_and_control_characters_are_rejected() {
        let at_limit = "é".repeat(4000);
        assert_eq!(check(dpia(), &answers(json!({"retention": at_limit})), false), Ok(()));
        let error = rejected(json!({"retention": "é".repeat(4001)}));
        assert_eq!(error.question, "retention");
        assert!(error.message.contains("4001"), "{error}");
        assert_eq!(rejected(json!({"retention": "a\tb"})).question, "retention");
        assert_eq!(rejected(json!({"retention": "a\u{0}b"})).question, "retention");
        assert_eq!(rejected(json!({"retention": "a\r\nb"})).question, "retention");
    }

    #[test]
    fn scales_out_of_range_are_rejected() {
        for ok in [1, 5] {
            assert_eq!(check(dpia(), &answers(json!({"residual_severity": ok})), false), Ok(()));
        }
        for bad in [0, 6, -1] {
            let error = rejected(json!({"residual_severity": bad}));
            assert_eq!(error.question, "residual_severity");
            assert!(error.message.contains("from 1 to 5"), "{error}");
        }
    }

    #[test]
    fn required_questions_must_be_answered_on_submit_only() {
        let ai_act = questionnaire("ai_act", 1).expect("ai_act v1");
        let mut given = Answers::new();
        for question in ai_act.questions() {
            if question.required {
                let answer = match &question.kind {
                    QuestionKind::YesNo => json!(false),
                    QuestionKind::Choice { options } => json!(options[0].value),
                    other => panic!("unexpected required kind {other:?}"),
                };
                given.insert(question.key.clone(), answer);
            }
        }
        assert_eq!(check(ai_act, &given, true), Ok(()));
        given.remove("profiling");
        assert_eq!(check(ai_act, &given, false), Ok(()), "drafts may be incomplete");
        assert_eq!(check(ai_act, &given, true).expect_err("missing").question, "profiling");
        given.insert("profiling".to_owned(), Value::Null);
        assert_eq!(check(ai_act, &given, true).expect_err("null is unanswered").question, "profiling");

        let mut blank = answers(json!({"nature": "   "}));
        blank.insert("legal_basis".to_owned(), json!("consent"));
        let error = check(dpia(), &blank, true).expect_err("incomplete");
        assert_eq!(error.question, "evaluation_or_scoring", "the first required question in display order");
        assert!(!is_answered(blank.get("nature")));
        assert!(!is_answered(Some(&json!([]))));
    }
}

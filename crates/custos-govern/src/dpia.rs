//! DPIA screening and prior consultation (GDPR Arts. 35 and 36), read from the answers to the
//! `dpia` questionnaire ([`crate::questionnaire`]).
//!
//! [`screen`] tells whether a data protection impact assessment is needed, using the nine
//! criteria of the Article 29 Working Party guidelines WP248 rev.01 (endorsed by the EDPB):
//! two or more criteria mean a DPIA in most cases, one criterion can be enough. A processing
//! operation on a national list (Art. 35(4)) always needs one, and the data protection officer
//! may decide otherwise than the count, with a written reason.
//!
//! [`residual_high`] and [`prior_consultation`] tell whether the risk left after the measures
//! is high, in which case the supervisory authority must be consulted before the processing
//! starts (Art. 36(1)). The cut-off on the 1-5 scales is custos's choice, documented on
//! [`RESIDUAL_HIGH_FROM`]. Not legal advice.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::questionnaire::{self, AnswerError, Answers};

/// Key of the DPIA questionnaire.
pub const DPIA_KEY: &str = "dpia";

/// The version of the DPIA questionnaire whose question keys this module reads.
pub const DPIA_VERSION: u32 = 1;

/// The nine WP248 rev.01 criteria: (question key in the `dpia` questionnaire, plain label).
/// Processing that meets two or more of them needs a DPIA in most cases.
pub const WP248_CRITERIA: [(&str, &str); 9] = [
    ("evaluation_or_scoring", "evaluation or scoring, including profiling and predicting"),
    ("automated_decision_with_legal_effect", "automated decisions with legal or similarly significant effects"),
    ("systematic_monitoring", "systematic monitoring of people"),
    ("sensitive_data", "sensitive or highly personal data"),
    ("large_scale", "processing on a large scale"),
    ("matching_or_combining", "matching or combining data sets"),
    ("vulnerable_subjects", "data about vulnerable people"),
    ("innovative_technology", "innovative use or new technology"),
    ("prevents_exercising_rights", "processing that can stop people exercising a right or using a service or contract"),
];

/// Residual risk counts as high from this product of likelihood and severity (each 1-5).
///
/// custos's choice, not a legal figure: GDPR asks for likelihood and severity to be weighed
/// (Recital 76) but sets no scale. A product of 15 or more means at least "likely and
/// serious" (3 x 5, 4 x 4, ...); it also covers the rule "one of the two is 5 and the other at
/// least 3", since 5 x 3 = 15.
pub const RESIDUAL_HIGH_FROM: u8 = 15;

/// The result of the DPIA screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    /// Keys of the WP248 criteria answered yes, in the order of [`WP248_CRITERIA`].
    pub criteria_met: Vec<String>,
    /// Whether the processing is on a national list of operations needing a DPIA (Art. 35(4)).
    pub national_list: bool,
    /// Whether a DPIA is required.
    pub required: bool,
    /// Why, in plain words, for the record and for the user.
    pub reason: String,
    /// Whether the data protection officer's decision, rather than the criteria, settled
    /// `required` (also when the decision agrees with the criteria).
    pub dpo_override: bool,
}

/// The DPO's position in the screening (`dpo_decision`; absent means none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DpoDecision {
    None,
    Required,
    NotRequired,
}

fn dpo_decision(answers: &Answers) -> DpoDecision {
    match answers.get("dpo_decision").and_then(Value::as_str) {
        Some("dpia_required") => DpoDecision::Required,
        Some("dpia_not_required") => DpoDecision::NotRequired,
        _ => DpoDecision::None,
    }
}

fn yes(answers: &Answers, key: &str) -> bool {
    answers.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Screens a processing operation: is a DPIA required?
///
/// - Two or more WP248 criteria: required (WP248: "in most cases").
/// - One criterion: not required by the count; the reason says that one can be enough and
///   that the controller should judge and record why.
/// - On a national Art. 35(4) list: required.
/// - A DPO decision (`dpo_decision` other than `none`) settles the result, with its reason
///   quoted. A decision that no DPIA is needed cannot set aside a national-list entry: the
///   list binds the controller, so the result stays "required".
///
/// Works on drafts: missing answers count as "no", and a DPO decision without a reason still
/// gives a result, whose `reason` says the DPO's reason is missing ([`check_complete`] rejects
/// that on submit).
pub fn screen(answers: &Answers) -> Screening {
    let met: Vec<(&str, &str)> = WP248_CRITERIA.iter().copied().filter(|(key, _)| yes(answers, key)).collect();
    let national_list = yes(answers, "national_list");
    let by_criteria = met.len() >= 2 || national_list;
    let labels: Vec<&str> = met.iter().map(|(_, label)| *label).collect();

    let mut reason = Vec::new();
    match met.len() {
        0 => reason.push("None of the nine WP248 criteria is met.".to_owned()),
        1 => reason.push(format!(
            "One WP248 criterion is met ({}). Two or more usually mean a DPIA is needed, but one can be enough: \
             the controller should judge whether the processing is likely to result in a high risk and record why.",
            labels.join("; ")
        )),
        n => reason.push(format!("{n} of the nine WP248 criteria are met ({}): in most cases a DPIA is required.", labels.join("; "))),
    }
    if national_list {
        reason.push("The processing is on a national list of operations that need a DPIA (GDPR Art. 35(4)).".to_owned());
    }

    let dpo_reason = answers.get("dpo_reason").and_then(Value::as_str).map(str::trim).unwrap_or("");
    let because = if dpo_reason.is_empty() {
        " The DPO's reason is missing: record it before submitting.".to_owned()
    } else {
        format!(" Reason given: {dpo_reason}")
    };
    let (required, dpo_override) = match dpo_decision(answers) {
        DpoDecision::None => (by_criteria, false),
        DpoDecision::Required => {
            reason.push(format!("The data protection officer decided a DPIA is required.{because}"));
            (true, true)
        }
        DpoDecision::NotRequired if national_list => {
            reason.push(format!(
                "The data protection officer decided no DPIA is needed, but that cannot set aside the national list.{because}"
            ));
            (true, false)
        }
        DpoDecision::NotRequired => {
            reason.push(format!("The data protection officer decided no DPIA is needed.{because}"));
            (false, true)
        }
    };
    reason.push(if required { "Result: a DPIA is required." } else { "Result: a DPIA is not required." }.to_owned());

    Screening {
        criteria_met: met.iter().map(|(key, _)| (*key).to_owned()).collect(),
        national_list,
        required,
        reason: reason.join(" "),
        dpo_override,
    }
}

/// A 1-5 scale answer, or `None` when missing or malformed (callers check answers first).
fn scale(answers: &Answers, key: &str) -> Option<u8> {
    answers.get(key).and_then(Value::as_u64).and_then(|n| u8::try_from(n).ok()).filter(|n| (1..=5).contains(n))
}

/// Whether the risk left after the measures is high: `residual_likelihood` x
/// `residual_severity` is at least [`RESIDUAL_HIGH_FROM`] (15), which includes every case
/// where one of them is 5 and the other at least 3. custos's rule, see the constant. False
/// while either answer is missing.
pub fn residual_high(answers: &Answers) -> bool {
    match (scale(answers, "residual_likelihood"), scale(answers, "residual_severity")) {
        (Some(likelihood), Some(severity)) => likelihood * severity >= RESIDUAL_HIGH_FROM,
        _ => false,
    }
}

/// Whether the supervisory authority must be consulted before the processing starts
/// (GDPR Art. 36(1)): when the DPIA shows a high risk that the controller's measures do not
/// bring down, i.e. [`residual_high`]. The authority then answers in writing within 8 weeks,
/// extendable by 6 (Art. 36(2), catalog entry `GDPR-36`).
pub fn prior_consultation(answers: &Answers) -> bool {
    residual_high(answers)
}

/// Checks DPIA answers for submission: [`questionnaire::check`] against version
/// [`DPIA_VERSION`] with `complete`, which includes the DPIA's own rule that a DPO decision
/// needs a written reason.
pub fn check_complete(answers: &Answers) -> Result<(), AnswerError> {
    let q = questionnaire::questionnaire(DPIA_KEY, DPIA_VERSION)
        .ok_or_else(|| AnswerError::new(DPIA_KEY, format!("version {DPIA_VERSION} of the questionnaire is not embedded")))?;
    questionnaire::check(q, answers, true)
}

/// Rules of the DPIA questionnaire that span several questions, applied by
/// [`questionnaire::check`]: on submit, a DPO decision other than `none` needs `dpo_reason`.
pub(crate) fn cross_rules(answers: &Answers, complete: bool) -> Result<(), AnswerError> {
    if complete && dpo_decision(answers) != DpoDecision::None && !questionnaire::is_answered(answers.get("dpo_reason")) {
        return Err(AnswerError::new("dpo_reason", "the DPO's decision needs a written reason"));
    }
    Ok(())
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

    #[test]
    fn the_criteria_are_the_screening_questions() {
        let q = questionnaire::questionnaire(DPIA_KEY, DPIA_VERSION).expect("dpia v1");
        let screening = q.sections.iter().find(|s| s.key == "screening").expect("screening section");
        for (key, _) in WP248_CRITERIA {
            assert!(screening.questions.iter().any(|x| x.key == key), "{key} is a screening question");
        }
    }

    #[test]
    fn no_criterion_no_dpia() {
        let s = screen(&answers(json!({"large_scale": false})));
        assert!(!s.required && !s.dpo_override && !s.national_list);
        assert!(s.criteria_met.is_empty());
        assert!(s.reason.contains("None of the nine"), "{}", s.reason);
    }

    #[test]
    fn one_criterion_asks_the_controller_to_judge() {
        let s = screen(&answers(json!({"innovative_technology": true})));
        assert!(!s.required);
        assert_eq!(s.criteria_met, ["innovative_technology"]);
        assert!(s.reason.contains("one can be enough") && s.reason.contains("controller should judge"), "{}", s.reason);
    }

    #[test]
    fn two_criteria_require_a_dpia() {
        let s = screen(&answers(json!({"large_scale": true, "evaluation_or_scoring": true, "sensitive_data": false})));
        assert!(s.required);
        assert_eq!(s.criteria_met, ["evaluation_or_scoring", "large_scale"], "in WP248 order");
        assert!(s.reason.contains("2 of the nine") && s.reason.contains("in most cases"), "{}", s.reason);
    }

    #[test]
    fn a_national_list_requires_a_dpia() {
        let s = screen(&answers(json!({"national_list": true})));
        assert!(s.required && s.national_list && s.criteria_met.is_empty());
        assert!(s.reason.contains("Art. 35(4)"), "{}", s.reason);
    }

    #[test]
    fn the_dpo_can_override_with_a_reason() {
        let not_needed = answers(json!({
            "large_scale": true, "matching_or_combining": true,
            "dpo_decision": "dpia_not_required", "dpo_reason": "Aggregated statistics only; no individual effects.",
        }));
        let s = screen(&not_needed);
        assert!(!s.required && s.dpo_override);
        assert!(s.reason.contains("Aggregated statistics only"), "{}", s.reason);
        assert_eq!(cross_rules(&not_needed, true), Ok(()));

        let needed = answers(json!({"dpo_decision": "dpia_required", "dpo_reason": "New scoring model for minors."}));
        let s = screen(&needed);
        assert!(s.required && s.dpo_override);

        let none = screen(&answers(json!({"large_scale": true, "sensitive_data": true, "dpo_decision": "none"})));
        assert!(none.required && !none.dpo_override);
    }

    #[test]
    fn a_dpo_override_without_reason_is_flagged_and_rejected_on_submit() {
        let given = answers(json!({"innovative_technology": true, "dpo_decision": "dpia_required", "dpo_reason": "  "}));
        let s = screen(&given);
        assert!(s.required && s.dpo_override);
        assert!(s.reason.contains("reason is missing"), "{}", s.reason);
        assert_eq!(cross_rules(&given, false), Ok(()), "drafts may lack the reason");
        assert_eq!(cross_rules(&given, true).expect_err("rejected").question, "dpo_reason");

        let mut full = complete_answers();
        full.insert("dpo_decision".to_owned(), json!("dpia_not_required"));
        assert_eq!(check_complete(&full).expect_err("no reason").question, "dpo_reason");
        full.insert("dpo_reason".to_owned(), json!("Internal test data only."));
        assert_eq!(check_complete(&full), Ok(()));
    }

    #[test]
    fn the_dpo_cannot_set_aside_a_national_list() {
        let s = screen(&answers(json!({"national_list": true, "dpo_decision": "dpia_not_required", "dpo_reason": "Low volume."})));
        assert!(s.required && !s.dpo_override);
        assert!(s.reason.contains("cannot set aside"), "{}", s.reason);
    }

    fn complete_answers() -> Answers {
        let q = questionnaire::questionnaire(DPIA_KEY, DPIA_VERSION).expect("dpia v1");
        let mut given = Answers::new();
        for question in q.questions().filter(|x| x.required) {
            let answer = match &question.kind {
                questionnaire::QuestionKind::YesNo => json!(false),
                questionnaire::QuestionKind::Choice { options } => json!(options[0].value),
                questionnaire::QuestionKind::Text { .. } => json!("Described."),
                questionnaire::QuestionKind::Scale { min, .. } => json!(min),
                questionnaire::QuestionKind::MultiChoice { options } => json!([options[0].value]),
            };
            given.insert(question.key.clone(), answer);
        }
        given
    }

    #[test]
    fn complete_answers_pass_the_submit_check() {
        assert_eq!(check_complete(&complete_answers()), Ok(()));
        let mut missing = complete_answers();
        missing.remove("residual_severity");
        assert_eq!(check_complete(&missing).expect_err("missing").question, "residual_severity");
    }

    fn residual(likelihood: Value, severity: Value) -> Answers {
        answers(json!({"residual_likelihood": likelihood, "residual_severity": severity}))
    }

    #[test]
    fn residual_risk_boundaries() {
        for (l, s, high) in [
            (5, 3, true),
            (3, 5, true),
            (4, 4, true),
            (5, 5, true),
            (4, 5, true),
            (5, 2, false),
            (2, 5, false),
            (3, 4, false),
            (4, 3, false),
            (1, 1, false),
        ] {
            let given = residual(json!(l), json!(s));
            assert_eq!(residual_high(&given), high, "likelihood {l}, severity {s}");
            assert_eq!(prior_consultation(&given), high, "likelihood {l}, severity {s}");
        }
        assert!(!residual_high(&answers(json!({"residual_likelihood": 5}))), "missing severity");
        assert!(!residual_high(&residual(json!(6), json!(5))), "out of range counts as missing");
        assert!(!residual_high(&residual(json!("5"), json!(5))), "wrong type counts as missing");
        assert!(!residual_high(&answers(json!({"risk_likelihood": 5, "risk_severity": 5}))), "inherent risk is not residual risk");
    }
}

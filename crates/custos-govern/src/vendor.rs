//! Vendor due diligence (GDPR Art. 28(1): use only processors "providing sufficient
//! guarantees"), read from the answers to the `vendor` questionnaire
//! ([`crate::questionnaire`]).
//!
//! [`review`] turns the answers into findings, each naming its question, its article and how
//! much it weighs, and an outcome: `insufficient` when any finding is serious (a missing
//! contract term of Art. 28(3), no documented security, a transfer without an assessment, a
//! vendor that trains its own models on the data), `conditions` when only lesser findings
//! remain (no certification, a breach notice slower than 48 hours, no audit right...), else
//! `sufficient`. Which finding weighs how much is custos's reading, written next to each rule
//! below; not legal advice. Unanswered questions give no finding, so a draft shows what its
//! answers so far imply.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::questionnaire::{self, AnswerError, Answers};

/// Key of the vendor questionnaire.
pub const VENDOR_KEY: &str = "vendor";

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth noting; does not change the outcome.
    Low,
    /// Acceptable under conditions written down with the approval.
    Medium,
    /// The guarantees are not sufficient while it stands.
    High,
}

/// One thing the answers show that falls short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The question it comes from.
    pub question: String,
    /// How much it weighs.
    pub severity: Severity,
    /// What falls short, in plain words.
    pub text: String,
    /// The provision it rests on.
    pub reference: String,
}

/// What the review concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No finding above low.
    Sufficient,
    /// Medium findings only: acceptable with the conditions written down.
    Conditions,
    /// At least one high finding.
    Insufficient,
}

impl Outcome {
    /// The outcome's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sufficient => "sufficient",
            Self::Conditions => "conditions",
            Self::Insufficient => "insufficient",
        }
    }

    /// The outcome in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sufficient => "Sufficient guarantees",
            Self::Conditions => "Sufficient under conditions",
            Self::Insufficient => "Guarantees not sufficient",
        }
    }
}

/// The findings and the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Findings, the most serious first (then in questionnaire order).
    pub findings: Vec<Finding>,
    /// What they add up to.
    pub outcome: Outcome,
}

fn answer<'a>(answers: &'a Answers, key: &str) -> Option<&'a Value> {
    answers.get(key).filter(|v| !v.is_null())
}

fn is_no(answers: &Answers, key: &str) -> bool {
    answer(answers, key).and_then(Value::as_bool) == Some(false)
}

fn choice<'a>(answers: &'a Answers, key: &str) -> Option<&'a str> {
    answer(answers, key).and_then(Value::as_str)
}

/// Reviews the answers given so far.
pub fn review(answers: &Answers) -> Review {
    let mut findings = Vec::new();
    let mut add = |question: &str, severity: Severity, text: &str, reference: &str| {
        findings.push(Finding { question: question.into(), severity, text: text.into(), reference: reference.into() });
    };
    // The terms Art. 28(3) requires in every processor contract: without one, no guarantee.
    let terms = [
        ("security_measures_documented", "The vendor has not described its security measures.", "GDPR Art. 32(1), Art. 28(3)(c)"),
        ("confidentiality", "The vendor's staff are not bound to confidentiality.", "GDPR Art. 28(3)(b)"),
        ("subprocessors_controlled", "Sub-processors are not listed, or can be changed without telling you.", "GDPR Art. 28(2) and 28(4)"),
        ("assists_with_requests", "The vendor will not help answer people's requests.", "GDPR Art. 28(3)(e)"),
        ("deletes_at_end", "The data is not deleted or returned at the end of the service.", "GDPR Art. 28(3)(g)"),
    ];
    for (key, text, reference) in terms {
        if is_no(answers, key) {
            add(key, Severity::High, text, reference);
        }
    }
    // Audit: a contract term too, but one that information and third-party reports can stand
    // in for (Art. 28(3)(h) "make available all information necessary"): a condition.
    if is_no(answers, "audit_rights") {
        add(
            "audit_rights",
            Severity::Medium,
            "You cannot audit the vendor or obtain the information to show compliance.",
            "GDPR Art. 28(3)(h)",
        );
    }
    if choice(answers, "security_certification") == Some("none") {
        add(
            "security_certification",
            Severity::Medium,
            "No independent certification or audit covers the service: ask for evidence of the measures.",
            "GDPR Art. 28(5), Art. 32(3)",
        );
    }
    // A breach notice: no commitment leaves Art. 33(2) unwritten; 72 hours or an open "undue
    // delay" leave the controller too little of its own 72 hours (Art. 33(1)).
    match choice(answers, "breach_notice") {
        Some("no_commitment") => {
            add("breach_notice", Severity::High, "The vendor does not commit to report breaches to you.", "GDPR Art. 33(2), Art. 28(3)(f)")
        }
        Some("within_72h" | "without_undue_delay") => add(
            "breach_notice",
            Severity::Medium,
            "The vendor's breach notice leaves too little of your own 72 hours: agree on 48 hours or less.",
            "GDPR Art. 33(1) and 33(2)",
        ),
        _ => {}
    }
    if answer(answers, "outside_eea").and_then(Value::as_bool) == Some(true) {
        if choice(answers, "transfer_assessment") == Some("not_done") {
            add(
                "transfer_assessment",
                Severity::High,
                "Data leaves the EEA without a transfer impact assessment.",
                "GDPR Art. 46(1); CJEU C-311/18; EDPB Recommendations 01/2020",
            );
        }
        if is_no(answers, "government_requests") {
            add(
                "government_requests",
                Severity::Low,
                "The vendor does not commit to tell you about requests from public authorities.",
                "EDPB Recommendations 01/2020, Annex 2",
            );
        }
    }
    if answer(answers, "uses_ai").and_then(Value::as_bool) == Some(true) {
        match choice(answers, "trains_on_data") {
            Some("yes") => add(
                "trains_on_data",
                Severity::High,
                "The vendor trains its own models on the data you send: a purpose of its own, outside your instructions.",
                "GDPR Art. 28(3)(a), Art. 28(10), Art. 5(1)(b)",
            ),
            Some("opted_out") => add(
                "trains_on_data",
                Severity::Medium,
                "The vendor trains on customer data by default: keep the opt-out in writing and check it at each renewal.",
                "GDPR Art. 28(3)(a)",
            ),
            _ => {}
        }
        if is_no(answers, "model_documentation") {
            add(
                "model_documentation",
                Severity::Medium,
                "The vendor does not document its models' purpose, limits and risks for you as deployer.",
                "AI Act Art. 13(3), Art. 26(1), Art. 53(1)(b)",
            );
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let outcome = match findings.iter().map(|f| f.severity).max() {
        Some(Severity::High) => Outcome::Insufficient,
        Some(Severity::Medium) => Outcome::Conditions,
        _ => Outcome::Sufficient,
    };
    Review { findings, outcome }
}

/// The questions that become required by other answers: the transfer assessment when data
/// leaves the EEA, the training and documentation questions when the vendor uses AI.
pub(crate) fn cross_rules(answers: &Answers, complete: bool) -> Result<(), AnswerError> {
    if !complete {
        return Ok(());
    }
    let yes = |k: &str| answer(answers, k).and_then(Value::as_bool) == Some(true);
    let mut needed = Vec::new();
    if yes("outside_eea") {
        needed.push(("transfer_assessment", "data leaves the EEA: say whether a transfer impact assessment was made"));
    }
    if yes("uses_ai") {
        needed.push(("trains_on_data", "the vendor uses AI: say whether it trains on your data"));
        needed.push(("model_documentation", "the vendor uses AI: say whether it documents its models"));
    }
    match needed.into_iter().find(|(k, _)| !questionnaire::is_answered(answers.get(*k))) {
        Some((k, why)) => Err(AnswerError::new(k, why)),
        None => Ok(()),
    }
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

    fn good() -> Value {
        json!({
            "security_measures_documented": true, "security_certification": "iso_27001", "confidentiality": true,
            "breach_notice": "within_24h", "subprocessors_controlled": true, "assists_with_requests": true,
            "deletes_at_end": true, "audit_rights": true, "outside_eea": false, "uses_ai": false
        })
    }

    fn with(changes: Value) -> Answers {
        let mut a = answers(good());
        a.extend(answers(changes));
        a
    }

    #[test]
    fn every_key_read_here_is_a_question_of_the_questionnaire() {
        let q = questionnaire::latest(VENDOR_KEY).expect("vendor questionnaire");
        let all = with(json!({"outside_eea": true, "transfer_assessment": "not_done", "government_requests": false,
                              "uses_ai": true, "trains_on_data": "yes", "model_documentation": false}));
        questionnaire::check(q, &all, true).expect("well formed and complete");
        for f in review(&all).findings {
            assert!(q.question(&f.question).is_some(), "{} is a question", f.question);
        }
    }

    #[test]
    fn a_vendor_with_every_guarantee_is_sufficient() {
        let r = review(&answers(good()));
        assert_eq!((r.outcome, r.findings.len()), (Outcome::Sufficient, 0));
    }

    #[test]
    fn a_missing_contract_term_is_insufficient() {
        for key in
            ["security_measures_documented", "confidentiality", "subprocessors_controlled", "assists_with_requests", "deletes_at_end"]
        {
            let r = review(&with(json!({ key: false })));
            assert_eq!(r.outcome, Outcome::Insufficient, "{key}");
            assert_eq!(r.findings[0].question, key);
        }
    }

    #[test]
    fn lesser_findings_are_conditions_and_the_most_serious_comes_first() {
        let r = review(&with(json!({"audit_rights": false, "security_certification": "none", "breach_notice": "within_72h"})));
        assert_eq!((r.outcome, r.findings.len()), (Outcome::Conditions, 3));
        let r = review(&with(json!({"audit_rights": false, "breach_notice": "no_commitment"})));
        assert_eq!(r.outcome, Outcome::Insufficient);
        assert_eq!(r.findings[0].question, "breach_notice");
        assert_eq!(review(&with(json!({"breach_notice": "within_48h"}))).outcome, Outcome::Sufficient);
    }

    #[test]
    fn transfers_need_an_assessment_only_when_data_leaves_the_eea() {
        assert_eq!(review(&with(json!({"transfer_assessment": "not_done"}))).outcome, Outcome::Sufficient, "inside the EEA");
        let out = with(json!({"outside_eea": true, "transfer_assessment": "not_done"}));
        assert_eq!(review(&out).outcome, Outcome::Insufficient);
        let adequate = with(json!({"outside_eea": true, "transfer_assessment": "adequacy", "government_requests": false}));
        let r = review(&adequate);
        assert_eq!((r.outcome, r.findings[0].severity), (Outcome::Sufficient, Severity::Low));
    }

    #[test]
    fn an_ai_vendor_training_on_the_data_is_insufficient_and_an_opt_out_a_condition() {
        let ai = |t: &str| with(json!({"uses_ai": true, "trains_on_data": t, "model_documentation": true}));
        assert_eq!(review(&ai("yes")).outcome, Outcome::Insufficient);
        assert_eq!(review(&ai("opted_out")).outcome, Outcome::Conditions);
        assert_eq!(review(&ai("no")).outcome, Outcome::Sufficient);
        assert_eq!(review(&with(json!({"uses_ai": false, "trains_on_data": "yes"}))).outcome, Outcome::Sufficient, "not an AI vendor");
    }

    #[test]
    fn conditional_questions_are_required_on_submit_only() {
        let q = questionnaire::latest(VENDOR_KEY).expect("vendor questionnaire");
        let out = with(json!({"outside_eea": true}));
        assert!(questionnaire::check(q, &out, false).is_ok(), "a draft may leave it open");
        assert_eq!(questionnaire::check(q, &out, true).expect_err("needs the assessment").question, "transfer_assessment");
        let ai = with(json!({"uses_ai": true, "trains_on_data": "no"}));
        assert_eq!(questionnaire::check(q, &ai, true).expect_err("needs documentation").question, "model_documentation");
        assert!(questionnaire::check(q, &answers(good()), true).is_ok());
    }

    #[test]
    fn unanswered_questions_give_no_finding() {
        assert_eq!(review(&Answers::new()), Review { findings: vec![], outcome: Outcome::Sufficient });
    }
}

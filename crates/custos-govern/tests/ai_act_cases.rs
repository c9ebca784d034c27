//! The AI Act classifier against a table of realistic business use cases
//! (`tests/ai_act_cases.yaml`): tier, transparency, deciding provision, the shape of the
//! explanation, and the fundamental rights impact assessment (AIA-27) only where Art. 27(1)
//! puts it on a business.

use std::collections::BTreeSet;

use custos_govern::aiact::{self, AnnexIiiArea, Role, Tier};
use custos_govern::questionnaire::{self, Answers, QuestionKind};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    role: Role,
    answers: Answers,
    tier: Tier,
    transparency: bool,
    decided_by: String,
    article_note: String,
    #[serde(default)]
    obligations: Vec<String>,
}

fn cases() -> Vec<Case> {
    serde_norway::from_str(include_str!("ai_act_cases.yaml")).expect("tests/ai_act_cases.yaml parses")
}

/// The case's answers with every unanswered required question filled in as "no" / "none", as
/// a user submitting the form would: the cases must be valid, complete submissions.
fn submitted(answers: &Answers) -> Answers {
    let q = questionnaire::latest(aiact::AI_ACT_KEY).expect("ai_act questionnaire");
    let mut full = answers.clone();
    for question in q.questions().filter(|x| x.required) {
        full.entry(question.key.clone()).or_insert_with(|| match &question.kind {
            QuestionKind::YesNo => Value::Bool(false),
            QuestionKind::Choice { .. } => Value::String("none".to_owned()),
            other => panic!("no default for {other:?}"),
        });
    }
    full
}

#[test]
fn the_table_is_large_and_varied() {
    let cases = cases();
    assert!(cases.len() >= 32, "{} cases", cases.len());
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    for tier in Tier::ALL {
        assert!(cases.iter().any(|c| c.tier == *tier), "some case is {tier}");
    }
    for role in Role::ALL {
        assert!(cases.iter().any(|c| c.role == *role), "some case is for a {role}");
    }
}

#[test]
fn every_case_classifies_as_expected() {
    let q = questionnaire::latest(aiact::AI_ACT_KEY).expect("ai_act questionnaire");
    let mut failures = Vec::new();
    for case in cases() {
        assert!(!case.article_note.trim().is_empty(), "{}: article_note", case.name);
        let answers = submitted(&case.answers);
        if let Err(error) = questionnaire::check(q, &answers, true) {
            failures.push(format!("{}: answers rejected: {error}", case.name));
            continue;
        }
        let use_case = aiact::use_case(&answers).expect("checked answers convert");
        let c = aiact::classify(&use_case, case.role);
        let got = (c.tier, c.transparency, c.decided_by.as_str());
        let want = (case.tier, case.transparency, case.decided_by.as_str());
        if got != want {
            failures.push(format!("{}: got {got:?}, expected {want:?}", case.name));
        }
        match c.path.last() {
            Some(last) if last.article == c.decided_by && last.answer == c.tier.label() => {}
            other => failures.push(format!("{}: the path should end with a step citing {:?}, got {other:?}", case.name, c.decided_by)),
        }
        for step in &c.path {
            if [&step.article, &step.question, &step.answer, &step.outcome].iter().any(|s| s.trim().is_empty()) {
                failures.push(format!("{}: incomplete step {step:?}", case.name));
            }
        }
        let ids: Vec<&str> = c.obligations.iter().map(|o| o.id.as_str()).collect();
        if ids.first() != Some(&"AIA-4") {
            failures.push(format!("{}: AI literacy (AIA-4) should come first, got {ids:?}", case.name));
        }
        for id in &case.obligations {
            if !ids.contains(&id.as_str()) {
                failures.push(format!("{}: {id} missing from {ids:?}", case.name));
            }
        }

        let fria_area = use_case.annex_iii_area.is_some_and(AnnexIiiArea::needs_fria) && !use_case.fraud_detection_only;
        let expect_fria = case.role.is_deployer() && c.tier == Tier::High && fria_area;
        if ids.contains(&"AIA-27") != expect_fria {
            failures.push(format!("{}: AIA-27 expected {expect_fria}, obligations {ids:?}", case.name));
        }
        let high_duties = ["AIA-9", "AIA-26-1-5"];
        if c.tier != Tier::High && ids.iter().any(|id| high_duties.contains(id)) {
            failures.push(format!("{}: high-risk duties on a {} system", case.name, c.tier));
        }
        if c.tier == Tier::High && case.role.is_provider() != ids.contains(&"AIA-9") {
            failures.push(format!("{}: provider duties do not follow the role", case.name));
        }
        if c.tier == Tier::High && case.role.is_deployer() != ids.contains(&"AIA-26-1-5") {
            failures.push(format!("{}: deployer duties do not follow the role", case.name));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

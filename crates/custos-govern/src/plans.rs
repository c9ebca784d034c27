//! Response plans: for each [`IncidentKind`], the ordered checklist staff work through
//! (contain, assess, preserve evidence, notify, fix, learn), kept as data in
//! `data/response_plans.yaml` so the wording can change without code. The legal deadlines are
//! not here but in [`crate::clocks`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::clocks::IncidentKind;

/// One step of a response plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    /// Stable key of the step, unique within its plan: what records of done steps refer to.
    pub key: String,
    /// What to do, in plain words.
    pub text: String,
}

const PLANS: &str = include_str!("../data/response_plans.yaml");

/// The plans by kind, parsed once from the embedded file.
fn plans() -> &'static BTreeMap<IncidentKind, Vec<PlanStep>> {
    static PARSED: OnceLock<BTreeMap<IncidentKind, Vec<PlanStep>>> = OnceLock::new();
    // The file is embedded and tested; if it ever failed to parse, every plan would be empty
    // (and the tests fail) rather than the process panicking.
    PARSED.get_or_init(|| serde_norway::from_str(PLANS).unwrap_or_default())
}

/// The ordered checklist for an incident kind (empty only if the embedded data lacked it,
/// which the tests rule out).
pub fn response_plan(kind: IncidentKind) -> &'static [PlanStep] {
    plans().get(&kind).map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_parses_and_names_only_known_kinds() {
        let parsed: BTreeMap<String, Vec<PlanStep>> = serde_norway::from_str(PLANS).expect("response_plans.yaml parses");
        for name in parsed.keys() {
            assert!(IncidentKind::parse(name).is_ok(), "unknown incident kind {name:?} in response_plans.yaml");
        }
        assert_eq!(parsed.len(), IncidentKind::ALL.len());
    }

    #[test]
    fn every_kind_has_a_plan_of_6_to_10_steps_with_unique_keys() {
        for kind in IncidentKind::ALL {
            let plan = response_plan(*kind);
            assert!((6..=10).contains(&plan.len()), "{kind}: {} steps", plan.len());
            let mut keys: Vec<&str> = plan.iter().map(|s| s.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), plan.len(), "{kind}: step keys are unique");
            for step in plan {
                assert!(!step.key.is_empty() && step.key.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{kind}: {:?}", step.key);
                assert!(step.text.len() > 20, "{kind}/{}: text in plain words", step.key);
            }
        }
    }

    #[test]
    fn plans_cover_what_each_kind_needs() {
        let keys = |kind| response_plan(kind).iter().map(|s| s.key.as_str()).collect::<Vec<_>>();
        let breach = keys(IncidentKind::PersonalDataBreach);
        for key in ["contain", "assess_risk", "preserve_evidence", "decide_notifications", "notify", "root_cause", "lessons_learned"] {
            assert!(breach.contains(&key), "breach plan has {key}");
        }
        assert_eq!(breach.first(), Some(&"contain"));
        let ai = keys(IncidentKind::AiSeriousIncident);
        assert_eq!(ai.first(), Some(&"suspend_system"), "stop the system first");
        for key in ["preserve_logs", "causal_link", "report", "inform_provider"] {
            assert!(ai.contains(&key), "AI plan has {key}");
        }
        assert_eq!(keys(IncidentKind::Complaint)[..4], ["acknowledge", "classify", "investigate", "answer"]);
        assert!(keys(IncidentKind::Complaint).contains(&"escalate_review"));
        assert!(keys(IncidentKind::SecurityEvent).contains(&"check_personal_data"));
        assert!(keys(IncidentKind::ModelFailure).contains(&"check_escalation"));
    }

    #[test]
    fn plans_are_parsed_once() {
        let a = response_plan(IncidentKind::Complaint);
        let b = response_plan(IncidentKind::Complaint);
        assert!(std::ptr::eq(a, b));
    }
}

//! Compliance: which obligations of the catalog ([`crate::catalog`]) apply to the business,
//! from what custos sees of it, and which controls show each is met.
//!
//! [`applicability`] decides per obligation, with the reason in words: the law's territory
//! must hold some of the business's subjects ([`territory`]), and one of the activities that
//! trigger the duty must be seen in the live system ([`Landscape`]): a purpose's fideslang
//! data use and flags, the AI systems and their tiers, significant decisions, chatbots,
//! vendors. Activities custos cannot see (credit decisions, children, calls and texts,
//! cookies, synthetic content) count as present, "assumed": a compliance report that leaves a
//! duty out hides it, one that lists one too many costs a reviewer a click (a DPO marks it not
//! applicable with a justification). Voluntary frameworks (NIST AI RMF, ISO/IEC 42001) bind
//! no one: not applicable unless adopted.
//!
//! [`CONTROLS`] are custos's built-in controls, each evidencing some of the catalog's
//! capabilities; [`controls_for`] maps an obligation to the automated controls sharing one of
//! its capabilities, plus one manual control per capability no automated control covers
//! (evidence a person uploads). [`status`] folds the controls' latest results into the
//! obligation's status. Not legal advice.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::catalog::Obligation;

/// What custos sees of the business, for applicability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Landscape {
    /// The subjects' jurisdictions (`DE`, `US-CA`, ...), distinct.
    pub jurisdictions: BTreeSet<String>,
    /// Activities seen in the live system (the catalog's `applies_to` words), each with what
    /// showed it (e.g. `profiling` -> "the purpose `personalize.content.profiled` profiles").
    pub activities: std::collections::BTreeMap<String, String>,
    /// Voluntary frameworks the business adopted (by the catalog's regulation name).
    pub adopted: BTreeSet<String>,
}

/// Activities custos cannot see in its records: assumed present.
pub const UNSEEN_ACTIVITIES: [&str; 7] =
    ["credit_decision", "insurance_pricing", "children", "calls_texts", "cookies_tracking", "synthetic_content", "email_marketing"];

/// Activities every business with subjects has: duties that hold for any processing, answering
/// requests, and breaches (the duty exists before the breach does).
pub const ALWAYS: [&str; 3] = ["all_processing", "dsr_handling", "data_breach"];

/// Voluntary frameworks in the catalog.
pub const VOLUNTARY: [&str; 2] = ["NIST AI RMF 1.0", "ISO/IEC 42001"];

/// The activities a purpose's fideslang data use shows, by key prefix.
pub fn activities_of_data_use(data_use: &str) -> Vec<&'static str> {
    let under = |prefix: &str| data_use == prefix || data_use.starts_with(&format!("{prefix}."));
    let mut out = Vec::new();
    if under("personalize") {
        out.push("personalization");
    }
    if under("marketing.advertising") {
        out.push("targeted_marketing");
        if data_use.contains("targeted") || data_use.contains("profiling") {
            out.push("segmentation");
        }
    }
    if under("marketing.communications") {
        out.push("direct_marketing");
    }
    if under("marketing.communications.email") {
        out.push("email_marketing");
    }
    if under("marketing.communications.sms") {
        out.push("calls_texts");
    }
    if under("analytics") {
        out.push("cx_analytics");
    }
    if under("third_party_sharing") {
        out.push("sale_sharing");
    }
    if under("train_ai_system") {
        out.push("ai_governance");
    }
    out
}

/// Whether one of `jurisdictions` is in the territory of `regulation`; None for a regulation
/// custos does not place (it then applies wherever the business works).
pub fn territory(regulation: &str, jurisdictions: &BTreeSet<String>) -> Option<bool> {
    let any = |f: &dyn Fn(&str) -> bool| jurisdictions.iter().any(|j| f(j));
    let eu = |j: &str| in_eea(j);
    Some(match regulation {
        "GDPR" | "ePrivacy Directive" | "EU AI Act" | "EU DSA" | "EDPB guidelines" => any(&eu),
        "UK GDPR" => any(&|j| j == "GB"),
        "CCPA" | "CCPA Regulations" | "California Bot Disclosure Law" | "California breach notification law" => any(&|j| j == "US-CA"),
        "Virginia CDPA" => any(&|j| j == "US-VA"),
        "Colorado Privacy Act" | "Colorado AI Act" | "Colorado breach notification law" => any(&|j| j == "US-CO"),
        "Florida Information Protection Act" => any(&|j| j == "US-FL"),
        "New York breach notification law" => any(&|j| j == "US-NY"),
        "Texas breach notification law" => any(&|j| j == "US-TX"),
        "Washington breach notification law" => any(&|j| j == "US-WA"),
        "FTC Act" | "CAN-SPAM" | "TCPA" | "ECOA / Regulation B" => any(&|j| j == "US" || j.starts_with("US-")),
        "LGPD" => any(&|j| j == "BR" || j.starts_with("BR-")),
        "PIPEDA" => any(&|j| j == "CA" || j.starts_with("CA-")),
        "Quebec Law 25" => any(&|j| j == "CA-QC"),
        _ => return None,
    })
}

/// EU member states and the EEA (GDPR territory), by ISO 3166-1 alpha-2 code.
const EU_EEA: [&str; 30] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT",
    "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

fn in_eea(j: &str) -> bool {
    let country = j.split('-').next().unwrap_or(j);
    EU_EEA.contains(&country)
}

/// Whether an obligation applies, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicability {
    /// Whether it applies.
    pub applies: bool,
    /// Whether custos assumed an activity it cannot see.
    pub assumed: bool,
    /// Why, in plain words.
    pub reason: String,
}

/// Whether `o` applies to the business `l` describes.
pub fn applicability(o: &Obligation, l: &Landscape) -> Applicability {
    let no = |reason: String| Applicability { applies: false, assumed: false, reason };
    if VOLUNTARY.contains(&o.regulation.as_str()) && !l.adopted.contains(&o.regulation) {
        return no(format!("{} is a voluntary framework the business has not adopted.", o.regulation));
    }
    let place = match territory(&o.regulation, &l.jurisdictions) {
        Some(false) => {
            return no(format!("No subject is in the territory of {} (subjects are in {}).", o.regulation, list(&l.jurisdictions)));
        }
        Some(true) => {
            let inside: Vec<&String> =
                l.jurisdictions.iter().filter(|j| territory(&o.regulation, &[(*j).clone()].into()) == Some(true)).collect();
            format!("subjects in {}", inside.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
        }
        None => "the business's activities".to_owned(),
    };
    if let Some(a) = o.applies_to.iter().find(|a| ALWAYS.contains(&a.as_str())) {
        return Applicability { applies: true, assumed: false, reason: format!("Applies to {}: {place}.", words(a)) };
    }
    if let Some((a, why)) = o.applies_to.iter().find_map(|a| l.activities.get(a).map(|why| (a, why))) {
        return Applicability { applies: true, assumed: false, reason: format!("Applies to {} ({why}): {place}.", words(a)) };
    }
    if let Some(a) = o.applies_to.iter().find(|a| UNSEEN_ACTIVITIES.contains(&a.as_str())) {
        return Applicability {
            applies: true,
            assumed: true,
            reason: format!(
                "Assumed: custos cannot see whether the business does {}; {place}. Mark it not applicable if it does not.",
                words(a)
            ),
        };
    }
    no(format!("custos sees none of the activities it covers ({}).", o.applies_to.iter().map(|a| words(a)).collect::<Vec<_>>().join(", ")))
}

fn list(s: &BTreeSet<String>) -> String {
    if s.is_empty() { "no jurisdiction yet".to_owned() } else { s.iter().cloned().collect::<Vec<_>>().join(", ") }
}

/// An activity of the catalog's vocabulary in words.
pub fn words(activity: &str) -> &str {
    match activity {
        "all_processing" => "all processing of personal data",
        "personalization" => "personalization",
        "segmentation" => "segmentation",
        "targeted_marketing" => "targeted marketing",
        "direct_marketing" => "direct marketing",
        "email_marketing" => "e-mail marketing",
        "calls_texts" => "marketing calls and texts",
        "cookies_tracking" => "cookies and tracking",
        "profiling" => "profiling",
        "automated_decision" => "automated decisions with significant effects",
        "credit_decision" => "credit decisions",
        "insurance_pricing" => "insurance pricing",
        "high_risk_ai" => "high-risk AI systems",
        "sale_sharing" => "selling or sharing personal data",
        "sensitive_data" => "sensitive data",
        "children" => "children's data",
        "chatbot" => "chatbots",
        "synthetic_content" => "synthetic content",
        "cx_analytics" => "customer analytics",
        "dsr_handling" => "answering people's requests",
        "data_breach" => "personal data breaches",
        "vendors" => "vendors that receive personal data",
        "ai_governance" => "AI systems",
        other => other,
    }
}

/// Whether a control runs by itself or needs a person's evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    /// A query over the live system with a pass/fail rule, run by custos.
    Automated,
    /// Evidence a person uploads (a policy, a review) with an owner and a review date.
    Manual,
}

/// A built-in control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Control {
    /// Stable id.
    pub id: &'static str,
    /// What it checks, in words.
    pub title: &'static str,
    /// The rule that makes it pass, in words.
    pub rule: &'static str,
    /// The catalog capabilities it evidences.
    pub capabilities: &'static [&'static str],
    /// Automated or manual.
    pub kind: ControlKind,
}

/// custos's automated controls. The queries behind them live in the service
/// (`custos_service::compliance`); the ids are the contract.
pub const CONTROLS: [Control; 15] = [
    Control {
        id: "consent_records_complete",
        title: "Every granted consent records the notice shown",
        rule: "Each consent in force as granted comes from an event with the notice version and the hash of its text (GDPR Art. 7(1)).",
        capabilities: &["consent", "notice_versioning"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "requests_on_time",
        title: "People's requests answered within their legal deadline",
        rule: "Over the last 90 days, every request closed by its due date (extensions included), and none open past it (GDPR Art. 12(3), CCPA 45 days).",
        capabilities: &["dsr_access", "dsr_erasure", "dsr_rectification", "dsr_portability"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "purposes_declared",
        title: "Every purpose has a legal basis, a retention period and its data categories",
        rule: "No purpose without a legal basis, a retention period of at least a day, or allowed data categories (GDPR Art. 5(1)(b), (c), (e); Art. 30).",
        capabilities: &["purpose_check", "records_of_processing", "limit_sensitive"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "retention_ran",
        title: "Retention ran in the last 24 hours",
        rule: "The retention run finished within the last 25 hours, and nothing it should have deleted (a value collected before its category's longest retention period, counted back from that run) is still held (GDPR Art. 5(1)(e)).",
        capabilities: &["retention", "dsr_erasure"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "opt_outs_honoured",
        title: "Opt-outs and Global Privacy Control honoured",
        rule: "Over the last 90 days, no gate check allowed a sale or sharing purpose for a subject in an opt-out jurisdiction who sent GPC (CCPA 1798.120, regs. 7025).",
        capabilities: &["gpc_signal", "opt_out_sale_share", "objection_profiling"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "decisions_gated",
        title: "Every decision about a customer passed the gate",
        rule: "Over the last 90 days, every decision a model made quotes a gate check that allowed it, and none acted on a check after the customer withdrew or refused consent for the purpose (GDPR Arts. 6, 7(3), 21; CAN-SPAM 7704(a)(4); ePrivacy Art. 13).",
        capabilities: &["consent", "purpose_check", "gate"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "significant_decisions_explained",
        title: "Significant decisions explained and open to human review",
        rule: "Over the last 90 days, every decision with a significant effect has a stored explanation; none waits in review past its due time; no oversight alert (reviewers confirming everything) is left unhandled for a week (GDPR Art. 22, AI Act Art. 14 and 26).",
        capabilities: &["explanation", "automated_decision_review", "human_oversight"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "models_validated_and_assessed",
        title: "Approved models validated and assessed",
        rule: "Every approved model version's approval is in date and it has a passing validation report younger than its AI system's policy allows (365 days by default), and every AI system that needs an approved DPIA or AI Act assessment has one (AI Act Arts. 9-15, 26; GDPR Art. 35).",
        capabilities: &["dpia"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "fairness_audits_current",
        title: "Fairness audits on schedule, their alerts handled",
        rule: "No audit schedule overdue by more than a day, and no fairness alert firing unacknowledged for more than 7 days (AI Act Art. 10, 26(5)).",
        capabilities: &["fairness_audit"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "monitors_watched",
        title: "Model monitors active and their alerts handled",
        rule: "At least one monitor exists if a model is approved, and no monitor alert is firing unacknowledged for more than 7 days (AI Act Art. 26(5), 72).",
        capabilities: &["drift_monitoring"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "breaches_notified",
        title: "Breaches notified in time, or the delay explained",
        rule: "Every notification made after its legal deadline records its reasons, and no incident clock is past its deadline without a notification (GDPR Art. 33(1)).",
        capabilities: &["breach_clock"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "processors_under_contract",
        title: "Every processor under a valid agreement, every transfer covered",
        rule: "No active processor or sub-processor without a data processing agreement in force, and no transfer without a mechanism (GDPR Arts. 28, 44-46).",
        capabilities: &["vendor_register"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "staff_trained",
        title: "Staff with access to personal data trained",
        rule: "Every staff member has every training their roles require, in date.",
        capabilities: &["training_records", "access_control"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "ai_interactions_disclosed",
        title: "People are told when they interact with AI",
        rule: "Every AI system customers interact with directly has a published disclosure, and it was served in the last 30 days (AI Act Art. 50(1)).",
        capabilities: &["ai_disclosure"],
        kind: ControlKind::Automated,
    },
    Control {
        id: "ledger_intact",
        title: "The audit ledger verifies and its checkpoint is fresh",
        rule: "Every leaf of the ledger verifies against its tree, and a signed checkpoint covers it from the last 25 hours.",
        capabilities: &["audit_log"],
        kind: ControlKind::Automated,
    },
];

/// One automated control by id.
pub fn control(id: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.id == id)
}

/// The id of the manual control for a capability no automated control covers.
pub fn manual_control_id(capability: &str) -> String {
    format!("manual.{capability}")
}

/// The controls of an obligation: the automated ones sharing one of its capabilities, then a
/// manual one for each capability none of them covers, as ids.
pub fn controls_for(o: &Obligation) -> Vec<String> {
    let mut out: Vec<String> = CONTROLS
        .iter()
        .filter(|c| c.capabilities.iter().any(|cap| o.capability.iter().any(|x| x == cap)))
        .map(|c| c.id.to_owned())
        .collect();
    for cap in &o.capability {
        if !CONTROLS.iter().any(|c| c.capabilities.contains(&cap.as_str())) {
            out.push(manual_control_id(cap));
        }
    }
    out
}

/// Where a control or an obligation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A control failed (listed first in reports).
    Failing,
    /// No evidence yet for some control, none failing.
    NotEvaluated,
    /// Every control passed.
    Passing,
    /// The obligation does not apply.
    NotApplicable,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failing => "failing",
            Self::NotEvaluated => "not_evaluated",
            Self::Passing => "passing",
            Self::NotApplicable => "not_applicable",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Failing => "Failing",
            Self::NotEvaluated => "Not evaluated",
            Self::Passing => "Passing",
            Self::NotApplicable => "Not applicable",
        }
    }
}

/// An applicable obligation's status from its controls' latest results (None: no evidence).
pub fn status(results: &[Option<bool>]) -> Status {
    if results.contains(&Some(false)) {
        Status::Failing
    } else if results.is_empty() || results.contains(&None) {
        Status::NotEvaluated
    } else {
        Status::Passing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    fn landscape(jurisdictions: &[&str], activities: &[&str]) -> Landscape {
        Landscape {
            jurisdictions: jurisdictions.iter().map(|s| (*s).to_owned()).collect(),
            activities: activities.iter().map(|a| ((*a).to_owned(), "seen".to_owned())).collect(),
            adopted: BTreeSet::new(),
        }
    }

    #[test]
    fn every_regulation_of_the_catalog_has_a_territory_or_is_voluntary() {
        let all = BTreeSet::from(["DE".to_owned()]);
        for o in catalog() {
            assert!(territory(&o.regulation, &all).is_some() || VOLUNTARY.contains(&o.regulation.as_str()), "{}", o.regulation);
        }
    }

    #[test]
    fn every_activity_of_the_catalog_has_words_and_is_seen_assumed_or_always() {
        let seen = [
            "personalization",
            "segmentation",
            "targeted_marketing",
            "direct_marketing",
            "profiling",
            "automated_decision",
            "high_risk_ai",
            "sale_sharing",
            "sensitive_data",
            "chatbot",
            "cx_analytics",
            "vendors",
            "ai_governance",
        ];
        for o in catalog() {
            for a in &o.applies_to {
                assert!(!words(a).contains('_'), "{a} has words");
                assert!(seen.contains(&a.as_str()) || UNSEEN_ACTIVITIES.contains(&a.as_str()) || ALWAYS.contains(&a.as_str()), "{a}");
            }
        }
    }

    #[test]
    fn the_gdpr_applies_to_subjects_in_the_eea_only() {
        let gdpr_all = crate::catalog::catalog()
            .iter()
            .find(|o| o.regulation == "GDPR" && o.applies_to.iter().any(|a| a == "all_processing"))
            .expect("one");
        let eu = applicability(gdpr_all, &landscape(&["DE"], &[]));
        assert!(eu.applies && !eu.assumed, "{eu:?}");
        assert!(eu.reason.contains("DE"), "{}", eu.reason);
        let us = applicability(gdpr_all, &landscape(&["US-CA"], &[]));
        assert!(!us.applies && us.reason.contains("US-CA"), "{us:?}");
        let no = applicability(gdpr_all, &landscape(&["NO"], &[]));
        assert!(no.applies, "Norway is in the EEA");
    }

    #[test]
    fn activity_duties_need_their_activity_and_unseen_ones_are_assumed() {
        let profiling_only: Vec<&Obligation> = catalog()
            .iter()
            .filter(|o| {
                o.regulation == "GDPR"
                    && o.applies_to.iter().any(|a| a == "profiling")
                    && o.applies_to.iter().all(|a| !ALWAYS.contains(&a.as_str()) && !UNSEEN_ACTIVITIES.contains(&a.as_str()))
            })
            .collect();
        let o = profiling_only.first().expect("a GDPR duty about profiling and other seen activities");
        assert!(!applicability(o, &landscape(&["FR"], &[])).applies);
        let seen = applicability(o, &landscape(&["FR"], &["profiling"]));
        assert!(seen.applies && seen.reason.contains("profiling"), "{seen:?}");
        let credit = catalog()
            .iter()
            .find(|o| o.applies_to == ["credit_decision"] && territory(&o.regulation, &["US-CA".to_owned()].into()) == Some(true));
        if let Some(o) = credit {
            let a = applicability(o, &landscape(&["US-CA"], &[]));
            assert!(a.applies && a.assumed && a.reason.starts_with("Assumed"), "{a:?}");
        }
    }

    #[test]
    fn voluntary_frameworks_apply_once_adopted() {
        let nist = catalog().iter().find(|o| o.regulation == "NIST AI RMF 1.0").expect("NIST");
        let mut l = landscape(&["US-CA"], &["ai_governance", "high_risk_ai", "profiling", "automated_decision"]);
        assert!(!applicability(nist, &l).applies);
        l.adopted.insert("NIST AI RMF 1.0".into());
        let adopted = applicability(nist, &l);
        assert!(!adopted.reason.contains("voluntary"), "{adopted:?}");
    }

    #[test]
    fn data_uses_show_activities() {
        assert_eq!(activities_of_data_use("personalize.content.profiled"), vec!["personalization"]);
        assert_eq!(activities_of_data_use("marketing.advertising.first_party.targeted"), vec!["targeted_marketing", "segmentation"]);
        assert_eq!(activities_of_data_use("marketing.communications.email"), vec!["direct_marketing", "email_marketing"]);
        assert!(activities_of_data_use("essential.service").is_empty());
        assert!(activities_of_data_use("personalized").is_empty(), "a prefix is a whole segment");
    }

    #[test]
    fn obligations_map_to_automated_controls_and_manual_ones_for_the_rest() {
        let capabilities: BTreeSet<&str> = catalog().iter().flat_map(|o| o.capability.iter().map(String::as_str)).collect();
        for c in CONTROLS {
            for cap in c.capabilities {
                assert!(capabilities.contains(cap), "{}: {cap} is a catalog capability", c.id);
            }
        }
        for o in catalog() {
            let ids = controls_for(o);
            assert!(!ids.is_empty(), "{} has a control", o.id);
            for cap in &o.capability {
                assert!(
                    ids.iter()
                        .any(|id| control(id).is_some_and(|c| c.capabilities.contains(&cap.as_str())) || *id == manual_control_id(cap)),
                    "{}: {cap} covered",
                    o.id
                );
            }
        }
        let ids: BTreeSet<&str> = CONTROLS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CONTROLS.len(), "ids are unique");
    }

    #[test]
    fn status_folds_results() {
        assert_eq!(status(&[Some(true), Some(true)]), Status::Passing);
        assert_eq!(status(&[Some(true), None]), Status::NotEvaluated);
        assert_eq!(status(&[None, Some(false)]), Status::Failing);
        assert_eq!(status(&[]), Status::NotEvaluated);
    }
}

//! The EU AI Act classifier (Regulation (EU) 2024/1689): from the facts of a use case, the
//! risk tier of the AI system, each step of the reasoning with its article, and the catalog
//! obligations that follow for the organisation's role.
//!
//! The order follows the Act:
//! 1. Art. 5: a prohibited practice ends the assessment ([`Tier::Prohibited`]).
//! 2. Art. 6(1): a safety component of a product under the EU product laws of Annex I is
//!    high-risk; the Annex III steps are then skipped (the Annex III duties such as the
//!    fundamental rights impact assessment attach to Art. 6(2) systems).
//! 3. Art. 6(2) and Annex III: a system used in a listed area is high-risk, except fraud
//!    detection under the credit point 5(b), and except where an Art. 6(3) condition applies
//!    and the system does not profile people (Art. 6(3), last subparagraph). Emotion
//!    recognition from biometric data is itself listed (Annex III point 1(c)), so it counts
//!    as the biometrics area when no other area is chosen.
//! 4. Art. 50: chatbots, generated content, deep fakes, emotion recognition, biometric
//!    categorisation and AI-written public-interest text carry transparency duties. They make
//!    a system [`Tier::Limited`] unless it is already high-risk, in which case it stays high-risk
//!    with `transparency` set (a high-risk chatbot has both).
//! 5. Otherwise [`Tier::Minimal`].
//!
//! The legal facts (titles, citations, application dates) come from [`crate::catalog`], not
//! from this code: an amendment changes the catalog, not the classifier. Art. 50(1) and (2)
//! bind providers and Art. 50(3) and (4) deployers; the transparency entries are listed for
//! every role, since a deployer depends on the provider's part and the other way round.
//!
//! Not modelled: public bodies and private entities providing public services, which also
//! owe a fundamental rights impact assessment (Art. 27(1)); custos's users are businesses, so
//! AIA-27 is triggered only for deployers of credit-scoring and life or health insurance
//! systems. General-purpose AI models (Chapter V) are out of scope. Not legal advice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog;
use crate::questionnaire::{self, AnswerError, Answers};

/// Key of the AI Act classification questionnaire.
pub const AI_ACT_KEY: &str = "ai_act";

/// The version of the AI Act questionnaire whose question keys [`use_case`] reads.
pub const AI_ACT_VERSION: u32 = 1;

pub use crate::names::UnknownValue;
use crate::names::named_enum;

/// The risk tier of an AI system under the AI Act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A practice banned by Art. 5: the system may not be offered or used in the EU.
    Prohibited,
    /// A high-risk system (Art. 6): the requirements of Chapter III apply.
    High,
    /// Not high-risk, but with the transparency duties of Art. 50.
    Limited,
    /// None of the above: only the general duties (AI literacy) apply.
    Minimal,
}

named_enum!(Tier, "tier", { Prohibited => "prohibited", High => "high", Limited => "limited", Minimal => "minimal" });

impl Tier {
    /// The tier in plain words, for business staff.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Prohibited => "prohibited practice",
            Self::High => "high-risk",
            Self::Limited => "limited risk (transparency duties)",
            Self::Minimal => "minimal risk",
        }
    }
}

/// The organisation's role for an AI system, which decides whose duties apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Develops the system (or has it developed) and offers or uses it under its own name
    /// (Art. 3(3)).
    Provider,
    /// Uses the system under its authority in its business (Art. 3(4)).
    Deployer,
    /// Builds the system and uses it itself: both sets of duties.
    ProviderAndDeployer,
}

named_enum!(Role, "role", { Provider => "provider", Deployer => "deployer", ProviderAndDeployer => "provider_and_deployer" });

impl Role {
    /// Whether the provider's duties apply.
    pub const fn is_provider(self) -> bool {
        matches!(self, Self::Provider | Self::ProviderAndDeployer)
    }

    /// Whether the deployer's duties apply.
    pub const fn is_deployer(self) -> bool {
        matches!(self, Self::Deployer | Self::ProviderAndDeployer)
    }

    /// The role in plain words.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Deployer => "deployer",
            Self::ProviderAndDeployer => "provider and deployer",
        }
    }
}

/// The high-risk areas of Annex III, as the questionnaire offers them (point 5 is split into
/// its four sub-points, because they carry different duties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnexIiiArea {
    /// Point 1: remote biometric identification, categorisation by sensitive or protected
    /// attributes, emotion recognition.
    Biometrics,
    /// Point 2: safety components of critical infrastructure.
    CriticalInfrastructure,
    /// Point 3: admission, grading, placement, test monitoring in education.
    Education,
    /// Point 4: recruitment and decisions about workers.
    Employment,
    /// Point 5(a): eligibility for essential public benefits and services.
    EssentialPublicServices,
    /// Point 5(b): creditworthiness and credit scores of natural persons (not fraud detection).
    Creditworthiness,
    /// Point 5(c): risk assessment and pricing of life and health insurance.
    LifeHealthInsurance,
    /// Point 5(d): emergency calls, dispatch and emergency triage.
    EmergencyCalls,
    /// Point 6: law enforcement.
    LawEnforcement,
    /// Point 7: migration, asylum and border control.
    MigrationBorder,
    /// Point 8: administration of justice and democratic processes.
    JusticeDemocracy,
}

named_enum!(AnnexIiiArea, "Annex III area", {
    Biometrics => "biometrics",
    CriticalInfrastructure => "critical_infrastructure",
    Education => "education",
    Employment => "employment",
    EssentialPublicServices => "essential_public_services",
    Creditworthiness => "creditworthiness",
    LifeHealthInsurance => "life_health_insurance",
    EmergencyCalls => "emergency_calls",
    LawEnforcement => "law_enforcement",
    MigrationBorder => "migration_border",
    JusticeDemocracy => "justice_democracy",
});

impl AnnexIiiArea {
    /// The point of Annex III, e.g. "5(b)".
    pub const fn point(self) -> &'static str {
        match self {
            Self::Biometrics => "1",
            Self::CriticalInfrastructure => "2",
            Self::Education => "3",
            Self::Employment => "4",
            Self::EssentialPublicServices => "5(a)",
            Self::Creditworthiness => "5(b)",
            Self::LifeHealthInsurance => "5(c)",
            Self::EmergencyCalls => "5(d)",
            Self::LawEnforcement => "6",
            Self::MigrationBorder => "7",
            Self::JusticeDemocracy => "8",
        }
    }

    /// The area in plain words.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Biometrics => "biometrics",
            Self::CriticalInfrastructure => "safety of critical infrastructure",
            Self::Education => "education and vocational training",
            Self::Employment => "employment and workers' management",
            Self::EssentialPublicServices => "eligibility for essential public benefits and services",
            Self::Creditworthiness => "creditworthiness and credit scores",
            Self::LifeHealthInsurance => "life and health insurance risk and pricing",
            Self::EmergencyCalls => "emergency calls and triage",
            Self::LawEnforcement => "law enforcement",
            Self::MigrationBorder => "migration, asylum and border control",
            Self::JusticeDemocracy => "justice and democratic processes",
        }
    }

    /// Whether the area is one of the two private-sector points (credit, life and health
    /// insurance) for which deployers owe a fundamental rights impact assessment (Art. 27(1)).
    pub const fn needs_fria(self) -> bool {
        matches!(self, Self::Creditworthiness | Self::LifeHealthInsurance)
    }
}

/// The conditions of Art. 6(3) under which an Annex III system is not high-risk (unless it
/// profiles people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exemption {
    /// (a) a narrow procedural task.
    NarrowProceduralTask,
    /// (b) improving the result of a previously completed human activity.
    ImprovesCompletedHumanActivity,
    /// (c) detecting decision patterns or deviations without replacing or influencing the
    /// completed human assessment without proper human review.
    DetectsPatternsWithoutReplacingHumanAssessment,
    /// (d) a preparatory task to an assessment relevant to an Annex III use case.
    PreparatoryTask,
}

named_enum!(Exemption, "Art. 6(3) condition", {
    NarrowProceduralTask => "narrow_procedural_task",
    ImprovesCompletedHumanActivity => "improves_completed_human_activity",
    DetectsPatternsWithoutReplacingHumanAssessment => "detects_patterns_without_replacing_human_assessment",
    PreparatoryTask => "preparatory_task",
});

impl Exemption {
    /// The point of Art. 6(3), second subparagraph, e.g. "(d)".
    pub const fn point(self) -> &'static str {
        match self {
            Self::NarrowProceduralTask => "(a)",
            Self::ImprovesCompletedHumanActivity => "(b)",
            Self::DetectsPatternsWithoutReplacingHumanAssessment => "(c)",
            Self::PreparatoryTask => "(d)",
        }
    }

    /// The condition in plain words.
    pub const fn label(self) -> &'static str {
        match self {
            Self::NarrowProceduralTask => "a narrow procedural task",
            Self::ImprovesCompletedHumanActivity => "improving the result of completed human work",
            Self::DetectsPatternsWithoutReplacingHumanAssessment => "detecting decision patterns without replacing the human assessment",
            Self::PreparatoryTask => "a preparatory task to an assessment",
        }
    }
}

/// Every fact the `ai_act` questionnaire asks, typed. Field names equal the question keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UseCase {
    /// Art. 5(1)(a): manipulative or deceptive techniques causing significant harm.
    pub manipulative_techniques: bool,
    /// Art. 5(1)(b): exploiting vulnerabilities of age, disability, social or economic situation.
    pub exploits_vulnerabilities: bool,
    /// Art. 5(1)(c): social scoring leading to detrimental treatment.
    pub social_scoring: bool,
    /// Art. 5(1)(d): predicting criminal offences from profiling or personality alone.
    pub crime_prediction: bool,
    /// Art. 5(1)(e): untargeted scraping of facial images for recognition databases.
    pub facial_scraping: bool,
    /// Art. 5(1)(f): emotion recognition at work or in education (not for medical or safety reasons).
    pub workplace_emotion_recognition: bool,
    /// Art. 5(1)(g): biometric categorisation inferring sensitive traits.
    pub sensitive_biometric_categorisation: bool,
    /// Art. 5(1)(h): real-time remote biometric identification in public for law enforcement.
    pub realtime_biometric_identification: bool,
    /// Art. 6(1): safety component of (or itself) a product under Annex I needing third-party assessment.
    pub annex_i_safety_component: bool,
    /// Art. 6(2): the Annex III area the system is used in, if any.
    pub annex_iii_area: Option<AnnexIiiArea>,
    /// Annex III point 5(b): the credit system only detects financial fraud.
    pub fraud_detection_only: bool,
    /// Art. 6(3): the conditions claimed (empty: none).
    pub exemptions: Vec<Exemption>,
    /// The system profiles natural persons (GDPR Art. 4(4)); bars the Art. 6(3) exemptions.
    pub profiling: bool,
    /// Art. 50(1): interacts directly with people.
    pub interacts_with_people: bool,
    /// Art. 50(2): generates synthetic audio, image, video or text.
    pub generates_synthetic_content: bool,
    /// Art. 50(4), first subparagraph: produces deep fakes.
    pub deep_fake: bool,
    /// Art. 50(3): emotion recognition from biometric data.
    pub emotion_recognition: bool,
    /// Art. 50(3): biometric categorisation.
    pub biometric_categorisation: bool,
    /// Art. 50(4), second subparagraph: AI-written text published on matters of public interest.
    pub public_interest_text: bool,
}

/// One step of the reasoning, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The provision applied, e.g. "Art. 6(3), last subparagraph".
    pub article: String,
    /// The question it asks, e.g. "Does the system profile natural persons?".
    pub question: String,
    /// The answer for this use case, e.g. "yes".
    pub answer: String,
    /// What follows, e.g. "the Art. 6(3) exemptions cannot be used: high-risk".
    pub outcome: String,
}

/// An obligation of the catalog triggered by the classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triggered {
    /// Catalog id, e.g. "AIA-27".
    pub id: String,
    /// Short label from the catalog.
    pub title: String,
    /// The article it rests on, from the catalog.
    pub citation: String,
    /// The first "applies from YYYY-MM-DD" date of the entry's numbers (see [`applies_from`]).
    pub applies_from: Option<NaiveDate>,
    /// Whether the catalog entry was checked against the primary text.
    pub verified: bool,
}

/// The result of [`classify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// The risk tier.
    pub tier: Tier,
    /// Whether Art. 50 transparency duties apply (also for high-risk systems).
    pub transparency: bool,
    /// The reasoning, step by step; the last step cites `decided_by` and states the tier.
    pub path: Vec<Step>,
    /// The provision that decided the tier, e.g. "Art. 6(2), Annex III point 5(b)".
    pub decided_by: String,
    /// Catalog obligations for this tier and role, without duplicates, AI literacy first.
    pub obligations: Vec<Triggered>,
}

/// Reads the typed facts from answers to the `ai_act` questionnaire (version
/// [`AI_ACT_VERSION`]). The answers are checked first ([`questionnaire::check`], as a draft);
/// missing answers count as "no" or "none", and the `none` option of the exemptions as no
/// exemption.
pub fn use_case(answers: &Answers) -> Result<UseCase, AnswerError> {
    questionnaire::check(ai_act_questionnaire()?, answers, false)?;
    let yes = |key: &str| answers.get(key).and_then(Value::as_bool).unwrap_or(false);
    let annex_iii_area = match answers.get("annex_iii_area").and_then(Value::as_str) {
        None | Some("none") => None,
        Some(text) => Some(AnnexIiiArea::parse(text).map_err(|e| AnswerError::new("annex_iii_area", e.to_string()))?),
    };
    let exemptions = answers
        .get("exemptions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .filter(|text| *text != "none")
                .map(|text| Exemption::parse(text).map_err(|e| AnswerError::new("exemptions", e.to_string())))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(UseCase {
        manipulative_techniques: yes("manipulative_techniques"),
        exploits_vulnerabilities: yes("exploits_vulnerabilities"),
        social_scoring: yes("social_scoring"),
        crime_prediction: yes("crime_prediction"),
        facial_scraping: yes("facial_scraping"),
        workplace_emotion_recognition: yes("workplace_emotion_recognition"),
        sensitive_biometric_categorisation: yes("sensitive_biometric_categorisation"),
        realtime_biometric_identification: yes("realtime_biometric_identification"),
        annex_i_safety_component: yes("annex_i_safety_component"),
        annex_iii_area,
        fraud_detection_only: yes("fraud_detection_only"),
        exemptions,
        profiling: yes("profiling"),
        interacts_with_people: yes("interacts_with_people"),
        generates_synthetic_content: yes("generates_synthetic_content"),
        deep_fake: yes("deep_fake"),
        emotion_recognition: yes("emotion_recognition"),
        biometric_categorisation: yes("biometric_categorisation"),
        public_interest_text: yes("public_interest_text"),
    })
}

/// The optional `role` answer of the `ai_act` questionnaire, for callers that do not take the
/// role from the AI system record.
pub fn role_answer(answers: &Answers) -> Result<Option<Role>, AnswerError> {
    match answers.get("role") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Role::parse(text).map(Some).map_err(|e| AnswerError::new("role", e.to_string())),
        Some(_) => Err(AnswerError::new("role", "expected one option, as text")),
    }
}

fn ai_act_questionnaire() -> Result<&'static questionnaire::Questionnaire, AnswerError> {
    questionnaire::questionnaire(AI_ACT_KEY, AI_ACT_VERSION)
        .ok_or_else(|| AnswerError::new(AI_ACT_KEY, format!("version {AI_ACT_VERSION} of the questionnaire is not embedded")))
}

/// Rules of the AI Act questionnaire that span several answers, applied by
/// [`questionnaire::check`]: "none" of the exemptions cannot be chosen with a condition.
pub(crate) fn cross_rules(answers: &Answers) -> Result<(), AnswerError> {
    if let Some(items) = answers.get("exemptions").and_then(Value::as_array)
        && items.len() > 1
        && items.iter().any(|item| item.as_str() == Some("none"))
    {
        return Err(AnswerError::new("exemptions", "\"none\" cannot be chosen together with a condition"));
    }
    Ok(())
}

/// A point of Art. 5(1).
struct ProhibitedPoint {
    letter: &'static str,
    obligation: &'static str,
    question: &'static str,
    practice: &'static str,
}

const ART5: [ProhibitedPoint; 8] = [
    ProhibitedPoint {
        letter: "a",
        obligation: "AIA-5-1-a",
        question: "Does the system use manipulative or deceptive techniques that distort people's decisions and cause significant harm?",
        practice: "harmful manipulation or deception",
    },
    ProhibitedPoint {
        letter: "b",
        obligation: "AIA-5-1-b",
        question: "Does the system exploit vulnerabilities due to age, disability or social or economic situation, causing significant harm?",
        practice: "exploitation of vulnerable people",
    },
    ProhibitedPoint {
        letter: "c",
        obligation: "AIA-5-1-c",
        question: "Does the system score people by social behaviour or traits, leading to unrelated or disproportionate detrimental treatment?",
        practice: "social scoring",
    },
    ProhibitedPoint {
        letter: "d",
        obligation: "AIA-5-1-d",
        question: "Does the system predict criminal offences from profiling or personality traits alone?",
        practice: "crime prediction from profiling alone",
    },
    ProhibitedPoint {
        letter: "e",
        obligation: "AIA-5-1-e",
        question: "Does the system build facial recognition databases by untargeted scraping of images from the internet or CCTV?",
        practice: "untargeted scraping of facial images",
    },
    ProhibitedPoint {
        letter: "f",
        obligation: "AIA-5-1-f",
        question: "Does the system infer emotions of people at work or in education, other than for medical or safety reasons?",
        practice: "emotion recognition at work or in education",
    },
    ProhibitedPoint {
        letter: "g",
        obligation: "AIA-5-1-g",
        question: "Does the system infer race, political opinions, union membership, beliefs, sex life or orientation from biometric data?",
        practice: "biometric categorisation by sensitive traits",
    },
    ProhibitedPoint {
        letter: "h",
        obligation: "AIA-5-1-h",
        question: "Is the system used for real-time remote biometric identification in public spaces for law enforcement?",
        practice: "real-time remote biometric identification for law enforcement",
    },
];

fn art5_answers(case: &UseCase) -> [bool; 8] {
    [
        case.manipulative_techniques,
        case.exploits_vulnerabilities,
        case.social_scoring,
        case.crime_prediction,
        case.facial_scraping,
        case.workplace_emotion_recognition,
        case.sensitive_biometric_categorisation,
        case.realtime_biometric_identification,
    ]
}

/// A transparency situation of Art. 50.
struct TransparencyFact {
    paragraph: u8,
    article: &'static str,
    obligation: &'static str,
    question: &'static str,
    outcome: &'static str,
}

const ART50: [TransparencyFact; 6] = [
    TransparencyFact {
        paragraph: 1,
        article: "Art. 50(1)",
        obligation: "AIA-50-1",
        question: "Does the system interact directly with people?",
        outcome: "people must be told they are dealing with an AI system, unless that is obvious",
    },
    TransparencyFact {
        paragraph: 2,
        article: "Art. 50(2)",
        obligation: "AIA-50-2-4",
        question: "Does the system generate synthetic audio, images, video or text?",
        outcome: "the provider must mark the output as AI-generated in a machine-readable, detectable way",
    },
    TransparencyFact {
        paragraph: 3,
        article: "Art. 50(3)",
        obligation: "AIA-50-1",
        question: "Does the system recognise emotions from biometric data?",
        outcome: "the deployer must inform the people exposed to it",
    },
    TransparencyFact {
        paragraph: 3,
        article: "Art. 50(3)",
        obligation: "AIA-50-1",
        question: "Does the system categorise people from biometric data?",
        outcome: "the deployer must inform the people exposed to it",
    },
    TransparencyFact {
        paragraph: 4,
        article: "Art. 50(4), first subparagraph",
        obligation: "AIA-50-2-4",
        question: "Does the system produce deep fakes?",
        outcome: "the deployer must disclose that the content was generated or manipulated by AI",
    },
    TransparencyFact {
        paragraph: 4,
        article: "Art. 50(4), second subparagraph",
        obligation: "AIA-50-2-4",
        question: "Does the system write text published to inform the public on matters of public interest, without editorial review?",
        outcome: "the deployer must disclose that the text was generated or manipulated by AI",
    },
];

fn art50_answers(case: &UseCase) -> [bool; 6] {
    [
        case.interacts_with_people,
        case.generates_synthetic_content,
        case.emotion_recognition,
        case.biometric_categorisation,
        case.deep_fake,
        case.public_interest_text,
    ]
}

const Q_ANNEX_I: &str = "Is the system a safety component of a product (or itself a product) under the EU product laws of Annex I, \
                         needing a third-party conformity assessment?";
const Q_AREA: &str = "In which area listed in Annex III is the system used?";
const Q_EXEMPTIONS: &str = "Does the system only perform a narrow procedural task, improve completed human work, detect decision patterns \
                            without replacing the human assessment, or prepare an assessment?";
const Q_PROFILING: &str = "Does the system profile natural persons?";

fn step(article: impl Into<String>, question: &str, answer: impl Into<String>, outcome: impl Into<String>) -> Step {
    Step { article: article.into(), question: question.to_owned(), answer: answer.into(), outcome: outcome.into() }
}

/// What the Annex III part of the assessment found.
enum AnnexIii {
    /// No area applies.
    NotListed,
    /// An area was set aside by the named provision (fraud exclusion, Art. 6(3)).
    SetAside(&'static str),
    /// High-risk through an area, decided by the named provision.
    High { decided_by: String, area: AnnexIiiArea },
}

/// Annex III, the fraud exclusion of point 5(b), emotion recognition (point 1(c)) and Art. 6(3).
fn annex_iii(case: &UseCase, role: Role, path: &mut Vec<Step>, ids: &mut Vec<&'static str>) -> AnnexIii {
    let mut area = case.annex_iii_area;
    let mut set_aside = None;
    match area {
        None => path.push(step("Art. 6(2) and Annex III", Q_AREA, "none of them", "no Annex III area chosen")),
        Some(a) => path.push(step(
            format!("Art. 6(2), Annex III point {}", a.point()),
            Q_AREA,
            a.label(),
            "listed in Annex III: high-risk unless an exclusion or an Art. 6(3) condition applies",
        )),
    }
    if area == Some(AnnexIiiArea::Creditworthiness) && case.fraud_detection_only {
        path.push(step(
            "Annex III point 5(b)",
            "Is the system used only to detect financial fraud?",
            "yes",
            "point 5(b) leaves out fraud detection: not high-risk on this ground",
        ));
        area = None;
        set_aside = Some("Annex III point 5(b)");
    }
    let mut point = area.map(AnnexIiiArea::point);
    if area.is_none() && case.emotion_recognition {
        path.push(step(
            "Annex III point 1(c)",
            "Does the system recognise emotions from biometric data?",
            "yes",
            "emotion recognition systems are listed in Annex III point 1(c): assessed as a biometrics system",
        ));
        area = Some(AnnexIiiArea::Biometrics);
        point = Some("1(c)");
    }
    let (Some(area), Some(point)) = (area, point) else {
        return set_aside.map_or(AnnexIii::NotListed, AnnexIii::SetAside);
    };
    let annex = format!("Annex III point {point}");
    if case.exemptions.is_empty() {
        path.push(step("Art. 6(3)", Q_EXEMPTIONS, "no", format!("no exemption claimed: high-risk under Art. 6(2) and {annex}")));
        return AnnexIii::High { decided_by: format!("Art. 6(2), {annex}"), area };
    }
    let claimed: Vec<String> = case.exemptions.iter().map(|e| format!("{} {}", e.point(), e.label())).collect();
    path.push(step(
        "Art. 6(3), second subparagraph",
        Q_EXEMPTIONS,
        claimed.join("; "),
        "a condition is claimed: not high-risk, unless the system profiles people",
    ));
    ids.push("AIA-6-3");
    if case.profiling {
        path.push(step("Art. 6(3), last subparagraph", Q_PROFILING, "yes", "the Art. 6(3) exemptions cannot be used: high-risk"));
        return AnnexIii::High { decided_by: "Art. 6(3), last subparagraph".to_owned(), area };
    }
    let duty = if role.is_provider() {
        "you, as provider, must document this assessment before placing the system on the market or putting it into service (Art. 6(4)) \
         and register the system in the EU database (Art. 49(2))"
    } else {
        "the provider must have documented this assessment (Art. 6(4)) and registered the system in the EU database (Art. 49(2)); \
         ask the provider for that documentation"
    };
    path.push(step("Art. 6(3)", Q_PROFILING, "no", format!("not high-risk under Art. 6(3); {duty}")));
    AnnexIii::SetAside("Art. 6(3)")
}

/// "Art. 50(1)", "Art. 50(2) and (4)", "Art. 50(1), (3) and (4)": the paragraphs that apply.
fn art50_citation(paragraphs: &[u8]) -> String {
    let mut distinct: Vec<u8> = paragraphs.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let parts: Vec<String> = distinct.iter().map(|p| format!("({p})")).collect();
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("Art. 50{} and {last}", rest.join(", ")),
        Some((last, _)) => format!("Art. 50{last}"),
        None => "Art. 50".to_owned(),
    }
}

/// Classifies a use case for an organisation in `role`, explaining each step (see the module
/// documentation for the order of the rules and what is not modelled).
///
/// Obligations: always AI literacy (AIA-4). Prohibited: the entry of each Art. 5(1) point hit.
/// High-risk: the classification entry (AIA-6-1, AIA-6-ANNEX-III-5 for credit and insurance,
/// AIA-6-ANNEX-III-OTHER for the other areas, AIA-6-3 when exemptions were claimed), the
/// provider's requirements (AIA-9, AIA-10, AIA-12-13, AIA-14, AIA-15) and the deployer's duties
/// (AIA-26-1-5, AIA-26-6, AIA-26-9-11; AIA-27 for credit and life or health insurance; AIA-86
/// for Annex III systems other than critical infrastructure), by role. Not high-risk through
/// Art. 6(3): AIA-6-3. Transparency: AIA-50-1 (interaction, emotion recognition, biometric
/// categorisation) and AIA-50-2-4 (synthetic content, deep fakes, public-interest text).
pub fn classify(case: &UseCase, role: Role) -> Classification {
    let mut path = Vec::new();
    let mut ids: Vec<&'static str> = vec!["AIA-4"];

    let hits: Vec<&ProhibitedPoint> = ART5.iter().zip(art5_answers(case)).filter_map(|(point, hit)| hit.then_some(point)).collect();
    if let Some(first) = hits.first() {
        for point in &hits {
            path.push(step(
                format!("Art. 5(1)({})", point.letter),
                point.question,
                "yes",
                format!("prohibited practice: {}", point.practice),
            ));
            ids.push(point.obligation);
        }
        return finish(Tier::Prohibited, false, format!("Art. 5(1)({})", first.letter), path, &ids);
    }
    path.push(step(
        "Art. 5(1)",
        "Does the system use any of the practices banned by Art. 5(1), points (a) to (h)?",
        "no",
        "not a prohibited practice: continue with the high-risk rules",
    ));

    let mut high: Option<String> = None;
    let mut set_aside: Option<&'static str> = None;
    if case.annex_i_safety_component {
        path.push(step("Art. 6(1)", Q_ANNEX_I, "yes", "high-risk as a safety component of a regulated product"));
        high = Some("Art. 6(1)".to_owned());
        ids.push("AIA-6-1");
    } else {
        path.push(step("Art. 6(1)", Q_ANNEX_I, "no", "not high-risk on this ground: continue with Annex III"));
        match annex_iii(case, role, &mut path, &mut ids) {
            AnnexIii::NotListed => {}
            AnnexIii::SetAside(by) => set_aside = Some(by),
            AnnexIii::High { decided_by, area } => {
                high = Some(decided_by);
                ids.push(if area.needs_fria() { "AIA-6-ANNEX-III-5" } else { "AIA-6-ANNEX-III-OTHER" });
                if role.is_deployer() && area.needs_fria() {
                    ids.push("AIA-27");
                }
                if role.is_deployer() && area != AnnexIiiArea::CriticalInfrastructure {
                    ids.push("AIA-86");
                }
            }
        }
    }
    if high.is_some() {
        if role.is_provider() {
            ids.extend(["AIA-9", "AIA-10", "AIA-12-13", "AIA-14", "AIA-15"]);
        }
        if role.is_deployer() {
            ids.extend(["AIA-26-1-5", "AIA-26-6", "AIA-26-9-11"]);
        }
    }

    let facts: Vec<&TransparencyFact> = ART50.iter().zip(art50_answers(case)).filter_map(|(fact, yes)| yes.then_some(fact)).collect();
    if facts.is_empty() {
        path.push(step(
            "Art. 50",
            "Does the system chat with people, generate content or deep fakes, recognise emotions, categorise people from biometric \
             data, or write public-interest text?",
            "no",
            "no transparency duty under Art. 50",
        ));
    }
    for fact in &facts {
        path.push(step(fact.article, fact.question, "yes", format!("transparency duty: {}", fact.outcome)));
        ids.push(fact.obligation);
    }
    let transparency = !facts.is_empty();

    let (tier, decided_by) = match (high, transparency) {
        (Some(decided_by), _) => (Tier::High, decided_by),
        (None, true) => (Tier::Limited, art50_citation(&facts.iter().map(|f| f.paragraph).collect::<Vec<_>>())),
        (None, false) => (Tier::Minimal, set_aside.unwrap_or("Art. 6 and Art. 50 (none apply)").to_owned()),
    };
    finish(tier, transparency, decided_by, path, &ids)
}

/// Adds the concluding step (citing `decided_by`) and looks the obligations up in the catalog.
fn finish(tier: Tier, transparency: bool, decided_by: String, mut path: Vec<Step>, ids: &[&str]) -> Classification {
    let outcome = match tier {
        Tier::Prohibited => "prohibited: the system may not be placed on the market, put into service or used in the EU",
        Tier::High if transparency => "high-risk: the high-risk requirements apply, and so do the Art. 50 transparency duties",
        Tier::High => "high-risk: the high-risk requirements apply",
        Tier::Limited => "limited risk: the Art. 50 transparency duties apply",
        Tier::Minimal => "minimal risk: no duty specific to this system beyond AI literacy (Art. 4)",
    };
    path.push(step(decided_by.clone(), "Which risk tier follows?", tier.label(), outcome));
    Classification { tier, transparency, path, decided_by, obligations: triggered(ids) }
}

/// The catalog entries for `ids`, once each, in order. An id missing from the catalog is left
/// out (the tests check that every id this module uses exists).
fn triggered(ids: &[&str]) -> Vec<Triggered> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for id in ids {
        if seen.contains(id) {
            continue;
        }
        seen.push(id);
        if let Some(o) = catalog::obligation(id) {
            out.push(Triggered {
                id: o.id.clone(),
                title: o.title.clone(),
                citation: o.citation.clone(),
                applies_from: applies_from(&o.numbers),
                verified: o.verified,
            });
        }
    }
    out
}

/// The first date written as "applies from YYYY-MM-DD" (or "apply from YYYY-MM-DD", any
/// letter case) in an obligation's `numbers`, in order. Dates are data: when an amendment moves
/// one, the catalog changes and the classifier follows. Markers without an ISO date after
/// them are skipped; "reported: ... from ..." lines of unconfirmed amendments do not count.
pub fn applies_from(numbers: &[String]) -> Option<NaiveDate> {
    numbers.iter().find_map(|text| first_marked_date(text))
}

fn first_marked_date(text: &str) -> Option<NaiveDate> {
    const MARKERS: [&str; 2] = ["applies from ", "apply from "];
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` are valid in `text`.
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let (at, len) = MARKERS.iter().filter_map(|m| lower.get(from..)?.find(m).map(|i| (from + i, m.len()))).min()?;
        let start = at + len;
        if let Some(date) = text.get(start..start + 10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
            return Some(date);
        }
        from = start;
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

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn applies_from_reads_the_first_marked_date() {
        let numbers = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(applies_from(&numbers(&["applies from 2025-02-02", "fine up to EUR 35,000,000"])), Some(date(2025, 2, 2)));
        assert_eq!(applies_from(&numbers(&["at the latest at the first interaction", "applies from 2026-08-02"])), Some(date(2026, 8, 2)));
        assert_eq!(
            applies_from(&numbers(&["Annex III high-risk obligations apply from 2026-08-02 under the original Art. 113"])),
            Some(date(2026, 8, 2))
        );
        assert_eq!(applies_from(&numbers(&["Applies from 2027-08-02"])), Some(date(2027, 8, 2)), "any letter case");
        assert_eq!(applies_from(&numbers(&["applies from August 2026; applies from 2026-08-02"])), Some(date(2026, 8, 2)));
        assert_eq!(applies_from(&numbers(&["applies from 2026-02-30"])), None, "not a date");
        assert_eq!(applies_from(&numbers(&["reported: Annex III high-risk from 2027-12-02"])), None);
        assert_eq!(applies_from(&numbers(&["applies from 2026"])), None);
        assert_eq!(applies_from(&numbers(&["ünïcödé applies from 2025-02-02"])), Some(date(2025, 2, 2)));
        assert_eq!(applies_from(&[]), None);
    }

    #[test]
    fn catalog_dates_flow_into_the_obligations() {
        let c = classify(&UseCase { interacts_with_people: true, ..UseCase::default() }, Role::Deployer);
        let by_id = |id: &str| c.obligations.iter().find(|o| o.id == id).expect(id);
        assert_eq!(by_id("AIA-4").applies_from, Some(date(2025, 2, 2)));
        assert_eq!(by_id("AIA-50-1").applies_from, Some(date(2026, 8, 2)));
        assert!(by_id("AIA-4").verified);
    }

    #[test]
    fn every_obligation_id_used_is_in_the_catalog() {
        let ids = ART5.iter().map(|p| p.obligation).chain(ART50.iter().map(|f| f.obligation)).chain([
            "AIA-4",
            "AIA-6-1",
            "AIA-6-3",
            "AIA-6-ANNEX-III-5",
            "AIA-6-ANNEX-III-OTHER",
            "AIA-9",
            "AIA-10",
            "AIA-12-13",
            "AIA-14",
            "AIA-15",
            "AIA-26-1-5",
            "AIA-26-6",
            "AIA-26-9-11",
            "AIA-27",
            "AIA-86",
            "EDPB-WP248",
            "GDPR-35-4",
            "GDPR-36",
        ]);
        for id in ids {
            assert!(catalog::obligation(id).is_some(), "{id} is in the catalog");
        }
        for letter in ["c", "d", "e", "f", "g", "h"] {
            let o = catalog::obligation(&format!("AIA-5-1-{letter}")).expect("entry");
            assert_eq!(applies_from(&o.numbers), Some(date(2025, 2, 2)), "{}", o.id);
        }
    }

    #[test]
    fn the_questionnaire_options_are_the_enums() {
        let q = questionnaire::questionnaire(AI_ACT_KEY, AI_ACT_VERSION).expect("ai_act v1");
        let options = |key: &str| match &q.question(key).expect(key).kind {
            questionnaire::QuestionKind::Choice { options } | questionnaire::QuestionKind::MultiChoice { options } => {
                options.iter().map(|o| o.value.clone()).filter(|v| v != "none").collect::<Vec<_>>()
            }
            other => panic!("{key} is {other:?}"),
        };
        assert_eq!(options("annex_iii_area"), AnnexIiiArea::ALL.iter().map(|a| a.as_str().to_owned()).collect::<Vec<_>>());
        assert_eq!(options("exemptions"), Exemption::ALL.iter().map(|e| e.as_str().to_owned()).collect::<Vec<_>>());
        assert_eq!(options("role"), Role::ALL.iter().map(|r| r.as_str().to_owned()).collect::<Vec<_>>());
        let fields = serde_json::to_value(UseCase::default()).expect("serialises");
        let fields = fields.as_object().expect("object");
        for key in fields.keys() {
            assert!(q.question(key).is_some(), "UseCase field {key} is a question");
        }
        assert_eq!(fields.len() + 1, q.questions().count(), "every question but role is a UseCase field");
    }

    #[test]
    fn names_round_trip() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Ok(*tier));
            assert_eq!(serde_json::to_value(tier).expect("serialises"), json!(tier.as_str()));
        }
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
            assert_eq!(serde_json::to_value(role).expect("serialises"), json!(role.as_str()));
        }
        assert_eq!(Role::parse(" deployer "), Ok(Role::Deployer));
        let error = Role::parse("user").expect_err("unknown");
        assert_eq!(error.to_string(), "unknown role: \"user\"");
        assert_eq!(Tier::High.label(), "high-risk");
        assert!(Role::ProviderAndDeployer.is_provider() && Role::ProviderAndDeployer.is_deployer());
        assert!(!Role::Deployer.is_provider() && !Role::Provider.is_deployer());
    }

    #[test]
    fn use_case_reads_typed_facts() {
        let case = use_case(&answers(json!({
            "annex_iii_area": "creditworthiness",
            "exemptions": ["preparatory_task"],
            "profiling": true,
            "interacts_with_people": true,
            "role": "deployer",
        })))
        .expect("valid");
        assert_eq!(case.annex_iii_area, Some(AnnexIiiArea::Creditworthiness));
        assert_eq!(case.exemptions, [Exemption::PreparatoryTask]);
        assert!(case.profiling && case.interacts_with_people && !case.deep_fake);
        let none = use_case(&answers(json!({"annex_iii_area": "none", "exemptions": ["none"]}))).expect("valid");
        assert_eq!(none, UseCase::default());
        assert_eq!(role_answer(&answers(json!({"role": "provider_and_deployer"}))), Ok(Some(Role::ProviderAndDeployer)));
        assert_eq!(role_answer(&Answers::new()), Ok(None));
        assert_eq!(role_answer(&answers(json!({"role": 3}))).expect_err("type").question, "role");
    }

    #[test]
    fn use_case_rejects_bad_answers() {
        assert_eq!(use_case(&answers(json!({"profiling": "often"}))).expect_err("type").question, "profiling");
        assert_eq!(use_case(&answers(json!({"annex_iii_area": "banking"}))).expect_err("option").question, "annex_iii_area");
        assert_eq!(use_case(&answers(json!({"risk_score": 3}))).expect_err("unknown").question, "risk_score");
        let both = answers(json!({"exemptions": ["none", "preparatory_task"]}));
        assert_eq!(use_case(&both).expect_err("contradiction").question, "exemptions");
    }

    #[test]
    fn the_path_explains_each_stage_and_ends_with_the_decision() {
        let case = UseCase {
            annex_iii_area: Some(AnnexIiiArea::Creditworthiness),
            exemptions: vec![Exemption::PreparatoryTask],
            profiling: true,
            interacts_with_people: true,
            ..UseCase::default()
        };
        let c = classify(&case, Role::Deployer);
        assert_eq!((c.tier, c.transparency), (Tier::High, true));
        assert_eq!(c.decided_by, "Art. 6(3), last subparagraph");
        let articles: Vec<&str> = c.path.iter().map(|s| s.article.as_str()).collect();
        assert_eq!(
            articles,
            [
                "Art. 5(1)",
                "Art. 6(1)",
                "Art. 6(2), Annex III point 5(b)",
                "Art. 6(3), second subparagraph",
                "Art. 6(3), last subparagraph",
                "Art. 50(1)",
                "Art. 6(3), last subparagraph",
            ]
        );
        let profiling = &c.path[4];
        assert_eq!(profiling.question, "Does the system profile natural persons?");
        assert_eq!(profiling.answer, "yes");
        assert_eq!(profiling.outcome, "the Art. 6(3) exemptions cannot be used: high-risk");
        let ids: Vec<&str> = c.obligations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["AIA-4", "AIA-6-3", "AIA-6-ANNEX-III-5", "AIA-27", "AIA-86", "AIA-26-1-5", "AIA-26-6", "AIA-26-9-11", "AIA-50-1"]);
    }

    #[test]
    fn several_prohibited_points_are_all_listed() {
        let case =
            UseCase { exploits_vulnerabilities: true, manipulative_techniques: true, interacts_with_people: true, ..UseCase::default() };
        let c = classify(&case, Role::Provider);
        assert_eq!((c.tier, c.transparency, c.decided_by.as_str()), (Tier::Prohibited, false, "Art. 5(1)(a)"));
        let ids: Vec<&str> = c.obligations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["AIA-4", "AIA-5-1-a", "AIA-5-1-b"]);
        assert_eq!(c.path.len(), 3, "two prohibited points and the decision: the assessment stops there");
    }

    #[test]
    fn art6_3_tells_deployers_and_providers_their_part() {
        let case = UseCase {
            annex_iii_area: Some(AnnexIiiArea::Employment),
            exemptions: vec![Exemption::NarrowProceduralTask],
            ..UseCase::default()
        };
        let provider = classify(&case, Role::Provider);
        let deployer = classify(&case, Role::Deployer);
        for c in [&provider, &deployer] {
            assert_eq!((c.tier, c.decided_by.as_str()), (Tier::Minimal, "Art. 6(3)"));
            assert!(c.obligations.iter().any(|o| o.id == "AIA-6-3"));
            assert!(!c.obligations.iter().any(|o| o.id == "AIA-9" || o.id == "AIA-26-1-5"));
        }
        let outcome = |c: &Classification| c.path[c.path.len() - 3].outcome.clone();
        assert!(outcome(&provider).contains("you, as provider, must document"), "{}", outcome(&provider));
        assert!(outcome(&deployer).contains("ask the provider"), "{}", outcome(&deployer));
    }

    #[test]
    fn art50_citations_join_paragraphs() {
        assert_eq!(art50_citation(&[1]), "Art. 50(1)");
        assert_eq!(art50_citation(&[4, 2, 4]), "Art. 50(2) and (4)");
        assert_eq!(art50_citation(&[3, 1, 4]), "Art. 50(1), (3) and (4)");
        assert_eq!(art50_citation(&[]), "Art. 50");
    }
}

//! Legal clocks of incidents: from what happened ([`IncidentKind`]), when the organisation
//! became aware of it and where the people or systems concerned are, [`duties`] lists the
//! notifications the law requires, each with its deadline and the catalog entry it rests on.
//! [`escalation`] and [`lateness`] then tell how close a duty is to its deadline and whether a
//! notification was late.
//!
//! Pure: the caller passes every time ("now", the awareness time, the notification time).
//!
//! What is modelled:
//! - personal data breaches: GDPR Art. 33/34 (EU/EEA), UK GDPR Art. 33/34 (GB), ANPD Resolution
//!   15/2024 (BR), PIPEDA s. 10.1 (CA), Quebec's private-sector Act s. 3.5 (CA-QC) and the
//!   breach laws of six US states (CA, CO, FL, TX, WA, NY);
//! - serious incidents of high-risk AI systems: AI Act Art. 73 (providers) and Art. 26(5)
//!   (deployers).
//!
//! Security events, model failures and complaints trigger no legal clock here: when one of
//! them turns out to involve personal data or to be a serious AI incident, the caller enters
//! it as that kind. Sector laws (NIS2, DORA, HIPAA, GLBA, ...) and the rest of the world are not
//! modelled; [`unmodelled_jurisdictions`] names the codes this module had nothing for, so
//! staff can check them. Not legal advice: the figures of the catalog entries marked
//! `verified: false` come from memory or secondary sources.

use std::collections::BTreeMap;

use crate::names::named_enum;
use chrono::{DateTime, Datelike, Duration, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// A text that names none of the values of one of this module's enums.
pub type ClockError = crate::names::UnknownValue;

/// What happened; it decides which laws can apply. Only personal data breaches and serious AI
/// incidents carry legal deadlines; the other kinds are handled by the response plans alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// A breach of security leading to the destruction, loss, alteration, unauthorised
    /// disclosure of or access to personal data (GDPR Art. 4(12)).
    PersonalDataBreach,
    /// A serious incident of a high-risk AI system (AI Act Art. 3(49)): death or serious harm to
    /// health, serious disruption of critical infrastructure, infringement of fundamental-rights
    /// law, or serious harm to property or the environment.
    AiSeriousIncident,
    /// A security event without (known) personal data involved: no legal clock here.
    SecurityEvent,
    /// An AI model misbehaving (drift, wrong outputs) short of a serious incident: no legal clock.
    ModelFailure,
    /// A complaint from a person or customer: no legal clock here (a complaint that is also a
    /// data-subject request has that request's deadline, handled elsewhere).
    Complaint,
}

named_enum!(IncidentKind, "incident kind", {
    PersonalDataBreach => "personal_data_breach",
    AiSeriousIncident => "ai_serious_incident",
    SecurityEvent => "security_event",
    ModelFailure => "model_failure",
    Complaint => "complaint",
});

impl IncidentKind {
    /// Plain words for staff screens ("personal data breach").
    pub const fn label(self) -> &'static str {
        match self {
            Self::PersonalDataBreach => "personal data breach",
            Self::AiSeriousIncident => "serious incident involving an AI system",
            Self::SecurityEvent => "security event",
            Self::ModelFailure => "model failure",
            Self::Complaint => "complaint",
        }
    }
}

/// The risk a breach poses to the people whose data it concerns, as the controller assessed
/// it. GDPR Art. 33(1): a breach "unlikely to result in a risk" needs no notification to the
/// authority (it is still documented); Art. 34(1): a "high risk" also requires telling the
/// people. The same scale gates the Brazilian and Canadian duties (see [`duties`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Unlikely to result in a risk to people's rights and freedoms.
    Unlikely,
    /// Likely to result in a risk.
    Risk,
    /// Likely to result in a high risk.
    HighRisk,
}

named_enum!(RiskLevel, "risk level", {
    Unlikely => "unlikely",
    Risk => "risk",
    HighRisk => "high_risk",
});

impl RiskLevel {
    /// Plain words for staff screens.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Unlikely => "unlikely to result in a risk to people",
            Self::Risk => "a risk to people",
            Self::HighRisk => "a high risk to people",
        }
    }
}

/// The role of custos's user for the AI system concerned, in the AI Act's terms (Art. 3(3)
/// provider, 3(4) deployer). Providers report serious incidents to the authority (Art. 73);
/// deployers inform the provider (Art. 26(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AiActRole {
    /// Develops the system (or has it developed) and places it on the market under its name.
    Provider,
    /// Uses the system under its authority in a professional activity.
    Deployer,
    /// Both: an in-house system used by its own developer.
    ProviderAndDeployer,
}

named_enum!(AiActRole, "AI Act role", {
    Provider => "provider",
    Deployer => "deployer",
    ProviderAndDeployer => "provider_and_deployer",
});

impl AiActRole {
    /// Plain words for staff screens.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Deployer => "deployer",
            Self::ProviderAndDeployer => "provider and deployer",
        }
    }

    /// Whether the role carries the provider's Art. 73 reporting duty.
    const fn reports(self) -> bool {
        matches!(self, Self::Provider | Self::ProviderAndDeployer)
    }
}

/// The type of an AI serious incident, which sets the Art. 73 deadline: 10 days on a death
/// (Art. 73(4)), 2 days for a widespread infringement or a serious disruption of critical
/// infrastructure (Art. 73(3)), otherwise 15 days (Art. 73(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriousIncidentType {
    /// The death of a person.
    Death,
    /// A widespread infringement (Art. 3(61)) or a serious and irreversible disruption of the
    /// management or operation of critical infrastructure (Art. 3(49)(b)).
    WidespreadOrCriticalInfrastructure,
    /// Any other serious incident: serious harm to health, an infringement of fundamental-rights
    /// law, serious harm to property or the environment.
    Other,
}

named_enum!(SeriousIncidentType, "serious incident type", {
    Death => "death",
    WidespreadOrCriticalInfrastructure => "widespread_or_critical_infrastructure",
    Other => "other",
});

impl SeriousIncidentType {
    /// Plain words for staff screens.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Death => "the death of a person",
            Self::WidespreadOrCriticalInfrastructure => "a widespread infringement or a serious disruption of critical infrastructure",
            Self::Other => "another serious incident (harm to health, fundamental rights, property or the environment)",
        }
    }
}

/// What the clocks need to know about one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFacts {
    /// What happened.
    pub kind: IncidentKind,
    /// When the organisation became aware (GDPR) or determined/discovered (US states) that the
    /// incident happened: every clock starts here.
    pub became_aware_at: DateTime<Utc>,
    /// ISO 3166 codes where affected people live / systems are used: "DE", "FR", "GB", "US-CA",
    /// "US-TX", "BR", "CA", "CA-QC". Case and surrounding spaces do not matter; "EU", "EEA" and
    /// "UK" are accepted as aliases, and subdivisions ("DE-BY") count as their country.
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    /// The controller's assessment of the risk to the people concerned (breaches).
    pub risk_to_subjects: RiskLevel,
    /// custos's user's AI Act role for the system (AI serious incidents); `None` when unknown,
    /// in which case the duties of both roles are listed.
    #[serde(default)]
    pub ai_act_role: Option<AiActRole>,
    /// The type of an AI serious incident; `None` counts as [`SeriousIncidentType::Other`].
    #[serde(default)]
    pub serious_incident_type: Option<SeriousIncidentType>,
    /// Number of affected people when known (thresholds of attorney-general notices). It is
    /// the total across jurisdictions, compared with each state's resident threshold: that
    /// errs on listing the notice, and `None` lists it too.
    #[serde(default)]
    pub subjects_affected: Option<u64>,
}

/// Tunable parts of the clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSettings {
    /// How long after awareness an open-ended duty ("without undue delay", "immediately", "as
    /// soon as feasible", "promptly") is escalated as overdue. The law sets no number; this is
    /// the organisation's own limit. A negative value counts as zero.
    pub undue_delay_escalate_after: Duration,
}

impl Default for ClockSettings {
    /// 24 hours: open-ended duties are flagged after one day.
    fn default() -> Self {
        Self { undue_delay_escalate_after: TimeDelta::hours(24) }
    }
}

/// One legal duty an incident triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    /// Stable key of the duty, e.g. "gdpr_33_authority", "aia_73_report", "us_tx_residents":
    /// what records of notifications refer to.
    pub key: String,
    /// The catalog entry the duty rests on (an id of [`crate::catalog::catalog`]).
    pub obligation_id: String,
    /// Where the duty comes from: "EU", "GB", "US-TX", "BR", "CA", "CA-QC".
    pub jurisdiction: String,
    /// Who must be told, in plain words ("the supervisory authority", "the people affected").
    pub recipient: String,
    /// When.
    pub deadline: Deadline,
    /// The duty in plain words with its legal reference.
    pub summary: String,
}

/// When a duty must be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Deadline {
    /// A fixed period from awareness.
    Fixed {
        /// The last instant of the period.
        due_at: DateTime<Utc>,
        /// The period as the law states it: "72 hours", "15 days", "3 business days".
        period: String,
    },
    /// "Without undue delay", "immediately", "as soon as feasible", "promptly", "most expedient
    /// time": no fixed end; escalated after the configured time ([`ClockSettings`]).
    WithoutUndueDelay {
        /// When custos flags the duty as overdue (awareness + the configured time).
        escalate_at: DateTime<Utc>,
        /// The law's words.
        wording: String,
    },
}

impl Deadline {
    /// The instant the duty is measured against: `due_at` of a fixed period, `escalate_at` of
    /// an open-ended one (there custos's own limit, not a legal one). Duties sort by it.
    pub fn target_at(&self) -> DateTime<Utc> {
        match self {
            Self::Fixed { due_at, .. } => *due_at,
            Self::WithoutUndueDelay { escalate_at, .. } => *escalate_at,
        }
    }
}

/// How close a duty is to its deadline, for reminders. Ordered from calm to overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// Less than half of a fixed period has passed, or an open-ended duty is before its
    /// escalation time.
    None,
    /// At least half of a fixed period has passed.
    Half,
    /// At least 80% of a fixed period has passed.
    EightyPercent,
    /// The deadline (or the escalation time of an open-ended duty) is reached or past.
    Overdue,
}

named_enum!(Escalation, "escalation", {
    None => "none",
    Half => "half",
    EightyPercent => "eighty_percent",
    Overdue => "overdue",
});

/// The level of a duty at `now`. For a fixed period: [`Escalation::Half`] from awareness + 50%
/// of the period, [`Escalation::EightyPercent`] from 80%, [`Escalation::Overdue`] at and after
/// `due_at`. An open-ended duty has no fractions: [`Escalation::None`] before `escalate_at`,
/// [`Escalation::Overdue`] at and after it. `became_aware_at` must be the awareness time the
/// duty was computed from; the period is `due_at - became_aware_at` in elapsed time.
pub fn escalation(duty: &Duty, became_aware_at: DateTime<Utc>, now: DateTime<Utc>) -> Escalation {
    match &duty.deadline {
        Deadline::Fixed { due_at, .. } => {
            if now >= *due_at {
                return Escalation::Overdue;
            }
            let period = nanos(*due_at - became_aware_at);
            let elapsed = nanos(now - became_aware_at);
            // Integer comparisons, so 80% of 72 hours is exactly 57 h 36 min.
            if elapsed * 5 >= period * 4 {
                Escalation::EightyPercent
            } else if elapsed * 2 >= period {
                Escalation::Half
            } else {
                Escalation::None
            }
        }
        Deadline::WithoutUndueDelay { escalate_at, .. } => {
            if now >= *escalate_at {
                Escalation::Overdue
            } else {
                Escalation::None
            }
        }
    }
}

/// Whether a notification made at `notified_at` was late, and by how much: `None` when on
/// time (at or before `due_at`); for an open-ended duty, late means after `escalate_at`.
pub fn lateness(duty: &Duty, notified_at: DateTime<Utc>) -> Option<Duration> {
    let limit = duty.deadline.target_at();
    (notified_at > limit).then(|| notified_at - limit)
}

/// The duties an incident triggers, sorted by [`Deadline::target_at`] then key, without
/// duplicates (several EU/EEA countries give one GDPR duty; a code listed twice counts once).
///
/// Rules:
/// - personal data breach, EU/EEA (27 member states, IS, LI, NO): with a risk, the supervisory
///   authority within 72 hours (GDPR Art. 33); with a high risk, also the people affected
///   without undue delay (Art. 34). `unlikely`: nothing to notify (documenting the breach is
///   the caller's job). GB: the same under UK GDPR, to the ICO.
/// - BR, with a risk: the ANPD and the people affected within 3 business days (ANPD
///   Resolution 15/2024). Business days skip Saturdays and Sundays only, judged in Brasília
///   time (UTC-3); public holidays are not known here, so the computed date may be a day or
///   more early, never late. The due instant is the same clock time on the third business day.
/// - CA (any "CA" or "CA-*" code), with a risk: the Privacy Commissioner and the individuals
///   "as soon as feasible" (PIPEDA s. 10.1); CA-QC also the Commission d'accès à
///   l'information and the persons "promptly" (s. 3.5 of Quebec's private-sector Act).
/// - US-CA, US-CO, US-FL, US-TX, US-WA, US-NY: the residents within the state's period, and
///   the attorney general (Florida: Department of Legal Affairs) where the resident threshold
///   is met or the count is unknown. `risk_to_subjects` does not switch these off: the
///   states' no-harm exceptions have their own conditions (investigation, written
///   determination) for the caller to establish. They apply only to the personal information
///   each statute defines (e.g. a name with a social security or account number).
/// - AI serious incident, when an EU/EEA code is listed or none is: a provider reports to the
///   market surveillance authority within 15 days, 10 on a death, 2 for a widespread
///   infringement or critical infrastructure (Art. 73); a deployer informs the provider and
///   then the authority immediately (Art. 26(5)); with the role unknown, both are listed.
/// - security events, model failures, complaints: no legal duty, an empty list.
///
/// Codes the module has no rule for give no duty (see [`unmodelled_jurisdictions`]); a breach
/// with no jurisdiction listed gives none either.
pub fn duties(facts: &IncidentFacts, settings: &ClockSettings) -> Vec<Duty> {
    let places = places(&facts.jurisdictions);
    let mut found = Duties::new(facts.became_aware_at, settings);
    match facts.kind {
        IncidentKind::PersonalDataBreach => breach_duties(facts, &places, &mut found),
        IncidentKind::AiSeriousIncident => {
            if places.is_empty() || places.contains(&Place::Eea) {
                ai_duties(facts, &mut found);
            }
        }
        IncidentKind::SecurityEvent | IncidentKind::ModelFailure | IncidentKind::Complaint => {}
    }
    found.into_sorted()
}

/// The jurisdiction codes of `facts` (normalised to upper case, sorted, once each) that this
/// module has no rule for, for the incident's kind: staff must check those themselves. Empty
/// for the kinds with no legal clock anywhere here (security event, model failure, complaint).
pub fn unmodelled_jurisdictions(facts: &IncidentFacts) -> Vec<String> {
    let modelled = |place: &Place| match facts.kind {
        IncidentKind::PersonalDataBreach => !matches!(place, Place::Other),
        IncidentKind::AiSeriousIncident => matches!(place, Place::Eea),
        IncidentKind::SecurityEvent | IncidentKind::ModelFailure | IncidentKind::Complaint => true,
    };
    let mut codes: Vec<String> =
        facts.jurisdictions.iter().map(|code| normalise(code)).filter(|code| !code.is_empty() && !modelled(&classify(code))).collect();
    codes.sort();
    codes.dedup();
    codes
}

// ---------------------------------------------------------------------------------------------
// Jurisdictions
// ---------------------------------------------------------------------------------------------

/// The 27 EU member states and the three other EEA states (IS, LI, NO), with "EL" (the EU's
/// code for Greece) and the outermost regions and Åland that have their own ISO 3166-1 codes.
const EEA: [&str; 38] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT",
    "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EL", "AX", "GF", "GP", "MQ", "RE", "YT", "MF",
];

/// Where a jurisdiction code points, as far as the rules here care.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// An EU/EEA country (one set of EU duties whatever the country).
    Eea,
    /// The United Kingdom.
    Gb,
    /// Brazil.
    Br,
    /// Canada; `quebec` for "CA-QC".
    Ca { quebec: bool },
    /// A US state with a modelled breach law, by index into [`US_STATES`].
    UsState(usize),
    /// Anything else (including US states not modelled).
    Other,
}

fn normalise(code: &str) -> String {
    code.trim().to_ascii_uppercase().replace('_', "-")
}

fn classify(code: &str) -> Place {
    let (country, region) = match code.split_once('-') {
        Some((country, region)) => (country, Some(region)),
        None => (code, None),
    };
    match country {
        "EU" | "EEA" => Place::Eea,
        "GB" | "UK" => Place::Gb,
        "BR" => Place::Br,
        "CA" => Place::Ca { quebec: region == Some("QC") },
        "US" => region.and_then(|r| US_STATES.iter().position(|s| s.code == r)).map_or(Place::Other, Place::UsState),
        _ if EEA.contains(&country) => Place::Eea,
        _ => Place::Other,
    }
}

/// The places of the listed codes, each once, in a stable order.
fn places(codes: &[String]) -> Vec<Place> {
    let mut places: Vec<Place> = codes.iter().map(|c| normalise(c)).filter(|c| !c.is_empty()).map(|c| classify(&c)).collect();
    places.sort();
    places.dedup();
    places
}

// ---------------------------------------------------------------------------------------------
// Building duties
// ---------------------------------------------------------------------------------------------

/// Collects duties by key (first one wins), then sorts them.
struct Duties {
    aware: DateTime<Utc>,
    escalate_after: Duration,
    by_key: BTreeMap<String, Duty>,
}

impl Duties {
    fn new(aware: DateTime<Utc>, settings: &ClockSettings) -> Self {
        Self { aware, escalate_after: settings.undue_delay_escalate_after.max(TimeDelta::zero()), by_key: BTreeMap::new() }
    }

    /// A fixed period from awareness.
    fn fixed(&self, period: Duration, words: &str) -> Deadline {
        Deadline::Fixed { due_at: add(self.aware, period), period: words.to_owned() }
    }

    /// A period of business days from awareness (Brazil).
    fn business_days(&self, days: u32, words: &str) -> Deadline {
        Deadline::Fixed { due_at: add_business_days(self.aware, days), period: words.to_owned() }
    }

    /// An open-ended duty in the law's words, escalated after the configured time.
    fn open(&self, wording: &str) -> Deadline {
        Deadline::WithoutUndueDelay { escalate_at: add(self.aware, self.escalate_after), wording: wording.to_owned() }
    }

    fn push(&mut self, key: &str, obligation_id: &str, jurisdiction: &str, recipient: &str, deadline: Deadline, summary: String) {
        self.by_key.entry(key.to_owned()).or_insert_with(|| Duty {
            key: key.to_owned(),
            obligation_id: obligation_id.to_owned(),
            jurisdiction: jurisdiction.to_owned(),
            recipient: recipient.to_owned(),
            deadline,
            summary,
        });
    }

    fn into_sorted(self) -> Vec<Duty> {
        let mut all: Vec<Duty> = self.by_key.into_values().collect();
        all.sort_by(|a, b| a.deadline.target_at().cmp(&b.deadline.target_at()).then_with(|| a.key.cmp(&b.key)));
        all
    }
}

/// `t + d`, saturating at the end of chrono's range instead of panicking.
fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Brasília time (UTC-3, no daylight saving since 2019), used to tell weekdays for Brazil.
const BRASILIA_OFFSET: TimeDelta = TimeDelta::hours(3);

/// The same clock time `days` business days after `start`, skipping Saturdays and Sundays as
/// seen in Brasília time. No holiday calendar.
fn add_business_days(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut t = start;
    let mut left = days;
    while left > 0 {
        let next = add(t, TimeDelta::days(1));
        if next == t {
            break; // end of chrono's range
        }
        t = next;
        let local = t.checked_sub_signed(BRASILIA_OFFSET).unwrap_or(t);
        if !matches!(local.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

/// Nanoseconds of a duration, wide enough to multiply without overflow.
fn nanos(d: Duration) -> i128 {
    i128::from(d.num_seconds()) * 1_000_000_000 + i128::from(d.subsec_nanos())
}

fn breach_duties(facts: &IncidentFacts, places: &[Place], found: &mut Duties) {
    let risk = facts.risk_to_subjects;
    let notifiable = risk != RiskLevel::Unlikely;
    for place in places {
        match place {
            Place::Eea if notifiable => {
                let deadline = found.fixed(TimeDelta::hours(72), "72 hours");
                found.push(
                    "gdpr_33_authority",
                    "GDPR-33",
                    "EU",
                    "the supervisory authority",
                    deadline,
                    "Notify the supervisory authority within 72 hours of becoming aware (GDPR Art. 33(1)); give reasons if later. \
                     Information may follow in phases (Art. 33(4)). With people in several EU/EEA countries, notify the lead \
                     authority (one-stop shop) or, without an EU establishment, each authority concerned."
                        .to_owned(),
                );
                if risk == RiskLevel::HighRisk {
                    let deadline = found.open("without undue delay");
                    found.push(
                        "gdpr_34_subjects",
                        "GDPR-34",
                        "EU",
                        "the people affected",
                        deadline,
                        "Tell the people affected without undue delay, in clear and plain language (GDPR Art. 34(1)-(2)); not \
                         needed if the data was unintelligible to others (e.g. encrypted), later measures removed the high risk, \
                         or a public communication replaces individual messages that would take disproportionate effort (Art. 34(3))."
                            .to_owned(),
                    );
                }
            }
            Place::Gb if notifiable => {
                let deadline = found.fixed(TimeDelta::hours(72), "72 hours");
                found.push(
                    "uk_gdpr_33_ico",
                    "UKGDPR-33",
                    "GB",
                    "the Information Commissioner (ICO)",
                    deadline,
                    "Report the breach to the ICO within 72 hours of becoming aware (UK GDPR Art. 33(1)); give reasons if later."
                        .to_owned(),
                );
                if risk == RiskLevel::HighRisk {
                    let deadline = found.open("without undue delay");
                    found.push(
                        "uk_gdpr_34_subjects",
                        "UKGDPR-34",
                        "GB",
                        "the people affected",
                        deadline,
                        "Tell the people affected in the UK without undue delay, in clear and plain language (UK GDPR Art. 34), \
                         unless an Art. 34(3) exception applies (data unintelligible, high risk removed, public communication)."
                            .to_owned(),
                    );
                }
            }
            Place::Br if notifiable => {
                let deadline = found.business_days(3, "3 business days");
                found.push(
                    "br_anpd",
                    "ANPD-RES-15-2024",
                    "BR",
                    "the ANPD (Brazil's data protection authority)",
                    deadline,
                    "Notify the ANPD within 3 business days of learning that personal data was affected (ANPD Resolution \
                     15/2024, under LGPD Art. 48); details may be completed later. Weekends are skipped here, public holidays \
                     are not: check them."
                        .to_owned(),
                );
                let deadline = found.business_days(3, "3 business days");
                found.push(
                    "br_subjects",
                    "ANPD-RES-15-2024",
                    "BR",
                    "the people affected",
                    deadline,
                    "Tell the people affected in Brazil within 3 business days, in clear and simple language (ANPD Resolution \
                     15/2024, under LGPD Art. 48)."
                        .to_owned(),
                );
            }
            Place::Ca { quebec } if notifiable => {
                let deadline = found.open("as soon as feasible");
                found.push(
                    "ca_commissioner",
                    "PIPEDA-10.1",
                    "CA",
                    "the Privacy Commissioner of Canada",
                    deadline,
                    "If the breach creates a real risk of significant harm, report it to the Privacy Commissioner as soon as \
                     feasible after determining it occurred (PIPEDA s. 10.1(1)-(2)); keep a record of every breach (s. 10.3)."
                        .to_owned(),
                );
                let deadline = found.open("as soon as feasible");
                found.push(
                    "ca_individuals",
                    "PIPEDA-10.1",
                    "CA",
                    "the people affected",
                    deadline,
                    "If the breach creates a real risk of significant harm, notify the individuals affected as soon as feasible \
                     (PIPEDA s. 10.1(3), (6)), and any organisation that can reduce the harm (s. 10.2)."
                        .to_owned(),
                );
                if *quebec {
                    let deadline = found.open("promptly");
                    found.push(
                        "qc_cai",
                        "QC-3.5",
                        "CA-QC",
                        "the Commission d'accès à l'information du Québec",
                        deadline,
                        "If the confidentiality incident presents a risk of serious injury, promptly notify the Commission d'accès \
                         à l'information (Quebec private-sector Act, s. 3.5)."
                            .to_owned(),
                    );
                    let deadline = found.open("promptly");
                    found.push(
                        "qc_persons",
                        "QC-3.5",
                        "CA-QC",
                        "the people affected",
                        deadline,
                        "If the confidentiality incident presents a risk of serious injury, promptly notify the persons whose \
                         information is concerned (Quebec private-sector Act, s. 3.5)."
                            .to_owned(),
                    );
                }
            }
            Place::UsState(index) => {
                if let Some(state) = US_STATES.get(*index) {
                    us_state_duties(state, facts.subjects_affected, found);
                }
            }
            Place::Eea | Place::Gb | Place::Br | Place::Ca { .. } | Place::Other => {}
        }
    }
}

/// A US state's breach law: the residents' notice and the attorney general's.
struct UsState {
    /// The state's code after "US-".
    code: &'static str,
    /// The catalog id.
    obligation_id: &'static str,
    /// Days from awareness (determination/discovery) to the residents' notice.
    residents_days: i64,
    residents_summary: &'static str,
    /// Who receives the state notice.
    ag_recipient: &'static str,
    /// The smallest number of affected residents that requires the state notice.
    ag_min_subjects: u64,
    /// Days from awareness to the state notice.
    ag_days: i64,
    ag_summary: &'static str,
}

/// The modelled US states; figures in the catalog entries (all `verified: false`).
const US_STATES: [UsState; 6] = [
    UsState {
        code: "CA",
        obligation_id: "US-CA-1798.82",
        residents_days: 30,
        residents_summary: "Notify the California residents affected in the most expedient time possible and without unreasonable \
                            delay, and within 30 calendar days of discovery (Cal. Civ. Code § 1798.82(a), as amended by SB 446 \
                            from 2026-01-01); delay only for law enforcement or to determine the scope and restore the system. \
                            Applies to personal information as the statute defines it (e.g. a name with a social security, \
                            licence or account number; login credentials).",
        ag_recipient: "the California attorney general",
        ag_min_subjects: 501,
        ag_days: 45,
        ag_summary: "If more than 500 California residents are notified, submit a sample copy of the notice to the attorney \
                     general electronically within 15 calendar days of notifying them (§ 1798.82(f), SB 446). The due date \
                     here assumes the residents were told on their 30th day: count from the actual notice date if earlier.",
    },
    UsState {
        code: "CO",
        obligation_id: "US-CO-6-1-716",
        residents_days: 30,
        residents_summary: "Notify the Colorado residents affected in the most expedient time possible and no later than 30 days \
                            after determining that a breach occurred (C.R.S. § 6-1-716(2)), unless an investigation shows misuse \
                            has not occurred and is not reasonably likely. Applies to personal information as the statute defines it.",
        ag_recipient: "the Colorado attorney general",
        ag_min_subjects: 500,
        ag_days: 30,
        ag_summary: "If 500 or more Colorado residents are notified, notify the attorney general within 30 days after determining \
                     that a breach occurred (C.R.S. § 6-1-716(2)(f)).",
    },
    UsState {
        code: "FL",
        obligation_id: "US-FL-501.171",
        residents_days: 30,
        residents_summary: "Notify the Florida individuals affected as expeditiously as practicable and no later than 30 days after \
                            determining the breach (Fla. Stat. § 501.171(4)); 15 more days only with good cause given to the \
                            Department in writing. A no-harm determination instead must be written, kept 5 years and sent to the \
                            Department within 30 days. Applies to personal information as the statute defines it.",
        ag_recipient: "the Florida Department of Legal Affairs (attorney general)",
        ag_min_subjects: 500,
        ag_days: 30,
        ag_summary: "If 500 or more individuals in Florida are affected, notify the Department of Legal Affairs within 30 days \
                     after determining the breach (Fla. Stat. § 501.171(3)).",
    },
    UsState {
        code: "TX",
        obligation_id: "US-TX-521.053",
        residents_days: 60,
        residents_summary: "Notify the individuals affected without unreasonable delay and no later than 60 days after determining \
                            the breach occurred (Tex. Bus. & Com. Code § 521.053(b)). Applies to sensitive personal information as \
                            the statute defines it.",
        ag_recipient: "the Texas attorney general",
        ag_min_subjects: 250,
        ag_days: 30,
        ag_summary: "If at least 250 Texas residents are involved, notify the attorney general through the online form as soon \
                     as practicable and no later than 30 days after determining the breach occurred (§ 521.053(i), as \
                     amended by SB 768 in 2023).",
    },
    UsState {
        code: "WA",
        obligation_id: "US-WA-19.255.010",
        residents_days: 30,
        residents_summary: "Notify the Washington residents affected in the most expedient time possible and no more than 30 \
                            calendar days after discovering the breach (RCW 19.255.010), unless it is not reasonably likely to \
                            subject them to a risk of harm. Applies to personal information as the statute defines it.",
        ag_recipient: "the Washington attorney general",
        ag_min_subjects: 501,
        ag_days: 30,
        ag_summary: "If more than 500 Washington residents are notified, notify the attorney general no more than 30 calendar \
                     days after discovering the breach (RCW 19.255.010).",
    },
    UsState {
        code: "NY",
        obligation_id: "US-NY-899-aa",
        residents_days: 30,
        residents_summary: "Notify the New York residents affected in the most expedient time possible and without unreasonable \
                            delay, and within 30 days after discovering the breach (N.Y. Gen. Bus. Law § 899-aa(2); the 30-day \
                            limit comes from the December 2024 amendment, reported). Applies to private information as the \
                            statute defines it.",
        ag_recipient: "the New York attorney general, Department of State and Division of State Police",
        ag_min_subjects: 1,
        ag_days: 30,
        ag_summary: "Whenever New York residents are notified, tell the attorney general, the Department of State and the \
                     Division of State Police (and DFS for entities it regulates) about the timing, content and distribution \
                     of the notices and the approximate number affected (GBL § 899-aa(8)); due with the residents' notice.",
    },
];

fn us_state_duties(state: &UsState, subjects: Option<u64>, found: &mut Duties) {
    let jurisdiction = format!("US-{}", state.code);
    let prefix = format!("us_{}", state.code.to_ascii_lowercase());
    let deadline = found.fixed(TimeDelta::days(state.residents_days), &format!("{} days", state.residents_days));
    found.push(
        &format!("{prefix}_residents"),
        state.obligation_id,
        &jurisdiction,
        "the people affected",
        deadline,
        state.residents_summary.to_owned(),
    );
    if subjects.is_none_or(|n| n >= state.ag_min_subjects) {
        let deadline = found.fixed(TimeDelta::days(state.ag_days), &format!("{} days", state.ag_days));
        found.push(
            &format!("{prefix}_attorney_general"),
            state.obligation_id,
            &jurisdiction,
            state.ag_recipient,
            deadline,
            state.ag_summary.to_owned(),
        );
    }
}

fn ai_duties(facts: &IncidentFacts, found: &mut Duties) {
    let kind = facts.serious_incident_type.unwrap_or(SeriousIncidentType::Other);
    let (days, paragraph) = match kind {
        SeriousIncidentType::Death => (10, "73(4)"),
        SeriousIncidentType::WidespreadOrCriticalInfrastructure => (2, "73(3)"),
        SeriousIncidentType::Other => (15, "73(2)"),
    };
    let (provider, deployer, unknown) = match facts.ai_act_role {
        Some(role) => (role.reports(), role == AiActRole::Deployer, false),
        None => (true, true, true),
    };
    if provider {
        let intro = if unknown { "If you are the provider: report" } else { "Report" };
        let deadline = found.fixed(TimeDelta::days(days), &format!("{days} days"));
        found.push(
            "aia_73_report",
            "AIA-73",
            "EU",
            "the market surveillance authority",
            deadline,
            format!(
                "{intro} the serious incident ({}) to the market surveillance authority of the Member State where it occurred, \
                 immediately after establishing a causal link with the AI system or its reasonable likelihood, and no later than \
                 {days} days after becoming aware (AI Act Art. {paragraph}). A first report may be incomplete. Do not alter the \
                 system in ways that hamper evaluating the causes before the authority is told (Art. 73).",
                kind.label()
            ),
        );
    }
    if deployer {
        let intro = if unknown { "If you are a deployer: inform" } else { "Inform" };
        let deadline = found.open("immediately");
        found.push(
            "aia_26_5_inform_provider",
            "AIA-26-5",
            "EU",
            "the provider of the AI system",
            deadline,
            format!(
                "{intro} the provider immediately of the serious incident (AI Act Art. 26(5)); the provider's Art. 73 period may \
                 run from your awareness. If you cannot reach the provider, report to the market surveillance authority \
                 yourself within {days} days of awareness (Art. 26(5), 73)."
            ),
        );
        let intro = if unknown { "If you are a deployer: after" } else { "After" };
        let deadline = found.open("immediately");
        found.push(
            "aia_26_5_inform_authority",
            "AIA-26-5",
            "EU",
            "the market surveillance authority",
            deadline,
            format!(
                "{intro} the provider, immediately inform the importer or distributor and the market surveillance authority of \
                 the serious incident (AI Act Art. 26(5)); suspend use of the system while it presents a risk."
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn ts(text: &str) -> DateTime<Utc> {
        text.parse().expect("a valid RFC 3339 timestamp")
    }

    fn facts(kind: IncidentKind, aware: &str, jurisdictions: &[&str], risk: RiskLevel) -> IncidentFacts {
        IncidentFacts {
            kind,
            became_aware_at: ts(aware),
            jurisdictions: jurisdictions.iter().map(|j| (*j).to_owned()).collect(),
            risk_to_subjects: risk,
            ai_act_role: None,
            serious_incident_type: None,
            subjects_affected: None,
        }
    }

    fn keys(duties: &[Duty]) -> Vec<&str> {
        duties.iter().map(|d| d.key.as_str()).collect()
    }

    fn find<'a>(duties: &'a [Duty], key: &str) -> &'a Duty {
        duties.iter().find(|d| d.key == key).expect("the duty is listed")
    }

    fn due(duty: &Duty) -> DateTime<Utc> {
        match &duty.deadline {
            Deadline::Fixed { due_at, .. } => *due_at,
            Deadline::WithoutUndueDelay { .. } => panic!("{} should have a fixed deadline", duty.key),
        }
    }

    fn period(duty: &Duty) -> &str {
        match &duty.deadline {
            Deadline::Fixed { period, .. } => period,
            Deadline::WithoutUndueDelay { .. } => panic!("{} should have a fixed deadline", duty.key),
        }
    }

    fn escalate(duty: &Duty) -> (DateTime<Utc>, &str) {
        match &duty.deadline {
            Deadline::WithoutUndueDelay { escalate_at, wording } => (*escalate_at, wording),
            Deadline::Fixed { .. } => panic!("{} should be open-ended", duty.key),
        }
    }

    const AWARE: &str = "2026-03-02T09:00:00Z";

    #[test]
    fn gdpr_72_hours_and_its_escalations() {
        let f = facts(IncidentKind::PersonalDataBreach, AWARE, &["DE"], RiskLevel::Risk);
        let all = duties(&f, &ClockSettings::default());
        assert_eq!(keys(&all), ["gdpr_33_authority"]);
        let d = &all[0];
        assert_eq!(d.obligation_id, "GDPR-33");
        assert_eq!(d.jurisdiction, "EU");
        assert_eq!(d.recipient, "the supervisory authority");
        assert_eq!(due(d), ts("2026-03-05T09:00:00Z"));
        assert_eq!(period(d), "72 hours");

        let aware = f.became_aware_at;
        assert_eq!(escalation(d, aware, aware), Escalation::None);
        // 50% = 36 hours.
        assert_eq!(escalation(d, aware, ts("2026-03-03T20:59:59Z")), Escalation::None);
        assert_eq!(escalation(d, aware, ts("2026-03-03T21:00:00Z")), Escalation::Half);
        // 80% = 57.6 hours = 57 h 36 min.
        assert_eq!(escalation(d, aware, ts("2026-03-04T18:35:59Z")), Escalation::Half);
        assert_eq!(escalation(d, aware, ts("2026-03-04T18:36:00Z")), Escalation::EightyPercent);
        // Overdue at due_at.
        assert_eq!(escalation(d, aware, ts("2026-03-05T08:59:59Z")), Escalation::EightyPercent);
        assert_eq!(escalation(d, aware, ts("2026-03-05T09:00:00Z")), Escalation::Overdue);
        assert_eq!(escalation(d, aware, ts("2026-04-01T00:00:00Z")), Escalation::Overdue);

        // Notified at 80 hours: 8 hours late; at 72 hours or before: on time.
        assert_eq!(lateness(d, ts("2026-03-05T17:00:00Z")), Some(TimeDelta::hours(8)));
        assert_eq!(lateness(d, ts("2026-03-05T09:00:00Z")), None);
        assert_eq!(lateness(d, ts("2026-03-03T12:00:00Z")), None);
    }

    #[test]
    fn gdpr_34_only_with_high_risk_and_unlikely_gives_nothing() {
        let settings = ClockSettings::default();
        let risk = duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["FR"], RiskLevel::Risk), &settings);
        assert_eq!(keys(&risk), ["gdpr_33_authority"]);

        let high = duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["FR"], RiskLevel::HighRisk), &settings);
        assert_eq!(keys(&high), ["gdpr_34_subjects", "gdpr_33_authority"], "sorted by target time: 24 h before 72 h");
        let subjects = find(&high, "gdpr_34_subjects");
        assert_eq!(subjects.obligation_id, "GDPR-34");
        assert_eq!(subjects.recipient, "the people affected");
        assert_eq!(escalate(subjects), (ts("2026-03-03T09:00:00Z"), "without undue delay"));

        let unlikely =
            duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["FR", "GB", "BR", "CA-QC"], RiskLevel::Unlikely), &settings);
        assert!(unlikely.is_empty(), "{unlikely:?}");
    }

    #[test]
    fn open_ended_duties_escalate_only_at_escalate_at() {
        let settings = ClockSettings { undue_delay_escalate_after: TimeDelta::hours(12) };
        let f = facts(IncidentKind::PersonalDataBreach, AWARE, &["IE"], RiskLevel::HighRisk);
        let all = duties(&f, &settings);
        let d = find(&all, "gdpr_34_subjects");
        assert_eq!(escalate(d).0, ts("2026-03-02T21:00:00Z"));
        let aware = f.became_aware_at;
        assert_eq!(escalation(d, aware, ts("2026-03-02T20:59:59Z")), Escalation::None, "no half/80% for open-ended duties");
        assert_eq!(escalation(d, aware, ts("2026-03-02T21:00:00Z")), Escalation::Overdue);
        assert_eq!(lateness(d, ts("2026-03-02T21:00:00Z")), None);
        assert_eq!(lateness(d, ts("2026-03-02T23:30:00Z")), Some(TimeDelta::minutes(150)));

        let negative = ClockSettings { undue_delay_escalate_after: TimeDelta::hours(-5) };
        let all = duties(&f, &negative);
        assert_eq!(escalate(find(&all, "gdpr_34_subjects")).0, aware, "a negative setting counts as zero");
    }

    #[test]
    fn several_eu_codes_give_one_gdpr_duty() {
        let f = facts(IncidentKind::PersonalDataBreach, AWARE, &["DE", "FR", " it ", "NO", "de-by", "EU", "DE"], RiskLevel::HighRisk);
        let all = duties(&f, &ClockSettings::default());
        assert_eq!(keys(&all), ["gdpr_34_subjects", "gdpr_33_authority"]);
    }

    #[test]
    fn uk_gdpr_to_the_ico() {
        let all = duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["GB"], RiskLevel::HighRisk), &ClockSettings::default());
        assert_eq!(keys(&all), ["uk_gdpr_34_subjects", "uk_gdpr_33_ico"]);
        let ico = find(&all, "uk_gdpr_33_ico");
        assert_eq!((ico.obligation_id.as_str(), ico.jurisdiction.as_str()), ("UKGDPR-33", "GB"));
        assert_eq!(due(ico), ts("2026-03-05T09:00:00Z"));
        assert_eq!(find(&all, "uk_gdpr_34_subjects").obligation_id, "UKGDPR-34");

        let uk_alias = duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["uk"], RiskLevel::Risk), &ClockSettings::default());
        assert_eq!(keys(&uk_alias), ["uk_gdpr_33_ico"]);
    }

    #[test]
    fn brazil_three_business_days_over_a_weekend() {
        // 2026-03-06 is a Friday.
        let aware = "2026-03-06T10:00:00Z";
        assert_eq!(ts(aware).weekday(), Weekday::Fri);
        let f = facts(IncidentKind::PersonalDataBreach, aware, &["BR"], RiskLevel::Risk);
        let all = duties(&f, &ClockSettings::default());
        assert_eq!(keys(&all), ["br_anpd", "br_subjects"]);
        for d in &all {
            assert_eq!(d.obligation_id, "ANPD-RES-15-2024");
            assert_eq!(due(d), ts("2026-03-11T10:00:00Z"), "Friday 10:00 -> Wednesday 10:00");
            assert_eq!(period(d), "3 business days");
        }
        // Half of the 5 elapsed days is 2.5 days: Sunday 22:00.
        let anpd = find(&all, "br_anpd");
        assert_eq!(escalation(anpd, f.became_aware_at, ts("2026-03-08T21:59:59Z")), Escalation::None);
        assert_eq!(escalation(anpd, f.became_aware_at, ts("2026-03-08T22:00:00Z")), Escalation::Half);
        assert_eq!(escalation(anpd, f.became_aware_at, ts("2026-03-11T10:00:00Z")), Escalation::Overdue);

        // Monday 10:00 -> Thursday 10:00; Saturday -> Wednesday.
        let monday =
            duties(&facts(IncidentKind::PersonalDataBreach, "2026-03-09T10:00:00Z", &["BR"], RiskLevel::Risk), &ClockSettings::default());
        assert_eq!(due(&monday[0]), ts("2026-03-12T10:00:00Z"));
        let saturday =
            duties(&facts(IncidentKind::PersonalDataBreach, "2026-03-07T10:00:00Z", &["BR"], RiskLevel::Risk), &ClockSettings::default());
        assert_eq!(due(&saturday[0]), ts("2026-03-11T10:00:00Z"));
        // Saturday 01:00 UTC is still Friday 22:00 in Brasília: due Wednesday 22:00 Brasília time.
        let late_friday =
            duties(&facts(IncidentKind::PersonalDataBreach, "2026-03-07T01:00:00Z", &["BR"], RiskLevel::Risk), &ClockSettings::default());
        assert_eq!(due(&late_friday[0]), ts("2026-03-12T01:00:00Z"));
    }

    #[test]
    fn canada_and_quebec_are_open_ended() {
        let settings = ClockSettings::default();
        let ca = duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["CA-ON"], RiskLevel::Risk), &settings);
        assert_eq!(keys(&ca), ["ca_commissioner", "ca_individuals"]);
        for d in &ca {
            assert_eq!(d.obligation_id, "PIPEDA-10.1");
            assert_eq!(escalate(d), (ts("2026-03-03T09:00:00Z"), "as soon as feasible"));
        }
        let qc = duties(&facts(IncidentKind::PersonalDataBreach, AWARE, &["CA-QC", "CA"], RiskLevel::Risk), &settings);
        assert_eq!(keys(&qc), ["ca_commissioner", "ca_individuals", "qc_cai", "qc_persons"]);
        let cai = find(&qc, "qc_cai");
        assert_eq!((cai.obligation_id.as_str(), cai.jurisdiction.as_str()), ("QC-3.5", "CA-QC"));
        assert_eq!(escalate(cai), (ts("2026-03-03T09:00:00Z"), "promptly"));
    }

    #[test]
    fn texas_attorney_general_threshold_is_250() {
        let settings = ClockSettings::default();
        let mut f = facts(IncidentKind::PersonalDataBreach, AWARE, &["US-TX", "us-tx"], RiskLevel::Risk);

        f.subjects_affected = Some(249);
        let below = duties(&f, &settings);
        assert_eq!(keys(&below), ["us_tx_residents"]);
        let residents = &below[0];
        assert_eq!((residents.obligation_id.as_str(), residents.jurisdiction.as_str()), ("US-TX-521.053", "US-TX"));
        assert_eq!(due(residents), ts("2026-05-01T09:00:00Z"), "60 days");

        f.subjects_affected = Some(250);
        let at = duties(&f, &settings);
        assert_eq!(keys(&at), ["us_tx_attorney_general", "us_tx_residents"]);
        let ag = find(&at, "us_tx_attorney_general");
        assert_eq!(ag.recipient, "the Texas attorney general");
        assert_eq!(due(ag), ts("2026-04-01T09:00:00Z"), "30 days");
        assert_eq!(period(ag), "30 days");

        f.subjects_affected = None;
        assert_eq!(keys(&duties(&f, &settings)), ["us_tx_attorney_general", "us_tx_residents"], "unknown count: err on notifying");

        f.risk_to_subjects = RiskLevel::Unlikely;
        assert_eq!(duties(&f, &settings).len(), 2, "US duties do not depend on the GDPR-style risk level");
    }

    #[test]
    fn other_us_states_thresholds_and_periods() {
        let settings = ClockSettings::default();
        let mut f =
            facts(IncidentKind::PersonalDataBreach, AWARE, &["US-CA", "US-CO", "US-FL", "US-WA", "US-NY", "US-OR", "US"], RiskLevel::Risk);
        f.subjects_affected = Some(500);
        let all = duties(&f, &settings);
        assert_eq!(
            keys(&all),
            [
                "us_ca_residents",
                "us_co_attorney_general",
                "us_co_residents",
                "us_fl_attorney_general",
                "us_fl_residents",
                "us_ny_attorney_general",
                "us_ny_residents",
                "us_wa_residents",
            ],
            "500: CO and FL (500 or more) yes; CA and WA (more than 500) no"
        );
        let thirty = ts("2026-04-01T09:00:00Z");
        for d in &all {
            assert_eq!(due(d), thirty, "{}", d.key);
        }

        f.subjects_affected = Some(501);
        let all = duties(&f, &settings);
        assert_eq!(due(find(&all, "us_ca_attorney_general")), ts("2026-04-16T09:00:00Z"), "30 + 15 days");
        assert_eq!(due(find(&all, "us_wa_attorney_general")), thirty);

        f.subjects_affected = Some(0);
        assert!(!keys(&duties(&f, &settings)).contains(&"us_ny_attorney_general"));
        assert_eq!(unmodelled_jurisdictions(&f), ["US", "US-OR"]);
    }

    #[test]
    fn ai_act_provider_deadlines_by_type() {
        let settings = ClockSettings::default();
        let mut f = facts(IncidentKind::AiSeriousIncident, AWARE, &["NL"], RiskLevel::Unlikely);
        f.ai_act_role = Some(AiActRole::Provider);
        let cases = [
            (None, "2026-03-17T09:00:00Z", "15 days"),
            (Some(SeriousIncidentType::Other), "2026-03-17T09:00:00Z", "15 days"),
            (Some(SeriousIncidentType::Death), "2026-03-12T09:00:00Z", "10 days"),
            (Some(SeriousIncidentType::WidespreadOrCriticalInfrastructure), "2026-03-04T09:00:00Z", "2 days"),
        ];
        for (kind, due_at, words) in cases {
            f.serious_incident_type = kind;
            let all = duties(&f, &settings);
            assert_eq!(keys(&all), ["aia_73_report"], "{kind:?}");
            let d = &all[0];
            assert_eq!((d.obligation_id.as_str(), d.jurisdiction.as_str()), ("AIA-73", "EU"));
            assert_eq!(d.recipient, "the market surveillance authority");
            assert_eq!(due(d), ts(due_at), "{kind:?}");
            assert_eq!(period(d), words);
        }

        f.ai_act_role = Some(AiActRole::ProviderAndDeployer);
        f.serious_incident_type = Some(SeriousIncidentType::Death);
        assert_eq!(keys(&duties(&f, &settings)), ["aia_73_report"]);

        // Empty jurisdictions: the AI Act applies; only non-EU codes: it does not.
        f.jurisdictions.clear();
        assert_eq!(keys(&duties(&f, &settings)), ["aia_73_report"]);
        f.jurisdictions = vec!["US-CA".to_owned()];
        assert!(duties(&f, &settings).is_empty());
        assert_eq!(unmodelled_jurisdictions(&f), ["US-CA"]);
    }

    #[test]
    fn ai_act_deployer_informs_immediately() {
        let settings = ClockSettings::default();
        let mut f = facts(IncidentKind::AiSeriousIncident, AWARE, &["ES"], RiskLevel::HighRisk);
        f.ai_act_role = Some(AiActRole::Deployer);
        let all = duties(&f, &settings);
        assert_eq!(keys(&all), ["aia_26_5_inform_authority", "aia_26_5_inform_provider"]);
        let provider = find(&all, "aia_26_5_inform_provider");
        assert_eq!(provider.recipient, "the provider of the AI system");
        assert_eq!(escalate(provider), (f.became_aware_at + settings.undue_delay_escalate_after, "immediately"));
        assert_eq!(escalate(provider).0, ts("2026-03-03T09:00:00Z"));
        assert_eq!(find(&all, "aia_26_5_inform_authority").recipient, "the market surveillance authority");

        // Role unknown: both roles' duties, labelled.
        f.ai_act_role = None;
        let all = duties(&f, &settings);
        assert_eq!(keys(&all), ["aia_26_5_inform_authority", "aia_26_5_inform_provider", "aia_73_report"]);
        assert!(find(&all, "aia_73_report").summary.starts_with("If you are the provider"));
    }

    #[test]
    fn kinds_without_legal_clocks_give_nothing() {
        for kind in [IncidentKind::Complaint, IncidentKind::SecurityEvent, IncidentKind::ModelFailure] {
            let f = facts(kind, AWARE, &["DE", "GB", "US-TX", "BR"], RiskLevel::HighRisk);
            assert!(duties(&f, &ClockSettings::default()).is_empty(), "{kind:?}");
            assert!(unmodelled_jurisdictions(&f).is_empty());
        }
        let f = facts(IncidentKind::PersonalDataBreach, AWARE, &[], RiskLevel::HighRisk);
        assert!(duties(&f, &ClockSettings::default()).is_empty());
    }

    #[test]
    fn every_obligation_id_exists_in_the_catalog() {
        let settings = ClockSettings::default();
        let everywhere = ["DE", "GB", "BR", "CA", "CA-QC", "US-CA", "US-CO", "US-FL", "US-TX", "US-WA", "US-NY"];
        let mut seen = Vec::new();
        let mut f = facts(IncidentKind::PersonalDataBreach, AWARE, &everywhere, RiskLevel::HighRisk);
        seen.extend(duties(&f, &settings));
        f.kind = IncidentKind::AiSeriousIncident;
        seen.extend(duties(&f, &settings)); // role unknown: provider and deployer duties
        assert_eq!(seen.len(), 10 + 12 + 3);
        for d in &seen {
            let o = catalog::obligation(&d.obligation_id)
                .unwrap_or_else(|| panic!("{} cites {} which is not in the catalog", d.key, d.obligation_id));
            assert!(o.capability.iter().any(|c| c == "breach_clock"), "{} is a breach_clock obligation", o.id);
            assert!(!d.summary.is_empty() && !d.recipient.is_empty());
        }
        for id in US_STATES.iter().map(|s| s.obligation_id) {
            assert!(catalog::obligation(id).is_some(), "{id}");
        }
    }

    #[test]
    fn duties_are_sorted_by_time_then_key() {
        let mut f = facts(IncidentKind::PersonalDataBreach, AWARE, &["US-NY", "BR", "FR", "CA"], RiskLevel::HighRisk);
        f.subjects_affected = Some(10);
        let all = duties(&f, &ClockSettings::default());
        // Monday 09:00 + 3 business days = Thursday 09:00 = 72 hours: ties sort by key.
        assert_eq!(
            keys(&all),
            [
                "ca_commissioner",
                "ca_individuals",
                "gdpr_34_subjects",
                "br_anpd",
                "br_subjects",
                "gdpr_33_authority",
                "us_ny_attorney_general",
                "us_ny_residents",
            ]
        );
        let times: Vec<DateTime<Utc>> = all.iter().map(|d| d.deadline.target_at()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn text_forms_round_trip_and_unknown_names_fail() {
        for kind in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(kind.as_str()), Ok(*kind));
            assert_eq!(serde_json::to_value(kind).expect("serialises"), serde_json::json!(kind.as_str()));
            assert!(!kind.label().is_empty());
        }
        for risk in RiskLevel::ALL {
            assert_eq!(risk.as_str().parse::<RiskLevel>(), Ok(*risk));
            assert_eq!(serde_json::to_value(risk).expect("serialises"), serde_json::json!(risk.as_str()));
        }
        for role in AiActRole::ALL {
            assert_eq!(AiActRole::parse(role.as_str()), Ok(*role));
            assert_eq!(serde_json::to_value(role).expect("serialises"), serde_json::json!(role.as_str()));
        }
        for t in SeriousIncidentType::ALL {
            assert_eq!(SeriousIncidentType::parse(t.as_str()), Ok(*t));
            assert_eq!(serde_json::to_value(t).expect("serialises"), serde_json::json!(t.as_str()));
        }
        for e in Escalation::ALL {
            assert_eq!(serde_json::to_value(e).expect("serialises"), serde_json::json!(e.as_str()));
        }
        assert_eq!(IncidentKind::parse(" complaint "), Ok(IncidentKind::Complaint));
        assert_eq!(RiskLevel::parse("high_risk"), Ok(RiskLevel::HighRisk));
        let err = IncidentKind::parse("data_breach").expect_err("unknown");
        assert_eq!(err, ClockError { field: "incident kind", value: "data_breach".to_owned() });
        assert_eq!(err.to_string(), "unknown incident kind: \"data_breach\"");
        assert!(RiskLevel::parse("HIGH_RISK").is_err());
        assert_eq!(IncidentKind::PersonalDataBreach.label(), "personal data breach");
        assert_eq!(IncidentKind::PersonalDataBreach.to_string(), "personal_data_breach");
    }

    #[test]
    fn duty_and_facts_serialise_as_json() {
        let f = facts(IncidentKind::PersonalDataBreach, AWARE, &["DE"], RiskLevel::HighRisk);
        let all = duties(&f, &ClockSettings::default());
        let json = serde_json::to_value(&all).expect("serialises");
        assert_eq!(
            json[1],
            serde_json::json!({
                "key": "gdpr_33_authority",
                "obligation_id": "GDPR-33",
                "jurisdiction": "EU",
                "recipient": "the supervisory authority",
                "deadline": { "type": "fixed", "due_at": "2026-03-05T09:00:00Z", "period": "72 hours" },
                "summary": all[1].summary,
            })
        );
        assert_eq!(
            json[0]["deadline"],
            serde_json::json!({ "type": "without_undue_delay", "escalate_at": "2026-03-03T09:00:00Z", "wording": "without undue delay" })
        );
        let back: Vec<Duty> = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, all);

        let input = serde_json::json!({
            "kind": "ai_serious_incident",
            "became_aware_at": "2026-03-02T09:00:00Z",
            "jurisdictions": ["DE"],
            "risk_to_subjects": "high_risk",
            "ai_act_role": "provider_and_deployer",
            "serious_incident_type": "widespread_or_critical_infrastructure"
        });
        let parsed: IncidentFacts = serde_json::from_value(input).expect("parses");
        assert_eq!(parsed.ai_act_role, Some(AiActRole::ProviderAndDeployer));
        assert_eq!(parsed.subjects_affected, None);
        assert!(
            serde_json::from_value::<IncidentFacts>(
                serde_json::json!({"kind": "complaint", "became_aware_at": AWARE, "risk_to_subjects": "risk", "typo": 1})
            )
            .is_err()
        );
    }

    #[test]
    fn far_future_awareness_does_not_panic() {
        let mut f = facts(IncidentKind::PersonalDataBreach, AWARE, &["DE", "BR", "US-TX"], RiskLevel::HighRisk);
        f.became_aware_at = DateTime::<Utc>::MAX_UTC - TimeDelta::hours(1);
        let all = duties(&f, &ClockSettings::default());
        assert!(all.iter().all(|d| d.deadline.target_at() == DateTime::<Utc>::MAX_UTC));
    }
}

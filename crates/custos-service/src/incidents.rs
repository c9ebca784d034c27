//! Incidents and their legal clocks. An incident (a personal data breach, a serious incident
//! of an AI system, a security event, a model failure, a complaint) records when the business
//! became aware of it, what it touched and how risky it is for the people affected; from those
//! facts and the obligations catalog, `custos-govern` computes every duty to notify (GDPR
//! Art. 33 and 34, AI Act Art. 73 or 26(5), the breach laws of the other jurisdictions the
//! catalog lists) with its deadline. Escalations fire as alerts (and so webhooks) at 50 % and
//! 80 % of each fixed period and when a deadline passes; a recorded notification stops its
//! clock, and a late one must say why. Each new incident gets its kind's response plan as a
//! checklist. What staff write about an incident is sealed at rest.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration};
use custos_core::{AiSystemId, AlertSource, IncidentId, LedgerEvent, SubjectId, Timestamp, format_timestamp, now, parse_timestamp};
use custos_govern::clocks::{
    self, AiActRole, ClockSettings, Deadline, Duty, Escalation, IncidentFacts, IncidentKind, RiskLevel, SeriousIncidentType,
};
pub use custos_store::incidents::{IncidentRecord, IncidentText, NotificationRecord, PlanItem};
use serde_json::json;

use crate::purposes::check_label;
use crate::{Receipt, Service, ServiceError};

custos_core::vocabulary! {
    /// How serious an incident is, as the business judges it.
    pub enum Severity: "severity" {
        /// Little effect.
        Low = "low" ("Low"),
        /// Noticeable effect.
        Medium = "medium" ("Medium"),
        /// Serious effect.
        High = "high" ("High"),
        /// Very serious effect.
        Critical = "critical" ("Critical"),
    }
}

custos_core::vocabulary! {
    /// Where an incident stands.
    pub enum IncidentStatus: "status" {
        /// Being handled.
        Open = "open" ("Open"),
        /// Contained; the follow-up continues.
        Contained = "contained" ("Contained"),
        /// Done.
        Closed = "closed" ("Closed"),
    }
}

/// Most entries in each list of an incident.
pub const MAX_LIST: usize = 1_000;
/// How far in the future an awareness time may lie (clock skew between systems).
const SKEW: i64 = 300;
/// More people than live on Earth is a typing error, not a breach.
const MAX_SUBJECTS_AFFECTED: u64 = 10_000_000_000;

/// Opens an incident, or (every field optional) changes one.
#[derive(Debug, Clone, Default)]
pub struct IncidentInput {
    /// `personal_data_breach`, `ai_serious_incident`, `security_event`, `model_failure`,
    /// `complaint` (fixed once opened).
    pub kind: Option<String>,
    /// A short name, without personal data.
    pub title: Option<String>,
    /// What happened (sealed).
    pub description: Option<String>,
    /// When the business became aware (RFC 3339; default now).
    pub became_aware_at: Option<String>,
    /// When it happened, if known.
    pub occurred_at: Option<String>,
    /// AI systems affected.
    pub ai_system_ids: Option<Vec<String>>,
    /// Data categories affected.
    pub data_categories: Option<Vec<String>>,
    /// Where the people affected live (default: the AI systems' and the subjects' jurisdictions).
    pub jurisdictions: Option<Vec<String>>,
    /// How many people are affected.
    pub subjects_affected: Option<u64>,
    /// The subjects affected one by one.
    pub subject_ids: Option<Vec<String>>,
    /// `low`, `medium` (default), `high`, `critical`.
    pub severity: Option<String>,
    /// `unlikely`, `risk` (default) or `high_risk` to the people affected.
    pub risk_to_subjects: Option<String>,
    /// For AI serious incidents: `provider`, `deployer` or `provider_and_deployer` (default: the
    /// AI system's role in the inventory).
    pub ai_act_role: Option<String>,
    /// For AI serious incidents: `death`, `widespread_or_critical_infrastructure`, `other`.
    pub serious_incident_type: Option<String>,
    /// `open`, `contained`, `closed`.
    pub status: Option<String>,
    /// What was done to contain it (sealed).
    pub containment: Option<String>,
    /// Why it happened (sealed).
    pub root_cause: Option<String>,
    /// What is done so it does not happen again (sealed).
    pub actions: Option<String>,
    /// Keys of response-plan steps now done.
    pub steps_done: Option<Vec<String>>,
}

/// One legal duty of an incident and where its clock stands.
#[derive(Debug, Clone)]
pub struct Clock {
    /// The duty (key, catalog id, recipient, deadline, summary).
    pub duty: Duty,
    /// `none`, `half`, `eighty_percent` or `overdue` now (for a duty not yet met).
    pub escalation: Escalation,
    /// The notification that met it, if any.
    pub notification: Option<NotificationRecord>,
    /// The catalog entry is not yet checked against the primary text.
    pub unverified: bool,
}

/// An incident with its clocks and notifications.
#[derive(Debug, Clone)]
pub struct IncidentView {
    /// The record.
    pub incident: IncidentRecord,
    /// Its legal duties, soonest first.
    pub clocks: Vec<Clock>,
    /// Notifications made.
    pub notifications: Vec<NotificationRecord>,
    /// Jurisdictions listed whose breach rules custos does not model (say so, do not guess).
    pub unmodelled_jurisdictions: Vec<String>,
    /// The ledger receipt (writes only).
    pub receipt: Option<Receipt>,
}

/// Records that a duty was met.
#[derive(Debug, Clone, Default)]
pub struct NotificationInput {
    /// The duty's key (one of the incident's clocks).
    pub duty: String,
    /// When the notification was made (RFC 3339; default now).
    pub notified_at: Option<String>,
    /// To whom (default: the duty's recipient).
    pub recipient: Option<String>,
    /// The authority's case number or the letter's reference.
    pub reference: Option<String>,
    /// Why it was late (required when it was: GDPR Art. 33(1)).
    pub late_reason: Option<String>,
}

fn parse_or<T>(field: &str, v: &str, f: impl Fn(&str) -> Result<T, clocks::ClockError>) -> Result<T, ServiceError> {
    f(v).map_err(|e| ServiceError::invalid(field, e.to_string()))
}

fn time(field: &str, v: &str, at: &Timestamp) -> Result<Timestamp, ServiceError> {
    let t = parse_timestamp(v).ok_or_else(|| ServiceError::invalid(field, "must be an RFC 3339 time such as 2026-12-01T09:30:00Z"))?;
    if t > *at + Duration::seconds(SKEW) {
        return Err(ServiceError::invalid(field, "lies in the future"));
    }
    // The clocks add days and hours to these times and the stores keep them as text sorted by
    // value: a year before 1970 or with more than four digits would break both.
    if !(1970..=9999).contains(&t.year()) {
        return Err(ServiceError::invalid(field, "must lie between the years 1970 and 9999"));
    }
    Ok(chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t))
}

fn list(field: &str, v: &[String]) -> Result<(), ServiceError> {
    if v.len() > MAX_LIST { Err(ServiceError::invalid(field, format!("at most {MAX_LIST} entries"))) } else { Ok(()) }
}

/// Checks and applies `input` over `r`.
fn apply(input: &IncidentInput, mut r: IncidentRecord, at: &Timestamp) -> Result<IncidentRecord, ServiceError> {
    if let Some(v) = &input.title {
        check_label("title", v, 200)?;
        r.title = v.trim().to_owned();
    }
    for (field, value, slot) in [
        ("description", &input.description, &mut r.text.description),
        ("containment", &input.containment, &mut r.text.containment),
        ("root_cause", &input.root_cause, &mut r.text.root_cause),
        ("actions", &input.actions, &mut r.text.actions),
    ] {
        if let Some(v) = value {
            crate::check_text(field, v, 20_000, false)?;
            slot.clone_from(v);
        }
    }
    if let Some(v) = &input.became_aware_at {
        r.became_aware_at = time("became_aware_at", v, at)?;
    }
    if let Some(v) = &input.occurred_at {
        r.occurred_at = Some(time("occurred_at", v, at)?);
    }
    if r.occurred_at.is_some_and(|o| o > r.became_aware_at) {
        return Err(ServiceError::invalid("occurred_at", "cannot lie after `became_aware_at`"));
    }
    if let Some(v) = &input.ai_system_ids {
        list("ai_system_ids", v)?;
        let mut ids = Vec::with_capacity(v.len());
        for (i, id) in v.iter().enumerate() {
            ids.push(AiSystemId::parse(id).map_err(|e| ServiceError::invalid(&format!("ai_system_ids[{i}]"), e.message()))?.to_string());
        }
        ids.sort();
        ids.dedup();
        r.ai_system_ids = ids;
    }
    if let Some(v) = &input.data_categories {
        list("data_categories", v)?;
        r.data_categories = crate::purposes::parse_categories("data_categories", v)?.iter().map(|c| c.as_str().to_owned()).collect();
    }
    if let Some(v) = &input.jurisdictions {
        list("jurisdictions", v)?;
        for j in v {
            crate::ai_systems::check_jurisdiction("jurisdictions", j)?;
        }
        r.jurisdictions = v.clone();
        r.jurisdictions.sort();
        r.jurisdictions.dedup();
    }
    if let Some(v) = input.subjects_affected {
        if v > MAX_SUBJECTS_AFFECTED {
            return Err(ServiceError::invalid("subjects_affected", format!("at most {MAX_SUBJECTS_AFFECTED}")));
        }
        r.subjects_affected = Some(v);
    }
    if let Some(v) = &input.subject_ids {
        list("subject_ids", v)?;
        let mut ids = Vec::with_capacity(v.len());
        for (i, id) in v.iter().enumerate() {
            ids.push(SubjectId::parse(id).map_err(|e| ServiceError::invalid(&format!("subject_ids[{i}]"), e.message()))?.to_string());
        }
        ids.sort();
        ids.dedup();
        r.subject_ids = ids;
    }
    if r.subjects_affected.is_some_and(|n| n < r.subject_ids.len() as u64) {
        return Err(ServiceError::invalid("subjects_affected", "is fewer than the subjects listed"));
    }
    if let Some(v) = &input.severity {
        r.severity = Severity::parse(v).map_err(|e| ServiceError::invalid("severity", e.message()))?.as_str().to_owned();
    }
    if let Some(v) = &input.risk_to_subjects {
        r.risk_to_subjects = parse_or("risk_to_subjects", v, RiskLevel::parse)?.as_str().to_owned();
    }
    if let Some(v) = &input.ai_act_role {
        r.ai_act_role = Some(parse_or("ai_act_role", v, AiActRole::parse)?.as_str().to_owned());
    }
    if let Some(v) = &input.serious_incident_type {
        r.serious_incident_type = Some(parse_or("serious_incident_type", v, SeriousIncidentType::parse)?.as_str().to_owned());
    }
    if let Some(v) = &input.status {
        let status = IncidentStatus::parse(v).map_err(|e| ServiceError::invalid("status", e.message()))?;
        if status == IncidentStatus::Closed && r.status != IncidentStatus::Closed.as_str() {
            r.closed_at = Some(*at);
        } else if status != IncidentStatus::Closed {
            r.closed_at = None;
        }
        r.status = status.as_str().to_owned();
    }
    if let Some(done) = &input.steps_done {
        for (i, key) in done.iter().enumerate() {
            let Some(step) = r.plan.iter_mut().find(|s| &s.key == key) else {
                return Err(ServiceError::invalid(
                    &format!("steps_done[{i}]"),
                    format!("`{key}` is not a step of this incident's response plan"),
                ));
            };
            if step.done_at.is_none() {
                step.done_at = Some(format_timestamp(at));
            }
        }
    }
    Ok(r)
}

/// The facts the clocks run from.
fn facts(r: &IncidentRecord) -> Result<IncidentFacts, ServiceError> {
    let corrupt = |e: clocks::ClockError| ServiceError::from(custos_store::StoreError::Corrupt(e.to_string()));
    Ok(IncidentFacts {
        kind: IncidentKind::parse(&r.kind).map_err(corrupt)?,
        became_aware_at: r.became_aware_at,
        jurisdictions: r.jurisdictions.clone(),
        risk_to_subjects: RiskLevel::parse(&r.risk_to_subjects).map_err(corrupt)?,
        ai_act_role: r.ai_act_role.as_deref().map(AiActRole::parse).transpose().map_err(corrupt)?,
        serious_incident_type: r.serious_incident_type.as_deref().map(SeriousIncidentType::parse).transpose().map_err(corrupt)?,
        subjects_affected: r.subjects_affected.or(if r.subject_ids.is_empty() { None } else { Some(r.subject_ids.len() as u64) }),
    })
}

/// The incident's clocks at `at`, soonest first.
fn clocks_of(
    r: &IncidentRecord,
    notifications: &[NotificationRecord],
    settings: &ClockSettings,
    at: &Timestamp,
) -> Result<Vec<Clock>, ServiceError> {
    let duties = clocks::duties(&facts(r)?, settings);
    Ok(duties
        .into_iter()
        .map(|duty| {
            let notification = notifications.iter().find(|n| n.duty == duty.key).cloned();
            let escalation = if notification.is_some() || r.status == IncidentStatus::Closed.as_str() {
                Escalation::None
            } else {
                clocks::escalation(&duty, r.became_aware_at, *at)
            };
            let unverified = custos_govern::catalog::obligation(&duty.obligation_id).is_none_or(|o| !o.verified);
            Clock { duty, escalation, notification, unverified }
        })
        .collect())
}

/// The duty's deadline in words: "within 72 hours (by 5 Dec 2026, 14:00 UTC)".
pub fn deadline_words(d: &Deadline) -> String {
    match d {
        Deadline::Fixed { due_at, period } => format!("within {period} (by {})", due_at.format("%-d %b %Y, %H:%M UTC")),
        Deadline::WithoutUndueDelay { escalate_at, wording } => {
            format!("{wording} (flagged as overdue from {})", escalate_at.format("%-d %b %Y, %H:%M UTC"))
        }
    }
}

fn alert_kind(level: Escalation) -> Option<&'static str> {
    match level {
        Escalation::None => None,
        Escalation::Half => Some("clock_half"),
        Escalation::EightyPercent => Some("clock_eighty_percent"),
        Escalation::Overdue => Some("clock_overdue"),
    }
}

const ALERT_KINDS: [&str; 3] = ["clock_half", "clock_eighty_percent", "clock_overdue"];

fn ledger_doc(r: &IncidentRecord) -> serde_json::Value {
    json!({
        "incident_id": r.incident_id.to_string(),
        "kind": r.kind,
        // The ledger outlives erasure: a title typed by staff may name people, so only its hash.
        "title_sha256": crate::ledger::sha256_hex(r.title.as_bytes()),
        "became_aware_at": format_timestamp(&r.became_aware_at),
        "occurred_at": r.occurred_at.as_ref().map(format_timestamp),
        "ai_system_ids": r.ai_system_ids,
        "data_categories": r.data_categories,
        "jurisdictions": r.jurisdictions,
        "subjects_affected": r.subjects_affected,
        "subject_ids": r.subject_ids.len(),
        "severity": r.severity,
        "risk_to_subjects": r.risk_to_subjects,
        "ai_act_role": r.ai_act_role,
        "serious_incident_type": r.serious_incident_type,
        "status": r.status,
        "steps_done": r.plan.iter().filter(|s| s.done_at.is_some()).count(),
    })
}

/// Incidents and their clocks.
#[derive(Clone, Copy)]
pub struct Incidents<'a>(pub(crate) &'a Service);

impl Incidents<'_> {
    fn settings(&self) -> ClockSettings {
        ClockSettings { undue_delay_escalate_after: Duration::hours(i64::from(self.0.config.undue_delay_hours.max(1))) }
    }

    /// Opens an incident: `kind`, `title` and `description` are required; its response plan is
    /// attached, its clocks start from `became_aware_at`, escalations already due fire now; a
    /// ledger event (facts only, never the text).
    pub async fn create(&self, input: IncidentInput, by: &str) -> Result<IncidentView, ServiceError> {
        self.create_at(input, by, now()).await
    }

    /// [`Incidents::create`] at a given time (tests inject the clock).
    pub async fn create_at(&self, input: IncidentInput, by: &str, at: Timestamp) -> Result<IncidentView, ServiceError> {
        for (field, given) in
            [("kind", input.kind.is_some()), ("title", input.title.is_some()), ("description", input.description.is_some())]
        {
            if !given {
                return Err(ServiceError::invalid(field, "is required"));
            }
        }
        let kind = parse_or("kind", input.kind.as_deref().unwrap_or_default(), IncidentKind::parse)?;
        if input.description.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(ServiceError::invalid("description", "say what happened"));
        }
        let base = IncidentRecord {
            incident_id: IncidentId::new(),
            kind: kind.as_str().to_owned(),
            title: String::new(),
            became_aware_at: at,
            occurred_at: None,
            ai_system_ids: Vec::new(),
            data_categories: Vec::new(),
            jurisdictions: Vec::new(),
            subjects_affected: None,
            subject_ids: Vec::new(),
            severity: Severity::Medium.as_str().to_owned(),
            risk_to_subjects: RiskLevel::Risk.as_str().to_owned(),
            ai_act_role: None,
            serious_incident_type: None,
            status: IncidentStatus::Open.as_str().to_owned(),
            text: IncidentText::default(),
            plan: custos_govern::plans::response_plan(kind)
                .iter()
                .map(|s| PlanItem { key: s.key.clone(), text: s.text.clone(), done_at: None })
                .collect(),
            created_by: by.to_owned(),
            created_at: at,
            updated_at: at,
            closed_at: None,
        };
        let mut record = apply(&input, base, &at)?;
        let settings = self.settings();
        let view = self
            .0
            .write(async |tx| {
                // What the inventory and the subjects say, where the input is silent.
                let mut places: BTreeSet<String> = BTreeSet::new();
                let mut roles: BTreeSet<String> = BTreeSet::new();
                for (i, id) in record.ai_system_ids.iter().enumerate() {
                    let Some(system) = custos_store::ai_systems::get(tx, &AiSystemId::parse(id)?).await? else {
                        return Err(ServiceError::unprocessable(&format!("ai_system_ids[{i}]"), format!("no AI system `{id}`")));
                    };
                    places.extend(system.jurisdictions);
                    roles.insert(system.ai_act_role);
                }
                for (i, id) in record.subject_ids.iter().enumerate() {
                    let Some(subject) = custos_store::subjects::get(tx, &SubjectId::parse(id)?).await? else {
                        return Err(ServiceError::unprocessable(&format!("subject_ids[{i}]"), format!("no subject `{id}`")));
                    };
                    places.insert(subject.jurisdiction.as_str().to_owned());
                }
                if input.jurisdictions.is_none() {
                    record.jurisdictions = places.into_iter().collect();
                }
                if kind == IncidentKind::AiSeriousIncident && record.ai_act_role.is_none() {
                    if roles.len() == 1 {
                        record.ai_act_role = roles.into_iter().next();
                    } else {
                        return Err(ServiceError::unprocessable(
                            "ai_act_role",
                            "name the business's role for this AI system (provider, deployer or provider_and_deployer), or the one AI system affected: the AI Act's clocks differ",
                        ));
                    }
                }
                custos_store::incidents::insert(tx, &record).await?;
                let leaf = crate::ledger::event_at(LedgerEvent::IncidentOpened, &at, ledger_doc(&record));
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                let clocks = clocks_of(&record, &[], &settings, &at)?;
                escalate_one(tx, &record, &clocks, &at).await?;
                Ok(IncidentView {
                    unmodelled_jurisdictions: clocks::unmodelled_jurisdictions(&facts(&record)?),
                    incident: record.clone(),
                    clocks,
                    notifications: Vec::new(),
                    receipt: Some(receipt),
                })
            })
            .await?;
        Ok(view)
    }

    /// Changes the given fields (the kind stays); the clocks follow the new facts; a ledger event
    /// naming what changed.
    pub async fn update(&self, incident_id: &str, input: IncidentInput) -> Result<IncidentView, ServiceError> {
        self.update_at(incident_id, input, now()).await
    }

    /// [`Incidents::update`] at a given time.
    pub async fn update_at(&self, incident_id: &str, input: IncidentInput, at: Timestamp) -> Result<IncidentView, ServiceError> {
        let id = IncidentId::parse(incident_id)?;
        if input.kind.is_some() {
            return Err(ServiceError::invalid("kind", "an incident's kind is fixed when it is opened; open another one"));
        }
        let settings = self.settings();
        self.0
            .write(async |tx| {
                let current = custos_store::incidents::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "incident" })?;
                let mut changed = apply(&input, current.clone(), &at)?;
                for (i, sys) in changed.ai_system_ids.iter().enumerate() {
                    if !current.ai_system_ids.contains(sys) && custos_store::ai_systems::get(tx, &AiSystemId::parse(sys)?).await?.is_none()
                    {
                        return Err(ServiceError::unprocessable(&format!("ai_system_ids[{i}]"), format!("no AI system `{sys}`")));
                    }
                }
                for (i, s) in changed.subject_ids.iter().enumerate() {
                    if !current.subject_ids.contains(s) && custos_store::subjects::get(tx, &SubjectId::parse(s)?).await?.is_none() {
                        return Err(ServiceError::unprocessable(&format!("subject_ids[{i}]"), format!("no subject `{s}`")));
                    }
                }
                let (before, after) = (ledger_doc(&current), ledger_doc(&changed));
                let mut fields: serde_json::Map<String, serde_json::Value> = crate::ledger::changed_fields(&before, &after);
                for (name, a, b) in [
                    ("description", &current.text.description, &changed.text.description),
                    ("containment", &current.text.containment, &changed.text.containment),
                    ("root_cause", &current.text.root_cause, &changed.text.root_cause),
                    ("actions", &current.text.actions, &changed.text.actions),
                ] {
                    if a != b {
                        fields.insert(name.into(), json!("changed"));
                    }
                }
                let notifications = custos_store::incidents::notifications(tx, &id).await?;
                if fields.is_empty() {
                    let clocks = clocks_of(&current, &notifications, &settings, &at)?;
                    return Ok(IncidentView {
                        unmodelled_jurisdictions: clocks::unmodelled_jurisdictions(&facts(&current)?),
                        incident: current,
                        clocks,
                        notifications,
                        receipt: None,
                    });
                }
                changed.updated_at = at;
                custos_store::incidents::update(tx, &changed).await?;
                let leaf =
                    crate::ledger::event_at(LedgerEvent::IncidentUpdated, &at, json!({"incident_id": id.to_string(), "changed": fields}));
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                let clocks = clocks_of(&changed, &notifications, &settings, &at)?;
                settle_stale(tx, &changed, &clocks, &at).await?;
                escalate_one(tx, &changed, &clocks, &at).await?;
                Ok(IncidentView {
                    unmodelled_jurisdictions: clocks::unmodelled_jurisdictions(&facts(&changed)?),
                    incident: changed,
                    clocks,
                    notifications,
                    receipt: Some(receipt),
                })
            })
            .await
    }

    /// Records a notification for one of the incident's duties: it stops that clock and settles
    /// its alerts. Late (after the fixed deadline, or after the escalation time of an open-ended
    /// duty) it must give `late_reason`. One per duty.
    pub async fn notify(&self, incident_id: &str, input: NotificationInput, by: &str) -> Result<IncidentView, ServiceError> {
        self.notify_at(incident_id, input, by, now()).await
    }

    /// [`Incidents::notify`] at a given time.
    pub async fn notify_at(
        &self,
        incident_id: &str,
        input: NotificationInput,
        by: &str,
        at: Timestamp,
    ) -> Result<IncidentView, ServiceError> {
        let id = IncidentId::parse(incident_id)?;
        crate::check_token("duty", &input.duty)?;
        let notified_at = input.notified_at.as_deref().map(|v| time("notified_at", v, &at)).transpose()?.unwrap_or(at);
        if let Some(r) = &input.reference {
            crate::check_text("reference", r, 500, false)?;
        }
        if let Some(r) = &input.recipient {
            check_label("recipient", r, 200)?;
        }
        if let Some(r) = &input.late_reason {
            crate::check_text("late_reason", r, 5_000, false)?;
        }
        let settings = self.settings();
        self.0
            .write(async |tx| {
                let incident = custos_store::incidents::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "incident" })?;
                let mut notifications = custos_store::incidents::notifications(tx, &id).await?;
                let clocks = clocks_of(&incident, &notifications, &settings, &at)?;
                let Some(clock) = clocks.iter().find(|c| c.duty.key == input.duty) else {
                    let known: Vec<&str> = clocks.iter().map(|c| c.duty.key.as_str()).collect();
                    return Err(ServiceError::unprocessable(
                        "duty",
                        if known.is_empty() {
                            "this incident has no legal duty to notify".to_owned()
                        } else {
                            format!("must be one of {}", known.join(", "))
                        },
                    ));
                };
                if clock.notification.is_some() {
                    return Err(ServiceError::Conflict(format!("the notification for `{}` is recorded already", input.duty)));
                }
                if notified_at < incident.became_aware_at {
                    return Err(ServiceError::invalid("notified_at", "lies before the business became aware of the incident"));
                }
                let late = clocks::lateness(&clock.duty, notified_at);
                let reason = input.late_reason.clone().filter(|r| !r.trim().is_empty());
                if late.is_some() && reason.is_none() {
                    return Err(ServiceError::unprocessable(
                        "late_reason",
                        "the notification is late: give the reasons for the delay (GDPR Art. 33(1))",
                    ));
                }
                let record = NotificationRecord {
                    notification_id: uuid::Uuid::now_v7().to_string(),
                    incident_id: id,
                    duty: clock.duty.key.clone(),
                    notified_at,
                    recipient: input.recipient.clone().unwrap_or_else(|| clock.duty.recipient.clone()),
                    reference: input.reference.clone().unwrap_or_default(),
                    late_reason: if late.is_some() { reason } else { None },
                    late_seconds: late.map(|d| d.num_seconds()),
                    created_by: by.to_owned(),
                    created_at: at,
                };
                custos_store::incidents::insert_notification(tx, &record).await?;
                for kind in ALERT_KINDS {
                    crate::alerts::settle(tx, AlertSource::Incidents, kind, &format!("{id}/{}", record.duty), &at).await?;
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::IncidentNotified,
                    &at,
                    json!({"incident_id": id.to_string(), "duty": record.duty, "obligation_id": clock.duty.obligation_id,
                           "notified_at": format_timestamp(&notified_at), "late_seconds": record.late_seconds}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                notifications.push(record);
                let clocks = clocks_of(&incident, &notifications, &settings, &at)?;
                Ok(IncidentView {
                    unmodelled_jurisdictions: clocks::unmodelled_jurisdictions(&facts(&incident)?),
                    incident,
                    clocks,
                    notifications,
                    receipt: Some(receipt),
                })
            })
            .await
    }

    /// One incident with its clocks at `at`.
    pub async fn get_at(&self, incident_id: &str, at: Timestamp) -> Result<IncidentView, ServiceError> {
        let id = IncidentId::parse(incident_id)?;
        let settings = self.settings();
        self.0
            .read(async |tx| {
                let incident = custos_store::incidents::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "incident" })?;
                let notifications = custos_store::incidents::notifications(tx, &id).await?;
                let clocks = clocks_of(&incident, &notifications, &settings, &at)?;
                Ok(IncidentView {
                    unmodelled_jurisdictions: clocks::unmodelled_jurisdictions(&facts(&incident)?),
                    incident,
                    clocks,
                    notifications,
                    receipt: None,
                })
            })
            .await
    }

    /// One incident with its clocks now.
    pub async fn get(&self, incident_id: &str) -> Result<IncidentView, ServiceError> {
        self.get_at(incident_id, now()).await
    }

    /// Incidents, newest awareness first, with their clocks at `at` (at most 500).
    pub async fn list_at(&self, open_only: bool, at: Timestamp) -> Result<Vec<IncidentView>, ServiceError> {
        let settings = self.settings();
        self.0
            .read(async |tx| {
                let mut out = Vec::new();
                for incident in custos_store::incidents::list(tx, open_only, 500).await? {
                    let notifications = custos_store::incidents::notifications(tx, &incident.incident_id).await?;
                    let clocks = clocks_of(&incident, &notifications, &settings, &at)?;
                    out.push(IncidentView {
                        unmodelled_jurisdictions: clocks::unmodelled_jurisdictions(&facts(&incident)?),
                        incident,
                        clocks,
                        notifications,
                        receipt: None,
                    });
                }
                Ok(out)
            })
            .await
    }

    /// Fires the escalations due at `at` for every incident not closed: an alert per duty and
    /// level (50 %, 80 %, overdue), once each; the server runs this every minute, tests with
    /// their own clock. The number of alerts fired.
    pub async fn escalate(&self, at: Timestamp) -> Result<usize, ServiceError> {
        let settings = self.settings();
        self.0
            .write(async |tx| {
                let mut fired = 0;
                let mut running = BTreeSet::new();
                let open = custos_store::incidents::list(tx, true, 10_000).await?;
                let complete = open.len() < 10_000;
                for incident in open {
                    let notifications = custos_store::incidents::notifications(tx, &incident.incident_id).await?;
                    let clocks = clocks_of(&incident, &notifications, &settings, &at)?;
                    fired += escalate_one(tx, &incident, &clocks, &at).await?;
                    running.extend(
                        clocks
                            .iter()
                            .filter(|c| c.escalation != Escalation::None)
                            .map(|c| format!("{}/{}", incident.incident_id, c.duty.key)),
                    );
                }
                // Whatever still fires for a clock that stopped (a notification, a closed
                // incident, changed facts) is settled here too, should a write have missed it.
                let firing =
                    custos_store::alerts::list(tx, Some(AlertSource::Incidents), Some(custos_core::AlertState::Firing), 10_000).await?;
                for a in firing.iter().filter(|a| complete && !running.contains(&a.about)) {
                    crate::alerts::settle(tx, AlertSource::Incidents, &a.kind, &a.about, &at).await?;
                }
                Ok(fired)
            })
            .await
    }
}

/// Fires the alert of each clock's current level (and settles the lower ones it replaces).
async fn escalate_one(tx: &mut custos_store::Tx, r: &IncidentRecord, clocks: &[Clock], at: &Timestamp) -> Result<usize, ServiceError> {
    let mut fired = 0;
    for c in clocks {
        let Some(kind) = alert_kind(c.escalation) else { continue };
        let about = format!("{}/{}", r.incident_id, c.duty.key);
        for lower in ALERT_KINDS.iter().take_while(|k| **k != kind) {
            crate::alerts::settle(tx, AlertSource::Incidents, lower, &about, at).await?;
        }
        let how = match c.escalation {
            Escalation::Half => "half the time has passed",
            Escalation::EightyPercent => "80% of the time has passed",
            _ => "the deadline has passed",
        };
        // No title: alerts are kept in the clear and staff may have named people in it.
        let message = format!(
            "A {} known since {}: {how}. Duty: notify {} {}.",
            IncidentKind::parse(&r.kind).map(|k| k.label()).unwrap_or("incident"),
            r.became_aware_at.format("%-d %b %Y, %H:%M UTC"),
            c.duty.recipient,
            deadline_words(&c.duty.deadline)
        );
        let firing = crate::alerts::Firing { source: AlertSource::Incidents, kind, about: &about, message, value: None, threshold: None };
        if crate::alerts::fire(tx, firing, at).await?.is_some() {
            fired += 1;
        }
    }
    Ok(fired)
}

/// Settles alerts of duties that no longer apply (the facts changed) or were met.
async fn settle_stale(tx: &mut custos_store::Tx, r: &IncidentRecord, clocks: &[Clock], at: &Timestamp) -> Result<(), ServiceError> {
    let current: BTreeSet<String> =
        clocks.iter().filter(|c| c.escalation != Escalation::None).map(|c| format!("{}/{}", r.incident_id, c.duty.key)).collect();
    for a in custos_store::alerts::list(tx, Some(AlertSource::Incidents), Some(custos_core::AlertState::Firing), 10_000).await? {
        if a.about.starts_with(&format!("{}/", r.incident_id)) && !current.contains(&a.about) {
            crate::alerts::settle(tx, AlertSource::Incidents, &a.kind, &a.about, at).await?;
        }
    }
    Ok(())
}

/// The letter to the people affected by a breach (GDPR Art. 34(2): in plain language, the
/// nature of the breach, a contact point, the likely consequences, the measures taken).
const LETTER: &str = include_str!("../data/breach_letter.txt");

/// Fills `{name}` placeholders in one pass: what staff wrote is inserted as it is, so a `{...}`
/// inside it is never filled in turn; an unknown placeholder stays as written.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .map(|close| (&after[..close], close))
            .and_then(|(name, close)| values.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v, close)))
        {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What the letter to the people affected says (every field in plain words, no personal data).
#[derive(Debug, Clone, Default)]
pub struct LetterInput {
    /// What happened, for the people affected.
    pub what_happened: String,
    /// What it may mean for them.
    pub consequences: String,
    /// What the business did and what they can do.
    pub measures: String,
    /// Whom to contact (the DPO's address).
    pub contact_point: String,
    /// The duty the letters meet (e.g. `gdpr_34_subjects`): a notification is recorded for it.
    pub duty: Option<String>,
    /// Why the letters are late, when they are.
    pub late_reason: Option<String>,
}

/// What sending the letters did.
#[derive(Debug, Clone)]
pub struct LetterReport {
    /// Letters handed to the delivery channel.
    pub sent: usize,
    /// People without an e-mail address on file (or erased).
    pub no_contact: usize,
    /// Deliveries that failed.
    pub failed: usize,
    /// The text sent (the same to everyone).
    pub letter: String,
    /// The incident afterwards (with the notification, when a duty was named).
    pub incident: IncidentView,
}

impl Incidents<'_> {
    /// Sends the templated letter to every subject the incident lists, through the delivery
    /// channel the privacy center uses, and records the notification of `duty` when one was
    /// named and at least one letter went out. Everything is checked before anything is sent.
    pub async fn send_letters(&self, incident_id: &str, input: LetterInput, by: &str) -> Result<LetterReport, ServiceError> {
        for (field, v, max) in [
            ("what_happened", &input.what_happened, 5_000),
            ("consequences", &input.consequences, 5_000),
            ("measures", &input.measures, 5_000),
            ("contact_point", &input.contact_point, 500),
        ] {
            if v.trim().is_empty() {
                return Err(ServiceError::invalid(field, "is required: the law asks the letter to say it (GDPR Art. 34(2))"));
            }
            crate::check_text(field, v, max, false)?;
        }
        let delivery = self.0.code_delivery.clone().ok_or_else(|| {
            ServiceError::unprocessable("delivery", "no delivery channel is configured on this server: letters cannot reach anyone")
        })?;
        let at = now();
        let view = self.get_at(incident_id, at).await?;
        if view.incident.subject_ids.is_empty() {
            return Err(ServiceError::unprocessable("subject_ids", "list the people affected (`subject_ids`) on the incident first"));
        }
        if let Some(duty) = &input.duty {
            let Some(clock) = view.clocks.iter().find(|c| &c.duty.key == duty) else {
                return Err(ServiceError::unprocessable("duty", "is not one of this incident's duties"));
            };
            if clock.notification.is_some() {
                return Err(ServiceError::Conflict(format!("the notification for `{duty}` is recorded already")));
            }
            if clocks::lateness(&clock.duty, at).is_some() && input.late_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(ServiceError::unprocessable("late_reason", "the letters are late: give the reasons for the delay"));
            }
        }
        let aware = view.incident.became_aware_at.format("%-d %B %Y").to_string();
        let letter = fill(
            LETTER,
            &[
                ("title", view.incident.title.as_str()),
                ("aware", aware.as_str()),
                ("what_happened", input.what_happened.trim()),
                ("consequences", input.consequences.trim()),
                ("measures", input.measures.trim()),
                ("contact_point", input.contact_point.trim()),
            ],
        );
        let email = custos_core::DataCategory::parse("user.contact.email").ok();
        let (mut sent, mut no_contact, mut failed) = (0, 0, 0);
        for id in &view.incident.subject_ids {
            let Ok(subject) = self.0.subjects().get(id).await else {
                no_contact += 1;
                continue;
            };
            let contact = email
                .as_ref()
                .and_then(|e| subject.data.as_ref().and_then(|d| d.get(e).cloned()))
                .and_then(|v| v.as_str().map(str::to_owned));
            match contact {
                None => no_contact += 1,
                Some(c) => match delivery.notify(subject.external_id.as_deref().unwrap_or_default(), &c, &letter) {
                    Ok(()) => sent += 1,
                    Err(e) => {
                        failed += 1;
                        tracing::warn!(error = %e, "a breach letter could not be delivered");
                    }
                },
            }
        }
        let total = view.incident.subject_ids.len();
        let letter_sha256 = crate::ledger::sha256_hex(letter.as_bytes());
        let record_leaf = crate::ledger::event_at(
            LedgerEvent::IncidentLettersSent,
            &at,
            json!({"incident_id": view.incident.incident_id.to_string(), "sent": sent, "no_contact": no_contact, "failed": failed,
                   "letter_sha256": letter_sha256, "by": by}),
        );
        self.0.write(async |tx| Ok(custos_store::ledger::append_leaf(tx, record_leaf.clone()).await?)).await?;
        let incident = match (&input.duty, sent) {
            (Some(duty), n) if n > 0 => {
                let note = NotificationInput {
                    duty: duty.clone(),
                    notified_at: None,
                    recipient: Some(format!("the people affected ({n} of {total} by letter)")),
                    reference: Some(format!("letter sha256 {}", &letter_sha256[..16])),
                    late_reason: input.late_reason.clone(),
                };
                self.notify_at(incident_id, note, by, at).await?
            }
            _ => self.get_at(incident_id, at).await?,
        };
        Ok(LetterReport { sent, no_contact, failed, letter, incident })
    }
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn letters_are_filled_in_one_pass() {
        let values = [("title", "Lost {measures}"), ("measures", "Passwords reset")];
        assert_eq!(fill("{title}: {measures}. {unknown} {", &values), "Lost {measures}: Passwords reset. {unknown} {");
        assert_eq!(fill("no placeholders", &values), "no placeholders");
        assert_eq!(fill("{title}{title}", &values), "Lost {measures}Lost {measures}");
    }
}

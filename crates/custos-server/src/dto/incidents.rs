//! Incidents and their legal clocks on the wire.

use custos_service::incidents as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, optional_words, receipt, ts, words};

/// Opens an incident (POST: `kind`, `title`, `description` required), or changes the fields
/// given (PATCH; the kind stays).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentInput {
    /// `personal_data_breach`, `ai_serious_incident`, `security_event`, `model_failure` or
    /// `complaint`.
    #[schema(example = "personal_data_breach")]
    pub kind: Option<String>,
    /// A short name, without personal data.
    #[schema(example = "Campaign list sent to the wrong agency")]
    pub title: Option<String>,
    /// What happened (sealed at rest).
    pub description: Option<String>,
    /// When the business became aware (RFC 3339; default now): every legal clock runs from here.
    pub became_aware_at: Option<String>,
    /// When it happened, if known.
    pub occurred_at: Option<String>,
    /// The AI systems affected.
    pub ai_system_ids: Option<Vec<String>>,
    /// The data categories affected (fideslang).
    pub data_categories: Option<Vec<String>>,
    /// Where the people affected live (ISO 3166 codes; default: the AI systems' and subjects').
    pub jurisdictions: Option<Vec<String>>,
    /// How many people are affected.
    pub subjects_affected: Option<u64>,
    /// The subjects affected, one by one.
    pub subject_ids: Option<Vec<String>>,
    /// `low`, `medium` (default), `high` or `critical`.
    pub severity: Option<String>,
    /// `unlikely`, `risk` (default) or `high_risk` to the people affected (GDPR Art. 33(1), 34(1)).
    pub risk_to_subjects: Option<String>,
    /// AI serious incidents: `provider`, `deployer` or `provider_and_deployer` (default: the AI
    /// system's role in the inventory).
    pub ai_act_role: Option<String>,
    /// AI serious incidents: `death`, `widespread_or_critical_infrastructure` or `other`.
    pub serious_incident_type: Option<String>,
    /// `open`, `contained` or `closed`.
    #[schema(schema_with = optional_words::<domain::IncidentStatus>)]
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

impl From<IncidentInput> for domain::IncidentInput {
    fn from(i: IncidentInput) -> Self {
        Self {
            kind: i.kind,
            title: i.title,
            description: i.description,
            became_aware_at: i.became_aware_at,
            occurred_at: i.occurred_at,
            ai_system_ids: i.ai_system_ids,
            data_categories: i.data_categories,
            jurisdictions: i.jurisdictions,
            subjects_affected: i.subjects_affected,
            subject_ids: i.subject_ids,
            severity: i.severity,
            risk_to_subjects: i.risk_to_subjects,
            ai_act_role: i.ai_act_role,
            serious_incident_type: i.serious_incident_type,
            status: i.status,
            containment: i.containment,
            root_cause: i.root_cause,
            actions: i.actions,
            steps_done: i.steps_done,
        }
    }
}

/// Records that one of the incident's duties was met: it stops that clock.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotificationInput {
    /// The duty's key, as the incident's `clocks[].duty` names it (e.g. `gdpr_33_authority`).
    #[schema(example = "gdpr_33_authority")]
    pub duty: String,
    /// When the notification was made (RFC 3339; default now).
    pub notified_at: Option<String>,
    /// To whom (default: the duty's recipient).
    pub recipient: Option<String>,
    /// The authority's case number or the letter's reference.
    pub reference: Option<String>,
    /// Why it was late; required when it was (GDPR Art. 33(1)).
    pub late_reason: Option<String>,
}

impl From<NotificationInput> for domain::NotificationInput {
    fn from(i: NotificationInput) -> Self {
        Self { duty: i.duty, notified_at: i.notified_at, recipient: i.recipient, reference: i.reference, late_reason: i.late_reason }
    }
}

/// A notification made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct NotificationView {
    /// The duty it met.
    pub duty: String,
    /// When it was made.
    pub notified_at: String,
    /// To whom.
    pub recipient: String,
    /// The authority's case number or the letter's reference.
    pub reference: String,
    /// How late it was, in seconds (none: on time).
    pub late_seconds: Option<i64>,
    /// Why it was late.
    pub late_reason: Option<String>,
    /// Who recorded it.
    pub created_by: String,
}

impl From<domain::NotificationRecord> for NotificationView {
    fn from(n: domain::NotificationRecord) -> Self {
        Self {
            duty: n.duty,
            notified_at: ts(&n.notified_at),
            recipient: n.recipient,
            reference: n.reference,
            late_seconds: n.late_seconds,
            late_reason: n.late_reason,
            created_by: n.created_by,
        }
    }
}

/// A legal duty of the incident and where its clock stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ClockView {
    /// The duty's key (what a notification names).
    pub duty: String,
    /// The obligation in the catalog it rests on (e.g. `GDPR-33`).
    pub obligation_id: String,
    /// Whether that entry was checked against the primary text.
    pub verified: bool,
    /// The law's jurisdiction (`EU`, `GB`, `US-TX` ...).
    pub jurisdiction: String,
    /// Who must be told.
    pub recipient: String,
    /// `fixed` (a period from awareness) or `without_undue_delay`.
    pub deadline_type: String,
    /// The deadline of a fixed period, or when an open-ended duty is flagged as overdue.
    pub due_at: String,
    /// The period ("72 hours") or the law's words ("without undue delay").
    pub period: String,
    /// `running`, `half`, `eighty_percent`, `overdue`, `notified` or `notified_late`.
    pub state: String,
    /// The duty in plain words with its legal reference.
    pub summary: String,
}

impl From<domain::Clock> for ClockView {
    fn from(c: domain::Clock) -> Self {
        let (deadline_type, period) = match &c.duty.deadline {
            custos_govern::clocks::Deadline::Fixed { period, .. } => ("fixed", period.clone()),
            custos_govern::clocks::Deadline::WithoutUndueDelay { wording, .. } => ("without_undue_delay", wording.clone()),
        };
        let state = match (&c.notification, c.escalation) {
            (Some(n), _) if n.late_seconds.is_some() => "notified_late",
            (Some(_), _) => "notified",
            (None, custos_govern::clocks::Escalation::None) => "running",
            (None, e) => e.as_str(),
        };
        Self {
            due_at: ts(&c.duty.deadline.target_at()),
            duty: c.duty.key,
            obligation_id: c.duty.obligation_id,
            verified: !c.unverified,
            jurisdiction: c.duty.jurisdiction,
            recipient: c.duty.recipient,
            deadline_type: deadline_type.to_owned(),
            period,
            state: state.to_owned(),
            summary: c.duty.summary,
        }
    }
}

/// One step of the response plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PlanStepView {
    /// Its key (what `steps_done` names).
    pub key: String,
    /// What to do.
    pub text: String,
    /// When it was done.
    pub done_at: Option<String>,
}

/// An incident with its clocks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct IncidentView {
    /// Id.
    pub incident_id: String,
    /// What kind of incident.
    pub kind: String,
    /// A short name.
    pub title: String,
    /// What happened.
    pub description: String,
    /// When the business became aware.
    pub became_aware_at: String,
    /// When it happened, if known.
    pub occurred_at: Option<String>,
    /// AI systems affected.
    pub ai_system_ids: Vec<String>,
    /// Data categories affected.
    pub data_categories: Vec<String>,
    /// Where the people affected live.
    pub jurisdictions: Vec<String>,
    /// Jurisdictions listed whose breach rules custos does not model: check them by hand.
    pub unmodelled_jurisdictions: Vec<String>,
    /// How many people are affected.
    pub subjects_affected: Option<u64>,
    /// The subjects affected one by one.
    pub subject_ids: Vec<String>,
    /// How serious.
    #[schema(schema_with = words::<domain::Severity>)]
    pub severity: String,
    /// The risk to the people affected.
    pub risk_to_subjects: String,
    /// The business's AI Act role (AI serious incidents).
    pub ai_act_role: Option<String>,
    /// The AI Act type of serious incident.
    pub serious_incident_type: Option<String>,
    /// Where it stands.
    #[schema(schema_with = words::<domain::IncidentStatus>)]
    pub status: String,
    /// What was done to contain it.
    pub containment: String,
    /// Why it happened.
    pub root_cause: String,
    /// What is done so it does not happen again.
    pub actions: String,
    /// The response plan's checklist.
    pub plan: Vec<PlanStepView>,
    /// Its legal duties and their clocks, soonest first.
    pub clocks: Vec<ClockView>,
    /// Notifications made.
    pub notifications: Vec<NotificationView>,
    /// Who opened it.
    pub created_by: String,
    /// When it was opened.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it was closed.
    pub closed_at: Option<String>,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::IncidentView> for IncidentView {
    fn from(v: domain::IncidentView) -> Self {
        let i = v.incident;
        Self {
            incident_id: i.incident_id.to_string(),
            kind: i.kind,
            title: i.title,
            description: i.text.description,
            became_aware_at: ts(&i.became_aware_at),
            occurred_at: i.occurred_at.as_ref().map(ts),
            ai_system_ids: i.ai_system_ids,
            data_categories: i.data_categories,
            jurisdictions: i.jurisdictions,
            unmodelled_jurisdictions: v.unmodelled_jurisdictions,
            subjects_affected: i.subjects_affected,
            subject_ids: i.subject_ids,
            severity: i.severity,
            risk_to_subjects: i.risk_to_subjects,
            ai_act_role: i.ai_act_role,
            serious_incident_type: i.serious_incident_type,
            status: i.status,
            containment: i.text.containment,
            root_cause: i.text.root_cause,
            actions: i.text.actions,
            plan: i.plan.into_iter().map(|s| PlanStepView { key: s.key, text: s.text, done_at: s.done_at }).collect(),
            clocks: v.clocks.into_iter().map(Into::into).collect(),
            notifications: v.notifications.into_iter().map(Into::into).collect(),
            created_by: i.created_by,
            created_at: ts(&i.created_at),
            updated_at: ts(&i.updated_at),
            closed_at: i.closed_at.as_ref().map(ts),
            receipt: receipt(v.receipt),
        }
    }
}

/// The letter to the people affected (GDPR Art. 34(2)): every field in plain words.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LetterInput {
    /// What happened, for the people affected.
    #[serde(default)]
    pub what_happened: String,
    /// What it may mean for them.
    #[serde(default)]
    pub consequences: String,
    /// What the business did, and what they can do.
    #[serde(default)]
    pub measures: String,
    /// Whom to contact (the DPO's address).
    #[serde(default)]
    #[schema(example = "dpo@example.com")]
    pub contact_point: String,
    /// The duty the letters meet (e.g. `gdpr_34_subjects`): its notification is recorded.
    pub duty: Option<String>,
    /// Why the letters are late, when they are.
    pub late_reason: Option<String>,
}

impl From<LetterInput> for domain::LetterInput {
    fn from(i: LetterInput) -> Self {
        Self {
            what_happened: i.what_happened,
            consequences: i.consequences,
            measures: i.measures,
            contact_point: i.contact_point,
            duty: i.duty,
            late_reason: i.late_reason,
        }
    }
}

/// What sending the letters did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct LetterReportView {
    /// Letters handed to the delivery channel.
    pub sent: usize,
    /// People without an e-mail address on file (or erased).
    pub no_contact: usize,
    /// Deliveries that failed.
    pub failed: usize,
    /// The text sent (the same to everyone).
    pub letter: String,
    /// The incident afterwards.
    pub incident: IncidentView,
}

impl From<domain::LetterReport> for LetterReportView {
    fn from(r: domain::LetterReport) -> Self {
        Self { sent: r.sent, no_contact: r.no_contact, failed: r.failed, letter: r.letter, incident: r.incident.into() }
    }
}

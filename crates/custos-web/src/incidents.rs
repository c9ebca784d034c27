//! Incidents in the console: every incident with its legal clocks (what must be told to whom,
//! by when, and how far each clock has run), its response plan and the notifications made.
//! The overview shows the clocks still running.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use custos_core::{Timestamp, now};
use custos_govern::clocks::{Deadline, Escalation, IncidentKind};
use custos_service::incidents::{Clock, IncidentView};

use crate::{
    Web,
    format::When,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, ReadIncidents},
};

/// A clock as people read it.
pub(crate) struct ClockRow {
    pub incident_id: String,
    pub incident: String,
    pub duty: String,
    pub obligation: String,
    pub due: String,
    pub state: String,
    pub css: &'static str,
    pub summary: String,
}

fn kind_label(kind: &str) -> String {
    IncidentKind::parse(kind).map_or_else(
        |_| kind.to_owned(),
        |k| {
            let l = k.label();
            let mut c = l.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        },
    )
}

/// "2 days 3 hours left" / "5 hours overdue".
fn remaining(due: &Timestamp, at: &Timestamp) -> String {
    let d = *due - *at;
    let (mins, late) = if d.num_minutes() < 0 { (-d.num_minutes(), true) } else { (d.num_minutes(), false) };
    let (days, hours, minutes) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let span = match (days, hours) {
        (0, 0) => format!("{minutes} min"),
        (0, h) => format!("{h} h {minutes} min"),
        (d, h) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    };
    if late { format!("{span} overdue") } else { format!("{span} left") }
}

pub(crate) fn clock_row(v: &IncidentView, c: &Clock, at: &Timestamp) -> ClockRow {
    let due = c.duty.deadline.target_at();
    let (state, css) = match (&c.notification, c.escalation) {
        (Some(n), _) if n.late_seconds.is_some() => (format!("Notified late, {}", When::moment(&n.notified_at).text), "warn"),
        (Some(n), _) => (format!("Notified {}", When::moment(&n.notified_at).text), "good"),
        (None, Escalation::Overdue) => (remaining(&due, at), "bad"),
        (None, Escalation::EightyPercent) => (format!("{} (80% of the time used)", remaining(&due, at)), "bad"),
        (None, Escalation::Half) => (format!("{} (half the time used)", remaining(&due, at)), "warn"),
        (None, Escalation::None) => (remaining(&due, at), ""),
    };
    let due_words = match &c.duty.deadline {
        Deadline::Fixed { period, due_at } => format!("within {period}: by {}", When::moment(due_at).text),
        Deadline::WithoutUndueDelay { wording, escalate_at } => format!("{wording}: flagged from {}", When::moment(escalate_at).text),
    };
    ClockRow {
        incident_id: v.incident.incident_id.to_string(),
        incident: v.incident.title.clone(),
        duty: format!("Notify {}", c.duty.recipient),
        obligation: format!("{}{}", c.duty.obligation_id, if c.unverified { " (not yet checked against the law's text)" } else { "" }),
        due: due_words,
        state,
        css,
        summary: c.duty.summary.clone(),
    }
}

/// The clocks still running across open incidents, soonest first (for the overview).
pub(crate) fn running(incidents: &[IncidentView], at: &Timestamp) -> Vec<ClockRow> {
    let mut clocks: Vec<(Timestamp, ClockRow)> = incidents
        .iter()
        .flat_map(|v| v.clocks.iter().filter(|c| c.notification.is_none()).map(move |c| (c.duty.deadline.target_at(), clock_row(v, c, at))))
        .collect();
    clocks.sort_by_key(|(t, _)| *t);
    clocks.into_iter().map(|(_, r)| r).collect()
}

struct IncidentRow {
    incident_id: String,
    title: String,
    kind: String,
    aware: String,
    status: String,
    clocks: Vec<ClockRow>,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    page: Page,
    incidents: Vec<IncidentRow>,
    can_open: bool,
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadIncidents>) -> Result<Response, Refusal> {
    let at = now();
    let incidents = web.service.incidents().list_at(false, at).await.or_refuse(&staff)?;
    let page = ListPage {
        page: Page::staff(&staff, "/console/incidents"),
        can_open: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Incidents),
        incidents: incidents
            .iter()
            .map(|v| IncidentRow {
                incident_id: v.incident.incident_id.to_string(),
                title: v.incident.title.clone(),
                kind: kind_label(&v.incident.kind),
                aware: When::moment(&v.incident.became_aware_at).text,
                status: crate::format::label_of::<custos_service::incidents::IncidentStatus>(&v.incident.status),
                clocks: v.clocks.iter().map(|c| clock_row(v, c, &at)).collect(),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}

struct StepRow {
    text: String,
    done: String,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct DetailPage {
    page: Page,
    incident_id: String,
    title: String,
    kind: String,
    aware: String,
    status: String,
    severity: String,
    risk: String,
    description: String,
    containment: String,
    root_cause: String,
    actions: String,
    jurisdictions: String,
    unmodelled: String,
    affected: String,
    clocks: Vec<ClockRow>,
    plan: Vec<StepRow>,
    notifications: Vec<(String, String, String, String)>,
}

pub(crate) async fn detail(State(web): State<Web>, Path(id): Path<String>, Can(staff, _): Can<ReadIncidents>) -> Result<Response, Refusal> {
    let at = now();
    let v = web.service.incidents().get_at(&id, at).await.or_refuse(&staff)?;
    let i = &v.incident;
    let page = DetailPage {
        page: Page::staff(&staff, "/console/incidents"),
        incident_id: i.incident_id.to_string(),
        title: i.title.clone(),
        kind: kind_label(&i.kind),
        aware: When::moment(&i.became_aware_at).text,
        status: crate::format::label_of::<custos_service::incidents::IncidentStatus>(&i.status),
        severity: crate::format::label_of::<custos_service::incidents::Severity>(&i.severity),
        risk: custos_govern::clocks::RiskLevel::parse(&i.risk_to_subjects)
            .map_or_else(|_| i.risk_to_subjects.clone(), |r| r.label().to_owned()),
        description: i.text.description.clone(),
        containment: i.text.containment.clone(),
        root_cause: i.text.root_cause.clone(),
        actions: i.text.actions.clone(),
        jurisdictions: if i.jurisdictions.is_empty() { "none named".into() } else { i.jurisdictions.join(", ") },
        unmodelled: v.unmodelled_jurisdictions.join(", "),
        affected: match (i.subjects_affected, i.subject_ids.len()) {
            (Some(n), _) => crate::format::thousands(n),
            (None, 0) => "not known yet".into(),
            (None, n) => crate::format::thousands(n as u64),
        },
        clocks: v.clocks.iter().map(|c| clock_row(&v, c, &at)).collect(),
        plan: i
            .plan
            .iter()
            .map(|s| StepRow {
                text: s.text.clone(),
                done: s.done_at.as_deref().and_then(custos_core::parse_timestamp).map_or_else(String::new, |t| When::moment(&t).text),
            })
            .collect(),
        notifications: v
            .notifications
            .iter()
            .map(|n| {
                (
                    n.recipient.clone(),
                    When::moment(&n.notified_at).text,
                    n.reference.clone(),
                    n.late_reason.clone().map_or_else(|| "On time".to_owned(), |r| format!("Late: {r}")),
                )
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Template)]
#[template(path = "incident_report_standalone.html")]
struct Standalone {
    title: String,
    kind: String,
    aware: String,
    occurred: String,
    status: String,
    severity: String,
    risk: String,
    affected: String,
    jurisdictions: String,
    categories: String,
    systems: String,
    unmodelled: String,
    description: String,
    containment: String,
    root_cause: String,
    actions: String,
    clocks: Vec<ClockRow>,
    notifications: Vec<(String, String, String, String)>,
    plan: Vec<StepRow>,
    produced: String,
    css: &'static str,
}

/// The incident file for the authority as a standalone HTML page (the API's `report` and the
/// PDF's source): the facts, what happened and was done, every legal duty with its deadline and
/// where it stands, the notifications made (late ones with their reasons), the response plan.
pub fn incident_report_html(v: &IncidentView) -> String {
    let at = now();
    let i = &v.incident;
    let list = |l: &[String]| if l.is_empty() { "none recorded".to_owned() } else { l.join(", ") };
    Standalone {
        title: i.title.clone(),
        kind: kind_label(&i.kind),
        aware: When::moment(&i.became_aware_at).text,
        occurred: i.occurred_at.as_ref().map_or_else(|| "not known".to_owned(), |t| When::moment(t).text),
        status: crate::format::label_of::<custos_service::incidents::IncidentStatus>(&i.status),
        severity: crate::format::label_of::<custos_service::incidents::Severity>(&i.severity),
        risk: custos_govern::clocks::RiskLevel::parse(&i.risk_to_subjects)
            .map_or_else(|_| i.risk_to_subjects.clone(), |r| r.label().to_owned()),
        affected: match (i.subjects_affected, i.subject_ids.len()) {
            (Some(n), _) => crate::format::thousands(n),
            (None, 0) => "not known".into(),
            (None, n) => crate::format::thousands(n as u64),
        },
        jurisdictions: list(&i.jurisdictions),
        categories: list(&i.data_categories),
        systems: list(&i.ai_system_ids),
        unmodelled: v.unmodelled_jurisdictions.join(", "),
        description: i.text.description.clone(),
        containment: i.text.containment.clone(),
        root_cause: i.text.root_cause.clone(),
        actions: i.text.actions.clone(),
        clocks: v.clocks.iter().map(|c| clock_row(v, c, &at)).collect(),
        notifications: v
            .notifications
            .iter()
            .map(|n| {
                (
                    n.recipient.clone(),
                    When::moment(&n.notified_at).text,
                    n.reference.clone(),
                    n.late_reason.clone().map_or_else(|| "On time".to_owned(), |r| format!("Late: {r}")),
                )
            })
            .collect(),
        plan: i
            .plan
            .iter()
            .map(|s| StepRow {
                text: s.text.clone(),
                done: s.done_at.as_deref().and_then(custos_core::parse_timestamp).map_or_else(String::new, |t| When::moment(&t).text),
            })
            .collect(),
        produced: When::moment(&at).text,
        css: crate::fairness::REPORT_CSS,
    }
    .render()
    .unwrap_or_else(|e| format!("incident file: {e}"))
}

#[derive(serde::Deserialize)]
pub(crate) struct ReportQuery {
    format: Option<String>,
}

/// The incident file in the console: the page, or its PDF.
pub(crate) async fn report(
    State(web): State<Web>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ReportQuery>,
    Can(staff, _): Can<ReadIncidents>,
) -> Result<Response, Refusal> {
    let v = web.service.incidents().get(&id).await.or_refuse(&staff)?;
    crate::pdf::page_or_pdf(&staff, q.format.as_deref(), incident_report_html(&v), &format!("incident-{id}")).await
}

#[derive(serde::Deserialize)]
pub(crate) struct OpenForm {
    csrf: String,
    kind: String,
    title: String,
    description: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` field), read as UTC; empty: now.
    #[serde(default)]
    became_aware_at: String,
    /// Comma-separated ISO 3166 codes.
    #[serde(default)]
    jurisdictions: String,
    #[serde(default)]
    risk_to_subjects: String,
    #[serde(default)]
    subjects_affected: String,
}

impl crate::session::CsrfForm for OpenForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Opens an incident from the console form; its clocks start at once.
pub(crate) async fn open(
    State(web): State<Web>,
    posted: crate::session::Posted<crate::session::WriteIncidents, OpenForm>,
) -> Result<Response, Refusal> {
    use axum::response::IntoResponse;
    let (staff, f) = (posted.staff, posted.form);
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let input = custos_service::incidents::IncidentInput {
        kind: Some(f.kind),
        title: Some(f.title),
        description: Some(f.description),
        became_aware_at: nonempty(&f.became_aware_at).map(|t| if t.len() == 16 { format!("{t}:00Z") } else { t }),
        jurisdictions: nonempty(&f.jurisdictions)
            .map(|j| j.split(',').map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty()).collect()),
        risk_to_subjects: nonempty(&f.risk_to_subjects),
        subjects_affected: nonempty(&f.subjects_affected).and_then(|n| n.parse().ok()),
        ..Default::default()
    };
    let v = web.service.incidents().create(input, &format!("staff:{}", staff.session.user_id)).await.or_refuse(&staff)?;
    Ok(axum::response::Redirect::to(&format!("/console/incidents/{}", v.incident.incident_id)).into_response())
}

//! The risk register in the console: heat maps of the risks before and after mitigation, and
//! every risk with its owner, mitigations and review date, overdue reviews first to the eye.
//! Alerts can be raised as risks from the alerts page in one step.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::now;
use custos_service::risks::{RecordedBy, RiskCategory, RiskRecord, RiskStatus};
use serde::Deserialize;

use crate::{
    Web, charts,
    format::{When, label_of},
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, CsrfForm, Posted, ReadAlerts, ReadRisks, WriteRisks},
};

struct RiskRow {
    risk_id: String,
    title: String,
    description: String,
    system: String,
    category: String,
    inherent: String,
    residual: String,
    owner: String,
    mitigations: Vec<String>,
    status: String,
    review: String,
    overdue: bool,
    source: String,
}

#[derive(Template)]
#[template(path = "risks.html")]
struct RisksPage {
    page: Page,
    inherent_map: String,
    residual_map: String,
    overdue: usize,
    risks: Vec<RiskRow>,
}

/// The counts of a heat map from (likelihood, impact) pairs.
fn matrix(points: impl Iterator<Item = (u8, u8)>) -> [[u64; 5]; 5] {
    let mut m = [[0u64; 5]; 5];
    for (l, i) in points {
        if (1..=5).contains(&l) && (1..=5).contains(&i) {
            m[usize::from(l - 1)][usize::from(i - 1)] += 1;
        }
    }
    m
}

fn score(l: u8, i: u8) -> String {
    format!("{} (likelihood {l} × impact {i})", l * i)
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadRisks>) -> Result<Response, Refusal> {
    let risks = web.service.risks().list(None, None, None).await.or_refuse(&staff)?;
    let systems = web.service.ai_systems().list().await.or_refuse(&staff)?;
    let today = now().date_naive().format("%Y-%m-%d").to_string();
    let open: Vec<&RiskRecord> = risks.iter().filter(|r| r.status != RiskStatus::Closed.as_str()).collect();
    let rows: Vec<RiskRow> = risks
        .iter()
        .map(|r| {
            let overdue = r.status != RiskStatus::Closed.as_str() && r.review_on < today;
            let review = chrono::NaiveDate::parse_from_str(&r.review_on, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|d| When::deadline(&d.and_utc()))
                .map_or_else(|| r.review_on.clone(), |w| format!("{} · {}", w.text, w.relative.unwrap_or_default()));
            RiskRow {
                risk_id: r.risk_id.to_string(),
                title: r.title.clone(),
                description: r.description.clone(),
                system: r.ai_system_id.as_ref().map_or_else(
                    || "The business as a whole".to_owned(),
                    |id| systems.iter().find(|a| &a.ai_system_id == id).map_or_else(|| id.to_string(), |a| a.name.clone()),
                ),
                category: label_of::<RiskCategory>(&r.category),
                inherent: score(r.likelihood, r.impact),
                residual: match (r.residual_likelihood, r.residual_impact) {
                    (Some(l), Some(i)) => score(l, i),
                    _ => "Not assessed yet".to_owned(),
                },
                owner: r.owner.clone(),
                mitigations: r
                    .mitigations
                    .iter()
                    .map(|m| {
                        let link = match (&m.control, &m.due_on) {
                            (Some(c), _) => format!("control {c}"),
                            (None, Some(d)) => format!("due {d}"),
                            _ => String::new(),
                        };
                        format!("{} ({link}{})", m.description, if m.done { ", in place" } else { "" })
                    })
                    .collect(),
                status: label_of::<RiskStatus>(&r.status),
                review,
                overdue,
                source: match r.raised_from.as_deref() {
                    Some("alert") => "Raised from an alert".to_owned(),
                    Some("incident") => "Raised from an incident".to_owned(),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let page = RisksPage {
        page: Page::staff(&staff, "/console/risks"),
        inherent_map: charts::heat_map("Open risks before mitigation", &matrix(open.iter().map(|r| (r.likelihood, r.impact)))),
        residual_map: charts::heat_map(
            "Open risks after mitigation (assessed ones)",
            &matrix(open.iter().filter_map(|r| Some((r.residual_likelihood?, r.residual_impact?)))),
        ),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        risks: rows,
    };
    Ok(html(StatusCode::OK, page.render()))
}

struct AlertRow {
    alert_id: String,
    source: String,
    /// What it is about, where the console has a page for it: (link, name).
    about: Option<(String, String)>,
    message: String,
    fired: String,
    state: String,
    risk: Option<String>,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    page: Page,
    alerts: Vec<AlertRow>,
    can_raise: bool,
}

/// Every source's alerts, newest first, each with a button that raises it as a risk.
pub(crate) async fn alerts(State(web): State<Web>, Can(staff, _): Can<ReadAlerts>) -> Result<Response, Refusal> {
    let alerts = web.service.alerts().list(None, None, 200).await.or_refuse(&staff)?;
    let can_raise = staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Risks);
    let raised = if staff.session.may(custos_service::permissions::Action::Read, custos_service::permissions::Resource::Risks) {
        web.service.risks().list(None, None, None).await.or_refuse(&staff)?
    } else {
        Vec::new()
    };
    // Incident clock alerts carry no title (they are kept in the clear): the page names the
    // incident to staff who may read incidents.
    let incidents = if staff.session.may(custos_service::permissions::Action::Read, custos_service::permissions::Resource::Incidents)
        && alerts.iter().any(|a| a.source == custos_core::AlertSource::Incidents)
    {
        web.service.incidents().list_at(false, now()).await.or_refuse(&staff)?
    } else {
        Vec::new()
    };
    let about = |a: &custos_service::alerts::AlertRecord| match a.source {
        custos_core::AlertSource::Incidents => {
            let id = a.about.split('/').next().unwrap_or_default();
            incidents
                .iter()
                .find(|i| i.incident.incident_id.to_string() == id)
                .map(|i| (format!("/console/incidents/{id}"), i.incident.title.clone()))
        }
        _ => None,
    };
    let page = AlertsPage {
        page: Page::staff(&staff, "/console/alerts"),
        alerts: alerts
            .iter()
            .map(|a| AlertRow {
                alert_id: a.alert_id.to_string(),
                source: a.source.label().to_owned(),
                about: about(a),
                message: a.message.clone(),
                fired: When::moment(&a.fired_at).text,
                state: a.state.label().to_owned(),
                risk: raised
                    .iter()
                    .find(|r| r.raised_from.as_deref() == Some("alert") && r.raised_from_id.as_deref() == Some(&a.alert_id.to_string()))
                    .map(|r| r.risk_id.to_string()),
            })
            .collect(),
        can_raise,
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct RaiseForm {
    csrf: String,
}

impl CsrfForm for RaiseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Raises an alert as a risk (owned by the person raising it) and shows it in the register.
pub(crate) async fn raise(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteRisks, RaiseForm>,
) -> Result<Response, Refusal> {
    let staff = posted.staff;
    let by = RecordedBy::from(&staff.session.identity());
    let view = web.service.risks().raise_from_alert(&id, Default::default(), &by).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/risks#risk-{}", view.risk.risk_id)).into_response())
}

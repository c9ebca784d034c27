//! The console's overview: requests that need attention, consent by purpose, jurisdiction and
//! month, and gate decisions, as charts with their numbers.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use custos_core::{ConsentStatus, DsrStatus};
use custos_service::{dsrs::DUE_SOON_DAYS, gate::Decision};

use crate::{
    Web, charts,
    format::{label_of, thousands},
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, SeeOverview},
};

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: Page,
    overdue: String,
    overdue_any: bool,
    due_soon: String,
    due_soon_any: bool,
    due_soon_days: i64,
    show_requests: bool,
    show_risks: bool,
    show_incidents: bool,
    clocks: Vec<crate::incidents::ClockRow>,
    risks_overdue: String,
    risks_overdue_any: bool,
    dsr_chart: String,
    consent_chart: String,
    jurisdiction_chart: String,
    month_chart: String,
    gate_chart: String,
}

/// Consent statuses in chart order, with their labels.
fn consent_parts() -> Vec<(&'static str, &'static str)> {
    ConsentStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}

pub(crate) async fn page(State(web): State<Web>, Can(staff, _): Can<SeeOverview>) -> Result<Response, Refusal> {
    let o = web.service.staff().overview().await.or_refuse(&staff)?;
    let purposes = web.service.purposes().all().await.or_refuse(&staff)?;
    let name = |key: &str| purposes.iter().find(|p| p.purpose.purpose.as_str() == key).map_or(key.to_owned(), |p| p.purpose.name.clone());
    let consents: Vec<(String, String, u64)> = o.consents.iter().map(|(p, s, n)| (name(p), s.clone(), *n)).collect();
    let parts = consent_parts();
    let show_incidents = staff.session.may(custos_service::permissions::Action::Read, custos_service::permissions::Resource::Incidents);
    let at = custos_core::now();
    let clocks = if show_incidents {
        crate::incidents::running(&web.service.incidents().list_at(true, at).await.or_refuse(&staff)?, &at)
    } else {
        Vec::new()
    };
    let page = OverviewPage {
        show_incidents,
        clocks,
        page: Page::staff(&staff, "/console"),
        overdue: thousands(o.dsr_overdue),
        overdue_any: o.dsr_overdue > 0,
        due_soon: thousands(o.dsr_due_soon),
        due_soon_any: o.dsr_due_soon > 0,
        due_soon_days: DUE_SOON_DAYS,
        show_requests: staff.session.may(custos_service::permissions::Action::Read, custos_service::permissions::Resource::Dsrs),
        show_risks: staff.session.may(custos_service::permissions::Action::Read, custos_service::permissions::Resource::Risks),
        risks_overdue: thousands(o.risk_reviews_overdue),
        risks_overdue_any: o.risk_reviews_overdue > 0,
        dsr_chart: charts::bars(
            "Requests by status",
            &o.dsr_by_status.iter().map(|(s, n)| (label_of::<DsrStatus>(s), *n)).collect::<Vec<_>>(),
        ),
        consent_chart: charts::stacked("Subjects per consent status, by purpose", &consents, &parts),
        jurisdiction_chart: charts::stacked("Current consents per status, by jurisdiction", &o.consents_by_jurisdiction, &parts),
        month_chart: charts::stacked("Consent events per month captured", &o.consent_events_by_month, &parts),
        gate_chart: charts::bars("Gate checks by decision", &o.gate.iter().map(|(d, n)| (label_of::<Decision>(d), *n)).collect::<Vec<_>>()),
    };
    Ok(html(StatusCode::OK, page.render()))
}

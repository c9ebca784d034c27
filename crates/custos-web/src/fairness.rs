//! Fairness in the console: start an audit, follow the audits and the trend of their headline
//! disparity, and read a report. The report is one template (`fairness_report_body.html`)
//! rendered inside the console layout, or as a standalone page for the API and the CLI.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::AuditStatus;
use custos_service::fairness::{FairnessAuditInput, FairnessAuditView};
use serde::Deserialize;

use crate::{
    Web, charts,
    format::{When, label, thousands},
    layout::{OrRefuse, Page, Refusal, html, message},
    session::{Can, CsrfForm, Posted, ReadAudits, WriteAudits},
};

/// One audit in the list.
struct AuditRow {
    id: String,
    created: When,
    status: &'static str,
    succeeded: bool,
    failed: bool,
    progress: String,
    alerts: String,
    error: String,
}

#[derive(Template)]
#[template(path = "fairness.html")]
struct AuditsPage {
    page: Page,
    can_start: bool,
    /// The audit-only categories (the only ones an audit may group by).
    categories: Vec<String>,
    /// Outcomes in the decision log, with their counts in words.
    outcomes: Vec<(String, String)>,
    trend: String,
    audits: Vec<AuditRow>,
}

#[derive(Deserialize)]
pub(crate) struct Started {
    #[serde(default)]
    started: Option<String>,
}

pub(crate) async fn audits(State(web): State<Web>, Can(staff, _): Can<ReadAudits>, Query(q): Query<Started>) -> Result<Response, Refusal> {
    let fairness = web.service.fairness();
    let audits = fairness.audits(100).await.or_refuse(&staff)?;
    let trend = fairness.trend(30).await.or_refuse(&staff)?;
    let points: Vec<(String, f64)> =
        trend.iter().filter_map(|p| p.demographic_parity_difference.map(|v| (When::date(&p.finished_at).text, v))).collect();
    let rows = audits
        .iter()
        .map(|a| AuditRow {
            id: a.audit_id.to_string(),
            created: When::moment(&a.created_at),
            status: label(a.status),
            succeeded: a.status == AuditStatus::Succeeded,
            failed: a.status == AuditStatus::Failed,
            progress: match a.progress.rows_total {
                Some(t) => format!("{} of {} decisions", thousands(a.progress.rows_done), thousands(t)),
                None => "Waiting to start".into(),
            },
            alerts: if a.alerts.is_empty() {
                "None".into()
            } else {
                a.alerts
                    .iter()
                    .map(|x| format!("{} {}", x.metric.replace('_', " "), label(x.breach).to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            error: a.error.clone().unwrap_or_default(),
        })
        .collect();
    let choices = fairness.choices().await.or_refuse(&staff)?;
    let outcomes = choices
        .outcomes
        .iter()
        .map(|(o, n)| (o.clone(), format!("{o} ({} decision{})", thousands(*n), if *n == 1 { "" } else { "s" })))
        .collect();
    let notice = q.started.map(|_| "The audit is running; refresh to follow its progress.".to_owned());
    let page = AuditsPage {
        page: Page::staff(&staff, "/console/fairness").with_notice(notice),
        can_start: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Audits),
        categories: choices.categories,
        outcomes,
        trend: charts::trend("Demographic parity difference, by audit", "Demographic parity difference", &points),
        audits: rows,
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct AuditForm {
    csrf: String,
    sensitive: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    purpose: String,
    favorable: String,
}

impl CsrfForm for AuditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub(crate) async fn start(State(web): State<Web>, posted: Posted<WriteAudits, AuditForm>) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let input = FairnessAuditInput {
        sensitive: form.sensitive.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect(),
        model: some(&form.model),
        purpose: some(&form.purpose),
        favorable: some(&form.favorable),
        ..Default::default()
    };
    let audit = web.service.fairness().request_audit(input, None).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/fairness?started={}", audit.audit_id)).into_response())
}

#[derive(Template)]
#[template(path = "fairness_report.html")]
struct ReportPage {
    page: Page,
    /// The report's body (`custos_reports::fairness_report_body`), rendered and escaped there.
    body: String,
}

/// A window's bound in plain words (the stored text if it cannot be read).
fn day(t: &str) -> String {
    custos_core::parse_timestamp(t).map_or_else(|| t.to_owned(), |t| When::moment(&t).text)
}

/// Where an audit's report came from.
fn provenance(audit: &FairnessAuditView) -> Vec<(String, String)> {
    let scope = format!(
        "decision log; purpose {}, model {}, from {}, to {}",
        audit.request.purpose.as_deref().unwrap_or("any"),
        audit.request.model.as_deref().unwrap_or("any"),
        audit.request.from.as_deref().map_or("the start".to_owned(), day),
        audit.request.to.as_deref().map_or("now".to_owned(), day)
    );
    let mut out = vec![("Audit".to_owned(), audit.audit_id.to_string()), ("Scope".to_owned(), scope)];
    out.push(("Favourable outcome".to_owned(), audit.request.favorable.clone().unwrap_or_else(|| "1".to_owned())));
    let thresholds = audit.request.thresholds.iter().flatten().map(|(m, t)| format!("{} {t:.3}", m.replace('_', " "))).collect::<Vec<_>>();
    out.push(("Thresholds".to_owned(), if thresholds.is_empty() { "none".to_owned() } else { thresholds.join("; ") }));
    let alerts = audit
        .alerts
        .iter()
        .map(|a| {
            let side = if a.breach == custos_service::fairness::Breach::Below { "below" } else { "above" };
            format!("{} {:.3}, {side} its threshold of {:.3}", a.metric.replace('_', " "), a.value, a.threshold)
        })
        .collect::<Vec<_>>();
    out.push(("Alerts".to_owned(), if alerts.is_empty() { "none".to_owned() } else { alerts.join("; ") }));
    out.push(("Report SHA-256 (in the ledger)".to_owned(), audit.report_sha256.clone().unwrap_or_default()));
    if let Some(f) = &audit.finished_at {
        out.push(("Finished".to_owned(), When::moment(f).text));
    }
    out
}

/// The standalone report page of a finished audit (what `?format=html` answers).
pub fn fairness_report_page(audit: &FairnessAuditView) -> Result<String, askama::Error> {
    let Some(report) = &audit.report else { return Ok(String::new()) };
    custos_reports::fairness_report_file(report, &provenance(audit))
}

pub use custos_reports::{REPORT_CSS, fairness_report_file};

pub(crate) async fn report(State(web): State<Web>, Can(staff, _): Can<ReadAudits>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let audit = web.service.fairness().audit(&id).await.or_refuse(&staff)?;
    let Some(report) = &audit.report else {
        let page = Page::staff(&staff, "/console/fairness");
        return Err(Refusal::from(message(
            page,
            StatusCode::CONFLICT,
            "No report yet",
            "This audit has no report yet.",
            &[("/console/fairness", "Back to the audits")],
        )));
    };
    let page = ReportPage {
        page: Page::staff(&staff, "/console/fairness"),
        body: custos_reports::fairness_report_body(report, &provenance(&audit)).unwrap_or_else(|e| format!("fairness report: {e}")),
    };
    Ok(html(StatusCode::OK, page.render()))
}

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
use custos_service::fairness::{FairnessAuditInput, FairnessAuditView, FairnessReport};
use serde::Deserialize;

use crate::{
    Web,
    charts::{self, RateBar},
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

/// What a report says, ready for the template.
struct ReportView {
    summary: String,
    four_fifths: Option<(bool, String)>,
    independence: Option<String>,
    selection_chart: String,
    tpr_chart: String,
    groups: Vec<[String; 7]>,
    disparities: Vec<(String, String)>,
    warnings: Vec<String>,
    rows: String,
    provenance: Vec<(String, String)>,
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn group_label(g: &std::collections::BTreeMap<String, String>) -> String {
    g.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

impl ReportView {
    fn of(report: &FairnessReport, provenance: Vec<(String, String)>) -> Self {
        let rates: Vec<(f64, String)> = report.by_group.iter().map(|g| (g.metrics.selection_rate, group_label(&g.group))).collect();
        let lowest = rates.iter().min_by(|a, b| a.0.total_cmp(&b.0)).cloned().unwrap_or_default();
        let highest = rates.iter().max_by(|a, b| a.0.total_cmp(&b.0)).cloned().unwrap_or_default();
        let d = &report.disparities;
        let summary = format!(
            "{} decisions in {} groups ({}). Selection rates range from {} ({}) to {} ({}): a gap of {:.1} percentage points. \
             The largest gap in true or false positive rates between groups (equalized odds difference) is {:.1} points.",
            thousands(report.rows),
            report.by_group.len(),
            report.sensitive.join(" × "),
            pct(lowest.0),
            lowest.1,
            pct(highest.0),
            highest.1,
            d.demographic_parity_difference.unwrap_or(0.0) * 100.0,
            d.equalized_odds_difference.unwrap_or(0.0) * 100.0,
        );
        let four_fifths = d.demographic_parity_ratio.map(|r| {
            if r < 0.8 {
                (false, format!("The lowest selection rate is {:.0}% of the highest (below 80%).", r * 100.0))
            } else {
                (true, format!("The lowest selection rate is {:.0}% of the highest.", r * 100.0))
            }
        });
        let independence = report.independence.as_ref().map(|i| {
            let p = i.p_value;
            format!(
                "Chi-square test of selection against group: p = {} ({}).",
                if p < 0.001 { format!("{p:.2e}") } else { format!("{p:.3}") },
                if p < 0.05 { "the differences are unlikely to be chance" } else { "the differences could be chance" }
            )
        });
        let bars = |metric: &str, value: fn(&custos_service::fairness::GroupReport) -> f64| -> Vec<RateBar> {
            report
                .by_group
                .iter()
                .map(|g| {
                    let interval = g.intervals.get(metric).copied().flatten().map(|i| (i.low, i.high));
                    (group_label(&g.group), value(g), interval)
                })
                .collect()
        };
        let selection = bars("selection_rate", |g| g.metrics.selection_rate);
        let tpr = bars("true_positive_rate", |g| g.metrics.true_positive_rate);
        let metric_names = [
            ("demographic_parity_difference", d.demographic_parity_difference),
            ("demographic_parity_ratio", d.demographic_parity_ratio),
            ("equalized_odds_difference", d.equalized_odds_difference),
            ("equalized_odds_ratio", d.equalized_odds_ratio),
            ("equal_opportunity_difference", d.equal_opportunity_difference),
            ("predictive_parity_difference", d.predictive_parity_difference),
            ("theil_index", d.theil_index),
            ("generalized_entropy_index", d.generalized_entropy_index),
        ];
        Self {
            summary,
            four_fifths,
            independence,
            selection_chart: charts::rates("Selection rate per group (bars) with 95% Wilson intervals", &selection),
            tpr_chart: charts::rates("True positive rate per group with 95% Wilson intervals", &tpr),
            groups: report
                .by_group
                .iter()
                .map(|g| {
                    let m = &g.metrics;
                    [
                        group_label(&g.group),
                        thousands(m.count),
                        pct(m.selection_rate),
                        pct(m.true_positive_rate),
                        pct(m.false_positive_rate),
                        pct(m.precision),
                        pct(m.accuracy),
                    ]
                })
                .collect(),
            disparities: metric_names
                .iter()
                .map(|(k, v)| (k.replace('_', " "), v.map_or_else(|| "not defined".to_owned(), |x| format!("{x:.4}"))))
                .collect(),
            warnings: report.warnings.clone(),
            rows: thousands(report.rows),
            provenance,
        }
    }
}

#[derive(Template)]
#[template(path = "fairness_report.html")]
struct ReportPage {
    page: Page,
    r: ReportView,
}

#[derive(Template)]
#[template(path = "fairness_report_standalone.html")]
struct StandaloneReport {
    r: ReportView,
    css: &'static str,
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

/// The report's own stylesheet, for standalone copies (files and API answers).
pub(crate) const REPORT_CSS: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;overflow-wrap:anywhere}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}.fail{color:#a40000}.pass{color:#1b6e1b}\
figcaption{font-weight:600;margin:1rem 0 .3rem}code{background:#f4f4f4;padding:.1rem .3rem}svg{max-width:100%;height:auto}\
table.chart-numbers{font-size:.85rem;color:#555}";

/// The standalone report page of a finished audit (what `?format=html` answers).
pub fn fairness_report_page(audit: &FairnessAuditView) -> Result<String, askama::Error> {
    let Some(report) = &audit.report else { return Ok(String::new()) };
    StandaloneReport { r: ReportView::of(report, provenance(audit)), css: REPORT_CSS }.render()
}

/// The standalone report of `report`, with where its numbers came from (`custos fairness
/// audit --format html`).
pub fn fairness_report_file(report: &FairnessReport, provenance: &[(&str, &str)]) -> Result<String, askama::Error> {
    let provenance = provenance.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    StandaloneReport { r: ReportView::of(report, provenance), css: REPORT_CSS }.render()
}

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
    let page = ReportPage { page: Page::staff(&staff, "/console/fairness"), r: ReportView::of(report, provenance(&audit)) };
    Ok(html(StatusCode::OK, page.render()))
}

//! Compliance in the console: the status per regulation (a chart with its numbers, and its
//! history over the runs), the obligations failing first, drill-down from an obligation to its
//! controls and from a control to its evidence runs with the ledger leaf of each; a privacy
//! officer marks an obligation not applicable, and anyone allowed starts a run. The same
//! picture renders as the standalone report (HTML, and PDF through [`crate::pdf`]).

use askama::Template;
use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::{Timestamp, now};
use custos_govern::compliance::{ControlKind, Status};
use custos_service::compliance::{ComplianceStatus, ComplianceView, ControlView, EvidenceRecord, ObligationView};
use serde::Deserialize;

use crate::{
    Web, charts,
    format::When,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, CsrfForm, Posted, ReadCompliance, WriteCompliance, same_token},
};

fn words(s: Status) -> &'static str {
    ComplianceStatus::from(s).label()
}

/// One regulation's row: (name, failing, not evaluated, passing, not applicable, unverified,
/// the name as a URL query value).
type RegulationRow = (String, u32, u32, u32, u32, u32, String);

/// A value for a URL query (every byte but letters and digits percent-encoded).
fn query_value(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

struct ObligationRow {
    id: String,
    regulation: String,
    title: String,
    citation: String,
    status: String,
    failing: bool,
    reason: String,
    verified: bool,
}

fn obligation_row(o: &ObligationView) -> ObligationRow {
    ObligationRow {
        id: o.obligation.obligation_id.clone(),
        regulation: o.obligation.regulation.clone(),
        title: o.obligation.title.clone(),
        citation: o.obligation.citation.clone(),
        status: words(o.status).to_owned(),
        failing: o.status == Status::Failing,
        reason: o.reason.clone(),
        verified: o.obligation.verified,
    }
}

struct ControlRow {
    id: String,
    title: String,
    kind: &'static str,
    status: String,
    failing: bool,
    summary: String,
    when: String,
    obligations: usize,
}

fn control_row(c: &ControlView) -> ControlRow {
    ControlRow {
        id: c.id.clone(),
        title: c.title.clone(),
        kind: if c.kind == ControlKind::Automated { "Automated" } else { "Manual" },
        status: words(c.status).to_owned(),
        failing: c.status == Status::Failing,
        summary: c.latest.as_ref().map_or_else(|| "No evidence yet".to_owned(), |e| e.summary.clone()),
        when: c.latest.as_ref().map_or_else(String::new, |e| When::moment(&e.evaluated_at).text),
        obligations: c.obligations.len(),
    }
}

/// The status chart per regulation (applicable obligations only) and the history of the
/// share of applicable obligations passing, over the runs.
fn charts_of(view: &ComplianceView, only: Option<&str>) -> (String, String) {
    let mut rows = Vec::new();
    for r in view.regulations.iter().filter(|r| only.is_none_or(|o| o == r.regulation)) {
        if r.failing + r.not_evaluated + r.passing == 0 {
            continue;
        }
        for (key, n) in [("failing", r.failing), ("not_evaluated", r.not_evaluated), ("passing", r.passing)] {
            rows.push((r.regulation.clone(), key.to_owned(), u64::from(n)));
        }
    }
    let status = charts::stacked(
        "Applicable obligations by status",
        &rows,
        &[("failing", "Failing"), ("not_evaluated", "Not evaluated"), ("passing", "Passing")],
    );
    let mut points: Vec<(String, f64)> = view
        .runs
        .iter()
        .rev()
        .filter_map(|run| {
            let regs = run.summary.as_object()?;
            let (mut pass, mut applicable) = (0.0, 0.0);
            for (name, r) in regs {
                if only.is_some_and(|o| o != name) {
                    continue;
                }
                let n = |k: &str| r.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
                pass += n("passing");
                applicable += n("passing") + n("failing") + n("not_evaluated");
            }
            (applicable > 0.0).then(|| (When::moment(&run.started_at).text, pass / applicable))
        })
        .collect();
    points.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let history = if points.len() < 2 {
        "<p>The history chart appears after the second run.</p>".to_owned()
    } else {
        charts::trend("Share of applicable obligations passing, run by run", "Share passing", &points)
    };
    (status, history)
}

/// The plain-language summary a board can read.
fn summary(view: &ComplianceView, only: Option<&str>) -> String {
    let picked: Vec<&ObligationView> =
        view.obligations.iter().filter(|o| o.applies && only.is_none_or(|r| r == o.obligation.regulation)).collect();
    let count = |s: Status| picked.iter().filter(|o| o.status == s).count();
    let failing: Vec<&str> = view.controls.iter().filter(|c| c.status == Status::Failing).map(|c| c.title.as_str()).collect();
    let mut text = format!(
        "Of {} obligations that apply, {} are met by the evidence custos computed, {} are not, and {} have no evidence yet.",
        picked.len(),
        count(Status::Passing),
        count(Status::Failing),
        count(Status::NotEvaluated)
    );
    if !failing.is_empty() {
        text.push_str(&format!(" What fails: {}.", failing.join("; ").to_lowercase()));
    }
    if let Some(run) = view.runs.first() {
        text.push_str(&format!(" Last evaluated {}.", When::moment(&run.started_at).text));
    } else {
        text.push_str(" No evaluation has run yet.");
    }
    text
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct OverviewPage {
    page: Page,
    summary: String,
    status_chart: String,
    history_chart: String,
    regulations: Vec<RegulationRow>,
    obligations: Vec<ObligationRow>,
    controls: Vec<ControlRow>,
    catalog_version: String,
    jurisdictions: String,
    can_run: bool,
}

fn regulation_rows(view: &ComplianceView) -> Vec<RegulationRow> {
    view.regulations
        .iter()
        .map(|r| (r.regulation.clone(), r.failing, r.not_evaluated, r.passing, r.not_applicable, r.unverified, query_value(&r.regulation)))
        .collect()
}

pub(crate) async fn overview(State(web): State<Web>, Can(staff, _): Can<ReadCompliance>) -> Result<Response, Refusal> {
    let view = web.service.compliance().view().await.or_refuse(&staff)?;
    let (status_chart, history_chart) = charts_of(&view, None);
    let page = OverviewPage {
        page: Page::staff(&staff, "/console/compliance"),
        summary: summary(&view, None),
        status_chart,
        history_chart,
        regulations: regulation_rows(&view),
        obligations: view.obligations.iter().filter(|o| o.applies).map(obligation_row).collect(),
        controls: view.controls.iter().filter(|c| c.status != Status::NotApplicable).map(control_row).collect(),
        catalog_version: view.catalog_version.clone(),
        jurisdictions: view.landscape.jurisdictions.iter().cloned().collect::<Vec<_>>().join(", "),
        can_run: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Compliance),
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Template)]
#[template(path = "compliance_obligation.html")]
struct ObligationPage {
    page: Page,
    o: ObligationRow,
    requirement: String,
    numbers: String,
    source: String,
    not_applicable: bool,
    controls: Vec<ControlRow>,
    can_scope: bool,
}

pub(crate) async fn obligation(
    State(web): State<Web>,
    Path(id): Path<String>,
    Can(staff, _): Can<ReadCompliance>,
) -> Result<Response, Refusal> {
    let view = web.service.compliance().view().await.or_refuse(&staff)?;
    let o = view
        .obligations
        .iter()
        .find(|o| o.obligation.obligation_id == id)
        .ok_or_else(|| Refusal::failed(Page::staff(&staff, ""), &custos_service::ServiceError::NotFound { resource: "obligation" }))?;
    let page = ObligationPage {
        page: Page::staff(&staff, "/console/compliance"),
        o: obligation_row(o),
        requirement: o.obligation.requirement.clone(),
        numbers: o.obligation.numbers.join("; "),
        source: o.obligation.source.clone(),
        not_applicable: o.obligation.not_applicable,
        controls: view.controls.iter().filter(|c| o.controls.contains(&c.id)).map(control_row).collect(),
        can_scope: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Compliance)
            && staff.session.roles.contains(&custos_core::Role::PrivacyOfficer),
    };
    Ok(html(StatusCode::OK, page.render()))
}

struct EvidenceRow {
    when: String,
    passed: bool,
    manual: bool,
    summary: String,
    leaf: u64,
    hash: String,
    hash_short: String,
}

fn evidence_row(e: &EvidenceRecord) -> EvidenceRow {
    // An uploaded document stands until its review date, then fails its control.
    let manual = e.control.starts_with("manual.");
    EvidenceRow {
        when: When::moment(&e.evaluated_at).text,
        passed: if manual { custos_service::compliance::manual_passes(e, now().date_naive()) } else { e.passed },
        manual,
        summary: e.summary.clone(),
        leaf: e.leaf_index,
        hash: e.evidence_sha256.clone(),
        hash_short: e.evidence_sha256.chars().take(16).collect(),
    }
}

#[derive(Template)]
#[template(path = "compliance_control.html")]
struct ControlPage {
    page: Page,
    c: ControlRow,
    rule: String,
    manual: bool,
    obligations: Vec<(String, String)>,
    evidence: Vec<EvidenceRow>,
    can_upload: bool,
}

pub(crate) async fn control(
    State(web): State<Web>,
    Path(id): Path<String>,
    Can(staff, _): Can<ReadCompliance>,
) -> Result<Response, Refusal> {
    let service = web.service.compliance();
    let view = service.view().await.or_refuse(&staff)?;
    let c = view
        .controls
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Refusal::failed(Page::staff(&staff, ""), &custos_service::ServiceError::NotFound { resource: "control" }))?;
    let evidence = service.evidence(Some(&id), 100).await.or_refuse(&staff)?;
    let title_of = |oid: &str| {
        view.obligations.iter().find(|o| o.obligation.obligation_id == oid).map_or_else(String::new, |o| o.obligation.title.clone())
    };
    let page = ControlPage {
        page: Page::staff(&staff, "/console/compliance"),
        c: control_row(c),
        rule: c.rule.clone(),
        manual: c.kind == ControlKind::Manual,
        obligations: c.obligations.iter().map(|o| (o.clone(), title_of(o))).collect(),
        evidence: evidence.iter().map(evidence_row).collect(),
        can_upload: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Compliance),
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// A manual control's evidence uploaded from the console (multipart: the file, its owner and
/// review date, the CSRF token); the same checks and ledger event as the API.
pub(crate) async fn upload(
    State(web): State<Web>,
    Path(id): Path<String>,
    Can(staff, _): Can<WriteCompliance>,
    mut form: Multipart,
) -> Result<Response, Refusal> {
    let refuse = |text: &str| {
        Refusal::failed(Page::staff(&staff, ""), &custos_service::ServiceError::Invalid(custos_core::ValidationError::new("file", text)))
    };
    let (mut csrf, mut owner, mut review_on, mut file) = (String::new(), None, None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(refuse(&format!("the form could not be read ({})", e.body_text()))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().map(str::to_owned);
                let content_type = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(|e| refuse(&format!("the file could not be read ({})", e.body_text())))?;
                file = Some((file_name, content_type, bytes.to_vec()));
            }
            "csrf" | "owner" | "review_on" => {
                let text = field.text().await.map_err(|e| refuse(&format!("the form could not be read ({})", e.body_text())))?;
                let text = text.trim().to_owned();
                match name.as_str() {
                    "csrf" => csrf = text,
                    "owner" => owner = Some(text).filter(|t| !t.is_empty()),
                    _ => review_on = Some(text).filter(|t| !t.is_empty()),
                }
            }
            _ => return Err(refuse(&format!("unexpected field `{name}`"))),
        }
    }
    if !same_token(&csrf, &staff.session.csrf) {
        let text = "This form is out of date or did not come from the console. Reload the page and try again.";
        return Err(Refusal::from(crate::layout::message(Page::staff(&staff, ""), StatusCode::FORBIDDEN, "Not allowed", text, &[])));
    }
    let Some((file_name, content_type, content)) = file else { return Err(refuse("choose a file to upload")) };
    let upload =
        custos_service::compliance::EvidenceUpload { control: Some(id.clone()), file_name, content_type, content, owner, review_on };
    let who = staff.session.identity();
    web.service.compliance().upload(upload, Some(&who)).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/compliance/controls/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct RunForm {
    csrf: String,
}

impl CsrfForm for RunForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn run(State(web): State<Web>, posted: Posted<WriteCompliance, RunForm>) -> Result<Response, Refusal> {
    let staff = posted.staff;
    // Asked again within a minute of a run: the page shows that run, which is fresh enough.
    match web.service.compliance().evaluate_on_demand(&format!("staff:{}", staff.session.user_id)).await {
        Ok(_) | Err(custos_service::ServiceError::Conflict(_)) => {}
        Err(e) => return Err(Refusal::failed(Page::staff(&staff, ""), &e)),
    }
    Ok(Redirect::to("/console/compliance").into_response())
}

#[derive(Deserialize)]
pub(crate) struct ScopeForm {
    csrf: String,
    #[serde(default)]
    not_applicable: String,
    #[serde(default)]
    justification: String,
}

impl CsrfForm for ScopeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn scope(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteCompliance, ScopeForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let who = staff.session.identity();
    web.service.compliance().scope(&id, form.not_applicable == "yes", Some(form.justification), Some(&who)).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/compliance/obligations/{id}")).into_response())
}

/// A control in the report: its row, the hash of its latest evidence and the ledger entry.
type ReportControl = (ControlRow, String, u64);

#[derive(Template)]
#[template(path = "compliance_report_standalone.html")]
struct Report {
    title: String,
    generated: String,
    summary: String,
    status_chart: String,
    history_chart: String,
    regulations: Vec<RegulationRow>,
    obligations: Vec<(ObligationRow, Vec<ReportControl>)>,
    catalog_version: String,
    css: &'static str,
}

/// The compliance report as a standalone HTML page (the API's `report`, the CLI's, and the
/// PDF's source): for one regulation or all.
pub fn compliance_report_html(view: &ComplianceView, regulation: Option<&str>, at: Timestamp) -> String {
    let (status_chart, history_chart) = charts_of(view, regulation);
    let picked: Vec<&ObligationView> =
        view.obligations.iter().filter(|o| o.applies && regulation.is_none_or(|r| r == o.obligation.regulation)).collect();
    Report {
        title: format!("Compliance report: {}", regulation.unwrap_or("all regulations")),
        generated: When::moment(&at).text,
        summary: summary(view, regulation),
        status_chart,
        history_chart,
        regulations: regulation_rows(view).into_iter().filter(|r| regulation.is_none_or(|x| x == r.0)).collect(),
        obligations: picked
            .iter()
            .map(|o| {
                let controls = view
                    .controls
                    .iter()
                    .filter(|c| o.controls.contains(&c.id))
                    .map(|c| {
                        let (hash, leaf) = c.latest.as_ref().map_or((String::new(), 0), |e| (e.evidence_sha256.clone(), e.leaf_index));
                        (control_row(c), hash, leaf)
                    })
                    .collect();
                (obligation_row(o), controls)
            })
            .collect(),
        catalog_version: view.catalog_version.clone(),
        css: crate::fairness::REPORT_CSS,
    }
    .render()
    .unwrap_or_else(|e| format!("compliance report: {e}"))
}

#[derive(Template)]
#[template(path = "ropa_standalone.html")]
struct RopaPage<'a> {
    generated: String,
    window: i64,
    findings: Vec<String>,
    entries: &'a [custos_service::compliance::RopaEntry],
    css: &'static str,
}

/// The Art. 30 record as a standalone HTML page (the API's, the console's, the PDF's source).
pub fn ropa_html(r: &custos_service::compliance::Ropa) -> String {
    RopaPage {
        generated: custos_core::parse_timestamp(&r.generated_at).map_or_else(|| r.generated_at.clone(), |t| When::moment(&t).text),
        window: r.window_days,
        findings: r.findings.iter().map(|f| f.text.clone()).collect(),
        entries: &r.entries,
        css: crate::fairness::REPORT_CSS,
    }
    .render()
    .unwrap_or_else(|e| format!("record of processing: {e}"))
}

#[derive(Deserialize)]
pub(crate) struct FormatQuery {
    format: Option<String>,
    regulation: Option<String>,
}

/// The record of processing in the console, or its PDF.
pub(crate) async fn ropa(
    State(web): State<Web>,
    axum::extract::Query(q): axum::extract::Query<FormatQuery>,
    Can(staff, _): Can<ReadCompliance>,
) -> Result<Response, Refusal> {
    let r = web.service.compliance().ropa(now()).await.or_refuse(&staff)?;
    crate::pdf::page_or_pdf(&staff, q.format.as_deref(), ropa_html(&r), "record-of-processing").await
}

/// The compliance report in the console, or its PDF.
pub(crate) async fn report(
    State(web): State<Web>,
    axum::extract::Query(q): axum::extract::Query<FormatQuery>,
    Can(staff, _): Can<ReadCompliance>,
) -> Result<Response, Refusal> {
    let view = web.service.compliance().view().await.or_refuse(&staff)?;
    if let Some(r) = &q.regulation
        && !view.regulations.iter().any(|x| &x.regulation == r)
    {
        return Err(Refusal::failed(Page::staff(&staff, ""), &custos_service::ServiceError::NotFound { resource: "regulation" }));
    }
    let html = compliance_report_html(&view, q.regulation.as_deref(), now());
    crate::pdf::page_or_pdf(&staff, q.format.as_deref(), html, "compliance").await
}

//! Decisions in the console: the paged, filterable log, and one decision with what the
//! customer is told and its attributions. Attributions are derived from the person's
//! features, so opening a decision is recorded in the ledger.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use custos_service::{decisions::DecisionFilter, paging::PageAt};
use serde::Deserialize;

use crate::{
    Web, charts,
    format::When,
    layout::{OrRefuse, Page, Paging, Refusal, html},
    session::{Can, ReadDecisions},
};

#[derive(Deserialize, Default)]
pub(crate) struct DecisionQuery {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    outcome: String,
    after: Option<String>,
    before: Option<String>,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// One decision in the log.
struct DecisionRow {
    id: String,
    when: When,
    purpose: String,
    model: String,
    outcome: String,
    score: String,
    actual: String,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct LogPage {
    page: Page,
    purposes: Vec<(String, String)>,
    purpose: String,
    model: String,
    outcome: String,
    decisions: Vec<DecisionRow>,
    paging: Paging,
}

/// Decisions per page.
const PAGE_SIZE: u32 = 50;

pub(crate) async fn log(
    State(web): State<Web>,
    Can(staff, _): Can<ReadDecisions>,
    Query(q): Query<DecisionQuery>,
) -> Result<Response, Refusal> {
    let filter = DecisionFilter { purpose: some(&q.purpose), model: some(&q.model), outcome: some(&q.outcome) };
    let page = web.service.decisions().page(filter, PageAt::from_params(q.after, q.before), PAGE_SIZE).await.or_refuse(&staff)?;
    let names: BTreeMap<String, String> = web
        .service
        .purposes()
        .all()
        .await
        .or_refuse(&staff)?
        .into_iter()
        .map(|p| (p.purpose.purpose.to_string(), p.purpose.name))
        .collect();
    let mut base = String::from("/console/decisions");
    let query: Vec<String> = [("purpose", &q.purpose), ("model", &q.model), ("outcome", &q.outcome)]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v.trim())))
        .collect();
    if !query.is_empty() {
        base = format!("{base}?{}", query.join("&"));
    }
    let decisions = page
        .items
        .iter()
        .map(|d| DecisionRow {
            id: d.decision_id.to_string(),
            when: When::moment(&d.created_at),
            purpose: names.get(d.purpose.as_str()).cloned().unwrap_or_else(|| d.purpose.to_string()),
            model: format!("{} {}", d.model, d.model_version),
            outcome: d.outcome.replace('_', " "),
            score: d.score.map(|s| format!("{s:.3}")).unwrap_or_default(),
            actual: d.actual.as_deref().map(|a| a.replace('_', " ")).unwrap_or_default(),
        })
        .collect();
    let page = LogPage {
        page: Page::staff(&staff, "/console/decisions"),
        paging: Paging::of(&page, &base, "decisions"),
        purposes: names.into_iter().collect(),
        purpose: q.purpose,
        model: q.model,
        outcome: q.outcome,
        decisions,
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// A query-string value, percent-encoded.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "decision.html")]
struct DecisionPage {
    page: Page,
    decision_id: String,
    subject_id: String,
    when: When,
    purpose: String,
    model: String,
    outcome: String,
    reasons: Option<String>,
    hints: Vec<String>,
    has_explanation: bool,
    prediction: String,
    base_value: String,
    chart: String,
    masked: Option<String>,
}

pub(crate) async fn detail(State(web): State<Web>, Can(staff, _): Can<ReadDecisions>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let subject = web.service.decisions().get(&id).await.or_refuse(&staff)?.decision.subject_id;
    // Attributions are derived from the person's features: the view is recorded first.
    web.service.staff().log_subject_view(&staff.session, &subject.to_string()).await.or_refuse(&staff)?;
    let revealed = web
        .service
        .staff()
        .decide_reveal(
            &staff.session,
            custos_service::permissions::Resource::Decisions,
            custos_service::permissions::AccessPurpose::ViewSubject,
            Some(&subject),
        )
        .await
        .or_refuse(&staff)?;
    let detail = web.service.decisions().detail(&id).await.or_refuse(&staff)?;
    let d = &detail.decision;
    let purpose = web.service.purposes().get(d.purpose.as_str()).await.or_refuse(&staff)?.purpose.name;
    let (has_explanation, prediction, base_value, chart) = match &detail.explanation {
        Some(e) if revealed => {
            let mut rows: Vec<(String, f64)> = e.ranked().into_iter().map(|(f, v)| (f.to_owned(), v)).collect();
            rows.truncate(12);
            (
                true,
                format!("{:.4}", e.explained_prediction().unwrap_or(f64::NAN)),
                format!("{:.4}", e.base_value().unwrap_or(f64::NAN)),
                charts::signed("Feature attributions (largest first)", &rows),
            )
        }
        _ => (false, String::new(), String::new(), String::new()),
    };
    let page = DecisionPage {
        page: Page::staff(&staff, "/console/decisions"),
        decision_id: d.decision_id.to_string(),
        subject_id: d.subject_id.to_string(),
        when: When::moment(&d.created_at),
        purpose,
        model: format!("{} {}", d.model, d.model_version),
        outcome: d.outcome.replace('_', " "),
        hints: detail.reasons.as_ref().map(|r| r.hints.clone()).unwrap_or_default(),
        reasons: detail.reasons.map(|r| r.text),
        has_explanation,
        prediction,
        base_value,
        chart,
        masked: (!revealed).then(|| crate::session::masked_notice(&staff.session)),
    };
    Ok(html(StatusCode::OK, page.render()))
}

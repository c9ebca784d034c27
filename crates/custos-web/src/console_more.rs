//! Console pages for decisions (with their explanations) and fairness audits.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use custos_service::dto::DecisionView;
use custos_service::fairness::FairnessAuditInput;
use serde::Deserialize;

use crate::{Web, charts, error_page, html, role_refusal, session};

#[derive(Deserialize)]
pub(crate) struct DecisionFilter {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    outcome: String,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    purpose: String,
    model: String,
    outcome: String,
    decisions: Vec<DecisionView>,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub(crate) async fn decisions(State(web): State<Web>, headers: HeaderMap, Query(f): Query<DecisionFilter>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "reviewer") {
        return r;
    }
    match web.service.decisions().list(some(&f.purpose), some(&f.model), some(&f.outcome), 200).await {
        Ok(list) => html(
            StatusCode::OK,
            DecisionsPage {
                signed_in: Some(s.email.clone()),
                csrf: s.csrf.clone(),
                notice: None,
                purpose: f.purpose,
                model: f.model,
                outcome: f.outcome,
                decisions: list
                    .into_iter()
                    .map(|mut d| {
                        d.features = None;
                        d
                    })
                    .collect(),
            }
            .render(),
        ),
        Err(e) => error_page(Some(&s), &e),
    }
}

#[derive(Template)]
#[template(path = "decision.html")]
struct DecisionPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    decision_id: String,
    subject_id: String,
    when: String,
    purpose: String,
    model: String,
    outcome: String,
    reasons: Option<String>,
    hints: Vec<String>,
    has_explanation: bool,
    prediction: String,
    base_value: String,
    chart: String,
}

pub(crate) async fn decision(State(web): State<Web>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "reviewer") {
        return r;
    }
    let d = match web.service.decisions().get(&id).await {
        Ok(d) => d,
        Err(e) => return error_page(Some(&s), &e),
    };
    // Attributions are derived from the person's features: the view is logged.
    if let Err(e) = web.service.staff().log_subject_view(&s, &d.subject_id).await {
        return error_page(Some(&s), &e);
    }
    let explanation = web.service.decisions().explanation(&id).await.ok();
    let reasons = web.service.decisions().reasons(&id).await.ok();
    let (has_explanation, prediction, base_value, chart) = match &explanation {
        Some(e) => {
            let k = e["explained_output"].as_u64().unwrap_or(0) as usize;
            let output = &e["outputs"][k];
            let mut rows: Vec<(String, f64)> = output["attributions"]
                .as_object()
                .map(|m| m.iter().map(|(f, v)| (f.clone(), v.as_f64().unwrap_or(0.0))).collect())
                .unwrap_or_default();
            rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            rows.truncate(12);
            (
                true,
                format!("{:.4}", e["prediction"][k].as_f64().unwrap_or(f64::NAN)),
                format!("{:.4}", output["base_value"].as_f64().unwrap_or(f64::NAN)),
                charts::signed("Feature attributions (largest first)", &rows),
            )
        }
        None => (false, String::new(), String::new(), String::new()),
    };
    let page = DecisionPage {
        signed_in: Some(s.email.clone()),
        csrf: s.csrf.clone(),
        notice: None,
        decision_id: d.decision_id,
        subject_id: d.subject_id,
        when: d.created_at,
        purpose: d.purpose,
        model: format!("{} {}", d.model, d.model_version),
        outcome: d.outcome,
        hints: reasons.as_ref().map(|r| r.hints.clone()).unwrap_or_default(),
        reasons: reasons.map(|r| r.text),
        has_explanation,
        prediction,
        base_value,
        chart,
    };
    html(StatusCode::OK, page.render())
}

/// One audit in the list.
struct AuditRow {
    id: String,
    created: String,
    status: String,
    progress: String,
    alerts: String,
    error: String,
}

#[derive(Template)]
#[template(path = "fairness.html")]
struct FairnessPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    trend: String,
    audits: Vec<AuditRow>,
}

#[derive(Deserialize)]
pub(crate) struct Started {
    #[serde(default)]
    started: Option<String>,
}

pub(crate) async fn fairness(State(web): State<Web>, headers: HeaderMap, Query(q): Query<Started>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "analyst") {
        return r;
    }
    let audits = match web.service.fairness().audits(100).await {
        Ok(a) => a,
        Err(e) => return error_page(Some(&s), &e),
    };
    // The trend needs each finished audit's headline disparity (oldest first).
    let mut points = Vec::new();
    for a in audits.iter().rev().filter(|a| a.status == "succeeded").take(30) {
        if let Ok(full) = web.service.fairness().audit(&a.audit_id).await
            && let Some(v) = full.report.as_ref().and_then(|r| r["disparities"]["demographic_parity_difference"].as_f64())
        {
            points.push((full.created_at.chars().take(16).collect::<String>(), v));
        }
    }
    let rows = audits
        .iter()
        .map(|a| AuditRow {
            id: a.audit_id.clone(),
            created: a.created_at.chars().take(19).collect(),
            status: a.status.clone(),
            progress: match a.progress.rows_total {
                Some(t) => format!("{} / {t} decisions", a.progress.rows_done),
                None => "waiting".into(),
            },
            alerts: if a.alerts.is_empty() {
                "none".into()
            } else {
                a.alerts.iter().map(|x| format!("{} {}", x.metric, x.breach)).collect::<Vec<_>>().join(", ")
            },
            error: a.error.clone().unwrap_or_default(),
        })
        .collect();
    let notice = q.started.map(|_| "The audit is running; refresh to follow its progress.".to_owned());
    html(
        StatusCode::OK,
        FairnessPage {
            signed_in: Some(s.email.clone()),
            csrf: s.csrf.clone(),
            notice,
            trend: charts::trend("Demographic parity difference, by audit", &points),
            audits: rows,
        }
        .render(),
    )
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

pub(crate) async fn start_audit(State(web): State<Web>, headers: HeaderMap, Form(form): Form<AuditForm>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !crate::same(&s.csrf, &form.csrf) {
        return crate::message_page(
            Some(&s),
            StatusCode::FORBIDDEN,
            "This form is out of date or did not come from the console. Reload the page and try again.",
        );
    }
    if let Some(r) = role_refusal(&s, "analyst") {
        return r;
    }
    let input = FairnessAuditInput {
        sensitive: form.sensitive.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect(),
        model: some(&form.model),
        purpose: some(&form.purpose),
        favorable: some(&form.favorable),
        ..Default::default()
    };
    match web.service.fairness().request_audit(input, None).await {
        Ok(a) => Redirect::to(&format!("/console/fairness?started={}", a.audit_id)).into_response(),
        Err(e) => error_page(Some(&s), &e),
    }
}

pub(crate) async fn audit_report(State(web): State<Web>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "analyst") {
        return r;
    }
    let audit = match web.service.fairness().audit(&id).await {
        Ok(a) => a,
        Err(e) => return error_page(Some(&s), &e),
    };
    let Some(report) = audit.report.as_ref() else {
        return crate::message_page(Some(&s), StatusCode::CONFLICT, "This audit has no report yet.");
    };
    let sha = audit.report_sha256.clone().unwrap_or_default();
    let provenance = [("Audit", audit.audit_id.as_str()), ("Report SHA-256 (in the ledger)", sha.as_str())];
    let page = custos_fairness::html::render(report, &provenance);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        page,
    )
        .into_response()
}

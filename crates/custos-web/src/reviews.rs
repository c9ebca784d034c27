//! The review queue in the console: decisions waiting for a person, soonest due first, and one
//! review with what a reviewer needs to decide (the reasons it came, the explanation and what
//! the customer is told, the customer's contest, the subject's earlier decisions for the same
//! purpose), taken and resolved with a form. In blind reviews the model's outcome, score and
//! explanation appear only after the reviewer has recorded their own outcome.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::{ReviewAction, ReviewStatus};
use custos_service::reviews::{ResolveInput, ReviewQuery};
use serde::Deserialize;

use crate::{
    Web, charts,
    format::{When, label},
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, CsrfForm, Posted, ReadReviews, WriteReviews},
};

/// One row of the queue.
struct QueueRow {
    review_id: String,
    due: When,
    overdue: bool,
    purpose: String,
    reasons: String,
    status: &'static str,
    mine: bool,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct QueuePage {
    page: Page,
    status: String,
    total: u64,
    reviews: Vec<QueueRow>,
}

#[derive(Deserialize, Default)]
pub(crate) struct QueueFilter {
    #[serde(default)]
    status: String,
}

/// Purpose names by key (staff read names, not keys).
async fn purpose_names(web: &Web, staff: &crate::session::SignedInStaff) -> Result<std::collections::BTreeMap<String, String>, Refusal> {
    Ok(web.service.purposes().all().await.or_refuse(staff)?.into_iter().map(|p| (p.purpose.purpose.to_string(), p.purpose.name)).collect())
}

fn reasons_text(r: &custos_service::reviews::ReviewRecord) -> String {
    let mut words: Vec<&str> = r.reasons.iter().map(|x| label(x.code)).collect();
    words.dedup();
    words.join(", ")
}

pub(crate) async fn queue(
    State(web): State<Web>,
    Can(staff, _): Can<ReadReviews>,
    Query(q): Query<QueueFilter>,
) -> Result<Response, Refusal> {
    let status = if q.status.is_empty() { None } else { Some(q.status.clone()) };
    let only_open = status.is_none();
    let query = ReviewQuery { status, ..ReviewQuery::default() };
    let page = web.service.reviews().queue(query, 0, 500).await.or_refuse(&staff)?;
    let names = purpose_names(&web, &staff).await?;
    let now = custos_core::now();
    let reviews: Vec<QueueRow> = page
        .reviews
        .iter()
        .filter(|r| !only_open || r.status != ReviewStatus::Resolved)
        .map(|r| QueueRow {
            review_id: r.review_id.to_string(),
            due: When::deadline(&r.due_at),
            overdue: r.status != ReviewStatus::Resolved && r.due_at < now,
            purpose: names.get(r.purpose.as_str()).cloned().unwrap_or_else(|| r.purpose.to_string()),
            reasons: reasons_text(r),
            status: label(r.status),
            mine: r.assignee.as_deref() == Some(staff.session.user_id.as_str()),
        })
        .collect();
    let total = if only_open { reviews.len() as u64 } else { page.total };
    let page = QueuePage { page: Page::staff(&staff, "/console/reviews"), status: q.status, total, reviews };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    page: Page,
    review_id: String,
    decision_id: String,
    purpose: String,
    reasons: String,
    status: &'static str,
    due: When,
    blind: bool,
    two_person: bool,
    hidden: bool,
    model: String,
    outcome: String,
    score: String,
    customer_text: Option<String>,
    counterfactual: Option<String>,
    inputs: Vec<(String, String)>,
    chart: String,
    statement: Option<String>,
    history: Vec<(When, String, String)>,
    verdicts: Vec<(String, String, String)>,
    can_claim: bool,
    can_resolve: bool,
    resolved: Option<String>,
    masked: Option<String>,
}

pub(crate) async fn detail(State(web): State<Web>, Can(staff, _): Can<ReadReviews>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let me = staff.session.identity();
    let v = web.service.reviews().get(&id, Some(&me)).await.or_refuse(&staff)?;
    // The page shows the person's decisions and their explanation: the view is recorded.
    web.service.staff().log_subject_view(&staff.session, &v.review.subject_id.to_string()).await.or_refuse(&staff)?;
    let counterfactual = if v.model_hidden {
        None
    } else {
        match web.service.decisions().counterfactual(&v.review.decision_id.to_string()).await {
            Ok(c) => c.text,
            Err(custos_service::ServiceError::NotFound { .. }) => None,
            Err(e) => return Err(Refusal::failed(crate::layout::Page::staff(&staff, ""), &e)),
        }
    };
    let (customer_text, chart) = if v.model_hidden {
        (None, String::new())
    } else {
        let detail = web.service.decisions().detail(&v.review.decision_id.to_string()).await.or_refuse(&staff)?;
        let chart = match &detail.explanation {
            Some(e) => {
                let mut rows: Vec<(String, f64)> = e.ranked().into_iter().map(|(f, x)| (f.to_owned(), x)).collect();
                rows.truncate(12);
                charts::signed("Feature attributions (largest first)", &rows)
            }
            None => String::new(),
        };
        (detail.reasons.map(|r| r.text), chart)
    };
    // The inputs, through the gate under purpose `oversight` (checked and logged), once the
    // model's side may be seen.
    let inputs: Vec<(String, String)> = if v.model_hidden {
        Vec::new()
    } else {
        let i = web.service.reviews().inputs(&id, &me).await.or_refuse(&staff)?;
        match i.features {
            Some(serde_json::Value::Object(m)) => m
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        },
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    // Without valid training the reviewer still works the queue, with the inputs and the
    // customer's own words masked; the decision is in the ledger with the policies' version.
    let revealed = web
        .service
        .staff()
        .decide_reveal(
            &staff.session,
            custos_service::permissions::Resource::Reviews,
            custos_service::permissions::AccessPurpose::Review,
            Some(&v.review.subject_id),
        )
        .await
        .or_refuse(&staff)?;
    let inputs: Vec<(String, String)> =
        if revealed { inputs } else { inputs.into_iter().map(|(k, _)| (k, crate::session::MASKED.to_owned())).collect() };
    let r = &v.review;
    let names = purpose_names(&web, &staff).await?;
    let open = r.status != ReviewStatus::Resolved;
    let page = ReviewPage {
        page: Page::staff(&staff, "/console/reviews"),
        review_id: r.review_id.to_string(),
        decision_id: r.decision_id.to_string(),
        purpose: names.get(r.purpose.as_str()).cloned().unwrap_or_else(|| r.purpose.to_string()),
        reasons: reasons_text(r),
        status: label(r.status),
        due: When::deadline(&r.due_at),
        blind: r.blind,
        two_person: r.two_person,
        hidden: v.model_hidden,
        model: format!("{} {}", v.decision.model, v.decision.model_version),
        outcome: v.decision.outcome.replace('_', " "),
        score: v.decision.score.map(|s| format!("{s:.3}")).unwrap_or_default(),
        customer_text,
        counterfactual,
        inputs,
        chart,
        statement: v.contest_statement.clone().map(|s| if revealed { s } else { crate::session::MASKED.to_owned() }),
        history: v.history.iter().map(|d| (When::moment(&d.created_at), d.outcome.replace('_', " "), label(d.status).to_owned())).collect(),
        verdicts: v.verdicts.iter().map(|x| (label(x.action).to_owned(), x.outcome.replace('_', " "), x.reason_code.clone())).collect(),
        can_claim: open && r.status == ReviewStatus::Open,
        can_resolve: open && r.assignee.as_deref() == Some(me.user_id.as_str()) && r.status == ReviewStatus::Claimed,
        resolved: r.outcome.as_ref().map(|o| format!("{} · {}", r.action.map(label).unwrap_or_default(), o.replace('_', " "))),
        masked: (!revealed).then(|| crate::session::masked_notice(&staff.session)),
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    csrf: String,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

impl CsrfForm for ReviewForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn claim(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteReviews, ReviewForm>,
) -> Result<Response, Refusal> {
    let staff = posted.staff;
    web.service.reviews().claim(&id, &staff.session.identity()).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/reviews/{id}")).into_response())
}

pub(crate) async fn resolve(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteReviews, ReviewForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let action = match form.action.as_deref() {
        Some("override") => ReviewAction::Override,
        _ => ReviewAction::Confirm,
    };
    let some = |s: Option<String>| s.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty());
    let input = ResolveInput {
        action,
        outcome: some(form.outcome),
        reason_code: some(form.reason_code).unwrap_or_default(),
        note: some(form.note),
    };
    web.service.reviews().resolve(&id, &staff.session.identity(), input).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/reviews/{id}")).into_response())
}

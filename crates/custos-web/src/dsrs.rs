//! The data-subject request queue: open requests, soonest due first, overdue and due-soon ones
//! marked, and the actions a request can take next (verify, complete, extend, reject).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::{DsrStatus, DsrType};
use custos_service::dsrs::{DUE_SOON_DAYS, DsrQuery, DsrReasonInput, DsrVerifyInput};
use serde::Deserialize;

use crate::{
    Web,
    format::{When, label},
    layout::{OrRefuse, Page, Refusal, html, message},
    session::{Can, CsrfForm, Posted, ReadDsrs, WriteDsrs},
};

/// One row of the request queue.
struct QueueRow {
    dsr_id: String,
    dsr_type: &'static str,
    status: &'static str,
    subject_id: String,
    subject_short: String,
    due: When,
    overdue: bool,
    due_soon: bool,
    can_verify: bool,
    can_extend: bool,
}

#[derive(Template)]
#[template(path = "dsr.html")]
struct QueuePage {
    page: Page,
    can_act: bool,
    due_soon_days: i64,
    requests: Vec<QueueRow>,
}

#[derive(Deserialize)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    done: Option<String>,
}

pub(crate) async fn queue(State(web): State<Web>, Can(staff, _): Can<ReadDsrs>, Query(q): Query<QueueQuery>) -> Result<Response, Refusal> {
    let open = web.service.dsrs().list(DsrQuery { open: true, limit: Some(5000), ..DsrQuery::default() }).await.or_refuse(&staff)?;
    let requests = open
        .into_iter()
        .map(|d| QueueRow {
            dsr_id: d.dsr_id.to_string(),
            dsr_type: label(d.dsr_type),
            status: label(d.status),
            subject_short: d.subject_id.to_string().chars().take(8).collect(),
            subject_id: d.subject_id.to_string(),
            due: When::deadline(&d.due_at),
            overdue: d.overdue,
            due_soon: d.due_soon,
            can_verify: d.status == DsrStatus::PendingVerification,
            can_extend: d.status != DsrStatus::Extended,
        })
        .collect();
    let notice = q.done.and_then(|d| DsrStatus::parse(&d).ok()).map(|s| format!("Request {}.", label(s).to_lowercase()));
    let can_act = staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Dsrs);
    let page = QueuePage { page: Page::staff(&staff, "/console/dsr").with_notice(notice), can_act, due_soon_days: DUE_SOON_DAYS, requests };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct ActionForm {
    csrf: String,
    #[serde(default)]
    reason: Option<String>,
    /// An outcome note (completing from the case page) or an internal note.
    #[serde(default)]
    note: Option<String>,
}

impl CsrfForm for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn act(
    State(web): State<Web>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted<WriteDsrs, ActionForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let dsrs = web.service.dsrs();
    let reason = || DsrReasonInput { reason: form.reason.clone().unwrap_or_default() };
    let me = staff.session.identity();
    let case = format!("/console/dsr/{id}");
    match action.as_str() {
        "take" => {
            dsrs.set_owner(&id, &me, &format!("staff:{}", me.user_id)).await.or_refuse(&staff)?;
            return Ok(Redirect::to(&case).into_response());
        }
        "note" => {
            dsrs.add_note(&id, form.note.as_deref().unwrap_or_default(), &me).await.or_refuse(&staff)?;
            return Ok(Redirect::to(&case).into_response());
        }
        "complete" => {
            // Completing says what was done: the outcome note first, then the request is carried
            // out (an erasure empties the note with the rest of the subject's data).
            let note = form.note.clone().unwrap_or_default();
            if note.trim().is_empty() {
                let page = Page::staff(&staff, "/console/dsr");
                return Err(Refusal::from(message(
                    page,
                    StatusCode::BAD_REQUEST,
                    "Please say what was done",
                    "Completing a request needs an outcome note (what was done, for whom, and how the customer was told).",
                    &[(&case, "Back to the request")],
                )));
            }
            dsrs.add_note(&id, &format!("Outcome: {}", note.trim()), &me).await.or_refuse(&staff)?;
        }
        _ => {}
    }
    let done = match action.as_str() {
        "verify" => dsrs.verify(&id, DsrVerifyInput { method: "console".into() }, &format!("staff:{}", staff.session.user_id)).await,
        "complete" => dsrs.complete(&id).await,
        "extend" => dsrs.extend(&id, reason()).await,
        "reject" => dsrs.reject(&id, reason()).await,
        _ => {
            let page = Page::staff(&staff, "/console/dsr");
            return Err(Refusal::from(message(
                page,
                StatusCode::NOT_FOUND,
                "Not found",
                "A request cannot do that.",
                &[("/console/dsr", "Back to the queue")],
            )));
        }
    }
    .or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/dsr?done={}", done.status.as_str())).into_response())
}

#[derive(Template)]
#[template(path = "dsr_case.html")]
struct CasePage {
    page: Page,
    dsr_id: String,
    subject_id: String,
    kind: &'static str,
    status: &'static str,
    due: When,
    scope: String,
    statement: Option<String>,
    changes: Vec<(String, String, String)>,
    decision_id: Option<String>,
    review_id: Option<String>,
    timeline: Vec<(When, String)>,
    can_act: bool,
    open: bool,
    verified: bool,
    owner: Option<String>,
    notes: Vec<(When, String, String)>,
    masked: Option<String>,
}

/// A value as staff read it (text as is, anything else as JSON).
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) async fn case(State(web): State<Web>, Can(staff, _): Can<ReadDsrs>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let c = web.service.dsrs().case(&id).await.or_refuse(&staff)?;
    // The case shows what the customer asked, their data included: the view is recorded.
    web.service.staff().log_subject_view(&staff.session, &c.request.subject_id.to_string()).await.or_refuse(&staff)?;
    let revealed = web
        .service
        .staff()
        .decide_reveal(
            &staff.session,
            custos_service::permissions::Resource::Dsrs,
            custos_service::permissions::AccessPurpose::Dsr,
            Some(&c.request.subject_id),
        )
        .await
        .or_refuse(&staff)?;
    let hide = |v: String| if revealed { v } else { crate::session::MASKED.to_owned() };
    let d = &c.request;
    let scope = match (d.dsr_type, d.objection, &d.purpose) {
        (DsrType::Access | DsrType::Portability, _, _) => "A copy of everything custos holds about the subject.".to_owned(),
        (DsrType::Erasure, _, _) => "Erase everything custos holds about the subject.".to_owned(),
        (DsrType::Objection, Some(o), p) => format!("Objection: {}{}", label(o), p.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()),
        _ => label(d.dsr_type).to_owned(),
    };
    let page = CasePage {
        page: Page::staff(&staff, "/console/dsr"),
        dsr_id: d.dsr_id.to_string(),
        subject_id: d.subject_id.to_string(),
        kind: label(d.dsr_type),
        status: label(d.status),
        due: When::deadline(&d.due_at),
        scope,
        statement: c.statement.clone().map(hide),
        changes: c
            .changes
            .iter()
            .map(|(k, old, new)| {
                (
                    custos_core::data_category_name(k).unwrap_or(k).to_owned(),
                    old.as_ref().map(|v| hide(shown(v))).unwrap_or_else(|| "(none held)".into()),
                    hide(shown(new)),
                )
            })
            .collect(),
        decision_id: c.decision_id.clone(),
        review_id: c.review.as_ref().map(|r| r.review_id.to_string()),
        timeline: c.timeline.iter().map(|(t, what)| (When::moment(t), what.clone())).collect(),
        can_act: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Dsrs),
        open: d.status.is_open(),
        verified: d.verified_at.is_some(),
        owner: c.owner.clone(),
        notes: c
            .notes
            .iter()
            .map(|(t, who, text)| {
                (
                    When::moment(t),
                    who.clone().unwrap_or_else(|| "a removed account".into()),
                    text.clone().map(hide).unwrap_or_else(|| "(erased with the subject)".into()),
                )
            })
            .collect(),
        masked: (!revealed).then(|| crate::session::masked_notice(&staff.session)),
    };
    Ok(html(StatusCode::OK, page.render()))
}

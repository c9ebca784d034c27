//! The data-subject request queue: open requests, soonest due first, overdue and due-soon ones
//! marked, and the actions a request can take next (verify, complete, extend, reject).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::DsrStatus;
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

//! Subjects in the console: the paged list (or the one subject with an external id), and one
//! subject's page with its data, consents, gate checks, decisions and requests. Opening a
//! subject's page is recorded in the ledger before its personal data is shown.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use custos_core::data_category_name;
use custos_service::{ServiceError, paging::PageAt, subjects::SubjectView};
use serde::Deserialize;

use crate::{
    Web,
    format::{When, label},
    layout::{OrRefuse, Page, Paging, Refusal, html},
    session::{Can, ReadSubjects},
};

/// One subject in the list.
struct SubjectRow {
    id: String,
    jurisdiction: String,
    created: When,
    state: &'static str,
}

fn row(s: &SubjectView) -> SubjectRow {
    SubjectRow {
        id: s.subject_id.to_string(),
        jurisdiction: s.jurisdiction.to_string(),
        created: When::date(&s.created_at),
        state: if s.erased_at.is_some() { "Erased" } else { "Active" },
    }
}

#[derive(Template)]
#[template(path = "subjects.html")]
struct SubjectsPage {
    page: Page,
    query: String,
    searched: bool,
    subjects: Vec<SubjectRow>,
    paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(crate) struct SubjectQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
    before: Option<String>,
}

/// Subjects per page.
const PAGE_SIZE: u32 = 50;

pub(crate) async fn list(
    State(web): State<Web>,
    Can(staff, _): Can<ReadSubjects>,
    Query(q): Query<SubjectQuery>,
) -> Result<Response, Refusal> {
    let query = q.q.trim().to_owned();
    let (subjects, paging) = if query.is_empty() {
        let page = web.service.subjects().page(PageAt::from_params(q.after, q.before), PAGE_SIZE).await.or_refuse(&staff)?;
        (page.items.iter().map(row).collect(), Some(Paging::of(&page, "/console/subjects", "subjects")))
    } else {
        // An external id, an e-mail address or a phone number.
        match web.service.subjects().find(&query).await {
            Ok(found) => (found.iter().map(row).collect(), None),
            Err(ServiceError::NotFound { .. }) => (Vec::new(), None),
            Err(e) => return Err(Refusal::failed(Page::staff(&staff, "/console/subjects"), &e)),
        }
    };
    let page = SubjectsPage { page: Page::staff(&staff, "/console/subjects"), searched: !query.is_empty(), query, subjects, paging };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Template)]
#[template(path = "subject.html")]
struct ProfilePage {
    page: Page,
    subject_id: String,
    external_id: String,
    jurisdiction: String,
    erased: Option<When>,
    data: Vec<(String, String, String)>,
    consents: Vec<(String, &'static str, String, When)>,
    history: Vec<(When, String, &'static str, String, String)>,
    checks: Vec<(When, String, &'static str, String)>,
    decisions: Vec<(When, String, String, String, String)>,
    requests: Vec<(&'static str, &'static str, When)>,
    masked: Option<String>,
}

pub(crate) async fn profile(State(web): State<Web>, Can(staff, _): Can<ReadSubjects>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let service = &web.service;
    // The view of personal data is recorded before it is read.
    service.staff().log_subject_view(&staff.session, &id).await.or_refuse(&staff)?;
    let p = service.subjects().profile(&id).await.or_refuse(&staff)?;
    // The staff policies decide whether the values are shown (training, purpose); the decision
    // is in the ledger with the policies' version.
    let revealed = service
        .staff()
        .decide_reveal(
            &staff.session,
            custos_service::permissions::Resource::Subjects,
            custos_service::permissions::AccessPurpose::ViewSubject,
            Some(&p.subject.subject_id),
        )
        .await
        .or_refuse(&staff)?;
    let hide = |v: String| if revealed { v } else { crate::session::MASKED.to_owned() };
    let names: BTreeMap<String, String> =
        service.purposes().all().await.or_refuse(&staff)?.into_iter().map(|p| (p.purpose.purpose.to_string(), p.purpose.name)).collect();
    let name = |key: &str| names.get(key).cloned().unwrap_or_else(|| key.to_owned());
    let s = &p.subject;
    let page = ProfilePage {
        page: Page::staff(&staff, "/console/subjects"),
        subject_id: s.subject_id.to_string(),
        external_id: s.external_id.clone().map_or_else(|| "(erased)".into(), hide),
        jurisdiction: s.jurisdiction.to_string(),
        erased: s.erased_at.as_ref().map(When::date),
        data: s
            .data
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let shown = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                (data_category_name(k.as_str()).unwrap_or(k.as_str()).to_owned(), k.to_string(), hide(shown))
            })
            .collect(),
        consents: p
            .consents
            .current
            .iter()
            .map(|c| (name(c.purpose.as_str()), label(c.status), c.event_id.to_string(), When::ago(&c.captured_at)))
            .collect(),
        history: p
            .consents
            .history
            .iter()
            .rev()
            .map(|e| {
                let how = format!("{}{}", e.method.as_str().replace('_', " "), if e.gpc { ", with Global Privacy Control" } else { "" });
                (When::moment(&e.captured_at), name(e.purpose.as_str()), label(e.status), how, e.notice_version.clone())
            })
            .collect(),
        checks: p
            .checks
            .iter()
            .map(|c| {
                let reasons = c.reasons.iter().map(|r| label(r.code)).collect::<Vec<_>>().join(", ");
                (When::moment(&c.checked_at), name(&c.purpose), label(c.decision), reasons)
            })
            .collect(),
        decisions: p
            .decisions
            .iter()
            .map(|d| {
                (
                    When::moment(&d.created_at),
                    name(d.purpose.as_str()),
                    format!("{} {}", d.model, d.model_version),
                    d.outcome.replace('_', " "),
                    d.decision_id.to_string(),
                )
            })
            .collect(),
        requests: p.requests.iter().map(|r| (label(r.dsr_type), label(r.status), When::deadline(&r.due_at))).collect(),
        masked: (!revealed).then(|| crate::session::masked_notice(&staff.session)),
    };
    Ok(html(StatusCode::OK, page.render()))
}

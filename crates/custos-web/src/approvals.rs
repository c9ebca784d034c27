//! Models and their sign-off in the console: every version with its state, its model card,
//! the approvals inbox of each signer and the request page where legal and compliance approve,
//! reject or ask for changes (a comment is required), and where the owner submits.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::{ApprovalStatus, ModelState, Role, Timestamp, Verdict};
use custos_service::lifecycle::ModelCard;
use serde::Deserialize;

use crate::{
    Web,
    format::When,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, CsrfForm, Posted, ReadApprovals, ReadModels, WriteApprovals},
};

fn date(t: &Timestamp) -> String {
    When::moment(t).text
}

fn state_words(state: &str) -> String {
    ModelState::parse(state).map_or_else(|_| state.to_owned(), |s| s.label().to_owned())
}

/// One entry of a request's thread as people read it.
struct EntryRow {
    when: String,
    who: String,
    what: String,
    body: String,
}

/// One approval request in a card.
struct RequestRow {
    approval_id: String,
    asked: String,
    status: String,
    needs: String,
    missing: String,
    validation: String,
    dpia: Option<String>,
    entries: Vec<EntryRow>,
}

/// The card's words, shared by the console page and the standalone document.
struct CardBody {
    title: String,
    state: String,
    lapsed: bool,
    owner: String,
    ai_system: String,
    purpose: String,
    model: String,
    file_sha256: String,
    registered: String,
    approved: Option<String>,
    lapses: Option<String>,
    revalidation: Option<String>,
    upgrade: bool,
    intended_use: String,
    limitations: String,
    training_data: String,
    inputs: String,
    requests: Vec<RequestRow>,
}

fn roles_words(roles: &[String]) -> String {
    let words: Vec<String> = roles.iter().map(|r| Role::parse(r).map_or_else(|_| r.clone(), |x| x.label().to_owned())).collect();
    if words.is_empty() { "nobody".into() } else { words.join(" and ") }
}

fn request_row(a: &custos_service::approvals::ApprovalView) -> RequestRow {
    RequestRow {
        approval_id: a.approval.approval_id.clone(),
        asked: date(&a.approval.created_at),
        status: ApprovalStatus::parse(&a.approval.status).map_or_else(|_| a.approval.status.clone(), |s| s.label().to_owned()),
        needs: roles_words(&a.approval.required_roles),
        missing: roles_words(&a.missing_roles),
        validation: match (&a.validation, &a.approval.validation_id) {
            (Some(v), _) if v.passed => format!("{} (passed every check)", v.validation_id),
            (Some(v), _) => format!(
                "{} (failed: {})",
                v.validation_id,
                v.checks.iter().filter(|c| !c.1).map(|c| c.2.clone()).collect::<Vec<_>>().join("; ")
            ),
            (None, Some(id)) => id.clone(),
            (None, None) => "None attached".into(),
        },
        dpia: a.approval.dpia_link.clone(),
        entries: a
            .entries
            .iter()
            .map(|e| EntryRow {
                when: date(&e.created_at),
                who: e.staff_email.clone(),
                what: match (e.kind.as_str(), e.role.as_deref()) {
                    ("comment", _) => "commented".into(),
                    (k, role) => {
                        let verdict = Verdict::parse(k).map_or_else(|_| k.to_owned(), |v| v.label().to_lowercase());
                        let role = role.and_then(|r| Role::parse(r).ok()).map(|r| format!(" as {}", r.label())).unwrap_or_default();
                        format!("{verdict}{role}")
                    }
                },
                body: e.body.clone(),
            })
            .collect(),
    }
}

fn card_body(card: &ModelCard) -> CardBody {
    let m = &card.model;
    let l = &m.lifecycle;
    let or_none = |s: &str| if s.trim().is_empty() { "Not stated.".to_owned() } else { s.to_owned() };
    CardBody {
        title: format!("{} {}", m.name, m.version),
        state: state_words(&l.state),
        lapsed: m.approval_lapsed,
        owner: card.owner_email.clone().unwrap_or_else(|| format!("{} (no staff account)", m.owner)),
        ai_system: card.ai_system.clone().unwrap_or_else(|| "None named".into()),
        purpose: m.purpose.clone().unwrap_or_else(|| "None named".into()),
        model: format!("{} ({}), {} trees, {} inputs", m.library, m.objective, m.trees, m.features.len()),
        file_sha256: m.file_sha256.clone(),
        registered: date(&m.created_at),
        approved: l.approved_at.as_ref().map(date),
        lapses: l.approval_expires_at.as_ref().map(date),
        revalidation: l.revalidation_reason.clone(),
        upgrade: l.approval_source.as_deref().is_some_and(|s| s.starts_with("upgrade")),
        intended_use: or_none(&l.intended_use),
        limitations: or_none(&l.limitations),
        training_data: or_none(&l.training_data),
        inputs: m.features.join(", "),
        requests: card.approvals.iter().map(request_row).collect(),
    }
}

#[derive(Template)]
#[template(path = "model_card_standalone.html")]
struct StandaloneCard {
    card: CardBody,
    css: &'static str,
}

/// A model card as a standalone HTML document (what `GET /v1/models/{id}/card?format=html`
/// returns).
pub fn model_card_html(card: &ModelCard) -> String {
    StandaloneCard { card: card_body(card), css: crate::fairness::REPORT_CSS }.render().unwrap_or_else(|e| format!("model card: {e}"))
}

struct ModelRow {
    model_id: String,
    name: String,
    version: String,
    state: String,
    lapses: String,
    registered: String,
}

#[derive(Template)]
#[template(path = "models.html")]
struct ModelsPage {
    page: Page,
    models: Vec<ModelRow>,
}

pub(crate) async fn models(State(web): State<Web>, Can(staff, _): Can<ReadModels>) -> Result<Response, Refusal> {
    let all = web.service.models().all().await.or_refuse(&staff)?;
    let page = ModelsPage {
        page: Page::staff(&staff, "/console/models"),
        models: all
            .iter()
            .map(|m| ModelRow {
                model_id: m.model_id.to_string(),
                name: m.name.clone(),
                version: m.version.clone(),
                state: if m.approval_lapsed {
                    format!("{} (lapsed)", state_words(&m.lifecycle.state))
                } else {
                    state_words(&m.lifecycle.state)
                },
                lapses: m.lifecycle.approval_expires_at.as_ref().map_or_else(|| "—".into(), date),
                registered: date(&m.created_at),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Template)]
#[template(path = "model.html")]
struct ModelPage {
    page: Page,
    model_id: String,
    card: CardBody,
    can_submit: bool,
}

pub(crate) async fn model(State(web): State<Web>, Path(id): Path<String>, Can(staff, _): Can<ReadModels>) -> Result<Response, Refusal> {
    let threads = staff.session.identity().may(custos_service::permissions::Action::Read, custos_service::permissions::Resource::Approvals);
    let card = web.service.models().card(&id, threads).await.or_refuse(&staff)?;
    let state = card.model.lifecycle.state.as_str();
    let can_submit =
        staff.session.identity().may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Approvals)
            && (matches!(state, "draft" | "rejected") || card.model.approval_lapsed);
    let page = ModelPage { page: Page::staff(&staff, "/console/models"), model_id: id, card: card_body(&card), can_submit };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct SubmitForm {
    csrf: String,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    dpia_link: Option<String>,
    #[serde(default)]
    validation_id: Option<String>,
}

impl CsrfForm for SubmitForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn some(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty())
}

pub(crate) async fn submit(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteApprovals, SubmitForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let input = custos_service::approvals::ApprovalInput {
        model_id: id,
        validation_id: some(form.validation_id),
        dpia_link: some(form.dpia_link),
        comment: some(form.comment),
    };
    let view = web.service.approvals().request(input, &staff.session.identity()).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/approvals/{}", view.approval.approval_id)).into_response())
}

struct InboxRow {
    approval_id: String,
    model: String,
    asked: String,
    missing: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct InboxPage {
    page: Page,
    waiting: Vec<InboxRow>,
    open: Vec<InboxRow>,
}

pub(crate) async fn inbox(State(web): State<Web>, Can(staff, _): Can<ReadApprovals>) -> Result<Response, Refusal> {
    let me = staff.session.identity();
    let mine = web.service.approvals().inbox(&me).await.or_refuse(&staff)?;
    let row = |v: &custos_service::approvals::ApprovalView| InboxRow {
        approval_id: v.approval.approval_id.clone(),
        model: format!("{} {}", v.model_name, v.model_version),
        asked: date(&v.approval.created_at),
        missing: roles_words(&v.missing_roles),
    };
    let waiting: Vec<InboxRow> = mine.iter().map(row).collect();
    let mut open = Vec::new();
    for a in web.service.approvals().list(Some("open"), None).await.or_refuse(&staff)? {
        if mine.iter().any(|m| m.approval.approval_id == a.approval_id) {
            continue;
        }
        let v = web.service.approvals().get(&a.approval_id).await.or_refuse(&staff)?;
        open.push(row(&v));
    }
    let page = InboxPage { page: Page::staff(&staff, "/console/approvals"), waiting, open };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Template)]
#[template(path = "approval.html")]
struct RequestPage {
    page: Page,
    request: RequestRow,
    model_id: String,
    card: CardBody,
    is_open: bool,
    roles: Vec<(String, String)>,
}

pub(crate) async fn request(
    State(web): State<Web>,
    Path(id): Path<String>,
    Can(staff, _): Can<ReadApprovals>,
) -> Result<Response, Refusal> {
    let view = web.service.approvals().get(&id).await.or_refuse(&staff)?;
    let card = web.service.models().card(&view.approval.model_id.to_string(), true).await.or_refuse(&staff)?;
    let me = staff.session.identity();
    // The roles this person could sign for: theirs that the request needs.
    let roles = view
        .approval
        .required_roles
        .iter()
        .filter_map(|r| Role::parse(r).ok())
        .filter(|r| me.roles.contains(r))
        .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
        .collect();
    let page = RequestPage {
        page: Page::staff(&staff, "/console/approvals"),
        is_open: view.approval.status == ApprovalStatus::Open.as_str(),
        model_id: view.approval.model_id.to_string(),
        request: request_row(&view),
        card: card_body(&card),
        roles,
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct SignForm {
    csrf: String,
    verdict: String,
    role: String,
    #[serde(default)]
    comment: String,
}

impl CsrfForm for SignForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn sign(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<ReadApprovals, SignForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let verdict = Verdict::parse(&form.verdict).map_err(custos_service::ServiceError::from).or_refuse(&staff)?;
    let role = Role::parse(&form.role).map_err(custos_service::ServiceError::from).or_refuse(&staff)?;
    let input = custos_service::approvals::SignOffInput { verdict, role, comment: form.comment };
    web.service.approvals().sign(&id, input, &staff.session.identity()).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/approvals/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CommentForm {
    csrf: String,
    #[serde(default)]
    body: String,
}

impl CsrfForm for CommentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn comment(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<ReadApprovals, CommentForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    web.service.approvals().comment(&id, &form.body, &staff.session.identity()).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/approvals/{id}")).into_response())
}

//! custos in the browser: the staff console under `/console` and the customer privacy center
//! under `/privacy` (see [`privacy`]), server-rendered from askama
//! templates (checked at compile time, embedded in the binary) with one stylesheet and no
//! JavaScript; charts are inline SVG.
//!
//! Sessions are server-side (see `custos_service::staff`): the cookie `custos_staff` holds a
//! random token (HttpOnly, SameSite=Strict, Secure, 8 hours); every form carries the session's
//! CSRF token, checked before anything changes, so a forged cross-site post is refused even if
//! a browser sent the cookie. Pages that show a subject's personal data leave a ledger leaf.
//! Roles: every staff member sees the overview; `privacy_officer` and `admin` see subjects and
//! act on requests.

mod admin;
mod charts;
mod console_more;
mod privacy;
mod text;

use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use custos_service::dto::{DsrReasonInput, DsrVerifyInput, DsrView};
use custos_service::staff::{SignInError, StaffSession};
use custos_service::{DsrQuery, Service, ServiceError};
use serde::Deserialize;

/// The session cookie's name.
pub const COOKIE: &str = "custos_staff";

/// The address of the client a request came from, as the server determined it (the peer, or
/// behind a trusted reverse proxy the address it forwarded). Sign-ins are throttled by it. The
/// server puts it in the request's extensions; without one (in-process callers) it is unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl From<ClientAddress> for custos_service::Client {
    fn from(c: ClientAddress) -> Self {
        custos_service::Client(c.0)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddress>().copied().unwrap_or_default())
    }
}

#[derive(Clone)]
pub(crate) struct Web {
    pub(crate) service: Service,
}

/// The console's and the privacy center's routes, with their own state (merge into the
/// server's router).
pub fn router(service: Service) -> Router {
    let center = privacy::router(service.clone());
    Router::new()
        .route("/console/assets/console.css", get(stylesheet))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console", get(dashboard))
        .route("/console/subjects", get(subjects))
        .route("/console/subjects/{subject_id}", get(subject))
        .route("/console/dsr", get(dsr_queue))
        .route("/console/dsr/{dsr_id}/{action}", post(dsr_action))
        .route("/console/decisions", get(console_more::decisions))
        .route("/console/decisions/{decision_id}", get(console_more::decision))
        .route("/console/fairness", get(console_more::fairness).post(console_more::start_audit))
        .route("/console/fairness/{audit_id}/report", get(console_more::audit_report))
        .route("/console/admin", get(admin::page))
        .route("/console/admin/purposes", post(admin::create_purpose))
        .route("/console/admin/notices", post(admin::create_notice))
        .route("/console/admin/keys", post(admin::create_key))
        .route("/console/admin/keys/{key_id}/revoke", post(admin::revoke_key))
        .route("/console/admin/ledger/verify", post(admin::verify_ledger))
        .with_state(Web { service })
        .merge(center)
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], include_str!("../templates/console.css"))
        .into_response()
}

pub(crate) fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(page) => (
            status,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")),
                (
                    header::HeaderName::from_static("content-security-policy"),
                    HeaderValue::from_static("default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
                ),
            ],
            page,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The value of cookie `name`.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The signed-in staff member, or a redirect to the sign-in page.
pub(crate) async fn session(web: &Web, headers: &HeaderMap) -> Result<(StaffSession, String), Response> {
    let Some(token) = cookie_value(headers, COOKIE) else { return Err(Redirect::to("/console/login").into_response()) };
    match web.service.staff().session(&token).await {
        Ok(Some(s)) => Ok((s, token)),
        Ok(None) => Err(Redirect::to("/console/login").into_response()),
        Err(e) => Err(error_page(None, &e)),
    }
}

/// Constant-time equality of two tokens.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    email: String,
}

async fn login_page(State(web): State<Web>, headers: HeaderMap) -> Response {
    if session(&web, &headers).await.is_ok() {
        return Redirect::to("/console").into_response();
    }
    html(StatusCode::OK, LoginPage { signed_in: None, csrf: String::new(), notice: None, error: None, email: String::new() }.render())
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(State(web): State<Web>, client: ClientAddress, Form(form): Form<LoginForm>) -> Response {
    let refused = |status, message: &str| {
        html(
            status,
            LoginPage { signed_in: None, csrf: String::new(), notice: None, error: Some(message.to_owned()), email: form.email.clone() }
                .render(),
        )
    };
    match web.service.staff().sign_in(&form.email, &form.password, client.into()).await {
        Ok(Ok(token)) => {
            let cookie = format!("{COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Secure; Max-Age={}", 8 * 3600);
            let mut response = Redirect::to("/console").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        // One answer for an unknown email, a wrong password and an address locked out of the
        // account after repeated failures: none of them tells which it was.
        Ok(Err(SignInError::Invalid)) => refused(
            StatusCode::UNAUTHORIZED,
            "The email or the password is wrong. If both are right, there were too many failed attempts from here: wait 15 minutes.",
        ),
        Err(ServiceError::TooManyRequests { retry_after }) => {
            let mut response = refused(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many sign-in attempts from here. Try again in {} seconds.", retry_after.as_secs().max(1)),
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
            response
        }
        Err(e) => error_page(None, &e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
    #[serde(default)]
    reason: Option<String>,
}

/// The refusal of a form whose CSRF token is not the session's.
fn csrf_refusal(session: &StaffSession, form: &CsrfForm) -> Option<Response> {
    if same(&session.csrf, &form.csrf) {
        None
    } else {
        Some(message_page(
            Some(session),
            StatusCode::FORBIDDEN,
            "This form is out of date or did not come from the console. Reload the page and try again.",
        ))
    }
}

async fn logout(State(web): State<Web>, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (s, token) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = csrf_refusal(&s, &form) {
        return r;
    }
    if let Err(e) = web.service.staff().sign_out(&token, &s).await {
        return error_page(Some(&s), &e);
    }
    let mut response = Redirect::to("/console/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("custos_staff=; Path=/console; HttpOnly; SameSite=Strict; Secure; Max-Age=0"));
    response
}

#[derive(Template)]
#[template(source = "{% extends \"base.html\" %}{% block content %}<h1>{{ title }}</h1><p>{{ text }}</p>{% endblock %}", ext = "html")]
struct MessagePage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    title: String,
    text: String,
}

pub(crate) fn message_page(s: Option<&StaffSession>, status: StatusCode, text: &str) -> Response {
    let title = if status == StatusCode::FORBIDDEN { "Not allowed" } else { "Something went wrong" };
    html(
        status,
        MessagePage {
            signed_in: s.map(|s| s.email.clone()),
            csrf: s.map(|s| s.csrf.clone()).unwrap_or_default(),
            notice: None,
            title: title.to_owned(),
            text: text.to_owned(),
        }
        .render(),
    )
}

pub(crate) fn error_page(s: Option<&StaffSession>, e: &ServiceError) -> Response {
    match e {
        ServiceError::NotFound { resource } => message_page(s, StatusCode::NOT_FOUND, &format!("No such {resource}.")),
        ServiceError::Invalid(v) | ServiceError::Unprocessable(v) => message_page(s, StatusCode::BAD_REQUEST, &v.to_string()),
        ServiceError::Conflict(m) => message_page(s, StatusCode::CONFLICT, m),
        ServiceError::NotAllowed(v) => message_page(s, StatusCode::FORBIDDEN, v.message()),
        other => {
            tracing::error!(error = %other, "a console page failed");
            message_page(s, StatusCode::INTERNAL_SERVER_ERROR, "The console could not do this. The error was logged.")
        }
    }
}

/// The refusal of a page the role may not see.
pub(crate) fn role_refusal(s: &StaffSession, role: &str) -> Option<Response> {
    (!s.at_least(role)).then(|| message_page(Some(s), StatusCode::FORBIDDEN, &format!("This page needs the {role} role or above.")))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    overdue: u64,
    due_soon: u64,
    dsr_chart: String,
    consent_chart: String,
    jurisdiction_chart: String,
    month_chart: String,
    gate_chart: String,
}

async fn dashboard(State(web): State<Web>, headers: HeaderMap) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let o = match web.service.staff().overview().await {
        Ok(o) => o,
        Err(e) => return error_page(Some(&s), &e),
    };
    let page = DashboardPage {
        signed_in: Some(s.email.clone()),
        csrf: s.csrf.clone(),
        notice: None,
        overdue: o.dsr_overdue,
        due_soon: o.dsr_due_soon,
        dsr_chart: charts::bars("Requests by status", &o.dsr_by_status),
        consent_chart: charts::stacked("Subjects per consent status, by purpose", &o.consents, &["granted", "denied", "withdrawn"]),
        jurisdiction_chart: charts::stacked(
            "Current consents per status, by jurisdiction",
            &o.consents_by_jurisdiction,
            &["granted", "denied", "withdrawn"],
        ),
        month_chart: charts::stacked("Consent events per month captured", &o.consent_events_by_month, &["granted", "denied", "withdrawn"]),
        gate_chart: charts::bars("Gate checks by decision", &o.gate),
    };
    html(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "subjects.html")]
struct SubjectsPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    query: String,
    searched: bool,
    subjects: Vec<custos_service::dto::SubjectView>,
}

#[derive(Deserialize)]
struct SubjectQuery {
    #[serde(default)]
    q: String,
}

async fn subjects(State(web): State<Web>, headers: HeaderMap, Query(q): Query<SubjectQuery>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "privacy_officer") {
        return r;
    }
    let query = q.q.trim().to_owned();
    let found = if query.is_empty() {
        web.service.subjects().page(None, 50).await.map(|p| p.subjects)
    } else {
        match web.service.subjects().by_external_id(&query).await {
            Ok(mut v) => {
                v.data = None;
                Ok(vec![v])
            }
            Err(ServiceError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    };
    match found {
        Ok(subjects) => html(
            StatusCode::OK,
            SubjectsPage {
                signed_in: Some(s.email.clone()),
                csrf: s.csrf.clone(),
                notice: None,
                searched: !query.is_empty(),
                query,
                subjects,
            }
            .render(),
        ),
        Err(e) => error_page(Some(&s), &e),
    }
}

#[derive(Template)]
#[template(path = "subject.html")]
struct SubjectPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    subject_id: String,
    external_id: String,
    jurisdiction: String,
    erased: bool,
    data: Vec<(String, String)>,
    consents: Vec<(String, String, String, String)>,
    history: Vec<(String, String, String, String, String)>,
    checks: Vec<(String, String, String, String)>,
    decisions: Vec<(String, String, String, String)>,
    requests: Vec<(String, String, String)>,
}

async fn subject(State(web): State<Web>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "privacy_officer") {
        return r;
    }
    let service = &web.service;
    let view = match service.subjects().get(&id).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(&s), &e),
    };
    // The view of personal data is recorded before it is shown.
    if let Err(e) = service.staff().log_subject_view(&s, &id).await {
        return error_page(Some(&s), &e);
    }
    let (consents, history) = service.consents().of_subject(&id).await.map(|c| (c.current, c.history)).unwrap_or_default();
    let decisions = service.decisions().of_subject(&id).await.unwrap_or_default();
    let checks = service.gate().checks_of_subject(&id, 50).await.unwrap_or_default();
    let requests = service
        .dsrs()
        .list(DsrQuery { status: None, overdue: false, subject_id: Some(id.clone()), limit: Some(100) })
        .await
        .unwrap_or_default();
    let page = SubjectPage {
        signed_in: Some(s.email.clone()),
        csrf: s.csrf.clone(),
        notice: None,
        subject_id: view.subject_id.clone(),
        external_id: view.external_id.clone().unwrap_or_else(|| "(erased)".into()),
        jurisdiction: view.jurisdiction.clone(),
        erased: view.erased_at.is_some(),
        data: view
            .data
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
            .collect(),
        consents: consents.into_iter().map(|c| (c.purpose, c.status, c.event_id, c.captured_at)).collect(),
        history: history
            .into_iter()
            .rev()
            .map(|e| (e.captured_at, e.purpose, e.status, format!("{}{}", e.method, if e.gpc { ", GPC" } else { "" }), e.notice_version))
            .collect(),
        checks,
        decisions: decisions
            .into_iter()
            .map(|d| (d.created_at, d.purpose, format!("{} {}", d.model, d.model_version), d.outcome))
            .collect(),
        requests: requests.into_iter().map(|r| (r.dsr_type, r.status, r.due_at)).collect(),
    };
    html(StatusCode::OK, page.render())
}

/// One row of the request queue.
struct QueueRow {
    dsr_id: String,
    dsr_type: String,
    status: String,
    subject_id: String,
    subject_short: String,
    due_at: String,
    overdue: bool,
    due_soon: bool,
}

#[derive(Template)]
#[template(path = "dsr.html")]
struct DsrPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    requests: Vec<QueueRow>,
}

#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn dsr_queue(State(web): State<Web>, headers: HeaderMap, Query(q): Query<QueueQuery>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "privacy_officer") {
        return r;
    }
    let all: Vec<DsrView> =
        match web.service.dsrs().list(DsrQuery { status: None, overdue: false, subject_id: None, limit: Some(1000) }).await {
            Ok(v) => v,
            Err(e) => return error_page(Some(&s), &e),
        };
    let soon = custos_core::format_timestamp(&(custos_core::now() + chrono::Duration::days(7)));
    let mut rows: Vec<QueueRow> = all
        .into_iter()
        .filter(|d| d.status != "completed" && d.status != "rejected")
        .map(|d| QueueRow {
            due_soon: !d.overdue && d.due_at < soon,
            subject_short: d.subject_id.chars().take(8).collect(),
            dsr_id: d.dsr_id,
            dsr_type: d.dsr_type,
            status: d.status,
            subject_id: d.subject_id,
            due_at: d.due_at,
            overdue: d.overdue,
        })
        .collect();
    rows.sort_by(|a, b| a.due_at.cmp(&b.due_at));
    let notice = q.done.map(|d| format!("Request {d}."));
    html(StatusCode::OK, DsrPage { signed_in: Some(s.email.clone()), csrf: s.csrf.clone(), notice, requests: rows }.render())
}

async fn dsr_action(
    State(web): State<Web>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = csrf_refusal(&s, &form) {
        return r;
    }
    if let Some(r) = role_refusal(&s, "privacy_officer") {
        return r;
    }
    let reason = || DsrReasonInput { reason: form.reason.clone().unwrap_or_default() };
    let result = match action.as_str() {
        "verify" => web.service.dsrs().verify(&id, DsrVerifyInput { method: "console".into() }, &format!("staff:{}", s.user_id)).await,
        "complete" => web.service.dsrs().complete(&id).await,
        "extend" => web.service.dsrs().extend(&id, reason()).await,
        "reject" => web.service.dsrs().reject(&id, reason()).await,
        _ => return message_page(Some(&s), StatusCode::NOT_FOUND, "No such action."),
    };
    match result {
        Ok(d) => Redirect::to(&format!("/console/dsr?done={}", d.status)).into_response(),
        Err(e) => error_page(Some(&s), &e),
    }
}

//! The privacy center for customers under `/privacy`: sign-in through a single-use link, consents
//! per purpose in the notice's words with toggles (recorded as consent events with method
//! `privacy_center`, Global Privacy Control honoured and shown), the data held (with a JSON
//! download), requests, and the automated decisions with their plain-language reasons.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form, Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use custos_service::dto::{ConsentInput, DsrInput};
use custos_service::privacy::PrivacySession;
use custos_service::{DsrQuery, Service, ServiceError};
use serde::Deserialize;

use crate::text::{Text, for_language};
use crate::{cookie_value, html, same};

/// The customer session cookie.
pub const COOKIE: &str = "custos_privacy";

#[derive(Clone)]
struct Center {
    service: Service,
}

/// The privacy center's routes.
pub(crate) fn router(service: Service) -> Router {
    Router::new()
        .route("/privacy/login", get(login))
        .route("/privacy/start", get(start_page).post(start))
        .route("/privacy/code", post(code))
        .route("/privacy/logout", post(logout))
        .route("/privacy", get(consents))
        .route("/privacy/consents", post(set_consent))
        .route("/privacy/data", get(data))
        .route("/privacy/data.json", get(data_json))
        .route("/privacy/requests", get(requests).post(make_request))
        .route("/privacy/decisions", get(decisions))
        .route("/privacy/contest", post(contest))
        .route("/privacy/rectify", post(rectify))
        .with_state(Center { service })
}

/// The customer's language's words.
fn words(headers: &HeaderMap) -> &'static Text {
    for_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

#[derive(Template)]
#[template(path = "privacy_message.html")]
struct MessagePage {
    t: &'static Text,
    signed_in: bool,
    csrf: String,
    notice: Option<String>,
    title: String,
    text: String,
}

fn message(t: &'static Text, status: StatusCode, session: Option<&PrivacySession>, title: &str, text: &str) -> Response {
    html(
        status,
        MessagePage {
            t,
            signed_in: session.is_some(),
            csrf: session.map(|s| s.csrf.clone()).unwrap_or_default(),
            notice: None,
            title: title.to_owned(),
            text: text.to_owned(),
        }
        .render(),
    )
}

fn failed(t: &'static Text, session: Option<&PrivacySession>, e: &ServiceError) -> Response {
    match e {
        ServiceError::Invalid(v) | ServiceError::Unprocessable(v) => {
            message(t, StatusCode::BAD_REQUEST, session, t.failed_title, v.message())
        }
        ServiceError::NotFound { .. } => message(t, StatusCode::NOT_FOUND, session, t.not_found_title, t.not_found_text),
        ServiceError::TooManyRequests { retry_after } => {
            let mut response = message(t, StatusCode::TOO_MANY_REQUESTS, session, t.too_many_title, t.too_many_text);
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(retry_after.as_secs().max(1)));
            response
        }
        other => {
            tracing::error!(error = %other, "a privacy-center page failed");
            message(t, StatusCode::INTERNAL_SERVER_ERROR, session, t.failed_title, t.failed_text)
        }
    }
}

async fn session(c: &Center, headers: &HeaderMap) -> Result<(PrivacySession, String), Response> {
    let t = words(headers);
    let signed_out = || message(t, StatusCode::UNAUTHORIZED, None, t.sign_in_title, t.sign_in_text);
    let Some(token) = cookie_value(headers, COOKIE) else { return Err(signed_out()) };
    match c.service.privacy().session(&token).await {
        Ok(Some(s)) => Ok((s, token)),
        Ok(None) => Err(signed_out()),
        Err(e) => Err(failed(t, None, &e)),
    }
}

/// The redirect into the privacy center with the new session's cookie.
fn signed_in(token: &str) -> Response {
    let cookie = format!("{COOKIE}={token}; Path=/privacy; HttpOnly; SameSite=Lax; Secure; Max-Age=3600");
    let mut r = Redirect::to("/privacy").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LoginQuery {
    token: String,
}

async fn login(State(c): State<Center>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let t = words(&headers);
    match c.service.privacy().redeem_link(&q.token).await {
        Ok(token) => signed_in(&token),
        Err(ServiceError::Invalid(v)) => {
            message(t, StatusCode::UNAUTHORIZED, None, t.link_broken_title, &format!("({}) {}", v.message(), t.link_broken_text))
        }
        Err(e) => failed(t, None, &e),
    }
}

#[derive(Template)]
#[template(path = "privacy_start.html")]
struct StartPage {
    t: &'static Text,
    signed_in: bool,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    sent: bool,
    external_id: String,
    /// The demo outbox (`--demo` only): where codes "sent" can be read.
    outbox: Option<Vec<(String, String)>>,
}

fn start_view(c: &Center, t: &'static Text, status: StatusCode, sent: bool, external_id: String, error: Option<String>) -> Response {
    html(
        status,
        StartPage {
            t,
            signed_in: false,
            csrf: String::new(),
            notice: None,
            error,
            sent,
            external_id,
            outbox: c.service.privacy().demo_outbox(),
        }
        .render(),
    )
}

async fn start_page(State(c): State<Center>, headers: HeaderMap) -> Response {
    start_view(&c, words(&headers), StatusCode::OK, false, String::new(), None)
}

#[derive(Deserialize)]
struct StartForm {
    external_id: String,
}

async fn start(State(c): State<Center>, client: crate::ClientAddress, headers: HeaderMap, Form(form): Form<StartForm>) -> Response {
    let t = words(&headers);
    match c.service.privacy().request_code(form.external_id.trim(), client.into()).await {
        Ok(true) => start_view(&c, t, StatusCode::OK, true, form.external_id.trim().to_owned(), None),
        Ok(false) => message(t, StatusCode::NOT_FOUND, None, t.start_title, t.codes_off),
        Err(e) => failed(t, None, &e),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    external_id: String,
    code: String,
}

async fn code(State(c): State<Center>, client: crate::ClientAddress, headers: HeaderMap, Form(form): Form<CodeForm>) -> Response {
    let t = words(&headers);
    match c.service.privacy().redeem_code(form.external_id.trim(), &form.code, client.into()).await {
        Ok(token) => signed_in(&token),
        Err(ServiceError::Invalid(v)) => start_view(
            &c,
            t,
            StatusCode::UNAUTHORIZED,
            true,
            form.external_id.trim().to_owned(),
            Some(format!("{}: {}", t.code_label, v.message())),
        ),
        Err(e) => failed(t, None, &e),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(State(c): State<Center>, headers: HeaderMap, Form(form): Form<CsrfOnly>) -> Response {
    let t = words(&headers);
    let (s, token) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !same(&s.csrf, &form.csrf) {
        return message(t, StatusCode::FORBIDDEN, Some(&s), t.not_allowed_title, t.stale_form);
    }
    if let Err(e) = c.service.privacy().sign_out(&token).await {
        return failed(t, Some(&s), &e);
    }
    let mut r = message(t, StatusCode::OK, None, t.signed_out_title, t.signed_out_text);
    r.headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("custos_privacy=; Path=/privacy; HttpOnly; SameSite=Lax; Secure; Max-Age=0"));
    r
}

/// One purpose on the consents page.
struct PurposeRow {
    key: String,
    anchor: String,
    name: String,
    notice: String,
    version: String,
    status: String,
    granted: bool,
}

#[derive(Template)]
#[template(path = "privacy_consents.html")]
struct ConsentsPage {
    t: &'static Text,
    signed_in: bool,
    csrf: String,
    notice: Option<String>,
    gpc: bool,
    purposes: Vec<PurposeRow>,
}

fn gpc(headers: &HeaderMap) -> bool {
    headers.get("sec-gpc").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1")
}

#[derive(Deserialize)]
struct Done {
    #[serde(default)]
    done: Option<String>,
}

async fn consents(State(c): State<Center>, headers: HeaderMap, Query(q): Query<Done>) -> Response {
    let t = words(&headers);
    let (s, _) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let sid = s.subject_id.to_string();
    let (purposes, notices, current) =
        match (c.service.purposes().all().await, c.service.purposes().notices(None).await, c.service.consents().of_subject(&sid).await) {
            (Ok(p), Ok(n), Ok(cur)) => (p, n, cur.current),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failed(t, Some(&s), &e),
        };
    let rows = purposes
        .into_iter()
        .filter(|p| p.legal_basis == "consent")
        .map(|p| {
            let notice = notices.iter().filter(|n| n.purpose == p.key && n.language == "en").max_by(|a, b| a.created_at.cmp(&b.created_at));
            let status = current.iter().find(|c| c.purpose == p.key).map_or(t.not_asked.to_owned(), |c| c.status.clone());
            PurposeRow {
                anchor: p.key.replace('.', "-"),
                granted: status == "granted",
                status,
                notice: notice.map(|n| n.text.clone()).unwrap_or_default(),
                version: notice.map(|n| n.version.clone()).unwrap_or_default(),
                key: p.key,
                name: p.name,
            }
        })
        .collect();
    let notice = q.done.map(|d| if d == "granted" { t.consent_recorded } else { t.consent_withdrawn }.to_owned());
    html(StatusCode::OK, ConsentsPage { t, signed_in: true, csrf: s.csrf.clone(), notice, gpc: gpc(&headers), purposes: rows }.render())
}

#[derive(Deserialize)]
struct ConsentForm {
    csrf: String,
    purpose: String,
    status: String,
}

async fn set_consent(State(c): State<Center>, headers: HeaderMap, Form(form): Form<ConsentForm>) -> Response {
    let t = words(&headers);
    let (s, _) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !same(&s.csrf, &form.csrf) {
        return message(t, StatusCode::FORBIDDEN, Some(&s), t.not_allowed_title, t.stale_form);
    }
    if form.status != "granted" && form.status != "withdrawn" {
        return message(t, StatusCode::BAD_REQUEST, Some(&s), t.failed_title, t.stale_form);
    }
    let notices = c.service.purposes().notices(Some(&form.purpose)).await.unwrap_or_default();
    let Some(version) =
        notices.iter().filter(|n| n.language == "en").max_by(|a, b| a.created_at.cmp(&b.created_at)).map(|n| n.version.clone())
    else {
        return message(t, StatusCode::BAD_REQUEST, Some(&s), t.failed_title, t.stale_form);
    };
    let input = ConsentInput {
        subject_id: s.subject_id.to_string(),
        purpose: form.purpose.clone(),
        status: form.status.clone(),
        method: "privacy_center".into(),
        notice_version: version,
        language: Some("en".into()),
        source: Some("privacy center".into()),
        captured_at: None,
    };
    match c.service.consents().record(input, gpc(&headers)).await {
        Ok(_) => Redirect::to(&format!("/privacy?done={}", form.status)).into_response(),
        Err(e) => failed(t, Some(&s), &e),
    }
}

#[derive(Template)]
#[template(path = "privacy_data.html")]
struct DataPage {
    t: &'static Text,
    signed_in: bool,
    csrf: String,
    notice: Option<String>,
    data: Vec<(String, String)>,
}

async fn data(State(c): State<Center>, headers: HeaderMap) -> Response {
    let t = words(&headers);
    let (s, _) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match c.service.subjects().get(&s.subject_id.to_string()).await {
        Ok(v) => {
            let data = v
                .data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    (
                        custos_core::data_category_name(&k).unwrap_or(&k).to_owned(),
                        v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect();
            html(StatusCode::OK, DataPage { t, signed_in: true, csrf: s.csrf.clone(), notice: None, data }.render())
        }
        Err(e) => failed(t, Some(&s), &e),
    }
}

async fn data_json(State(c): State<Center>, headers: HeaderMap) -> Response {
    let t = words(&headers);
    let (s, _) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let sid = s.subject_id.to_string();
    let (subject, consents) = match (c.service.subjects().get(&sid).await, c.service.consents().of_subject(&sid).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return failed(t, Some(&s), &e),
    };
    let doc = serde_json::json!({"format": "custos subject export v1", "subject": subject, "consents": consents});
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-data.json\"")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "privacy_requests.html")]
struct RequestsPage {
    t: &'static Text,
    signed_in: bool,
    csrf: String,
    notice: Option<String>,
    requests: Vec<(String, String, String)>,
    /// (data category, its name) of the data held, for corrections.
    categories: Vec<(String, String)>,
}

fn describe(t: &Text, kind: &str) -> String {
    match kind {
        "access" => t.kind_access,
        "portability" => t.kind_portability,
        "erasure" => t.kind_erasure,
        "opt_out_sale_share" => t.kind_opt_out,
        "objection" => t.kind_objection,
        "rectification" => t.kind_rectification,
        "contest" => t.kind_contest,
        other => other,
    }
    .to_owned()
}

async fn requests(State(c): State<Center>, headers: HeaderMap, Query(q): Query<Done>) -> Response {
    let t = words(&headers);
    let (s, _) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list = c
        .service
        .dsrs()
        .list(DsrQuery { status: None, overdue: false, subject_id: Some(s.subject_id.to_string()), limit: Some(100) })
        .await;
    match list {
        Ok(list) => {
            let requests = list
                .into_iter()
                .map(|r| (describe(t, &r.dsr_type), r.status.replace('_', " "), r.due_at.chars().take(10).collect()))
                .collect();
            let notice = q.done.map(|_| t.request_recorded.to_owned());
            let categories = c
                .service
                .subjects()
                .get(&s.subject_id.to_string())
                .await
                .ok()
                .and_then(|v| v.data)
                .unwrap_or_default()
                .into_keys()
                .map(|k| (k.clone(), custos_core::data_category_name(&k).unwrap_or(&k).to_owned()))
                .collect();
            html(StatusCode::OK, RequestsPage { t, signed_in: true, csrf: s.csrf.clone(), notice, requests, categories }.render())
        }
        Err(e) => failed(t, Some(&s), &e),
    }
}

#[derive(Deserialize)]
struct RequestForm {
    csrf: String,
    kind: String,
}

async fn make_request(State(c): State<Center>, headers: HeaderMap, Form(form): Form<RequestForm>) -> Response {
    let objection = (form.kind == "objection").then(|| "profiling".to_owned());
    file_request(&c, &headers, &form.csrf, |subject_id| DsrInput {
        subject_id,
        dsr_type: form.kind.clone(),
        objection,
        purpose: None,
        data: None,
        statement: None,
        decision_id: None,
    })
    .await
}

/// Files a request for the signed-in customer after checking the form's CSRF token, then shows
/// the request list.
async fn file_request(c: &Center, headers: &HeaderMap, csrf: &str, input: impl FnOnce(String) -> DsrInput) -> Response {
    let t = words(headers);
    let (s, _) = match session(c, headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !same(&s.csrf, csrf) {
        return message(t, StatusCode::FORBIDDEN, Some(&s), t.not_allowed_title, t.stale_form);
    }
    match c.service.dsrs().create(input(s.subject_id.to_string())).await {
        Ok(_) => Redirect::to("/privacy/requests?done=1").into_response(),
        Err(e) => failed(t, Some(&s), &e),
    }
}

#[derive(Deserialize)]
struct RectifyForm {
    csrf: String,
    category: String,
    value: String,
}

/// Asks for a correction (GDPR Art. 16): a rectification request carrying the new value, which
/// completing the request writes.
async fn rectify(State(c): State<Center>, headers: HeaderMap, Form(form): Form<RectifyForm>) -> Response {
    let data = BTreeMap::from([(form.category, serde_json::Value::String(form.value.trim().to_owned()))]);
    file_request(&c, &headers, &form.csrf, |subject_id| DsrInput {
        subject_id,
        dsr_type: "rectification".into(),
        objection: None,
        purpose: None,
        data: Some(data),
        statement: None,
        decision_id: None,
    })
    .await
}

#[derive(Deserialize)]
struct ContestForm {
    csrf: String,
    decision_id: String,
    statement: String,
}

/// "Contest this decision": a request for human review (GDPR Art. 22(3)) naming the decision and
/// carrying the customer's statement; it appears in the console's request queue.
async fn contest(State(c): State<Center>, headers: HeaderMap, Form(form): Form<ContestForm>) -> Response {
    let statement = Some(form.statement.trim().to_owned()).filter(|t| !t.is_empty());
    file_request(&c, &headers, &form.csrf, |subject_id| DsrInput {
        subject_id,
        dsr_type: "contest".into(),
        objection: None,
        purpose: None,
        data: None,
        statement,
        decision_id: Some(form.decision_id),
    })
    .await
}

/// One decision on the decisions page.
struct DecisionRow {
    id: String,
    when: String,
    purpose: String,
    model: String,
    outcome: String,
    reasons: Option<String>,
    hints: Vec<String>,
}

#[derive(Template)]
#[template(path = "privacy_decisions.html")]
struct DecisionsPage {
    t: &'static Text,
    signed_in: bool,
    csrf: String,
    notice: Option<String>,
    decisions: Vec<DecisionRow>,
}

async fn decisions(State(c): State<Center>, headers: HeaderMap) -> Response {
    let t = words(&headers);
    let (s, _) = match session(&c, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list = match c.service.decisions().of_subject(&s.subject_id.to_string()).await {
        Ok(l) => l,
        Err(e) => return failed(t, Some(&s), &e),
    };
    let purposes: BTreeMap<String, String> =
        c.service.purposes().all().await.unwrap_or_default().into_iter().map(|p| (p.key, p.name)).collect();
    let mut rows = Vec::new();
    for d in list {
        let reasons = c.service.decisions().reasons(&d.decision_id).await.ok();
        rows.push(DecisionRow {
            id: d.decision_id.clone(),
            when: d.created_at.chars().take(10).collect(),
            purpose: purposes.get(&d.purpose).cloned().unwrap_or(d.purpose),
            model: format!("{} {}", d.model, d.model_version),
            outcome: d.outcome.replace('_', " "),
            hints: reasons.as_ref().map(|r| r.hints.clone()).unwrap_or_default(),
            reasons: reasons.map(|r| r.text),
        });
    }
    html(StatusCode::OK, DecisionsPage { t, signed_in: true, csrf: s.csrf.clone(), notice: None, decisions: rows }.render())
}

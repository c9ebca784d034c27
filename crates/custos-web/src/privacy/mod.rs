//! The privacy center for customers under `/privacy`: sign-in through a single-use link or a
//! one-time code, consents per purpose in the notice's words with toggles (recorded as consent
//! events with method `privacy_center`, Global Privacy Control honoured and shown), the data
//! held (with a JSON download), requests, and the automated decisions with their reasons.
//!
//! [`Customer`] is the signed-in customer (a signed-out one is led to the code sign-in) and
//! [`CustomerPost`] a form of theirs whose CSRF token matches the session's. The session cookie
//! `custos_privacy` is HttpOnly, SameSite=Lax, Secure, 1 hour.

mod pages;

use askama::Template;
use axum::{
    Form, Router,
    extract::{FromRequest, FromRequestParts, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cookie::time;
use custos_service::{
    Service, ServiceError,
    privacy::{PrivacySession, SESSION_MINUTES},
};
use serde::Deserialize;

use crate::{
    ClientAddress,
    layout::html,
    session::{CsrfForm, CsrfOnly, same_token},
    text::{EN, Text, for_language, for_tag, matched_language},
};

/// The customer session cookie.
pub const COOKIE: &str = "custos_privacy";

#[derive(Clone)]
pub(crate) struct Center {
    pub(crate) service: Service,
}

/// The privacy center's routes.
pub(crate) fn router(service: Service) -> Router {
    Router::new()
        .route("/privacy/login", get(login))
        .route("/privacy/start", get(start_page).post(start))
        .route("/privacy/code", post(code))
        .route("/privacy/logout", post(logout))
        .route("/privacy", get(pages::consents))
        .route("/privacy/consents", post(pages::set_consent))
        .route("/privacy/data", get(pages::data))
        .route("/privacy/data.json", get(pages::data_json))
        .route("/privacy/requests", get(pages::requests).post(pages::make_request))
        .route("/privacy/decisions", get(pages::decisions))
        .route("/privacy/contest", post(pages::contest))
        .route("/privacy/rectify", post(pages::rectify))
        .with_state(Center { service })
}

/// The customer's language's words.
pub(crate) fn words(headers: &HeaderMap) -> &'static Text {
    for_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// What the privacy center's layout shows around a page.
pub(crate) struct Frame {
    pub(crate) t: &'static Text,
    pub(crate) signed_in: bool,
    pub(crate) csrf: String,
    pub(crate) notice: Option<String>,
}

impl Frame {
    pub(crate) fn signed_out(t: &'static Text) -> Self {
        Self { t, signed_in: false, csrf: String::new(), notice: None }
    }
}

#[derive(Template)]
#[template(path = "privacy_message.html")]
struct MessagePage {
    frame: Frame,
    title: String,
    text: String,
    next_steps: Vec<(&'static str, &'static str)>,
}

/// A page that says one thing, with links to what to do next.
pub(crate) fn message(
    frame: Frame,
    status: StatusCode,
    title: &str,
    text: &str,
    next_steps: Vec<(&'static str, &'static str)>,
) -> Response {
    html(status, MessagePage { frame, title: title.to_owned(), text: text.to_owned(), next_steps }.render())
}

/// The page of a service error, in the customer's words.
pub(crate) fn failed(frame: Frame, e: &ServiceError) -> Response {
    let t = frame.t;
    match e {
        ServiceError::Invalid(v) | ServiceError::Unprocessable(v) | ServiceError::NotAllowed(v) => message(
            frame,
            StatusCode::BAD_REQUEST,
            t.failed_title,
            &crate::format::problem(&ServiceError::Invalid(v.clone())),
            vec![("/privacy", t.back_to_consents)],
        ),
        ServiceError::Conflict(m) => message(frame, StatusCode::CONFLICT, t.failed_title, m, vec![("/privacy", t.back_to_consents)]),
        ServiceError::NotFound { .. } => {
            message(frame, StatusCode::NOT_FOUND, t.not_found_title, t.not_found_text, vec![("/privacy", t.back_to_consents)])
        }
        ServiceError::TooManyRequests { retry_after } => {
            let mut response = message(
                frame,
                StatusCode::TOO_MANY_REQUESTS,
                t.too_many_title,
                t.too_many_text,
                vec![("/privacy/start", t.sign_in_with_code)],
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
            response
        }
        other => {
            tracing::error!(error = %other, "a privacy-center page failed");
            message(frame, StatusCode::INTERNAL_SERVER_ERROR, t.failed_title, t.failed_text, vec![("/privacy", t.back_to_consents)])
        }
    }
}

/// A response that ends a privacy-center request early.
pub(crate) struct Stop(pub(crate) Response);

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        self.0
    }
}

/// The signed-in customer, with their words and their session's cookie token.
pub(crate) struct Customer {
    pub(crate) session: PrivacySession,
    pub(crate) token: String,
    pub(crate) t: &'static Text,
    /// The request carried a Global Privacy Control signal.
    pub(crate) gpc: bool,
}

impl Customer {
    /// The layout of this customer's pages, with an optional notice.
    pub(crate) fn frame(&self, notice: Option<String>) -> Frame {
        Frame { t: self.t, signed_in: true, csrf: self.session.csrf.clone(), notice }
    }

    /// The error page of a service error on this customer's page.
    pub(crate) fn failed(&self, e: &ServiceError) -> Stop {
        Stop(failed(self.frame(None), e))
    }
}

impl FromRequestParts<Center> for Customer {
    type Rejection = Stop;

    async fn from_request_parts(parts: &mut Parts, c: &Center) -> Result<Self, Stop> {
        let header = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let browser = matched_language(header);
        let t = browser.unwrap_or(&EN);
        let gpc = parts.headers.get("sec-gpc").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1");
        // A signed-out customer is led to the code sign-in.
        let signed_out = || Stop(Redirect::to("/privacy/start").into_response());
        let Some(token) = CookieJar::from_headers(&parts.headers).get(COOKIE).map(|c| c.value().to_owned()) else {
            return Err(signed_out());
        };
        match c.service.privacy().session(&token).await {
            Ok(Some(session)) => {
                // The signal is the customer's opt-out of sale and sharing from now on: recorded
                // the first time it is seen (a read otherwise).
                if gpc && let Err(e) = c.service.subjects().record_gpc(&session.subject_id, "privacy_center").await {
                    return Err(Stop(failed(Frame::signed_out(t), &e)));
                }
                // The browser's language first, then the customer's stored preference.
                let t = match browser {
                    Some(t) => t,
                    None => match c.service.privacy().language(&session).await {
                        Ok(tag) => tag.as_deref().and_then(for_tag).unwrap_or(t),
                        Err(e) => return Err(Stop(failed(Frame::signed_out(t), &e))),
                    },
                };
                Ok(Self { session, token, t, gpc })
            }
            Ok(None) => Err(signed_out()),
            Err(e) => Err(Stop(failed(Frame::signed_out(t), &e))),
        }
    }
}

/// A form posted by the signed-in customer whose CSRF token matches the session's.
pub(crate) struct CustomerPost<F: CsrfForm> {
    pub(crate) customer: Customer,
    pub(crate) form: F,
}

impl<F: CsrfForm> FromRequest<Center> for CustomerPost<F> {
    type Rejection = Stop;

    async fn from_request(request: Request, c: &Center) -> Result<Self, Stop> {
        let (mut parts, body) = request.into_parts();
        let customer = Customer::from_request_parts(&mut parts, c).await?;
        let t = customer.t;
        let stale = |customer: &Customer| {
            Stop(message(
                customer.frame(None),
                StatusCode::FORBIDDEN,
                t.not_allowed_title,
                t.stale_form,
                vec![("/privacy", t.back_to_consents)],
            ))
        };
        let form = match Form::<F>::from_request(Request::from_parts(parts, body), c).await {
            Ok(Form(form)) => form,
            Err(_) => return Err(stale(&customer)),
        };
        if !same_token(form.csrf(), &customer.session.csrf) {
            return Err(stale(&customer));
        }
        Ok(Self { customer, form })
    }
}

/// The redirect into the privacy center with the new session's cookie.
fn signed_in(jar: CookieJar, token: String) -> Response {
    let cookie = Cookie::build((COOKIE, token))
        .path("/privacy")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(true)
        .max_age(time::Duration::minutes(SESSION_MINUTES));
    (jar.add(cookie), Redirect::to("/privacy")).into_response()
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    token: String,
}

async fn login(State(c): State<Center>, headers: HeaderMap, jar: CookieJar, Query(q): Query<LoginQuery>) -> Response {
    let t = words(&headers);
    match c.service.privacy().redeem_link(&q.token).await {
        Ok(token) => signed_in(jar, token),
        Err(ServiceError::Invalid(v)) => message(
            Frame::signed_out(t),
            StatusCode::UNAUTHORIZED,
            t.link_broken_title,
            &format!("({}) {}", v.message(), t.link_broken_text),
            vec![("/privacy/start", t.sign_in_with_code)],
        ),
        Err(e) => failed(Frame::signed_out(t), &e),
    }
}

#[derive(Template)]
#[template(path = "privacy_start.html")]
struct StartPage {
    frame: Frame,
    error: Option<String>,
    sent: bool,
    external_id: String,
    /// The demo outbox (`--demo` only): where codes "sent" can be read.
    outbox: Option<Vec<(String, String)>>,
}

fn start_view(c: &Center, t: &'static Text, status: StatusCode, sent: bool, external_id: String, error: Option<String>) -> Response {
    let page = StartPage { frame: Frame::signed_out(t), error, sent, external_id, outbox: c.service.privacy().demo_outbox() };
    html(status, page.render())
}

async fn start_page(State(c): State<Center>, headers: HeaderMap) -> Response {
    start_view(&c, words(&headers), StatusCode::OK, false, String::new(), None)
}

#[derive(Deserialize)]
pub(crate) struct StartForm {
    external_id: String,
}

async fn start(State(c): State<Center>, client: ClientAddress, headers: HeaderMap, Form(form): Form<StartForm>) -> Response {
    let t = words(&headers);
    match c.service.privacy().request_code(form.external_id.trim(), client.into()).await {
        Ok(true) => start_view(&c, t, StatusCode::OK, true, form.external_id.trim().to_owned(), None),
        Ok(false) => message(Frame::signed_out(t), StatusCode::NOT_FOUND, t.start_title, t.codes_off, Vec::new()),
        Err(e) => failed(Frame::signed_out(t), &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    external_id: String,
    code: String,
}

async fn code(State(c): State<Center>, client: ClientAddress, headers: HeaderMap, jar: CookieJar, Form(form): Form<CodeForm>) -> Response {
    let t = words(&headers);
    match c.service.privacy().redeem_code(form.external_id.trim(), &form.code, client.into()).await {
        Ok(token) => signed_in(jar, token),
        Err(ServiceError::Invalid(v)) => start_view(
            &c,
            t,
            StatusCode::UNAUTHORIZED,
            true,
            form.external_id.trim().to_owned(),
            Some(format!("{}: {}", t.code_label, v.message())),
        ),
        Err(e) => failed(Frame::signed_out(t), &e),
    }
}

async fn logout(State(c): State<Center>, jar: CookieJar, posted: CustomerPost<CsrfOnly>) -> Result<Response, Stop> {
    let customer = posted.customer;
    let t = customer.t;
    c.service.privacy().sign_out(&customer.token).await.map_err(|e| customer.failed(&e))?;
    let gone =
        Cookie::build((COOKIE, "")).path("/privacy").http_only(true).same_site(SameSite::Lax).secure(true).max_age(time::Duration::ZERO);
    let page =
        message(Frame::signed_out(t), StatusCode::OK, t.signed_out_title, t.signed_out_text, vec![("/privacy/start", t.sign_in_again)]);
    Ok((jar.add(gone), page).into_response())
}

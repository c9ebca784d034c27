//! Who is signed in to the console and what they may do, as extractors: [`SignedInStaff`]
//! (or a redirect to the sign-in page), [`Can`] (and the permission it needs, asked of
//! `custos_service::permissions::allowed`), and [`Posted`] (a form whose CSRF token is the
//! session's, compared in constant time). Handlers never repeat these checks. Also the sign-in
//! and sign-out pages.
//!
//! The session cookie `custos_staff` holds a random token (HttpOnly, SameSite=Strict, Secure,
//! 8 hours); the server keeps only its hash (see `custos_service::staff`).

use std::marker::PhantomData;

use askama::Template;
use axum::{
    Form,
    extract::{FromRequest, FromRequestParts, Request, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cookie::time;
use custos_service::{
    ServiceError,
    permissions::{Action, Resource},
    staff::{SESSION_HOURS, SignInError, StaffSession},
};
use serde::{Deserialize, de::DeserializeOwned};
use subtle::ConstantTimeEq as _;

use crate::{
    ClientAddress, Web,
    layout::{Page, Refusal, html, message},
};

/// The session cookie's name.
pub const COOKIE: &str = "custos_staff";

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The signed-in staff member and their session's cookie token.
pub(crate) struct SignedInStaff {
    pub(crate) session: StaffSession,
    pub(crate) token: String,
}

impl FromRequestParts<Web> for SignedInStaff {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Refusal> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(COOKIE).map(|c| c.value().to_owned()) else {
            return Err(Refusal::from(Redirect::to("/console/login").into_response()));
        };
        match web.service.staff().session(&token).await {
            Ok(Some(session)) => Ok(Self { session, token }),
            Ok(None) => Err(Refusal::from(Redirect::to("/console/login?expired=1").into_response())),
            Err(e) => Err(Refusal::failed(Page::default(), &e)),
        }
    }
}

/// A permission a console route needs, as a type (visible in the handler's signature).
pub(crate) trait Permission: Send + Sync + 'static {
    /// What it allows.
    const ACTION: Action;
    /// On what.
    const RESOURCE: Resource;
}

macro_rules! permissions {
    ($($name:ident => ($action:ident, $resource:ident)),* $(,)?) => {
        $(
            #[doc = concat!("Needs `", stringify!($action), "` on `", stringify!($resource), "`.")]
            pub(crate) struct $name;
            impl Permission for $name {
                const ACTION: Action = Action::$action;
                const RESOURCE: Resource = Resource::$resource;
            }
        )*
    };
}

permissions! {
    SeeOverview => (Read, Overview),
    ReadSubjects => (Read, Subjects),
    ReadDsrs => (Read, Dsrs),
    WriteDsrs => (Write, Dsrs),
    ReadDecisions => (Read, Decisions),
    ReadAudits => (Read, Audits),
    WriteAudits => (Write, Audits),
    WritePurposes => (Write, Purposes),
    WriteKeys => (Write, Keys),
    ReadLedger => (Read, Ledger),
    ReadReviews => (Read, Reviews),
    WriteReviews => (Write, Reviews),
    ReadOversight => (Read, Oversight),
    ReadMonitors => (Read, Monitors),
    ReadAiSystems => (Read, AiSystems),
    ReadModels => (Read, Models),
    ReadApprovals => (Read, Approvals),
    WriteApprovals => (Write, Approvals),
    ReadAlerts => (Read, Alerts),
    ReadRisks => (Read, Risks),
    WriteRisks => (Write, Risks),
    ReadTrainings => (Read, Trainings),
    ReadCompliance => (Read, Compliance),
    WriteCompliance => (Write, Compliance),
    ReadVendors => (Read, Vendors),
    ReadIncidents => (Read, Incidents),
    WriteIncidents => (Write, Incidents),
    ReadAssessments => (Read, Assessments),
    WriteAssessments => (Write, Assessments),
    ReadExports => (Read, Exports),
    WriteExports => (Write, Exports),
}

/// A signed-in staff member allowed `P`; anyone else gets the "not allowed" page.
pub(crate) struct Can<P: Permission>(pub(crate) SignedInStaff, pub(crate) PhantomData<P>);

impl<P: Permission> FromRequestParts<Web> for Can<P> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Refusal> {
        let staff = SignedInStaff::from_request_parts(parts, web).await?;
        if !staff.session.may(P::ACTION, P::RESOURCE) {
            return Err(Refusal::not_allowed(Page::staff(&staff, ""), P::RESOURCE));
        }
        Ok(Self(staff, PhantomData))
    }
}

/// A form that carries the session's CSRF token.
pub(crate) trait CsrfForm: DeserializeOwned + Send {
    /// The token the form carried.
    fn csrf(&self) -> &str;
}

/// A form posted by a staff member allowed `P`, with a CSRF token that matches the session's.
pub(crate) struct Posted<P: Permission, F: CsrfForm> {
    pub(crate) staff: SignedInStaff,
    pub(crate) form: F,
    _p: PhantomData<P>,
}

impl<P: Permission, F: CsrfForm> FromRequest<Web> for Posted<P, F> {
    type Rejection = Refusal;

    async fn from_request(request: Request, web: &Web) -> Result<Self, Refusal> {
        let (mut parts, body) = request.into_parts();
        let Can(staff, _) = Can::<P>::from_request_parts(&mut parts, web).await?;
        let request = Request::from_parts(parts, body);
        let form = match Form::<F>::from_request(request, web).await {
            Ok(Form(form)) => form,
            Err(rejection) => {
                let text = format!("The form could not be read ({}). Reload the page and try again.", rejection.body_text());
                return Err(Refusal::from(message(Page::staff(&staff, ""), StatusCode::BAD_REQUEST, "Please check the form", &text, &[])));
            }
        };
        if !same_token(form.csrf(), &staff.session.csrf) {
            let text = "This form is out of date or did not come from the console. Reload the page and try again.";
            return Err(Refusal::from(message(Page::staff(&staff, ""), StatusCode::FORBIDDEN, "Not allowed", text, &[])));
        }
        Ok(Self { staff, form, _p: PhantomData })
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

impl CsrfForm for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    error: Option<String>,
    next_step: Option<String>,
    email: String,
}

/// Why the sign-in page is shown again.
#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    expired: Option<String>,
}

pub(crate) async fn login_page(staff: Option<SignedInStaff>, axum::extract::Query(q): axum::extract::Query<LoginQuery>) -> Response {
    if staff.is_some() {
        return Redirect::to("/console").into_response();
    }
    let page = Page::default().with_notice(q.expired.map(|_| "Your session ended. Sign in again to continue.".to_owned()));
    html(StatusCode::OK, LoginPage { page, error: None, next_step: None, email: String::new() }.render())
}

impl axum::extract::OptionalFromRequestParts<Web> for SignedInStaff {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Option<Self>, Self::Rejection> {
        Ok(<Self as FromRequestParts<Web>>::from_request_parts(parts, web).await.ok())
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
}

/// What a person who cannot sign in can do about it.
const FORGOT: &str =
    "Forgot your password? An administrator resets it on the server with `custos admin reset-password --email <your email>`.";

pub(crate) async fn login(State(web): State<Web>, client: ClientAddress, jar: CookieJar, Form(form): Form<LoginForm>) -> Response {
    let refused = |status, error: String| {
        let page = LoginPage { page: Page::default(), error: Some(error), next_step: Some(FORGOT.to_owned()), email: form.email.clone() };
        html(status, page.render())
    };
    match web.service.staff().sign_in(&form.email, &form.password, client.into()).await {
        Ok(Ok(token)) => {
            let cookie = Cookie::build((COOKIE, token))
                .path("/console")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(true)
                .max_age(time::Duration::hours(SESSION_HOURS));
            (jar.add(cookie), Redirect::to("/console")).into_response()
        }
        // One answer for an unknown email, a wrong password and an address locked out of the
        // account after repeated failures: none of them tells which it was.
        Ok(Err(SignInError::Invalid)) => refused(
            StatusCode::UNAUTHORIZED,
            "The email or the password is wrong. If both are right, there were too many failed attempts from here: wait 15 minutes."
                .to_owned(),
        ),
        Err(ServiceError::TooManyRequests { retry_after }) => {
            let seconds = retry_after.as_secs().max(1);
            let mut response =
                refused(StatusCode::TOO_MANY_REQUESTS, format!("Too many sign-in attempts from here. Try again in {seconds} seconds."));
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Err(e) => Refusal::failed(Page::default(), &e).into_response(),
    }
}

pub(crate) async fn logout(State(web): State<Web>, jar: CookieJar, posted: Posted<SeeOverview, CsrfOnly>) -> Result<Response, Refusal> {
    let staff = posted.staff;
    web.service.staff().sign_out(&staff.token, &staff.session).await.map_err(|e| Refusal::failed(Page::staff(&staff, ""), &e))?;
    let gone =
        Cookie::build((COOKIE, "")).path("/console").http_only(true).same_site(SameSite::Strict).secure(true).max_age(time::Duration::ZERO);
    Ok((jar.add(gone), Redirect::to("/console/login")).into_response())
}

/// What a staff member whose personal data is masked reads above the page: why, and that they
/// can go on working.
pub(crate) fn masked_notice(session: &custos_service::staff::StaffSession) -> String {
    let why = if session.missing_trainings.is_empty() {
        "the staff policies do not reveal it for this purpose".to_owned()
    } else {
        format!("your required training is not valid ({})", session.missing_trainings.join(", "))
    };
    format!("Personal data is masked for you: {why}. You can go on working; renew the training to see it.")
}

/// How a masked value is shown.
pub(crate) const MASKED: &str = "•••••• (masked)";

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_whole() {
        assert!(super::same_token("abc", "abc"));
        assert!(!super::same_token("abc", "abd"));
        assert!(!super::same_token("abc", "ab"));
        assert!(!super::same_token("", "a"));
    }
}

//! The one layout every console page sits in (`base.html`): the menu (only the links the
//! person may use), the signed-in person with the sign-out form, a notice line; plus the
//! building blocks pages share: paging links, message and error pages, and the response
//! headers of every page.

use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use custos_service::{
    ServiceError,
    paging::Page as ListPage,
    permissions::{Action, Resource},
};

use crate::format::{problem, thousands};
use crate::session::SignedInStaff;

/// One menu link.
#[derive(Debug, Clone)]
pub(crate) struct MenuLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The console's sections: (path, label, what it needs).
/// A console section: its path, its menu label and the permissions any of which shows it.
type Section = (&'static str, &'static str, &'static [(Action, Resource)]);

const SECTIONS: &[Section] = &[
    ("/console", "Overview", &[(Action::Read, Resource::Overview)]),
    ("/console/subjects", "Subjects", &[(Action::Read, Resource::Subjects)]),
    ("/console/dsr", "Requests", &[(Action::Read, Resource::Dsrs)]),
    ("/console/decisions", "Decisions", &[(Action::Read, Resource::Decisions)]),
    ("/console/reviews", "Reviews", &[(Action::Read, Resource::Reviews)]),
    ("/console/oversight", "Oversight", &[(Action::Read, Resource::Oversight)]),
    ("/console/fairness", "Fairness", &[(Action::Read, Resource::Audits)]),
    ("/console/monitors", "Monitors", &[(Action::Read, Resource::Monitors)]),
    ("/console/ai-systems", "AI systems", &[(Action::Read, Resource::AiSystems)]),
    ("/console/models", "Models", &[(Action::Read, Resource::Models)]),
    ("/console/approvals", "Approvals", &[(Action::Read, Resource::Approvals)]),
    ("/console/alerts", "Alerts", &[(Action::Read, Resource::Alerts)]),
    ("/console/risks", "Risks", &[(Action::Read, Resource::Risks)]),
    ("/console/incidents", "Incidents", &[(Action::Read, Resource::Incidents)]),
    ("/console/assessments", "Assessments", &[(Action::Read, Resource::Assessments)]),
    ("/console/vendors", "Vendors", &[(Action::Read, Resource::Vendors)]),
    ("/console/trainings", "Training", &[(Action::Read, Resource::Trainings)]),
    ("/console/exports", "Exports", &[(Action::Read, Resource::Exports)]),
    ("/console/compliance", "Compliance", &[(Action::Read, Resource::Compliance)]),
    (
        "/console/admin",
        "Administration",
        &[
            (Action::Read, Resource::Purposes),
            (Action::Read, Resource::Keys),
            (Action::Read, Resource::Models),
            (Action::Read, Resource::Ledger),
        ],
    ),
];

/// What the layout shows around a page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    /// Who is signed in (their email); `None` on the sign-in page.
    pub signed_in: Option<String>,
    /// Their roles, in words.
    pub roles: String,
    /// The session's CSRF token (for the sign-out form and the page's forms).
    pub csrf: String,
    /// A one-line notice (what just happened).
    pub notice: Option<String>,
    /// The menu.
    pub menu: Vec<MenuLink>,
}

impl Page {
    /// The layout for a signed-in staff member on the section at `current`.
    pub(crate) fn staff(staff: &SignedInStaff, current: &str) -> Self {
        let s = &staff.session;
        let menu = SECTIONS
            .iter()
            .filter(|(_, _, needs)| needs.iter().any(|(a, r)| s.may(*a, *r)))
            .map(|(href, label, _)| MenuLink { href, label, current: *href == current })
            .collect();
        Self {
            signed_in: Some(s.email.clone()),
            roles: s.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
            csrf: s.csrf.clone(),
            notice: None,
            menu,
        }
    }

    /// The same, with a notice.
    pub(crate) fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }
}

/// Links to the neighbouring pages of a list, and where this page sits in it.
#[derive(Debug, Clone)]
pub(crate) struct Paging {
    /// "51–100 of 1,204".
    pub summary: String,
    /// The previous page's URL.
    pub prev: Option<String>,
    /// The next page's URL.
    pub next: Option<String>,
}

impl Paging {
    /// The paging of `page` on `base` (a path, with its filter's query string if any).
    pub(crate) fn of<T>(page: &ListPage<T>, base: &str, noun: &str) -> Self {
        let join = if base.contains('?') { '&' } else { '?' };
        let summary = if page.total == 0 {
            format!("No {noun}")
        } else {
            format!("{}–{} of {} {noun}", thousands(page.first_position()), thousands(page.last_position()), thousands(page.total))
        };
        Self {
            summary,
            prev: page.prev_before.as_ref().map(|id| format!("{base}{join}before={id}")),
            next: page.next_after.as_ref().map(|id| format!("{base}{join}after={id}")),
        }
    }
}

/// The response of a rendered page, with the console's security headers.
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

#[derive(Template)]
#[template(
    source = "{% extends \"base.html\" %}{% block title %}{{ title }} · custos console{% endblock %}{% block content %}<h1>{{ title }}</h1><p>{{ text }}</p>{% for (href, what) in next_steps %}<p><a href=\"{{ href }}\">{{ what }}</a></p>{% endfor %}{% endblock %}",
    ext = "html"
)]
struct MessagePage {
    page: Page,
    title: String,
    text: String,
    next_steps: Vec<(String, String)>,
}

/// A page that says one thing, with links to what to do next.
pub(crate) fn message(page: Page, status: StatusCode, title: &str, text: &str, next_steps: &[(&str, &str)]) -> Response {
    let next_steps = next_steps.iter().map(|(h, w)| ((*h).to_owned(), (*w).to_owned())).collect();
    html(status, MessagePage { page, title: title.to_owned(), text: text.to_owned(), next_steps }.render())
}

/// Why a page could not be shown or a form not carried out, as a response: the reason in a
/// sentence, in the layout. Handlers return it with `?`.
pub(crate) struct Refusal(pub(crate) Box<Response>);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Refusal {
    fn from(r: Response) -> Self {
        Self(Box::new(r))
    }
}

impl Refusal {
    /// The page of a service error.
    pub(crate) fn failed(page: Page, e: &ServiceError) -> Self {
        let (status, title) = match e {
            ServiceError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found"),
            ServiceError::Invalid(_) | ServiceError::Unprocessable(_) | ServiceError::OverBudget { .. } => {
                (StatusCode::BAD_REQUEST, "Please check the form")
            }
            ServiceError::Conflict(_) => (StatusCode::CONFLICT, "This cannot be done now"),
            ServiceError::NotAllowed(_) | ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed"),
            ServiceError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts"),
            other => {
                tracing::error!(error = %other, "a console page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        };
        Self(Box::new(message(page, status, title, &problem(e), &[("/console", "Back to the overview")])))
    }

    /// The page of a request this person may not make.
    pub(crate) fn not_allowed(page: Page, what: Resource) -> Self {
        let text = format!(
            "Your roles ({}) do not include access to {}. An administrator can give you a role that does.",
            if page.roles.is_empty() { "none".to_owned() } else { page.roles.clone() },
            what.label().to_lowercase()
        );
        Self(Box::new(message(page, StatusCode::FORBIDDEN, "Not allowed", &text, &[("/console", "Back to the overview")])))
    }
}

/// A service result on a staff page: errors become the error page.
pub(crate) trait OrRefuse<T> {
    /// The value, or the page that says what went wrong.
    fn or_refuse(self, staff: &SignedInStaff) -> Result<T, Refusal>;
}

impl<T> OrRefuse<T> for Result<T, ServiceError> {
    fn or_refuse(self, staff: &SignedInStaff) -> Result<T, Refusal> {
        self.map_err(|e| Refusal::failed(Page::staff(staff, ""), &e))
    }
}

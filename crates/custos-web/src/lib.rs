//! custos in the browser: the staff console under `/console` and the customer privacy center
//! under `/privacy` (see [`privacy`]), server-rendered from askama templates (checked at compile
//! time, embedded in the binary) with one stylesheet and no JavaScript; charts are inline SVG
//! that carry their numbers.
//!
//! One module per console section (overview, subjects, requests, decisions, fairness,
//! administration), each a few thin handlers over the service's view models. Who is signed in,
//! what they may do and whether a form is genuine are extractors ([`session`]); the layout,
//! paging, dates and error pages are shared building blocks ([`layout`], [`format`]). Every
//! staff member sees the overview; what else they see and change follows their roles through
//! `custos_service::permissions::allowed`, menus included.

mod admin;
mod ai_systems;
mod approvals;
mod assessments;
pub(crate) use custos_reports::charts;
mod compliance;
mod decisions;
mod dsrs;
mod exports;
mod fairness;
mod format;
mod incidents;
mod layout;
mod monitors;
mod oversight;
mod overview;
pub mod pdf;
mod privacy;
mod reviews;
mod risks;
mod session;
pub use text::{preferred_languages, snippet_words};
mod subjects;
mod text;
mod trainings;
mod vendors;

use axum::{
    Router,
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use custos_service::Service;

pub use approvals::model_card_html;
pub use assessments::assessment_report_html;
pub use compliance::{compliance_report_html, ropa_html};
pub use exports::export_file_response;
pub use fairness::{fairness_report_file, fairness_report_page};
pub use incidents::incident_report_html;
pub use monitors::monitor_report_page;
pub use session::COOKIE;

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

/// The console's state: the service.
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
        .route("/console/login", get(session::login_page).post(session::login))
        .route("/console/logout", post(session::logout))
        .route("/console", get(overview::page))
        .route("/console/subjects", get(subjects::list))
        .route("/console/subjects/{subject_id}", get(subjects::profile))
        .route("/console/dsr", get(dsrs::queue))
        .route("/console/dsr/{dsr_id}", get(dsrs::case))
        .route("/console/dsr/{dsr_id}/{action}", post(dsrs::act))
        .route("/console/decisions", get(decisions::log))
        .route("/console/decisions/{decision_id}", get(decisions::detail))
        .route("/console/reviews", get(reviews::queue))
        .route("/console/oversight", get(oversight::page))
        .route("/console/monitors", get(monitors::list))
        .route("/console/ai-systems", get(ai_systems::list))
        .route("/console/models", get(approvals::models))
        .route("/console/models/{model_id}", get(approvals::model))
        .route("/console/models/{model_id}/submit", post(approvals::submit))
        .route("/console/approvals", get(approvals::inbox))
        .route("/console/approvals/{approval_id}", get(approvals::request))
        .route("/console/approvals/{approval_id}/sign", post(approvals::sign))
        .route("/console/approvals/{approval_id}/comment", post(approvals::comment))
        .route("/console/monitors/{monitor_id}", get(monitors::page))
        .route("/console/reviews/{review_id}", get(reviews::detail))
        .route("/console/reviews/{review_id}/claim", post(reviews::claim))
        .route("/console/reviews/{review_id}/resolve", post(reviews::resolve))
        .route("/console/fairness", get(fairness::audits).post(fairness::start))
        .route("/console/fairness/{audit_id}/report", get(fairness::report))
        .route("/console/alerts", get(risks::alerts))
        .route("/console/alerts/{alert_id}/risk", post(risks::raise))
        .route("/console/risks", get(risks::list))
        .route("/console/vendors", get(vendors::list))
        .route("/console/trainings", get(trainings::list))
        .route("/console/exports", get(exports::list).post(exports::create))
        .route("/console/exports/{export_id}/file", get(exports::file))
        .route("/console/compliance", get(compliance::overview))
        .route("/console/compliance/runs", post(compliance::run))
        .route("/console/compliance/report", get(compliance::report))
        .route("/console/compliance/ropa", get(compliance::ropa))
        .route("/console/compliance/obligations/{obligation_id}", get(compliance::obligation).post(compliance::scope))
        .route(
            "/console/compliance/controls/{control}",
            get(compliance::control)
                .post(compliance::upload)
                .layer(axum::extract::DefaultBodyLimit::max(custos_service::compliance::MAX_EVIDENCE_BYTES + (1 << 16))),
        )
        .route("/console/incidents", get(incidents::list).post(incidents::open))
        .route("/console/incidents/{incident_id}/report", get(incidents::report))
        .route("/console/assessments", get(assessments::list).post(assessments::start))
        .route("/console/assessments/{assessment_id}", get(assessments::detail).post(assessments::save))
        .route("/console/assessments/{assessment_id}/report", get(assessments::report))
        .route("/console/incidents/{incident_id}", get(incidents::detail))
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

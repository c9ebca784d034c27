//! One module per resource; each exposes `routes()`, merged here.

mod ai_systems;
mod alerts;
mod approvals;
mod assessments;
mod compliance;
mod consents;
mod decisions;
mod dsrs;
mod embed;
mod exports;
mod fairness;
mod gate;
mod health;
mod incidents;
mod keys;
mod ledger;
mod models;
mod monitors;
mod oversight;
mod pii;
mod privacy;
mod purposes;
mod reviews;
mod risks;
mod subjects;
mod trainings;
mod validations;
mod vendors;
mod webhooks;

use axum::Router;

use crate::AppState;

pub(crate) use {
    ai_systems::*, alerts::*, approvals::*, assessments::*, compliance::*, consents::*, decisions::*, dsrs::*, embed::*, exports::*,
    fairness::*, gate::*, health::*, incidents::*, keys::*, ledger::*, models::*, monitors::*, oversight::*, pii::*, privacy::*,
    purposes::*, reviews::*, risks::*, subjects::*, trainings::*, validations::*, vendors::*, webhooks::*,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(health::routes())
        .merge(purposes::routes())
        .merge(subjects::routes())
        .merge(consents::routes())
        .merge(gate::routes())
        .merge(decisions::routes())
        .merge(dsrs::routes())
        .merge(keys::routes())
        .merge(ledger::routes())
        .merge(pii::routes())
        .merge(fairness::routes())
        .merge(models::routes())
        .merge(privacy::routes())
        .merge(embed::routes())
        .merge(reviews::routes())
        .merge(oversight::routes())
        .merge(alerts::routes())
        .merge(webhooks::routes())
        .merge(monitors::routes())
        .merge(ai_systems::routes())
        .merge(approvals::routes())
        .merge(validations::routes())
        .merge(risks::routes())
        .merge(incidents::routes())
        .merge(assessments::routes())
        .merge(vendors::routes())
        .merge(exports::routes())
        .merge(trainings::routes())
        .merge(compliance::routes())
}

/// Whether a report is asked as a page: `format` is `json` (or absent) or `html`; anything else
/// is a 400 naming the field.
pub(crate) fn wants_html(format: Option<&str>) -> Result<bool, crate::ApiError> {
    match format {
        None | Some("json") => Ok(false),
        Some("html") => Ok(true),
        Some(_) => Err(crate::ApiError::invalid(Some("format".to_owned()), "must be `json` or `html`")),
    }
}

/// A report in the format asked for: `html` (default) as the page, `pdf` printed from the same
/// page ([`custos_web::pdf`]); anything else is a 400 naming `format`.
pub(crate) async fn report_as(format: Option<&str>, html: String, name: &str) -> Result<axum::response::Response, crate::ApiError> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    match format {
        None | Some("html") => Ok(([(CONTENT_TYPE, "text/html; charset=utf-8".to_owned())], html).into_response()),
        Some("pdf") => match custos_web::pdf::html_to_pdf(&html).await {
            Ok(bytes) => Ok((
                [(CONTENT_TYPE, "application/pdf".to_owned()), (CONTENT_DISPOSITION, format!("inline; filename=\"{name}.pdf\""))],
                bytes,
            )
                .into_response()),
            Err(e @ custos_web::pdf::PdfError::NoBrowser) => Err(crate::ApiError::unavailable(&e)),
            Err(e) => Err(crate::ApiError::internal(&e)),
        },
        Some(_) => Err(crate::ApiError::invalid(Some("format".to_owned()), "must be `html` or `pdf`")),
    }
}

/// Presidio's own paths (`--presidio-api`).
pub(crate) fn presidio_router() -> Router<AppState> {
    pii::presidio_routes()
}

//! One module per resource; each exposes `routes()`, merged here.

mod consents;
mod decisions;
mod dsrs;
mod fairness;
mod gate;
mod health;
mod keys;
mod ledger;
mod models;
mod pii;
mod privacy;
mod purposes;
mod subjects;

use axum::Router;

use crate::AppState;

pub(crate) use {
    consents::*, decisions::*, dsrs::*, fairness::*, gate::*, health::*, keys::*, ledger::*, models::*, pii::*, privacy::*, purposes::*,
    subjects::*,
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
}

/// Presidio's own paths (`--presidio-api`).
pub(crate) fn presidio_router() -> Router<AppState> {
    pii::presidio_routes()
}

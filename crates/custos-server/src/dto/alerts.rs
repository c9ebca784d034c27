//! Alerts on the wire.

use custos_core::{AlertSource, AlertState};
use custos_service::alerts as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{opt_ts, ts, words};

/// An alert from any source.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct AlertView {
    /// Id.
    pub alert_id: String,
    /// Which part of custos raised it.
    #[schema(schema_with = words::<AlertSource>)]
    pub source: AlertSource,
    /// What kind (per source: `review_overdue`, `rubber_stamping`, ...).
    pub kind: String,
    /// What it is about (a review id, a staff account id, ...).
    pub about: String,
    /// In plain words.
    pub message: String,
    /// The measured value.
    pub value: Option<f64>,
    /// The threshold it crossed.
    pub threshold: Option<f64>,
    /// Firing or resolved.
    #[schema(schema_with = words::<AlertState>)]
    pub state: AlertState,
    /// When it fired.
    pub fired_at: String,
    /// When a person acknowledged it.
    pub acknowledged_at: Option<String>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<String>,
}

impl From<domain::AlertRecord> for AlertView {
    fn from(a: domain::AlertRecord) -> Self {
        Self {
            alert_id: a.alert_id.to_string(),
            source: a.source,
            kind: a.kind,
            about: a.about,
            message: a.message,
            value: a.value,
            threshold: a.threshold,
            state: a.state,
            fired_at: ts(&a.fired_at),
            acknowledged_at: opt_ts(&a.acknowledged_at),
            acknowledged_by: a.acknowledged_by,
            resolved_at: opt_ts(&a.resolved_at),
        }
    }
}

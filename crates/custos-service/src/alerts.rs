//! The one alert store: every source fires and resolves alerts here, each change a ledger
//! event; staff list, acknowledge and resolve them.

use custos_core::{AlertId, AlertSource, AlertState, LedgerEvent, Timestamp, now};
pub use custos_store::alerts::AlertRecord;

use crate::{Service, ServiceError};

/// What fires: an alert of `source` and `kind` about `about`.
#[derive(Debug, Clone)]
pub(crate) struct Firing<'a> {
    pub source: AlertSource,
    pub kind: &'a str,
    pub about: &'a str,
    pub message: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
}

/// What a webhook says of an alert.
fn payload(a: &AlertRecord) -> serde_json::Value {
    serde_json::json!({
        "alert_id": a.alert_id.to_string(),
        "source": a.source.as_str(),
        "kind": a.kind,
        "about": a.about,
        "message": a.message,
        "value": a.value,
        "threshold": a.threshold,
    })
}

fn leaf(event: LedgerEvent, a: &AlertRecord, at: &Timestamp) -> Vec<u8> {
    crate::ledger::event_at(
        event,
        at,
        serde_json::json!({
            "alert_id": a.alert_id.to_string(),
            "source": a.source.as_str(),
            "kind": a.kind,
            "about": a.about,
            "value": a.value,
            "threshold": a.threshold,
        }),
    )
}

/// Fires an alert inside a write, unless the same one is firing already; the new alert, if
/// any.
pub(crate) async fn fire(tx: &mut custos_store::Tx, f: Firing<'_>, at: &Timestamp) -> Result<Option<AlertRecord>, ServiceError> {
    if custos_store::alerts::firing(tx, f.source, f.kind, f.about).await?.is_some() {
        return Ok(None);
    }
    let alert = AlertRecord {
        alert_id: AlertId::new(),
        source: f.source,
        kind: f.kind.to_owned(),
        about: f.about.to_owned(),
        message: f.message,
        value: f.value,
        threshold: f.threshold,
        state: AlertState::Firing,
        fired_at: *at,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
    };
    custos_store::alerts::insert(tx, &alert).await?;
    custos_store::ledger::append_leaf(tx, leaf(LedgerEvent::AlertFired, &alert, at)).await?;
    crate::webhooks::announce(tx, custos_core::WebhookEvent::AlertFired, payload(&alert), at).await?;
    tracing::warn!(source = alert.source.as_str(), kind = %alert.kind, about = %alert.about, "alert fired");
    Ok(Some(alert))
}

/// Resolves the firing alert of `source` and `kind` about `about`, if there is one, inside a
/// write (the condition no longer holds).
pub(crate) async fn settle(
    tx: &mut custos_store::Tx,
    source: AlertSource,
    kind: &str,
    about: &str,
    at: &Timestamp,
) -> Result<bool, ServiceError> {
    let Some(alert) = custos_store::alerts::firing(tx, source, kind, about).await? else { return Ok(false) };
    custos_store::alerts::resolve(tx, &alert.alert_id, at).await?;
    custos_store::ledger::append_leaf(tx, leaf(LedgerEvent::AlertResolved, &alert, at)).await?;
    crate::webhooks::announce(tx, custos_core::WebhookEvent::AlertResolved, payload(&alert), at).await?;
    Ok(true)
}

/// Alerts from every source.
#[derive(Clone, Copy)]
pub struct Alerts<'a>(pub(crate) &'a Service);

impl Alerts<'_> {
    /// Alerts, newest first (at most `limit`, up to 1000), optionally of one source and state.
    pub async fn list(&self, source: Option<AlertSource>, state: Option<AlertState>, limit: u32) -> Result<Vec<AlertRecord>, ServiceError> {
        let limit = limit.clamp(1, 1000);
        self.0.read(async |tx| Ok(custos_store::alerts::list(tx, source, state, limit).await?)).await
    }

    /// One alert.
    pub async fn get(&self, alert_id: &str) -> Result<AlertRecord, ServiceError> {
        let id = AlertId::parse(alert_id)?;
        self.0.read(async |tx| Ok(custos_store::alerts::get(tx, &id).await?)).await?.ok_or(ServiceError::NotFound { resource: "alert" })
    }

    /// Records that `by` (an actor: `staff:<id>` or `key:<id>`) has seen an alert.
    pub async fn acknowledge(&self, alert_id: &str, by: &str) -> Result<AlertRecord, ServiceError> {
        let id = AlertId::parse(alert_id)?;
        let at = now();
        self.0
            .write(async |tx| {
                let alert = custos_store::alerts::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "alert" })?;
                if alert.acknowledged_at.is_none() {
                    custos_store::alerts::acknowledge(tx, &id, by, &at).await?;
                    custos_store::ledger::append_leaf(tx, leaf(LedgerEvent::AlertAcknowledged, &alert, &at)).await?;
                }
                custos_store::alerts::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "alert" })
            })
            .await
    }

    /// Resolves a firing alert by hand (a person judged the condition handled). If the
    /// condition still holds, its source fires a new alert the next time it looks.
    pub async fn resolve(&self, alert_id: &str) -> Result<AlertRecord, ServiceError> {
        let id = AlertId::parse(alert_id)?;
        let at = now();
        let resolved = self
            .0
            .write(async |tx| {
                let alert = custos_store::alerts::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "alert" })?;
                if alert.state == AlertState::Firing {
                    custos_store::alerts::resolve(tx, &id, &at).await?;
                    custos_store::ledger::append_leaf(tx, leaf(LedgerEvent::AlertResolved, &alert, &at)).await?;
                    crate::webhooks::announce(tx, custos_core::WebhookEvent::AlertResolved, payload(&alert), &at).await?;
                }
                custos_store::alerts::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "alert" })
            })
            .await?;
        // A fairness alert's groups stop sending decisions to review at once.
        self.0.fairness_flags.forget();
        Ok(resolved)
    }
}

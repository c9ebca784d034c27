//! Webhook endpoints and deliveries on the wire.

use custos_core::{DeliveryStatus, WebhookEvent};
use custos_service::webhooks as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{opt_ts, ts, word_list, words};

/// Adds a webhook endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookInput {
    /// Where to deliver: `https://`, or a host allow-listed with `--webhook-allow-hosts`.
    #[schema(example = "https://hooks.example.com/custos")]
    pub url: String,
    /// The events it wants (at least one).
    #[schema(schema_with = word_list::<WebhookEvent>)]
    pub events: Vec<WebhookEvent>,
}

impl From<WebhookInput> for domain::WebhookInput {
    fn from(i: WebhookInput) -> Self {
        Self { url: i.url, events: i.events }
    }
}

/// A webhook endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct WebhookView {
    /// Id.
    pub webhook_id: String,
    /// Where deliveries go.
    pub url: String,
    /// The events it gets.
    #[schema(schema_with = word_list::<WebhookEvent>)]
    pub events: Vec<WebhookEvent>,
    /// When it was added.
    pub created_at: String,
    /// The signing secret: only in the answer that added the endpoint. Each delivery carries
    /// `Custos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<domain::WebhookView> for WebhookView {
    fn from(v: domain::WebhookView) -> Self {
        Self {
            webhook_id: v.webhook.webhook_id,
            url: v.webhook.url,
            events: v.events,
            created_at: ts(&v.webhook.created_at),
            secret: v.secret,
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct AttemptView {
    /// 1, 2, ...
    pub attempt: u32,
    /// When.
    pub attempted_at: String,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
}

/// One event sent (or to be sent) to an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct DeliveryView {
    /// Id (also in the body and the `Custos-Delivery` header).
    pub delivery_id: String,
    /// The event type.
    pub event: String,
    /// `pending`, `delivered` or `failed` (given up after 8 attempts).
    #[schema(schema_with = words::<DeliveryStatus>)]
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When the event happened.
    pub created_at: String,
    /// Every attempt.
    pub history: Vec<AttemptView>,
}

impl From<domain::DeliveryView> for DeliveryView {
    fn from((d, attempts): domain::DeliveryView) -> Self {
        Self {
            delivery_id: d.delivery_id,
            event: d.event,
            next_attempt_at: (d.status == DeliveryStatus::Pending).then(|| ts(&d.next_attempt_at)),
            status: d.status,
            attempts: d.attempts,
            delivered_at: opt_ts(&d.delivered_at),
            created_at: ts(&d.created_at),
            history: attempts
                .into_iter()
                .map(|a| AttemptView { attempt: a.attempt, attempted_at: ts(&a.attempted_at), status_code: a.status_code, error: a.error })
                .collect(),
        }
    }
}

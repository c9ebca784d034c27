//! Webhook endpoints and their outbox: deliveries are written in the transaction of the change
//! they announce (so nothing acknowledged goes unannounced), then sent, retried and recorded.

use custos_core::{DeliveryStatus, Timestamp, format_timestamp};
// Dynamic SQL here only splices limits from constants, never input.
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{StoreError, rows::*, tx::Tx};

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRecord {
    /// Id (a UUID).
    pub webhook_id: String,
    /// Where deliveries go.
    pub url: String,
    /// The event types it wants.
    pub events: Vec<String>,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it was removed.
    pub deleted_at: Option<Timestamp>,
}

/// One event to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    /// Id (a UUID).
    pub delivery_id: String,
    /// The endpoint.
    pub webhook_id: String,
    /// The event type.
    pub event: String,
    /// The JSON body, exactly as sent and signed.
    pub body: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When to try next.
    pub next_attempt_at: Timestamp,
    /// When the event happened.
    pub created_at: Timestamp,
    /// When the endpoint answered 2xx.
    pub delivered_at: Option<Timestamp>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: String,
    /// 1, 2, ...
    pub attempt: u32,
    /// When.
    pub attempted_at: Timestamp,
    /// The HTTP status, if the endpoint answered.
    pub status_code: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

fn int(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn webhook_from_row(row: &AnyRow) -> Result<WebhookRecord, StoreError> {
    Ok(WebhookRecord {
        webhook_id: text(row, "webhook_id")?,
        url: text(row, "url")?,
        events: text(row, "events")?.split_whitespace().map(str::to_owned).collect(),
        created_at: ts(row, "created_at")?,
        deleted_at: opt_ts(row, "deleted_at")?,
    })
}

fn delivery_from_row(row: &AnyRow) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        delivery_id: text(row, "delivery_id")?,
        webhook_id: text(row, "webhook_id")?,
        event: text(row, "event")?,
        body: text(row, "body")?,
        status: DeliveryStatus::parse(&text(row, "status")?)?,
        attempts: u32::try_from(int(row, "attempts")?).unwrap_or(0),
        next_attempt_at: ts(row, "next_attempt_at")?,
        created_at: ts(row, "created_at")?,
        delivered_at: opt_ts(row, "delivered_at")?,
    })
}

/// Adds an endpoint.
pub async fn insert(tx: &mut Tx, w: &WebhookRecord) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO webhooks (webhook_id, url, events, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&w.webhook_id)
        .bind(&w.url)
        .bind(w.events.join(" "))
        .bind(format_timestamp(&w.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The endpoints in use, oldest first.
pub async fn live(tx: &mut Tx) -> Result<Vec<WebhookRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, webhook_id").fetch_all(tx.conn()).await?;
    rows.iter().map(webhook_from_row).collect()
}

/// Removes an endpoint (its pending deliveries stop); false if there is none in use.
pub async fn delete(tx: &mut Tx, webhook_id: &str, at: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE webhooks SET deleted_at = $2 WHERE webhook_id = $1 AND deleted_at IS NULL")
        .bind(webhook_id)
        .bind(format_timestamp(at))
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE webhook_deliveries SET status = 'failed' WHERE webhook_id = $1 AND status = 'pending'")
        .bind(webhook_id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Queues a delivery.
pub async fn enqueue(tx: &mut Tx, d: &DeliveryRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (delivery_id, webhook_id, event, body, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&d.delivery_id)
    .bind(&d.webhook_id)
    .bind(&d.event)
    .bind(&d.body)
    .bind(d.status.as_str())
    .bind(i64::from(d.attempts))
    .bind(format_timestamp(&d.next_attempt_at))
    .bind(format_timestamp(&d.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Pending deliveries due at `at`, oldest first (at most `limit`), with their endpoint's URL.
pub async fn due(tx: &mut Tx, at: &Timestamp, limit: u32) -> Result<Vec<(DeliveryRecord, String)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT d.*, w.url FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at, d.delivery_id LIMIT {}",
        limit.max(1)
    )))
    .bind(format_timestamp(at))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| Ok((delivery_from_row(r)?, text(r, "url")?))).collect()
}

/// Records an attempt and where the delivery stands after it.
pub async fn record_attempt(tx: &mut Tx, d: &DeliveryRecord, attempt: &AttemptRecord) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, error) VALUES ($1, $2, $3, $4, $5)")
        .bind(&attempt.delivery_id)
        .bind(i64::from(attempt.attempt))
        .bind(format_timestamp(&attempt.attempted_at))
        .bind(attempt.status_code.map(i64::from))
        .bind(attempt.error.clone())
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, delivered_at = $5 WHERE delivery_id = $1")
        .bind(&d.delivery_id)
        .bind(d.status.as_str())
        .bind(i64::from(d.attempts))
        .bind(format_timestamp(&d.next_attempt_at))
        .bind(d.delivered_at.as_ref().map(format_timestamp))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The latest deliveries to an endpoint, newest first, with their attempts.
pub async fn deliveries(tx: &mut Tx, webhook_id: &str, limit: u32) -> Result<Vec<(DeliveryRecord, Vec<AttemptRecord>)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, delivery_id DESC LIMIT {}",
        limit.max(1)
    )))
    .bind(webhook_id)
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let d = delivery_from_row(r)?;
        let attempts = sqlx::query("SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt")
            .bind(&d.delivery_id)
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|a| {
                Ok(AttemptRecord {
                    delivery_id: text(a, "delivery_id")?,
                    attempt: u32::try_from(int(a, "attempt")?).unwrap_or(0),
                    attempted_at: ts(a, "attempted_at")?,
                    status_code: a
                        .try_get::<Option<i64>, _>("status_code")
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?
                        .and_then(|c| u16::try_from(c).ok()),
                    error: opt_text(a, "error")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.push((d, attempts));
    }
    Ok(out)
}

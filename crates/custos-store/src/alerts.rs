//! The one alert store: what fired, about what, with its value and threshold, until it is
//! resolved. Every source (oversight, fairness, monitors, ...) writes here.

use custos_core::{AlertId, AlertSource, AlertState, Timestamp, format_timestamp};
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// An alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// Id.
    pub alert_id: AlertId,
    /// Which part of custos raised it.
    pub source: AlertSource,
    /// What kind of alert (per source, e.g. `review_overdue`, `rubber_stamping`).
    pub kind: String,
    /// What it is about (a review id, a staff account id, an audit id ...).
    pub about: String,
    /// In plain words, for staff (never personal data).
    pub message: String,
    /// The measured value, if any.
    pub value: Option<f64>,
    /// The threshold it crossed, if any.
    pub threshold: Option<f64>,
    /// Firing or resolved.
    pub state: AlertState,
    /// When it started firing.
    pub fired_at: Timestamp,
    /// When a person acknowledged it.
    pub acknowledged_at: Option<Timestamp>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
}

fn number(row: &AnyRow, col: &str) -> Result<Option<f64>, StoreError> {
    opt_text(row, col)?.map(|v| v.parse::<f64>().map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))).transpose()
}

fn from_row(row: &AnyRow) -> Result<AlertRecord, StoreError> {
    Ok(AlertRecord {
        alert_id: AlertId::parse(&text(row, "alert_id")?)?,
        source: AlertSource::parse(&text(row, "source")?)?,
        kind: text(row, "kind")?,
        about: text(row, "about")?,
        message: text(row, "message")?,
        value: number(row, "value")?,
        threshold: number(row, "threshold")?,
        state: AlertState::parse(&text(row, "state")?)?,
        fired_at: ts(row, "fired_at")?,
        acknowledged_at: opt_ts(row, "acknowledged_at")?,
        acknowledged_by: opt_text(row, "acknowledged_by")?,
        resolved_at: opt_ts(row, "resolved_at")?,
    })
}

/// The alert of this source and kind about this thing that is firing now.
pub async fn firing(tx: &mut Tx, source: AlertSource, kind: &str, about: &str) -> Result<Option<AlertRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM alerts WHERE source = $1 AND kind = $2 AND about = $3 AND state = 'firing'")
        .bind(source.as_str())
        .bind(kind)
        .bind(about)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Stores a new alert.
pub async fn insert(tx: &mut Tx, a: &AlertRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO alerts (alert_id, source, kind, about, message, value, threshold, state, fired_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(a.alert_id.to_string())
    .bind(a.source.as_str())
    .bind(&a.kind)
    .bind(&a.about)
    .bind(&a.message)
    .bind(a.value.map(|v| v.to_string()))
    .bind(a.threshold.map(|v| v.to_string()))
    .bind(a.state.as_str())
    .bind(format_timestamp(&a.fired_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Marks a firing alert resolved; false if it was not firing.
pub async fn resolve(tx: &mut Tx, id: &AlertId, at: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE alerts SET state = 'resolved', resolved_at = $2 WHERE alert_id = $1 AND state = 'firing'")
        .bind(id.to_string())
        .bind(format_timestamp(at))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records that a person saw an alert; false if there is no such alert.
pub async fn acknowledge(tx: &mut Tx, id: &AlertId, by: &str, at: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3 WHERE alert_id = $1")
        .bind(id.to_string())
        .bind(format_timestamp(at))
        .bind(by)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// One alert.
pub async fn get(tx: &mut Tx, id: &AlertId) -> Result<Option<AlertRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM alerts WHERE alert_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Alerts, newest first, optionally of one source and state (at most `limit`).
pub async fn list(tx: &mut Tx, source: Option<AlertSource>, state: Option<AlertState>, limit: u32) -> Result<Vec<AlertRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM alerts WHERE ($1 IS NULL OR source = $1) AND ($2 IS NULL OR state = $2) \
         ORDER BY fired_at DESC, alert_id DESC LIMIT $3",
    )
    .bind(source.map(|s| s.as_str()))
    .bind(state.map(|s| s.as_str()))
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Names the groups a firing fairness alert is about (see the `affected_groups` column), or
/// clears them.
pub async fn set_affected_groups(tx: &mut Tx, id: &AlertId, groups: Option<&serde_json::Value>) -> Result<(), StoreError> {
    sqlx::query("UPDATE alerts SET affected_groups = $2 WHERE alert_id = $1")
        .bind(id.to_string())
        .bind(groups.map(|g| g.to_string()))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The `affected_groups` of every firing alert of `source` that names some: alerts of
/// recurring audits (which resolve themselves when a run no longer breaches), and alerts of
/// one-off audits fired since `fresh_since` (nothing resolves those but a person, so they stop
/// routing decisions after a while).
pub async fn affected_groups(tx: &mut Tx, source: AlertSource, fresh_since: &Timestamp) -> Result<Vec<serde_json::Value>, StoreError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT affected_groups FROM alerts WHERE source = $1 AND state = 'firing' AND affected_groups IS NOT NULL \
         AND (about IN (SELECT schedule_id FROM fairness_schedules) OR fired_at >= $2) ORDER BY fired_at, alert_id",
    )
    .bind(source.as_str())
    .bind(format_timestamp(fresh_since))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| serde_json::from_str(r).map_err(|e| StoreError::Corrupt(format!("affected_groups: {e}")))).collect()
}

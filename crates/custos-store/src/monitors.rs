//! Monitors: which decisions to watch and the reference window to compare them with.

use custos_core::{MonitorId, Timestamp, format_timestamp};
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// A monitor's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorRecord {
    /// Id.
    pub monitor_id: MonitorId,
    /// What people call it.
    pub name: String,
    /// The purpose whose decisions are watched, if any.
    pub purpose: Option<String>,
    /// The model whose decisions are watched, if any.
    pub model: Option<String>,
    /// Start of the reference window.
    pub reference_from: Timestamp,
    /// End of the reference window (exclusive).
    pub reference_to: Timestamp,
    /// `hourly`, `daily` or `weekly`.
    pub window_length: String,
    /// The drift decision's error rate.
    pub alpha: f64,
    /// `holm`, `bh` or `none`.
    pub correction: String,
    /// The outcome that counts as positive for performance figures.
    pub positive_outcome: Option<String>,
    /// The score at which a decision is predicted positive.
    pub decision_threshold: f64,
    /// An accuracy alert fires below this.
    pub min_accuracy: Option<f64>,
    /// No new alert of this monitor fires before this.
    pub silenced_until: Option<Timestamp>,
    /// Alert rules over the monitor's figures (a JSON array; the service gives it its shape).
    pub alert_rules: serde_json::Value,
    /// When it was created.
    pub created_at: Timestamp,
}

fn number(row: &AnyRow, col: &str) -> Result<f64, StoreError> {
    text(row, col)?.parse::<f64>().map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn from_row(row: &AnyRow) -> Result<MonitorRecord, StoreError> {
    Ok(MonitorRecord {
        monitor_id: MonitorId::parse(&text(row, "monitor_id")?)?,
        name: text(row, "name")?,
        purpose: opt_text(row, "purpose")?,
        model: opt_text(row, "model")?,
        reference_from: ts(row, "reference_from")?,
        reference_to: ts(row, "reference_to")?,
        window_length: text(row, "window_length")?,
        alpha: number(row, "alpha")?,
        correction: text(row, "correction")?,
        positive_outcome: opt_text(row, "positive_outcome")?,
        decision_threshold: number(row, "decision_threshold")?,
        min_accuracy: opt_text(row, "min_accuracy")?
            .map(|v| v.parse::<f64>().map_err(|e| StoreError::Corrupt(format!("min_accuracy: {e}"))))
            .transpose()?,
        silenced_until: opt_ts(row, "silenced_until")?,
        alert_rules: json(row, "alert_rules")?,
        created_at: ts(row, "created_at")?,
    })
}

/// Stores a monitor.
pub async fn insert(tx: &mut Tx, m: &MonitorRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO monitors (monitor_id, name, purpose, model, reference_from, reference_to, window_length, alpha, correction, \
         positive_outcome, decision_threshold, min_accuracy, silenced_until, created_at, alert_rules) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(m.monitor_id.to_string())
    .bind(m.name.clone())
    .bind(m.purpose.clone())
    .bind(m.model.clone())
    .bind(format_timestamp(&m.reference_from))
    .bind(format_timestamp(&m.reference_to))
    .bind(m.window_length.clone())
    .bind(m.alpha.to_string())
    .bind(m.correction.clone())
    .bind(m.positive_outcome.clone())
    .bind(m.decision_threshold.to_string())
    .bind(m.min_accuracy.map(|v| v.to_string()))
    .bind(m.silenced_until.as_ref().map(format_timestamp))
    .bind(format_timestamp(&m.created_at))
    .bind(to_json(&m.alert_rules))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One monitor.
pub async fn get(tx: &mut Tx, id: &MonitorId) -> Result<Option<MonitorRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM monitors WHERE monitor_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Monitors, newest first (at most `limit`).
pub async fn list(tx: &mut Tx, limit: u32) -> Result<Vec<MonitorRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM monitors ORDER BY created_at DESC, monitor_id DESC LIMIT $1")
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Silences a monitor's new alerts until `until` (none: lifts the silence); false if there is no
/// such monitor.
pub async fn silence(tx: &mut Tx, id: &MonitorId, until: Option<&Timestamp>) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE monitors SET silenced_until = $2 WHERE monitor_id = $1")
        .bind(id.to_string())
        .bind(until.map(format_timestamp))
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// An uploaded reference profile (sealed) and what it covers.
#[derive(Debug, Clone)]
pub struct StoredProfile {
    /// The profile's JSON, sealed with [`crate::crypto::Keyring::seal_aggregate`].
    pub sealed: Vec<u8>,
    /// Rows the profile was made from.
    pub rows: u64,
    /// Columns it holds.
    pub columns: u64,
    /// When it was uploaded.
    pub uploaded_at: Timestamp,
}

/// Stores (or replaces) a monitor's reference profile.
pub async fn put_profile(tx: &mut Tx, id: &MonitorId, p: &StoredProfile) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO monitor_profiles (monitor_id, profile_sealed, row_count, column_count, uploaded_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (monitor_id) DO UPDATE SET profile_sealed = excluded.profile_sealed, row_count = excluded.row_count, \
         column_count = excluded.column_count, uploaded_at = excluded.uploaded_at",
    )
    .bind(id.to_string())
    .bind(p.sealed.clone())
    .bind(p.rows.to_string())
    .bind(p.columns.to_string())
    .bind(format_timestamp(&p.uploaded_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A monitor's reference profile, if one was uploaded.
pub async fn get_profile(tx: &mut Tx, id: &MonitorId) -> Result<Option<StoredProfile>, StoreError> {
    let row = sqlx::query("SELECT * FROM monitor_profiles WHERE monitor_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    let Some(row) = row else { return Ok(None) };
    let count = |col: &str| -> Result<u64, StoreError> { text(&row, col)?.parse().map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))) };
    Ok(Some(StoredProfile {
        sealed: opt_bytes(&row, "profile_sealed")?.ok_or_else(|| StoreError::Corrupt("profile_sealed is null".into()))?,
        rows: count("row_count")?,
        columns: count("column_count")?,
        uploaded_at: ts(&row, "uploaded_at")?,
    }))
}

/// A closed window's stored profile.
#[derive(Debug, Clone)]
pub struct StoredWindow {
    /// Start of the window.
    pub from: Timestamp,
    /// End of the window (exclusive).
    pub to: Timestamp,
    /// Decisions profiled.
    pub rows: u64,
    /// The profile's JSON, sealed with [`crate::crypto::Keyring::seal_aggregate`].
    pub sealed: Vec<u8>,
}

/// Stores a closed window's profile; a window already stored is left as it is (two checks
/// racing store it once). Returns whether it was new.
pub async fn put_window(tx: &mut Tx, id: &MonitorId, w: &StoredWindow, at: &Timestamp) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO monitor_windows (monitor_id, window_from, window_to, row_count, profile_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (monitor_id, window_to) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(format_timestamp(&w.from))
    .bind(format_timestamp(&w.to))
    .bind(w.rows.to_string())
    .bind(w.sealed.clone())
    .bind(format_timestamp(at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Whether the window ending at `to` is stored.
pub async fn has_window(tx: &mut Tx, id: &MonitorId, to: &Timestamp) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 AS one FROM monitor_windows WHERE monitor_id = $1 AND window_to = $2")
        .bind(id.to_string())
        .bind(format_timestamp(to))
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.is_some())
}

/// The newest `limit` stored windows of a monitor, newest first.
pub async fn windows(tx: &mut Tx, id: &MonitorId, limit: u32) -> Result<Vec<StoredWindow>, StoreError> {
    let rows = sqlx::query("SELECT * FROM monitor_windows WHERE monitor_id = $1 ORDER BY window_to DESC LIMIT $2")
        .bind(id.to_string())
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredWindow {
                from: ts(row, "window_from")?,
                to: ts(row, "window_to")?,
                rows: text(row, "row_count")?.parse().map_err(|e| StoreError::Corrupt(format!("row_count: {e}")))?,
                sealed: opt_bytes(row, "profile_sealed")?.ok_or_else(|| StoreError::Corrupt("profile_sealed is null".into()))?,
            })
        })
        .collect()
}

/// The end of a monitor's newest stored window.
pub async fn newest_window(tx: &mut Tx, id: &MonitorId) -> Result<Option<Timestamp>, StoreError> {
    let row = sqlx::query("SELECT window_to FROM monitor_windows WHERE monitor_id = $1 ORDER BY window_to DESC LIMIT 1")
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(|r| ts(r, "window_to")).transpose()
}

/// Deletes a monitor's stored windows that ended before `cutoff`; returns how many.
pub async fn expire_windows_of(tx: &mut Tx, id: &MonitorId, cutoff: &Timestamp) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM monitor_windows WHERE monitor_id = $1 AND window_to < $2")
        .bind(id.to_string())
        .bind(format_timestamp(cutoff))
        .execute(tx.conn())
        .await?
        .rows_affected())
}

//! Retention: data is kept only as long as the longest-retaining purpose that may use it.

use custos_core::{DataCategory, LedgerEvent, Timestamp};
use serde::Serialize;

use crate::{Service, ServiceError};

/// What one retention run deleted.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RetentionReport {
    /// Values deleted, by data category (only categories with deletions).
    pub expired: Vec<(String, u64)>,
    /// Total values deleted.
    pub total: u64,
    /// Gate checks deleted (older than the check retention, quoted by no decision).
    pub checks: u64,
    /// Monitors' stored window sketches deleted (ended before the check retention).
    pub monitor_windows: u64,
    /// Kept validation sets deleted (their retention ended).
    pub validation_sets: u64,
    /// Export files deleted (their retention ended).
    pub export_files: u64,
}

/// The setting that records when retention last finished (RFC 3339), read by the
/// compliance control `retention_ran`.
pub(crate) const LAST_RUN_SETTING: &str = "setting.retention_last_run";

/// Retention: expired values and gate checks go, and their pages leave the files.
#[derive(Clone, Copy)]
pub struct Retention<'a>(pub(crate) &'a Service);

impl Retention<'_> {
    /// Deletes every value held longer than allowed. A category's limit is the longest
    /// `retention_days` among the purposes that may use it (a purpose listing `user.contact`
    /// covers `user.contact.email`); categories no purpose names are left alone, since no
    /// declared purpose sets a period for them. Runs in one transaction.
    pub async fn run(&self, at: Timestamp) -> Result<RetentionReport, ServiceError> {
        let report = self.0.write(async |tx| {
            let purposes = custos_store::purposes::all(tx).await?;
            let held: Vec<DataCategory> = custos_store::retention::held_categories(tx).await?;
            let mut report = RetentionReport::default();
            for category in held {
                let Some(days) = purposes.iter().filter(|p| p.allows(&category)).map(|p| p.retention_days).max() else {
                    continue;
                };
                let cutoff = at - chrono::Duration::days(i64::from(days));
                let n = custos_store::retention::expire_category(tx, &category, &cutoff).await?;
                if n > 0 {
                    report.total += n;
                    report.expired.push((category.to_string(), n));
                    let leaf = crate::ledger::event_at(
                        LedgerEvent::RetentionExpired,
                        &at,
                        serde_json::json!({"data_category": category.as_str(), "cutoff": custos_core::format_timestamp(&cutoff), "values": n}),
                    );
                    custos_store::ledger::append_leaf(tx, leaf).await?;
                }
            }
            Ok(report)
        }).await?;
        let mut report = report;
        let days = self.0.config().check_retention_days.max(1);
        let cutoff = at - chrono::Duration::days(i64::from(days));
        report.checks = self.0.store.expire_checks(cutoff).await?;
        // Monitors' stored windows are sketches of the same decisions' features: kept as long
        // as the checks, and no longer than the watched purpose keeps its data.
        let windows_at = at;
        report.monitor_windows = self
            .0
            .write(async |tx| {
                let purposes = custos_store::purposes::all(tx).await?;
                let mut deleted = 0;
                for m in custos_store::monitors::list(tx, u32::MAX).await? {
                    let purpose_days =
                        m.purpose.as_deref().and_then(|p| purposes.iter().find(|x| x.purpose.as_str() == p)).map(|p| p.retention_days);
                    let keep = purpose_days.map_or(days, |d| d.min(days)).max(1);
                    let cutoff = windows_at - chrono::Duration::days(i64::from(keep));
                    deleted += custos_store::monitors::expire_windows_of(tx, &m.monitor_id, &cutoff).await?;
                }
                if deleted > 0 {
                    let leaf = crate::ledger::event_at(
                        LedgerEvent::RetentionMonitorWindowsExpired,
                        &windows_at,
                        serde_json::json!({"windows": deleted}),
                    );
                    custos_store::ledger::append_leaf(tx, leaf).await?;
                }
                Ok(deleted)
            })
            .await?;
        if report.checks > 0 {
            let leaf = crate::ledger::event_at(
                LedgerEvent::RetentionChecksExpired,
                &at,
                serde_json::json!({"cutoff": custos_core::format_timestamp(&cutoff), "checks": report.checks}),
            );
            self.0.store.append_event(leaf).await?;
            tracing::info!(checks = report.checks, retention_days = days, "retention run deleted old gate checks");
        }
        // Kept validation sets whose retention ended; approvals that lapse soon or did.
        report.validation_sets = self.0.validations().sweep(false).await? as u64;
        report.export_files = self.0.exports().sweep(at).await? as u64;
        self.0.approvals().sweep().await?;
        if report.total > 0 || report.monitor_windows > 0 {
            tracing::info!(expired_values = report.total, monitor_windows = report.monitor_windows, "retention run deleted expired data");
            self.scrub_deleted().await;
        }
        // The decision log's partitions for the months ahead (PostgreSQL), made well before
        // they are needed; rows that landed in the default partition move to their month.
        let made = self.0.store.write(async |tx| custos_store::decisions::make_partitions(tx, &at).await).await?;
        if !made.is_empty() {
            tracing::info!(months = ?made, "made partitions of the decision log");
        }
        let finished = custos_core::format_timestamp(&at);
        self.0.write(async |tx| Ok(custos_store::settings::set(tx, LAST_RUN_SETTING, finished.as_bytes()).await?)).await?;
        Ok(report)
    }

    /// After a committed deletion (erasure, retention, key rotation): takes the old pages out
    /// of the database's files ([`custos_store::Store::scrub_deleted`]). Waits up to two
    /// seconds for readers on older snapshots; if one is still there, keeps trying in the
    /// background (every five seconds, for ten minutes) rather than hold the caller.
    pub(crate) async fn scrub_deleted(&self) {
        const PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);
        match self.0.store.scrub_deleted(PATIENCE).await {
            Ok(true) => {}
            Ok(false) => {
                let store = self.0.store.clone();
                tokio::spawn(async move {
                    for _ in 0..120 {
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        match store.scrub_deleted(PATIENCE).await {
                            Ok(true) => return,
                            Ok(false) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "scrubbing deleted data from the database files failed");
                                return;
                            }
                        }
                    }
                    tracing::warn!("deleted data may stay in the SQLite WAL: a reader kept an old snapshot for ten minutes");
                });
            }
            Err(e) => tracing::warn!(error = %e, "scrubbing deleted data from the database files failed"),
        }
    }
}

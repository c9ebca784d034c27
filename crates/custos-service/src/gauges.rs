//! What a Prometheus scrape reads from the database: open and overdue requests, the ledger's
//! size, and the selection rate of each group in the newest audit of each scope (groups at
//! least as large as the audit's minimum group size only: smaller ones are too fragile to
//! watch, and closer to single people).

use custos_core::{AuditStatus, now};

use crate::{Service, ServiceError};

/// One group's selection rate in the newest audit of its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRate {
    /// The audit's purpose (`any` when unscoped).
    pub purpose: String,
    /// The audit's model (`any` when unscoped).
    pub model: String,
    /// The group, `category=value[, ...]`.
    pub group: String,
    /// Its selection rate.
    pub selection_rate: f64,
}

/// The latest check of one monitor (kept in memory by [`crate::monitors::Monitors::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorGauge {
    /// The monitor.
    pub monitor_id: String,
    /// Per input: its name, the effect-size method and value, and whether it drifted.
    pub inputs: Vec<(String, String, f64, bool)>,
    /// Accuracy in the window, and whether it was estimated from the scores.
    pub accuracy: Option<(f64, bool)>,
}

/// The figures of one scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Open data-subject requests.
    pub dsrs_open: u64,
    /// Open requests past their due date.
    pub dsrs_overdue: u64,
    /// Leaves in the ledger.
    pub ledger_entries: u64,
    /// Selection rates per group.
    pub selection_rates: Vec<GroupRate>,
    /// The latest check of each monitor (since this process started).
    pub monitors: Vec<MonitorGauge>,
}

/// Audits looked at per scrape (the newest; one per scope is kept).
const AUDITS_READ: u32 = 50;

impl Service {
    /// The database-backed figures of a scrape; bounded: two counts, the ledger's size and
    /// the newest [`AUDITS_READ`] audits.
    pub async fn gauges(&self) -> Result<Gauges, ServiceError> {
        let at = now();
        let ((open, overdue), audits) = self
            .read(async |tx| {
                let counts = custos_store::dsrs::open_counts(tx, &at).await?;
                let audits = custos_store::fairness::audits(tx, AUDITS_READ, false).await?;
                Ok((counts, audits))
            })
            .await?;
        let ledger_entries = self.ledger().size().await?;
        let mut seen = std::collections::BTreeSet::new();
        let mut selection_rates = Vec::new();
        for audit in audits.iter().filter(|a| a.status == AuditStatus::Succeeded) {
            let request: crate::fairness::FairnessAuditInput = serde_json::from_value(audit.request.clone()).unwrap_or_default();
            let purpose = request.purpose.clone().unwrap_or_else(|| "any".to_owned());
            let model = request.model.clone().unwrap_or_else(|| "any".to_owned());
            if !seen.insert((purpose.clone(), model.clone())) {
                continue;
            }
            let Some(text) = &audit.report else { continue };
            let Ok(report) = serde_json::from_str::<crate::fairness::FairnessReport>(text) else { continue };
            // Never a group smaller than 10, whatever the audit allowed: the metrics are read
            // without authentication, and a tiny group's rate is nearly one person's outcome.
            let min = request.min_group_size.unwrap_or(30).max(10);
            for g in report.by_group.iter().filter(|g| g.metrics.count >= min) {
                selection_rates.push(GroupRate {
                    purpose: purpose.clone(),
                    model: model.clone(),
                    group: g.group.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "),
                    selection_rate: g.metrics.selection_rate,
                });
            }
        }
        let monitors = self.monitor_gauges.read().map(|m| m.values().cloned().collect()).unwrap_or_default();
        Ok(Gauges { dsrs_open: open, dsrs_overdue: overdue, ledger_entries, selection_rates, monitors })
    }
}

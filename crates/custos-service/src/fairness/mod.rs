//! Fairness audits over the live decision log, run as background jobs.
//!
//! An audit groups the decisions in its scope by their subjects' values of audit-only data
//! categories (special categories such as gender or ethnicity, which the gate never releases:
//! GDPR Art. 9, AI Act Art. 10(5)), compares the decisions with the outcomes recorded through
//! `POST /v1/decisions/{id}/outcome`, and stores the report `custos fairness audit` would give
//! for the same rows (both are built by `custos_fairness::report`).
//!
//! Safeguards: only categories configured as audit-only may be read; every audit leaves a
//! ledger leaf when it starts reading them (which categories, for which audit, asked by which
//! key) and one when it finishes (the SHA-256 of the stored report, so a report cannot be
//! edited afterwards unnoticed); the stored report holds aggregates per group only.
//!
//! Decisions without a recorded outcome count for selection rates only; error rates (TPR,
//! FPR, precision, accuracy) use the decisions that have one, and the report says how many.
//!
//! Jobs live in the database (`fairness_audits`), so an audit asked for is never lost: one
//! worker per process takes the oldest queued audit; audits that were running when a process
//! stopped are queued again when it starts. Recurring audits (`fairness_schedules`) queue an
//! audit of a trailing window whenever they fall due, and an audit whose disparities cross its
//! thresholds raises alerts: in the report, in the ledger, in the log and in
//! `GET /v1/fairness/alerts`. Run one worker per deployment: requeueing at start-up assumes no
//! other process is running audits on the same database.

use std::time::Duration;

pub use custos_core::AuditStatus;
use custos_core::{ApiKeyId, AuditId, DataCategory, LedgerEvent, PurposeKey, ScheduleId, Timestamp, now, parse_timestamp};
use custos_fairness::Favorable;
use custos_fairness::report::{self, MISSING, ReportOptions};
pub use custos_fairness::report::{FairnessReport, GroupReport};
use custos_store::{AuditRecord, DecisionScope, ScheduleRecord};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::{Service, ServiceError};

mod views;
mod worker;

pub use views::{
    AlertOn, AuditChoices, AuditProgress, Breach, FairnessAlert, FairnessAlertView, FairnessAuditInput, FairnessAuditView,
    FairnessScheduleDeleted, FairnessScheduleInput, FairnessScheduleView, TrendPoint,
};

/// Decisions read per page (one read transaction each, then a progress update).
const PAGE: u32 = 2000;

/// How long an idle worker waits before looking for due schedules again.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Disparities an alert threshold can name, and whether a value *below* the threshold is the
/// bad side (ratios) rather than one whose magnitude is above it (differences, indices).
const THRESHOLD_METRICS: &[(&str, bool)] = &[
    ("demographic_parity_difference", false),
    ("demographic_parity_ratio", true),
    ("equalized_odds_difference", false),
    ("equalized_odds_ratio", true),
    ("equal_opportunity_difference", false),
    ("predictive_parity_difference", false),
    ("theil_index", false),
    ("generalized_entropy_index", false),
    ("disparate_impact", true),
    ("statistical_parity_difference", false),
    ("average_odds_difference", false),
];

/// A validated audit request.
struct AuditPlan {
    scope: DecisionScope,
    categories: Vec<DataCategory>,
    favorable: Favorable,
    options: ReportOptions,
}

fn parse_time(field: &str, value: Option<&str>) -> Result<Option<Timestamp>, ServiceError> {
    value.map(|t| parse_timestamp(t).ok_or_else(|| ServiceError::invalid(field, "must be an RFC 3339 timestamp"))).transpose()
}

/// The group value of a subject's stored value: strings as they are, other JSON as text.
pub(crate) fn group_value(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => MISSING.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn new_audit(input: &FairnessAuditInput, schedule_id: Option<ScheduleId>, caller: Option<ApiKeyId>) -> AuditRecord {
    AuditRecord {
        audit_id: AuditId::new(),
        status: AuditStatus::Queued,
        request: serde_json::to_value(input).unwrap_or(Value::Null),
        schedule_id,
        rows_total: None,
        rows_done: 0,
        report: None,
        report_sha256: None,
        alerts: None,
        error: None,
        key_id: caller,
        created_at: now(),
        started_at: None,
        finished_at: None,
    }
}

/// The stored text of a report and its SHA-256 (hex).
fn report_text(report: &FairnessReport) -> (String, String) {
    let text = serde_json::to_string(report).unwrap_or_default();
    let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(text.as_bytes()));
    (text, sha)
}

/// The groups a breached `metric` says the model treats worst, each as its values of
/// `report.sensitive` in order: for the selection disparities (demographic parity, disparate
/// impact, statistical parity) the groups with the lowest selection rate; for the error-rate
/// disparities (equalized odds, equal opportunity, average odds) those with the lowest true
/// positive rate (the deserving turned away most); for predictive parity those with the
/// highest precision (held to the highest bar). Groups whose rate has no denominator are left
/// out; the inequality indices (Theil, generalized entropy) are about individuals and name
/// no group.
pub(crate) fn affected_groups(report: &FairnessReport, metric: &str) -> Vec<Vec<String>> {
    let (rate, lowest): (fn(&GroupReport) -> Option<f64>, bool) = match metric {
        "demographic_parity_difference" | "demographic_parity_ratio" | "disparate_impact" | "statistical_parity_difference" => {
            (|g| (g.metrics.count > 0).then_some(g.metrics.selection_rate), true)
        }
        "equalized_odds_difference" | "equalized_odds_ratio" | "equal_opportunity_difference" | "average_odds_difference" => {
            (|g| g.intervals.get("true_positive_rate").and_then(Option::as_ref).map(|_| g.metrics.true_positive_rate), true)
        }
        "predictive_parity_difference" => (|g| (g.metrics.selection_rate > 0.0).then_some(g.metrics.precision), false),
        _ => return Vec::new(),
    };
    let rated: Vec<(f64, &GroupReport)> =
        report.by_group.iter().filter_map(|g| rate(g).filter(|r| r.is_finite()).map(|r| (r, g))).collect();
    let Some(worst) = rated.iter().map(|(r, _)| *r).reduce(if lowest { f64::min } else { f64::max }) else { return Vec::new() };
    rated
        .iter()
        .filter(|(r, _)| (r - worst).abs() <= 1e-12)
        .map(|(_, g)| report.sensitive.iter().map(|s| g.group.get(s).cloned().unwrap_or_else(|| MISSING.to_owned())).collect())
        .collect()
}

/// The thresholds of `request` that `report` breaches.
fn alerts_for(report: &FairnessReport, request: &FairnessAuditInput) -> Vec<FairnessAlert> {
    let mut out = Vec::new();
    for (metric, threshold) in request.thresholds.iter().flatten() {
        let threshold = *threshold;
        let Some((_, lower_is_worse)) = THRESHOLD_METRICS.iter().find(|(m, _)| m == metric) else { continue };
        let Some(value) = report.metric(metric) else { continue };
        let breached = match request.alert_on.unwrap_or_default() {
            AlertOn::Estimate => {
                if *lower_is_worse {
                    value < threshold
                } else {
                    value.abs() > threshold
                }
            }
            // The whole interval beyond the threshold (both differences are non-negative).
            AlertOn::Interval => report.disparity_intervals.as_ref().is_some_and(|i| match metric.as_str() {
                "demographic_parity_difference" => i.demographic_parity_difference.low > threshold,
                "equalized_odds_difference" => i.equalized_odds_difference.is_some_and(|e| e.low > threshold),
                _ => false,
            }),
        };
        if breached {
            out.push(FairnessAlert {
                metric: metric.clone(),
                value,
                threshold,
                breach: if *lower_is_worse { Breach::Below } else { Breach::Above },
            });
        }
    }
    out
}

/// A stored report, read back.
fn parse_report(r: &AuditRecord) -> Result<Option<FairnessReport>, ServiceError> {
    r.report
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ServiceError::internal(format!("the stored report of audit {} is unreadable: {e}", r.audit_id)))
}

fn alerts_of(r: &AuditRecord) -> Vec<FairnessAlert> {
    r.alerts.as_ref().and_then(|a| serde_json::from_value(a.clone()).ok()).unwrap_or_default()
}

fn audit_view(r: &AuditRecord, with_report: bool) -> Result<FairnessAuditView, ServiceError> {
    Ok(FairnessAuditView {
        audit_id: r.audit_id,
        status: r.status,
        request: serde_json::from_value(r.request.clone()).unwrap_or_default(),
        schedule_id: r.schedule_id,
        progress: AuditProgress { rows_done: r.rows_done, rows_total: r.rows_total },
        report: if with_report { parse_report(r)? } else { None },
        report_sha256: r.report_sha256.clone(),
        alerts: alerts_of(r),
        error: r.error.clone(),
        created_at: r.created_at,
        started_at: r.started_at,
        finished_at: r.finished_at,
        receipt: None,
    })
}

fn schedule_view(r: &ScheduleRecord) -> Result<FairnessScheduleView, ServiceError> {
    let input: FairnessScheduleInput = serde_json::from_value(r.request.clone())
        .map_err(|_| ServiceError::internal(custos_store::StoreError::Corrupt("a stored fairness schedule is unreadable".into())))?;
    Ok(FairnessScheduleView {
        schedule_id: r.schedule_id,
        interval_seconds: r.interval_seconds,
        window_seconds: input.window_seconds,
        audit: input.audit,
        next_run_at: r.next_run_at,
        created_at: r.created_at,
        receipt: None,
    })
}

/// Fairness audits of the decision log: requests, the worker, reports, alerts and schedules.
#[derive(Clone, Copy)]
pub struct Fairness<'a>(pub(crate) &'a Service);

impl Fairness<'_> {
    /// Validates an audit request against the configuration (shape errors are 400; categories
    /// that are not audit-only, 422).
    fn plan(&self, input: &FairnessAuditInput) -> Result<AuditPlan, ServiceError> {
        if let Some(p) = &input.purpose {
            PurposeKey::parse(p)?;
        }
        if let Some(m) = &input.model {
            crate::check_token("model", m)?;
        }
        let from = parse_time("from", input.from.as_deref())?;
        let to = parse_time("to", input.to.as_deref())?;
        if let (Some(f), Some(t)) = (&from, &to)
            && f >= t
        {
            return Err(ServiceError::invalid("to", "must be after `from`"));
        }
        if input.sensitive.is_empty() || input.sensitive.len() > 4 {
            return Err(ServiceError::invalid("sensitive", "must name 1 to 4 data categories"));
        }
        let mut categories = Vec::new();
        for (i, c) in input.sensitive.iter().enumerate() {
            let field = format!("sensitive[{i}]");
            let category = DataCategory::parse(c).map_err(|e| ServiceError::invalid(&field, e.message()))?;
            if !self.0.config().gate.is_audit_only(&category) {
                return Err(ServiceError::unprocessable(
                    &field,
                    format!("{c} is not an audit-only category; audits read only the categories configured with --audit-only-categories"),
                ));
            }
            if categories.contains(&category) {
                return Err(ServiceError::invalid(&field, "is named twice"));
            }
            categories.push(category);
        }
        let favorable = input.favorable.as_deref().unwrap_or("1");
        crate::check_token("favorable", favorable)?;
        let reference = match &input.reference_group {
            None => None,
            Some(spec) => {
                let mut pairs = Vec::new();
                for part in spec.split(',') {
                    let (attr, value) = part
                        .split_once('=')
                        .ok_or_else(|| ServiceError::invalid("reference_group", "must be CATEGORY=VALUE[,CATEGORY=VALUE]"))?;
                    let idx =
                        input.sensitive.iter().position(|s| s == attr.trim()).ok_or_else(|| {
                            ServiceError::invalid("reference_group", format!("{} is not one of `sensitive`", attr.trim()))
                        })?;
                    pairs.push((idx, value.trim().to_owned()));
                }
                Some((spec.clone(), pairs))
            }
        };
        if input.requires_revalidation && input.model.is_none() {
            return Err(ServiceError::invalid("requires_revalidation", "needs `model`: whose versions would be validated again"));
        }
        let bootstrap = input.bootstrap.unwrap_or(1000);
        if bootstrap > report::MAX_BOOTSTRAP {
            return Err(ServiceError::invalid("bootstrap", format!("must be at most {}", report::MAX_BOOTSTRAP)));
        }
        for (metric, value) in input.thresholds.iter().flatten() {
            if !THRESHOLD_METRICS.iter().any(|(m, _)| m == metric) {
                return Err(ServiceError::invalid(
                    &format!("thresholds.{metric}"),
                    format!("is not a disparity (one of: {})", THRESHOLD_METRICS.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")),
                ));
            }
            if !value.is_finite() || *value < 0.0 {
                return Err(ServiceError::invalid(&format!("thresholds.{metric}"), "must be a non-negative number"));
            }
            if matches!(metric.as_str(), "disparate_impact" | "statistical_parity_difference" | "average_odds_difference")
                && reference.is_none()
            {
                return Err(ServiceError::invalid(&format!("thresholds.{metric}"), "needs a `reference_group`"));
            }
        }
        if input.alert_on == Some(AlertOn::Interval) {
            if bootstrap == 0 {
                return Err(ServiceError::invalid("alert_on", "`interval` needs bootstrap replicates (`bootstrap` above 0)"));
            }
            if let Some(m) = input
                .thresholds
                .iter()
                .flatten()
                .map(|(m, _)| m)
                .find(|m| !matches!(m.as_str(), "demographic_parity_difference" | "equalized_odds_difference"))
            {
                return Err(ServiceError::invalid(
                    "alert_on",
                    format!("`interval` applies to demographic_parity_difference and equalized_odds_difference only, not {m}"),
                ));
            }
        }
        Ok(AuditPlan {
            scope: DecisionScope { purpose: input.purpose.clone(), model: input.model.clone(), from, to },
            categories,
            favorable: Favorable::new(favorable),
            options: ReportOptions {
                min_group_size: input.min_group_size.unwrap_or(30),
                bootstrap,
                seed: input.seed.unwrap_or(20_261_122),
                has_score: false,
                streaming: false,
                reference,
            },
        })
    }

    /// What an audit can be asked about: the configured audit-only categories and the outcomes
    /// the decision log holds (most common first), so that a form offers only what exists.
    pub async fn choices(&self) -> Result<AuditChoices, ServiceError> {
        let scope = DecisionScope::default();
        let outcomes = self.0.read(async |tx| Ok(custos_store::fairness::scope_outcomes(tx, &scope, 50).await?)).await?;
        Ok(AuditChoices { categories: self.0.config().gate.audit_only.iter().map(|c| c.as_str().to_owned()).collect(), outcomes })
    }

    /// Queues an audit of the decision log; the worker started with the server runs it. An
    /// audit whose favourable outcome no decision in its scope has is refused (a typo would
    /// otherwise give a clean report).
    pub async fn request_audit(&self, input: FairnessAuditInput, caller: Option<ApiKeyId>) -> Result<FairnessAuditView, ServiceError> {
        let plan = self.plan(&input)?;
        if let Some(p) = &input.purpose
            && self.0.purposes().cached(p).await?.is_none()
        {
            return Err(ServiceError::unprocessable("purpose", format!("purpose `{p}` does not exist")));
        }
        let scope = plan.scope.clone();
        let outcomes = self.0.read(async |tx| Ok(custos_store::fairness::scope_outcomes(tx, &scope, 20).await?)).await?;
        // Refused only when the list is complete (fewer than the 20 read): a rarer outcome
        // beyond the 20 most common may still be the favourable one.
        if !outcomes.is_empty() && outcomes.len() < 20 && !outcomes.iter().any(|(o, _)| plan.favorable.matches(o)) {
            let favorable = input.favorable.as_deref().unwrap_or("1");
            let seen = outcomes.iter().map(|(o, n)| format!("{o} ({n})")).collect::<Vec<_>>().join(", ");
            return Err(ServiceError::unprocessable(
                "favorable",
                format!("no decision in this scope has the outcome `{favorable}`; the outcomes in scope are: {seen}"),
            ));
        }
        let record = new_audit(&input, None, caller);
        let view = self.queue(record).await?;
        Ok(view)
    }

    async fn queue(&self, record: AuditRecord) -> Result<FairnessAuditView, ServiceError> {
        let leaf = crate::ledger::event_at(
            LedgerEvent::FairnessAuditRequested,
            &record.created_at,
            json!({
                "audit_id": record.audit_id.to_string(),
                "schedule_id": record.schedule_id.map(|s| s.to_string()),
                "sensitive": record.request["sensitive"],
                "purpose": record.request["purpose"],
                "model": record.request["model"],
                "key_id": record.key_id.map(|k| k.to_string()),
            }),
        );
        let stored = record.clone();
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::fairness::insert_audit(tx, &stored).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        self.0.fairness_wakeup.notify_one();
        let mut view = audit_view(&record, true)?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// One audit with its report.
    pub async fn audit(&self, audit_id: &str) -> Result<FairnessAuditView, ServiceError> {
        let id = AuditId::parse(audit_id)?;
        let record = self
            .0
            .read(async |tx| Ok(custos_store::fairness::audit(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "audit" })?;
        audit_view(&record, true)
    }

    /// The stored report of a finished audit: the exact JSON text whose SHA-256 the ledger
    /// holds (`report_sha256`), so anyone can check it was not edited.
    pub async fn report(&self, audit_id: &str) -> Result<String, ServiceError> {
        let id = AuditId::parse(audit_id)?;
        let record = self
            .0
            .read(async |tx| Ok(custos_store::fairness::audit(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "audit" })?;
        record.report.ok_or_else(|| ServiceError::Conflict(format!("the audit has no report (status {})", record.status.as_str())))
    }

    /// Recent audits, newest first, without their reports.
    pub async fn audits(&self, limit: u32) -> Result<Vec<FairnessAuditView>, ServiceError> {
        let limit = limit.clamp(1, 500);
        let records = self.0.read(async |tx| Ok(custos_store::fairness::audits(tx, limit, false).await?)).await?;
        records.iter().map(|r| audit_view(r, false)).collect()
    }

    /// Audits that raised alerts, newest first.
    pub async fn alerts(&self, limit: u32) -> Result<Vec<FairnessAlertView>, ServiceError> {
        let limit = limit.clamp(1, 500);
        let records = self.0.read(async |tx| Ok(custos_store::fairness::audits(tx, limit, true).await?)).await?;
        Ok(records
            .iter()
            .map(|r| FairnessAlertView {
                audit_id: r.audit_id,
                schedule_id: r.schedule_id,
                finished_at: r.finished_at,
                alerts: alerts_of(r),
            })
            .collect())
    }

    /// Creates a recurring audit; its first run is queued at once.
    pub async fn create_schedule(
        &self,
        input: FairnessScheduleInput,
        caller: Option<ApiKeyId>,
    ) -> Result<FairnessScheduleView, ServiceError> {
        if !(60..=366 * 86_400).contains(&input.interval_seconds) {
            return Err(ServiceError::invalid("interval_seconds", "must be between 60 and 31622400 (366 days)"));
        }
        if let Some(w) = input.window_seconds {
            if !(60..=10 * 366 * 86_400).contains(&w) {
                return Err(ServiceError::invalid("window_seconds", "must be between 60 and ten years"));
            }
            if input.audit.from.is_some() || input.audit.to.is_some() {
                return Err(ServiceError::invalid("audit.from", "a schedule with `window_seconds` sets `from` and `to` on each run"));
            }
        }
        self.plan(&input.audit).map_err(|e| match e {
            ServiceError::Invalid(v) => ServiceError::Invalid(v.within("audit")),
            ServiceError::Unprocessable(v) => ServiceError::Unprocessable(v.within("audit")),
            other => other,
        })?;
        let created_at = now();
        let record = ScheduleRecord {
            schedule_id: ScheduleId::new(),
            request: serde_json::to_value(&input).unwrap_or(Value::Null),
            interval_seconds: input.interval_seconds,
            next_run_at: created_at,
            key_id: caller,
            created_at,
        };
        let leaf = crate::ledger::event_at(
            LedgerEvent::FairnessScheduleCreated,
            &created_at,
            json!({
                "schedule_id": record.schedule_id.to_string(),
                "interval_seconds": input.interval_seconds,
                "window_seconds": input.window_seconds,
                "sensitive": input.audit.sensitive,
                "key_id": caller.map(|k| k.to_string()),
            }),
        );
        let stored = record.clone();
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::fairness::insert_schedule(tx, &stored).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        self.0.fairness_wakeup.notify_one();
        let mut view = schedule_view(&record)?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Every recurring audit.
    pub async fn schedules(&self) -> Result<Vec<FairnessScheduleView>, ServiceError> {
        let records = self.0.read(async |tx| Ok(custos_store::fairness::schedules(tx).await?)).await?;
        records.iter().map(schedule_view).collect()
    }

    /// Stops a recurring audit (its past audits stay).
    pub async fn delete_schedule(&self, schedule_id: &str, caller: Option<ApiKeyId>) -> Result<FairnessScheduleDeleted, ServiceError> {
        let id = ScheduleId::parse(schedule_id)?;
        let leaf = crate::ledger::event(
            LedgerEvent::FairnessScheduleDeleted,
            json!({"schedule_id": id.to_string(), "key_id": caller.map(|k| k.to_string())}),
        );
        let receipt = self
            .0
            .write(async |tx| {
                if !custos_store::fairness::delete_schedule(tx, &id).await? {
                    return Err(ServiceError::NotFound { resource: "schedule" });
                }
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        Ok(FairnessScheduleDeleted { schedule_id: id, receipt })
    }

    /// The demographic parity difference of recent finished audits, oldest first (at most
    /// `limit`): one read, for the console's trend chart.
    pub async fn trend(&self, limit: u32) -> Result<Vec<TrendPoint>, ServiceError> {
        let limit = limit.clamp(1, 500);
        let records = self.0.read(async |tx| Ok(custos_store::fairness::audits(tx, limit, false).await?)).await?;
        let mut points = Vec::new();
        for r in records.iter().filter(|r| r.status == AuditStatus::Succeeded) {
            let Some(report) = parse_report(r)? else { continue };
            points.push(TrendPoint {
                audit_id: r.audit_id,
                finished_at: r.finished_at.unwrap_or(r.created_at),
                demographic_parity_difference: report.disparities.demographic_parity_difference,
            });
        }
        points.reverse();
        Ok(points)
    }
}

#[cfg(test)]
mod tests {
    use custos_fairness::Confusion;
    use custos_fairness::report::{self, GroupTally, ReportOptions};

    use super::affected_groups;

    fn tally(key: &str, tp: u64, fp: u64, tn: u64, fn_: u64) -> GroupTally {
        GroupTally { key: vec![key.to_owned()], labelled: Confusion { tp, fp, tn, fn_ }, ..GroupTally::default() }
    }

    #[test]
    fn alerts_name_the_groups_treated_worst() {
        let mut groups = vec![
            tally("a", 8, 2, 8, 2),  // selection 0.5, TPR 0.8, precision 0.8
            tally("b", 2, 0, 10, 8), // selection 0.1, TPR 0.2, precision 1.0
            tally("c", 2, 0, 10, 8), // the same as b: ties are all named
            tally("d", 0, 5, 5, 0),  // no actual positives: its TPR (reported 0) has no denominator
        ];
        let options = ReportOptions { min_group_size: 1, bootstrap: 0, seed: 1, has_score: false, streaming: false, reference: None };
        let report = report::build(&["user.demographic.gender".to_owned()], &mut groups, &options).expect("report");
        let names = |metric: &str| affected_groups(&report, metric).into_iter().map(|g| g.join("/")).collect::<Vec<_>>();
        assert_eq!(names("demographic_parity_ratio"), ["b", "c"]);
        assert_eq!(names("statistical_parity_difference"), ["b", "c"]);
        assert_eq!(names("equal_opportunity_difference"), ["b", "c"], "d's TPR of 0 has no denominator");
        assert_eq!(names("predictive_parity_difference"), ["b", "c"], "the highest bar");
        assert!(names("theil_index").is_empty(), "an index about individuals names no group");
        assert!(names("unknown_metric").is_empty());
    }
}

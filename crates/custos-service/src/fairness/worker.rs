//! The fairness worker: claims queued audits, reads their decisions page by page and stores
//! their reports; queues the runs of due schedules.

use std::collections::HashMap;

use custos_core::{LedgerEvent, format_timestamp, now};
use custos_fairness::report::{self, FairnessReport, GroupTally};
use custos_store::AuditRecord;
use serde_json::{Value, json};

use super::{Fairness, FairnessAuditInput, FairnessScheduleInput, IDLE_POLL, PAGE, alerts_for, group_value, new_audit, report_text};
use crate::ServiceError;

impl Fairness<'_> {
    /// Runs audits until `shutdown` resolves: requeues audits a previous process left
    /// running, then takes queued audits one at a time and queues the runs of due schedules.
    /// An audit interrupted by shutdown is queued again at the next start.
    pub async fn run_worker(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        match self.0.write(async |tx| Ok(custos_store::fairness::requeue_running(tx).await?)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(audits = n, "requeued fairness audits interrupted by the last shutdown"),
            Err(e) => tracing::error!(error = %e, "requeueing interrupted fairness audits failed"),
        }
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                worked = self.step() => {
                    match worked {
                        Ok(true) => continue,
                        Ok(false) => {}
                        Err(e) => tracing::error!(error = %e, "the fairness worker failed a step"),
                    }
                    tokio::select! {
                        _ = &mut shutdown => return,
                        _ = self.0.fairness_wakeup.notified() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                    }
                }
            }
        }
    }

    /// Queues due schedules and runs one queued audit; true if it ran one.
    pub async fn step(&self) -> Result<bool, ServiceError> {
        self.queue_due_schedules().await?;
        let at = now();
        let claimed = self
            .0
            .write(async |tx| {
                let Some(audit) = custos_store::fairness::claim_audit(tx, &at).await? else { return Ok(None) };
                // The access to special-category data is logged before any of it is read.
                let leaf = crate::ledger::event_at(
                    LedgerEvent::FairnessSensitiveDataRead,
                    &at,
                    json!({"audit_id": audit.audit_id.to_string(), "categories": audit.request["sensitive"]}),
                );
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(Some(audit))
            })
            .await?;
        let Some(audit) = claimed else { return Ok(false) };
        let id = audit.audit_id;
        let outcome = self.compute(&audit).await;
        let finished = now();
        let request: FairnessAuditInput = serde_json::from_value(audit.request.clone()).unwrap_or_default();
        let (leaf, alerts) = match &outcome {
            Ok(report) => {
                let (text, sha) = report_text(report);
                let alerts = alerts_for(report, &request);
                for a in &alerts {
                    tracing::warn!(audit_id = %id, metric = %a.metric, value = a.value, threshold = a.threshold, "fairness alert");
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::FairnessAuditCompleted,
                    &finished,
                    json!({
                        "audit_id": id.to_string(),
                        "rows": report.rows,
                        "report_sha256": sha,
                        "alerts": alerts.iter().map(|a| format!("{} {}", a.metric, a.breach)).collect::<Vec<_>>(),
                    }),
                );
                (leaf, Some((text, sha, alerts)))
            }
            Err(message) => (
                crate::ledger::event_at(LedgerEvent::FairnessAuditFailed, &finished, json!({"audit_id": id.to_string(), "error": message})),
                None,
            ),
        };
        // What a review rule's `fairness_alert` condition reads: per breached metric, the audit's
        // scope and the groups treated worst.
        let affected: HashMap<String, Value> = match (&outcome, &alerts) {
            (Ok(report), Some((_, _, alerts))) => alerts
                .iter()
                .map(|a| {
                    let groups = super::affected_groups(report, &a.metric);
                    let doc = json!({
                        "purpose": request.purpose,
                        "model": request.model,
                        "sensitive": report.sensitive,
                        "groups": groups,
                    });
                    (a.metric.clone(), doc)
                })
                .collect(),
            _ => HashMap::new(),
        };
        let error = outcome.err();
        self.0
            .write(async |tx| {
                match &alerts {
                    Some((text, sha, alerts)) => {
                        let alerts_json = (!alerts.is_empty()).then(|| serde_json::to_value(alerts).unwrap_or(Value::Null));
                        custos_store::fairness::finish_audit(tx, &id, Ok((text, sha, alerts_json.as_ref())), &finished).await?;
                        // The one alert store: an alert per breached metric, about the schedule
                        // (so a recurring audit keeps one alert while the breach lasts, and
                        // resolves it when a run no longer breaches) or the one-off audit.
                        let about = audit.schedule_id.map(|s| s.to_string()).unwrap_or_else(|| id.to_string());
                        for metric in crate::fairness::THRESHOLD_METRICS.iter().map(|(m, _)| *m) {
                            match alerts.iter().find(|a| a.metric == metric) {
                                Some(a) => {
                                    let message = format!(
                                        "A fairness audit found {} at {:.3}, {} its threshold of {:.3}.",
                                        metric.replace('_', " "),
                                        a.value,
                                        if a.breach == crate::fairness::Breach::Below { "below" } else { "above" },
                                        a.threshold
                                    );
                                    let firing = crate::alerts::Firing {
                                        source: custos_core::AlertSource::Fairness,
                                        kind: metric,
                                        about: &about,
                                        message,
                                        value: Some(a.value),
                                        threshold: Some(a.threshold),
                                    };
                                    let fired = crate::alerts::fire(tx, firing, &finished).await?;
                                    if let (Some(_), true, Some(model)) = (fired, request.requires_revalidation, &request.model) {
                                        let why = format!(
                                            "a fairness audit found {} at {:.3} (threshold {:.3})",
                                            metric.replace('_', " "),
                                            a.value,
                                            a.threshold
                                        );
                                        crate::approvals::Approvals::require_revalidation(tx, model, None, &why, &finished).await?;
                                    }
                                    // A recurring audit's alert follows the latest run's groups.
                                    if let Some(alert) =
                                        custos_store::alerts::firing(tx, custos_core::AlertSource::Fairness, metric, &about).await?
                                    {
                                        let groups = affected.get(metric).filter(|g| g["groups"].as_array().is_some_and(|a| !a.is_empty()));
                                        custos_store::alerts::set_affected_groups(tx, &alert.alert_id, groups).await?;
                                    }
                                }
                                None => {
                                    crate::alerts::settle(tx, custos_core::AlertSource::Fairness, metric, &about, &finished).await?;
                                }
                            }
                        }
                    }
                    None => custos_store::fairness::finish_audit(tx, &id, Err(error.as_deref().unwrap_or("failed")), &finished).await?,
                }
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        self.0.fairness_flags.forget();
        Ok(true)
    }

    /// Queues one audit for every schedule that fell due.
    async fn queue_due_schedules(&self) -> Result<(), ServiceError> {
        let at = now();
        let due = self.0.read(async |tx| Ok(custos_store::fairness::due_schedules(tx, &at).await?)).await?;
        for schedule in due {
            let Ok(input) = serde_json::from_value::<FairnessScheduleInput>(schedule.request.clone()) else {
                tracing::error!(schedule_id = %schedule.schedule_id, "a stored fairness schedule is unreadable");
                continue;
            };
            let mut audit = input.audit.clone();
            if let Some(w) = input.window_seconds {
                audit.from = Some(format_timestamp(&(at - chrono::Duration::seconds(w as i64))));
                audit.to = Some(format_timestamp(&at));
            }
            // Missed runs (the server was down) collapse into one.
            let mut next = schedule.next_run_at;
            while next <= at {
                next += chrono::Duration::seconds(schedule.interval_seconds.max(60) as i64);
            }
            let (id, expected) = (schedule.schedule_id, schedule.next_run_at);
            let advanced = self.0.write(async |tx| Ok(custos_store::fairness::advance_schedule(tx, &id, &expected, &next).await?)).await?;
            if advanced {
                self.queue(new_audit(&audit, Some(id), schedule.key_id)).await?;
            }
        }
        Ok(())
    }

    /// Reads the audit's decisions page by page and builds its report; the error is a message
    /// for the audit's `error` field.
    async fn compute(&self, audit: &AuditRecord) -> Result<FairnessReport, String> {
        let input: FairnessAuditInput = serde_json::from_value(audit.request.clone()).map_err(|e| format!("unreadable request: {e}"))?;
        let mut plan = self.plan(&input).map_err(|e| e.to_string())?;
        let scope = plan.scope.clone();
        let total = self
            .0
            .read(async |tx| Ok(custos_store::fairness::count_scope(tx, &scope).await?))
            .await
            .map_err(|e: ServiceError| e.to_string())?;
        let id = audit.audit_id;
        self.0
            .write(async |tx| Ok(custos_store::fairness::set_progress(tx, &id, 0, total).await?))
            .await
            .map_err(|e: ServiceError| e.to_string())?;
        let mut tallies: Vec<GroupTally> = Vec::new();
        let mut group_of: HashMap<Vec<String>, usize> = HashMap::new();
        let mut after: Option<(String, String)> = None;
        let mut done = 0u64;
        let mut has_score = false;
        loop {
            let (scope, categories, cursor) = (plan.scope.clone(), plan.categories.clone(), after.clone());
            let page = self
                .0
                .read(async |tx| Ok(custos_store::fairness::scope_decisions(tx, &scope, cursor.as_ref(), PAGE, &categories).await?))
                .await
                .map_err(|e: ServiceError| e.to_string())?;
            let Some(last) = page.last() else { break };
            after = Some((last.created_at.clone(), last.decision_id.to_string()));
            for d in &page {
                let key: Vec<String> = d.values.iter().map(group_value).collect();
                if !group_of.contains_key(&key) && tallies.len() >= report::MAX_GROUPS {
                    // Refused as the groups appear, before they take memory.
                    return Err(report::ReportError::TooManyGroups(tallies.len() + 1).to_string());
                }
                let g = *group_of.entry(key.clone()).or_insert_with(|| {
                    tallies.push(GroupTally { key, ..GroupTally::default() });
                    tallies.len() - 1
                });
                let t = &mut tallies[g];
                let predicted = plan.favorable.matches(&d.outcome);
                match d.actual.as_deref().map(|a| plan.favorable.matches(a)) {
                    Some(actual) => {
                        let c = &mut t.labelled;
                        match (actual, predicted) {
                            (true, true) => c.tp += 1,
                            (false, true) => c.fp += 1,
                            (false, false) => c.tn += 1,
                            (true, false) => c.fn_ += 1,
                        }
                        if let Some(s) = d.score {
                            t.scores.add(s, actual, false);
                        }
                    }
                    None => {
                        if predicted {
                            t.unlabelled.0 += 1;
                        } else {
                            t.unlabelled.1 += 1;
                        }
                        if let Some(s) = d.score {
                            t.scores.add_unlabelled(s);
                        }
                    }
                }
                has_score |= d.score.is_some();
            }
            done += page.len() as u64;
            let shown = done.max(total);
            self.0
                .write(async |tx| Ok(custos_store::fairness::set_progress(tx, &id, done, shown).await?))
                .await
                .map_err(|e: ServiceError| e.to_string())?;
            if page.len() < PAGE as usize {
                break;
            }
        }
        plan.options.has_score = has_score;
        let sensitive: Vec<String> = plan.categories.iter().map(|c| c.as_str().to_owned()).collect();
        // Groups in a stable order (by their values), whatever order the decisions came in.
        tallies.sort_by(|a, b| a.key.cmp(&b.key));
        // An audit that cannot mean anything fails with the reason instead of succeeding with
        // no alerts: a favourable outcome that never occurs (a typo), or no group as large as
        // the minimum size.
        let favourable: u64 = tallies.iter().map(|t| t.selection().tp + t.selection().fp).sum();
        if !tallies.is_empty() && favourable == 0 {
            return Err(format!(
                "no decision in scope has the favourable outcome `{}`: every selection rate would be 0 and no disparity could show",
                input.favorable.as_deref().unwrap_or("1")
            ));
        }
        let min = plan.options.min_group_size;
        if !tallies.is_empty() && tallies.iter().all(|t| t.selection().count() < min) {
            return Err(format!(
                "every group has fewer than {min} decisions (the minimum group size): the rates would be too fragile to compare"
            ));
        }
        let report = report::build(&sensitive, &mut tallies, &plan.options).map_err(|e| match e {
            report::ReportError::Empty => "no decisions in scope".to_owned(),
            other => other.to_string(),
        })?;
        Ok(report)
    }
}

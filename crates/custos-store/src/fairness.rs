//! Fairness audits over the decision log: the audit queue, recurring audits, and the one read
//! that joins decisions with their subjects' audit-only values.

use std::collections::{BTreeMap, HashMap};

use custos_core::{ApiKeyId, AuditId, AuditStatus, DataCategory, DecisionId, ScheduleId, SubjectId, Timestamp, format_timestamp};
use serde_json::Value;
// Dynamic SQL below only splices placeholders and constant fragments, never input.
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::rows::{opt_text, opt_ts, text, ts};
use crate::{StoreError, tx::Tx};

/// Queues an audit.
pub async fn insert_audit(tx: &mut Tx, a: &AuditRecord) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO fairness_audits ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, NULL, 0, NULL, NULL, NULL, NULL, $5, $6, NULL, NULL)"
    )))
    .bind(a.audit_id.to_string())
    .bind(a.status.as_str())
    .bind(a.request.to_string())
    .bind(a.schedule_id.map(|s| s.to_string()))
    .bind(a.key_id.map(|k| k.to_string()))
    .bind(format_timestamp(&a.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One audit.
pub async fn audit(tx: &mut Tx, id: &AuditId) -> Result<Option<AuditRecord>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {AUDIT_COLUMNS} FROM fairness_audits WHERE audit_id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(audit_from_row).transpose()
}

/// Audits, newest first; `with_alerts` keeps only those that raised alerts.
pub async fn audits(tx: &mut Tx, limit: u32, with_alerts: bool) -> Result<Vec<AuditRecord>, StoreError> {
    let filter = if with_alerts { "WHERE alerts IS NOT NULL" } else { "" };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {AUDIT_COLUMNS} FROM fairness_audits {filter} ORDER BY created_at DESC, audit_id DESC LIMIT $1"
    )))
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(audit_from_row).collect()
}

/// Takes the oldest queued audit for this worker: marks it running and returns it, or
/// `None` when nothing is queued (or another worker took it first).
pub async fn claim_audit(tx: &mut Tx, now: &Timestamp) -> Result<Option<AuditRecord>, StoreError> {
    let next: Option<String> =
        sqlx::query_scalar("SELECT audit_id FROM fairness_audits WHERE status = 'queued' ORDER BY created_at, audit_id LIMIT 1")
            .fetch_optional(tx.conn())
            .await?;
    let Some(id) = next else { return Ok(None) };
    let claimed = sqlx::query("UPDATE fairness_audits SET status = 'running', started_at = $2 WHERE audit_id = $1 AND status = 'queued'")
        .bind(&id)
        .bind(format_timestamp(now))
        .execute(tx.conn())
        .await?
        .rows_affected();
    if claimed == 0 {
        return Ok(None);
    }
    audit(tx, &AuditId::parse(&id)?).await
}

/// Records how far a running audit got.
pub async fn set_progress(tx: &mut Tx, id: &AuditId, done: u64, total: u64) -> Result<(), StoreError> {
    sqlx::query("UPDATE fairness_audits SET rows_done = $2, rows_total = $3 WHERE audit_id = $1")
        .bind(id.to_string())
        .bind(done as i64)
        .bind(total as i64)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Finishes a running audit with its report (and alerts) or its error.
pub async fn finish_audit(
    tx: &mut Tx,
    id: &AuditId,
    outcome: Result<(&str, &str, Option<&Value>), &str>,
    now: &Timestamp,
) -> Result<(), StoreError> {
    let (status, report, sha, alerts, error) = match outcome {
        Ok((report, sha, alerts)) => (AuditStatus::Succeeded, Some(report), Some(sha), alerts.map(Value::to_string), None),
        Err(e) => (AuditStatus::Failed, None, None, None, Some(e)),
    };
    sqlx::query(
        "UPDATE fairness_audits SET status = $2, report = $3, report_sha256 = $4, alerts = $5, error = $6, finished_at = $7 \
         WHERE audit_id = $1",
    )
    .bind(id.to_string())
    .bind(status.as_str())
    .bind(report.map(str::to_owned))
    .bind(sha.map(str::to_owned))
    .bind(alerts)
    .bind(error.map(str::to_owned))
    .bind(format_timestamp(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Puts audits that were running when the process stopped back in the queue.
pub async fn requeue_running(tx: &mut Tx) -> Result<u64, StoreError> {
    Ok(sqlx::query("UPDATE fairness_audits SET status = 'queued', started_at = NULL, rows_done = 0 WHERE status = 'running'")
        .execute(tx.conn())
        .await?
        .rows_affected())
}

/// Creates a recurring audit.
pub async fn insert_schedule(tx: &mut Tx, s: &ScheduleRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO fairness_schedules (schedule_id, request, interval_seconds, next_run_at, key_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.schedule_id.to_string())
    .bind(s.request.to_string())
    .bind(s.interval_seconds as i64)
    .bind(format_timestamp(&s.next_run_at))
    .bind(s.key_id.map(|k| k.to_string()))
    .bind(format_timestamp(&s.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Every recurring audit, oldest first.
pub async fn schedules(tx: &mut Tx) -> Result<Vec<ScheduleRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM fairness_schedules ORDER BY created_at, schedule_id").fetch_all(tx.conn()).await?;
    rows.iter().map(schedule_from_row).collect()
}

/// Recurring audits due at `now`.
pub async fn due_schedules(tx: &mut Tx, now: &Timestamp) -> Result<Vec<ScheduleRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM fairness_schedules WHERE next_run_at <= $1 ORDER BY next_run_at")
        .bind(format_timestamp(now))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(schedule_from_row).collect()
}

/// Moves a schedule's next run from `expected` to `next`; false if another worker already
/// moved it (so each run is queued once).
pub async fn advance_schedule(tx: &mut Tx, id: &ScheduleId, expected: &Timestamp, next: &Timestamp) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE fairness_schedules SET next_run_at = $3 WHERE schedule_id = $1 AND next_run_at = $2")
        .bind(id.to_string())
        .bind(format_timestamp(expected))
        .bind(format_timestamp(next))
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// Deletes a recurring audit; false if there was none.
pub async fn delete_schedule(tx: &mut Tx, id: &ScheduleId) -> Result<bool, StoreError> {
    Ok(sqlx::query("DELETE FROM fairness_schedules WHERE schedule_id = $1").bind(id.to_string()).execute(tx.conn()).await?.rows_affected()
        == 1)
}

/// The outcomes of a scope's decisions with how many decisions have each, most common first
/// (at most `limit`): what an audit's favourable outcome can be.
pub async fn scope_outcomes(tx: &mut Tx, scope: &DecisionScope, limit: u32) -> Result<Vec<(String, u64)>, StoreError> {
    let (clause, binds) = scope_filter(scope, 1);
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT outcome, COUNT(*) AS n FROM decisions WHERE {clause} GROUP BY outcome ORDER BY n DESC, outcome LIMIT {}",
        limit.max(1)
    )));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| Ok((text(r, "outcome")?, r.try_get::<i64, _>("n").map_err(|e| StoreError::Corrupt(e.to_string()))?.max(0) as u64)))
        .collect()
}

/// How many decisions a scope holds.
pub async fn count_scope(tx: &mut Tx, scope: &DecisionScope) -> Result<u64, StoreError> {
    let (clause, binds) = scope_filter(scope, 1);
    let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT COUNT(*) FROM decisions WHERE {clause}")));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_one(tx.conn()).await?.max(0) as u64)
}

/// The next page of a scope's decisions after `after` (the last page's final `(created_at,
/// decision_id)`), in creation order, each with its subject's values of `categories`,
/// decrypted. Erased subjects have no values.
pub async fn scope_decisions(
    tx: &mut Tx,
    scope: &DecisionScope,
    after: Option<&(String, String)>,
    limit: u32,
    categories: &[DataCategory],
) -> Result<Vec<AuditDecision>, StoreError> {
    let (clause, mut binds) = scope_filter(scope, 1);
    let mut sql = format!("SELECT decision_id, subject_id, outcome, score, actual_ct, actual, created_at FROM decisions WHERE {clause}");
    if let Some((created_at, id)) = after {
        let n = binds.len() + 1;
        sql.push_str(&format!(" AND (created_at > ${n} OR (created_at = ${n} AND decision_id > ${}))", n + 1));
        binds.push(created_at.clone());
        binds.push(id.clone());
    }
    sql.push_str(&format!(" ORDER BY created_at, decision_id LIMIT {}", limit.max(1)));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(tx.conn()).await?;
    let mut subjects: Vec<String> = rows.iter().map(|r| text(r, "subject_id")).collect::<Result<_, _>>()?;
    subjects.sort_unstable();
    subjects.dedup();
    let values = category_values(tx, &subjects, categories).await?;
    // Outcomes are sealed under each subject's key: unwrap each subject's key once per page.
    let mut keys = crate::sealed::SubjectKeys::default();
    let ids: Vec<SubjectId> = subjects.iter().map(|s| SubjectId::parse(s)).collect::<Result<_, _>>()?;
    keys.load(tx, &ids).await?;
    rows.iter()
        .map(|r| {
            let subject = text(r, "subject_id")?;
            let subject_id = SubjectId::parse(&subject)?;
            let held = values.get(&subject);
            let decision_id = DecisionId::parse(&text(r, "decision_id")?)?;
            let actual = match crate::rows::opt_bytes(r, "actual_ct")? {
                Some(ct) => crate::sealed::open(
                    keys.loaded(&subject_id),
                    &subject_id,
                    &crate::sealed::context("decisions", &decision_id.to_string(), "actual"),
                    Some(&ct),
                )?,
                None => opt_text(r, "actual")?,
            };
            Ok(AuditDecision {
                decision_id,
                created_at: text(r, "created_at")?,
                outcome: text(r, "outcome")?,
                score: r.try_get::<Option<f64>, _>("score").map_err(|e| StoreError::Corrupt(e.to_string()))?,
                actual,
                values: categories.iter().map(|c| held.and_then(|h| h.get(c).cloned())).collect(),
            })
        })
        .collect()
}

/// The decrypted values of `categories` of each subject.
/// One subject's values of `categories`, decrypted (none for an erased subject).
pub async fn subject_values(
    tx: &mut Tx,
    subject: &SubjectId,
    categories: &[DataCategory],
) -> Result<BTreeMap<DataCategory, Value>, StoreError> {
    Ok(category_values(tx, &[subject.to_string()], categories).await?.into_values().next().unwrap_or_default())
}

pub(crate) async fn category_values(
    tx: &mut Tx,
    subjects: &[String],
    categories: &[DataCategory],
) -> Result<HashMap<String, BTreeMap<DataCategory, Value>>, StoreError> {
    let mut out = HashMap::new();
    if subjects.is_empty() || categories.is_empty() {
        return Ok(out);
    }
    let cats: Vec<String> = (0..categories.len()).map(|i| format!("${}", i + 1)).collect();
    let ids: Vec<String> = (0..subjects.len()).map(|i| format!("${}", categories.len() + i + 1)).collect();
    let sql = format!(
        "SELECT s.subject_id, s.wrapped_key, d.data_category, d.value_ct FROM subjects s \
         JOIN subject_data d ON d.subject_id = s.subject_id AND d.data_category IN ({}) \
         WHERE s.subject_id IN ({}) AND s.wrapped_key IS NOT NULL ORDER BY s.subject_id",
        cats.join(", "),
        ids.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for c in categories {
        q = q.bind(c.as_str().to_owned());
    }
    for s in subjects {
        q = q.bind(s.clone());
    }
    let rows = q.fetch_all(tx.conn()).await?;
    let mut key: Option<(String, crate::DataKey)> = None;
    for row in &rows {
        let sid = text(row, "subject_id")?;
        let subject = SubjectId::parse(&sid)?;
        if key.as_ref().is_none_or(|(k, _)| *k != sid) {
            let wrapped: Vec<u8> = row.try_get::<Vec<u8>, _>("wrapped_key").map_err(|e| StoreError::Corrupt(e.to_string()))?;
            key = Some((sid.clone(), tx.keyring().open_data_key(&subject, &wrapped)?));
        }
        let Some((_, data_key)) = &key else { continue };
        let category = DataCategory::parse(&text(row, "data_category")?)?;
        let sealed: Vec<u8> = row.try_get::<Vec<u8>, _>("value_ct").map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let value = data_key.open_value(&subject, &category, &sealed)?;
        out.entry(sid).or_insert_with(BTreeMap::new).insert(category, value);
    }
    Ok(out)
}

/// One fairness audit: what was asked, how far it got, and its report.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    /// The audit.
    pub audit_id: AuditId,
    /// Where it is.
    pub status: AuditStatus,
    /// The request document it runs (scope, sensitive categories, thresholds, ...).
    pub request: Value,
    /// The schedule that started it, if any.
    pub schedule_id: Option<ScheduleId>,
    /// Decisions in scope (known once it runs).
    pub rows_total: Option<u64>,
    /// Decisions read so far.
    pub rows_done: u64,
    /// The report (aggregates only), the exact JSON text whose SHA-256 is `report_sha256`.
    pub report: Option<String>,
    /// SHA-256 of the stored report text, hex (also in the ledger).
    pub report_sha256: Option<String>,
    /// Thresholds the report breached.
    pub alerts: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// The API key that asked (or created the schedule).
    pub key_id: Option<ApiKeyId>,
    /// When it was asked for.
    pub created_at: Timestamp,
    /// When the worker took it.
    pub started_at: Option<Timestamp>,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
}

/// A recurring audit.
#[derive(Clone, Debug)]
pub struct ScheduleRecord {
    /// The schedule.
    pub schedule_id: ScheduleId,
    /// The audit request it queues.
    pub request: Value,
    /// Seconds between runs.
    pub interval_seconds: u64,
    /// When it next queues an audit.
    pub next_run_at: Timestamp,
    /// The API key that created it.
    pub key_id: Option<ApiKeyId>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Which decisions an audit covers.
#[derive(Clone, Debug, Default)]
pub struct DecisionScope {
    /// Only decisions under this purpose.
    pub purpose: Option<String>,
    /// Only decisions by this model.
    pub model: Option<String>,
    /// Only decisions made at or after this time.
    pub from: Option<Timestamp>,
    /// Only decisions made before this time.
    pub to: Option<Timestamp>,
}

/// A decision as an audit sees it: the decision, the outcome if known, and the subject's
/// values of the requested categories (decrypted; `None` where the subject holds none).
#[derive(Clone, Debug)]
pub struct AuditDecision {
    /// The decision.
    pub decision_id: DecisionId,
    /// When it was made (the stored text, which is also the page cursor).
    pub created_at: String,
    /// What was decided.
    pub outcome: String,
    /// The model's score, if logged.
    pub score: Option<f64>,
    /// What actually happened, if recorded.
    pub actual: Option<String>,
    /// The subject's value of each requested category, in request order.
    pub values: Vec<Option<Value>>,
}

fn opt_json(row: &AnyRow, col: &str) -> Result<Option<Value>, StoreError> {
    opt_text(row, col)?.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))).transpose()
}

fn opt_u64(row: &AnyRow, col: &str) -> Result<Option<u64>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))?.map(|v| v.max(0) as u64))
}

fn audit_from_row(row: &AnyRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        audit_id: AuditId::parse(&text(row, "audit_id")?)?,
        status: AuditStatus::parse(&text(row, "status")?)?,
        request: opt_json(row, "request")?.unwrap_or(Value::Null),
        schedule_id: opt_text(row, "schedule_id")?.map(|s| ScheduleId::parse(&s)).transpose()?,
        rows_total: opt_u64(row, "rows_total")?,
        rows_done: opt_u64(row, "rows_done")?.unwrap_or(0),
        report: opt_text(row, "report")?,
        report_sha256: opt_text(row, "report_sha256")?,
        alerts: opt_json(row, "alerts")?,
        error: opt_text(row, "error")?,
        key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
        created_at: ts(row, "created_at")?,
        started_at: opt_ts(row, "started_at")?,
        finished_at: opt_ts(row, "finished_at")?,
    })
}

fn schedule_from_row(row: &AnyRow) -> Result<ScheduleRecord, StoreError> {
    Ok(ScheduleRecord {
        schedule_id: ScheduleId::parse(&text(row, "schedule_id")?)?,
        request: opt_json(row, "request")?.unwrap_or(Value::Null),
        interval_seconds: opt_u64(row, "interval_seconds")?.unwrap_or(0),
        next_run_at: ts(row, "next_run_at")?,
        key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
        created_at: ts(row, "created_at")?,
    })
}

/// The WHERE clause of a decision scope (with numbered placeholders from `first`) and its
/// binds, in order.
pub(crate) fn scope_filter(scope: &DecisionScope, first: usize) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut binds = Vec::new();
    let mut add = |clause: &str, value: String| {
        clauses.push(clause.replace('?', &format!("${}", first + binds.len())));
        binds.push(value);
    };
    if let Some(p) = &scope.purpose {
        add("purpose = ?", p.clone());
    }
    if let Some(m) = &scope.model {
        add("model = ?", m.clone());
    }
    if let Some(f) = &scope.from {
        add("created_at >= ?", format_timestamp(f));
    }
    if let Some(t) = &scope.to {
        add("created_at < ?", format_timestamp(t));
    }
    let clause = if clauses.is_empty() { "1 = 1".to_owned() } else { clauses.join(" AND ") };
    (clause, binds)
}

const AUDIT_COLUMNS: &str = "audit_id, status, request, schedule_id, rows_total, rows_done, report, report_sha256, alerts, error, key_id, created_at, started_at, finished_at";

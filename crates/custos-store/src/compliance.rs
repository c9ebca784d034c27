//! Compliance: the obligations catalog as loaded (with a DPO's decision that one does not
//! apply), the catalog versions loaded, evaluation runs, evidence (computed by a control or a
//! file a person uploaded), and the counts the built-in controls read from the live system.

use custos_core::{Timestamp, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// An obligation as loaded from the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct ObligationRecord {
    /// The catalog's id (`GDPR-33`).
    pub obligation_id: String,
    /// The law.
    pub regulation: String,
    /// Article or section.
    pub citation: String,
    /// Short label.
    pub title: String,
    /// The duty in words.
    pub requirement: String,
    /// Deadlines and figures as written.
    pub numbers: Vec<String>,
    /// Activities that trigger it.
    pub applies_to: Vec<String>,
    /// custos capabilities that help meet it.
    pub capabilities: Vec<String>,
    /// Whether the citation and figures were checked against the primary text.
    pub verified: bool,
    /// What was read.
    pub source: String,
    /// The catalog version it was last loaded from.
    pub catalog_version: String,
    /// No longer in the catalog (kept for the evidence that refers to it).
    pub withdrawn: bool,
    /// A DPO marked it not applicable.
    pub not_applicable: bool,
    /// The DPO's justification.
    pub justification: Option<String>,
    /// Who marked it (an email).
    pub scoped_by: Option<String>,
    /// When.
    pub scoped_at: Option<Timestamp>,
}

fn obligation(row: &AnyRow) -> Result<ObligationRecord, StoreError> {
    Ok(ObligationRecord {
        obligation_id: text(row, "obligation_id")?,
        regulation: text(row, "regulation")?,
        citation: text(row, "citation")?,
        title: text(row, "title")?,
        requirement: text(row, "requirement")?,
        numbers: json(row, "numbers")?,
        applies_to: json(row, "applies_to")?,
        capabilities: json(row, "capabilities")?,
        verified: flag(row, "verified")?,
        source: text(row, "source")?,
        catalog_version: text(row, "catalog_version")?,
        withdrawn: flag(row, "withdrawn")?,
        not_applicable: flag(row, "not_applicable")?,
        justification: opt_text(row, "justification")?,
        scoped_by: opt_text(row, "scoped_by")?,
        scoped_at: opt_ts(row, "scoped_at")?,
    })
}

/// Every obligation loaded, by id (at most a few hundred: the catalog).
pub async fn obligations(tx: &mut Tx) -> Result<Vec<ObligationRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM obligations ORDER BY obligation_id LIMIT 10000").fetch_all(tx.conn()).await?;
    rows.iter().map(obligation).collect()
}

/// Inserts an obligation or replaces its catalog fields, keeping a DPO's decision.
pub async fn upsert_obligation(tx: &mut Tx, o: &ObligationRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO obligations (obligation_id, regulation, citation, title, requirement, numbers, applies_to, capabilities, verified, \
         source, catalog_version, withdrawn, not_applicable) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0) \
         ON CONFLICT (obligation_id) DO UPDATE SET regulation = $2, citation = $3, title = $4, requirement = $5, numbers = $6, \
         applies_to = $7, capabilities = $8, verified = $9, source = $10, catalog_version = $11, withdrawn = $12",
    )
    .bind(o.obligation_id.clone())
    .bind(o.regulation.clone())
    .bind(o.citation.clone())
    .bind(o.title.clone())
    .bind(o.requirement.clone())
    .bind(to_json(&o.numbers))
    .bind(to_json(&o.applies_to))
    .bind(to_json(&o.capabilities))
    .bind(b(o.verified))
    .bind(o.source.clone())
    .bind(o.catalog_version.clone())
    .bind(b(o.withdrawn))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Marks an obligation withdrawn from the catalog; false if there is none.
pub async fn withdraw(tx: &mut Tx, obligation_id: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE obligations SET withdrawn = 1 WHERE obligation_id = $1")
        .bind(obligation_id.to_owned())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// Records a DPO's decision on an obligation (not applicable with a justification, or
/// applicable again); false if there is no such obligation.
pub async fn scope(
    tx: &mut Tx,
    obligation_id: &str,
    not_applicable: bool,
    justification: Option<&str>,
    by: &str,
    at: &Timestamp,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE obligations SET not_applicable = $2, justification = $3, scoped_by = $4, scoped_at = $5 WHERE obligation_id = $1",
    )
    .bind(obligation_id.to_owned())
    .bind(b(not_applicable))
    .bind(justification.map(str::to_owned))
    .bind(by.to_owned())
    .bind(format_timestamp(at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// A catalog version as loaded, with what it changed against the one before.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogVersionRecord {
    /// SHA-256 of the catalog's canonical JSON (first 16 hex digits).
    pub catalog_version: String,
    /// How many obligations it holds.
    pub obligations: u64,
    /// Ids added.
    pub added: Vec<String>,
    /// Ids removed.
    pub removed: Vec<String>,
    /// Ids whose text or figures changed.
    pub changed: Vec<String>,
    /// When it was loaded.
    pub loaded_at: Timestamp,
}

fn catalog_version(row: &AnyRow) -> Result<CatalogVersionRecord, StoreError> {
    let n: i64 = row.try_get("obligations").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(CatalogVersionRecord {
        catalog_version: text(row, "catalog_version")?,
        obligations: u64::try_from(n).unwrap_or(0),
        added: json(row, "added")?,
        removed: json(row, "removed")?,
        changed: json(row, "changed")?,
        loaded_at: ts(row, "loaded_at")?,
    })
}

/// Records a catalog version.
pub async fn insert_catalog_version(tx: &mut Tx, v: &CatalogVersionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO catalog_versions (catalog_version, obligations, added, removed, changed, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(v.catalog_version.clone())
    .bind(i64::try_from(v.obligations).unwrap_or(i64::MAX))
    .bind(to_json(&v.added))
    .bind(to_json(&v.removed))
    .bind(to_json(&v.changed))
    .bind(format_timestamp(&v.loaded_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The catalog versions loaded, newest first.
pub async fn catalog_versions(tx: &mut Tx) -> Result<Vec<CatalogVersionRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM catalog_versions ORDER BY loaded_at DESC LIMIT 1000").fetch_all(tx.conn()).await?;
    rows.iter().map(catalog_version).collect()
}

/// An evaluation run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Id.
    pub run_id: String,
    /// `schedule` or `on_demand`.
    pub trigger: String,
    /// Who started it (`system:schedule`, `staff:<id>`).
    pub started_by: String,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
    /// The status counts per regulation after it (JSON: regulation -> status -> count).
    pub summary: serde_json::Value,
}

fn run(row: &AnyRow) -> Result<RunRecord, StoreError> {
    Ok(RunRecord {
        run_id: text(row, "run_id")?,
        trigger: text(row, "trigger")?,
        started_by: text(row, "started_by")?,
        started_at: ts(row, "started_at")?,
        finished_at: ts(row, "finished_at")?,
        summary: json(row, "summary")?,
    })
}

/// Records a run (at its end, with its evidence in the same transaction).
pub async fn insert_run(tx: &mut Tx, r: &RunRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO compliance_runs (run_id, trigger, started_by, started_at, finished_at, summary) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.run_id.clone())
    .bind(r.trigger.clone())
    .bind(r.started_by.clone())
    .bind(format_timestamp(&r.started_at))
    .bind(format_timestamp(&r.finished_at))
    .bind(to_json(&r.summary))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Runs, newest first (at most `limit`).
pub async fn runs(tx: &mut Tx, limit: u32) -> Result<Vec<RunRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM compliance_runs ORDER BY started_at DESC, run_id DESC LIMIT $1")
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(run).collect()
}

/// A piece of evidence: a control's result in a run, or a file uploaded for a manual control.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRecord {
    /// Id.
    pub evidence_id: String,
    /// The control (`requests_on_time`, `manual.encryption`).
    pub control: String,
    /// The run that computed it (none for an upload).
    pub run_id: Option<String>,
    /// Whether the control passed (an upload: true).
    pub passed: bool,
    /// What was found, in words.
    pub summary: String,
    /// The figures (JSON).
    pub figures: serde_json::Value,
    /// SHA-256 of the inputs the control looked at (an upload: of the file).
    pub inputs_sha256: String,
    /// SHA-256 of this record's canonical JSON: what the ledger leaf holds.
    pub evidence_sha256: String,
    /// The ledger leaf that holds the hash.
    pub leaf_index: u64,
    /// When it was computed or uploaded.
    pub evaluated_at: Timestamp,
    /// An upload's file name.
    pub file_name: Option<String>,
    /// An upload's media type.
    pub content_type: Option<String>,
    /// An upload's owner (who keeps it current, an email).
    pub owner: Option<String>,
    /// When an upload must be reviewed again (`YYYY-MM-DD`).
    pub review_on: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

fn evidence(row: &AnyRow) -> Result<EvidenceRecord, StoreError> {
    let leaf: i64 = row.try_get("leaf_index").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(EvidenceRecord {
        evidence_id: text(row, "evidence_id")?,
        control: text(row, "control")?,
        run_id: opt_text(row, "run_id")?,
        passed: flag(row, "passed")?,
        summary: text(row, "summary")?,
        figures: json(row, "figures")?,
        inputs_sha256: text(row, "inputs_sha256")?,
        evidence_sha256: text(row, "evidence_sha256")?,
        leaf_index: u64::try_from(leaf).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        evaluated_at: ts(row, "evaluated_at")?,
        file_name: opt_text(row, "file_name")?,
        content_type: opt_text(row, "content_type")?,
        owner: opt_text(row, "owner")?,
        review_on: opt_text(row, "review_on")?,
        recorded_by: text(row, "recorded_by")?,
    })
}

const EVIDENCE_COLUMNS: &str = "evidence_id, control, run_id, passed, summary, figures, inputs_sha256, evidence_sha256, leaf_index, \
     evaluated_at, file_name, content_type, owner, review_on, recorded_by";

/// Stores evidence, with an upload's content.
pub async fn insert_evidence(tx: &mut Tx, e: &EvidenceRecord, content: Option<&[u8]>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO evidence (evidence_id, control, run_id, passed, summary, figures, inputs_sha256, evidence_sha256, leaf_index, \
         evaluated_at, file_name, content_type, owner, review_on, recorded_by, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(e.evidence_id.clone())
    .bind(e.control.clone())
    .bind(e.run_id.clone())
    .bind(b(e.passed))
    .bind(e.summary.clone())
    .bind(to_json(&e.figures))
    .bind(e.inputs_sha256.clone())
    .bind(e.evidence_sha256.clone())
    .bind(i64::try_from(e.leaf_index).unwrap_or(i64::MAX))
    .bind(format_timestamp(&e.evaluated_at))
    .bind(e.file_name.clone())
    .bind(e.content_type.clone())
    .bind(e.owner.clone())
    .bind(e.review_on.clone())
    .bind(e.recorded_by.clone())
    .bind(content.map(<[u8]>::to_vec))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The newest evidence of every control.
pub async fn latest_evidence(tx: &mut Tx) -> Result<Vec<EvidenceRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {EVIDENCE_COLUMNS} FROM evidence e WHERE e.evidence_id = (SELECT x.evidence_id FROM evidence x WHERE x.control = e.control \
         ORDER BY x.evaluated_at DESC, x.evidence_id DESC LIMIT 1) ORDER BY e.control"
    )))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(evidence).collect()
}

/// Evidence, newest first, of one control or all (at most `limit`).
pub async fn evidence_of(tx: &mut Tx, control: Option<&str>, limit: u32) -> Result<Vec<EvidenceRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE ($1 IS NULL OR control = $1) ORDER BY evaluated_at DESC, evidence_id DESC LIMIT $2"
    )))
    .bind(control.map(str::to_owned))
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(evidence).collect()
}

/// One piece of evidence, with an upload's content.
pub async fn get_evidence(tx: &mut Tx, evidence_id: &str) -> Result<Option<(EvidenceRecord, Option<Vec<u8>>)>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {EVIDENCE_COLUMNS}, content FROM evidence WHERE evidence_id = $1")))
        .bind(evidence_id.to_owned())
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| Ok((evidence(&r)?, opt_bytes(&r, "content")?))).transpose()
}

/// What the built-in controls count in the live system. Every figure is one aggregate query
/// over an indexed or bounded set, so a run costs the same whatever the tables hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LiveCounts {
    /// Consents in force as granted.
    pub consents_granted: i64,
    /// ... of which the event lacks a notice version or text hash.
    pub consents_without_notice: i64,
    /// Requests received in the lookback.
    pub requests: i64,
    /// ... closed after their due date.
    pub requests_closed_late: i64,
    /// Requests open past their due date (any age).
    pub requests_open_overdue: i64,
    /// Significant decisions in the lookback (shadow ones excluded).
    pub significant_decisions: i64,
    /// ... without a stored explanation.
    pub significant_unexplained: i64,
    /// Reviews waiting past their due time.
    pub reviews_overdue: i64,
    /// Approved model versions.
    pub models_approved: i64,
    /// ... whose approval has expired.
    pub approvals_expired: i64,
    /// Fairness audit schedules.
    pub audit_schedules: i64,
    /// ... overdue by more than a day.
    pub audit_schedules_overdue: i64,
    /// Monitors.
    pub monitors: i64,
    /// Notifications made late.
    pub notifications_late: i64,
    /// ... without the reasons recorded.
    pub notifications_late_unexplained: i64,
}

async fn count(tx: &mut Tx, sql: &'static str, binds: &[String]) -> Result<i64, StoreError> {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for v in binds {
        q = q.bind(v.clone());
    }
    Ok(q.fetch_one(tx.conn()).await?)
}

/// Counts the live system for the built-in controls, as of `at`, looking back to `since`.
pub async fn live_counts(tx: &mut Tx, at: &Timestamp, since: &Timestamp) -> Result<LiveCounts, StoreError> {
    let (at, since) = (format_timestamp(at), format_timestamp(since));
    let day_ago = format_timestamp(&(custos_core::parse_timestamp(&at).unwrap_or_default() - chrono::Duration::days(1)));
    Ok(LiveCounts {
        consents_granted: count(tx, "SELECT COUNT(*) FROM consents WHERE status = 'granted'", &[]).await?,
        consents_without_notice: count(
            tx,
            "SELECT COUNT(*) FROM consents c JOIN consent_events e ON e.event_id = c.event_id WHERE c.status = 'granted' \
             AND (e.notice_version IS NULL OR e.notice_text_sha256 IS NULL OR e.notice_text_sha256 = '')",
            &[],
        )
        .await?,
        requests: count(tx, "SELECT COUNT(*) FROM dsrs WHERE received_at >= $1", std::slice::from_ref(&since)).await?,
        requests_closed_late: count(
            tx,
            "SELECT COUNT(*) FROM dsrs WHERE received_at >= $1 AND closed_at IS NOT NULL AND closed_at > due_at",
            std::slice::from_ref(&since),
        )
        .await?,
        requests_open_overdue: count(tx, "SELECT COUNT(*) FROM dsrs WHERE closed_at IS NULL AND due_at < $1", std::slice::from_ref(&at))
            .await?,
        significant_decisions: count(
            tx,
            "SELECT COUNT(*) FROM decisions WHERE created_at >= $1 AND significant = 1 AND status <> 'shadow'",
            std::slice::from_ref(&since),
        )
        .await?,
        significant_unexplained: count(
            tx,
            "SELECT COUNT(*) FROM decisions d WHERE d.created_at >= $1 AND d.significant = 1 AND d.status <> 'shadow' \
             AND d.decided_by = 'model' AND NOT EXISTS (SELECT 1 FROM decision_explanations x WHERE x.decision_id = d.decision_id)",
            std::slice::from_ref(&since),
        )
        .await?,
        reviews_overdue: count(
            tx,
            "SELECT COUNT(*) FROM reviews WHERE status IN ('open', 'claimed') AND due_at < $1",
            std::slice::from_ref(&at),
        )
        .await?,
        models_approved: count(tx, "SELECT COUNT(*) FROM models WHERE state = 'approved'", &[]).await?,
        approvals_expired: count(
            tx,
            "SELECT COUNT(*) FROM models WHERE state = 'approved' AND approval_expires_at IS NOT NULL AND approval_expires_at < $1",
            std::slice::from_ref(&at),
        )
        .await?,
        audit_schedules: count(tx, "SELECT COUNT(*) FROM fairness_schedules", &[]).await?,
        audit_schedules_overdue: count(
            tx,
            "SELECT COUNT(*) FROM fairness_schedules WHERE next_run_at < $1",
            std::slice::from_ref(&day_ago),
        )
        .await?,
        monitors: count(tx, "SELECT COUNT(*) FROM monitors", &[]).await?,
        notifications_late: count(tx, "SELECT COUNT(*) FROM incident_notifications WHERE late_seconds > 0", &[]).await?,
        notifications_late_unexplained: count(
            tx,
            "SELECT COUNT(*) FROM incident_notifications WHERE late_seconds > 0 AND late_reason_ct IS NULL",
            &[],
        )
        .await?,
    })
}

/// The distinct jurisdictions of subjects not erased (at most 1,000).
pub async fn jurisdictions(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT DISTINCT jurisdiction FROM subjects WHERE erased_at IS NULL AND jurisdiction IS NOT NULL LIMIT 1000")
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| text(r, "jurisdiction")).collect()
}

/// Whether any decision was flagged significant.
pub async fn any_significant_decision(tx: &mut Tx) -> Result<bool, StoreError> {
    Ok(count(tx, "SELECT COUNT(*) FROM (SELECT 1 FROM decisions WHERE significant = 1 LIMIT 1) s", &[]).await? > 0)
}

/// When the newest signed checkpoint was published, if any.
pub async fn latest_checkpoint_at(tx: &mut Tx) -> Result<Option<Timestamp>, StoreError> {
    let row = sqlx::query("SELECT published_at FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1").fetch_optional(tx.conn()).await?;
    row.as_ref().map(|r| ts(r, "published_at")).transpose()
}

/// Gate checks since `since` under a sale or sharing purpose for a subject with GPC set, per
/// subject jurisdiction: (jurisdiction, checks, allowed).
pub async fn gpc_checks(tx: &mut Tx, since: &Timestamp) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.jurisdiction AS jurisdiction, COUNT(*) AS checks, SUM(CASE WHEN g.decision = 'allow' THEN 1 ELSE 0 END) AS allowed \
         FROM gate_checks g JOIN purposes p ON p.purpose = g.purpose JOIN subjects s ON s.subject_id = g.subject_id \
         WHERE g.checked_at >= $1 AND g.gpc = 1 AND p.sale_or_share = 1 GROUP BY s.jurisdiction LIMIT 1000",
    )
    .bind(format_timestamp(since))
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let n = |c: &str| r.try_get::<i64, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
            Ok((opt_text(r, "jurisdiction")?.unwrap_or_default(), n("checks")?, n("allowed")?))
        })
        .collect()
}

/// One group of gate checks since a time: (purpose, recipient vendor id, decision, released
/// categories as stored JSON, how many).
pub type CheckFlow = (String, Option<String>, String, String, i64);

/// Gate checks since `since`, grouped by purpose, recipient, decision and the categories
/// released (a handful of groups per purpose: releases are sets of declared categories); at most
/// 10,000 groups.
pub async fn check_flows(tx: &mut Tx, since: &Timestamp) -> Result<Vec<CheckFlow>, StoreError> {
    let rows = sqlx::query(
        "SELECT purpose, recipient, decision, released, COUNT(*) AS n FROM gate_checks WHERE checked_at >= $1 \
         GROUP BY purpose, recipient, decision, released LIMIT 10000",
    )
    .bind(format_timestamp(since))
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n").map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((text(r, "purpose")?, opt_text(r, "recipient")?, text(r, "decision")?, text(r, "released")?, n))
        })
        .collect()
}

/// The requests late as of `at`: closed after their due date (received since `since`) or open
/// past it, earliest due first (at most `limit` ids).
pub async fn late_requests(tx: &mut Tx, since: &Timestamp, at: &Timestamp, limit: u32) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT dsr_id FROM dsrs WHERE (received_at >= $1 AND closed_at IS NOT NULL AND closed_at > due_at) \
         OR (closed_at IS NULL AND due_at < $2) ORDER BY due_at, dsr_id LIMIT $3",
    )
    .bind(format_timestamp(since))
    .bind(format_timestamp(at))
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| text(r, "dsr_id")).collect()
}

/// An approved model version and its newest passing validation report, for the control that
/// asks for a current one.
#[derive(Debug, Clone)]
pub struct ApprovedModel {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The AI system it belongs to (its validation policy sets the report's age limit).
    pub ai_system_id: Option<String>,
    /// When its newest passing validation finished (none: never validated with a pass).
    pub validated_at: Option<Timestamp>,
}

/// Approved model versions with their newest passing validation (at most 1,000).
pub async fn approved_models(tx: &mut Tx) -> Result<Vec<ApprovedModel>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.name AS name, m.version AS version, m.ai_system_id AS ai_system_id, \
         (SELECT MAX(v.finished_at) FROM validations v WHERE v.model_id = m.model_id AND v.passed = 1 AND v.finished_at IS NOT NULL) \
         AS validated_at FROM models m WHERE m.state = 'approved' ORDER BY m.name, m.version LIMIT 1000",
    )
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ApprovedModel {
                name: text(r, "name")?,
                version: text(r, "version")?,
                ai_system_id: opt_text(r, "ai_system_id")?,
                validated_at: opt_text(r, "validated_at")?.and_then(|t| custos_core::parse_timestamp(&t)),
            })
        })
        .collect()
}

/// Decisions since a time acted on without the gate's permission.
#[derive(Debug, Clone, Default)]
pub struct UngatedDecisions {
    /// Decisions made by a model since then (shadow ones excluded).
    pub decisions: i64,
    /// ... quoting no gate check.
    pub without_check: i64,
    /// ... quoting a check that allowed the use, made after the subject withdrew or refused
    /// consent for the purpose (the permission was stale when it was acted on).
    pub after_withdrawal: i64,
    /// Up to the limit of each kind, by id, newest first.
    pub examples: Vec<String>,
}

/// Counts decisions made since `since` without a gate check, or on one a later withdrawal or
/// refusal of consent had overtaken (marked when the decision was logged), with up to `limit`
/// ids of each kind. One pass over the window's decisions; the examples, newest first, only
/// when there are any.
pub async fn ungated_decisions(tx: &mut Tx, since: &Timestamp, limit: u32) -> Result<UngatedDecisions, StoreError> {
    let since = format_timestamp(since);
    let row = sqlx::query(
        "SELECT COUNT(*) AS decisions, COALESCE(SUM(CASE WHEN check_id IS NULL THEN 1 ELSE 0 END), 0) AS without_check, \
         COALESCE(SUM(CASE WHEN check_overtaken = 1 THEN 1 ELSE 0 END), 0) AS after_withdrawal \
         FROM decisions WHERE created_at >= $1 AND status <> 'shadow' AND decided_by = 'model'",
    )
    .bind(since.clone())
    .fetch_one(tx.conn())
    .await?;
    let n = |c: &str| row.try_get::<i64, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
    let (decisions, without_check, after_withdrawal) = (n("decisions")?, n("without_check")?, n("after_withdrawal")?);
    let mut examples = Vec::new();
    if without_check > 0 {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT decision_id FROM decisions WHERE created_at >= $1 AND status <> 'shadow' AND decided_by = 'model' \
             AND check_id IS NULL ORDER BY created_at DESC LIMIT $2",
        )
        .bind(since.clone())
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
        examples.extend(ids);
    }
    if after_withdrawal > 0 {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT decision_id FROM decisions WHERE created_at >= $1 AND status <> 'shadow' AND decided_by = 'model' \
             AND check_overtaken = 1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(since.clone())
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
        examples.extend(ids);
    }
    Ok(UngatedDecisions { decisions, without_check, after_withdrawal, examples })
}

/// How many values of a category collected before `cutoff` are still held: after a retention
/// run with that cutoff, what it should have deleted and did not.
pub async fn held_before(tx: &mut Tx, category: &str, cutoff: &Timestamp) -> Result<i64, StoreError> {
    count(
        tx,
        "SELECT COUNT(*) FROM subject_data WHERE data_category = $1 AND collected_at < $2",
        &[category.to_owned(), format_timestamp(cutoff)],
    )
    .await
}

/// The AI systems customers interact with directly, by name, each with how many languages its
/// disclosure is published in and how often it was served since `since_day` (`YYYY-MM-DD`).
pub async fn disclosures_served(tx: &mut Tx, since_day: &str) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.name, (SELECT COUNT(DISTINCT d.language) FROM ai_disclosures d WHERE d.ai_system_id = s.ai_system_id) AS languages, \
         COALESCE((SELECT CAST(SUM(v.served) AS BIGINT) FROM ai_disclosure_serves v WHERE v.ai_system_id = s.ai_system_id AND v.day >= $1), 0) \
         AS served FROM ai_systems s WHERE s.direct_interaction = 1 ORDER BY s.name LIMIT 1000",
    )
    .bind(since_day)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let n = |c: &str| r.try_get::<i64, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
            Ok((crate::rows::text(r, "name")?, n("languages")?, n("served")?))
        })
        .collect()
}

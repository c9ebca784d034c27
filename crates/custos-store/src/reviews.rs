//! Human oversight: review rules (versioned), reviews of decisions, and each reviewer's
//! verdict with the time they took.

use custos_core::{
    DecisionId, DsrId, PurposeKey, ReviewAction, ReviewId, ReviewStatus, ReviewTrigger, Role, RuleId, SubjectId, Timestamp,
    format_timestamp,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
// Dynamic SQL here only splices column names and placeholders from constants, never input.
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{StoreError, rows::*, tx::Tx};

/// One version of a review rule. Its conditions are a JSON document the service reads (the
/// store keeps them as they were written, so an old version reads as it was).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRuleRecord {
    /// Stable across versions.
    pub rule_id: RuleId,
    /// What people call it.
    pub name: String,
    /// 1, 2, ...
    pub version: u32,
    /// When it applies (all conditions must hold).
    pub conditions: Value,
    /// Hours a reviewer has.
    pub sla_hours: u32,
    /// Who may review.
    pub required_role: Role,
    /// Who is told when a review is overdue.
    pub escalation_role: Option<Role>,
    /// Two different reviewers must agree.
    pub two_person: bool,
    /// The reviewer sees the model's outcome only after recording theirs.
    pub blind: bool,
    /// When this version was written.
    pub created_at: Timestamp,
    /// When it was deleted or replaced by a newer version.
    pub deleted_at: Option<Timestamp>,
}

/// Why a decision went to review: the rule (none for contests and suspensions) and the
/// condition that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewReason {
    /// The rule.
    pub rule_id: Option<RuleId>,
    /// Its version.
    pub rule_version: Option<u32>,
    /// The condition.
    pub code: ReviewTrigger,
}

/// A review of a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRecord {
    /// Id.
    pub review_id: ReviewId,
    /// The model's decision under review.
    pub decision_id: DecisionId,
    /// Whose decision.
    pub subject_id: SubjectId,
    /// Under which purpose.
    pub purpose: PurposeKey,
    /// Where it stands.
    pub status: ReviewStatus,
    /// Why it was opened.
    pub reasons: Vec<ReviewReason>,
    /// Who may review.
    pub required_role: Role,
    /// Who is told when it is overdue.
    pub escalation_role: Option<Role>,
    /// Two different reviewers must agree.
    pub two_person: bool,
    /// The model's outcome stays hidden until the reviewer recorded theirs.
    pub blind: bool,
    /// When a person must have decided.
    pub due_at: Timestamp,
    /// Who holds it (a staff account id).
    pub assignee: Option<String>,
    /// When the assignee took it.
    pub claimed_at: Option<Timestamp>,
    /// When it passed its due time and was escalated (it stays open).
    pub escalated_at: Option<Timestamp>,
    /// When a person resolved it.
    pub resolved_at: Option<Timestamp>,
    /// What was done.
    pub action: Option<ReviewAction>,
    /// The outcome that stands.
    pub outcome: Option<String>,
    /// The reviewer's reason code.
    pub reason_code: Option<String>,
    /// The decision that stands after review (the model's, or the person's that overrides it).
    pub final_decision_id: Option<DecisionId>,
    /// The customer's contest (a data-subject request) that opened it; resolving the review
    /// completes it.
    pub dsr_id: Option<DsrId>,
    /// When it was opened.
    pub created_at: Timestamp,
}

/// One reviewer's judgement of a review.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictRecord {
    /// The review.
    pub review_id: ReviewId,
    /// The reviewer (staff account id).
    pub user_id: String,
    /// Confirm or override.
    pub action: ReviewAction,
    /// The outcome they chose.
    pub outcome: String,
    /// Whether it is the model's outcome.
    pub agrees: bool,
    /// Their reason code.
    pub reason_code: String,
    /// Their note (sealed under the subject's key; gone once the subject is erased).
    pub note: Option<String>,
    /// When they took the review.
    pub claimed_at: Timestamp,
    /// When they recorded this.
    pub recorded_at: Timestamp,
}

fn rule_from_row(row: &AnyRow) -> Result<ReviewRuleRecord, StoreError> {
    Ok(ReviewRuleRecord {
        rule_id: RuleId::parse(&text(row, "rule_id")?)?,
        name: text(row, "name")?,
        version: int(row, "version")?,
        conditions: json(row, "conditions")?,
        sla_hours: int(row, "sla_hours")?,
        required_role: Role::parse(&text(row, "required_role")?)?,
        escalation_role: opt_text(row, "escalation_role")?.map(|r| Role::parse(&r)).transpose()?,
        two_person: flag(row, "two_person")?,
        blind: flag(row, "blind")?,
        created_at: ts(row, "created_at")?,
        deleted_at: opt_ts(row, "deleted_at")?,
    })
}

fn int(row: &AnyRow, col: &str) -> Result<u32, StoreError> {
    let v = row.try_get::<i64, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))?;
    u32::try_from(v).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Stores a rule version.
pub async fn insert_rule(tx: &mut Tx, r: &ReviewRuleRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO review_rules (rule_id, name, version, conditions, sla_hours, required_role, escalation_role, two_person, blind, \
         created_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(r.rule_id.to_string())
    .bind(&r.name)
    .bind(i64::from(r.version))
    .bind(to_json(&r.conditions))
    .bind(i64::from(r.sla_hours))
    .bind(r.required_role.as_str())
    .bind(r.escalation_role.map(|x| x.as_str()))
    .bind(b(r.two_person))
    .bind(b(r.blind))
    .bind(format_timestamp(&r.created_at))
    .bind(r.deleted_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The rules in force (the live version of each), oldest first.
pub async fn live_rules(tx: &mut Tx) -> Result<Vec<ReviewRuleRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM review_rules WHERE deleted_at IS NULL ORDER BY created_at, rule_id").fetch_all(tx.conn()).await?;
    rows.iter().map(rule_from_row).collect()
}

/// The live version of a rule.
pub async fn live_rule(tx: &mut Tx, id: &RuleId) -> Result<Option<ReviewRuleRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM review_rules WHERE rule_id = $1 AND deleted_at IS NULL")
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(rule_from_row).transpose()
}

/// Ends the live version of a rule; false if there is none.
pub async fn end_rule(tx: &mut Tx, id: &RuleId, at: &Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE review_rules SET deleted_at = $2 WHERE rule_id = $1 AND deleted_at IS NULL")
        .bind(id.to_string())
        .bind(format_timestamp(at))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The newest version number of a rule (live or not), 0 if it never existed.
pub async fn latest_version(tx: &mut Tx, id: &RuleId) -> Result<u32, StoreError> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM review_rules WHERE rule_id = $1").bind(id.to_string()).fetch_one(tx.conn()).await?;
    Ok(u32::try_from(v.unwrap_or(0)).unwrap_or(0))
}

const REVIEW_COLUMNS: &str = "review_id, decision_id, subject_id, purpose, status, reasons, required_role, escalation_role, two_person, blind, \
     due_at, assignee, claimed_at, escalated_at, resolved_at, action, outcome, reason_code, final_decision_id, dsr_id, created_at";

fn review_from_row(row: &AnyRow) -> Result<ReviewRecord, StoreError> {
    Ok(ReviewRecord {
        review_id: ReviewId::parse(&text(row, "review_id")?)?,
        decision_id: DecisionId::parse(&text(row, "decision_id")?)?,
        subject_id: SubjectId::parse(&text(row, "subject_id")?)?,
        purpose: PurposeKey::parse(&text(row, "purpose")?)?,
        status: ReviewStatus::parse(&text(row, "status")?)?,
        reasons: json(row, "reasons")?,
        required_role: Role::parse(&text(row, "required_role")?)?,
        escalation_role: opt_text(row, "escalation_role")?.map(|r| Role::parse(&r)).transpose()?,
        two_person: flag(row, "two_person")?,
        blind: flag(row, "blind")?,
        due_at: ts(row, "due_at")?,
        assignee: opt_text(row, "assignee")?,
        claimed_at: opt_ts(row, "claimed_at")?,
        escalated_at: opt_ts(row, "escalated_at")?,
        resolved_at: opt_ts(row, "resolved_at")?,
        action: opt_text(row, "action")?.map(|a| ReviewAction::parse(&a)).transpose()?,
        outcome: opt_text(row, "outcome")?,
        reason_code: opt_text(row, "reason_code")?,
        final_decision_id: opt_text(row, "final_decision_id")?.map(|d| DecisionId::parse(&d)).transpose()?,
        dsr_id: opt_text(row, "dsr_id")?.map(|d| DsrId::parse(&d)).transpose()?,
        created_at: ts(row, "created_at")?,
    })
}

/// Opens a review.
pub async fn insert(tx: &mut Tx, r: &ReviewRecord) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO reviews ({REVIEW_COLUMNS}, decision_created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, (SELECT d.created_at FROM decisions d WHERE d.decision_id = $2))"
    )))
    .bind(r.review_id.to_string())
    .bind(r.decision_id.to_string())
    .bind(r.subject_id.to_string())
    .bind(r.purpose.as_str())
    .bind(r.status.as_str())
    .bind(to_json(&r.reasons))
    .bind(r.required_role.as_str())
    .bind(r.escalation_role.map(|x| x.as_str()))
    .bind(b(r.two_person))
    .bind(b(r.blind))
    .bind(format_timestamp(&r.due_at))
    .bind(r.assignee.clone())
    .bind(r.claimed_at.as_ref().map(format_timestamp))
    .bind(r.escalated_at.as_ref().map(format_timestamp))
    .bind(r.resolved_at.as_ref().map(format_timestamp))
    .bind(r.action.map(|a| a.as_str()))
    .bind(r.outcome.clone())
    .bind(r.reason_code.clone())
    .bind(r.final_decision_id.map(|d| d.to_string()))
    .bind(r.dsr_id.map(|d| d.to_string()))
    .bind(format_timestamp(&r.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Writes a review's changing fields, if it is still in `expected` (optimistic: false when
/// another request changed it first).
pub async fn update(tx: &mut Tx, r: &ReviewRecord, expected: ReviewStatus) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE reviews SET status = $3, assignee = $4, claimed_at = $5, escalated_at = $6, resolved_at = $7, action = $8, \
         outcome = $9, reason_code = $10, final_decision_id = $11 WHERE review_id = $1 AND status = $2",
    )
    .bind(r.review_id.to_string())
    .bind(expected.as_str())
    .bind(r.status.as_str())
    .bind(r.assignee.clone())
    .bind(r.claimed_at.as_ref().map(format_timestamp))
    .bind(r.escalated_at.as_ref().map(format_timestamp))
    .bind(r.resolved_at.as_ref().map(format_timestamp))
    .bind(r.action.map(|a| a.as_str()))
    .bind(r.outcome.clone())
    .bind(r.reason_code.clone())
    .bind(r.final_decision_id.map(|d| d.to_string()))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Reviews where `column = value` (the column from the callers below, never from input), in
/// `order`.
async fn reviews_where(tx: &mut Tx, column: &str, value: String, order: &str) -> Result<Vec<ReviewRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE {column} = $1 {order}")))
        .bind(value)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(review_from_row).collect()
}

/// One review.
pub async fn get(tx: &mut Tx, id: &ReviewId) -> Result<Option<ReviewRecord>, StoreError> {
    Ok(reviews_where(tx, "review_id", id.to_string(), "").await?.into_iter().next())
}

/// The reviews of a decision, newest first.
pub async fn of_decision(tx: &mut Tx, decision: &DecisionId) -> Result<Vec<ReviewRecord>, StoreError> {
    reviews_where(tx, "decision_id", decision.to_string(), "ORDER BY created_at DESC, review_id DESC").await
}

/// A subject's reviews, newest first (at most 1000).
pub async fn of_subject(tx: &mut Tx, subject: &SubjectId) -> Result<Vec<ReviewRecord>, StoreError> {
    reviews_where(tx, "subject_id", subject.to_string(), "ORDER BY created_at DESC, review_id DESC LIMIT 1000").await
}

/// The review a contest opened.
pub async fn of_dsr(tx: &mut Tx, dsr: &DsrId) -> Result<Option<ReviewRecord>, StoreError> {
    Ok(reviews_where(tx, "dsr_id", dsr.to_string(), "").await?.into_iter().next())
}

/// Which reviews a queue shows.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    /// Only in this state.
    pub status: Option<ReviewStatus>,
    /// Only those opened by this rule.
    pub rule: Option<RuleId>,
    /// Only those held by this staff account.
    pub assignee: Option<String>,
    /// Only those due before this time.
    pub due_before: Option<Timestamp>,
    /// Only unresolved ones past their due time (escalated or not yet).
    pub overdue_at: Option<Timestamp>,
}

impl ReviewFilter {
    fn clauses(&self) -> (String, Vec<String>) {
        let mut clauses = Vec::new();
        let mut binds = Vec::new();
        if let Some(s) = self.status {
            binds.push(s.as_str().to_owned());
            clauses.push(format!("status = ${}", binds.len()));
        }
        if let Some(rule) = &self.rule {
            // Rule ids are UUIDs: no LIKE metacharacters can reach the pattern.
            binds.push(format!("%\"rule_id\":\"{rule}\"%"));
            clauses.push(format!("reasons LIKE ${}", binds.len()));
        }
        if let Some(a) = &self.assignee {
            binds.push(a.clone());
            clauses.push(format!("assignee = ${}", binds.len()));
        }
        if let Some(t) = &self.due_before {
            binds.push(format_timestamp(t));
            clauses.push(format!("due_at < ${}", binds.len()));
        }
        if let Some(t) = &self.overdue_at {
            binds.push(format_timestamp(t));
            clauses.push(format!("status <> 'resolved' AND due_at < ${}", binds.len()));
        }
        let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        (sql, binds)
    }
}

/// A page of reviews matching `filter`, soonest due first, skipping `offset`; and how many
/// match in all.
pub async fn page(tx: &mut Tx, filter: &ReviewFilter, offset: u64, limit: u32) -> Result<(Vec<ReviewRecord>, u64), StoreError> {
    let (filter_sql, binds) = filter.clauses();
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews {filter_sql} ORDER BY due_at, review_id LIMIT {} OFFSET {offset}",
        limit.max(1)
    )));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(tx.conn()).await?;
    let mut c = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT COUNT(*) FROM reviews {filter_sql}")));
    for b in &binds {
        c = c.bind(b.clone());
    }
    let total = c.fetch_one(tx.conn()).await?;
    Ok((rows.iter().map(review_from_row).collect::<Result<_, _>>()?, u64::try_from(total).unwrap_or(0)))
}

/// Unresolved reviews past their due time that were not yet escalated.
pub async fn overdue_unescalated(tx: &mut Tx, now: &Timestamp, limit: u32) -> Result<Vec<ReviewRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews WHERE status <> 'resolved' AND due_at < $1 AND escalated_at IS NULL \
         ORDER BY due_at LIMIT {}",
        limit.max(1)
    )))
    .bind(format_timestamp(now))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(review_from_row).collect()
}

/// Records a reviewer's verdict; [`StoreError::Conflict`] if they already gave one.
pub async fn insert_verdict(tx: &mut Tx, subject: &SubjectId, v: &VerdictRecord) -> Result<(), StoreError> {
    let key = crate::subjects::data_key(tx, subject).await?;
    let note_ct = crate::sealed::seal(
        key.as_ref(),
        subject,
        &crate::sealed::context("review_verdicts", &format!("{}/{}", v.review_id, v.user_id), "note"),
        v.note.as_deref(),
    )?;
    sqlx::query(
        "INSERT INTO review_verdicts (review_id, user_id, action, outcome, agrees, reason_code, note_ct, claimed_at, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(v.review_id.to_string())
    .bind(&v.user_id)
    .bind(v.action.as_str())
    .bind(&v.outcome)
    .bind(b(v.agrees))
    .bind(&v.reason_code)
    .bind(note_ct)
    .bind(format_timestamp(&v.claimed_at))
    .bind(format_timestamp(&v.recorded_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn verdict_from_row(row: &AnyRow, note: Option<String>) -> Result<VerdictRecord, StoreError> {
    Ok(VerdictRecord {
        review_id: ReviewId::parse(&text(row, "review_id")?)?,
        user_id: text(row, "user_id")?,
        action: ReviewAction::parse(&text(row, "action")?)?,
        outcome: text(row, "outcome")?,
        agrees: flag(row, "agrees")?,
        reason_code: text(row, "reason_code")?,
        note,
        claimed_at: ts(row, "claimed_at")?,
        recorded_at: ts(row, "recorded_at")?,
    })
}

/// The verdicts of a review, oldest first, notes opened.
pub async fn verdicts(tx: &mut Tx, review: &ReviewRecord) -> Result<Vec<VerdictRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM review_verdicts WHERE review_id = $1 ORDER BY recorded_at, user_id")
        .bind(review.review_id.to_string())
        .fetch_all(tx.conn())
        .await?;
    let key = crate::subjects::data_key(tx, &review.subject_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let user = text(row, "user_id")?;
        let note = crate::sealed::open(
            key.as_ref(),
            &review.subject_id,
            &crate::sealed::context("review_verdicts", &format!("{}/{user}", review.review_id), "note"),
            opt_bytes(row, "note_ct")?.as_deref(),
        )?;
        out.push(verdict_from_row(row, note)?);
    }
    Ok(out)
}

/// A verdict with the review it belongs to, for the oversight figures (no notes).
#[derive(Debug, Clone)]
pub struct VerdictFact {
    /// The verdict (note left out).
    pub verdict: VerdictRecord,
    /// The rules that opened the review.
    pub reasons: Vec<ReviewReason>,
    /// When the review was due.
    pub due_at: Timestamp,
}

/// Every verdict recorded since `since` (at most `limit`, newest first).
pub async fn verdicts_since(tx: &mut Tx, since: &Timestamp, limit: u32) -> Result<Vec<VerdictFact>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT v.review_id, v.user_id, v.action, v.outcome, v.agrees, v.reason_code, v.claimed_at, v.recorded_at, r.reasons, r.due_at \
         FROM review_verdicts v JOIN reviews r ON r.review_id = v.review_id WHERE v.recorded_at >= $1 \
         ORDER BY v.recorded_at DESC LIMIT {}",
        limit.max(1)
    )))
    .bind(format_timestamp(since))
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|row| Ok(VerdictFact { verdict: verdict_from_row(row, None)?, reasons: json(row, "reasons")?, due_at: ts(row, "due_at")? }))
        .collect()
}

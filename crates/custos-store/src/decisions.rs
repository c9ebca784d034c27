//! The decision log: decisions with sealed features and observed outcomes, and the
//! explanations of registered models' decisions.

use custos_core::{ApiKeyId, CheckId, DecidedBy, DecisionId, DecisionStatus, ModelId, PurposeKey, SubjectId, Timestamp, format_timestamp};
use serde_json::Value;
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{Backend, StoreError, rows::*, tx::Tx};

/// A logged AI decision, decrypted.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    /// Id.
    pub decision_id: DecisionId,
    /// About whom.
    pub subject_id: SubjectId,
    /// Under which purpose.
    pub purpose: PurposeKey,
    /// The gate check that allowed the data use.
    pub check_id: Option<CheckId>,
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// What was decided.
    pub outcome: String,
    /// Model score.
    pub score: Option<f64>,
    /// The model's input features (personal data; encrypted at rest, gone after erasure).
    pub features: Option<Value>,
    /// Ground truth, once observed.
    pub actual: Option<String>,
    /// When the ground truth was observed.
    pub observed_at: Option<Timestamp>,
    /// The API key that logged it.
    pub key_id: Option<ApiKeyId>,
    /// When.
    pub created_at: Timestamp,
    /// Whether it stands, waits for a person, or was overridden.
    pub status: DecisionStatus,
    /// Whether it has a legal or similarly significant effect (GDPR Art. 22).
    pub significant: bool,
    /// The model, or a person overriding it.
    pub decided_by: DecidedBy,
    /// The model decision a person's decision replaces.
    pub supersedes: Option<DecisionId>,
    /// A person's reason code (for their decisions).
    pub reason_code: Option<String>,
    /// Whether the quoted gate check had been overtaken, when the decision was logged, by a
    /// later withdrawal or refusal of consent (the caller acted on a cached answer).
    pub check_overtaken: bool,
}

const DECISION_COLUMNS: &str = "decision_id, subject_id, purpose, check_id, model, model_version, outcome, score, features_ct, actual_ct, observed_at, key_id, created_at, \
     status, significant, decided_by, supersedes, reason_code, check_overtaken";

/// What the decision readers select: the columns, and the plaintext `actual` of rows written
/// before it was sealed (empty once the store has converted them).
const DECISION_READ_COLUMNS: &str = "decision_id, subject_id, purpose, check_id, model, model_version, outcome, score, features_ct, \
     actual_ct, actual, observed_at, key_id, created_at, status, significant, decided_by, supersedes, reason_code, check_overtaken";

/// Logs a decision; its features are encrypted under the subject's key.
pub async fn insert(tx: &mut Tx, d: &DecisionRecord) -> Result<(), StoreError> {
    let key = if d.features.is_some() || d.actual.is_some() { crate::subjects::data_key(tx, &d.subject_id).await? } else { None };
    let features_ct = match &d.features {
        Some(f) => {
            let key = key.as_ref().ok_or(StoreError::NotFound)?;
            let bytes = serde_json::to_vec(f).map_err(|_| StoreError::Crypto("features are not serializable"))?;
            Some(key.seal(&d.subject_id, &format!("decision/{}", d.decision_id), &bytes)?)
        }
        None => None,
    };
    let actual_ct = crate::sealed::seal(
        key.as_ref(),
        &d.subject_id,
        &crate::sealed::context("decisions", &d.decision_id.to_string(), "actual"),
        d.actual.as_deref(),
    )?;
    let postgres = tx.backend() == Backend::Postgres;
    let score_param = if postgres { "CAST($8 AS DOUBLE PRECISION)" } else { "$8" };
    let query = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO decisions ({DECISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, {score_param}, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    )))
    .bind(d.decision_id.to_string())
    .bind(d.subject_id.to_string())
    .bind(d.purpose.as_str())
    .bind(d.check_id.map(|c| c.to_string()))
    .bind(&d.model)
    .bind(&d.model_version)
    .bind(&d.outcome);
    // On PostgreSQL the score travels as text and is cast in SQL: sqlx 0.9's `Any` driver
    // binds a null `f64` as `float4`, the statement cache keeps that type, and the next
    // non-null score (8 bytes) was refused as "incorrect binary data format" (a 500).
    // Rust's shortest round-trip formatting and PostgreSQL's parser keep every bit.
    let query = if postgres { query.bind(d.score.map(|s| s.to_string())) } else { query.bind(d.score) };
    query
        .bind(features_ct)
        .bind(actual_ct)
        .bind(d.observed_at.as_ref().map(format_timestamp))
        .bind(d.key_id.map(|k| k.to_string()))
        .bind(format_timestamp(&d.created_at))
        .bind(d.status.as_str())
        .bind(b(d.significant))
        .bind(d.decided_by.as_str())
        .bind(d.supersedes.map(|s| s.to_string()))
        .bind(d.reason_code.clone())
        .bind(b(d.check_overtaken))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Moves a decision from one status to another; false if it was not in `from`.
pub async fn set_status(tx: &mut Tx, id: &DecisionId, from: DecisionStatus, to: DecisionStatus) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE decisions SET status = $3 WHERE decision_id = $1 AND status = $2")
        .bind(id.to_string())
        .bind(from.as_str())
        .bind(to.as_str())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records the observed outcome of a decision; false if there is no such decision.
/// The outcome is sealed under the subject's key; for an erased subject only the time is
/// kept.
pub async fn set_outcome(tx: &mut Tx, id: &DecisionId, actual: &str, observed_at: &Timestamp) -> Result<bool, StoreError> {
    let subject: Option<String> = sqlx::query_scalar("SELECT subject_id FROM decisions WHERE decision_id = $1")
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    let Some(subject) = subject else { return Ok(false) };
    let subject = SubjectId::parse(&subject)?;
    let key = crate::subjects::data_key(tx, &subject).await?;
    let actual_ct =
        crate::sealed::seal(key.as_ref(), &subject, &crate::sealed::context("decisions", &id.to_string(), "actual"), Some(actual))?;
    let done = sqlx::query("UPDATE decisions SET actual_ct = $2, actual = NULL, observed_at = $3 WHERE decision_id = $1")
        .bind(id.to_string())
        .bind(actual_ct)
        .bind(format_timestamp(observed_at))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The first `limit` decisions of a scope in creation order, features and outcomes decrypted
/// (what a monitor compares; bounded by `limit`).
pub async fn in_scope(tx: &mut Tx, scope: &crate::DecisionScope, limit: u32) -> Result<Vec<DecisionRecord>, StoreError> {
    let (clause, binds) = crate::fairness::scope_filter(scope, 1);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DECISION_READ_COLUMNS} FROM decisions WHERE {clause} ORDER BY created_at, decision_id LIMIT {}",
        limit.max(1)
    )));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(tx.conn()).await?;
    from_rows(tx, rows).await
}

pub(crate) async fn from_rows(tx: &mut Tx, rows: Vec<AnyRow>) -> Result<Vec<DecisionRecord>, StoreError> {
    let keys = crate::sealed::SubjectKeys::of_rows(tx, &rows).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let decision_id = DecisionId::parse(&text(row, "decision_id")?)?;
        let subject_id = SubjectId::parse(&text(row, "subject_id")?)?;
        let key = keys.loaded(&subject_id);
        let features =
            crate::sealed::open_json(key, &subject_id, &format!("decision/{decision_id}"), opt_bytes(row, "features_ct")?, "features")?;
        let actual = match opt_bytes(row, "actual_ct")? {
            Some(ct) => {
                crate::sealed::open(key, &subject_id, &crate::sealed::context("decisions", &decision_id.to_string(), "actual"), Some(&ct))?
            }
            None => opt_text(row, "actual")?,
        };
        out.push(DecisionRecord {
            decision_id,
            subject_id,
            purpose: PurposeKey::parse(&text(row, "purpose")?)?,
            check_id: opt_text(row, "check_id")?.map(|c| CheckId::parse(&c)).transpose()?,
            model: text(row, "model")?,
            model_version: text(row, "model_version")?,
            outcome: text(row, "outcome")?,
            score: row.try_get::<Option<f64>, _>("score").map_err(|e| StoreError::Corrupt(e.to_string()))?,
            features,
            actual,
            observed_at: opt_ts(row, "observed_at")?,
            key_id: opt_text(row, "key_id")?.map(|k| ApiKeyId::parse(&k)).transpose()?,
            created_at: ts(row, "created_at")?,
            status: DecisionStatus::parse(&text(row, "status")?)?,
            significant: flag(row, "significant")?,
            decided_by: DecidedBy::parse(&text(row, "decided_by")?)?,
            supersedes: opt_text(row, "supersedes")?.map(|d| DecisionId::parse(&d)).transpose()?,
            reason_code: opt_text(row, "reason_code")?,
            check_overtaken: flag(row, "check_overtaken")?,
        });
    }
    Ok(out)
}

/// One decision.
pub async fn get(tx: &mut Tx, id: &DecisionId) -> Result<Option<DecisionRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {DECISION_READ_COLUMNS} FROM decisions WHERE decision_id = $1")))
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    Ok(from_rows(tx, rows).await?.into_iter().next())
}

/// Which decisions a listing shows.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    /// Only under this purpose.
    pub purpose: Option<String>,
    /// Only by this model.
    pub model: Option<String>,
    /// Only with this outcome.
    pub outcome: Option<String>,
}

impl DecisionFilter {
    /// The WHERE clauses (numbered from `$1`) and their values.
    fn clauses(&self) -> (Vec<String>, Vec<String>) {
        let mut clauses = Vec::new();
        let mut binds = Vec::new();
        for (column, value) in [("purpose", &self.purpose), ("model", &self.model), ("outcome", &self.outcome)] {
            if let Some(v) = value {
                binds.push(v.clone());
                clauses.push(format!("{column} = ${}", binds.len()));
            }
        }
        (clauses, binds)
    }
}

/// Where a page of decisions starts: a decision's (created_at, decision_id), and whether the
/// page holds the older decisions after it or the newer ones before it.
#[derive(Debug, Clone)]
pub enum DecisionCursor {
    /// The decisions older than this one.
    After(Timestamp, DecisionId),
    /// The decisions newer than this one.
    Before(Timestamp, DecisionId),
}

/// A page of decisions matching `filter`, newest first, from `cursor` (the newest when none).
pub async fn page(
    tx: &mut Tx,
    filter: &DecisionFilter,
    cursor: Option<&DecisionCursor>,
    limit: u32,
) -> Result<Vec<DecisionRecord>, StoreError> {
    let (mut clauses, mut binds) = filter.clauses();
    let mut order = "DESC";
    if let Some(c) = cursor {
        let (at, id, op) = match c {
            DecisionCursor::After(at, id) => (at, id, "<"),
            DecisionCursor::Before(at, id) => (at, id, ">"),
        };
        if matches!(c, DecisionCursor::Before(..)) {
            order = "ASC";
        }
        binds.push(format_timestamp(at));
        binds.push(id.to_string());
        clauses.push(format!("(created_at, decision_id) {op} (${}, ${})", binds.len() - 1, binds.len()));
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let sql = format!(
        "SELECT {DECISION_READ_COLUMNS} FROM decisions {filter} ORDER BY created_at {order}, decision_id {order} LIMIT {}",
        limit.max(1)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(tx.conn()).await?;
    let mut out = from_rows(tx, rows).await?;
    if order == "ASC" {
        out.reverse();
    }
    Ok(out)
}

/// How many decisions match `filter`, and how many of them are newer than `newest_shown`.
pub async fn count(
    tx: &mut Tx,
    filter: &DecisionFilter,
    newest_shown: Option<(&Timestamp, &DecisionId)>,
) -> Result<(u64, u64), StoreError> {
    let (clauses, binds) = filter.clauses();
    let filter_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT COUNT(*) FROM decisions {filter_sql}")));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total = q.fetch_one(tx.conn()).await?;
    let newer = match newest_shown {
        None => 0,
        Some((at, id)) => {
            let mut clauses = clauses;
            clauses.push(format!("(created_at, decision_id) > (${}, ${})", binds.len() + 1, binds.len() + 2));
            let mut q =
                sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT COUNT(*) FROM decisions WHERE {}", clauses.join(" AND "))));
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.bind(format_timestamp(at)).bind(id.to_string()).fetch_one(tx.conn()).await?
        }
    };
    Ok((u64::try_from(total).unwrap_or(0), u64::try_from(newer).unwrap_or(0)))
}

/// Decisions read per page by [`latest_outcomes`].
const OUTCOME_PAGE: i64 = 10_000;

/// The latest standing (`final`) decision under `purpose` of each of `subjects`, as (outcome,
/// score) by subject id: what a segment export releases as `decision.outcome` and
/// `decision.score`. Read in pages in subject order (index `decisions_outcomes`), so memory
/// follows the subjects asked for, not the decisions.
pub async fn latest_outcomes(
    tx: &mut Tx,
    purpose: &PurposeKey,
    subjects: &std::collections::HashSet<String>,
) -> Result<std::collections::HashMap<String, (String, Option<f64>)>, StoreError> {
    let mut out = std::collections::HashMap::new();
    let mut after: Option<(String, String, String)> = None;
    loop {
        let page = format!(
            "SELECT subject_id, created_at, decision_id, outcome, score FROM decisions WHERE purpose = $1 AND status = $2{} ORDER BY subject_id, created_at, decision_id LIMIT {OUTCOME_PAGE}",
            if after.is_some() { " AND (subject_id, created_at, decision_id) > ($3, $4, $5)" } else { "" }
        );
        let mut q = sqlx::query(AssertSqlSafe(page)).bind(purpose.as_str()).bind(DecisionStatus::Final.as_str());
        if let Some((s, at, id)) = &after {
            q = q.bind(s.clone()).bind(at.clone()).bind(id.clone());
        }
        let rows = q.fetch_all(tx.conn()).await?;
        for row in &rows {
            // Rows come oldest first per subject: the last one read stands.
            let score = row.try_get::<Option<f64>, _>("score").map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let subject = text(row, "subject_id")?;
            if subjects.contains(&subject) {
                out.insert(subject, (text(row, "outcome")?, score));
            }
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == OUTCOME_PAGE => {
                after = Some((text(last, "subject_id")?, text(last, "created_at")?, text(last, "decision_id")?));
            }
            _ => return Ok(out),
        }
    }
}

/// A subject's decisions, newest first.
pub async fn for_subject(tx: &mut Tx, subject: &SubjectId, limit: u32) -> Result<Vec<DecisionRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {DECISION_READ_COLUMNS} FROM decisions WHERE subject_id = $1 ORDER BY created_at DESC LIMIT $2"
    )))
    .bind(subject.to_string())
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    from_rows(tx, rows).await
}

/// A subject's decisions under one purpose, newest first (at most `limit`).
pub async fn for_subject_and_purpose(
    tx: &mut Tx,
    subject: &SubjectId,
    purpose: &PurposeKey,
    limit: u32,
) -> Result<Vec<DecisionRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {DECISION_READ_COLUMNS} FROM decisions WHERE subject_id = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT $3"
    )))
    .bind(subject.to_string())
    .bind(purpose.as_str())
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    from_rows(tx, rows).await
}

/// How many months ahead [`make_partitions`] prepares, besides the current one.
pub const PARTITION_MONTHS_AHEAD: u32 = 2;

/// PostgreSQL keeps the decision log partitioned by month (migration 0041): makes the
/// partitions of the month of `at` and the [`PARTITION_MONTHS_AHEAD`] months after it, and of
/// every month the default partition holds rows for (decisions logged for a month that had no
/// partition yet: imported or back-dated ones), moving those rows in. Answers the partitions it
/// made, as `YYYY-MM`. SQLite keeps one table: nothing to do.
pub async fn make_partitions(tx: &mut Tx, at: &Timestamp) -> Result<Vec<String>, StoreError> {
    use chrono::Datelike as _;
    if tx.backend() != Backend::Postgres {
        return Ok(Vec::new());
    }
    let mut months: Vec<String> = sqlx::query_scalar::<_, String>(
        "SELECT DISTINCT substr(created_at, 1, 7) FROM decisions_default WHERE created_at ~ '^[0-9]{4}-(0[1-9]|1[0-2])'",
    )
    .fetch_all(tx.conn())
    .await?;
    let mut month = at.date_naive().with_day(1).expect("the first of a month exists");
    for _ in 0..=PARTITION_MONTHS_AHEAD {
        months.push(month.format("%Y-%m").to_string());
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(month);
    }
    months.sort();
    months.dedup();
    let mut made = Vec::new();
    for m in months {
        if sqlx::query_scalar::<_, bool>("SELECT custos_decisions_partition($1)").bind(&m).fetch_one(tx.conn()).await? {
            made.push(m);
        }
    }
    Ok(made)
}

/// Stores a decision's explanation, sealed under its subject's key.
pub async fn insert_explanation(
    tx: &mut Tx,
    decision: &DecisionId,
    subject: &SubjectId,
    model: &ModelId,
    explanation: &Value,
    at: &Timestamp,
) -> Result<(), StoreError> {
    let key = crate::subjects::data_key(tx, subject).await?.ok_or(StoreError::NotFound)?;
    let bytes = serde_json::to_vec(explanation).map_err(|_| StoreError::Crypto("explanation is not serializable"))?;
    let sealed = key.seal(subject, &format!("explanation/{decision}"), &bytes)?;
    // The decision's created_at goes with its id: on PostgreSQL the foreign key to the
    // month-partitioned log needs both (migration 0041).
    sqlx::query(
        "INSERT INTO decision_explanations (decision_id, model_id, explanation_ct, created_at, decision_created_at) \
         VALUES ($1, $2, $3, $4, (SELECT d.created_at FROM decisions d WHERE d.decision_id = $1))",
    )
    .bind(decision.to_string())
    .bind(model.to_string())
    .bind(sealed)
    .bind(format_timestamp(at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The explanations of a subject's decisions, opened (one read for a page that lists them).
pub async fn explanations_of_subject(tx: &mut Tx, subject: &SubjectId) -> Result<Vec<(DecisionId, Value)>, StoreError> {
    documents_of_subject(tx, subject, Sealed::Explanation).await
}

/// The counterfactuals of a subject's decisions that have one, opened (one read).
pub async fn counterfactuals_of_subject(tx: &mut Tx, subject: &SubjectId) -> Result<Vec<(DecisionId, Value)>, StoreError> {
    documents_of_subject(tx, subject, Sealed::Counterfactual).await
}

/// Every document of one kind sealed beside a subject's decisions, opened with one key unwrap.
async fn documents_of_subject(tx: &mut Tx, subject: &SubjectId, which: Sealed) -> Result<Vec<(DecisionId, Value)>, StoreError> {
    // The column comes from the enum, never from input.
    let (sql, prefix) = match which {
        Sealed::Explanation => (
            "SELECT e.decision_id, e.explanation_ct AS sealed FROM decision_explanations e JOIN decisions d ON d.decision_id = e.decision_id \
             WHERE d.subject_id = $1",
            "explanation",
        ),
        Sealed::Counterfactual => (
            "SELECT e.decision_id, e.counterfactual_ct AS sealed FROM decision_explanations e JOIN decisions d ON d.decision_id = e.decision_id \
             WHERE d.subject_id = $1",
            "counterfactual",
        ),
    };
    let rows = sqlx::query(sql).bind(subject.to_string()).fetch_all(tx.conn()).await?;
    let Some(key) = crate::subjects::data_key(tx, subject).await? else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let decision = DecisionId::parse(&text(row, "decision_id")?)?;
        let Some(sealed) = opt_bytes(row, "sealed")? else { continue };
        let bytes = key.open(subject, &format!("{prefix}/{decision}"), &sealed)?;
        out.push((decision, serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt(format!("{prefix} is not JSON")))?));
    }
    Ok(out)
}

/// A decision's explanation, opened; `None` if it has none (or its subject was erased).
pub async fn explanation(tx: &mut Tx, decision: &DecisionId) -> Result<Option<Value>, StoreError> {
    sealed_document(tx, decision, Sealed::Explanation).await
}

/// The documents sealed beside a decision (in `decision_explanations`).
#[derive(Clone, Copy)]
enum Sealed {
    Explanation,
    Counterfactual,
}

/// Opens a document sealed beside a decision; `None` if it has none (or its subject was erased).
async fn sealed_document(tx: &mut Tx, decision: &DecisionId, which: Sealed) -> Result<Option<Value>, StoreError> {
    // The column and the context come from the enum, never from input.
    let (sql, column, context) = match which {
        Sealed::Explanation => (
            "SELECT d.subject_id, e.explanation_ct AS sealed FROM decision_explanations e JOIN decisions d ON d.decision_id = e.decision_id \
             WHERE e.decision_id = $1",
            "explanation",
            format!("explanation/{decision}"),
        ),
        Sealed::Counterfactual => (
            "SELECT d.subject_id, e.counterfactual_ct AS sealed FROM decision_explanations e JOIN decisions d ON d.decision_id = e.decision_id \
             WHERE e.decision_id = $1",
            "counterfactual",
            format!("counterfactual/{decision}"),
        ),
    };
    let row = sqlx::query(sql).bind(decision.to_string()).fetch_optional(tx.conn()).await?;
    let Some(row) = row else { return Ok(None) };
    let subject = SubjectId::parse(&text(&row, "subject_id")?)?;
    let Some(sealed) = opt_bytes(&row, "sealed")? else { return Ok(None) };
    let Some(key) = crate::subjects::data_key(tx, &subject).await? else { return Ok(None) };
    let bytes = key.open(&subject, &context, &sealed)?;
    Ok(Some(serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt(format!("{column} is not JSON")))?))
}

/// Stores the counterfactual of a decision with an explanation, sealed under its subject's
/// key; false if the decision has no explanation or its subject was erased.
pub async fn set_counterfactual(tx: &mut Tx, decision: &DecisionId, subject: &SubjectId, doc: &Value) -> Result<bool, StoreError> {
    let Some(key) = crate::subjects::data_key(tx, subject).await? else { return Ok(false) };
    let bytes = serde_json::to_vec(doc).map_err(|_| StoreError::Crypto("counterfactual is not serializable"))?;
    let sealed = key.seal(subject, &format!("counterfactual/{decision}"), &bytes)?;
    let done = sqlx::query("UPDATE decision_explanations SET counterfactual_ct = $2 WHERE decision_id = $1")
        .bind(decision.to_string())
        .bind(sealed)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A decision's counterfactual, opened; `None` until computed (or once its subject is erased).
pub async fn counterfactual(tx: &mut Tx, decision: &DecisionId) -> Result<Option<Value>, StoreError> {
    sealed_document(tx, decision, Sealed::Counterfactual).await
}

//! Privacy-preserving segmentation: saved segments, each purpose's versioned export policy, its
//! privacy budget (one row per purpose that every spend locks, and the spends), and the exports
//! made (their reports and sealed files).

use custos_core::{ExportId, QueryId, SegmentId, Timestamp, format_timestamp};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use crate::{StoreError, rows::*, tx::Tx};

/// A saved segment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRecord {
    /// Id.
    pub segment_id: SegmentId,
    /// Its name (unique).
    pub name: String,
    /// The jurisdictions whose subjects it holds (empty: every jurisdiction).
    pub jurisdictions: Vec<String>,
    /// Per data category, the values a subject's value must be one of (a JSON object).
    pub filter: Value,
    /// The data categories exported about each subject.
    pub fields: Vec<String>,
    /// Who saved it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// One version of a purpose's export policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRecord {
    /// The purpose it governs.
    pub purpose: String,
    /// 1, 2, ...
    pub version: i64,
    /// The policy (JSON, as the service validated it).
    pub policy: Value,
    /// The version whose change last reset the privacy budget.
    pub budget_epoch: i64,
    /// Who set it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// What a purpose spent of its privacy budget since the budget was last reset.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRecord {
    /// The purpose.
    pub purpose: String,
    /// The policy version the spend counts from.
    pub budget_epoch: i64,
    /// Pure epsilon spent, while every release was pure.
    pub spent_epsilon: Option<f64>,
    /// zCDP rho spent.
    pub spent_rho: f64,
    /// Releases counted.
    pub queries: i64,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// One release that spent privacy budget.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendRecord {
    /// Id.
    pub query_id: QueryId,
    /// The purpose whose budget it spent.
    pub purpose: String,
    /// The segment it was asked over (none: every subject the purpose may use).
    pub segment_id: Option<SegmentId>,
    /// The policy version in force.
    pub policy_version: i64,
    /// The budget's epoch it counts in.
    pub budget_epoch: i64,
    /// `count`, `sum`, `mean` or `histogram`.
    pub statistic: String,
    /// Pure epsilon spent (none for a zCDP release).
    pub epsilon: Option<f64>,
    /// zCDP rho spent.
    pub rho: f64,
    /// The export that made it, if one did.
    pub export_id: Option<ExportId>,
    /// Who asked.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// An export as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRecord {
    /// Id.
    pub export_id: ExportId,
    /// The purpose it was made under.
    pub purpose: String,
    /// The segment exported.
    pub segment_id: SegmentId,
    /// The export policy version applied.
    pub policy_version: i64,
    /// `rows` (generalized records) or `statistics` (differentially private figures).
    pub release: String,
    /// `csv` or `parquet`.
    pub format: String,
    /// The vendor it goes to, if it leaves the business.
    pub recipient: Option<String>,
    /// `available` or `deleted` (its retention ended).
    pub status: String,
    /// The report (JSON).
    pub report: Value,
    /// SHA-256 of the file as delivered (hex).
    pub file_sha256: String,
    /// Its size in bytes.
    pub file_bytes: i64,
    /// Where the sealed file is, while it is kept.
    pub file_path: Option<String>,
    /// The file's key, wrapped by the deployment's root.
    pub file_key: Option<Vec<u8>>,
    /// When the file is deleted.
    pub retain_until: Timestamp,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When its file was deleted.
    pub deleted_at: Option<Timestamp>,
}

fn int(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn real(row: &AnyRow, col: &str) -> Result<f64, StoreError> {
    row.try_get::<f64, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn opt_real(row: &AnyRow, col: &str) -> Result<Option<f64>, StoreError> {
    row.try_get::<Option<f64>, _>(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn segment_from(row: &AnyRow) -> Result<SegmentRecord, StoreError> {
    Ok(SegmentRecord {
        segment_id: SegmentId::parse(&text(row, "segment_id")?)?,
        name: text(row, "name")?,
        jurisdictions: json(row, "jurisdictions")?,
        filter: json(row, "filter")?,
        fields: json(row, "fields")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
    })
}

fn policy_from(row: &AnyRow) -> Result<PolicyRecord, StoreError> {
    Ok(PolicyRecord {
        purpose: text(row, "purpose")?,
        version: int(row, "version")?,
        policy: json(row, "policy")?,
        budget_epoch: int(row, "budget_epoch")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
    })
}

fn budget_from(row: &AnyRow) -> Result<BudgetRecord, StoreError> {
    Ok(BudgetRecord {
        purpose: text(row, "purpose")?,
        budget_epoch: int(row, "budget_epoch")?,
        spent_epsilon: opt_real(row, "spent_epsilon")?,
        spent_rho: real(row, "spent_rho")?,
        queries: int(row, "queries")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn spend_from(row: &AnyRow) -> Result<SpendRecord, StoreError> {
    Ok(SpendRecord {
        query_id: QueryId::parse(&text(row, "query_id")?)?,
        purpose: text(row, "purpose")?,
        segment_id: opt_text(row, "segment_id")?.map(|s| SegmentId::parse(&s)).transpose()?,
        policy_version: int(row, "policy_version")?,
        budget_epoch: int(row, "budget_epoch")?,
        statistic: text(row, "statistic")?,
        epsilon: opt_real(row, "epsilon")?,
        rho: real(row, "rho")?,
        export_id: opt_text(row, "export_id")?.map(|s| ExportId::parse(&s)).transpose()?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
    })
}

fn export_from(row: &AnyRow) -> Result<ExportRecord, StoreError> {
    Ok(ExportRecord {
        export_id: ExportId::parse(&text(row, "export_id")?)?,
        purpose: text(row, "purpose")?,
        segment_id: SegmentId::parse(&text(row, "segment_id")?)?,
        policy_version: int(row, "policy_version")?,
        release: text(row, "release")?,
        format: text(row, "format")?,
        recipient: opt_text(row, "recipient")?,
        status: text(row, "status")?,
        report: json(row, "report")?,
        file_sha256: text(row, "file_sha256")?,
        file_bytes: int(row, "file_bytes")?,
        file_path: opt_text(row, "file_path")?,
        file_key: opt_bytes(row, "file_key")?,
        retain_until: ts(row, "retain_until")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        deleted_at: opt_ts(row, "deleted_at")?,
    })
}

/// Stores a new segment ([`StoreError::Conflict`] when the name is taken).
pub async fn insert_segment(tx: &mut Tx, s: &SegmentRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO segments (segment_id, name, jurisdictions, filter, fields, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.segment_id.to_string())
    .bind(s.name.clone())
    .bind(to_json(&s.jurisdictions))
    .bind(to_json(&s.filter))
    .bind(to_json(&s.fields))
    .bind(s.created_by.clone())
    .bind(format_timestamp(&s.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One segment.
pub async fn segment(tx: &mut Tx, id: &SegmentId) -> Result<Option<SegmentRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM segments WHERE segment_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(segment_from).transpose()
}

/// Segments by name (at most `limit`).
pub async fn segments(tx: &mut Tx, limit: u32) -> Result<Vec<SegmentRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM segments ORDER BY name, segment_id LIMIT $1").bind(i64::from(limit)).fetch_all(tx.conn()).await?;
    rows.iter().map(segment_from).collect()
}

/// Stores a new version of a purpose's export policy.
pub async fn insert_policy(tx: &mut Tx, p: &PolicyRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO export_policies (purpose, version, policy, budget_epoch, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.purpose.clone())
    .bind(p.version)
    .bind(to_json(&p.policy))
    .bind(p.budget_epoch)
    .bind(p.created_by.clone())
    .bind(format_timestamp(&p.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The policy version in force for a purpose (the latest).
pub async fn policy(tx: &mut Tx, purpose: &str) -> Result<Option<PolicyRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM export_policies WHERE purpose = $1 ORDER BY version DESC LIMIT 1")
        .bind(purpose)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(policy_from).transpose()
}

/// Every version of a purpose's policy, newest first.
pub async fn policy_versions(tx: &mut Tx, purpose: &str) -> Result<Vec<PolicyRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM export_policies WHERE purpose = $1 ORDER BY version DESC").bind(purpose).fetch_all(tx.conn()).await?;
    rows.iter().map(policy_from).collect()
}

/// The policy in force of every purpose that has one, by purpose.
pub async fn policies(tx: &mut Tx) -> Result<Vec<PolicyRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.* FROM export_policies p WHERE p.version = (SELECT MAX(q.version) FROM export_policies q WHERE q.purpose = p.purpose) \
         ORDER BY p.purpose",
    )
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(policy_from).collect()
}

/// A purpose's budget row, locked until the transaction ends (spends of one purpose are
/// serialized: two queries cannot both take the last of a budget). None before the first
/// policy.
pub async fn lock_budget(tx: &mut Tx, purpose: &str) -> Result<Option<BudgetRecord>, StoreError> {
    // An update that changes nothing takes the row's write lock on PostgreSQL and the
    // database's on SQLite.
    sqlx::query("UPDATE privacy_budgets SET queries = queries WHERE purpose = $1").bind(purpose).execute(tx.conn()).await?;
    budget(tx, purpose).await
}

/// A purpose's budget row.
pub async fn budget(tx: &mut Tx, purpose: &str) -> Result<Option<BudgetRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM privacy_budgets WHERE purpose = $1").bind(purpose).fetch_optional(tx.conn()).await?;
    row.as_ref().map(budget_from).transpose()
}

/// Every purpose's budget row, by purpose.
pub async fn budgets(tx: &mut Tx) -> Result<Vec<BudgetRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM privacy_budgets ORDER BY purpose").fetch_all(tx.conn()).await?;
    rows.iter().map(budget_from).collect()
}

/// An optional number's placeholder: on PostgreSQL it travels as text and is cast in SQL, as
/// decisions' scores do. sqlx 0.9's `Any` driver binds a null `f64` as `float4`, the statement
/// cache keeps that type, and the next number (8 bytes) on that connection was refused as
/// "incorrect binary data format" (a 500 on a private query after a zCDP release, now and then:
/// only when the pool handed back the connection that cached the null).
fn opt_number(tx: &Tx, n: usize) -> String {
    if tx.backend() == crate::Backend::Postgres { format!("CAST(${n} AS DOUBLE PRECISION)") } else { format!("${n}") }
}

/// Binds an optional number for a placeholder made by [`opt_number`].
fn bind_opt_number<'q>(
    tx: &Tx,
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: Option<f64>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    if tx.backend() == crate::Backend::Postgres { q.bind(v.map(|x| x.to_string())) } else { q.bind(v) }
}

/// Writes a purpose's budget row (inserted the first time).
pub async fn put_budget(tx: &mut Tx, b: &BudgetRecord) -> Result<(), StoreError> {
    let q = sqlx::query(AssertSqlSafe(format!(
        "UPDATE privacy_budgets SET budget_epoch = $2, spent_epsilon = {}, spent_rho = $4, queries = $5, updated_at = $6 WHERE purpose = $1",
        opt_number(tx, 3)
    )))
    .bind(b.purpose.clone())
    .bind(b.budget_epoch);
    let done = bind_opt_number(tx, q, b.spent_epsilon)
        .bind(b.spent_rho)
        .bind(b.queries)
        .bind(format_timestamp(&b.updated_at))
        .execute(tx.conn())
        .await?
        .rows_affected();
    if done == 0 {
        let q = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO privacy_budgets (purpose, budget_epoch, spent_epsilon, spent_rho, queries, updated_at) VALUES ($1, $2, {}, $4, $5, $6)",
            opt_number(tx, 3)
        )))
        .bind(b.purpose.clone())
        .bind(b.budget_epoch);
        bind_opt_number(tx, q, b.spent_epsilon)
            .bind(b.spent_rho)
            .bind(b.queries)
            .bind(format_timestamp(&b.updated_at))
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Stores a spend.
pub async fn insert_spend(tx: &mut Tx, s: &SpendRecord) -> Result<(), StoreError> {
    let q = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO privacy_spends (query_id, purpose, segment_id, policy_version, budget_epoch, statistic, epsilon, rho, export_id, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, {}, $8, $9, $10, $11)",
        opt_number(tx, 7)
    )))
    .bind(s.query_id.to_string())
    .bind(s.purpose.clone())
    .bind(s.segment_id.as_ref().map(ToString::to_string))
    .bind(s.policy_version)
    .bind(s.budget_epoch)
    .bind(s.statistic.clone());
    bind_opt_number(tx, q, s.epsilon)
        .bind(s.rho)
        .bind(s.export_id.as_ref().map(ToString::to_string))
        .bind(s.created_by.clone())
        .bind(format_timestamp(&s.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A purpose's spends, newest first (at most `limit`).
pub async fn spends(tx: &mut Tx, purpose: &str, limit: u32) -> Result<Vec<SpendRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM privacy_spends WHERE purpose = $1 ORDER BY created_at DESC, query_id LIMIT $2")
        .bind(purpose)
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(spend_from).collect()
}

/// Stores an export.
pub async fn insert_export(tx: &mut Tx, e: &ExportRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO exports (export_id, purpose, segment_id, policy_version, release, format, recipient, status, report, file_sha256, \
         file_bytes, file_path, file_key, retain_until, created_by, created_at, deleted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(e.export_id.to_string())
    .bind(e.purpose.clone())
    .bind(e.segment_id.to_string())
    .bind(e.policy_version)
    .bind(e.release.clone())
    .bind(e.format.clone())
    .bind(e.recipient.clone())
    .bind(e.status.clone())
    .bind(to_json(&e.report))
    .bind(e.file_sha256.clone())
    .bind(e.file_bytes)
    .bind(e.file_path.clone())
    .bind(e.file_key.clone())
    .bind(format_timestamp(&e.retain_until))
    .bind(e.created_by.clone())
    .bind(format_timestamp(&e.created_at))
    .bind(e.deleted_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One export.
pub async fn export(tx: &mut Tx, id: &ExportId) -> Result<Option<ExportRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM exports WHERE export_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(export_from).transpose()
}

/// Exports, newest first (at most `limit`).
pub async fn exports(tx: &mut Tx, limit: u32) -> Result<Vec<ExportRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM exports ORDER BY created_at DESC, export_id LIMIT $1")
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(export_from).collect()
}

/// Exports whose file is still kept although its retention ended by `now`.
pub async fn expired(tx: &mut Tx, now: &Timestamp, limit: u32) -> Result<Vec<ExportRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM exports WHERE status = 'available' AND retain_until <= $1 ORDER BY retain_until LIMIT $2")
        .bind(format_timestamp(now))
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(export_from).collect()
}

/// Marks an export's file deleted (its path and key forgotten); false if it was not kept.
pub async fn mark_deleted(tx: &mut Tx, id: &ExportId, at: &Timestamp) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE exports SET status = 'deleted', file_path = NULL, file_key = NULL, deleted_at = $2 WHERE export_id = $1 AND status = 'available'",
    )
    .bind(id.to_string())
    .bind(format_timestamp(at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

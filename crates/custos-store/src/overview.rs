//! The console's overview: counts across domains for the dashboard.

use custos_core::{Timestamp, format_timestamp};
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{Row, any::AnyRow};

use crate::{StoreError, rows::*, tx::Tx};

/// What the console's overview shows, counted in the database.
#[derive(Clone, Debug, Default)]
pub struct Overview {
    /// (purpose, status, subjects) of current consents.
    pub consents: Vec<(String, String, u64)>,
    /// (decision, checks) of gate checks.
    pub gate: Vec<(String, u64)>,
    /// (status, requests) of data-subject requests.
    pub dsr_by_status: Vec<(String, u64)>,
    /// Open requests due within 7 days (not yet overdue).
    pub dsr_due_soon: u64,
    /// Open requests past their due date.
    pub dsr_overdue: u64,
    /// (jurisdiction, status, subjects) of current consents.
    pub consents_by_jurisdiction: Vec<(String, String, u64)>,
    /// (month `YYYY-MM` the consent was captured, status, events) of consent events.
    pub consent_events_by_month: Vec<(String, String, u64)>,
    /// Risks not closed whose review date has passed.
    pub risk_reviews_overdue: u64,
}

/// The overview counts at `now`; open requests due before `soon` count as due soon.
pub async fn get(tx: &mut Tx, now: &Timestamp, soon: &Timestamp) -> Result<Overview, StoreError> {
    let mut out = Overview::default();
    let count = |r: &AnyRow| r.try_get::<i64, _>("n").map(|n| n.max(0) as u64).map_err(|e| StoreError::Corrupt(e.to_string()));
    for r in sqlx::query("SELECT purpose, status, COUNT(*) AS n FROM consents GROUP BY purpose, status ORDER BY purpose, status")
        .fetch_all(tx.conn())
        .await?
    {
        out.consents.push((text(&r, "purpose")?, text(&r, "status")?, count(&r)?));
    }
    for r in sqlx::query(
        "SELECT s.jurisdiction AS j, c.status AS status, COUNT(*) AS n FROM consents c JOIN subjects s ON s.subject_id = c.subject_id \
         GROUP BY s.jurisdiction, c.status ORDER BY s.jurisdiction, c.status",
    )
    .fetch_all(tx.conn())
    .await?
    {
        out.consents_by_jurisdiction.push((text(&r, "j")?, text(&r, "status")?, count(&r)?));
    }
    for r in sqlx::query(
        "SELECT SUBSTR(captured_at, 1, 7) AS m, status, COUNT(*) AS n FROM consent_events GROUP BY SUBSTR(captured_at, 1, 7), status ORDER BY m, status",
    )
    .fetch_all(tx.conn())
    .await?
    {
        out.consent_events_by_month.push((text(&r, "m")?, text(&r, "status")?, count(&r)?));
    }
    for r in sqlx::query("SELECT decision, COUNT(*) AS n FROM gate_checks GROUP BY decision ORDER BY decision").fetch_all(tx.conn()).await?
    {
        out.gate.push((text(&r, "decision")?, count(&r)?));
    }
    for r in sqlx::query("SELECT status, COUNT(*) AS n FROM dsrs GROUP BY status ORDER BY status").fetch_all(tx.conn()).await? {
        out.dsr_by_status.push((text(&r, "status")?, count(&r)?));
    }
    let open = format!("status IN ({})", crate::dsrs::open_statuses());
    let now_s = format_timestamp(now);
    let soon = format_timestamp(soon);
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM dsrs WHERE {open} AND due_at < $1")))
        .bind(now_s.clone())
        .fetch_one(tx.conn())
        .await?;
    out.dsr_overdue = n.max(0) as u64;
    let n: i64 =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM dsrs WHERE {open} AND due_at >= $1 AND due_at < $2")))
            .bind(now_s)
            .bind(soon)
            .fetch_one(tx.conn())
            .await?;
    out.dsr_due_soon = n.max(0) as u64;
    out.risk_reviews_overdue = crate::risks::overdue_reviews(tx, &now.date_naive().format("%Y-%m-%d").to_string()).await?;
    Ok(out)
}

//! Gate checks are kept for a retention period and then deleted, in batches, except those a
//! logged decision quotes (the decision keeps its evidence). Their ledger leaves stay: the
//! ledger is verified from its leaves alone, so deleting check rows changes nothing it proves.
//!
//! On SQLite the check log has no index by time (each index entry cost the gate a page write
//! per commit), but checks are appended in time order, so the last row older than the cutoff
//! is found by a binary search over rowids, and rows below it are deleted by rowid. The check
//! index (a separate file) forgets entries below the oldest remaining row.

use custos_core::{Timestamp, format_timestamp};

use crate::{Backend, StoreError, Tx};

/// Rows deleted per transaction, so the writer is never held long.
pub const BATCH: u32 = 10_000;

impl Tx {
    /// Deletes up to `limit` gate checks made before `cutoff` that no decision quotes; returns
    /// how many went.
    pub async fn expire_checks(&mut self, backend: Backend, cutoff: &Timestamp, limit: u32) -> Result<u64, StoreError> {
        let cutoff = format_timestamp(cutoff);
        let done = match backend {
            Backend::Postgres => {
                sqlx::query(
                    "DELETE FROM gate_checks WHERE check_id IN (SELECT g.check_id FROM gate_checks g WHERE g.checked_at < $1 \
                     AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.check_id = g.check_id) LIMIT $2)",
                )
                .bind(cutoff)
                .bind(i64::from(limit))
                .execute(self.conn())
                .await?
            }
            Backend::Sqlite => {
                let Some(below) = self.first_rowid_at_or_after(&cutoff).await? else { return Ok(0) };
                sqlx::query(
                    "DELETE FROM gate_checks WHERE rowid IN (SELECT g.rowid FROM gate_checks g WHERE g.rowid < $1 \
                     AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.check_id = g.check_id) LIMIT $2)",
                )
                .bind(below)
                .bind(i64::from(limit))
                .execute(self.conn())
                .await?
            }
        };
        Ok(done.rows_affected())
    }

    /// SQLite: the smallest rowid whose check was made at or after `cutoff` (the newest row's
    /// when all are older); `None` on an empty log. Binary search: checks are in time order.
    async fn first_rowid_at_or_after(&mut self, cutoff: &str) -> Result<Option<i64>, StoreError> {
        let bounds: (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(rowid), MAX(rowid) FROM gate_checks").fetch_one(self.conn()).await?;
        let (Some(mut lo), Some(max)) = bounds else { return Ok(None) };
        // The newest row always stays, whatever its age: SQLite gives the next row the largest
        // rowid plus one, and an emptied table would start again at 1, below the check index's
        // high-water mark.
        let mut hi = max;
        // Invariant: rows below `lo` are older than the cutoff, rows from `hi` on are not.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at: Option<(i64, String)> =
                sqlx::query_as("SELECT rowid, checked_at FROM gate_checks WHERE rowid >= $1 ORDER BY rowid LIMIT 1")
                    .bind(mid)
                    .fetch_optional(self.conn())
                    .await?;
            match at {
                Some((row, checked_at)) if checked_at.as_str() < cutoff => lo = row + 1,
                Some(_) | None => hi = mid,
            }
        }
        Ok(Some(lo))
    }

    /// SQLite: the oldest check row left (for pruning the check index).
    pub(crate) async fn oldest_check_rowid(&mut self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT MIN(rowid) FROM gate_checks").fetch_one(self.conn()).await?)
    }
}

impl crate::Store {
    /// Deletes the gate checks made before `cutoff` that no decision quotes, in transactions of
    /// [`BATCH`] rows; returns how many went.
    pub async fn expire_checks(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let backend = self.backend();
        let mut total = 0;
        loop {
            let n = self
                .write(move |mut tx| {
                    Box::pin(async move {
                        let r = tx.expire_checks(backend, &cutoff, BATCH).await;
                        (tx, r)
                    })
                })
                .await?;
            total += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        if total > 0
            && let Some(path) = self.sqlite_path()
        {
            let oldest = self
                .read_statement(|mut tx| {
                    Box::pin(async move {
                        let r = tx.oldest_check_rowid().await;
                        (tx, r)
                    })
                })
                .await?;
            crate::indexer::forget_below(&crate::indexer::index_path(path), oldest.unwrap_or(i64::MAX))?;
        }
        Ok(total)
    }
}

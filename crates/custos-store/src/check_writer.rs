//! On SQLite, gate checks and their ledger leaves are committed by one thread of their own.
//!
//! Checks are the busiest write (issue 2 asks for 5,000 durable checks a second with p99 under
//! 10 ms on two cores). Through sqlx every statement of a commit is two cross-thread hand-offs
//! (sqlx runs a SQLite connection on a worker thread), and SQLite's automatic WAL checkpoint
//! runs inside the commit that crosses its threshold, so the requests of that batch wait for
//! it. This thread owns a `rusqlite` connection (the same libsqlite3 sqlx links): it takes every
//! check queued since its last commit, writes them with cached single-row statements in one
//! transaction, answers the callers as soon as the commit is durable, and only then, if the WAL
//! has grown past [`CHECKPOINT_FRAMES`], checkpoints it (the batch that crossed the threshold
//! is not delayed by it; docs/BENCHMARKS.md has the measurements).
//!
//! Signed ledger checkpoints with their tree nodes come through the same queue and are written
//! in the transaction of the batch they arrive with: a few hundred node rows through a cached
//! statement cost that batch about a millisecond, where a separate transaction through sqlx
//! held the one writer (and every check behind it) for 10-40 ms once a second.
//!
//! The general writer (sqlx, [`crate::Store::write`]) and this thread never hold SQLite's
//! write lock at once: both take the [`WriteTurn`] first, so neither waits in SQLite's busy
//! handler (which sleeps in steps of milliseconds).

use std::{
    cell::Cell,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use tokio::sync::mpsc;

use crate::{
    Receipt, StoreError,
    checks::{CHECK_COLUMNS, CheckColumns},
    db::Queued,
    direct::db_error,
    ledger::{INSERT_CHECKPOINT_SQL, INSERT_NODE_SQL},
    tx::MAX_BATCH,
};

/// Serializes SQLite's writers inside this process (see the module docs).
pub(crate) type WriteTurn = Arc<tokio::sync::Mutex<()>>;

/// WAL frames (pages) after which the check writer checkpoints, once its callers are
/// answered: SQLite's own default threshold, moved out of the commit. SQLite's automatic
/// checkpoint stays on for the general writer's connection as a backstop for when no checks
/// flow. (500 and 2,000 frames measured no better: docs/BENCHMARKS.md.)
pub(crate) const CHECKPOINT_FRAMES: i32 = 1000;

/// Group commit under load: when the last commit ended less than [`BUSY`] ago and fewer than
/// [`COMPANY`] items are queued, the writer waits [`COMMIT_DELAY`] for more before it commits.
/// Every commit rewrites the tail pages of the check log, its id index and the ledger (plus
/// the header page when the file grows), whatever the batch size; with the writer committing
/// as soon as anything arrives, batches held one or two checks and the disk took 15 KB per
/// check. The wait halves that (8 KB) and frees the CPU the kernel spent writing it, which
/// more than pays for the half millisecond (docs/BENCHMARKS.md). An idle server never waits.
const COMMIT_DELAY: Duration = Duration::from_micros(500);
/// See [`COMMIT_DELAY`].
const COMPANY: usize = 4;
/// See [`COMMIT_DELAY`].
const BUSY: Duration = Duration::from_millis(2);

thread_local! {
    /// Frames in the WAL after this thread's last commit, reported by SQLite's WAL hook.
    static WAL_FRAMES: Cell<i32> = const { Cell::new(0) };
}

fn note_wal_frames(_wal: &rusqlite::hooks::Wal, frames: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|f| f.set(frames));
    Ok(())
}

const NEXT_LEAF_SQL: &str = "SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves";
const INSERT_LEAF_SQL: &str = "INSERT INTO ledger_leaves (leaf_index, leaf) VALUES (?1, ?2)";

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(db_error)?;
    // The same durability and hygiene as every other connection (db.rs, `sqlite_pragmas`);
    // checkpoints are this thread's own business, after its callers are answered.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
         PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(db_error)?;
    conn.wal_hook(Some(note_wal_frames));
    Ok(conn)
}

/// Opens the writer's connection and starts its thread; it stops when every sender of `queue`
/// is gone.
pub(crate) fn spawn(path: PathBuf, queue: mpsc::Receiver<Queued>, turn: WriteTurn) -> Result<(), StoreError> {
    let conn = open(&path)?;
    std::thread::Builder::new()
        .name("custos-check-writer".into())
        .spawn(move || run(conn, queue, turn))
        .map_err(|e| StoreError::Database(Box::new(e)))?;
    Ok(())
}

fn run(mut conn: Connection, mut queue: mpsc::Receiver<Queued>, turn: WriteTurn) {
    let mut last_commit = Instant::now();
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        take_queued(&mut queue, &mut batch);
        if batch.len() < COMPANY && last_commit.elapsed() < BUSY {
            std::thread::sleep(COMMIT_DELAY);
            take_queued(&mut queue, &mut batch);
        }
        // WAL requests are answered after the batch they arrived with is committed.
        let mut truncate = Vec::new();
        let mut close = None;
        let batch: Vec<Queued> = batch
            .into_iter()
            .filter_map(|item| match item {
                Queued::Truncate { reply } => {
                    truncate.push(reply);
                    None
                }
                Queued::Close { reply } => {
                    close = Some(reply);
                    None
                }
                other => Some(other),
            })
            .collect();
        let result = if batch.is_empty() {
            Ok(Vec::new())
        } else {
            let _turn = turn.blocking_lock();
            write_batch(&mut conn, &batch)
        };
        match result {
            Ok(mut receipts) => {
                receipts.reverse();
                for item in batch {
                    match item {
                        Queued::Check { reply, .. } => {
                            let receipt = receipts.pop().ok_or_else(|| StoreError::Corrupt("no receipt for a check".into()));
                            let _ = reply.send(receipt);
                        }
                        Queued::Checkpoint { reply, .. } => {
                            let _ = reply.send(Ok(()));
                        }
                        Queued::Truncate { .. } | Queued::Close { .. } => {}
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, items = batch.len(), "a batch of gate checks could not be committed; its callers get an error");
                let failed = e.to_string();
                let error = || StoreError::Database(Box::new(std::io::Error::other(failed.clone())));
                for item in batch {
                    match item {
                        Queued::Check { reply, .. } => drop(reply.send(Err(error()))),
                        Queued::Checkpoint { reply, .. } => drop(reply.send(Err(error()))),
                        Queued::Truncate { .. } | Queued::Close { .. } => {}
                    }
                }
            }
        }
        if !truncate.is_empty() || close.is_some() {
            let emptied = {
                let _turn = turn.blocking_lock();
                truncate_wal(&conn)
            };
            for reply in truncate {
                let _ = reply
                    .send(emptied.as_ref().map(|e| *e).map_err(|e| StoreError::Database(Box::new(std::io::Error::other(e.to_string())))));
            }
            if let Some(reply) = close {
                if let Err(e) = conn.close() {
                    tracing::warn!(error = %e.1, "closing the check writer's connection failed");
                }
                let _ = reply.send(());
                return;
            }
        } else if WAL_FRAMES.with(Cell::get) >= CHECKPOINT_FRAMES {
            checkpoint(&conn);
        }
        last_commit = Instant::now();
    }
}

/// How long a TRUNCATE checkpoint waits for readers on an older snapshot before giving up (the
/// caller retries; the gate waits behind it meanwhile, so this stays short).
const TRUNCATE_PATIENCE_MS: i64 = 200;

/// Copies the whole WAL into the database file and truncates it to zero bytes; `Ok(false)`
/// when a reader still used an older snapshot, so the log could not be emptied.
fn truncate_wal(conn: &Connection) -> Result<bool, StoreError> {
    conn.execute_batch(&format!("PRAGMA busy_timeout = {TRUNCATE_PATIENCE_MS};")).map_err(db_error)?;
    let result = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)));
    conn.execute_batch("PRAGMA busy_timeout = 10000;").map_err(db_error)?;
    match result {
        Ok((busy, log)) => {
            let emptied = busy == 0 && log <= 0;
            if emptied {
                WAL_FRAMES.with(|f| f.set(0));
            }
            tracing::debug!(busy, log, "WAL truncate checkpoint");
            Ok(emptied)
        }
        // SQLITE_BUSY from the checkpoint itself: someone else held the lock; try again later.
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy => Ok(false),
        Err(e) => Err(db_error(e)),
    }
}

/// Moves what is queued into `batch`, up to [`MAX_BATCH`] items.
fn take_queued(queue: &mut mpsc::Receiver<Queued>, batch: &mut Vec<Queued>) {
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
}

/// Writes one batch in one transaction (every check and checkpoint in it commits or none
/// does); returns the checks' receipts in queue order.
fn write_batch(conn: &mut Connection, batch: &[Queued]) -> Result<Vec<Receipt>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
    let mut leaves = Vec::with_capacity(batch.len());
    {
        let sql = format!("INSERT INTO gate_checks ({CHECK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        let mut insert = tx.prepare_cached(&sql).map_err(db_error)?;
        for item in batch {
            let Queued::Check { record, leaf, .. } = item else { continue };
            leaves.push(leaf);
            let Some(record) = record else { continue };
            let c = CheckColumns::of(record);
            insert
                .execute(params![
                    c.check_id,
                    c.subject_id,
                    c.purpose,
                    c.requested,
                    c.decision,
                    c.reasons,
                    c.released,
                    c.gpc,
                    c.key_id,
                    c.checked_at,
                    c.recipient
                ])
                .map_err(db_error)?;
        }
    }
    let mut receipts = Vec::with_capacity(leaves.len());
    if !leaves.is_empty() {
        let next: i64 = tx.prepare_cached(NEXT_LEAF_SQL).and_then(|mut s| s.query_row([], |r| r.get(0))).map_err(db_error)?;
        let mut insert = tx.prepare_cached(INSERT_LEAF_SQL).map_err(db_error)?;
        for (i, leaf) in leaves.into_iter().enumerate() {
            let index = next + i as i64;
            insert.execute(params![index, leaf]).map_err(db_error)?;
            receipts.push(Receipt { leaf_index: index as u64, leaf_hash: custos_ledger::leaf_hash(leaf) });
        }
    }
    for item in batch {
        let Queued::Checkpoint { rows, .. } = item else { continue };
        let mut node = tx.prepare_cached(INSERT_NODE_SQL).map_err(db_error)?;
        for (id, hash) in &rows.nodes {
            node.execute(params![id.level, id.index as i64, &hash[..]]).map_err(db_error)?;
        }
        tx.prepare_cached(INSERT_CHECKPOINT_SQL)
            .and_then(|mut s| s.execute(params![rows.size as i64, rows.note, rows.published_at]))
            .map_err(db_error)?;
    }
    tx.commit().map_err(db_error)?;
    Ok(receipts)
}

/// Copies the WAL back into the database file without waiting for readers or writers.
fn checkpoint(conn: &Connection) {
    let started = std::time::Instant::now();
    let frames = WAL_FRAMES.with(Cell::get);
    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))) {
        Ok((log, copied)) => {
            tracing::debug!(frames, log, copied, micros = started.elapsed().as_micros() as u64, "WAL checkpoint");
            WAL_FRAMES.with(|f| f.set(0));
        }
        Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; it is retried after the next commit"),
    }
}

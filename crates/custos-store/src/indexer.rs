//! On SQLite, the per-subject index of gate checks lives in a second database file and is
//! maintained off the request path (docs/DESIGN.md, "the check log's per-subject index").
//!
//! `gate_checks` is the durable record; the index is derived from it. The indexer reads new
//! check rows by rowid (with one writer, rows become visible in rowid order) and stores
//! `(subject_id, check_rowid)` plus its high-water mark in one transaction, so the index never
//! claims a row it lacks. A lookup combines the indexed rows with the unindexed tail
//! (`rowid > high-water mark`), so nothing is missing even right after a check. The index file
//! holds no personal data (random ids only) and can be deleted: it is rebuilt from the log.
//!
//! Because it can be rebuilt, the index is written without `fsync` (`synchronous = OFF`). Its
//! inserts land at random places, so each indexing step dirties hundreds of pages, and flushing
//! them competed with the gate's durable commits for the disk: with the flushes the HTTP gate's
//! p99 was 12-18 ms, without them 9.6-9.8 ms (docs/BENCHMARKS.md). Unflushed writes survive a
//! crash of the process (they are in the kernel's page cache) but not one of the machine, so
//! the index remembers the boot it was written in; after a reboot it is deleted and rebuilt
//! (lookups scan the log's unindexed tail meanwhile, so they stay complete, only slower).
//! Where the kernel has no boot id (not Linux), the index is flushed as before.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use rusqlite::{Connection, OpenFlags, params};

use crate::StoreError;

/// Rows indexed per transaction.
const BATCH: i64 = 20_000;

/// How long the indexer sleeps when it has caught up. Longer steps insert more entries per
/// page they dirty; lookups scan at most this much of the log's tail.
const STEP_INTERVAL: Duration = Duration::from_secs(1);

/// The kernel's id of the running boot; `None` where there is none.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Makes the index file ready for this boot: one written during an earlier boot may miss
/// writes the kernel never flushed, or be torn, so it is deleted (the indexer rebuilds it).
pub(crate) fn prepare(path: &Path) -> Result<(), StoreError> {
    let Some(boot) = boot_id() else {
        open_index(path)?;
        return Ok(());
    };
    let written_in = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT value FROM index_meta WHERE name = 'boot_id'", [], |r| r.get::<_, String>(0)))
        .ok();
    if written_in.as_deref() != Some(boot.as_str()) {
        if path.exists() {
            tracing::info!(index = %path.display(), "the check index was written before this boot; rebuilding it from the log");
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::Database(Box::new(e))),
            }
        }
        let conn = open_index(path)?;
        // This one write is flushed: the boot id must not outlive the writes it vouches for.
        conn.execute_batch("PRAGMA synchronous = FULL;").map_err(db_error)?;
        conn.execute(
            "INSERT INTO index_meta (name, value) VALUES ('boot_id', ?1) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [&boot],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

/// The index file beside `main` (`custos.db` -> `custos-index.db`).
pub(crate) fn index_path(main: &Path) -> PathBuf {
    let stem = main.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "custos".into());
    main.with_file_name(format!("{stem}-index.db"))
}

/// Opens (creating if needed) the index database and its tables.
pub(crate) fn open_index(path: &Path) -> Result<Connection, StoreError> {
    crate::files::ensure_private_file(path)?;
    let conn = Connection::open(path).map_err(db_error)?;
    let sync = if boot_id().is_some() { "OFF" } else { "NORMAL" };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA busy_timeout = 10000;
         CREATE TABLE IF NOT EXISTS check_subjects (
             subject_id  TEXT NOT NULL,
             check_rowid INTEGER NOT NULL,
             PRIMARY KEY (subject_id, check_rowid)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS indexed_through (
             log   TEXT PRIMARY KEY,
             rowid INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS index_meta (
             name  TEXT PRIMARY KEY,
             value TEXT NOT NULL
         );"
    ))
    .map_err(db_error)?;
    Ok(conn)
}

/// One indexing step: indexes up to [`BATCH`] new rows; returns how many.
pub(crate) fn index_step(main: &Connection, index: &mut Connection) -> Result<usize, StoreError> {
    let through: i64 = index
        .query_row("SELECT COALESCE((SELECT rowid FROM indexed_through WHERE log = 'gate_checks'), 0)", [], |r| r.get(0))
        .map_err(db_error)?;
    let mut stmt =
        main.prepare_cached("SELECT rowid, subject_id FROM gate_checks WHERE rowid > ?1 ORDER BY rowid LIMIT ?2").map_err(db_error)?;
    let rows: Vec<(i64, String)> = stmt
        .query_map(params![through, BATCH], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_error)?
        .collect::<Result<_, _>>()
        .map_err(db_error)?;
    let Some(last) = rows.last().map(|(rowid, _)| *rowid) else { return Ok(0) };
    let tx = index.transaction().map_err(db_error)?;
    {
        let mut insert =
            tx.prepare_cached("INSERT OR IGNORE INTO check_subjects (subject_id, check_rowid) VALUES (?1, ?2)").map_err(db_error)?;
        for (rowid, subject) in &rows {
            insert.execute(params![subject, rowid]).map_err(db_error)?;
        }
        tx.execute(
            "INSERT INTO indexed_through (log, rowid) VALUES ('gate_checks', ?1) ON CONFLICT (log) DO UPDATE SET rowid = excluded.rowid",
            params![last],
        )
        .map_err(db_error)?;
    }
    tx.commit().map_err(db_error)?;
    Ok(rows.len())
}

/// Starts the indexer thread; it stops when `stop` is set.
pub(crate) fn spawn(main_path: PathBuf, stop: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("custos-check-indexer".into()).spawn(move || {
        let open = || -> Result<(Connection, Connection), StoreError> {
            let main = Connection::open_with_flags(&main_path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(db_error)?;
            main.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 10000;").map_err(db_error)?;
            Ok((main, open_index(&index_path(&main_path))?))
        };
        let (main, mut index) = match open() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "the check indexer cannot start; per-subject check lookups scan the log");
                return;
            }
        };
        while !stop.load(Ordering::Relaxed) {
            match index_step(&main, &mut index) {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "check indexing failed; it is retried"),
            }
            std::thread::sleep(STEP_INTERVAL);
        }
    });
}

/// Forgets the entries of check rows below `rowid` (deleted by the check log's retention).
pub(crate) fn forget_below(path: &Path, rowid: i64) -> Result<(), StoreError> {
    let conn = open_index(path)?;
    conn.execute("DELETE FROM check_subjects WHERE check_rowid < ?1", [rowid]).map_err(db_error)?;
    Ok(())
}

/// The rowids of a subject's indexed checks and the high-water mark they are complete up to.
pub(crate) fn lookup(index: &Connection, subject: &str) -> Result<(Vec<i64>, i64), StoreError> {
    let through: i64 = index
        .query_row("SELECT COALESCE((SELECT rowid FROM indexed_through WHERE log = 'gate_checks'), 0)", [], |r| r.get(0))
        .map_err(db_error)?;
    let mut stmt =
        index.prepare_cached("SELECT check_rowid FROM check_subjects WHERE subject_id = ?1 AND check_rowid <= ?2").map_err(db_error)?;
    let rowids = stmt.query_map(params![subject, through], |r| r.get(0)).map_err(db_error)?.collect::<Result<_, _>>().map_err(db_error)?;
    Ok((rowids, through))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(path: &Path) -> i64 {
        open_index(path).expect("open").query_row("SELECT COUNT(*) FROM check_subjects", [], |r| r.get(0)).expect("count")
    }

    /// An index written in this boot is kept; one from another boot is deleted (the indexer
    /// rebuilds it from the log), because its unflushed writes may be lost or torn.
    #[test]
    fn an_index_from_an_earlier_boot_is_rebuilt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("custos-index.db");
        prepare(&path).expect("prepare");
        let conn = open_index(&path).expect("open");
        conn.execute("INSERT INTO check_subjects (subject_id, check_rowid) VALUES ('s', 1)", []).expect("insert");
        prepare(&path).expect("prepare again");
        assert_eq!(entries(&path), 1, "same boot: kept");
        if boot_id().is_none() {
            return; // no boot id: the index is flushed and always kept
        }
        conn.execute("UPDATE index_meta SET value = 'an-earlier-boot' WHERE name = 'boot_id'", []).expect("pretend a reboot");
        drop(conn);
        prepare(&path).expect("prepare after the reboot");
        assert_eq!(entries(&path), 0, "another boot: deleted for a rebuild");
        let stored: String = open_index(&path)
            .expect("open")
            .query_row("SELECT value FROM index_meta WHERE name = 'boot_id'", [], |r| r.get(0))
            .expect("boot id");
        assert_eq!(Some(stored), boot_id());
    }
}

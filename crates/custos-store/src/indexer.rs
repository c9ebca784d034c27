//! On SQLite, the per-subject index of gate checks lives in a second database file and is
//! maintained off the request path (docs/DESIGN.md, "the check log's per-subject index").
//!
//! `gate_checks` is the durable record; the index is derived from it. The indexer reads new
//! check rows by rowid (with one writer, rows become visible in rowid order) and stores
//! `(subject_id, check_rowid)` plus its high-water mark in one transaction, so the index never
//! claims a row it lacks. A lookup combines the indexed rows with the unindexed tail
//! (`rowid > high-water mark`), so nothing is missing even right after a check. The index file
//! holds no personal data (random ids only) and can be deleted: it is rebuilt from the log.

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
    let conn = Connection::open(path).map_err(db_error)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;
         CREATE TABLE IF NOT EXISTS check_subjects (
             subject_id  TEXT NOT NULL,
             check_rowid INTEGER NOT NULL,
             PRIMARY KEY (subject_id, check_rowid)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS indexed_through (
             log   TEXT PRIMARY KEY,
             rowid INTEGER NOT NULL
         );",
    )
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
            std::thread::sleep(Duration::from_millis(200));
        }
    });
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

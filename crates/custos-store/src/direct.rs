//! The gate's read on SQLite, without sqlx.
//!
//! sqlx runs each SQLite connection on a worker thread of its own, so every statement costs two
//! cross-thread wake-ups. On the gate's hot path that was most of the CPU time (profile in
//! docs/BENCHMARKS.md). This module keeps one read-only connection per thread (the tokio
//! workers) and runs the one gate statement inline: a B-tree lookup of a few pages, tens of
//! microseconds, short enough not to stall the async scheduler. It uses the same SQLite
//! library sqlx links (libsqlite3-sys, bundled), so there is one SQLite in the binary.

use std::{
    cell::RefCell,
    collections::HashMap,
    path::{Path, PathBuf},
};

use custos_core::{ConsentStatus, DataCategory, Jurisdiction, SubjectId};
use rusqlite::{Connection, OpenFlags, named_params};

use crate::{
    StoreError,
    checks::{GATE_FACTS_SQL, GateFacts, GateRead},
};

thread_local! {
    static CONNECTIONS: RefCell<HashMap<PathBuf, Connection>> = RefCell::new(HashMap::new());
}

pub(crate) fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    // Read-write flags without CREATE: a WAL reader needs to update the shared-memory index;
    // `query_only` guarantees this connection never writes.
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(db_error)?;
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 10000;").map_err(db_error)?;
    Ok(conn)
}

/// Runs `f` on this thread's read-only connection to the database file at `path`.
pub(crate) fn with_connection<T>(path: &Path, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
    CONNECTIONS.with(|cell| {
        let mut connections = cell.borrow_mut();
        let conn = match connections.get(path) {
            Some(c) => c,
            None => {
                let c = open(path)?;
                connections.entry(path.to_owned()).or_insert(c)
            }
        };
        f(conn)
    })
}

/// What [`crate::Tx::gate_facts`] returns, read on this thread's connection to `path`.
pub(crate) fn gate_facts(path: &Path, id: &SubjectId, purpose: &str) -> Result<Option<GateRead>, StoreError> {
    with_connection(path, |conn| {
        let mut stmt = conn.prepare_cached(GATE_FACTS_SQL).map_err(db_error)?;
        let subject = id.to_string();
        let mut rows = stmt.query(named_params! { "$1": subject, "$2": purpose }).map_err(db_error)?;
        let mut facts: Option<GateFacts> = None;
        let mut sealed = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            if facts.is_none() {
                let text = |i: usize| row.get::<_, String>(i).map_err(db_error);
                let flag = |i: usize| row.get::<_, i64>(i).map(|v| v != 0).map_err(db_error);
                facts = Some(GateFacts {
                    jurisdiction: Jurisdiction::parse(&text(0)?)?,
                    erased: row.get::<_, Option<String>>(1).map_err(db_error)?.is_some(),
                    restricted: flag(2)?,
                    opted_out_of_sale_or_share: flag(3)?,
                    gpc: flag(4)?,
                    objection_profiling: flag(5)?,
                    objection_direct_marketing: flag(6)?,
                    wrapped_key: row.get::<_, Option<Vec<u8>>>(7).map_err(db_error)?,
                    consent: row.get::<_, Option<String>>(8).map_err(db_error)?.map(|c| ConsentStatus::parse(&c)).transpose()?,
                    objection_purpose: flag(9)?,
                    consent_overrides_gpc: flag(12)?,
                });
            }
            if let (Some(category), Some(ct)) =
                (row.get::<_, Option<String>>(10).map_err(db_error)?, row.get::<_, Option<Vec<u8>>>(11).map_err(db_error)?)
            {
                sealed.push((DataCategory::parse(&category)?, ct));
            }
        }
        Ok(facts.map(|f| (f, sealed)))
    })
}

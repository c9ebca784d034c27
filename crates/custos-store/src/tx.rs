//! Transactions: [`Tx`], and on SQLite the writer task that lends its connection to them.
//!
//! Every access to the database goes through one form: an async closure over `&mut Tx`, given
//! to [`crate::Store::write`] (one atomic, durable transaction), [`crate::Store::read`] (one
//! consistent snapshot) or [`crate::Store::read_statement`] (no transaction, for reads that need
//! no common snapshot). The domain modules (`purposes`, `dsrs`, ...) are functions over `&mut
//! Tx`. If the closure returns an error, or its future is dropped (a client that hangs up), the
//! transaction rolls back and nothing it wrote remains.
//!
//! **SQLite** has one writer. A task owns the write connection and serves write transactions
//! in batches (group commit): it opens a transaction, and for each waiting caller opens a
//! savepoint and lends the connection to it; the caller's closure runs; the connection comes
//! back, and the writer releases the savepoint (the closure succeeded) or rolls back to it (it
//! failed, or was dropped). After the batch, one `COMMIT` makes every released savepoint
//! durable at once, and each caller is answered only then. A failing caller rolls back alone.
//!
//! **PostgreSQL** takes concurrent writers: each write transaction gets its own connection
//! from the pool (`BEGIN` ... `COMMIT`, rolled back when dropped).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use sqlx::{Any, AnyConnection, Executor, pool::PoolConnection};
use tokio::sync::{mpsc, oneshot};

use crate::{Backend, StoreError, crypto::Keyring};

/// Most transactions one SQLite commit may carry. Bounds the latency a request can add to others.
pub(crate) const MAX_BATCH: usize = 256;

/// An open transaction (or snapshot, or a bare connection) with the keys to encrypt and
/// decrypt personal data. Handed to the closures of [`crate::Store::write`],
/// [`crate::Store::read`] and [`crate::Store::read_statement`].
pub struct Tx {
    conn: Conn,
    keyring: Arc<Keyring>,
    backend: Backend,
}

enum Conn {
    /// SQLite write: the writer's connection, inside a savepoint, lent until the closure ends.
    Lent(Option<PoolConnection<Any>>),
    /// PostgreSQL write, or a read snapshot: an sqlx transaction (rolled back when dropped).
    Transaction(sqlx::Transaction<'static, Any>),
    /// A connection outside any transaction.
    Plain(PoolConnection<Any>),
}

impl Tx {
    pub(crate) fn lent(conn: PoolConnection<Any>, keyring: Arc<Keyring>) -> Self {
        Self { conn: Conn::Lent(Some(conn)), keyring, backend: Backend::Sqlite }
    }

    pub(crate) fn transaction(tx: sqlx::Transaction<'static, Any>, keyring: Arc<Keyring>, backend: Backend) -> Self {
        Self { conn: Conn::Transaction(tx), keyring, backend }
    }

    pub(crate) fn plain(conn: PoolConnection<Any>, keyring: Arc<Keyring>, backend: Backend) -> Self {
        Self { conn: Conn::Plain(conn), keyring, backend }
    }

    /// The keyring, for pseudonymization and keyed digests.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The engine this transaction runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        match &mut self.conn {
            // INVARIANT: a lent connection is only taken back by `into_lent`, which consumes the Tx.
            Conn::Lent(conn) => conn.as_mut().map(|c| &mut **c).expect("a lent connection is held until the transaction ends"),
            Conn::Transaction(tx) => tx,
            Conn::Plain(conn) => conn,
        }
    }

    /// The lent connection, to give back to the SQLite writer.
    fn into_lent(mut self) -> Option<PoolConnection<Any>> {
        match &mut self.conn {
            Conn::Lent(conn) => conn.take(),
            _ => None,
        }
    }

    /// Ends a PostgreSQL transaction or a snapshot with `COMMIT`.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self.conn {
            Conn::Transaction(tx) => Ok(tx.commit().await?),
            Conn::Lent(_) | Conn::Plain(_) => Ok(()),
        }
    }

    /// The `VALUES` list of a multi-row statement: `rows` tuples of `columns` parameters.
    ///
    /// PostgreSQL needs numbered `$N` parameters. On SQLite they are written as plain `?`:
    /// sqlx looks every parameter's name up with `sqlite3_bind_parameter_name`, a linear scan
    /// of the statement's names, so numbered names make binding quadratic in the parameter
    /// count — it dominated the batch inserts of checks, leaves and nodes in profiles.
    pub(crate) fn values_list(&self, rows: usize, columns: usize) -> String {
        let numbered = self.backend == Backend::Postgres;
        let mut sql = String::with_capacity(rows * columns * 5);
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..columns {
                if c > 0 {
                    sql.push_str(", ");
                }
                if numbered {
                    sql.push('$');
                    sql.push_str(&(r * columns + c + 1).to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        sql
    }
}

/// A caller waiting for the SQLite writer: the writer lends the connection through `lend`
/// and gets it back through `back`.
pub(crate) struct Turn {
    lend: oneshot::Sender<PoolConnection<Any>>,
    back: oneshot::Receiver<Returned>,
}

impl Turn {
    pub(crate) fn new(lend: oneshot::Sender<PoolConnection<Any>>, back: oneshot::Receiver<Returned>) -> Self {
        Self { lend, back }
    }
}

/// A connection coming back to the writer, and what to do with the caller's savepoint.
pub(crate) struct Returned {
    conn: Option<PoolConnection<Any>>,
    /// `Some`: release the savepoint and answer here after the batch commits; `None`: roll
    /// back to it.
    release: Option<oneshot::Sender<Result<(), StoreError>>>,
}

/// Runs `f` in a write transaction on SQLite: waits for the writer to lend its connection,
/// runs `f`, gives the connection back and waits for the batch to commit.
pub(crate) async fn sqlite_write<T, E>(
    queue: &mpsc::Sender<Turn>,
    keyring: Arc<Keyring>,
    f: impl AsyncFnOnce(&mut Tx) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let (lend, lent) = oneshot::channel();
    let (give_back, back) = oneshot::channel();
    queue.send(Turn { lend, back }).await.map_err(|_| E::from(StoreError::WriterGone))?;
    let conn = lent.await.map_err(|_| E::from(StoreError::WriterGone))?;
    // From here the connection must go back whatever happens: `Lender` gives it back (to be
    // rolled back to the savepoint) if this future is dropped midway.
    let mut lender = Lender { tx: Some(Tx::lent(conn, keyring)), give_back: Some(give_back) };
    let result = match lender.tx.as_mut() {
        Some(tx) => f(tx).await,
        None => Err(E::from(StoreError::WriterGone)),
    };
    match result {
        Ok(value) => {
            let (done, durable) = oneshot::channel();
            lender.finish(Some(done));
            durable.await.map_err(|_| E::from(StoreError::WriterGone))?.map_err(E::from)?;
            Ok(value)
        }
        Err(e) => {
            lender.finish(None);
            Err(e)
        }
    }
}

/// Holds a lent connection and gives it back exactly once (on drop: to be rolled back).
struct Lender {
    tx: Option<Tx>,
    give_back: Option<oneshot::Sender<Returned>>,
}

impl Lender {
    fn finish(&mut self, release: Option<oneshot::Sender<Result<(), StoreError>>>) {
        if let (Some(tx), Some(give_back)) = (self.tx.take(), self.give_back.take()) {
            let _ = give_back.send(Returned { conn: tx.into_lent(), release });
        }
    }
}

impl Drop for Lender {
    fn drop(&mut self) {
        self.finish(None);
    }
}

/// The SQLite writer: serves write transactions in batches, one commit each (see the module
/// docs). It and the check writer never hold SQLite's write lock at once (`turn`). Ends when
/// `closed` is set and nothing is queued, closing its connection.
pub(crate) async fn run_sqlite_writer(
    pool: sqlx::AnyPool,
    mut queue: mpsc::Receiver<Turn>,
    turn: crate::check_writer::WriteTurn,
    closed: Arc<AtomicBool>,
) {
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the SQLite writer could not connect");
            return;
        }
    };
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(t) => batch.push(t),
                Err(_) => break,
            }
        }
        let _turn = turn.lock().await;
        if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
            // A connection left inside a transaction is reset once.
            let _ = conn.execute("ROLLBACK").await;
            if let Err(e2) = conn.execute("BEGIN IMMEDIATE").await {
                tracing::error!(error = %e, retry_error = %e2, "the SQLite writer cannot begin a transaction");
                continue; // dropping the turns answers their callers with WriterGone
            }
        }
        let started = std::time::Instant::now();
        let size = batch.len();
        let mut released = Vec::with_capacity(batch.len());
        let mut broken = false;
        for Turn { lend, back } in batch {
            if broken || conn.execute("SAVEPOINT request").await.is_err() {
                broken = true;
                continue;
            }
            if let Err(unsent) = lend.send(conn) {
                // The caller stopped waiting before its turn: nothing was done.
                conn = unsent;
                if conn.execute("ROLLBACK TO request; RELEASE request").await.is_err() {
                    broken = true;
                }
                continue;
            }
            let returned = back.await;
            let Ok(Returned { conn: Some(c), release }) = returned else {
                // The connection did not come back (the caller's task was aborted with it):
                // the batch is lost; take a fresh connection and roll back what is open on it.
                tracing::error!("a write transaction kept the SQLite connection; its batch is rolled back");
                conn = match pool.acquire().await {
                    Ok(c) => c,
                    Err(_) => return,
                };
                let _ = conn.execute("ROLLBACK").await;
                released.clear();
                broken = true;
                continue;
            };
            conn = c;
            let step = match release {
                Some(answer) => {
                    released.push(answer);
                    conn.execute("RELEASE request").await
                }
                None => conn.execute("ROLLBACK TO request; RELEASE request").await,
            };
            if step.is_err() {
                broken = true;
            }
        }
        if broken {
            let _ = conn.execute("ROLLBACK").await;
            for answer in released {
                let _ = answer.send(Err(StoreError::WriterGone));
            }
            continue;
        }
        let work_micros = started.elapsed().as_micros();
        match conn.execute("COMMIT").await {
            Ok(_) => {
                tracing::debug!(requests = size, work_micros, total_micros = started.elapsed().as_micros(), "SQLite batch committed");
                for answer in released {
                    let _ = answer.send(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "a SQLite commit failed; its requests are answered with an error");
                let _ = conn.execute("ROLLBACK").await;
                for answer in released {
                    let _ = answer.send(Err(StoreError::Database(Box::new(std::io::Error::other("commit failed")))));
                }
            }
        }
        if closed.load(Ordering::Acquire) && queue.is_empty() {
            break;
        }
    }
    // The store is closed: give the connection back and close the pool.
    drop(conn);
    pool.close().await;
}

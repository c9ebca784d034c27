use std::{fmt, path::PathBuf, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    AnyConnection, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};
use tokio::sync::{mpsc, oneshot};

use custos_core::{DataCategory, SubjectId};

use crate::{
    CheckRecord, GateFacts, GateRead, Receipt, StoreError,
    crypto::{Keyring, MasterKey, ROOT_SECRET_LABEL},
    tx::{MAX_BATCH, Tx},
};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (WAL mode, synchronous=FULL).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How to open a store.
#[derive(Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub database_url: String,
    /// The master key file; created (mode 0600) if absent and the database is new.
    pub master_key_file: PathBuf,
    /// Largest connection pool to open (PostgreSQL; SQLite readers).
    pub max_connections: u32,
    /// The ledger's origin line; fixed when the ledger is created (default
    /// `localhost/custos/<random deployment id>`), refused if it differs later.
    pub ledger_origin: Option<String>,
}

impl StoreOptions {
    /// Options with the default pool size.
    pub fn new(database_url: impl Into<String>, master_key_file: impl Into<PathBuf>) -> Self {
        Self { database_url: database_url.into(), master_key_file: master_key_file.into(), max_connections: 16, ledger_origin: None }
    }
}

impl StoreOptions {
    /// The database URL with any password replaced, for messages.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.database_url)
    }
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreOptions")
            .field("database_url", &redact_url(&self.database_url))
            .field("master_key_file", &self.master_key_file)
            .field("max_connections", &self.max_connections)
            .field("ledger_origin", &self.ledger_origin)
            .finish()
    }
}

/// The database URL with any password replaced, for logs and `Debug`.
pub(crate) fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _password)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

/// Work for the check appender (SQLite: the check writer thread).
pub(crate) enum Queued {
    /// A gate check (or, without a record, a bare event) and its ledger leaf.
    Check { record: Option<CheckRecord>, leaf: Vec<u8>, reply: oneshot::Sender<Result<Receipt, StoreError>> },
    /// A signed ledger checkpoint and the tree nodes it covers.
    Checkpoint { rows: crate::ledger::CheckpointRows, reply: oneshot::Sender<Result<(), StoreError>> },
    /// Checkpoint the WAL in TRUNCATE mode once what is queued before it is committed; answers
    /// whether the log is now empty (`false`: a reader held an old snapshot, try again).
    Truncate { reply: oneshot::Sender<Result<bool, StoreError>> },
    /// The last item: checkpoint the WAL in TRUNCATE mode, close the connection, stop.
    Close { reply: oneshot::Sender<()> },
}

/// The custos database: pools, migrations, keys, and the write path.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) backend: Backend,
    /// Stops the SQLite check indexer when the store goes away.
    pub(crate) indexer_stop: Arc<std::sync::atomic::AtomicBool>,
    /// Set by [`Store::close`]: writes are refused from then on.
    pub(crate) closed: Arc<std::sync::atomic::AtomicBool>,
    /// SQLite: the general writer's task, which ends (closing its connection) once the store
    /// is closed.
    pub(crate) writer_task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// SQLite: the shared lock on `<database>-lock` (a restore needs it exclusive).
    _open_lock: Option<crate::files::OpenLock>,
    /// The SQLite database file, for the direct gate read.
    pub(crate) sqlite_path: Option<PathBuf>,
    pub(crate) checks: mpsc::Sender<Queued>,
    pub(crate) reader: sqlx::AnyPool,
    pub(crate) writer: Writer,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) master_key_file: PathBuf,
    pub(crate) ledger_keys: crate::ledger::LedgerKeys,
    /// The right edge of the tree as of the last checkpoint this process published.
    pub(crate) ledger_state: tokio::sync::Mutex<Option<custos_ledger::CompactRange>>,
    /// The largest checkpoint size this process has seen published. Signed sizes only grow,
    /// so a proof for a size at or below it needs no lookup.
    pub(crate) signed_size: std::sync::atomic::AtomicU64,
}

pub(crate) enum Writer {
    /// SQLite allows one writer at a time: a task owns the write connection and lends it to
    /// write transactions in turn, committing them together (`tx`).
    Queue(mpsc::Sender<crate::tx::Turn>),
    /// PostgreSQL handles concurrent writers: each write transaction gets its own connection.
    Pool(sqlx::AnyPool),
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.indexer_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("backend", &self.inner.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Connects, migrates, and loads (or on a new database, creates) the keys.
    pub async fn open(options: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = options.database_url.as_str();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config("the database URL must start with sqlite:// or postgres://".into()));
        };
        let mut sqlite_path = None;
        let mut open_lock = None;
        let (reader, writer_pool) = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                sqlite_path = url.strip_prefix("sqlite://").and_then(|r| r.split('?').next()).map(PathBuf::from);
                if let Some(path) = &sqlite_path {
                    crate::files::prepare_sqlite_files(path)?;
                    open_lock = Some(crate::files::lock_shared(path)?);
                }
                let connect = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::Config(e.to_string()))?;
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .after_connect(sqlite_pragmas)
                    .connect_with(connect.clone())
                    .await?;
                SQLITE_MIGRATOR.run(&writer).await.map_err(|e| StoreError::Database(Box::new(e)))?;
                let reader = AnyPoolOptions::new()
                    .max_connections(options.max_connections.clamp(1, 8))
                    .after_connect(sqlite_pragmas)
                    .connect_with(connect)
                    .await?;
                (reader, Some(writer))
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                POSTGRES_MIGRATOR.run(&pool).await.map_err(|e| StoreError::Database(Box::new(e)))?;
                (pool, None)
            }
        };

        let (keyring, ledger_keys) = {
            let mut conn = reader.acquire().await?;
            let keyring = load_keyring(&mut conn, options).await?;
            let ledger_keys = crate::ledger::load_keys(&mut conn, &keyring, options.ledger_origin.as_deref()).await?;
            (Arc::new(keyring), ledger_keys)
        };
        let (checks, check_queue) = mpsc::channel(4 * MAX_BATCH);
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writer_task = None;
        // SQLite: the check writer thread takes the check queue; PostgreSQL: the appender task.
        let (writer, appender_queue) = match (writer_pool, &sqlite_path) {
            (Some(pool), Some(path)) => {
                let (send, recv) = mpsc::channel::<crate::tx::Turn>(4 * MAX_BATCH);
                let turn = crate::check_writer::WriteTurn::default();
                crate::check_writer::spawn(path.clone(), check_queue, turn.clone())?;
                writer_task = Some(tokio::spawn(crate::tx::run_sqlite_writer(pool, recv, turn, closed.clone())));
                (Writer::Queue(send), None)
            }
            _ => (Writer::Pool(reader.clone()), Some(check_queue)),
        };
        let indexer_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Some(path) = &sqlite_path {
            crate::indexer::prepare(&crate::indexer::index_path(path))?;
            crate::indexer::spawn(path.clone(), indexer_stop.clone());
        }
        let store = Self {
            inner: Arc::new(Inner {
                backend,
                indexer_stop,
                closed,
                writer_task: std::sync::Mutex::new(writer_task),
                _open_lock: open_lock,
                sqlite_path,
                checks,
                reader,
                writer,
                keyring,
                master_key_file: options.master_key_file.clone(),
                ledger_keys,
                ledger_state: tokio::sync::Mutex::new(None),
                signed_size: std::sync::atomic::AtomicU64::new(0),
            }),
        };
        if let Some(queue) = appender_queue {
            tokio::spawn(run_check_appender(Arc::downgrade(&store.inner), queue));
        }
        // PostgreSQL: this month's decisions and the next two months' have their partition.
        let made = store.write(async |tx| crate::decisions::make_partitions(tx, &custos_core::now()).await).await?;
        if !made.is_empty() {
            tracing::info!(months = ?made, "made partitions of the decision log");
        }
        // Free text written in plaintext by earlier versions is sealed once (migration 0011).
        let sealed = store.write(async |tx| crate::sealed::seal_plaintext_free_text(tx).await).await?;
        if sealed > 0 {
            tracing::info!(values = sealed, "sealed free-text values stored in plaintext by an earlier version");
            store.scrub_deleted(Duration::from_secs(5)).await?;
        }
        Ok(store)
    }

    pub(crate) fn ledger_keys(&self) -> &crate::ledger::LedgerKeys {
        &self.inner.ledger_keys
    }

    pub(crate) fn ledger_state(&self) -> &tokio::sync::Mutex<Option<custos_ledger::CompactRange>> {
        &self.inner.ledger_state
    }

    /// The largest signed tree size known to this process (0 before the first is seen).
    pub fn known_signed_size(&self) -> u64 {
        self.inner.signed_size.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn saw_signed_size(&self, size: u64) {
        self.inner.signed_size.fetch_max(size, std::sync::atomic::Ordering::AcqRel);
    }

    pub(crate) fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.inner.sqlite_path.as_deref()
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The ledger: reads, verification, checkpoints.
    pub fn ledger(&self) -> crate::ledger::Ledger<'_> {
        crate::ledger::Ledger(self)
    }

    /// The keys of this deployment.
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// Runs `f` in one atomic transaction and returns its result once the transaction is
    /// durably committed (flushed to disk). If `f` returns an error, or this future is dropped
    /// before it ends, nothing `f` wrote remains.
    ///
    /// On SQLite, write transactions take turns on the one writer connection, each inside a
    /// savepoint, and are committed together (one flush for many; see `tx`). On PostgreSQL each
    /// gets its own connection and transaction.
    pub async fn write<T, E>(&self, f: impl AsyncFnOnce(&mut Tx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.open_for_writes()?;
        match &self.inner.writer {
            Writer::Queue(queue) => crate::tx::sqlite_write(queue, self.inner.keyring.clone(), f).await,
            Writer::Pool(pool) => {
                let transaction = pool.begin().await.map_err(|e| E::from(e.into()))?;
                let mut tx = Tx::transaction(transaction, self.inner.keyring.clone(), self.inner.backend);
                let value = f(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
        }
    }

    /// The gate's facts about a subject and purpose with the subject's sealed values; `None`
    /// if there is no such subject. On SQLite this reads on the calling thread (see `direct`).
    pub async fn gate_facts(&self, id: &SubjectId, purpose: &str) -> Result<Option<GateRead>, StoreError> {
        if let Some(path) = &self.inner.sqlite_path {
            return crate::direct::gate_facts(path, id, purpose);
        }
        let (id, purpose) = (*id, purpose.to_owned());
        self.read_statement(async |tx| crate::checks::gate_facts(tx, &id, &purpose).await).await
    }

    /// Where a subject's checks are in the check log: on SQLite, the rowids the background
    /// index knows and the rowid it is complete up to (later rows must be scanned); `None` on
    /// PostgreSQL, whose ordinary index answers directly. Pass to [`Tx::checks_for_subject`].
    pub fn indexed_checks(&self, id: &SubjectId) -> Result<Option<(Vec<i64>, i64)>, StoreError> {
        let Some(path) = &self.inner.sqlite_path else { return Ok(None) };
        let index = crate::indexer::index_path(path);
        crate::direct::with_connection(&index, |conn| crate::indexer::lookup(conn, &id.to_string())).map(Some)
    }

    /// Decrypts the `only` categories among a subject's sealed values.
    pub fn open_values(
        &self,
        id: &SubjectId,
        facts: &GateFacts,
        sealed: &[(DataCategory, Vec<u8>)],
        only: &[DataCategory],
    ) -> Result<std::collections::BTreeMap<DataCategory, serde_json::Value>, StoreError> {
        let Some(wrapped) = &facts.wrapped_key else { return Ok(Default::default()) };
        let key = self.inner.keyring.open_data_key(id, wrapped)?;
        sealed.iter().filter(|(c, _)| only.contains(c)).map(|(c, ct)| Ok((c.clone(), key.open_value(id, c, ct)?))).collect()
    }

    /// Persists a gate check durably with its ledger leaf. Checks are the busiest write, so
    /// they are committed in batches, one transaction each, and every caller is answered after
    /// its batch's commit: on SQLite by the check writer thread (`check_writer`), on
    /// PostgreSQL by an appender task writing two multi-row statements.
    pub async fn append_check(&self, check: CheckRecord, leaf: Vec<u8>) -> Result<Receipt, StoreError> {
        self.open_for_writes()?;
        let (send, recv) = oneshot::channel();
        self.inner.checks.send(Queued::Check { record: Some(check), leaf, reply: send }).await.map_err(|_| StoreError::WriterGone)?;
        recv.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Appends a ledger leaf that records no row of its own (an event such as a login or an
    /// export), durably, through the same group-commit path as gate checks.
    pub async fn append_event(&self, leaf: Vec<u8>) -> Result<Receipt, StoreError> {
        self.open_for_writes()?;
        let (send, recv) = oneshot::channel();
        self.inner.checks.send(Queued::Check { record: None, leaf, reply: send }).await.map_err(|_| StoreError::WriterGone)?;
        recv.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Stores a signed checkpoint with its nodes, durably. On SQLite it goes through the check
    /// writer, inside the transaction of the next batch of checks: signing the leaves of a
    /// quarter second costs that batch about a millisecond, instead of holding the one writer
    /// for tens of milliseconds through sqlx (docs/BENCHMARKS.md).
    pub(crate) async fn store_checkpoint(&self, rows: crate::ledger::CheckpointRows) -> Result<(), StoreError> {
        if self.inner.sqlite_path.is_none() {
            return self.write(async |tx| crate::ledger::insert_nodes_and_checkpoint(tx, &rows).await).await;
        }
        let (send, recv) = oneshot::channel();
        self.inner.checks.send(Queued::Checkpoint { rows, reply: send }).await.map_err(|_| StoreError::WriterGone)?;
        recv.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Runs `f` on a reader connection without a transaction, for reads whose statements need
    /// no common snapshot (one statement, or several whose results are used independently).
    /// Cheaper than [`Store::read`]: no `BEGIN`/`COMMIT` round trips.
    pub async fn read_statement<T, E>(&self, f: impl AsyncFnOnce(&mut Tx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = self.inner.reader.acquire().await.map_err(|e| E::from(e.into()))?;
        let mut tx = Tx::plain(conn, self.inner.keyring.clone(), self.inner.backend);
        f(&mut tx).await
    }

    /// Runs `f` on a consistent read-only snapshot (on PostgreSQL, `REPEATABLE READ READ ONLY`).
    pub async fn read<T, E>(&self, f: impl AsyncFnOnce(&mut Tx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let begin = match self.inner.backend {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        let transaction = self.inner.reader.begin_with(begin).await.map_err(|e| E::from(e.into()))?;
        let mut tx = Tx::transaction(transaction, self.inner.keyring.clone(), self.inner.backend);
        let value = f(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Writes asked for after this are answered with [`StoreError::WriterGone`].
    pub async fn close(&self) {
        // Refuse new writes; the general writer finishes what is queued (up to a last no-op job
        // that wakes it), sees the flag, and closes its connection.
        self.inner.closed.store(true, std::sync::atomic::Ordering::Release);
        if let Writer::Queue(queue) = &self.inner.writer {
            // A last, empty turn wakes the writer so it sees the flag.
            let (lend, lent) = oneshot::channel();
            let (give_back, back) = oneshot::channel();
            drop((lent, give_back));
            if queue.send(crate::tx::Turn::new(lend, back)).await.is_ok() {
                let task = self.inner.writer_task.lock().ok().and_then(|mut t| t.take());
                if let Some(task) = task {
                    let _ = task.await;
                }
            }
        }
        if self.inner.sqlite_path.is_some() {
            let (send, recv) = oneshot::channel();
            if self.inner.checks.send(Queued::Close { reply: send }).await.is_ok() {
                let _ = recv.await;
            }
        }
        self.inner.reader.close().await;
    }

    /// Refuses work once [`Store::close`] has run.
    fn open_for_writes(&self) -> Result<(), StoreError> {
        if self.inner.closed.load(std::sync::atomic::Ordering::Acquire) { Err(StoreError::WriterGone) } else { Ok(()) }
    }
}

/// Per-connection SQLite settings: WAL for concurrent readers, a full flush on every commit
/// (durability), foreign keys, and zeroing of deleted content.
fn sqlite_pragmas(
    conn: &mut AnyConnection,
    _meta: sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;",
        )
        .await?;
        Ok(())
    })
}

/// PostgreSQL's check appender: batches of queued checks written through [`Store::write`]
/// (SQLite has a thread of its own for this, see `check_writer`).
async fn run_check_appender(store: std::sync::Weak<Inner>, mut queue: mpsc::Receiver<Queued>) {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(2));
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let Some(inner) = store.upgrade() else { return };
        let store = Store { inner };
        // Two batches in flight: while one commits, the next is already queued at the writer.
        let Ok(permit) = in_flight.clone().acquire_owned().await else { return };
        let mut records = Vec::with_capacity(batch.len());
        let mut leaves = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for item in batch {
            match item {
                Queued::Check { record, leaf, reply } => {
                    records.extend(record);
                    leaves.push(leaf);
                    replies.push(reply);
                }
                // Checkpoints go through `Store::write` on PostgreSQL (`store_checkpoint`), and
                // the WAL items are SQLite's.
                Queued::Checkpoint { reply, .. } => {
                    let _ = reply.send(Err(StoreError::WriterGone));
                }
                Queued::Truncate { reply } => {
                    let _ = reply.send(Ok(true));
                }
                Queued::Close { reply } => {
                    let _ = reply.send(());
                }
            }
        }
        tokio::spawn(async move {
            let result = store
                .write(async |tx| {
                    crate::checks::insert_many(tx, &records).await?;
                    crate::ledger::append_leaves(tx, &leaves).await
                })
                .await;
            drop(permit);
            match result {
                Ok(receipts) => {
                    for (reply, receipt) in replies.into_iter().zip(receipts) {
                        let _ = reply.send(Ok(receipt));
                    }
                }
                Err(e) => {
                    let failed = e.to_string();
                    for reply in replies {
                        let _ = reply.send(Err(StoreError::Database(Box::new(std::io::Error::other(failed.clone())))));
                    }
                }
            }
        });
    }
}

/// Normalizes a SQLite URL: creates the parent directory and asks for the file to be created.
pub(crate) fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Config("SQLite needs a file path (sqlite://./custos-data/custos.db)".into()));
    }
    if let Some(dir) = std::path::Path::new(path).parent() {
        crate::files::ensure_private_dir(dir)?;
    }
    let query = if query.is_empty() {
        "mode=rwc".to_owned()
    } else if query.contains("mode=") {
        query.to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

async fn load_keyring(conn: &mut AnyConnection, options: &StoreOptions) -> Result<Keyring, StoreError> {
    let stored_id: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT value FROM meta WHERE name = 'master_key_id'").fetch_optional(&mut *conn).await?;
    let stored_id = stored_id.map(|v| String::from_utf8_lossy(&v).into_owned());
    let path = &options.master_key_file;

    // Finish a rotation that committed but crashed before renaming the new key file.
    let pending = crate::maintenance::pending_key_path(path);
    if pending.exists() {
        let candidate = MasterKey::read(&pending)?;
        if stored_id.as_deref() == Some(candidate.key_id().as_str()) {
            std::fs::rename(&pending, path).map_err(|e| StoreError::MasterKey(format!("cannot replace {}: {e}", path.display())))?;
        } else {
            let _ = std::fs::remove_file(&pending);
        }
    }

    match stored_id {
        None => {
            let (master, _created) = MasterKey::load_or_create(path)?;
            let root = Keyring::new_root()?;
            let wrapped = master.wrap(ROOT_SECRET_LABEL, &root)?;
            conn.execute("BEGIN").await?;
            let insert = "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
            sqlx::query(insert).bind("master_key_id").bind(master.key_id().into_bytes()).execute(&mut *conn).await?;
            sqlx::query(insert).bind("root_secret").bind(wrapped).execute(&mut *conn).await?;
            conn.execute("COMMIT").await?;
            // Another process may have initialized the database concurrently: read back.
            Box::pin(load_keyring(conn, options)).await
        }
        Some(id) => {
            if !path.exists() {
                return Err(StoreError::MasterKey(format!(
                    "this database is encrypted under master key {id}, but {} does not exist",
                    path.display()
                )));
            }
            let master = MasterKey::read(path)?;
            if master.key_id() != id {
                return Err(StoreError::MasterKey(format!(
                    "this database is encrypted under master key {id}, but {} holds key {}",
                    path.display(),
                    master.key_id()
                )));
            }
            let wrapped: Vec<u8> = sqlx::query_scalar("SELECT value FROM meta WHERE name = 'root_secret'").fetch_one(&mut *conn).await?;
            let root = master.unwrap_key(ROOT_SECRET_LABEL, &wrapped)?;
            Ok(Keyring::new(master, root))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_and_normalized() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact_url("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/a/b.db", dir.path().display());
        assert!(sqlite_url(&url).expect("url").ends_with("/a/b.db?mode=rwc"));
        assert!(dir.path().join("a").is_dir());
        assert!(sqlite_url("sqlite::memory:").is_err());
    }
}

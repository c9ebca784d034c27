//! Test support, used only as a dev-dependency: each test gets its own database on either
//! backend (a SQLite file in a temporary directory, or a fresh schema in the PostgreSQL
//! database named by `CUSTOS_TEST_DATABASE_URL`), described by a URL and a master key path.
//!
//! It depends on no custos crate, so the store's own tests use it without the layers above
//! (`custos-testkit` adds the service and the HTTP server on top). [`backend_tests!`] turns
//! one async story `async fn name(backend: Backend)` into one test per backend. When `CI` is
//! set and `CUSTOS_TEST_DATABASE_URL` is not, the PostgreSQL tests fail instead of skipping.

use std::path::{Path, PathBuf};

use sqlx::{Connection, Executor};
use tempfile::TempDir;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh schema in the PostgreSQL test database.
    Postgres,
}

/// The PostgreSQL URL for tests, or `None` (outside CI) when not configured.
///
/// # Panics
/// In CI (`CI` set) when `CUSTOS_TEST_DATABASE_URL` is missing: PostgreSQL tests must run there.
pub fn postgres_url() -> Option<String> {
    match std::env::var("CUSTOS_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!("CI is set but CUSTOS_TEST_DATABASE_URL is not: the PostgreSQL tests cannot run"),
        _ => None,
    }
}

/// One test's private database, removed when dropped.
pub struct TestDatabase {
    /// The database URL (`sqlite://...` or `postgres://...` on its own schema).
    pub url: String,
    /// Where the master key goes.
    pub master_key_file: PathBuf,
    /// Temporary directory holding the master key (and, on SQLite, the database files).
    pub dir: TempDir,
    backend: Backend,
    schema: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates an empty database on `backend`. Returns `None` for PostgreSQL when it is not
    /// configured (outside CI).
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let master_key_file = dir.path().join("master.key");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}/custos.db", dir.path().display());
                Some(Self { url, master_key_file, dir, backend, schema: None })
            }
            Backend::Postgres => {
                let base = postgres_url()?;
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to CUSTOS_TEST_DATABASE_URL");
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).await.expect("create schema");
                conn.close().await.ok();
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                Some(Self { url, master_key_file, dir, backend, schema: Some((base, schema)) })
            }
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database file (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| self.dir.path().join("custos.db"))
    }

    /// The master key file.
    pub fn master_key_file(&self) -> &Path {
        &self.master_key_file
    }

    /// Runs one SQL statement directly on the database, outside custos (tests that set up a
    /// state no API produces, such as an expired session or a crashed worker).
    pub async fn execute(&self, sql: &str) {
        match &self.schema {
            Some(_) => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.expect("connect");
                conn.execute(sqlx::AssertSqlSafe(sql.to_owned())).await.expect("execute");
                conn.close().await.ok();
            }
            None => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.expect("open the SQLite file");
                conn.execute(sqlx::AssertSqlSafe(sql.to_owned())).await.expect("execute");
                conn.close().await.ok();
            }
        }
    }

    /// Runs `sql` (one column of blobs or text) on the SQLite database file directly, as an
    /// attacker with a copy of the file would, and returns the non-null values as bytes.
    /// Empty on PostgreSQL.
    pub async fn sqlite_values(&self, sql: &str) -> Vec<Vec<u8>> {
        let Some(path) = self.sqlite_path() else { return Vec::new() };
        let url = format!("sqlite://{}?mode=ro", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open the SQLite file");
        let rows: Vec<Option<Vec<u8>>> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_all(&mut conn).await.expect("raw query");
        conn.close().await.ok();
        rows.into_iter().flatten().collect()
    }

    /// Reads every table of the PostgreSQL schema as text, as an attacker with a dump would
    /// see it (for plaintext leak checks). Empty on SQLite.
    pub async fn postgres_dump(&self) -> String {
        let Some((base, schema)) = &self.schema else { return String::new() };
        let mut conn = sqlx::PgConnection::connect(base).await.expect("connect");
        let tables: Vec<String> = sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1")
            .bind(schema)
            .fetch_all(&mut conn)
            .await
            .expect("list tables");
        let mut out = String::new();
        for t in tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT t::text FROM {schema}.{t} t")))
                .fetch_all(&mut conn)
                .await
                .expect("dump");
            out.extend(rows);
        }
        out
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.schema.take() {
            // Drop the schema on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&base).await.ok()?;
                    conn.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).await.ok()?;
                    Some(())
                })
            })
            .join();
        }
    }
}

/// Every place under `dir` (files, recursively) where one of `needles` occurs, as
/// `(file, needle index)`: for checks that erased or sealed values are nowhere on disk.
pub fn find_in_files(dir: &Path, needles: &[Vec<u8>]) -> Vec<(PathBuf, usize)> {
    let mut hits = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else { continue };
            for (i, needle) in needles.iter().enumerate() {
                if !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    hits.push((path.clone(), i));
                }
            }
        }
    }
    hits
}

/// Turns async stories `async fn name(backend: Backend)` into one `#[tokio::test]` per backend,
/// in modules `sqlite` and `postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::postgres_url().is_none() {
                        eprintln!("CUSTOS_TEST_DATABASE_URL is not set: skipping the PostgreSQL run (CI never skips)");
                        return;
                    }
                    super::$name($crate::Backend::Postgres).await;
                }
            )*
        }
    };
}

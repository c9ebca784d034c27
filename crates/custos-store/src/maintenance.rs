//! Maintenance of a store: master key rotation, the scrub that takes erased data out of the
//! database's files, and backups.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::Executor as _;
use tokio::sync::oneshot;

use crate::{
    MasterKey, StoreError,
    db::{Backend, Queued, Store, StoreOptions, sqlite_url},
};

/// What [`Store::scrub_deleted`] vacuums on PostgreSQL: every table that holds sealed personal
/// data or a subject's wrapped key.
const POSTGRES_SCRUB_SQL: &str = "VACUUM subjects, subject_data, subject_lookups, subject_objections, consent_events, decisions, \
    decision_explanations, dsrs, dsr_notes, review_verdicts, privacy_sessions, privacy_codes, pii_vault, meta";

impl Store {
    /// Replaces the master key: every wrapped key is re-wrapped under a new key in one
    /// transaction; personal data itself is not touched. The new key is written beside the old
    /// file first (`<file>.new`) and renamed over it after the commit; [`Store::open`] finishes
    /// a rename that a crash interrupted. Running servers must be restarted afterwards.
    pub async fn rotate_master_key(&self) -> Result<String, StoreError> {
        let new_key = MasterKey::generate()?;
        let path = self.inner.master_key_file.clone();
        let pending = pending_key_path(&path);
        if pending.exists() {
            std::fs::remove_file(&pending).map_err(|e| StoreError::MasterKey(format!("cannot remove {}: {e}", pending.display())))?;
        }
        new_key.write_new(&pending)?;
        let rewrap_key = new_key.clone();
        let result = self
            .write(async |tx| {
                let count = crate::keys::rewrap_all(tx, &rewrap_key).await?;
                let event = serde_json::json!({
                    "event": custos_core::LedgerEvent::MasterKeyRotated.as_str(),
                    "at": custos_core::format_timestamp(&custos_core::now()),
                    "master_key_id": rewrap_key.key_id(),
                });
                let leaf = custos_ledger::canonical_json(&event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                crate::ledger::append_leaf(tx, leaf).await?;
                Ok(count)
            })
            .await;
        match result {
            Ok(count) => {
                std::fs::rename(&pending, &path).map_err(|e| StoreError::MasterKey(format!("cannot replace {}: {e}", path.display())))?;
                tracing::info!(rewrapped_keys = count, key_id = %new_key.key_id(), "master key rotated");
                // Keys wrapped under the old master key must not stay in the WAL.
                if !self.scrub_deleted(Duration::from_secs(10)).await? {
                    tracing::warn!("the WAL still holds keys wrapped under the old master key: a reader kept an old snapshot");
                }
                Ok(new_key.key_id())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&pending);
                Err(e)
            }
        }
    }

    /// Makes what was just deleted unrecoverable from the database's files, as far as the
    /// engine allows. Called after an erasure, a master-key rotation and a retention run that
    /// deleted values; the deletion itself must already be committed.
    ///
    /// On SQLite, deleted rows are zeroed in place (`secure_delete`), but the WAL still holds
    /// the pages as they were before, and the check writer checkpoints passively, so on a quiet
    /// server they would stay there. This checkpoints in TRUNCATE mode through the check writer
    /// (queued behind the checks already waiting, so the gate is held up by one checkpoint at
    /// most), retrying for up to `patience` while a reader holds an older snapshot; it returns
    /// whether the WAL is now empty. On PostgreSQL it runs `VACUUM` on the tables that hold
    /// sealed personal data (dead tuples go; WAL segments and backups keep older copies until
    /// they are recycled: docs/SECURITY.md) and returns `true`.
    pub async fn scrub_deleted(&self, patience: Duration) -> Result<bool, StoreError> {
        if self.inner.backend == Backend::Postgres {
            let mut conn = self.inner.reader.acquire().await?;
            conn.execute(POSTGRES_SCRUB_SQL).await?;
            return Ok(true);
        }
        let started = std::time::Instant::now();
        loop {
            let (send, recv) = oneshot::channel();
            self.inner.checks.send(Queued::Truncate { reply: send }).await.map_err(|_| StoreError::WriterGone)?;
            if recv.await.map_err(|_| StoreError::WriterGone)?? {
                return Ok(true);
            }
            if started.elapsed() >= patience {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Shuts the store down: on SQLite the check writer commits what is queued, merges the WAL
    /// into the database file (TRUNCATE checkpoint) and closes its connection, so a copy of
    /// `custos.db` after a clean stop is the whole database; then the pools close.
    /// Writes a consistent snapshot of the live database to `output` (a new file, mode
    /// `0600`) and returns its size. SQLite only (`VACUUM INTO`, online); on PostgreSQL use
    /// `pg_dump` (docs/SECURITY.md). The backup holds personal data sealed under the master
    /// key in force: keep that key file, and keep it apart from the backup.
    pub async fn backup(&self, output: &std::path::Path) -> Result<u64, StoreError> {
        if self.inner.backend == Backend::Postgres {
            return Err(StoreError::Config("custos backs up SQLite databases; back PostgreSQL up with pg_dump (docs/SECURITY.md)".into()));
        }
        let mut conn = self.inner.reader.acquire().await?;
        crate::files::backup_sqlite(&mut conn, output).await
    }

    /// Replaces the SQLite database named by `options` with the backup at `backup`, after
    /// checking its integrity and that `options.master_key_file` opens it. Refused while any
    /// store has the database open (a running server must be stopped first).
    pub fn restore(options: &StoreOptions, backup: &std::path::Path) -> Result<(), StoreError> {
        if !options.database_url.starts_with("sqlite:") {
            return Err(StoreError::Config(
                "custos restores SQLite databases; restore PostgreSQL with pg_restore (docs/SECURITY.md)".into(),
            ));
        }
        let url = sqlite_url(&options.database_url)?;
        let path = url
            .strip_prefix("sqlite://")
            .and_then(|r| r.split('?').next())
            .map(PathBuf::from)
            .ok_or_else(|| StoreError::Config("restore needs a sqlite:// database URL".into()))?;
        crate::files::restore_sqlite(&path, backup, &options.master_key_file)
    }
}

pub(crate) fn pending_key_path(path: &std::path::Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

//! The SQLite database's files: who may read them, who holds them open, and how they are
//! backed up and restored.
//!
//! - **Permissions.** The database holds staff password hashes, API key hashes and sealed
//!   personal data, so its directory is created `0700` and every file custos writes there
//!   (database, WAL, shared memory, check index, lock, backups) `0600`. SQLite gives its WAL and
//!   shared-memory files the database file's mode, so creating the database file first with
//!   `0600` covers them.
//! - **The lock file** (`<database>-lock`): every open store holds a shared lock on it for its
//!   life (servers, and the CLI's admin commands beside them); a restore needs the exclusive
//!   lock, so it cannot replace the files under a running server.
//! - **Backup** is `VACUUM INTO` on a reader connection: a consistent, compacted snapshot taken
//!   online, while the server keeps writing. **Restore** checks the backup (integrity, and that
//!   the master key file opens it) before it atomically replaces the database, and deletes the
//!   old WAL, shared memory and check index (a stale WAL applied to a restored file would
//!   corrupt it; the index is rebuilt from the log).

use std::{
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
};

use crate::{MasterKey, StoreError};

/// Creates `dir` (and its parents) if missing, the directory itself with mode `0700`. An
/// existing directory is left as it is (it may be the operator's working directory).
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))
}

/// Creates `path` empty with mode `0600` if it does not exist, and takes group and world
/// permissions away from it if it does (files of earlier versions were `0644`).
pub(crate) fn ensure_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", path.display())))?;
    restrict(&file, path)
}

/// Takes group and world permissions away from an open file.
fn restrict(file: &File, path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = file.metadata().map_err(|e| StoreError::Config(format!("cannot read {}: {e}", path.display())))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))
                .map_err(|e| StoreError::Config(format!("cannot restrict {}: {e}", path.display())))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (file, path);
    Ok(())
}

/// `<database><suffix>`: the WAL, shared-memory and lock files beside it.
pub(crate) fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Prepares the database's files before SQLite opens them: the directory `0700`, the database
/// file and the existing WAL and shared-memory files `0600`.
pub(crate) fn prepare_sqlite_files(db: &Path) -> Result<(), StoreError> {
    if let Some(dir) = db.parent() {
        ensure_private_dir(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            if let Ok(meta) = std::fs::metadata(dir)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(directory = %dir.display(), "other users can list the database directory; chmod 700 it");
            }
        }
    }
    ensure_private_file(db)?;
    for suffix in ["-wal", "-shm"] {
        let file = sibling(db, suffix);
        if file.exists() {
            ensure_private_file(&file)?;
        }
    }
    Ok(())
}

/// The shared lock every open store holds on `<database>-lock` (released when dropped).
#[derive(Debug)]
pub(crate) struct OpenLock(#[allow(dead_code)] File);

/// Takes the shared lock; fails only if a restore holds the exclusive one.
pub(crate) fn lock_shared(db: &Path) -> Result<OpenLock, StoreError> {
    let path = sibling(db, "-lock");
    ensure_private_file(&path)?;
    let file = File::options().read(true).write(true).open(&path).map_err(|e| StoreError::Config(format!("{}: {e}", path.display())))?;
    match file.try_lock_shared() {
        Ok(()) => Ok(OpenLock(file)),
        Err(_) => Err(StoreError::Config(format!("{} is being restored; try again when the restore is done", db.display()))),
    }
}

/// Writes a consistent snapshot of the database to `output` (which must not exist), `0600`.
pub(crate) async fn backup_sqlite(conn: &mut sqlx::AnyConnection, output: &Path) -> Result<u64, StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(output).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", output.display())))?;
    let target = output.to_str().ok_or_else(|| StoreError::Config("the backup path must be valid UTF-8".into()))?;
    let result = sqlx::query("VACUUM INTO $1").bind(target).execute(&mut *conn).await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(output);
        return Err(e.into());
    }
    let file = File::open(output).map_err(|e| StoreError::Config(format!("{}: {e}", output.display())))?;
    file.sync_all().map_err(|e| StoreError::Config(format!("{}: {e}", output.display())))?;
    Ok(file.metadata().map(|m| m.len()).unwrap_or(0))
}

/// Replaces the database at `db` by the backup at `backup`, which must pass SQLite's integrity
/// check and be sealed under the master key in `master_key_file`. Needs the exclusive lock: no
/// store may have the database open.
pub(crate) fn restore_sqlite(db: &Path, backup: &Path, master_key_file: &Path) -> Result<(), StoreError> {
    use rusqlite::{Connection, OpenFlags};
    let lock_path = sibling(db, "-lock");
    if let Some(dir) = db.parent() {
        ensure_private_dir(dir)?;
    }
    ensure_private_file(&lock_path)?;
    let lock =
        File::options().read(true).write(true).open(&lock_path).map_err(|e| StoreError::Config(format!("{}: {e}", lock_path.display())))?;
    if lock.try_lock().is_err() {
        return Err(StoreError::Config(format!(
            "{} is open (a server or another command is using it): stop it before restoring",
            db.display()
        )));
    }

    // The backup: readable, intact, and sealed under the key we have.
    let check = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Config(format!("{} is not a SQLite database: {e}", backup.display())))?;
    let integrity: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| StoreError::Config(format!("{} cannot be read: {e}", backup.display())))?;
    if integrity != "ok" {
        return Err(StoreError::Config(format!("{} fails SQLite's integrity check: {integrity}", backup.display())));
    }
    let key_id: Vec<u8> = check
        .query_row("SELECT value FROM meta WHERE name = 'master_key_id'", [], |r| r.get(0))
        .map_err(|_| StoreError::Config(format!("{} is not a custos database", backup.display())))?;
    drop(check);
    let key_id = String::from_utf8_lossy(&key_id).into_owned();
    let master = MasterKey::read(master_key_file)?;
    if master.key_id() != key_id {
        return Err(StoreError::MasterKey(format!(
            "the backup is sealed under master key {key_id}, but {} holds key {}: restore with the key file that was in force when the backup was taken",
            master_key_file.display(),
            master.key_id()
        )));
    }

    // Copy beside the database, flush, then rename over it: the database is either the old
    // one or the backup, never half of each.
    let staged = sibling(db, "-restore");
    let _ = std::fs::remove_file(&staged);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut out = options.open(&staged).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", staged.display())))?;
    let mut input = File::open(backup).map_err(|e| StoreError::Config(format!("{}: {e}", backup.display())))?;
    std::io::copy(&mut input, &mut out).map_err(|e| StoreError::Config(format!("cannot copy the backup: {e}")))?;
    out.sync_all().map_err(|e| StoreError::Config(format!("cannot flush {}: {e}", staged.display())))?;
    drop(out);
    for suffix in ["-wal", "-shm"] {
        remove_if_present(&sibling(db, suffix))?;
    }
    let index = crate::indexer::index_path(db);
    for suffix in ["", "-wal", "-shm"] {
        remove_if_present(&sibling(&index, suffix))?;
    }
    std::fs::rename(&staged, db).map_err(|e| StoreError::Config(format!("cannot replace {}: {e}", db.display())))?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    drop(lock);
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Config(format!("cannot remove {}: {e}", path.display()))),
    }
}

//! The operator's tasks, for the CLI and the health check: backups, master-key rotation, and
//! what the deployment runs on. (Restoring a backup is [`crate::Service::restore`]: it runs
//! with no service open.)

use crate::{Backend, Service, ServiceError};

/// The operator's tasks.
#[derive(Clone, Copy)]
pub struct Admin<'a>(pub(crate) &'a Service);

impl Admin<'_> {
    /// Writes an online, consistent backup of the SQLite database to `output` (a new file,
    /// mode 0600); returns its size in bytes. PostgreSQL is backed up with `pg_dump`.
    pub async fn backup(&self, output: &std::path::Path) -> Result<u64, ServiceError> {
        Ok(self.0.store.backup(output).await?)
    }

    /// Replaces the master key: every wrapped key is re-wrapped under a new one (data is not
    /// re-encrypted); returns the new key's id. Running servers must be restarted.
    pub async fn rotate_master_key(&self) -> Result<String, ServiceError> {
        Ok(self.0.store.rotate_master_key().await?)
    }

    /// Indexes the e-mail and phone of every subject for lookup (subjects stored before 0.3's
    /// contact index; new and changed subjects are indexed as they are written), a thousand per
    /// transaction; returns how many were indexed.
    pub async fn reindex_contacts(&self, progress: impl Fn(u64)) -> Result<u64, ServiceError> {
        let mut after: Option<custos_core::SubjectId> = None;
        let mut done = 0;
        loop {
            let (last, n) = self
                .0
                .write(async |tx| {
                    let page = custos_store::subjects::page(tx, after.as_ref(), 1000).await?;
                    let mut n = 0;
                    for s in &page {
                        if custos_store::subjects::reindex_contacts(tx, &s.subject_id).await? {
                            n += 1;
                        }
                    }
                    Ok((page.last().map(|s| s.subject_id), n))
                })
                .await?;
            done += n;
            progress(done);
            match last {
                Some(id) => after = Some(id),
                None => return Ok(done),
            }
        }
    }

    /// The database engine.
    pub fn backend(&self) -> Backend {
        self.0.store.backend()
    }
}

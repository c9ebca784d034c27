//! The audit ledger's storage: leaves appended inside the transaction of the change they
//! record, interior nodes and signed checkpoints published off the request path, and the
//! reads that proofs and `custos ledger verify` need.
//!
//! Leaf indexes must be dense and commit in order. SQLite has one writer at a time, so the
//! next index is simply one past the largest. PostgreSQL runs writers concurrently, so a
//! transaction takes a transaction-scoped advisory lock right before its leaves and keeps it
//! until it commits: indexes are then handed out in commit order, and the lock is held only
//! for the tail of each transaction.

use std::collections::BTreeMap;

use custos_ledger::{Checkpoint, CompactRange, Hash, NodeId, NoteSigner, NoteVerifier, leaf_hash};
use sqlx::{AssertSqlSafe, Executor, Row};

use crate::{StoreError, Tx, db::Store};

mod publish;
mod verify;

pub(crate) use publish::{CheckpointRows, INSERT_CHECKPOINT_SQL, INSERT_NODE_SQL, insert_nodes_and_checkpoint};

/// Appends leaves to the ledger in this transaction; they commit (or roll back) with it.
pub async fn append_leaves(tx: &mut Tx, leaves: &[Vec<u8>]) -> Result<Vec<Receipt>, StoreError> {
    if leaves.is_empty() {
        return Ok(Vec::new());
    }
    if tx.conn().backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LEDGER_LOCK).execute(tx.conn()).await?;
    }
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves").fetch_one(tx.conn()).await?;
    let mut receipts = Vec::with_capacity(leaves.len());
    for (chunk_no, chunk) in leaves.chunks(500).enumerate() {
        let base = next + (chunk_no * 500) as i64;
        let sql = format!("INSERT INTO ledger_leaves (leaf_index, leaf) VALUES {}", tx.values_list(chunk.len(), 2));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (i, leaf) in chunk.iter().enumerate() {
            query = query.bind(base + i as i64).bind(leaf.clone());
            receipts.push(Receipt { leaf_index: (base + i as i64) as u64, leaf_hash: leaf_hash(leaf) });
        }
        query.execute(tx.conn()).await?;
    }
    Ok(receipts)
}

/// Appends one leaf; see [`Tx::append_leaves`].
pub async fn append_leaf(tx: &mut Tx, leaf: Vec<u8>) -> Result<Receipt, StoreError> {
    let receipts = append_leaves(tx, std::slice::from_ref(&leaf)).await?;
    receipts.into_iter().next().ok_or_else(|| StoreError::Corrupt("no receipt for an appended leaf".into()))
}

/// Identifies the advisory lock that serializes ledger appends on PostgreSQL ("custos" in
/// ASCII, to stay clear of locks other applications take in the same database).
const LEDGER_LOCK: i64 = 0x637573746f73;

/// Leaves read per query while publishing or verifying.
const CHUNK: u64 = 1 << 14;

/// Most leaves one checkpoint transaction covers. A backlog (after a bulk import, or a
/// restart under load) is signed in slices, so no single transaction holds SQLite's one
/// writer long enough to stall the gate checks queued behind it.
const SLICE: u64 = 1 << 13;

/// Proof that a change was recorded: where its leaf is and what it hashes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Position of the leaf in the log.
    pub leaf_index: u64,
    /// RFC 9162 leaf hash of the leaf bytes.
    pub leaf_hash: Hash,
}

/// A published checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size it commits to.
    pub tree_size: u64,
    /// The signed note text.
    pub note: String,
}

/// The ledger's signing identity, loaded with the store.
pub struct LedgerKeys {
    pub(crate) signer: NoteSigner,
    pub(crate) origin: String,
}

impl std::fmt::Debug for LedgerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerKeys").field("origin", &self.origin).finish_non_exhaustive()
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Leaves read and hashed.
    pub leaves: u64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: u64,
    /// Stored nodes compared with the recomputed tree.
    pub nodes: u64,
    /// The size of the latest checkpoint; leaves past it are not covered by a signature yet.
    pub signed_size: u64,
    /// The first problem found, if any.
    pub divergence: Option<String>,
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_hash(bytes: Vec<u8>) -> Result<Hash, StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt("a stored ledger hash is not 32 bytes".into()))
}

/// Loads the ledger's signing key and origin from `meta`, creating them on a new database.
/// The key is wrapped by the master key; the verifier key and origin sit beside it in clear.
pub(crate) async fn load_keys(
    conn: &mut sqlx::AnyConnection,
    keyring: &crate::Keyring,
    wanted_origin: Option<&str>,
) -> Result<LedgerKeys, StoreError> {
    let get = |name: &'static str| sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM meta WHERE name = $1").bind(name);
    let wrapped = get("ledger_signing_key").fetch_optional(&mut *conn).await?;
    let Some(wrapped) = wrapped else {
        let mut id = [0u8; 6];
        getrandom::fill(&mut id).map_err(|_| StoreError::Crypto("the operating system's random source failed"))?;
        let origin =
            wanted_origin.map(str::to_owned).unwrap_or_else(|| format!("localhost/custos/{}", data_encoding::HEXLOWER.encode(&id)));
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| StoreError::Crypto("the operating system's random source failed"))?;
        let signer = NoteSigner::from_seed(&origin, &seed).map_err(|e| StoreError::Config(format!("--ledger-origin: {e}")))?;
        let wrapped = keyring.master().wrap(crate::crypto::LEDGER_KEY_LABEL, &seed)?;
        conn.execute("BEGIN").await?;
        let insert = "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
        sqlx::query(insert).bind("ledger_signing_key").bind(wrapped).execute(&mut *conn).await?;
        sqlx::query(insert).bind("ledger_origin").bind(origin.into_bytes()).execute(&mut *conn).await?;
        sqlx::query(insert).bind("ledger_verifier_key").bind(signer.verifier_key().into_bytes()).execute(&mut *conn).await?;
        conn.execute("COMMIT").await?;
        // Another process may have created them first: read back what won.
        return Box::pin(load_keys(conn, keyring, wanted_origin)).await;
    };
    let origin = get("ledger_origin").fetch_one(&mut *conn).await?;
    let origin = String::from_utf8(origin).map_err(|_| StoreError::Corrupt("the ledger origin is not UTF-8".into()))?;
    if let Some(wanted) = wanted_origin
        && wanted != origin
    {
        return Err(StoreError::Config(format!(
            "this database's ledger origin is {origin:?}; it is fixed when the ledger is created and cannot become {wanted:?}"
        )));
    }
    let seed = zeroize::Zeroizing::new(keyring.master().unwrap_key(crate::crypto::LEDGER_KEY_LABEL, &wrapped)?);
    let signer = NoteSigner::from_seed(&origin, &seed).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(LedgerKeys { signer, origin })
}

/// The ledger of a store: its keys, reads for proofs and verification, and checkpoint
/// publication (appending happens in a write's transaction: [`append_leaf`]).
#[derive(Clone, Copy)]
pub struct Ledger<'a>(pub(crate) &'a Store);

impl<'a> Ledger<'a> {
    /// Benchmarks only: appends `count` leaves made by `leaf` (indices from the current size
    /// on) in large transactions without a flush per leaf, reporting progress. SQLite only; the
    /// leaves are not covered by a checkpoint until the next is published.
    pub fn bulk_load_benchmark_leaves(
        &self,
        count: u64,
        leaf: impl Fn(u64) -> Vec<u8>,
        mut progress: impl FnMut(u64),
    ) -> Result<(), StoreError> {
        let Some(path) = self.0.sqlite_path() else {
            return Err(StoreError::Config("the bulk loader runs on SQLite only".into()));
        };
        let mut conn = rusqlite::Connection::open(path).map_err(crate::direct::db_error)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;")
            .map_err(crate::direct::db_error)?;
        let first: i64 = conn
            .query_row("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves", [], |r| r.get(0))
            .map_err(crate::direct::db_error)?;
        let (first, end) = (first as u64, first as u64 + count);
        let mut next = first;
        while next < end {
            let to = (next + 200_000).min(end);
            let tx = conn.transaction().map_err(crate::direct::db_error)?;
            {
                let mut insert =
                    tx.prepare_cached("INSERT INTO ledger_leaves (leaf_index, leaf) VALUES (?1, ?2)").map_err(crate::direct::db_error)?;
                for i in next..to {
                    insert.execute(rusqlite::params![i as i64, leaf(i)]).map_err(crate::direct::db_error)?;
                }
            }
            tx.commit().map_err(crate::direct::db_error)?;
            progress(to - first);
            next = to;
        }
        Ok(())
    }

    /// The ledger's origin line.
    pub fn origin(&self) -> &'a str {
        &self.0.ledger_keys().origin
    }

    /// The note verifier key that checks this ledger's checkpoints.
    pub fn verifier_key(&self) -> String {
        self.0.ledger_keys().signer.verifier_key()
    }

    /// Number of leaves committed so far.
    pub async fn size(&self) -> Result<u64, StoreError> {
        self.0
            .read_statement(async |tx| {
                sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves")
                    .fetch_one(tx.conn())
                    .await
                    .map(|v| v as u64)
                    .map_err(StoreError::from)
            })
            .await
    }

    /// The latest published checkpoint, if any.
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let latest = self.checkpoints("SELECT tree_size, note FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1").await?.pop();
        if let Some(c) = &latest {
            self.0.saw_signed_size(c.tree_size);
        }
        Ok(latest)
    }

    async fn checkpoints(&self, sql: &'static str) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.0
            .read_statement(async |tx| {
                sqlx::query(sql)
                    .fetch_all(tx.conn())
                    .await
                    .map_err(StoreError::from)
                    .and_then(|rows| rows.iter().map(checkpoint_row).collect())
            })
            .await
    }

    /// The leaf at `index`.
    pub async fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.leaves(index, index.saturating_add(1)).await?.into_iter().next().map(|(_, leaf)| leaf))
    }

    /// Leaves `[from, to)` with their indexes, in order.
    pub async fn leaves(&self, from: u64, to: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        if let Some(path) = self.0.sqlite_path() {
            return crate::direct::with_connection(path, |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT leaf_index, leaf FROM ledger_leaves WHERE leaf_index >= ?1 AND leaf_index < ?2 ORDER BY leaf_index",
                    )
                    .map_err(crate::direct::db_error)?;
                let rows = stmt
                    .query_map([to_i64(from), to_i64(to)], |r| {
                        // SQLite lets a writer store any type; a leaf changed to text must still
                        // be read (and then fail verification), not stop the reader.
                        let leaf = match r.get_ref(1)? {
                            rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => b.to_vec(),
                            other => format!("{other:?}").into_bytes(),
                        };
                        Ok((r.get::<_, i64>(0)? as u64, leaf))
                    })
                    .map_err(crate::direct::db_error)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(crate::direct::db_error)
            });
        }
        self.0
            .read_statement(async |tx| {
                sqlx::query("SELECT leaf_index, leaf FROM ledger_leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index")
                    .bind(to_i64(from))
                    .bind(to_i64(to))
                    .fetch_all(tx.conn())
                    .await
                    .map_err(StoreError::from)
                    .and_then(|rows| {
                        rows.iter()
                            .map(|row| Ok((row.try_get::<i64, _>(0)? as u64, row.try_get::<Vec<u8>, _>(1)?)))
                            .collect::<Result<Vec<_>, sqlx::Error>>()
                            .map_err(StoreError::from)
                    })
            })
            .await
    }

    /// Stored nodes of `level` with indexes in `[from, to)`, in order.
    async fn node_range(&self, level: u8, from: u64, to: u64) -> Result<Vec<(u64, Hash)>, StoreError> {
        let rows: Vec<(u64, Vec<u8>)> = if let Some(path) = self.0.sqlite_path() {
            crate::direct::with_connection(path, |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT node_index, hash FROM ledger_nodes WHERE level = ?1 AND node_index >= ?2 AND node_index < ?3 ORDER BY node_index",
                    )
                    .map_err(crate::direct::db_error)?;
                let rows = stmt
                    .query_map([i64::from(level), to_i64(from), to_i64(to)], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?)))
                    .map_err(crate::direct::db_error)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(crate::direct::db_error)
            })?
        } else {
            self.0.read_statement(async |tx| {
                sqlx::query(
                    "SELECT node_index, hash FROM ledger_nodes WHERE level = $1 AND node_index >= $2 AND node_index < $3 ORDER BY node_index",
                )
                .bind(i32::from(level))
                .bind(to_i64(from))
                .bind(to_i64(to))
                .fetch_all(tx.conn())
                .await
                .and_then(|rows| rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)? as u64, r.try_get::<Vec<u8>, _>(1)?))).collect())
                .map_err(StoreError::from)
            })
            .await?
        };
        rows.into_iter().map(|(i, h)| Ok((i, to_hash(h)?))).collect()
    }

    /// The hashes of `ids` (level 0 is hashed from the leaf), `None` where not stored.
    pub async fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError> {
        if let Some(path) = self.0.sqlite_path() {
            return crate::direct::with_connection(path, |conn| {
                let mut leaf =
                    conn.prepare_cached("SELECT leaf FROM ledger_leaves WHERE leaf_index = ?1").map_err(crate::direct::db_error)?;
                let mut node = conn
                    .prepare_cached("SELECT hash FROM ledger_nodes WHERE level = ?1 AND node_index = ?2")
                    .map_err(crate::direct::db_error)?;
                ids.iter()
                    .map(|id| {
                        let found: Option<Vec<u8>> = if id.level == 0 {
                            leaf.query_row([to_i64(id.index)], |r| r.get(0)).map(|l: Vec<u8>| Some(leaf_hash(&l).to_vec()))
                        } else {
                            node.query_row([i64::from(id.level), to_i64(id.index)], |r| r.get(0)).map(Some)
                        }
                        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
                        .map_err(crate::direct::db_error)?;
                        found.map(to_hash).transpose()
                    })
                    .collect()
            });
        }
        let ids = ids.to_vec();
        self.0.read_statement(async |tx| postgres_nodes(tx, &ids).await).await
    }

    /// Every stored checkpoint, smallest first.
    pub async fn all_checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.checkpoints("SELECT tree_size, note FROM ledger_checkpoints ORDER BY tree_size").await
    }
}

fn checkpoint_row(row: &sqlx::any::AnyRow) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint { tree_size: row.try_get::<i64, _>("tree_size")? as u64, note: row.try_get("note")? })
}

async fn postgres_nodes(tx: &mut Tx, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError> {
    let mut found: BTreeMap<NodeId, Hash> = BTreeMap::new();
    for chunk in ids.chunks(400) {
        let (leaves, nodes): (Vec<&NodeId>, Vec<&NodeId>) = chunk.iter().partition(|id| id.level == 0);
        if !leaves.is_empty() {
            let list: Vec<String> = (1..=leaves.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT leaf_index, leaf FROM ledger_leaves WHERE leaf_index IN ({})", list.join(", "));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &leaves {
                q = q.bind(to_i64(id.index));
            }
            for row in q.fetch_all(tx.conn()).await? {
                let leaf: Vec<u8> = row.try_get(1)?;
                found.insert(NodeId::new(0, row.try_get::<i64, _>(0)? as u64), leaf_hash(&leaf));
            }
        }
        if !nodes.is_empty() {
            let list: Vec<String> = (0..nodes.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!("SELECT level, node_index, hash FROM ledger_nodes WHERE (level, node_index) IN ({})", list.join(", "));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &nodes {
                q = q.bind(i32::from(id.level)).bind(to_i64(id.index));
            }
            for row in q.fetch_all(tx.conn()).await? {
                let level = u8::try_from(row.try_get::<i32, _>(0)?).map_err(|_| StoreError::Corrupt("bad node level".into()))?;
                found.insert(NodeId::new(level, row.try_get::<i64, _>(1)? as u64), to_hash(row.try_get(2)?)?);
            }
        }
    }
    Ok(ids.iter().map(|id| found.get(id).copied()).collect())
}

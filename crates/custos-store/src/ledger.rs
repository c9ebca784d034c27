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

impl Store {
    /// Benchmarks only: appends `count` leaves made by `leaf` (indices from the current size
    /// on) in large transactions without a flush per leaf, reporting progress. SQLite only; the
    /// leaves are not covered by a checkpoint until the next is published.
    pub fn bulk_load_benchmark_leaves(
        &self,
        count: u64,
        leaf: impl Fn(u64) -> Vec<u8>,
        mut progress: impl FnMut(u64),
    ) -> Result<(), StoreError> {
        let Some(path) = self.sqlite_path() else {
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
    pub fn ledger_origin(&self) -> &str {
        &self.ledger_keys().origin
    }

    /// The note verifier key that checks this ledger's checkpoints.
    pub fn ledger_verifier_key(&self) -> String {
        self.ledger_keys().signer.verifier_key()
    }

    /// Number of leaves committed so far.
    pub async fn ledger_size(&self) -> Result<u64, StoreError> {
        self.read_statement(async |tx| {
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
            self.saw_signed_size(c.tree_size);
        }
        Ok(latest)
    }

    async fn checkpoints(&self, sql: &'static str) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.read_statement(async |tx| {
            sqlx::query(sql).fetch_all(tx.conn()).await.map_err(StoreError::from).and_then(|rows| rows.iter().map(checkpoint_row).collect())
        })
        .await
    }

    /// The leaf at `index`.
    pub async fn ledger_leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.ledger_leaves(index, index.saturating_add(1)).await?.into_iter().next().map(|(_, leaf)| leaf))
    }

    /// Leaves `[from, to)` with their indexes, in order.
    pub async fn ledger_leaves(&self, from: u64, to: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        if let Some(path) = self.sqlite_path() {
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
        self.read_statement(async |tx| {
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
    async fn ledger_node_range(&self, level: u8, from: u64, to: u64) -> Result<Vec<(u64, Hash)>, StoreError> {
        let rows: Vec<(u64, Vec<u8>)> = if let Some(path) = self.sqlite_path() {
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
            self.read_statement(async |tx| {
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
    pub async fn ledger_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError> {
        if let Some(path) = self.sqlite_path() {
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
        self.read_statement(async |tx| postgres_nodes(tx, &ids).await).await
    }

    /// Computes the nodes of every leaf added since the last checkpoint and stores them with a
    /// signed checkpoint, in transactions of at most [`SLICE`] leaves each. Returns the last
    /// checkpoint published, `None` when there is nothing new.
    pub async fn publish_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let mut state = self.ledger_state().lock().await;
        let result = self.publish_locked(&mut state).await;
        if result.is_err() {
            *state = None; // reload from the database next time
        }
        result
    }

    async fn publish_locked(&self, state: &mut Option<CompactRange>) -> Result<Option<StoredCheckpoint>, StoreError> {
        if state.is_none() {
            let signed = self.latest_checkpoint().await?.map_or(0, |c| c.tree_size);
            let ids = CompactRange::edge_nodes(signed);
            let hashes = self.ledger_nodes(&ids).await?.into_iter().collect::<Option<Vec<_>>>();
            let hashes = hashes.ok_or_else(|| StoreError::Corrupt(format!("the nodes of checkpoint {signed} are missing")))?;
            *state = Some(CompactRange::from_edge(signed, hashes).ok_or_else(|| StoreError::Corrupt("bad ledger edge".into()))?);
        }
        let Some(range) = state.as_mut() else { return Ok(None) };
        let size = self.ledger_size().await?;
        let mut published = None;
        while range.size() < size {
            let slice_end = (range.size() + SLICE).min(size);
            published = Some(self.publish_slice(range, slice_end).await?);
        }
        Ok(published)
    }

    /// Extends `range` to `size` leaves and stores the new nodes with a checkpoint.
    async fn publish_slice(&self, range: &mut CompactRange, size: u64) -> Result<StoredCheckpoint, StoreError> {
        let mut nodes: Vec<(NodeId, Hash)> = Vec::new();
        let mut working = range.clone();
        while working.size() < size {
            let from = working.size();
            let leaves = self.ledger_leaves(from, (from + CHUNK).min(size)).await?;
            if leaves.is_empty() {
                return Err(StoreError::Corrupt(format!("ledger leaf {from} is missing")));
            }
            for (index, leaf) in leaves {
                if index != working.size() {
                    return Err(StoreError::Corrupt(format!("ledger leaf {} is missing", working.size())));
                }
                nodes.extend(working.append(leaf_hash(&leaf)).into_iter().filter(|(id, _)| id.level > 0));
            }
        }
        let checkpoint = Checkpoint { origin: self.ledger_origin().to_owned(), size, root: working.root() };
        let note = checkpoint.sign(&self.ledger_keys().signer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let stored = StoredCheckpoint { tree_size: size, note: note.clone() };
        let published_at = custos_core::format_timestamp(&custos_core::now());
        self.store_checkpoint(CheckpointRows { nodes, size, note, published_at }).await?;
        *range = working;
        self.saw_signed_size(size);
        Ok(stored)
    }

    /// Recomputes the whole tree from the stored leaves and checks every stored node and
    /// checkpoint (signature, origin, root) against it; reports the first divergence.
    /// `progress` is called with the number of leaves checked so far.
    pub async fn verify_ledger(&self, mut progress: impl FnMut(u64, u64)) -> Result<VerifyReport, StoreError> {
        let verifier = NoteVerifier::parse(&self.ledger_verifier_key()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let origin = self.ledger_origin().to_owned();
        let mut report = VerifyReport::default();
        let checkpoints = self.all_checkpoints().await?;
        let mut signed: BTreeMap<u64, Hash> = BTreeMap::new();
        for c in &checkpoints {
            match Checkpoint::open(&c.note, &verifier, Some(&origin)) {
                Ok(body) if body.size == c.tree_size => {
                    signed.insert(c.tree_size, body.root);
                }
                Ok(body) => {
                    report.divergence = Some(format!("checkpoint row {} holds a note for size {}", c.tree_size, body.size));
                    return Ok(report);
                }
                Err(e) => {
                    report.divergence = Some(format!("checkpoint {}: {e}", c.tree_size));
                    return Ok(report);
                }
            }
        }
        report.signed_size = signed.keys().next_back().copied().unwrap_or(0);
        let size = self.ledger_size().await?;
        if size < report.signed_size {
            report.divergence = Some(format!("checkpoint {} covers more leaves than the {size} stored", report.signed_size));
            return Ok(report);
        }
        // Blocks of CHUNK leaves are checked on blocking threads, several in flight so both
        // cores work; results are absorbed in order. On SQLite each worker reads its block and
        // the block's stored nodes itself (its own connection, no copies), hashes the block as a
        // whole subtree and compares the nodes; on PostgreSQL the leaves are read here.
        let mut range = CompactRange::new();
        let mut in_flight: std::collections::VecDeque<tokio::task::JoinHandle<Result<Block, StoreError>>> = Default::default();
        let mut next_read = 0u64;
        let signed_size = report.signed_size;
        loop {
            while in_flight.len() < 3 && next_read < size {
                let (from, to) = (next_read, (next_read + CHUNK).min(size));
                in_flight.push_back(match self.sqlite_path() {
                    Some(path) => {
                        let path = path.to_owned();
                        tokio::task::spawn_blocking(move || check_block_sqlite(&path, from, to, signed_size))
                    }
                    None => {
                        let leaves = self.ledger_leaves(from, to).await?;
                        tokio::task::spawn_blocking(move || Ok(hash_read_block(from, to, leaves)))
                    }
                });
                next_read = to;
            }
            let Some(next) = in_flight.pop_front() else { break };
            let chunk = match next.await.map_err(|_| StoreError::Corrupt("a verify worker failed".into()))?? {
                Ok(chunk) => chunk,
                Err(problem) => {
                    report.divergence = Some(problem);
                    return Ok(report);
                }
            };
            let (mut computed, problem) = absorb_chunk(&mut range, chunk, &signed, &mut report);
            if let Some(problem) = problem {
                report.divergence = Some(problem);
                return Ok(report);
            }
            if let Some(problem) = self.compare_nodes(&mut computed, &mut report).await? {
                report.divergence = Some(problem);
                return Ok(report);
            }
            progress(range.size(), size);
        }
        if let Some(problem) = self.count_nodes(report.signed_size).await? {
            report.divergence = Some(problem);
        }
        Ok(report)
    }

    async fn compare_nodes(&self, computed: &mut Vec<(NodeId, Hash)>, report: &mut VerifyReport) -> Result<Option<String>, StoreError> {
        if computed.is_empty() {
            return Ok(None);
        }
        computed.sort_unstable_by_key(|(id, _)| *id);
        // One range read per level: the computed nodes of a level are consecutive.
        for level_nodes in computed.chunk_by(|a, b| a.0.level == b.0.level) {
            let level = level_nodes[0].0.level;
            let (from, to) = (level_nodes[0].0.index, level_nodes[level_nodes.len() - 1].0.index + 1);
            let stored = self.ledger_node_range(level, from, to).await?;
            let mut stored = stored.into_iter().peekable();
            for (id, want) in level_nodes {
                while stored.peek().is_some_and(|(i, _)| *i < id.index) {
                    stored.next();
                }
                match stored.peek() {
                    Some((i, h)) if *i == id.index => {
                        if h != want {
                            return Ok(Some(format!("node level {} index {} does not match the leaves", id.level, id.index)));
                        }
                        report.nodes += 1;
                    }
                    _ => return Ok(Some(format!("node level {} index {} is missing", id.level, id.index))),
                }
            }
        }
        computed.clear();
        Ok(None)
    }

    /// Extra stored nodes (rows no leaf accounts for) are a divergence too. A verification can run
    /// while the server keeps publishing checkpoints: nodes beyond the signed tree it verified are
    /// allowed when a checkpoint stored by now covers them (they are verified next time); any
    /// other extra node is a divergence.
    async fn count_nodes(&self, signed_size: u64) -> Result<Option<String>, StoreError> {
        let signed = signed_size as i64;
        let counts: Vec<(i64, i64, i64)> = self
            .read_statement(async |tx| {
                sqlx::query(
                    "SELECT level, COUNT(*), SUM(CASE WHEN node_index < ($1 >> CAST(level AS INTEGER)) THEN 1 ELSE 0 END) \
                     FROM ledger_nodes GROUP BY level ORDER BY level",
                )
                .bind(signed)
                .fetch_all(tx.conn())
                .await
                .and_then(|rows| {
                    rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<i64, _>(2)?))).collect()
                })
                .map_err(StoreError::from)
            })
            .await?;
        // Read after the counts: every node counted belongs to a checkpoint stored by now.
        let latest = self.latest_checkpoint().await?.map_or(signed_size, |c| c.tree_size.max(signed_size));
        for (level, total, within) in counts {
            let (expected, allowed) = if (1..64).contains(&level) { (signed_size >> level, latest >> level) } else { (0, 0) };
            if within as u64 != expected || total as u64 > allowed {
                return Ok(Some(format!("level {level} holds {total} nodes; the signed tree has {expected}")));
            }
        }
        Ok(None)
    }

    /// Every stored checkpoint, smallest first.
    pub async fn all_checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.checkpoints("SELECT tree_size, note FROM ledger_checkpoints ORDER BY tree_size").await
    }
}

/// One chunk of leaves, hashed: a full chunk (aligned, [`CHUNK`] leaves) as all the levels
/// of its perfect subtree, the last partial chunk as its leaf hashes only.
struct HashedChunk {
    from: u64,
    /// An aligned power-of-two block, hashed as a whole subtree.
    whole: bool,
    levels: Vec<Vec<Hash>>,
    /// The number of the block's own stored nodes already compared (by the worker), or `None`
    /// when they are still to be compared.
    checked_nodes: Option<u64>,
}

/// A checked block, or the first problem found in it.
type Block = Result<HashedChunk, String>;

/// Hashes leaves starting at `from` (a multiple of `block`, a power of two).
fn hash_chunk(from: u64, hashes: Vec<Hash>, block: u64) -> HashedChunk {
    let whole = hashes.len() as u64 == block;
    let levels = if whole { custos_ledger::subtree_levels(hashes) } else { vec![hashes] };
    HashedChunk { from, whole, levels, checked_nodes: None }
}

/// Checks that leaves `[from, to)` were all read, in order, and hashes them.
fn hash_read_block(from: u64, to: u64, leaves: Vec<(u64, Vec<u8>)>) -> Block {
    if let Some((k, (index, _))) = leaves.iter().enumerate().find(|(k, (index, _))| *index != from + *k as u64) {
        return Err(format!("leaf {} is missing (next stored leaf is {index})", from + k as u64));
    }
    if leaves.len() as u64 != to - from {
        return Err(format!("leaf {} is missing", from + leaves.len() as u64));
    }
    Ok(hash_chunk(from, leaves.iter().map(|(_, leaf)| leaf_hash(leaf)).collect(), CHUNK))
}

/// The SQLite worker of `verify`: reads leaves `[from, to)` and hashes them in place, and for
/// a whole block compares its stored nodes (inside the signed tree) with the recomputed ones.
fn check_block_sqlite(path: &std::path::Path, from: u64, to: u64, signed_size: u64) -> Result<Block, StoreError> {
    use rusqlite::types::ValueRef;
    let err = crate::direct::db_error;
    crate::direct::with_connection(path, |conn| {
        // A scan reads every page once: map the file instead of copying pages through read().
        conn.pragma_update(None, "mmap_size", 1i64 << 31).map_err(err)?;
        let mut hashes = Vec::with_capacity((to - from) as usize);
        {
            let mut stmt = conn
                .prepare_cached("SELECT leaf_index, leaf FROM ledger_leaves WHERE leaf_index >= ?1 AND leaf_index < ?2 ORDER BY leaf_index")
                .map_err(err)?;
            let mut rows = stmt.query([to_i64(from), to_i64(to)]).map_err(err)?;
            while let Some(row) = rows.next().map_err(err)? {
                let index = row.get::<_, i64>(0).map_err(err)? as u64;
                let expected = from + hashes.len() as u64;
                if index != expected {
                    return Ok(Err(format!("leaf {expected} is missing (next stored leaf is {index})")));
                }
                // Any type a tamperer stored is hashed as its bytes (and then fails to match).
                hashes.push(match row.get_ref(1).map_err(err)? {
                    ValueRef::Blob(b) | ValueRef::Text(b) => leaf_hash(b),
                    other => leaf_hash(format!("{other:?}").as_bytes()),
                });
            }
        }
        if hashes.len() as u64 != to - from {
            return Ok(Err(format!("leaf {} is missing", from + hashes.len() as u64)));
        }
        let mut chunk = hash_chunk(from, hashes, CHUNK);
        if !chunk.whole {
            return Ok(Ok(chunk));
        }
        let mut compared = 0;
        let mut stmt = conn
            .prepare_cached(
                "SELECT node_index, hash FROM ledger_nodes WHERE level = ?1 AND node_index >= ?2 AND node_index < ?3 ORDER BY node_index",
            )
            .map_err(err)?;
        for (level, computed) in chunk.levels.iter().enumerate().skip(1) {
            let first = from >> level;
            // Only nodes inside the signed tree are stored.
            let end = (first + computed.len() as u64).min(signed_size >> level);
            let mut expected = first;
            if end > first {
                let mut rows = stmt.query([level as i64, to_i64(first), to_i64(end)]).map_err(err)?;
                while let Some(row) = rows.next().map_err(err)? {
                    let index = row.get::<_, i64>(0).map_err(err)? as u64;
                    if index != expected {
                        return Ok(Err(format!("node level {level} index {expected} is missing")));
                    }
                    let matches = matches!(row.get_ref(1).map_err(err)?, ValueRef::Blob(b) if b == computed[(index - first) as usize]);
                    if !matches {
                        return Ok(Err(format!("node level {level} index {index} does not match the leaves")));
                    }
                    expected += 1;
                    compared += 1;
                }
            }
            if expected < end {
                return Ok(Err(format!("node level {level} index {expected} is missing")));
            }
        }
        chunk.checked_nodes = Some(compared);
        Ok(Ok(chunk))
    })
}

/// Adds a hashed chunk to `range`: returns the nodes to compare with the stored ones (those
/// inside the signed tree) and the first checkpoint whose root the leaves contradict.
fn absorb_chunk(
    range: &mut CompactRange,
    chunk: HashedChunk,
    signed: &BTreeMap<u64, Hash>,
    report: &mut VerifyReport,
) -> (Vec<(NodeId, Hash)>, Option<String>) {
    let signed_size = report.signed_size;
    let inside = |id: &NodeId| id.level > 0 && (id.index + 1) << id.level <= signed_size;
    let from = chunk.from;
    let count = chunk.levels[0].len() as u64;
    let mut computed = Vec::new();
    let check = |size: u64, root: Hash, report: &mut VerifyReport| match signed.get(&size) {
        Some(expected) if *expected != root => Some(format!("the leaves do not match checkpoint {size}: the recomputed root differs")),
        Some(_) => {
            report.checkpoints += 1;
            None
        }
        None => None,
    };
    if chunk.whole {
        // Checkpoints inside the block: the tree so far, then the block's own subtrees.
        for (&size, _) in signed.range(from + 1..from + count) {
            let more: Vec<Hash> = custos_ledger::CompactRange::edge_nodes(size - from)
                .iter()
                .map(|id| chunk.levels[id.level as usize][id.index as usize])
                .collect();
            if let Some(problem) = check(size, range.root_extended(&more), report) {
                return (computed, Some(problem));
            }
        }
        match chunk.checked_nodes {
            Some(n) => report.nodes += n,
            None => {
                for (level, hashes) in chunk.levels.iter().enumerate().skip(1) {
                    let first = from >> level;
                    computed.extend(
                        hashes
                            .iter()
                            .enumerate()
                            .map(|(i, h)| (NodeId::new(level as u8, first + i as u64), *h))
                            .filter(|(id, _)| inside(id)),
                    );
                }
            }
        }
        let root = chunk.levels.last().and_then(|l| l.first()).copied().unwrap_or_default();
        let above = range.append_subtree((chunk.levels.len() - 1) as u8, root).unwrap_or_default();
        computed.extend(above.into_iter().filter(|(id, _)| inside(id)));
        report.leaves += count;
        if let Some(problem) = check(range.size(), range.root(), report) {
            return (computed, Some(problem));
        }
    } else {
        for hash in &chunk.levels[0] {
            computed.extend(range.append(*hash).into_iter().filter(|(id, _)| inside(id)));
            report.leaves += 1;
            if let Some(problem) = check(range.size(), range.root(), report) {
                return (computed, Some(problem));
            }
        }
    }
    (computed, None)
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

/// A signed checkpoint as rows: the nodes it adds and its note.
pub(crate) struct CheckpointRows {
    pub(crate) nodes: Vec<(NodeId, Hash)>,
    pub(crate) size: u64,
    pub(crate) note: String,
    pub(crate) published_at: String,
}

/// The nodes and checkpoint statements (SQLite's check writer uses the same text).
pub(crate) const INSERT_NODE_SQL: &str = "INSERT INTO ledger_nodes (level, node_index, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) const INSERT_CHECKPOINT_SQL: &str =
    "INSERT INTO ledger_checkpoints (tree_size, note, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) async fn insert_nodes_and_checkpoint(tx: &mut Tx, rows: &CheckpointRows) -> Result<(), StoreError> {
    for chunk in rows.nodes.chunks(300) {
        let sql =
            format!("INSERT INTO ledger_nodes (level, node_index, hash) VALUES {} ON CONFLICT DO NOTHING", tx.values_list(chunk.len(), 3));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, hash) in chunk {
            q = q.bind(i32::from(id.level)).bind(to_i64(id.index)).bind(hash.to_vec());
        }
        q.execute(tx.conn()).await?;
    }
    sqlx::query(INSERT_CHECKPOINT_SQL)
        .bind(to_i64(rows.size))
        .bind(rows.note.clone())
        .bind(rows.published_at.clone())
        .execute(tx.conn())
        .await?;
    Ok(())
}

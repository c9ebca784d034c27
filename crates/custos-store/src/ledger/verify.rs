//! Verifying the whole ledger against its signed checkpoints, block by block (`custos ledger
//! verify`, the console's "verify now").

use super::*;

impl Ledger<'_> {
    /// Recomputes the whole tree from the stored leaves and checks every stored node and
    /// checkpoint (signature, origin, root) against it; reports the first divergence.
    /// `progress` is called with the number of leaves checked so far.
    pub async fn verify(&self, mut progress: impl FnMut(u64, u64)) -> Result<VerifyReport, StoreError> {
        let verifier = NoteVerifier::parse(&self.verifier_key()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let origin = self.origin().to_owned();
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
        let size = self.size().await?;
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
                in_flight.push_back(match self.0.sqlite_path() {
                    Some(path) => {
                        let path = path.to_owned();
                        tokio::task::spawn_blocking(move || check_block_sqlite(&path, from, to, signed_size))
                    }
                    None => {
                        let leaves = self.leaves(from, to).await?;
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
            let stored = self.node_range(level, from, to).await?;
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
            .0
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

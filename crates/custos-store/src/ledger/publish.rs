//! Publishing signed checkpoints: the interior nodes and the signed note of each new tree size,
//! written off the request path in slices.

use super::*;

impl Ledger<'_> {
    /// Computes the nodes of every leaf added since the last checkpoint and stores them with a
    /// signed checkpoint, in transactions of at most [`SLICE`] leaves each. Returns the last
    /// checkpoint published, `None` when there is nothing new.
    pub async fn publish_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let mut state = self.0.ledger_state().lock().await;
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
            let hashes = self.nodes(&ids).await?.into_iter().collect::<Option<Vec<_>>>();
            let hashes = hashes.ok_or_else(|| StoreError::Corrupt(format!("the nodes of checkpoint {signed} are missing")))?;
            *state = Some(CompactRange::from_edge(signed, hashes).ok_or_else(|| StoreError::Corrupt("bad ledger edge".into()))?);
        }
        let Some(range) = state.as_mut() else { return Ok(None) };
        let size = self.size().await?;
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
            let leaves = self.leaves(from, (from + CHUNK).min(size)).await?;
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
        let checkpoint = Checkpoint { origin: self.origin().to_owned(), size, root: working.root() };
        let note = checkpoint.sign(&self.0.ledger_keys().signer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let stored = StoredCheckpoint { tree_size: size, note: note.clone() };
        let published_at = custos_core::format_timestamp(&custos_core::now());
        self.0.store_checkpoint(CheckpointRows { nodes, size, note, published_at }).await?;
        *range = working;
        self.0.saw_signed_size(size);
        Ok(stored)
    }
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

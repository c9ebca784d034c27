//! The custos audit ledger engine: an append-only log that anyone can check without trusting
//! the operator, built the way Certificate Transparency logs are so existing verifiers
//! understand it.
//!
//! - [`tree`]: RFC 9162 Merkle Tree Hash (SHA-256, `0x00` leaf and `0x01` node prefixes) and
//!   a [`CompactRange`] that grows the tree one leaf at a time, yielding the nodes to store.
//! - [`proof`]: inclusion and consistency proofs, planned as O(log n) node reads and checked
//!   with the RFC's verification algorithms.
//! - [`note`]: C2SP signed notes (Ed25519) and `tlog-checkpoint` bodies.
//! - [`LeafStore`]: the small storage interface, with [`MemoryLog`] for tests and tools.
//! - [`canonical_json`]: the RFC 8785 encoding of leaves.
//!
//! No I/O happens here; the database lives in `custos-store`.

pub mod note;
pub mod proof;
pub mod tree;

pub use note::{Checkpoint, NoteSigner, NoteVerifier};
pub use proof::{ProofPlan, consistency_plan, inclusion_plan, root_from_inclusion, root_plan, verify_consistency, verify_inclusion};
pub use tree::{CompactRange, Hash, NodeId, empty_root, leaf_hash, node_hash, root_of, subtree_levels};

/// Why a ledger operation or check failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LedgerError {
    /// A proof or root was asked for sizes or indexes that do not exist.
    #[error("invalid range: {0}")]
    InvalidRange(String),
    /// A node a proof needs is not stored.
    #[error("the ledger has no node at level {} index {}", .0.level, .0.index)]
    MissingNode(NodeId),
    /// A proof does not check out.
    #[error("the proof does not verify: {0}")]
    BadProof(String),
    /// A key is malformed.
    #[error("bad key: {0}")]
    BadKey(String),
    /// A note or checkpoint is malformed.
    #[error("bad note: {0}")]
    BadNote(String),
    /// A signature by the expected key is present but does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// A leaf cannot be encoded canonically.
    #[error("the leaf cannot be encoded as canonical JSON: {0}")]
    Encoding(String),
}

/// RFC 8785 (JSON Canonicalization Scheme) bytes of `value`: sorted keys, no whitespace,
/// ECMAScript number forms. The same event always gives the same leaf bytes, so anyone can
/// re-derive a leaf from its content.
pub fn canonical_json(value: &serde_json::Value) -> Result<Vec<u8>, LedgerError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| LedgerError::Encoding(e.to_string()))
}

/// Where a log keeps its leaves and the hashes of its perfect subtrees.
///
/// Appends are the only change; nodes are derived from leaves, so an implementation may
/// compute and store them later (custos-store does, off the request path).
pub trait LeafStore {
    /// The error of the backing storage.
    type Error: From<LedgerError>;

    /// Number of leaves.
    fn size(&self) -> Result<u64, Self::Error>;
    /// Appends leaves; returns the index of the first.
    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<u64, Self::Error>;
    /// The leaf at `index`.
    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, Self::Error>;
    /// The hashes of `ids`, in the same order; `None` for a node not stored (yet).
    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, Self::Error>;

    /// The root of the first `size` leaves.
    fn root(&self, size: u64) -> Result<Hash, Self::Error> {
        if size == 0 {
            return Ok(empty_root());
        }
        let hashes = run_plan(self, &root_plan(size)?)?;
        Ok(hashes[0])
    }

    /// The audit path of leaf `index` in the tree of `size` leaves.
    fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, Self::Error> {
        self.check_size(size)?;
        run_plan(self, &inclusion_plan(index, size)?)
    }

    /// The proof that the tree of `first` leaves is a prefix of the tree of `second`.
    fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, Self::Error> {
        self.check_size(second)?;
        run_plan(self, &consistency_plan(first, second)?)
    }

    /// Fails if the log is smaller than `size`.
    fn check_size(&self, size: u64) -> Result<(), Self::Error> {
        let have = self.size()?;
        if size > have {
            return Err(LedgerError::InvalidRange(format!("the log has {have} leaves, not {size}")).into());
        }
        Ok(())
    }
}

/// Reads a plan's nodes from `store` in one call and folds them.
pub fn run_plan<S: LeafStore + ?Sized>(store: &S, plan: &ProofPlan) -> Result<Vec<Hash>, S::Error> {
    let ids = plan.node_ids();
    let found = store.nodes(&ids)?;
    Ok(plan.assemble_read(&ids, &found)?)
}

/// A log held in memory: leaves and every node, kept up to date on append.
#[derive(Debug, Default, Clone)]
pub struct MemoryLog {
    leaves: Vec<Vec<u8>>,
    /// `levels[l][i]` is node (l, i).
    levels: Vec<Vec<Hash>>,
    edge: CompactRange,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// The root of the whole log.
    pub fn current_root(&self) -> Hash {
        self.edge.root()
    }
}

impl LeafStore for MemoryLog {
    type Error = LedgerError;

    fn size(&self) -> Result<u64, LedgerError> {
        Ok(self.leaves.len() as u64)
    }

    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<u64, LedgerError> {
        let first = self.leaves.len() as u64;
        for leaf in leaves {
            for (id, hash) in self.edge.append(leaf_hash(leaf)) {
                let level = id.level as usize;
                if self.levels.len() <= level {
                    self.levels.resize_with(level + 1, Vec::new);
                }
                debug_assert_eq!(self.levels[level].len() as u64, id.index);
                self.levels[level].push(hash);
            }
            self.leaves.push(leaf.clone());
        }
        Ok(first)
    }

    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        Ok(usize::try_from(index).ok().and_then(|i| self.leaves.get(i)).cloned())
    }

    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, LedgerError> {
        Ok(ids
            .iter()
            .map(|id| self.levels.get(id.level as usize).and_then(|l| usize::try_from(id.index).ok().and_then(|i| l.get(i))).copied())
            .collect())
    }
}

//! Ledger entries and proofs on the wire.

use custos_service::ledger as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A ledger entry: the exact leaf bytes and their hash, both base64.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LedgerEntryView {
    /// Position of the leaf.
    pub index: u64,
    /// The leaf bytes (RFC 8785 canonical JSON), base64.
    pub leaf: String,
    /// RFC 9162 leaf hash, base64.
    pub leaf_hash: String,
}

impl From<domain::LedgerEntryView> for LedgerEntryView {
    fn from(e: domain::LedgerEntryView) -> Self {
        Self { index: e.index, leaf: e.leaf, leaf_hash: e.leaf_hash }
    }
}

/// An RFC 9162 audit path.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct InclusionProofView {
    /// The leaf.
    pub leaf_index: u64,
    /// The tree the path leads to the root of.
    pub tree_size: u64,
    /// Sibling hashes from the leaf upwards, base64.
    pub hashes: Vec<String>,
}

impl From<domain::InclusionProofView> for InclusionProofView {
    fn from(p: domain::InclusionProofView) -> Self {
        Self { leaf_index: p.leaf_index, tree_size: p.tree_size, hashes: p.hashes }
    }
}

/// An RFC 9162 consistency proof.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ConsistencyProofView {
    /// Size of the older tree.
    pub first: u64,
    /// Size of the newer tree.
    pub second: u64,
    /// The proof's hashes, base64.
    pub hashes: Vec<String>,
}

impl From<domain::ConsistencyProofView> for ConsistencyProofView {
    fn from(p: domain::ConsistencyProofView) -> Self {
        Self { first: p.first, second: p.second, hashes: p.hashes }
    }
}

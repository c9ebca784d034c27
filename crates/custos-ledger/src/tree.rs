//! RFC 9162 section 2.1 Merkle Tree Hash over a log of leaves, with the tree held as
//! "perfect" subtrees: a node is the hash of `2^level` consecutive leaves starting at a
//! multiple of `2^level`. Every hash the RFC's algorithms need is a fold of O(log n) such
//! nodes, so a store that keeps them answers any proof without recomputing the tree.

use ring::digest::{Context, SHA256, digest};

/// A SHA-256 hash: a leaf hash, a node hash or a tree root.
pub type Hash = [u8; 32];

/// `MTH({})`: the root of the empty tree, SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    to_hash(digest(&SHA256, &[]))
}

fn to_hash(d: ring::digest::Digest) -> Hash {
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// `MTH({d})` of one leaf: SHA-256 of `0x00 || leaf`. The prefix keeps leaves and interior
/// nodes from ever being confused (second-preimage resistance).
///
/// Tree hashing uses ring's SHA-256 (assembly, AVX2 where available): on the 2-core machines
/// custos is measured on, which lack the SHA extensions, it hashes leaves 1.9x faster than
/// the portable `sha2` crate, and hashing bounds `custos ledger verify` (docs/BENCHMARKS.md).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Context::new(&SHA256);
    h.update(&[0u8]);
    h.update(leaf);
    to_hash(h.finish())
}

/// An interior node: SHA-256 of `0x01 || left || right`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut block = [0u8; 65];
    block[0] = 1;
    block[1..33].copy_from_slice(left);
    block[33..].copy_from_slice(right);
    to_hash(digest(&SHA256, &block))
}

/// A perfect subtree: the `2^level` leaves starting at `index * 2^level`. Level 0 is a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves.
    pub level: u8,
    /// Position among the nodes of that level, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// The node at `level` and `index`.
    pub fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }
}

/// The perfect subtrees that make up leaves `[start, end)`, left to right. The RFC's
/// recursions only ask for ranges whose start is a multiple of the largest power of two not
/// above their length; for those the nodes are the binary digits of the length.
pub(crate) fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    let mut at = start;
    while at < end {
        let len = end - at;
        let mut level = 63 - len.leading_zeros();
        // Alignment: the node must start at a multiple of its width.
        while level > 0 && !at.is_multiple_of(1u64 << level) {
            level -= 1;
        }
        nodes.push(NodeId::new(level as u8, at >> level));
        at += 1u64 << level;
    }
    nodes
}

/// `MTH` of a range from its perfect subtrees (as [`range_nodes`] lists them): the RFC
/// splits at the largest power of two below the length, so the hash folds from the right.
pub(crate) fn fold_range(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, left| node_hash(left, &acc)))
}

/// The right edge of a growing tree: one hash per set bit of the size, largest subtree
/// first. Appending a leaf completes nodes; the caller stores them to answer proofs later.
/// Memory is O(log n) whatever the size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    /// Hashes of the perfect subtrees covering `[0, size)`, largest first.
    edge: Vec<Hash>,
}

impl CompactRange {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes a tree of `size` leaves from the hashes of [`CompactRange::edge_nodes`]`(size)`
    /// in that order; `None` if the count does not match.
    pub fn from_edge(size: u64, edge: Vec<Hash>) -> Option<Self> {
        (edge.len() == size.count_ones() as usize).then_some(Self { size, edge })
    }

    /// The nodes whose hashes describe a tree of `size` leaves, largest first.
    pub fn edge_nodes(size: u64) -> Vec<NodeId> {
        range_nodes(0, size)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns every node it completes, the leaf itself (level 0) first.
    pub fn append(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let index = self.size;
        let mut done = vec![(NodeId::new(0, index), leaf)];
        let mut hash = leaf;
        let mut level = 0u8;
        // Each trailing one bit of the old size is a subtree of the same height to merge with.
        while (index >> level) & 1 == 1 {
            let left = self.edge.pop().unwrap_or(hash);
            hash = node_hash(&left, &hash);
            level += 1;
            done.push((NodeId::new(level, index >> level), hash));
        }
        self.edge.push(hash);
        self.size += 1;
        done
    }

    /// `MTH` of the whole tree.
    pub fn root(&self) -> Hash {
        fold_range(&self.edge).unwrap_or_else(empty_root)
    }

    /// Appends a whole perfect subtree of `2^level` leaves with hash `hash`; the size must be
    /// a multiple of `2^level`. Returns the nodes above it that this completes.
    pub fn append_subtree(&mut self, level: u8, hash: Hash) -> Option<Vec<(NodeId, Hash)>> {
        let width = 1u64 << level;
        if !self.size.is_multiple_of(width) {
            return None;
        }
        let index = self.size >> level;
        let mut done = Vec::new();
        let mut hash = hash;
        let mut at = level;
        while (index >> (at - level)) & 1 == 1 {
            let left = self.edge.pop()?;
            hash = node_hash(&left, &hash);
            at += 1;
            done.push((NodeId::new(at, self.size >> at), hash));
        }
        self.edge.push(hash);
        self.size += width;
        Some(done)
    }

    /// `MTH` of this tree followed by leaves whose perfect subtrees (largest first, as
    /// [`CompactRange::edge_nodes`] lists the rest of a larger tree) hash to `more`.
    pub fn root_extended(&self, more: &[Hash]) -> Hash {
        let all: Vec<Hash> = self.edge.iter().chain(more).copied().collect();
        fold_range(&all).unwrap_or_else(empty_root)
    }
}

/// Every node of the perfect subtree over `leaf_hashes` (a power-of-two count): `levels[0]`
/// are the leaf hashes, `levels[l][i]` is node (l, first_node(l) + i), the last level holds the
/// subtree's root. Independent of the rest of the tree, so blocks hash in parallel.
pub fn subtree_levels(leaf_hashes: Vec<Hash>) -> Vec<Vec<Hash>> {
    debug_assert!(leaf_hashes.len().is_power_of_two());
    let mut levels = vec![leaf_hashes];
    while levels.last().is_some_and(|l| l.len() > 1) {
        let below = levels.last().map(Vec::as_slice).unwrap_or_default();
        let next = below.chunks_exact(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
        levels.push(next);
    }
    levels
}

/// `MTH` of a list of leaves, computed directly from the RFC's recursive definition. Used to
/// check everything else; O(n) memory.
pub fn root_of(leaves: &[&[u8]]) -> Hash {
    fn mth(hashes: &[Hash]) -> Hash {
        match hashes.len() {
            0 => empty_root(),
            1 => hashes[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&hashes[..k]), &mth(&hashes[k..]))
            }
        }
    }
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
    mth(&hashes)
}

/// The largest power of two strictly below `n` (n >= 2): where the RFC splits a tree.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_points_are_the_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
    }

    #[test]
    fn ranges_decompose_into_aligned_perfect_subtrees() {
        assert_eq!(range_nodes(0, 7), vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]);
        assert_eq!(range_nodes(4, 7), vec![NodeId::new(1, 2), NodeId::new(0, 6)]);
        assert_eq!(range_nodes(8, 16), vec![NodeId::new(3, 1)]);
        assert!(range_nodes(5, 5).is_empty());
    }

    #[test]
    fn subtrees_append_like_their_leaves() {
        let leaves: Vec<Hash> = (0..96u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut one_by_one = CompactRange::new();
        for l in &leaves {
            one_by_one.append(*l);
        }
        let mut by_blocks = CompactRange::new();
        for block in leaves.chunks(32) {
            let levels = subtree_levels(block.to_vec());
            let root = levels.last().and_then(|l| l.first()).copied().expect("root");
            by_blocks.append_subtree(5, root).expect("aligned");
        }
        assert_eq!(by_blocks, one_by_one);
        // The root part-way into a block, from the block's own nodes.
        let mut base = CompactRange::new();
        base.append_subtree(6, {
            let levels = subtree_levels(leaves[..64].to_vec());
            levels[6][0]
        });
        let levels = subtree_levels(leaves[64..96].to_vec());
        let more: Vec<Hash> =
            range_nodes(64, 64 + 21).iter().map(|id| levels[id.level as usize][(id.index - (64 >> id.level)) as usize]).collect();
        let mut reference = CompactRange::new();
        for l in &leaves[..85] {
            reference.append(*l);
        }
        assert_eq!(base.root_extended(&more), reference.root());
        assert!(base.append_subtree(7, [0; 32]).is_none(), "misaligned subtree refused");
    }

    #[test]
    fn compact_range_matches_the_recursive_definition() {
        let leaves: Vec<Vec<u8>> = (0..70u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let mut range = CompactRange::new();
        assert_eq!(range.root(), empty_root());
        for n in 1..=leaves.len() {
            let done = range.append(leaf_hash(&leaves[n - 1]));
            assert_eq!(done[0].0, NodeId::new(0, n as u64 - 1));
            let refs: Vec<&[u8]> = leaves[..n].iter().map(Vec::as_slice).collect();
            assert_eq!(range.root(), root_of(&refs), "size {n}");
            assert_eq!(range.size(), n as u64);
        }
    }
}

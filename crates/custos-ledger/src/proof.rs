//! Inclusion and consistency proofs (RFC 9162 sections 2.1.3 and 2.1.4).
//!
//! Generation is split so the engine does no I/O: a [`ProofPlan`] says which stored nodes a
//! proof needs (O(log n) of them), the caller reads them in one go from wherever the tree is
//! kept, and [`ProofPlan::assemble`] folds them into the proof's hashes.

use std::collections::BTreeSet;

use crate::{
    LedgerError,
    tree::{Hash, NodeId, fold_range, node_hash, range_nodes, split_point},
};

/// The stored nodes a proof (or a root) needs, and how to fold them into its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPlan {
    /// One entry per hash of the result: the perfect subtrees whose fold is that hash.
    parts: Vec<Vec<NodeId>>,
}

impl ProofPlan {
    /// Every node the plan reads, each once, in ascending order.
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.parts.iter().flatten().copied().collect::<BTreeSet<_>>().into_iter().collect()
    }

    /// Folds the hashes read for [`ProofPlan::node_ids`] (same order, `None` where a node
    /// is not stored) into the result's hashes.
    pub fn assemble_read(&self, ids: &[NodeId], found: &[Option<Hash>]) -> Result<Vec<Hash>, LedgerError> {
        let map: std::collections::HashMap<NodeId, Hash> = ids.iter().zip(found).filter_map(|(id, h)| h.map(|h| (*id, h))).collect();
        self.assemble(|id| map.get(&id).copied())
    }

    /// Folds the nodes into the result's hashes. `lookup` returns a node's hash; a missing
    /// node is an error naming it.
    pub fn assemble(&self, mut lookup: impl FnMut(NodeId) -> Option<Hash>) -> Result<Vec<Hash>, LedgerError> {
        self.parts
            .iter()
            .map(|nodes| {
                let hashes = nodes.iter().map(|id| lookup(*id).ok_or(LedgerError::MissingNode(*id))).collect::<Result<Vec<_>, _>>()?;
                fold_range(&hashes).ok_or(LedgerError::MissingNode(NodeId::new(0, 0)))
            })
            .collect()
    }
}

/// The plan for `MTH` of the first `size` leaves (one hash).
pub fn root_plan(size: u64) -> Result<ProofPlan, LedgerError> {
    if size == 0 {
        return Err(LedgerError::InvalidRange("the empty tree has no stored root; it is SHA-256 of nothing".into()));
    }
    Ok(ProofPlan { parts: vec![range_nodes(0, size)] })
}

/// The plan for the audit path of leaf `index` in the tree of `size` leaves (RFC 9162
/// 2.1.3.1), hashes ordered from the leaf upwards.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, LedgerError> {
    if index >= size {
        return Err(LedgerError::InvalidRange(format!("leaf {index} is not in a tree of {size} leaves")));
    }
    // PATH(m, D[start:start+n]) appends the sibling after the sub-path: walk down, then reverse.
    let (mut m, mut start, mut n) = (index, 0u64, size);
    let mut top_down = Vec::new();
    while n > 1 {
        let k = split_point(n);
        if m < k {
            top_down.push(range_nodes(start + k, start + n));
            n = k;
        } else {
            top_down.push(range_nodes(start, start + k));
            m -= k;
            start += k;
            n -= k;
        }
    }
    top_down.reverse();
    Ok(ProofPlan { parts: top_down })
}

/// The plan for the proof that the tree of `first` leaves is a prefix of the tree of
/// `second` leaves (RFC 9162 2.1.4.1). Equal sizes give an empty proof.
pub fn consistency_plan(first: u64, second: u64) -> Result<ProofPlan, LedgerError> {
    if first == 0 || first > second {
        return Err(LedgerError::InvalidRange(format!("no consistency proof from {first} to {second} leaves (need 1 <= first <= second)")));
    }
    // SUBPROOF(m, D[start:start+n], b), unrolled the same way as the audit path.
    let (mut m, mut start, mut n, mut whole) = (first, 0u64, second, true);
    let mut top_down = Vec::new();
    while m != n {
        let k = split_point(n);
        if m <= k {
            top_down.push(range_nodes(start + k, start + n));
            n = k;
        } else {
            top_down.push(range_nodes(start, start + k));
            m -= k;
            start += k;
            n -= k;
            whole = false;
        }
    }
    if !whole {
        top_down.push(range_nodes(start, start + n));
    }
    top_down.reverse();
    Ok(ProofPlan { parts: top_down })
}

fn lsb(x: u64) -> bool {
    x & 1 == 1
}

/// The RFC's "right-shift fn and sn equally until either LSB(fn) is set or fn is 0".
fn shift_to_set_bit(f_n: &mut u64, s_n: &mut u64) {
    while !lsb(*f_n) && *f_n != 0 {
        *f_n >>= 1;
        *s_n >>= 1;
    }
}

/// The root that an audit path leads to from `leaf_hash` (RFC 9162 2.1.3.2 steps 1-5).
pub fn root_from_inclusion(index: u64, size: u64, leaf_hash: &Hash, path: &[Hash]) -> Result<Hash, LedgerError> {
    if index >= size {
        return Err(LedgerError::BadProof(format!("leaf {index} is not in a tree of {size} leaves")));
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in path {
        if s_n == 0 {
            return Err(LedgerError::BadProof("the audit path is longer than the tree is deep".into()));
        }
        if lsb(f_n) || f_n == s_n {
            r = node_hash(p, &r);
            shift_to_set_bit(&mut f_n, &mut s_n);
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(LedgerError::BadProof("the audit path is shorter than the tree is deep".into()));
    }
    Ok(r)
}

/// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf_hash: &Hash, path: &[Hash], root: &Hash) -> Result<(), LedgerError> {
    if root_from_inclusion(index, size, leaf_hash, path)? != *root {
        return Err(LedgerError::BadProof("the audit path does not lead to the root".into()));
    }
    Ok(())
}

/// Checks that the tree of `first` leaves with root `first_root` is a prefix of the tree of
/// `second` leaves with root `second_root` (RFC 9162 2.1.4.2).
pub fn verify_consistency(first: u64, second: u64, first_root: &Hash, second_root: &Hash, proof: &[Hash]) -> Result<(), LedgerError> {
    if first == 0 || first > second {
        return Err(LedgerError::BadProof(format!("no consistency proof from {first} to {second} leaves")));
    }
    if first == second {
        if !proof.is_empty() {
            return Err(LedgerError::BadProof("a proof between equal sizes must be empty".into()));
        }
        if first_root != second_root {
            return Err(LedgerError::BadProof("equal sizes with different roots".into()));
        }
        return Ok(());
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((seed, rest)) = path.split_first() else {
        return Err(LedgerError::BadProof("the consistency proof is empty".into()));
    };
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    while lsb(f_n) {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*seed, *seed);
    for c in rest {
        if s_n == 0 {
            return Err(LedgerError::BadProof("the consistency proof is too long".into()));
        }
        if lsb(f_n) || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            shift_to_set_bit(&mut f_n, &mut s_n);
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(LedgerError::BadProof("the consistency proof is too short".into()));
    }
    if f_r != *first_root {
        return Err(LedgerError::BadProof("the proof does not lead to the first root".into()));
    }
    if s_r != *second_root {
        return Err(LedgerError::BadProof("the proof does not lead to the second root".into()));
    }
    Ok(())
}

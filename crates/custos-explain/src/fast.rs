//! Path-dependent TreeSHAP with per-leaf precomputation, for explaining many rows.
//!
//! For one leaf with value `v` whose path splits on the distinct features `U` (`k = |U|`), the
//! path-dependent expectation given a coalition `S` is `v * prod_{u in U} (u in S ? o_u : z_u)`,
//! where `z_u` is the product of the cover ratios of the path's splits on `u` and `o_u` is 1 when
//! the row satisfies all of them (else 0). Its Shapley value for `i in U` is therefore
//!
//! ```text
//! v (o_i - z_i) * prod_{j not in P, j != i} z_j * sum_{S subset of P \ {i}} w(|S|, k) prod_{j in P \ S \ {i}} z_j
//! ```
//!
//! with `P` the features the row agrees with and `w(s, k) = s! (k - s - 1)! / k!`: it depends on
//! the row only through `P`, one of `2^k` masks. So each leaf gets a table of `2^k x k` values,
//! computed once per model (the inner sum is a polynomial coefficient sum, O(k^2)), and
//! explaining a row is, per tree, one decision per internal node, the mask of each leaf from its
//! path, and `k` additions per leaf: O(L D) instead of the recursive algorithm's O(L D^2)
//! (the idea of FastTreeSHAP v2, Yang 2021, in this closed form). Rows are explained tree by
//! tree in blocks so that one tree's tables stay in cache.
//!
//! Tables cost `8 * 2^k * k` bytes per leaf; trees with a leaf deeper than [`MAX_UNIQUE`]
//! distinct features, or beyond the memory budget, use the recursive algorithm.

use crate::tree::Tree;

/// Largest number of distinct features on one path that gets a table (2^10 x 10 values).
pub(crate) const MAX_UNIQUE: usize = 10;

/// One tree's tables, flattened.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tables {
    /// Per leaf: offset into `features` / `steps_start` / `table`.
    leaf_k: Vec<u8>,
    feature_start: Vec<u32>,
    features: Vec<u32>,
    steps_start: Vec<u32>,
    /// (internal node, goes left, slot of its feature in the leaf's `U`).
    steps: Vec<(u32, bool, u8)>,
    table_start: Vec<usize>,
    table: Vec<f64>,
}

impl Tables {
    /// Bytes the tables take.
    pub(crate) fn bytes(&self) -> usize {
        self.table.len() * 8 + self.steps.len() * 8 + self.features.len() * 4
    }
}

/// `s! (k - s - 1)! / k!` for `s < k`.
fn weight(s: usize, k: usize) -> f64 {
    let mut w = 1.0 / k as f64;
    // 1 / (k * C(k-1, s))
    let n = k - 1;
    let mut binom = 1.0;
    for j in 0..s.min(n - s) {
        binom = binom * (n - j) as f64 / (j + 1) as f64;
    }
    w /= binom;
    w
}

/// The tables of `tree`, or `None` when a path has more than [`MAX_UNIQUE`] distinct features
/// or the tables would take more than `budget` bytes (checked before each leaf's table is
/// built, so neither memory nor time goes past the budget).
pub(crate) fn precompute(tree: &Tree, budget: usize) -> Option<Tables> {
    let mut t = Tables::default();
    // Depth-first walk carrying the path: (node, went left) pairs.
    let mut stack: Vec<(usize, Vec<(usize, bool)>)> = vec![(0, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        if !tree.is_leaf(node) {
            let mut left = path.clone();
            left.push((node, true));
            let mut right = path;
            right.push((node, false));
            stack.push((tree.right[node] as usize, right));
            stack.push((tree.left[node] as usize, left));
            continue;
        }
        // Distinct features and their zero fractions.
        let mut unique: Vec<u32> = Vec::new();
        let mut zero: Vec<f64> = Vec::new();
        let mut steps = Vec::with_capacity(path.len());
        for &(n, went_left) in &path {
            let f = tree.feature[n];
            let child = if went_left { tree.left[n] } else { tree.right[n] } as usize;
            let ratio = if tree.cover[n] > 0.0 { tree.cover[child] / tree.cover[n] } else { 0.5 };
            let slot = match unique.iter().position(|&u| u == f) {
                Some(s) => {
                    zero[s] *= ratio;
                    s
                }
                None => {
                    unique.push(f);
                    zero.push(ratio);
                    unique.len() - 1
                }
            };
            steps.push((n as u32, went_left, slot as u8));
        }
        let k = unique.len();
        if k > MAX_UNIQUE || t.bytes() + (8 << k) * k + 8 * steps.len() + 4 * k > budget {
            return None;
        }
        let value = tree.value[node];
        t.leaf_k.push(k as u8);
        t.feature_start.push(t.features.len() as u32);
        t.features.extend_from_slice(&unique);
        t.steps_start.push(t.steps.len() as u32);
        t.steps.extend(steps);
        t.table_start.push(t.table.len());
        let weights: Vec<f64> = (0..k).map(|s| weight(s, k)).collect();
        let full = (1usize << k) - 1;
        let mut coef = vec![0.0f64; k + 1];
        for mask in 0..=full {
            for i in 0..k {
                let o = ((mask >> i) & 1) as f64;
                let q = mask & !(1 << i);
                let r = full & !mask & !(1 << i);
                let zr: f64 = (0..k).filter(|j| r >> j & 1 == 1).map(|j| zero[j]).product();
                // prod_{j in q} (z_j + t): coefficient of t^s sums, over subsets S of q with
                // |S| = s, the product of z over q \ S.
                coef.iter_mut().for_each(|c| *c = 0.0);
                coef[0] = 1.0;
                let mut degree = 0;
                for j in (0..k).filter(|j| q >> j & 1 == 1) {
                    for s in (0..=degree).rev() {
                        coef[s + 1] += coef[s];
                        coef[s] *= zero[j];
                    }
                    degree += 1;
                }
                let inner: f64 = (0..=degree).map(|s| weights[s] * coef[s]).sum();
                t.table.push(value * (o - zero[i]) * zr * inner);
            }
        }
    }
    Some(t)
}

/// Adds the attributions of `tree` for `row` to `phi`, using its tables. `left` is scratch of
/// one flag per node.
#[inline]
pub(crate) fn shap_row(tree: &Tree, tables: &Tables, row: &[f64], phi: &mut [f64], left: &mut Vec<bool>) {
    left.clear();
    left.resize(tree.len(), false);
    for (node, goes_left) in left.iter_mut().enumerate() {
        if !tree.is_leaf(node) {
            let f = tree.feature[node] as usize;
            *goes_left = tree.next(node, row[f]) == tree.left[node] as usize;
        }
    }
    for leaf in 0..tables.leaf_k.len() {
        let k = tables.leaf_k[leaf] as usize;
        if k == 0 {
            continue;
        }
        let mut mask = (1usize << k) - 1;
        let start = tables.steps_start[leaf] as usize;
        let end = tables.steps_start.get(leaf + 1).map_or(tables.steps.len(), |e| *e as usize);
        for &(node, went_left, slot) in &tables.steps[start..end] {
            if left[node as usize] != went_left {
                mask &= !(1 << slot);
            }
        }
        let values = &tables.table[tables.table_start[leaf] + mask * k..][..k];
        let features = &tables.features[tables.feature_start[leaf] as usize..][..k];
        for (f, v) in features.iter().zip(values) {
            phi[*f as usize] += v;
        }
    }
}

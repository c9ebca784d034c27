//! Exact TreeSHAP for one tree.
//!
//! Path-dependent: Lundberg et al.'s polynomial algorithm (Algorithm 2 of "From local
//! explanations to global understanding with explainable AI for trees", 2020), which keeps, along
//! the path from the root, the share of all feature subsets that reach each node, and at each leaf
//! "unwinds" one feature at a time to read off its Shapley weight. Features absent from a subset
//! follow both children weighted by training cover, which is what the libraries' `pred_contribs`
//! and shap's `TreeExplainer(feature_perturbation="tree_path_dependent")` compute.
//!
//! Interventional: for a foreground row and one background row, each leaf is reached by the
//! subsets that contain every feature whose split sent the path the foreground's way and none of
//! those that sent it the background's way; the Shapley value of such a "both conditions" game
//! has a closed form (`|S_x| - 1`, `|S_r|` factorials), so one walk per background row is exact.

use crate::tree::Tree;

#[derive(Clone, Copy, Debug, Default)]
struct PathElement {
    feature: i64,
    zero: f64,
    one: f64,
    weight: f64,
}

/// Reusable buffers for one thread (sized for the deepest tree).
pub(crate) struct Scratch {
    path: Vec<PathElement>,
}

impl Scratch {
    pub(crate) fn new(max_depth: usize) -> Self {
        let d = max_depth + 2;
        Self { path: vec![PathElement::default(); (d + 1) * (d + 2)] }
    }
}

/// Adds the path-dependent attributions of `tree` for `row` to `phi`.
pub(crate) fn path_dependent(tree: &Tree, row: &[f64], phi: &mut [f64], scratch: &mut Scratch) {
    if tree.is_empty() {
        return;
    }
    let needed = {
        let d = tree.depth() + 2;
        (d + 1) * (d + 2)
    };
    if scratch.path.len() < needed {
        scratch.path.resize(needed, PathElement::default());
    }
    recurse(tree, row, phi, &mut scratch.path, 0, 0, 0, 1.0, 1.0, -1);
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    row: &[f64],
    phi: &mut [f64],
    paths: &mut [PathElement],
    parent_at: usize,
    node: usize,
    mut depth: usize,
    zero: f64,
    one: f64,
    feature: i64,
) {
    // This node's path starts right after the parent's; the parent's first `depth` elements
    // are this path's before it is extended with the split that led here.
    let at = parent_at + depth + 1;
    paths.copy_within(parent_at..parent_at + depth, at);
    let path = &mut paths[at..];
    extend(path, depth, zero, one, feature);
    if tree.is_leaf(node) {
        let value = tree.value[node];
        for i in 1..=depth {
            let w = unwound_sum(path, depth, i);
            let el = path[i];
            phi[el.feature as usize] += w * (el.one - el.zero) * value;
        }
        return;
    }
    let split = tree.feature[node] as usize;
    let x = row[split];
    let hot = tree.next(node, x);
    let (l, r) = (tree.left[node] as usize, tree.right[node] as usize);
    let cold = if hot == l { r } else { l };
    let cover = tree.cover[node];
    let (hot_zero, cold_zero) = if cover > 0.0 { (tree.cover[hot] / cover, tree.cover[cold] / cover) } else { (0.5, 0.5) };
    let (mut in_zero, mut in_one) = (1.0, 1.0);
    if let Some(k) = (1..=depth).find(|&k| path[k].feature == split as i64) {
        in_zero = path[k].zero;
        in_one = path[k].one;
        unwind(path, depth, k);
        depth -= 1;
    }
    recurse(tree, row, phi, paths, at, hot, depth + 1, hot_zero * in_zero, in_one, split as i64);
    recurse(tree, row, phi, paths, at, cold, depth + 1, cold_zero * in_zero, 0.0, split as i64);
}

/// Adds a feature to the path: `path[..depth]` are the elements so far.
fn extend(path: &mut [PathElement], depth: usize, zero: f64, one: f64, feature: i64) {
    path[depth] = PathElement { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / d1;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / d1;
    }
}

/// Removes element `index` from a path whose last element is at `depth`.
fn unwind(path: &mut [PathElement], depth: usize, index: usize) {
    let one = path[index].one;
    let zero = path[index].zero;
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next * d1 / ((i + 1) as f64 * one);
            next = tmp - path[i].weight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].weight = path[i].weight * d1 / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/// The total weight of the path with element `index` removed, without changing it.
fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let one = path[index].one;
    let zero = path[index].zero;
    let mut next = path[depth].weight;
    let mut total = 0.0;
    if one != 0.0 {
        for i in (0..depth).rev() {
            let tmp = next / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].weight - tmp * zero * (depth - i) as f64;
        }
    } else {
        for i in (0..depth).rev() {
            total += path[i].weight / (zero * (depth - i) as f64);
        }
    }
    total * (depth + 1) as f64
}

/// `p! q! / (p + q + 1)!`: the Shapley weight of a coalition of `p` out of `p + q + 1` players.
fn coalition_weight(p: usize, q: usize) -> f64 {
    // The product form avoids large factorials: p! q! / (p+q+1)! = 1 / ((p+q+1) * C(p+q, p)).
    let n = p + q;
    let mut binom = 1.0;
    for k in 0..p.min(q) {
        binom = binom * (n - k) as f64 / (k + 1) as f64;
    }
    1.0 / ((n + 1) as f64 * binom)
}

/// Adds `scale` times the interventional attributions of `tree` for foreground `x` against
/// background row `r` to `phi`.
pub(crate) fn interventional(tree: &Tree, x: &[f64], r: &[f64], phi: &mut [f64], scale: f64) {
    if tree.is_empty() {
        return;
    }
    let mut assigned: Vec<(u32, bool)> = Vec::with_capacity(16);
    walk(tree, x, r, 0, &mut assigned, phi, scale);
}

fn walk(tree: &Tree, x: &[f64], r: &[f64], node: usize, assigned: &mut Vec<(u32, bool)>, phi: &mut [f64], scale: f64) {
    if tree.is_leaf(node) {
        let value = tree.value[node] * scale;
        let a = assigned.iter().filter(|(_, from_x)| *from_x).count();
        let b = assigned.len() - a;
        for &(f, from_x) in assigned.iter() {
            if from_x {
                phi[f as usize] += value * coalition_weight(a - 1, b);
            } else {
                phi[f as usize] -= value * coalition_weight(a, b - 1);
            }
        }
        return;
    }
    let f = tree.feature[node];
    let towards_x = tree.next(node, x[f as usize]);
    let towards_r = tree.next(node, r[f as usize]);
    if let Some(&(_, from_x)) = assigned.iter().find(|(g, _)| *g == f) {
        let child = if from_x { towards_x } else { towards_r };
        walk(tree, x, r, child, assigned, phi, scale);
    } else if towards_x == towards_r {
        walk(tree, x, r, towards_x, assigned, phi, scale);
    } else {
        assigned.push((f, true));
        walk(tree, x, r, towards_x, assigned, phi, scale);
        assigned.pop();
        assigned.push((f, false));
        walk(tree, x, r, towards_r, assigned, phi, scale);
        assigned.pop();
    }
}

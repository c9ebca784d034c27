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
///
/// The walk keeps an explicit stack instead of recursing, so a tree's depth costs heap, never
/// the thread's stack. The path of the node at depth `d` lives in `scratch.path[at..at + d + 1]`
/// where `at` is its parent's start plus the parent's path length; a node's descendants write
/// only to the right of it, so the second child still finds its parent's path intact when its
/// turn comes. Children are visited in the order of the recursive algorithm (the way the row
/// goes first), so the sums are the same to the last bit.
pub(crate) fn path_dependent(tree: &Tree, row: &[f64], phi: &mut [f64], scratch: &mut Scratch) {
    if tree.is_empty() {
        return;
    }
    struct Frame {
        parent_at: usize,
        node: usize,
        depth: usize,
        zero: f64,
        one: f64,
        feature: i64,
    }
    let paths = &mut scratch.path;
    let mut stack = vec![Frame { parent_at: 0, node: 0, depth: 0, zero: 1.0, one: 1.0, feature: -1 }];
    while let Some(Frame { parent_at, node, mut depth, zero, one, feature }) = stack.pop() {
        // This node's path starts right after the parent's; the parent's first `depth` elements
        // are this path's before it is extended with the split that led here.
        let at = parent_at + depth + 1;
        if paths.len() < at + depth + 2 {
            paths.resize((at + depth + 2) * 2, PathElement::default());
        }
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
            continue;
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
        let feature = split as i64;
        stack.push(Frame { parent_at: at, node: cold, depth: depth + 1, zero: cold_zero * in_zero, one: 0.0, feature });
        stack.push(Frame { parent_at: at, node: hot, depth: depth + 1, zero: hot_zero * in_zero, one: in_one, feature });
    }
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
/// background row `r` to `phi`. Iterative, like [`path_dependent`].
pub(crate) fn interventional(tree: &Tree, x: &[f64], r: &[f64], phi: &mut [f64], scale: f64) {
    if tree.is_empty() {
        return;
    }
    /// What the walk does next: visit a node, or take back the last feature assignment.
    enum Step {
        Visit(usize),
        Assign(u32, bool),
        Unassign,
    }
    // Features assigned on the current path, each with the row it follows (`true`: x).
    let mut assigned: Vec<(u32, bool)> = Vec::with_capacity(16);
    let mut steps = vec![Step::Visit(0)];
    while let Some(step) = steps.pop() {
        let node = match step {
            Step::Visit(node) => node,
            Step::Assign(f, from_x) => {
                assigned.push((f, from_x));
                continue;
            }
            Step::Unassign => {
                assigned.pop();
                continue;
            }
        };
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
            continue;
        }
        let f = tree.feature[node];
        let towards_x = tree.next(node, x[f as usize]);
        let towards_r = tree.next(node, r[f as usize]);
        if let Some(&(_, from_x)) = assigned.iter().find(|(g, _)| *g == f) {
            steps.push(Step::Visit(if from_x { towards_x } else { towards_r }));
        } else if towards_x == towards_r {
            steps.push(Step::Visit(towards_x));
        } else {
            // In execution order: the x side under (f, x), then the background side under (f, r).
            steps.extend([
                Step::Unassign,
                Step::Visit(towards_r),
                Step::Assign(f, false),
                Step::Unassign,
                Step::Visit(towards_x),
                Step::Assign(f, true),
            ]);
        }
    }
}

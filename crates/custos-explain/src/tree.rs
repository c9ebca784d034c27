//! Decision trees in one flat layout for both libraries, with each library's rule for which
//! way a value goes (XGBoost compares in `f32` with `<`, LightGBM in `f64` with `<=`, and they
//! treat missing values and categories differently).

/// Marks "no child" (a leaf).
pub(crate) const LEAF: u32 = u32::MAX;

/// How a node treats a missing value (NaN), LightGBM's `missing_type`; XGBoost always uses
/// [`Missing::NaN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// NaN is read as 0.0, then compared.
    None,
    /// NaN is read as 0.0; zero (and NaN) takes the default direction.
    Zero,
    /// NaN takes the default direction.
    NaN,
}

/// A split's test.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    /// XGBoost: left when `(x as f32) < threshold`.
    LessF32(f32),
    /// LightGBM: left when `x <= threshold`.
    LessOrEqual(f64),
    /// Category codes in the set go left (LightGBM) or right (XGBoost: `left_if_in = false`).
    Categories { set: Box<[u32]>, left_if_in: bool },
}

/// The structural rules and limits a model must meet (see [`crate::Limits`]); the name of the
/// rule a rejected model broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelRule {
    /// Each node has one parent, none points back, every node is reachable from the root.
    NotATree,
    /// Child and feature indices lie inside the tree and the model.
    IndexOutOfRange,
    /// Leaf values and covers are finite numbers, split values numbers (LightGBM writes
    /// `inf` for a split that sends every value left).
    NonFinite,
    /// No tree is deeper than [`crate::Limits::max_depth`].
    Depth,
    /// The trees hold at most [`crate::Limits::max_nodes`] nodes in all.
    Nodes,
    /// The trees hold at most [`crate::Limits::max_leaves`] leaves in all.
    Leaves,
    /// At most [`crate::Limits::max_features`] features.
    Features,
    /// At most [`crate::Limits::max_outputs`] outputs (classes).
    Outputs,
}

impl ModelRule {
    /// The rule's name, as error messages and the documentation spell it.
    pub fn name(self) -> &'static str {
        match self {
            ModelRule::NotATree => "a tree is a tree",
            ModelRule::IndexOutOfRange => "indices in range",
            ModelRule::NonFinite => "finite numbers",
            ModelRule::Depth => "max depth",
            ModelRule::Nodes => "max nodes",
            ModelRule::Leaves => "max leaves",
            ModelRule::Features => "max features",
            ModelRule::Outputs => "max outputs",
        }
    }
}

impl std::fmt::Display for ModelRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One tree: node `i` is a leaf when `left[i] == LEAF`.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub(crate) left: Vec<u32>,
    pub(crate) right: Vec<u32>,
    pub(crate) feature: Vec<u32>,
    pub(crate) test: Vec<Test>,
    pub(crate) default_left: Vec<bool>,
    pub(crate) missing: Vec<Missing>,
    /// Leaf value (margin contribution) of leaves; unused for internal nodes.
    pub(crate) value: Vec<f64>,
    /// Training weight (hessian sum or row count) reaching each node.
    pub(crate) cover: Vec<f64>,
}

impl Tree {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// Whether the tree has no nodes.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    pub(crate) fn is_leaf(&self, node: usize) -> bool {
        self.left[node] == LEAF
    }

    /// The child `x` goes to from internal node `node`.
    #[inline]
    pub(crate) fn next(&self, node: usize, x: f64) -> usize {
        let left = self.left[node] as usize;
        let right = self.right[node] as usize;
        let towards = |go_left: bool| if go_left { left } else { right };
        match &self.test[node] {
            Test::LessF32(t) => {
                if x.is_nan() {
                    towards(self.default_left[node])
                } else {
                    towards((x as f32) < *t)
                }
            }
            Test::LessOrEqual(t) => {
                let missing = self.missing[node];
                let x = if x.is_nan() && missing != Missing::NaN { 0.0 } else { x };
                if (missing == Missing::Zero && x.abs() <= 1e-35) || (missing == Missing::NaN && x.is_nan()) {
                    towards(self.default_left[node])
                } else {
                    towards(x <= *t)
                }
            }
            Test::Categories { set, left_if_in } => {
                if x.is_nan() {
                    // LightGBM sends a missing category right; XGBoost the default way.
                    return if *left_if_in { right } else { towards(self.default_left[node]) };
                }
                if x < 0.0 {
                    return if *left_if_in { right } else { left };
                }
                let code = x as u32;
                let inside = set.binary_search(&code).is_ok();
                towards(inside == *left_if_in)
            }
        }
    }

    /// The leaf value `row` reaches.
    pub(crate) fn predict(&self, row: &[f64]) -> f64 {
        let mut node = 0usize;
        while !self.is_leaf(node) {
            node = self.next(node, row.get(self.feature[node] as usize).copied().unwrap_or(f64::NAN));
        }
        self.value[node]
    }

    /// The cover-weighted mean leaf value: what the tree predicts when nothing is known.
    /// Iterative: each leaf's value weighted by the product of the cover ratios on its path.
    pub(crate) fn expected_value(&self) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let mut total = 0.0;
        let mut stack: Vec<(usize, f64)> = vec![(0, 1.0)];
        while let Some((node, weight)) = stack.pop() {
            if self.is_leaf(node) {
                total += weight * self.value[node];
                continue;
            }
            let (l, r) = (self.left[node] as usize, self.right[node] as usize);
            let c = self.cover[node];
            let (wl, wr) = if c <= 0.0 { (0.5, 0.5) } else { (self.cover[l] / c, self.cover[r] / c) };
            stack.push((r, weight * wr));
            stack.push((l, weight * wl));
        }
        total
    }

    /// Checks that this is a tree a process can afford to walk: children inside the tree,
    /// every node but the root reached from exactly one parent and every node reachable from
    /// the root (so no cycles and no shared subtrees), split features inside the model, split
    /// values numbers, leaf values and covers finite (covers not negative), and depth within
    /// `max_depth`. Returns the depth and the number of leaves.
    pub(crate) fn check(&self, n_features: usize, max_depth: usize) -> Result<(usize, usize), (ModelRule, String)> {
        let n = self.len();
        if n == 0 {
            return Err((ModelRule::NotATree, "a tree has no nodes".into()));
        }
        let mut parents = vec![0u8; n];
        for i in 0..n {
            if !self.cover[i].is_finite() || self.cover[i] < 0.0 {
                return Err((
                    ModelRule::NonFinite,
                    format!("node {i} has cover {} (must be a finite number, not negative)", self.cover[i]),
                ));
            }
            if self.is_leaf(i) {
                if !self.value[i].is_finite() {
                    return Err((ModelRule::NonFinite, format!("leaf {i} has value {}", self.value[i])));
                }
                continue;
            }
            let (l, r) = (self.left[i] as usize, self.right[i] as usize);
            if l >= n || r >= n {
                return Err((ModelRule::IndexOutOfRange, format!("node {i} has children {l} and {r}, but the tree has {n} nodes")));
            }
            if l == r {
                return Err((ModelRule::NotATree, format!("node {i} has the same node {l} as both children")));
            }
            for child in [l, r] {
                if child == 0 {
                    return Err((ModelRule::NotATree, format!("node {i} points back at the root")));
                }
                parents[child] = parents[child].saturating_add(1);
                if parents[child] > 1 {
                    return Err((ModelRule::NotATree, format!("node {child} has more than one parent")));
                }
            }
            if self.feature[i] as usize >= n_features {
                return Err((
                    ModelRule::IndexOutOfRange,
                    format!("node {i} splits on feature {} but the model has {n_features}", self.feature[i]),
                ));
            }
            // Infinite thresholds are real: LightGBM writes `inf` for a split every seen value
            // passes on the left. NaN compares false with everything and is never written.
            let number = match &self.test[i] {
                Test::LessF32(t) => !t.is_nan(),
                Test::LessOrEqual(t) => !t.is_nan(),
                Test::Categories { .. } => true,
            };
            if !number {
                return Err((ModelRule::NonFinite, format!("node {i} has a split value that is not a number")));
            }
        }
        // Every node reached once from the root, no deeper than allowed. With one parent per
        // node this walk ends: a cycle would need a node with two parents or the root as child.
        let mut seen = 0usize;
        let (mut deepest, mut leaves) = (0usize, 0usize);
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        while let Some((node, depth)) = stack.pop() {
            seen += 1;
            if depth > max_depth {
                return Err((ModelRule::Depth, format!("the tree is deeper than the limit of {max_depth} levels")));
            }
            deepest = deepest.max(depth);
            if self.is_leaf(node) {
                leaves += 1;
            } else {
                stack.push((self.right[node] as usize, depth + 1));
                stack.push((self.left[node] as usize, depth + 1));
            }
        }
        if seen != n {
            return Err((ModelRule::NotATree, format!("{} of its {n} nodes cannot be reached from the root", n - seen)));
        }
        Ok((deepest, leaves))
    }
}

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
    pub(crate) fn expected_value(&self) -> f64 {
        fn walk(t: &Tree, node: usize) -> f64 {
            if t.is_leaf(node) {
                return t.value[node];
            }
            let (l, r) = (t.left[node] as usize, t.right[node] as usize);
            let c = t.cover[node];
            if c <= 0.0 {
                return 0.5 * (walk(t, l) + walk(t, r));
            }
            (t.cover[l] * walk(t, l) + t.cover[r] * walk(t, r)) / c
        }
        if self.is_empty() { 0.0 } else { walk(self, 0) }
    }

    /// The depth of the deepest leaf (a lone leaf has depth 0).
    pub(crate) fn depth(&self) -> usize {
        fn walk(t: &Tree, node: usize) -> usize {
            if t.is_leaf(node) { 0 } else { 1 + walk(t, t.left[node] as usize).max(walk(t, t.right[node] as usize)) }
        }
        if self.is_empty() { 0 } else { walk(self, 0) }
    }

    /// Checks that children point inside the tree and features inside the model.
    pub(crate) fn validate(&self, n_features: usize) -> Result<(), String> {
        let n = self.len();
        if n == 0 {
            return Err("a tree has no nodes".into());
        }
        for i in 0..n {
            if self.is_leaf(i) {
                continue;
            }
            let (l, r) = (self.left[i] as usize, self.right[i] as usize);
            if l >= n || r >= n || l <= i || r <= i {
                return Err(format!("node {i} has children {l} and {r} outside the tree (or not below it)"));
            }
            if self.feature[i] as usize >= n_features {
                return Err(format!("node {i} splits on feature {} but the model has {n_features}", self.feature[i]));
            }
        }
        Ok(())
    }
}

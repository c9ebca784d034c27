//! custos explanations: why a model decided what it did, in numbers a reviewer can check and
//! words a customer can read.
//!
//! [`Model::parse`] reads gradient-boosted tree ensembles as their libraries save them
//! (XGBoost's JSON `save_model`, LightGBM's text `save_model` and its `dump_model` JSON; the
//! format is detected). [`Model::predict_margin`] and [`Model::predict`] reproduce the
//! libraries' outputs, and [`Model::shap`] gives exact TreeSHAP attributions (Lundberg et al.
//! 2020): path-dependent (cover-weighted, what `pred_contribs` / `pred_contrib` and shap's
//! `TreeExplainer` compute by default) or interventional against a background dataset. The
//! attributions of a row plus the base value add up to its margin.
//!
//! The crate is pure: bytes and rows in, numbers out.

pub mod counterfactual;
mod explanation;
mod fast;
mod lightgbm;
mod linear;
pub mod reasons;
mod shap;
mod tree;
mod xgboost;

pub(crate) use explanation::nan_if_null;
pub use explanation::{Explanation, METHOD, OutputAttributions};
pub use tree::{ModelRule, Tree};

/// What a model file may ask of the process. Every model is checked against these when it is
/// read ([`Model::parse_with`]), before anything walks its trees, so a hostile file is refused
/// with the rule it broke instead of exhausting the stack, memory or time of the process that
/// explains it.
///
/// Cost bounds they give: prediction is O(depth) per tree; path-dependent TreeSHAP is
/// O(leaves x depth^2) per row without tables and O(nodes + leaves x 10) with them; the tables
/// take at most `table_bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest tree (root at depth 0). XGBoost's default is 6, LightGBM's trees rarely pass 30.
    pub max_depth: usize,
    /// Nodes (splits and leaves) over all trees.
    pub max_nodes: usize,
    /// Leaves over all trees.
    pub max_leaves: usize,
    /// Features a model may declare.
    pub max_features: usize,
    /// Outputs (classes) a model may declare.
    pub max_outputs: usize,
    /// Memory for the per-leaf TreeSHAP tables of one model ([`Model::prepare`]); trees past
    /// the budget are explained without tables.
    pub table_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_nodes: 2_000_000,
            max_leaves: 1_000_000,
            max_features: 100_000,
            max_outputs: 1_000,
            table_bytes: 256 << 20,
        }
    }
}

/// Why a model could not be read or used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExplainError {
    /// The bytes are none of the supported formats.
    #[error("not a model this version reads: {0}")]
    UnknownFormat(String),
    /// The file is a supported format but malformed.
    #[error("malformed {format} model: {detail}")]
    Malformed {
        /// `XGBoost JSON`, `LightGBM text`, ...
        format: &'static str,
        /// What is wrong, and where.
        detail: String,
    },
    /// The model's objective is not supported.
    #[error(
        "unsupported objective {0:?} (supported: binary:logistic, reg:squarederror, reg:linear, multi:softprob, multi:softmax, binary, regression, multiclass)"
    )]
    UnsupportedObjective(String),
    /// A row has the wrong number of features.
    #[error("row has {got} features, the model has {expected}")]
    RowLength {
        /// Features in the model.
        expected: usize,
        /// Values in the row.
        got: usize,
    },
    /// Interventional attributions need background rows.
    #[error("interventional attributions need at least one background row")]
    NoBackground,
    /// The file reads, but the model breaks a structural rule or a limit ([`Limits`]).
    #[error("model refused by the rule \"{rule}\": {detail}")]
    Refused {
        /// The rule it broke.
        rule: ModelRule,
        /// Where, and by how much.
        detail: String,
    },
}

/// How margins become predictions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Regression: the margin is the prediction.
    Identity,
    /// Binary classification: probability = sigmoid(margin).
    Logistic,
    /// Multi-class: probabilities = softmax(margins).
    Softmax,
}

/// Which library produced a model (their float rules differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// XGBoost (`save_model("model.json")`).
    XGBoost,
    /// LightGBM (`save_model` text or `dump_model` JSON).
    LightGBM,
    /// A linear or logistic model described in JSON (coefficients, intercept, feature means).
    Linear,
}

/// A tree ensemble ready to predict and explain.
#[derive(Clone, Debug)]
pub struct Model {
    library: Library,
    objective: String,
    link: Link,
    feature_names: Vec<String>,
    /// Output groups: 1, or the number of classes.
    n_outputs: usize,
    trees: Vec<Tree>,
    /// The output group of each tree.
    tree_output: Vec<usize>,
    /// The margin every prediction starts from, per output.
    base_margin: Vec<f64>,
    /// A linear or logistic model instead of trees.
    linear: Option<linear::Linear>,
    /// Per-tree TreeSHAP tables (see [`Model::prepare`]), built once, shared by clones.
    tables: std::sync::Arc<std::sync::OnceLock<Vec<Option<fast::Tables>>>>,
    /// The deepest tree's depth (checked against [`Limits::max_depth`] when read).
    max_depth: usize,
    /// The memory the tables may take ([`Limits::table_bytes`]).
    table_bytes: usize,
}

/// Attributions of one row for one output.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    /// One value per model feature, in model order (margin space).
    pub values: Vec<f64>,
    /// The expected margin (what the attributions start from).
    pub base_value: f64,
}

/// Which TreeSHAP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapMode {
    /// Cover-weighted conditional expectations along the tree paths (the libraries' default).
    PathDependent,
    /// Features absent from a coalition take values from background rows (averaged).
    Interventional,
}

impl Model {
    /// Reads a model under the default [`Limits`] (see [`Model::parse_with`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, ExplainError> {
        Self::parse_with(bytes, &Limits::default())
    }

    /// Reads a model, detecting the format: XGBoost JSON (`{"learner": ...}`), LightGBM's
    /// `dump_model` JSON (`{"tree_info": ...}`) or LightGBM's text format (`tree\nversion=...`),
    /// and checks it against `limits`: every tree a tree (one parent per node, nothing shared,
    /// no cycles), indices in range, numbers finite, depth, nodes, leaves, features and outputs
    /// within their caps. A model that breaks a rule is [`ExplainError::Refused`] naming it.
    pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Self, ExplainError> {
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        let model = if bytes.get(start) == Some(&b'{') {
            // Which format: the top-level keys, read without keeping any values.
            #[derive(serde::Deserialize)]
            struct Probe {
                learner: Option<serde::de::IgnoredAny>,
                coefficients: Option<serde::de::IgnoredAny>,
                tree_info: Option<serde::de::IgnoredAny>,
            }
            let probe: Probe =
                serde_json::from_slice(bytes).map_err(|e| ExplainError::Malformed { format: "JSON", detail: e.to_string() })?;
            if probe.learner.is_some() {
                xgboost::parse(bytes, limits)?
            } else if probe.coefficients.is_some() {
                let doc: serde_json::Value =
                    serde_json::from_slice(bytes).map_err(|e| ExplainError::Malformed { format: "JSON", detail: e.to_string() })?;
                linear::parse(&doc)?
            } else if probe.tree_info.is_some() {
                lightgbm::parse_dump(bytes, limits)?
            } else {
                return Err(ExplainError::UnknownFormat("a JSON document that is neither an XGBoost model nor a LightGBM dump".into()));
            }
        } else if bytes[start..].starts_with(b"tree") {
            let text =
                std::str::from_utf8(bytes).map_err(|_| ExplainError::Malformed { format: "LightGBM text", detail: "not UTF-8".into() })?;
            lightgbm::parse_text(text, limits)?
        } else {
            return Err(ExplainError::UnknownFormat("expected XGBoost JSON, LightGBM text or LightGBM dump JSON".into()));
        };
        model.check(limits)
    }

    /// Checks a freshly read model against `limits` (see [`Model::parse_with`]).
    fn check(mut self, limits: &Limits) -> Result<Self, ExplainError> {
        let refuse = |rule: ModelRule, detail: String| ExplainError::Refused { rule, detail };
        if self.feature_names.len() > limits.max_features {
            return Err(refuse(
                ModelRule::Features,
                format!("{} features, the limit is {}", self.feature_names.len(), limits.max_features),
            ));
        }
        if self.n_outputs > limits.max_outputs {
            return Err(refuse(ModelRule::Outputs, format!("{} outputs, the limit is {}", self.n_outputs, limits.max_outputs)));
        }
        let nodes: usize = self.trees.iter().map(Tree::len).sum();
        if nodes > limits.max_nodes {
            return Err(refuse(ModelRule::Nodes, format!("{nodes} nodes, the limit is {}", limits.max_nodes)));
        }
        let (mut leaves, mut deepest) = (0usize, 0usize);
        for (i, t) in self.trees.iter().enumerate() {
            let (depth, n) = t
                .check(self.feature_names.len(), limits.max_depth)
                .map_err(|(rule, detail)| refuse(rule, format!("tree {i}: {detail}")))?;
            deepest = deepest.max(depth);
            leaves += n;
        }
        if leaves > limits.max_leaves {
            return Err(refuse(ModelRule::Leaves, format!("{leaves} leaves, the limit is {}", limits.max_leaves)));
        }
        self.max_depth = deepest;
        self.table_bytes = limits.table_bytes;
        Ok(self)
    }

    /// The library that trained it.
    pub fn library(&self) -> Library {
        self.library
    }

    /// The objective as the library names it.
    pub fn objective(&self) -> &str {
        &self.objective
    }

    /// How margins become predictions.
    pub fn link(&self) -> Link {
        self.link
    }

    /// Feature names in model order (`f0`, `f1`, ... when the model has none).
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// 1, or the number of classes of a multi-class model.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Every split threshold the model uses on `feature` (sorted, distinct): where a change in
    /// that feature can change a prediction. Empty for linear models.
    pub fn thresholds(&self, feature: usize) -> Vec<f64> {
        let mut out: Vec<f64> = self
            .trees
            .iter()
            .flat_map(|t| {
                (0..t.len()).filter(move |&i| !t.is_leaf(i) && t.feature[i] as usize == feature).filter_map(move |i| match &t.test[i] {
                    tree::Test::LessF32(v) => Some(f64::from(*v)),
                    tree::Test::LessOrEqual(v) => Some(*v),
                    tree::Test::Categories { .. } => None,
                })
            })
            .collect();
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }

    /// The linear coefficient of `feature`, for linear models.
    pub fn coefficient(&self, feature: usize) -> Option<f64> {
        self.linear.as_ref().and_then(|l| l.coefficients.get(feature).copied())
    }

    /// The deepest tree's depth.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    fn check_row(&self, row: &[f64]) -> Result<(), ExplainError> {
        if row.len() != self.feature_names.len() {
            return Err(ExplainError::RowLength { expected: self.feature_names.len(), got: row.len() });
        }
        Ok(())
    }

    /// The margins (raw scores) of a row, one per output. Missing values are NaN.
    pub fn predict_margin(&self, row: &[f64]) -> Result<Vec<f64>, ExplainError> {
        self.check_row(row)?;
        if let Some(l) = &self.linear {
            return Ok(vec![l.margin(row)]);
        }
        let mut out = self.base_margin.clone();
        for (tree, &k) in self.trees.iter().zip(&self.tree_output) {
            out[k] += tree.predict(row);
        }
        Ok(out)
    }

    /// The margins of many rows of a single-output model (row-major: `rows.len() / features`
    /// rows) into `out`, tree by tree over blocks of rows so that each tree stays in cache while
    /// it scores the block: the same sums, in the same order, as [`Model::predict_margin`] row
    /// by row, several times faster on large batches (a 500-tree ensemble is about a megabyte:
    /// row by row it is read from memory again for every row).
    pub fn predict_margins(&self, rows: &[f64], out: &mut [f64]) -> Result<(), ExplainError> {
        let p = self.feature_names.len();
        if p == 0 || !rows.len().is_multiple_of(p) || out.len() != rows.len() / p {
            return Err(ExplainError::RowLength { expected: p, got: rows.len() % p.max(1) });
        }
        if let Some(l) = &self.linear {
            for (o, row) in out.iter_mut().zip(rows.chunks_exact(p)) {
                *o = l.margin(row);
            }
            return Ok(());
        }
        if self.base_margin.len() != 1 {
            return Err(ExplainError::RowLength { expected: 1, got: self.base_margin.len() });
        }
        const BLOCK: usize = 128;
        for (block, o) in rows.chunks(BLOCK * p).zip(out.chunks_mut(BLOCK)) {
            o.fill(self.base_margin[0]);
            for tree in &self.trees {
                for (slot, row) in o.iter_mut().zip(block.chunks_exact(p)) {
                    *slot += tree.predict(row);
                }
            }
        }
        Ok(())
    }

    /// The predictions of a row: probabilities for classifiers (one per class for multi-class,
    /// the favourable-class probability for binary), the value for regression.
    pub fn predict(&self, row: &[f64]) -> Result<Vec<f64>, ExplainError> {
        let margins = self.predict_margin(row)?;
        Ok(match self.link {
            Link::Identity => margins,
            Link::Logistic => margins.iter().map(|m| 1.0 / (1.0 + (-m).exp())).collect(),
            Link::Softmax => {
                let max = margins.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let exp: Vec<f64> = margins.iter().map(|m| (m - max).exp()).collect();
                let sum: f64 = exp.iter().sum();
                exp.iter().map(|e| e / sum).collect()
            }
        })
    }

    /// The expected margin per output under the path-dependent (cover-weighted) view.
    pub fn expected_margin(&self) -> Vec<f64> {
        if let Some(l) = &self.linear {
            return vec![l.expected_margin()];
        }
        let mut out = self.base_margin.clone();
        for (tree, &k) in self.trees.iter().zip(&self.tree_output) {
            out[k] += tree.expected_value();
        }
        out
    }

    /// Builds the per-leaf tables that make path-dependent TreeSHAP O(leaves x depth) per tree
    /// instead of O(leaves x depth^2) (see the `fast` module); worth it when explaining more than
    /// a few hundred rows, or in a server that explains every decision of a registered model.
    /// Trees whose paths have too many distinct features, or past the memory budget
    /// ([`Limits::table_bytes`]), keep the path-walking algorithm. Idempotent; returns the
    /// bytes the tables take.
    pub fn prepare(&self) -> usize {
        let tables = self.tables.get_or_init(|| {
            let mut used = 0usize;
            self.trees
                .iter()
                .map(|t| {
                    let tables = fast::precompute(t, self.table_bytes.saturating_sub(used))?;
                    used += tables.bytes();
                    Some(tables)
                })
                .collect()
        });
        tables.iter().flatten().map(fast::Tables::bytes).sum()
    }

    /// Path-dependent attributions of many rows, tree by tree in blocks of rows so that each
    /// tree's tables stay in cache; builds the tables first ([`Model::prepare`]).
    pub fn shap_many(&self, rows: &[Vec<f64>]) -> Result<Vec<Vec<Attribution>>, ExplainError> {
        for row in rows {
            self.check_row(row)?;
        }
        if self.linear.is_some() {
            return rows.iter().map(|r| self.shap(r, ShapMode::PathDependent, &[])).collect();
        }
        self.prepare();
        let tables = self.tables.get().map(Vec::as_slice).unwrap_or(&[]);
        let base = self.expected_margin();
        let n_features = self.feature_names.len();
        let mut out: Vec<Vec<Attribution>> =
            rows.iter().map(|_| base.iter().map(|b| Attribution { values: vec![0.0; n_features], base_value: *b }).collect()).collect();
        let mut scratch = shap::Scratch::new(self.max_depth());
        let mut left = Vec::new();
        const BLOCK: usize = 256;
        for (block_rows, block_out) in rows.chunks(BLOCK).zip(out.chunks_mut(BLOCK)) {
            for (i, (tree, &k)) in self.trees.iter().zip(&self.tree_output).enumerate() {
                match tables.get(i).and_then(Option::as_ref) {
                    Some(t) => {
                        for (row, o) in block_rows.iter().zip(block_out.iter_mut()) {
                            fast::shap_row(tree, t, row, &mut o[k].values, &mut left);
                        }
                    }
                    None => {
                        for (row, o) in block_rows.iter().zip(block_out.iter_mut()) {
                            shap::path_dependent(tree, row, &mut o[k].values, &mut scratch);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// TreeSHAP attributions of `row`, one [`Attribution`] per output. `background` is used
    /// (and required) by [`ShapMode::Interventional`].
    pub fn shap(&self, row: &[f64], mode: ShapMode, background: &[Vec<f64>]) -> Result<Vec<Attribution>, ExplainError> {
        self.check_row(row)?;
        if let Some(l) = &self.linear {
            // Linear models: features are independent terms, so both views coincide.
            return Ok(vec![l.attribution(row)]);
        }
        match mode {
            ShapMode::PathDependent => {
                let mut out: Vec<Attribution> = self
                    .expected_margin()
                    .into_iter()
                    .map(|base_value| Attribution { values: vec![0.0; self.feature_names.len()], base_value })
                    .collect();
                let mut scratch = shap::Scratch::new(self.max_depth());
                let tables = self.tables.get().map(Vec::as_slice).unwrap_or(&[]);
                let mut left = Vec::new();
                for (i, (tree, &k)) in self.trees.iter().zip(&self.tree_output).enumerate() {
                    match tables.get(i).and_then(Option::as_ref) {
                        Some(t) => fast::shap_row(tree, t, row, &mut out[k].values, &mut left),
                        None => shap::path_dependent(tree, row, &mut out[k].values, &mut scratch),
                    }
                }
                Ok(out)
            }
            ShapMode::Interventional => {
                if background.is_empty() {
                    return Err(ExplainError::NoBackground);
                }
                for b in background {
                    self.check_row(b)?;
                }
                let mut out: Vec<Attribution> =
                    (0..self.n_outputs).map(|_| Attribution { values: vec![0.0; self.feature_names.len()], base_value: 0.0 }).collect();
                for b in background {
                    let margins = self.predict_margin(b)?;
                    for (o, m) in out.iter_mut().zip(margins) {
                        o.base_value += m;
                    }
                }
                let n = background.len() as f64;
                for o in &mut out {
                    o.base_value /= n;
                }
                for (tree, &k) in self.trees.iter().zip(&self.tree_output) {
                    for b in background {
                        shap::interventional(tree, row, b, &mut out[k].values, 1.0 / n);
                    }
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests;

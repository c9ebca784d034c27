//! LightGBM's model formats: the text `save_model` file and the `dump_model` JSON.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::tree::{LEAF, Missing, Test, Tree};
use crate::{ExplainError, Library, Limits, Link, Model};

fn malformed(format: &'static str, detail: impl Into<String>) -> ExplainError {
    ExplainError::Malformed { format, detail: detail.into() }
}

/// The link of a LightGBM objective line (`binary sigmoid:1`, `regression`, `multiclass num_class:3`).
fn link_of(objective: &str) -> Result<Link, ExplainError> {
    let mut parts = objective.split_whitespace();
    let name = parts.next().unwrap_or("");
    let params: HashMap<&str, &str> = parts.filter_map(|p| p.split_once(':')).collect();
    match name {
        "binary" => {
            let sigmoid: f64 = params.get("sigmoid").and_then(|s| s.parse().ok()).unwrap_or(1.0);
            if (sigmoid - 1.0).abs() > 1e-12 {
                return Err(ExplainError::UnsupportedObjective(format!("{objective} (only sigmoid:1)")));
            }
            Ok(Link::Logistic)
        }
        "regression" | "regression_l2" | "l2" | "mean_squared_error" | "mse" => Ok(Link::Identity),
        "multiclass" | "softmax" => Ok(Link::Softmax),
        _ => Err(ExplainError::UnsupportedObjective(objective.to_owned())),
    }
}

fn missing_of(code: u32) -> Missing {
    match code {
        1 => Missing::Zero,
        2 => Missing::NaN,
        _ => Missing::None,
    }
}

/// A tree as LightGBM stores it: internal nodes and leaves in separate arrays; a child `c < 0`
/// is leaf `!c`.
struct RawTree {
    split_feature: Vec<u32>,
    threshold: Vec<f64>,
    decision_type: Vec<u32>,
    left_child: Vec<i64>,
    right_child: Vec<i64>,
    leaf_value: Vec<f64>,
    leaf_count: Vec<f64>,
    internal_count: Vec<f64>,
    cat_boundaries: Vec<usize>,
    cat_threshold: Vec<u32>,
}

impl RawTree {
    /// The flat layout, nodes in depth-first order (children after their parent).
    ///
    /// Each split and each leaf may be referenced once: a file whose children are shared or
    /// loop back is refused, since laying it out would copy subtrees without end.
    fn flatten(&self, format: &'static str) -> Result<Tree, ExplainError> {
        let mut tree = Tree::default();
        if self.split_feature.is_empty() {
            push_leaf(&mut tree, *self.leaf_value.first().unwrap_or(&0.0), *self.leaf_count.first().unwrap_or(&0.0));
            return Ok(tree);
        }
        let mut split_seen = vec![false; self.split_feature.len()];
        let mut leaf_seen = vec![false; self.leaf_value.len()];
        let shared = |what: &str, k: usize| ExplainError::Refused {
            rule: crate::ModelRule::NotATree,
            detail: format!("{what} {k} is the child of more than one split (or of itself)"),
        };
        // (raw child reference, slot in `tree` whose child pointer to fill, is_left)
        let mut stack: Vec<(i64, Option<(usize, bool)>)> = vec![(0, None)];
        while let Some((raw, parent)) = stack.pop() {
            let me = tree.len();
            if let Some((p, is_left)) = parent {
                if is_left {
                    tree.left[p] = me as u32;
                } else {
                    tree.right[p] = me as u32;
                }
            }
            if raw < 0 {
                let leaf = usize::try_from(!raw).unwrap_or(usize::MAX);
                let value = *self.leaf_value.get(leaf).ok_or_else(|| malformed(format, format!("leaf {leaf} out of range")))?;
                if std::mem::replace(&mut leaf_seen[leaf], true) {
                    return Err(shared("leaf", leaf));
                }
                push_leaf(&mut tree, value, self.leaf_count.get(leaf).copied().unwrap_or(0.0));
                continue;
            }
            let k = raw as usize;
            if k >= self.split_feature.len() {
                return Err(malformed(format, format!("node {k} out of range")));
            }
            if std::mem::replace(&mut split_seen[k], true) {
                return Err(shared("split", k));
            }
            let decision = self.decision_type[k];
            let test = if decision & 1 == 1 {
                let idx = self.threshold[k] as usize;
                let (lo, hi) = (
                    *self.cat_boundaries.get(idx).ok_or_else(|| malformed(format, "cat_boundaries too short"))?,
                    *self.cat_boundaries.get(idx + 1).ok_or_else(|| malformed(format, "cat_boundaries too short"))?,
                );
                let words = self.cat_threshold.get(lo..hi).ok_or_else(|| malformed(format, "cat_threshold too short"))?;
                let set: Vec<u32> = words
                    .iter()
                    .enumerate()
                    .flat_map(|(w, bits)| (0..32).filter(move |b| bits >> b & 1 == 1).map(move |b| w as u32 * 32 + b))
                    .collect();
                Test::Categories { set: set.into_boxed_slice(), left_if_in: true }
            } else {
                Test::LessOrEqual(self.threshold[k])
            };
            tree.left.push(LEAF);
            tree.right.push(LEAF);
            tree.feature.push(self.split_feature[k]);
            tree.test.push(test);
            tree.default_left.push(decision & 2 == 2);
            tree.missing.push(missing_of((decision >> 2) & 3));
            tree.value.push(0.0);
            tree.cover.push(self.internal_count.get(k).copied().unwrap_or(0.0));
            // Right first so the left subtree is laid out right after its parent.
            stack.push((self.right_child[k], Some((me, false))));
            stack.push((self.left_child[k], Some((me, true))));
        }
        Ok(tree)
    }
}

fn push_leaf(tree: &mut Tree, value: f64, count: f64) {
    tree.left.push(LEAF);
    tree.right.push(LEAF);
    tree.feature.push(0);
    tree.test.push(Test::LessOrEqual(0.0));
    tree.default_left.push(false);
    tree.missing.push(Missing::None);
    tree.value.push(value);
    tree.cover.push(count);
}

fn field<'a>(block: &HashMap<&str, &'a str>, key: &str, tree: usize) -> Result<&'a str, ExplainError> {
    block.get(key).copied().ok_or_else(|| malformed("LightGBM text", format!("tree {tree} has no {key}")))
}

fn list<T: std::str::FromStr>(text: &str, key: &str, tree: usize) -> Result<Vec<T>, ExplainError> {
    text.split_whitespace()
        .map(|v| v.parse::<T>().map_err(|_| malformed("LightGBM text", format!("tree {tree}: {key} holds {v:?}"))))
        .collect()
}

/// Refuses a declared count past its limit before anything is sized by it.
fn within(rule: crate::ModelRule, what: &str, n: usize, limit: usize) -> Result<usize, ExplainError> {
    if n > limit {
        return Err(ExplainError::Refused { rule, detail: format!("{n} {what}, the limit is {limit}") });
    }
    Ok(n)
}

pub(crate) fn parse_text(text: &str, limits: &Limits) -> Result<Model, ExplainError> {
    const F: &str = "LightGBM text";
    let (header, rest) = text.split_once("\nTree=").ok_or_else(|| malformed(F, "no trees"))?;
    let header: HashMap<&str, &str> = header.lines().filter_map(|l| l.split_once('=')).collect();
    if header.contains_key("average_output") || text.lines().any(|l| l.trim() == "average_output") {
        return Err(ExplainError::UnsupportedObjective("random forest (average_output)".into()));
    }
    let objective = header.get("objective").copied().unwrap_or("").trim().to_owned();
    let link = link_of(&objective)?;
    let n_outputs: usize = header.get("num_tree_per_iteration").and_then(|v| v.trim().parse().ok()).unwrap_or(1);
    let n_outputs = within(crate::ModelRule::Outputs, "outputs", n_outputs, limits.max_outputs)?;
    let max_feature: usize =
        header.get("max_feature_idx").and_then(|v| v.trim().parse().ok()).ok_or_else(|| malformed(F, "no max_feature_idx"))?;
    within(crate::ModelRule::Features, "features", max_feature.saturating_add(1), limits.max_features)?;
    let feature_names: Vec<String> = match header.get("feature_names") {
        Some(names) => names.split_whitespace().map(str::to_owned).collect(),
        None => (0..=max_feature).map(|i| format!("Column_{i}")).collect(),
    };
    if feature_names.len() != max_feature + 1 {
        return Err(malformed(F, format!("{} feature names for {} features", feature_names.len(), max_feature + 1)));
    }
    let body = rest.split("\nend of trees").next().unwrap_or(rest);
    let mut trees = Vec::new();
    for (i, block) in body.split("\nTree=").enumerate() {
        let kv: HashMap<&str, &str> = block.lines().filter_map(|l| l.split_once('=')).collect();
        let num_leaves: usize =
            field(&kv, "num_leaves", i)?.trim().parse().map_err(|_| malformed(F, format!("tree {i}: bad num_leaves")))?;
        if kv.get("is_linear").is_some_and(|v| v.trim() == "1") {
            return Err(malformed(F, format!("tree {i} is a linear tree (linear_tree=true), which is not supported")));
        }
        let leaf_value: Vec<f64> = list(field(&kv, "leaf_value", i)?, "leaf_value", i)?;
        let raw = if num_leaves <= 1 {
            RawTree {
                split_feature: vec![],
                threshold: vec![],
                decision_type: vec![],
                left_child: vec![],
                right_child: vec![],
                leaf_count: kv.get("leaf_count").map(|v| list(v, "leaf_count", i)).transpose()?.unwrap_or_default(),
                leaf_value,
                internal_count: vec![],
                cat_boundaries: vec![],
                cat_threshold: vec![],
            }
        } else {
            let raw = RawTree {
                split_feature: list(field(&kv, "split_feature", i)?, "split_feature", i)?,
                threshold: list(field(&kv, "threshold", i)?, "threshold", i)?,
                decision_type: list(field(&kv, "decision_type", i)?, "decision_type", i)?,
                left_child: list(field(&kv, "left_child", i)?, "left_child", i)?,
                right_child: list(field(&kv, "right_child", i)?, "right_child", i)?,
                leaf_value,
                leaf_count: list(field(&kv, "leaf_count", i)?, "leaf_count", i)?,
                internal_count: list(field(&kv, "internal_count", i)?, "internal_count", i)?,
                cat_boundaries: kv.get("cat_boundaries").map(|v| list(v, "cat_boundaries", i)).transpose()?.unwrap_or_default(),
                cat_threshold: kv.get("cat_threshold").map(|v| list(v, "cat_threshold", i)).transpose()?.unwrap_or_default(),
            };
            let internal = num_leaves - 1;
            if [raw.split_feature.len(), raw.threshold.len(), raw.decision_type.len(), raw.left_child.len(), raw.right_child.len()]
                .iter()
                .any(|&l| l != internal)
            {
                return Err(malformed(F, format!("tree {i}: split arrays do not have num_leaves - 1 = {internal} entries")));
            }
            raw
        };
        trees.push(raw.flatten(F)?);
    }
    let tree_output = (0..trees.len()).map(|i| i % n_outputs.max(1)).collect();
    Ok(Model {
        library: Library::LightGBM,
        objective,
        link,
        feature_names,
        n_outputs: n_outputs.max(1),
        trees,
        tree_output,
        base_margin: vec![0.0; n_outputs.max(1)],
        linear: None,
        tables: Default::default(),
        max_depth: 0,
        table_bytes: 0,
    })
}

/// `dump_model` JSON, typed: only the fields custos reads are kept.
// Missing fields are `None` (serde reads an absent `Option` so); what a field must hold is
// checked where it is used, with a message naming it.
#[derive(Deserialize)]
struct Dump {
    average_output: Option<bool>,
    objective: Option<String>,
    num_tree_per_iteration: Option<u64>,
    feature_names: Option<Vec<String>>,
    tree_info: Option<Vec<DumpTree>>,
}

#[derive(Deserialize)]
struct DumpTree {
    tree_structure: DumpNode,
}

#[derive(Deserialize)]
struct DumpNode {
    split_index: Option<IgnoredAny>,
    split_feature: Option<u64>,
    threshold: Option<Value>,
    decision_type: Option<String>,
    default_left: Option<bool>,
    missing_type: Option<String>,
    internal_count: Option<f64>,
    left_child: Option<Box<DumpNode>>,
    right_child: Option<Box<DumpNode>>,
    leaf_value: Option<f64>,
    leaf_count: Option<f64>,
}

/// Lays out one `dump_model` tree structure, parent before children. Iterative: the nesting
/// is bounded by the JSON reader's recursion limit, the walk by nothing but the heap.
fn dump_tree(root: &DumpNode, max_depth: usize) -> Result<Tree, ExplainError> {
    const F: &str = "LightGBM dump JSON";
    let mut tree = Tree::default();
    /// The slot whose child pointer to fill, and whether it is the left one.
    type Parent = Option<(usize, bool)>;
    let mut stack: Vec<(&DumpNode, usize, Parent)> = vec![(root, 0, None)];
    while let Some((node, depth, parent)) = stack.pop() {
        if depth > max_depth {
            return Err(ExplainError::Refused {
                rule: crate::ModelRule::Depth,
                detail: format!("the tree is deeper than the limit of {max_depth} levels"),
            });
        }
        let me = tree.len();
        if let Some((p, is_left)) = parent {
            if is_left {
                tree.left[p] = me as u32;
            } else {
                tree.right[p] = me as u32;
            }
        }
        if node.split_index.is_none() {
            let value = node.leaf_value.ok_or_else(|| malformed(F, "a leaf has no leaf_value"))?;
            push_leaf(&mut tree, value, node.leaf_count.unwrap_or(0.0));
            continue;
        }
        let feature = node.split_feature.ok_or_else(|| malformed(F, "a split has no split_feature"))?;
        let feature = u32::try_from(feature).map_err(|_| malformed(F, format!("split_feature {feature} is not an index")))?;
        let test = match node.decision_type.as_deref() {
            Some("<=") => Test::LessOrEqual(
                node.threshold.as_ref().and_then(Value::as_f64).ok_or_else(|| malformed(F, "a split has no numeric threshold"))?,
            ),
            Some("==") => {
                let text = match &node.threshold {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                let mut set: Vec<u32> = text
                    .split("||")
                    .map(|c| c.trim().parse::<u32>().map_err(|_| malformed(F, format!("category {c:?}"))))
                    .collect::<Result<_, _>>()?;
                set.sort_unstable();
                Test::Categories { set: set.into_boxed_slice(), left_if_in: true }
            }
            other => return Err(malformed(F, format!("decision_type {other:?}"))),
        };
        let missing = match node.missing_type.as_deref() {
            Some("Zero") => Missing::Zero,
            Some("NaN") => Missing::NaN,
            _ => Missing::None,
        };
        let (Some(left), Some(right)) = (&node.left_child, &node.right_child) else {
            return Err(malformed(F, "a split lacks a child"));
        };
        tree.left.push(LEAF);
        tree.right.push(LEAF);
        tree.feature.push(feature);
        tree.test.push(test);
        tree.default_left.push(node.default_left.unwrap_or(false));
        tree.missing.push(missing);
        tree.value.push(0.0);
        tree.cover.push(node.internal_count.unwrap_or(0.0));
        stack.push((right, depth + 1, Some((me, false))));
        stack.push((left, depth + 1, Some((me, true))));
    }
    Ok(tree)
}

pub(crate) fn parse_dump(bytes: &[u8], limits: &Limits) -> Result<Model, ExplainError> {
    const F: &str = "LightGBM dump JSON";
    let doc: Dump = serde_json::from_slice(bytes).map_err(|e| malformed(F, e.to_string()))?;
    if doc.average_output == Some(true) {
        return Err(ExplainError::UnsupportedObjective("random forest (average_output)".into()));
    }
    let objective = doc.objective.unwrap_or_default();
    let link = link_of(&objective)?;
    let n_outputs = usize::try_from(doc.num_tree_per_iteration.unwrap_or(1).max(1)).unwrap_or(usize::MAX);
    let n_outputs = within(crate::ModelRule::Outputs, "outputs", n_outputs, limits.max_outputs)?;
    let feature_names = doc.feature_names.ok_or_else(|| malformed(F, "no feature_names"))?;
    let mut trees = Vec::new();
    for (i, info) in doc.tree_info.ok_or_else(|| malformed(F, "no tree_info"))?.iter().enumerate() {
        let tree = dump_tree(&info.tree_structure, limits.max_depth).map_err(|e| match e {
            ExplainError::Malformed { format, detail } => ExplainError::Malformed { format, detail: format!("tree {i}: {detail}") },
            ExplainError::Refused { rule, detail } => ExplainError::Refused { rule, detail: format!("tree {i}: {detail}") },
            other => other,
        })?;
        trees.push(tree);
    }
    let tree_output = (0..trees.len()).map(|i| i % n_outputs).collect();
    Ok(Model {
        library: Library::LightGBM,
        objective,
        link,
        feature_names,
        n_outputs,
        trees,
        tree_output,
        base_margin: vec![0.0; n_outputs],
        linear: None,
        tables: Default::default(),
        max_depth: 0,
        table_bytes: 0,
    })
}

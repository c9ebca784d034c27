//! XGBoost's JSON model format (`Booster.save_model("model.json")`, format of XGBoost 1.6+).
//!
//! The document is read into typed structures: node arrays become plain `Vec`s of numbers (8
//! bytes a node field) and everything custos does not use (`loss_changes`, `base_weights`,
//! `parents`, ...) is skipped without being stored, so a large file costs little more memory
//! than the model it describes.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::tree::{LEAF, Missing, Test, Tree};
use crate::{ExplainError, Library, Limits, Link, Model};

fn malformed(detail: impl Into<String>) -> ExplainError {
    ExplainError::Malformed { format: "XGBoost JSON", detail: detail.into() }
}

#[derive(Deserialize)]
struct Doc {
    learner: Learner,
}

#[derive(Deserialize)]
struct Learner {
    #[serde(default)]
    feature_names: Vec<String>,
    gradient_booster: Booster,
    #[serde(default)]
    learner_model_param: HashMap<String, Value>,
    objective: Objective,
}

#[derive(Deserialize)]
struct Objective {
    name: String,
}

#[derive(Deserialize)]
struct Booster {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    model: Option<GbModel>,
}

#[derive(Deserialize)]
struct GbModel {
    #[serde(default)]
    trees: Vec<RawTree>,
    #[serde(default)]
    tree_info: Option<Vec<i64>>,
}

#[derive(Deserialize)]
struct RawTree {
    left_children: Vec<i64>,
    right_children: Vec<i64>,
    split_indices: Vec<i64>,
    split_conditions: Vec<f64>,
    default_left: Vec<i64>,
    sum_hessian: Vec<f64>,
    #[serde(default)]
    split_type: Vec<i64>,
    #[serde(default)]
    categories: Vec<i64>,
    #[serde(default)]
    categories_nodes: Vec<i64>,
    #[serde(default)]
    categories_segments: Vec<i64>,
    #[serde(default)]
    categories_sizes: Vec<i64>,
}

/// A number XGBoost stores as a string (`"5E-1"`, or `"[5E-1,2E-1]"` for vectors in 3.x).
fn numbers(v: Option<&Value>, what: &str) -> Result<Vec<f64>, ExplainError> {
    match v {
        Some(Value::Number(n)) => n.as_f64().map(|x| vec![x]).ok_or_else(|| malformed(format!("{what} is not a number"))),
        Some(Value::String(s)) => s
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.trim().parse::<f64>().map_err(|_| malformed(format!("{what} {s:?} is not a number"))))
            .collect(),
        _ => Err(malformed(format!("{what} is missing"))),
    }
}

/// A count from `learner_model_param` (at most `cap`: past it the model is refused later).
fn count(params: &HashMap<String, Value>, key: &str, cap: usize) -> Result<usize, ExplainError> {
    let n = numbers(params.get(key), key)?.first().copied().unwrap_or(0.0);
    if !n.is_finite() || n < 0.0 {
        return Err(malformed(format!("{key} is {n}")));
    }
    Ok(if n > cap as f64 { cap + 1 } else { n as usize })
}

fn parse_tree(t: RawTree, i: usize) -> Result<Tree, ExplainError> {
    let n = t.left_children.len();
    if [t.right_children.len(), t.split_indices.len(), t.split_conditions.len(), t.default_left.len(), t.sum_hessian.len()]
        .iter()
        .any(|&l| l != n)
    {
        return Err(malformed(format!("tree {i}: node arrays have different lengths")));
    }
    if !t.split_type.is_empty() && t.split_type.len() != n {
        return Err(malformed(format!("tree {i}: split_type has {} entries for {n} nodes", t.split_type.len())));
    }
    // Categorical splits: categories listed per node go right.
    let mut categories: HashMap<usize, Vec<u32>> = HashMap::new();
    for (k, &node) in t.categories_nodes.iter().enumerate() {
        let node = usize::try_from(node).map_err(|_| malformed(format!("tree {i}: bad categories_nodes")))?;
        let start = usize::try_from(*t.categories_segments.get(k).unwrap_or(&0)).unwrap_or(usize::MAX);
        let size = usize::try_from(*t.categories_sizes.get(k).unwrap_or(&0)).unwrap_or(usize::MAX);
        let mut set: Vec<u32> = t
            .categories
            .get(start..start.saturating_add(size))
            .ok_or_else(|| malformed(format!("tree {i}: categories out of range")))?
            .iter()
            .map(|&c| u32::try_from(c).map_err(|_| malformed(format!("tree {i}: category {c} is not a code"))))
            .collect::<Result<_, _>>()?;
        set.sort_unstable();
        categories.insert(node, set);
    }
    let index = |v: i64, what: &str| u32::try_from(v).map_err(|_| malformed(format!("tree {i}: {what} {v} is not an index")));
    let mut tree = Tree::default();
    for k in 0..n {
        let leaf = t.left_children[k] < 0;
        tree.left.push(if leaf { LEAF } else { index(t.left_children[k], "child")? });
        tree.right.push(if leaf { LEAF } else { index(t.right_children[k], "child")? });
        tree.feature.push(if leaf { 0 } else { index(t.split_indices[k], "feature")? });
        tree.default_left.push(t.default_left[k] != 0);
        tree.missing.push(Missing::NaN);
        tree.cover.push(t.sum_hessian[k]);
        tree.value.push(if leaf { t.split_conditions[k] } else { 0.0 });
        let categorical = t.split_type.get(k) == Some(&1);
        tree.test.push(if !leaf && categorical {
            Test::Categories { set: categories.remove(&k).unwrap_or_default().into_boxed_slice(), left_if_in: false }
        } else {
            Test::LessF32(t.split_conditions[k] as f32)
        });
    }
    Ok(tree)
}

pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Model, ExplainError> {
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    let learner = doc.learner;
    let objective = learner.objective.name;
    let link = match objective.as_str() {
        "binary:logistic" | "reg:logistic" => Link::Logistic,
        "reg:squarederror" | "reg:linear" => Link::Identity,
        "multi:softprob" | "multi:softmax" => Link::Softmax,
        _ => return Err(ExplainError::UnsupportedObjective(objective)),
    };
    let booster_name = learner.gradient_booster.name.as_deref().unwrap_or("gbtree");
    if booster_name != "gbtree" {
        return Err(malformed(format!("booster {booster_name:?}: only gbtree models are supported")));
    }
    let params = &learner.learner_model_param;
    // Counts past their cap become cap + 1: the model is refused by `Model::check`, naming the
    // rule, before anything is sized by them.
    let n_features = count(params, "num_feature", limits.max_features)?;
    let num_class = count(params, "num_class", limits.max_outputs)?;
    let n_outputs = if link == Link::Softmax { num_class.max(1) } else { 1 };
    let base = numbers(params.get("base_score"), "base_score")?;
    let to_margin = |p: f64| match link {
        Link::Logistic => (p / (1.0 - p)).ln(),
        _ => p,
    };
    let base_margin: Vec<f64> = (0..n_outputs).map(|k| to_margin(*base.get(k).or(base.first()).unwrap_or(&0.5))).collect();
    if base_margin.iter().any(|b| !b.is_finite()) {
        return Err(ExplainError::Refused { rule: crate::ModelRule::NonFinite, detail: "base_score gives no finite margin".into() });
    }
    let model = learner.gradient_booster.model.ok_or_else(|| malformed("no trees"))?;
    let n_trees = model.trees.len();
    let tree_info: Vec<usize> = match model.tree_info {
        Some(info) => info.into_iter().map(|v| usize::try_from(v).unwrap_or(usize::MAX)).collect(),
        None => vec![0; n_trees],
    };
    if tree_info.len() != n_trees || tree_info.iter().any(|&k| k >= n_outputs) {
        return Err(malformed("tree_info does not match the trees and classes"));
    }
    let trees = model.trees.into_iter().enumerate().map(|(i, t)| parse_tree(t, i)).collect::<Result<Vec<_>, _>>()?;
    let feature_names: Vec<String> = if learner.feature_names.is_empty() {
        (0..n_features.min(limits.max_features.saturating_add(1))).map(|i| format!("f{i}")).collect()
    } else {
        learner.feature_names
    };
    if feature_names.len() != n_features {
        return Err(malformed(format!("{} feature names for {n_features} features", feature_names.len())));
    }
    Ok(Model {
        library: Library::XGBoost,
        objective,
        link,
        feature_names,
        n_outputs,
        trees,
        tree_output: tree_info,
        base_margin,
        linear: None,
        tables: Default::default(),
        max_depth: 0,
        table_bytes: 0,
    })
}

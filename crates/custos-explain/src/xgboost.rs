//! XGBoost's JSON model format (`Booster.save_model("model.json")`, format of XGBoost 1.6+).

use serde_json::Value;

use crate::tree::{LEAF, Missing, Test, Tree};
use crate::{ExplainError, Library, Link, Model};

fn malformed(detail: impl Into<String>) -> ExplainError {
    ExplainError::Malformed { format: "XGBoost JSON", detail: detail.into() }
}

/// A number XGBoost stores as a string (`"5E-1"`, or `"[5E-1,2E-1]"` for vectors in 3.x).
fn numbers(v: &Value, what: &str) -> Result<Vec<f64>, ExplainError> {
    match v {
        Value::Number(n) => n.as_f64().map(|x| vec![x]).ok_or_else(|| malformed(format!("{what} is not a number"))),
        Value::String(s) => s
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

fn int_array(tree: &Value, key: &str, i: usize) -> Result<Vec<i64>, ExplainError> {
    tree[key]
        .as_array()
        .ok_or_else(|| malformed(format!("tree {i} has no {key}")))?
        .iter()
        .map(|v| v.as_i64().ok_or_else(|| malformed(format!("tree {i}: {key} holds a non-integer"))))
        .collect()
}

fn float_array(tree: &Value, key: &str, i: usize) -> Result<Vec<f64>, ExplainError> {
    tree[key]
        .as_array()
        .ok_or_else(|| malformed(format!("tree {i} has no {key}")))?
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| malformed(format!("tree {i}: {key} holds a non-number"))))
        .collect()
}

fn parse_tree(t: &Value, i: usize) -> Result<Tree, ExplainError> {
    let left = int_array(t, "left_children", i)?;
    let right = int_array(t, "right_children", i)?;
    let feature = int_array(t, "split_indices", i)?;
    let condition = float_array(t, "split_conditions", i)?;
    let default_left = int_array(t, "default_left", i)?;
    let cover = float_array(t, "sum_hessian", i)?;
    let n = left.len();
    if [right.len(), feature.len(), condition.len(), default_left.len(), cover.len()].iter().any(|&l| l != n) {
        return Err(malformed(format!("tree {i}: node arrays have different lengths")));
    }
    let split_type = match t.get("split_type") {
        Some(_) => int_array(t, "split_type", i)?,
        None => vec![0; n],
    };
    // Categorical splits: categories listed per node go right.
    let mut categories: std::collections::HashMap<usize, Vec<u32>> = Default::default();
    if let Some(nodes) = t.get("categories_nodes").and_then(Value::as_array)
        && !nodes.is_empty()
    {
        let cats = int_array(t, "categories", i)?;
        let segments = int_array(t, "categories_segments", i)?;
        let sizes = int_array(t, "categories_sizes", i)?;
        for (k, node) in nodes.iter().enumerate() {
            let node = node.as_i64().ok_or_else(|| malformed(format!("tree {i}: bad categories_nodes")))? as usize;
            let (start, size) = (*segments.get(k).unwrap_or(&0) as usize, *sizes.get(k).unwrap_or(&0) as usize);
            let mut set: Vec<u32> = cats
                .get(start..start + size)
                .ok_or_else(|| malformed(format!("tree {i}: categories out of range")))?
                .iter()
                .map(|&c| c as u32)
                .collect();
            set.sort_unstable();
            categories.insert(node, set);
        }
    }
    let mut tree = Tree::default();
    for k in 0..n {
        let leaf = left[k] < 0;
        tree.left.push(if leaf { LEAF } else { left[k] as u32 });
        tree.right.push(if leaf { LEAF } else { right[k] as u32 });
        tree.feature.push(if leaf { 0 } else { feature[k] as u32 });
        tree.default_left.push(default_left[k] != 0);
        tree.missing.push(Missing::NaN);
        tree.cover.push(cover[k]);
        tree.value.push(if leaf { condition[k] } else { 0.0 });
        tree.test.push(if !leaf && split_type[k] == 1 {
            Test::Categories { set: categories.remove(&k).unwrap_or_default().into_boxed_slice(), left_if_in: false }
        } else {
            Test::LessF32(condition[k] as f32)
        });
    }
    Ok(tree)
}

pub(crate) fn parse(doc: &Value) -> Result<Model, ExplainError> {
    let learner = &doc["learner"];
    let objective = learner["objective"]["name"].as_str().ok_or_else(|| malformed("no objective"))?.to_owned();
    let link = match objective.as_str() {
        "binary:logistic" | "reg:logistic" => Link::Logistic,
        "reg:squarederror" | "reg:linear" => Link::Identity,
        "multi:softprob" | "multi:softmax" => Link::Softmax,
        _ => return Err(ExplainError::UnsupportedObjective(objective)),
    };
    let booster = &learner["gradient_booster"];
    let booster_name = booster["name"].as_str().unwrap_or("gbtree");
    if booster_name != "gbtree" {
        return Err(malformed(format!("booster {booster_name:?}: only gbtree models are supported")));
    }
    let params = &learner["learner_model_param"];
    let n_features = numbers(&params["num_feature"], "num_feature")?.first().copied().unwrap_or(0.0) as usize;
    let num_class = numbers(&params["num_class"], "num_class")?.first().copied().unwrap_or(0.0) as usize;
    let n_outputs = if link == Link::Softmax { num_class.max(1) } else { 1 };
    let base = numbers(&params["base_score"], "base_score")?;
    let to_margin = |p: f64| match link {
        Link::Logistic => (p / (1.0 - p)).ln(),
        _ => p,
    };
    let base_margin: Vec<f64> = (0..n_outputs).map(|k| to_margin(*base.get(k).or(base.first()).unwrap_or(&0.5))).collect();
    let model = &booster["model"];
    let trees_json = model["trees"].as_array().ok_or_else(|| malformed("no trees"))?;
    let tree_info: Vec<usize> = match model["tree_info"].as_array() {
        Some(a) => a.iter().map(|v| v.as_u64().unwrap_or(0) as usize).collect(),
        None => vec![0; trees_json.len()],
    };
    if tree_info.len() != trees_json.len() || tree_info.iter().any(|&k| k >= n_outputs) {
        return Err(malformed("tree_info does not match the trees and classes"));
    }
    let trees = trees_json.iter().enumerate().map(|(i, t)| parse_tree(t, i)).collect::<Result<Vec<_>, _>>()?;
    let feature_names: Vec<String> = match learner["feature_names"].as_array() {
        Some(names) if !names.is_empty() => names.iter().map(|n| n.as_str().unwrap_or("").to_owned()).collect(),
        _ => (0..n_features).map(|i| format!("f{i}")).collect(),
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
    })
}

//! Hostile model files: each is read fast, without deep recursion or large allocations, and
//! refused with the rule it breaks (issue 14: a registered model used to crash the server).

use std::time::Instant;

use custos_explain::{ExplainError, Limits, Model, ModelRule, ShapMode};
use serde_json::json;

/// An XGBoost JSON model of one tree given by its node arrays (leaves: `left < 0`).
fn xgboost(left: &[i64], right: &[i64], features: usize) -> Vec<u8> {
    let n = left.len();
    let split_indices: Vec<i64> = (0..n).map(|i| (i % features) as i64).collect();
    let conditions: Vec<f64> = (0..n).map(|i| if left[i] < 0 { 0.25 } else { 0.5 }).collect();
    let tree = json!({
        "left_children": left, "right_children": right, "split_indices": split_indices,
        "split_conditions": conditions, "default_left": vec![1; n], "sum_hessian": vec![1.0; n],
        "split_type": vec![0; n], "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
        "base_weights": vec![0.0; n], "loss_changes": vec![0.0; n], "parents": vec![0; n], "id": 0,
    });
    serde_json::to_vec(&json!({"learner": {
        "feature_names": [], "feature_types": [],
        "gradient_booster": {"name": "gbtree", "model": {"trees": [tree], "tree_info": [0]}},
        "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": features.to_string()},
        "objective": {"name": "binary:logistic"}
    }, "version": [2, 0, 0]}))
    .expect("json")
}

/// A chain: node 2k splits into leaf 2k+1 and node 2k+2.
fn chain(depth: usize) -> (Vec<i64>, Vec<i64>) {
    let mut left = Vec::new();
    let mut right = Vec::new();
    for k in 0..depth {
        left.push((2 * k + 1) as i64);
        right.push((2 * k + 2) as i64);
        left.push(-1);
        right.push(-1);
    }
    left.push(-1);
    right.push(-1);
    (left, right)
}

fn refused(result: Result<Model, ExplainError>) -> ModelRule {
    match result {
        Err(ExplainError::Refused { rule, .. }) => rule,
        Err(other) => panic!("expected a refusal naming a rule, got {other}"),
        Ok(_) => panic!("a hostile model was accepted"),
    }
}

#[test]
fn a_100000_level_chain_is_refused_by_depth() {
    let (left, right) = chain(100_000);
    let file = xgboost(&left, &right, 4);
    let started = Instant::now();
    assert_eq!(refused(Model::parse(&file)), ModelRule::Depth);
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}

#[test]
fn a_depth_10000_tree_is_refused_and_a_raised_limit_still_explains_it_iteratively() {
    let (left, right) = chain(10_000);
    let file = xgboost(&left, &right, 4);
    assert_eq!(refused(Model::parse(&file)), ModelRule::Depth);
    // An operator who raises the limit gets a model that predicts and explains without
    // recursion (this would overflow a thread's stack if any walk recursed).
    let limits = Limits { max_depth: 20_000, ..Limits::default() };
    let model = Model::parse_with(&file, &limits).expect("within the raised limit");
    assert_eq!(model.max_depth(), 10_000);
    let row = [1.0, 1.0, 1.0, 1.0];
    let margin = model.predict_margin(&row).expect("predict")[0];
    let handle = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let a = model.shap(&row, ShapMode::Interventional, &[vec![0.0; 4]]).expect("interventional");
            let total: f64 = a[0].values.iter().sum::<f64>() + a[0].base_value;
            (total, model.expected_margin()[0])
        })
        .expect("thread");
    let (total, _) = handle.join().expect("no stack overflow on a small stack");
    assert!((total - margin).abs() < 1e-6, "{total} vs {margin}");
}

#[test]
fn shared_children_are_refused_before_they_multiply() {
    // Depth 100, every split's two children are the same next split: 2^100 paths from 201 nodes.
    let depth = 100;
    let mut left = Vec::new();
    let mut right = Vec::new();
    for k in 0..depth {
        left.push(k as i64 + 1);
        right.push(k as i64 + 1);
    }
    left.push(-1);
    right.push(-1);
    let file = xgboost(&left, &right, 4);
    assert_eq!(refused(Model::parse(&file)), ModelRule::NotATree);
    // Children shared across two parents (not the same parent twice).
    let left = vec![1, 3, 3, -1, -1];
    let right = vec![2, 4, 4, -1, -1];
    assert_eq!(refused(Model::parse(&xgboost(&left, &right, 4))), ModelRule::NotATree);
    // A cycle back to the root.
    let left = vec![1, 0, -1];
    let right = vec![2, 2, -1];
    assert_eq!(refused(Model::parse(&xgboost(&left, &right, 4))), ModelRule::NotATree);
}

#[test]
fn indices_counts_and_numbers_are_checked() {
    let (left, right) = chain(3);
    let good = xgboost(&left, &right, 4);
    Model::parse(&good).expect("a fine model");
    let text = String::from_utf8(good.clone()).expect("utf8");
    // A child past the end.
    let bad = xgboost(&[1, -1, 99], &[2, -1, -1], 4);
    assert!(matches!(
        Model::parse(&bad),
        Err(ExplainError::Refused { rule: ModelRule::IndexOutOfRange, .. } | ExplainError::Malformed { .. })
    ));
    // A feature past num_feature.
    let fewer = text.replace("\"num_feature\":\"4\"", "\"num_feature\":\"2\"");
    assert_eq!(refused(Model::parse(fewer.as_bytes())), ModelRule::IndexOutOfRange);
    // A billion features or classes are refused without allocating for them.
    let huge = text.replace("\"num_feature\":\"4\"", "\"num_feature\":\"1000000000\"");
    assert_eq!(refused(Model::parse(huge.as_bytes())), ModelRule::Features);
    let classes = text.replace("binary:logistic", "multi:softprob").replace("\"num_class\":\"0\"", "\"num_class\":\"1000000000\"");
    assert!(matches!(
        Model::parse(classes.as_bytes()),
        Err(ExplainError::Refused { rule: ModelRule::Outputs, .. } | ExplainError::Malformed { .. })
    ));
    // Node and leaf caps.
    let (left, right) = chain(40);
    let file = xgboost(&left, &right, 4);
    assert_eq!(refused(Model::parse_with(&file, &Limits { max_nodes: 80, ..Limits::default() })), ModelRule::Nodes);
    assert_eq!(refused(Model::parse_with(&file, &Limits { max_leaves: 40, ..Limits::default() })), ModelRule::Leaves);
    Model::parse_with(&file, &Limits { max_nodes: 81, max_leaves: 41, ..Limits::default() }).expect("exactly at the caps");
}

/// LightGBM text with the given child arrays (internal nodes 0.., leaves ~k).
fn lightgbm(left: &[i64], right: &[i64]) -> String {
    let internal = left.len();
    let leaves = internal + 1;
    let join = |v: Vec<String>| v.join(" ");
    format!(
        "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=1\nobjective=binary sigmoid:1\n\
feature_names=a b\nfeature_infos=[0:1] [0:1]\ntree_sizes=1\n\nTree=0\nnum_leaves={leaves}\nnum_cat=0\n\
split_feature={}\nsplit_gain={}\nthreshold={}\ndecision_type={}\nleft_child={}\nright_child={}\nleaf_value={}\nleaf_weight={}\n\
leaf_count={}\ninternal_value={}\ninternal_weight={}\ninternal_count={}\nis_linear=0\nshrinkage=1\n\n\nend of trees\n",
        join((0..internal).map(|i| (i % 2).to_string()).collect()),
        join(vec!["1".into(); internal]),
        join(vec!["0.5".into(); internal]),
        join(vec!["2".into(); internal]),
        join(left.iter().map(i64::to_string).collect()),
        join(right.iter().map(i64::to_string).collect()),
        join((0..leaves).map(|i| format!("{}", i as f64 / 10.0)).collect()),
        join(vec!["1".into(); leaves]),
        join(vec!["1".into(); leaves]),
        join(vec!["0".into(); internal]),
        join(vec!["1".into(); internal]),
        join(vec!["2".into(); internal]),
    )
}

#[test]
fn lightgbm_files_with_shared_or_looping_children_are_refused() {
    // A good tree: 0 -> (1, leaf 0); 1 -> (leaf 1, leaf 2).
    let good = lightgbm(&[1, -2], &[-1, -3]);
    Model::parse(good.as_bytes()).expect("a fine LightGBM tree");
    // Split 1 is the child of split 0 twice.
    assert_eq!(refused(Model::parse(lightgbm(&[1, -1], &[1, -3]).as_bytes())), ModelRule::NotATree);
    // Split 1 points back at split 0.
    assert_eq!(refused(Model::parse(lightgbm(&[1, 0], &[-1, -3]).as_bytes())), ModelRule::NotATree);
    // A leaf reached twice.
    assert_eq!(refused(Model::parse(lightgbm(&[1, -1], &[-1, -3]).as_bytes())), ModelRule::NotATree);
    // A huge declared feature count.
    let huge = good.replace("max_feature_idx=1", "max_feature_idx=999999999");
    assert_eq!(refused(Model::parse(huge.as_bytes())), ModelRule::Features);
}

/// A `dump_model` file whose one tree nests `depth` splits down its left side, written as
/// text (building it as a `Value` would itself recurse).
fn nested_dump(depth: usize) -> String {
    let split = r#"{"split_index": 0, "split_feature": 0, "threshold": 0.5, "decision_type": "<=", "default_left": true, "missing_type": "None", "internal_count": 2, "right_child": {"leaf_index": 1, "leaf_value": 0.2, "leaf_count": 1}, "left_child": "#;
    let mut file = String::from(
        r#"{"objective": "binary sigmoid:1", "num_tree_per_iteration": 1, "feature_names": ["a"], "tree_info": [{"tree_structure": "#,
    );
    for _ in 0..depth {
        file.push_str(split);
    }
    file.push_str(r#"{"leaf_index": 0, "leaf_value": 0.1, "leaf_count": 1}"#);
    file.push_str(&"}".repeat(depth));
    file.push_str("}]}");
    file
}

#[test]
fn a_deep_lightgbm_dump_is_an_error_not_a_crash() {
    // 5,000 nested splits: the JSON reader's nesting limit stops it with an error.
    assert!(matches!(Model::parse(nested_dump(5_000).as_bytes()), Err(ExplainError::Malformed { .. })));
    // Within the reader's nesting limit, the depth limit applies.
    let file = nested_dump(40);
    let model = Model::parse(file.as_bytes()).expect("40 levels are fine");
    assert_eq!(model.max_depth(), 40);
    assert_eq!(refused(Model::parse_with(file.as_bytes(), &Limits { max_depth: 39, ..Limits::default() })), ModelRule::Depth);
}

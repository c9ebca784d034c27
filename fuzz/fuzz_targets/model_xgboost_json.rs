#![no_main]
//! XGBoost JSON: trees built from fuzzer-chosen node arrays (children anywhere, shared, looping,
//! out of range; features, conditions and covers including NaN and infinities; categorical
//! splits), written as XGBoost writes them. The loader must refuse or accept without panicking,
//! and an accepted model must be safe to predict and explain.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

#[path = "model_common.rs"]
mod model_common;

#[derive(Arbitrary, Debug)]
struct Node {
    left: i16,
    right: i16,
    feature: i16,
    condition: f32,
    default_left: bool,
    cover: f32,
    categorical: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    trees: Vec<Vec<Node>>,
    num_feature: u8,
    multiclass: bool,
    num_class: u8,
    categories: Vec<u16>,
    tree_info: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let trees: Vec<_> = input
        .trees
        .iter()
        .map(|nodes| {
            let f = |g: fn(&Node) -> serde_json::Value| nodes.iter().map(g).collect::<Vec<_>>();
            let cat_nodes: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].categorical).collect();
            let sizes: Vec<usize> = cat_nodes.iter().map(|_| input.categories.len().min(3)).collect();
            json!({
                "left_children": f(|n| json!(n.left)), "right_children": f(|n| json!(n.right)),
                "split_indices": f(|n| json!(n.feature)),
                "split_conditions": f(|n| if n.condition.is_finite() { json!(n.condition) } else { json!(0.5) }),
                "default_left": f(|n| json!(u8::from(n.default_left))),
                "sum_hessian": f(|n| if n.cover.is_finite() { json!(n.cover) } else { json!(-1.0) }),
                "split_type": f(|n| json!(u8::from(n.categorical))),
                "categories": input.categories, "categories_nodes": cat_nodes,
                "categories_segments": vec![0; sizes.len()], "categories_sizes": sizes,
            })
        })
        .collect();
    let doc = json!({"learner": {
        "feature_names": [],
        "gradient_booster": {"name": "gbtree", "model": {"trees": trees, "tree_info": input.tree_info}},
        "learner_model_param": {"base_score": "5E-1", "num_class": input.num_class.to_string(), "num_feature": input.num_feature.to_string()},
        "objective": {"name": if input.multiclass { "multi:softprob" } else { "binary:logistic" }}
    }});
    model_common::exercise(doc.to_string().as_bytes());
});

#![no_main]
//! LightGBM text: trees built from fuzzer-chosen arrays (child references anywhere, shared or
//! looping, leaf references out of range, categorical bitsets, every missing-value type),
//! written in LightGBM's `save_model` layout. No panic; an accepted model is safe to use.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "model_common.rs"]
mod model_common;

#[derive(Arbitrary, Debug)]
struct Split {
    feature: u8,
    threshold: f32,
    decision_type: u8,
    left: i8,
    right: i8,
    count: u16,
}

#[derive(Arbitrary, Debug)]
struct Input {
    trees: Vec<(Vec<Split>, Vec<f32>)>,
    max_feature_idx: u8,
    per_iteration: u8,
    cat_boundaries: Vec<u8>,
    cat_threshold: Vec<u32>,
}

fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ")
}

fuzz_target!(|input: Input| {
    let mut text = format!(
        "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration={}\nlabel_index=0\nmax_feature_idx={}\nobjective=binary sigmoid:1\n\n",
        input.per_iteration, input.max_feature_idx
    );
    for (i, (splits, leaves)) in input.trees.iter().enumerate() {
        text.push_str(&format!(
            "Tree={i}\nnum_leaves={}\nnum_cat=1\nsplit_feature={}\nthreshold={}\ndecision_type={}\nleft_child={}\nright_child={}\n\
leaf_value={}\nleaf_count={}\ninternal_count={}\ncat_boundaries={}\ncat_threshold={}\nshrinkage=1\n\n",
            splits.len() + 1,
            join(splits.iter().map(|s| s.feature)),
            join(splits.iter().map(|s| s.threshold)),
            join(splits.iter().map(|s| s.decision_type)),
            join(splits.iter().map(|s| s.left)),
            join(splits.iter().map(|s| s.right)),
            join(leaves.iter()),
            join(leaves.iter().map(|_| 1)),
            join(splits.iter().map(|s| s.count)),
            join(input.cat_boundaries.iter()),
            join(input.cat_threshold.iter()),
        ));
    }
    text.push_str("end of trees\n");
    model_common::exercise(text.as_bytes());
});

//! Counterfactual latency on a 500-tree, depth-6 XGBoost-format model over 20 features (the
//! size the issue names), generated here deterministically: each full tree splits on random
//! features at random thresholds, and a leaf's value grows with the number of times its path
//! went right on features 0-9 and left on features 10-19 (so the score depends on the features
//! and adverse rows have somewhere to go). Eight features are actionable, four of them in one
//! direction only. Prints p50/p99/max milliseconds per adverse row and how often a flip was found.
//!
//!   cargo run --release -p custos-explain --example counterfactual_bench [-- ROWS]

use std::collections::BTreeMap;
use std::time::Instant;

use custos_explain::Model;
use custos_explain::counterfactual::{Change, Counterfactual, CounterfactualOptions, counterfactual};
use custos_explain::reasons::{FavorableSide, FeatureDictionary, FeatureText};

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FEATURES: usize = 20;
const TREES: usize = 500;
const DEPTH: u32 = 6;

fn model(rng: &mut Rng) -> String {
    let internal = (1usize << DEPTH) - 1;
    let n = (1usize << (DEPTH + 1)) - 1;
    let trees: Vec<serde_json::Value> = (0..TREES)
        .map(|id| {
            let features: Vec<usize> = (0..n).map(|_| (rng.next() % FEATURES as u64) as usize).collect();
            let mut conditions = vec![0.0; n];
            for c in conditions.iter_mut().take(internal) {
                *c = (rng.unit() * 1000.0).round() / 1000.0;
            }
            // A leaf's value: +/- per helpful turn on its path, plus noise.
            for (leaf, condition) in conditions.iter_mut().enumerate().skip(internal) {
                let (mut node, mut value) = (leaf, 0.0);
                while node > 0 {
                    let parent = (node - 1) / 2;
                    let went_right = node == 2 * parent + 2;
                    let f = features[parent];
                    value += if (f < 10) == went_right { 0.004 } else { -0.004 };
                    node = parent;
                }
                *condition = value + (rng.unit() - 0.5) * 0.004;
            }
            let left: Vec<i64> = (0..n).map(|i| if i < internal { (2 * i + 1) as i64 } else { -1 }).collect();
            let right: Vec<i64> = (0..n).map(|i| if i < internal { (2 * i + 2) as i64 } else { -1 }).collect();
            let split_indices: Vec<i64> = (0..n).map(|i| if i < internal { features[i] as i64 } else { 0 }).collect();
            serde_json::json!({
                "left_children": left, "right_children": right, "split_indices": split_indices,
                "split_conditions": conditions, "default_left": vec![1; n], "sum_hessian": vec![1.0; n],
                "split_type": vec![0; n], "categories": [], "categories_nodes": [], "categories_segments": [],
                "categories_sizes": [], "base_weights": vec![0.0; n], "loss_changes": vec![0.0; n], "parents": vec![0; n], "id": id,
            })
        })
        .collect();
    let names: Vec<String> = (0..FEATURES).map(|f| format!("f{f}")).collect();
    serde_json::json!({"learner": {
        "feature_names": names, "feature_types": vec!["float"; FEATURES],
        "gradient_booster": {"name": "gbtree", "model": {"trees": trees, "tree_info": vec![0; TREES]}},
        "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": FEATURES.to_string()},
        "objective": {"name": "binary:logistic"}
    }, "version": [2, 0, 0]})
    .to_string()
}

fn main() {
    let rows: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut rng = Rng(0x5EED);
    let model = Model::parse(model(&mut rng).as_bytes()).expect("generated model");
    let mut features = BTreeMap::new();
    for (f, change) in [
        (0, Change::Increase),
        (1, Change::Increase),
        (2, Change::Either),
        (3, Change::Either),
        (10, Change::Decrease),
        (11, Change::Decrease),
        (12, Change::Either),
        (13, Change::Either),
    ] {
        features.insert(
            format!("f{f}"),
            FeatureText {
                description: format!("feature {f}"),
                higher: "is high".into(),
                lower: "is low".into(),
                unit: None,
                actionable: true,
                min: Some(0.0),
                max: Some(1.0),
                change: Some(change),
            },
        );
    }
    let dictionary = FeatureDictionary {
        favorable_outcome: FavorableSide::Higher,
        intro: None,
        features,
        outcomes: Default::default(),
        languages: Default::default(),
    };
    let options = CounterfactualOptions::default();
    let mut times = Vec::new();
    let (mut found, mut evaluations) = (0usize, 0usize);
    for _ in 0..rows {
        let row: Vec<f64> = (0..FEATURES).map(|_| rng.unit()).collect();
        let started = Instant::now();
        let result = counterfactual(&model, &row, &dictionary, &options);
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Counterfactual::NotAdverse => continue,
            Counterfactual::Found { evaluations: e, .. } => {
                found += 1;
                evaluations += e;
            }
            Counterfactual::NotFound { evaluations: e, .. } => evaluations += e,
        }
        times.push(elapsed);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "model: {TREES} trees of depth {DEPTH}, {FEATURES} features, 8 actionable; {} adverse rows of {rows}; flip found for {found} ({:.1}%)",
        times.len(),
        100.0 * found as f64 / times.len().max(1) as f64
    );
    println!(
        "latency per adverse decision, one thread: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.0} model evaluations on average",
        at(0.5),
        at(0.99),
        times.last().copied().unwrap_or(0.0),
        evaluations as f64 / times.len().max(1) as f64
    );
}

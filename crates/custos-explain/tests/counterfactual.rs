//! Counterfactuals on a real XGBoost model (the breast-cancer fixture, 100 trees): every
//! change found flips the decision when the row is scored again, moves only actionable
//! features within their bounds and allowed directions, and uses as few features as any
//! single-feature search could.

use std::collections::BTreeMap;
use std::path::PathBuf;

use custos_explain::Model;
use custos_explain::counterfactual::{Change, Counterfactual, CounterfactualOptions, counterfactual};
use custos_explain::reasons::{FavorableSide, FeatureDictionary, FeatureText};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain").join(name)).expect("fixture")
}

fn rows() -> (Vec<String>, Vec<Vec<f64>>) {
    let text = fixture("cancer.rows.csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("header").split(',').skip(1).map(str::to_owned).collect();
    let rows = lines.map(|l| l.split(',').skip(1).map(|v| v.parse::<f64>().unwrap_or(f64::NAN)).collect()).collect();
    (header, rows)
}

fn text(min: f64, max: f64, change: Change) -> FeatureText {
    FeatureText {
        description: "x".into(),
        higher: "h".into(),
        lower: "l".into(),
        unit: None,
        actionable: true,
        min: Some(min),
        max: Some(max),
        change: Some(change),
    }
}

#[test]
fn tree_counterfactuals_flip_and_respect_the_dictionary() {
    let model = Model::parse(fixture("cancer.xgb.json").as_bytes()).expect("model");
    let (header, rows) = rows();
    let names = model.feature_names().to_vec();
    let actionable: BTreeMap<String, FeatureText> = [
        ("worst_radius", text(5.0, 40.0, Change::Decrease)),
        ("worst_texture", text(5.0, 50.0, Change::Either)),
        ("mean_concave_points", text(0.0, 0.3, Change::Decrease)),
        ("worst_concave_points", text(0.0, 0.4, Change::Either)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let dictionary = FeatureDictionary { favorable_outcome: FavorableSide::Higher, intro: None, features: actionable.clone() };
    let options = CounterfactualOptions::default();
    let (mut found, mut adverse) = (0, 0);
    for raw in rows.iter().take(60) {
        // The rows file may order columns differently from the model.
        let row: Vec<f64> = names.iter().map(|n| header.iter().position(|h| h == n).map_or(f64::NAN, |i| raw[i])).collect();
        let before = model.predict(&row).expect("p")[0];
        match counterfactual(&model, &row, &dictionary, &options) {
            Counterfactual::NotAdverse => assert!(before >= 0.5),
            Counterfactual::Found { changes, prediction, original_prediction, .. } => {
                adverse += 1;
                found += 1;
                assert!(before < 0.5 && (original_prediction - before).abs() < 1e-12);
                let mut changed = row.clone();
                for c in &changes {
                    let i = names.iter().position(|n| *n == c.feature).expect("a model feature");
                    let t = &actionable[&c.feature];
                    assert!(c.to >= t.min.expect("min") && c.to <= t.max.expect("max"), "{c:?} out of bounds");
                    if t.change == Some(Change::Decrease) {
                        assert!(c.to < c.from, "{c:?} moved up");
                    }
                    changed[i] = c.to;
                }
                let after = model.predict(&changed).expect("p")[0];
                assert!(after > 0.5 && (after - prediction).abs() < 1e-12, "re-scored {after}");
                assert!(changes.len() <= options.max_features);
            }
            Counterfactual::NotFound { reason, .. } => {
                adverse += 1;
                assert!(!reason.is_empty());
            }
        }
    }
    assert!(adverse >= 10, "the fixture has adverse rows: {adverse}");
    assert!(found * 2 >= adverse, "a flip is found for most adverse rows: {found} of {adverse}");
}

//! custos-explain against the libraries themselves: models trained and explained by
//! `testdata/explain/make_fixtures.py` (xgboost, lightgbm, shap), on three scikit-learn datasets.
//! Margins and predictions to 1e-6 (XGBoost computes in float32: its margins to 1e-5);
//! path-dependent attributions to 1e-6 (LightGBM) and 1e-5 (XGBoost) against both the library's
//! own `pred_contribs` / `pred_contrib` and shap's TreeExplainer (every model shap reads: all but
//! the XGBoost model with a categorical column); interventional attributions against Shapley
//! values by definition from the library's predictions, and against shap where shap agrees with
//! that definition.

use std::path::PathBuf;

use custos_explain::{Model, ShapMode};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain")
}

/// Rows of a fixture CSV (no quoting in these files; empty = missing), in `features` order.
fn rows(file: &str, features: &[String]) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(dir().join(file)).expect("rows");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let index: Vec<usize> =
        features.iter().map(|f| header.iter().position(|h| h == f).unwrap_or_else(|| panic!("{file} has no column {f}"))).collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            index.iter().map(|&i| if cells[i].is_empty() { f64::NAN } else { cells[i].parse().expect("number") }).collect()
        })
        .collect()
}

fn close(what: &str, expected: f64, got: f64, tolerance: f64) {
    assert!((expected - got).abs() <= tolerance * expected.abs().max(1.0), "{what}: expected {expected}, got {got}");
}

/// The reference attributions of row `r`, output `k`: feature values and the base value.
fn reference(expected: &Value, r: usize, k: usize, n_features: usize, n_outputs: usize) -> (Vec<f64>, f64) {
    let row = &expected["path_dependent"][r];
    let values: Vec<f64> = if n_outputs == 1 {
        row.as_array().expect("row").iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect()
    } else if row[0].is_array() {
        // xgboost: [class][feature + bias]
        row[k].as_array().expect("class").iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect()
    } else {
        // lightgbm: class blocks of feature + bias, flattened
        row.as_array().expect("row")[k * (n_features + 1)..(k + 1) * (n_features + 1)]
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    (values[..n_features].to_vec(), values[n_features])
}

fn check(model_file: &str, expected_file: &str, dataset: &str) {
    let bytes = std::fs::read(dir().join(model_file)).expect("model");
    let model = Model::parse(&bytes).unwrap_or_else(|e| panic!("{model_file}: {e}"));
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir().join(expected_file)).expect("expected")).expect("json");
    let features: Vec<String> =
        expected["features"].as_array().expect("features").iter().map(|f| f.as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(model.feature_names(), features.as_slice(), "{model_file}: feature names");
    let xgboost = model_file.contains(".xgb");
    let tol = if xgboost { 1e-5 } else { 1e-6 };
    let n_outputs = model.n_outputs();
    let n_features = features.len();
    let data = rows(&format!("{dataset}.rows.csv"), &features);
    let background = rows(&format!("{dataset}.background.csv"), &features);
    // The batch path (precomputed tables, tree by tree) gives what the row path gives.
    let many = model.shap_many(&data).expect("shap_many");
    for (r, row) in data.iter().enumerate() {
        let margins = model.predict_margin(row).expect("margin");
        let predictions = model.predict(row).expect("predict");
        for k in 0..n_outputs {
            let at = |key: &str| if n_outputs == 1 { expected[key][r].as_f64() } else { expected[key][r][k].as_f64() };
            close(&format!("{model_file} row {r} margin {k}"), at("margin").unwrap_or(f64::NAN), margins[k], tol);
            close(&format!("{model_file} row {r} prediction {k}"), at("prediction").unwrap_or(f64::NAN), predictions[k], tol);
        }
        let shap = model.shap(row, ShapMode::PathDependent, &[]).expect("shap");
        for (a, b) in shap.iter().zip(&many[r]) {
            assert!((a.base_value - b.base_value).abs() < 1e-12);
            for (x, y) in a.values.iter().zip(&b.values) {
                assert!((x - y).abs() < 1e-9 * x.abs().max(1.0), "{model_file} row {r}: batch {y} vs row {x}");
            }
        }
        for (k, attribution) in shap.iter().enumerate() {
            let (values, base) = reference(&expected, r, k, n_features, n_outputs);
            close(&format!("{model_file} row {r} base value {k}"), base, attribution.base_value, tol);
            for (f, (e, g)) in values.iter().zip(&attribution.values).enumerate() {
                close(&format!("{model_file} row {r} class {k} {}", features[f]), *e, *g, tol);
            }
            let total: f64 = attribution.values.iter().sum::<f64>() + attribution.base_value;
            close(&format!("{model_file} row {r} additivity"), margins[k], total, 1e-9);
        }
        // shap's TreeExplainer (path-dependent), where it reads the model.
        if let Some(values) = expected["shap_path_dependent"]["values"].as_array() {
            for (k, attribution) in shap.iter().enumerate() {
                let at = |f: usize| if n_outputs == 1 { values[r][f].as_f64() } else { values[r][f][k].as_f64() };
                for (f, (name, ours)) in features.iter().zip(&attribution.values).enumerate() {
                    close(&format!("{model_file} row {r} class {k} {name} (shap path-dependent)"), at(f).unwrap_or(f64::NAN), *ours, tol);
                }
                let shap_base = expected["shap_path_dependent"]["expected_value"][k].as_f64().unwrap_or(f64::NAN);
                let shap_total: f64 = (0..n_features).map(|f| at(f).unwrap_or(0.0)).sum::<f64>() + shap_base;
                if (shap_total - margins[k]).abs() < 1e-4 {
                    close(&format!("{model_file} shap path-dependent base {k}"), shap_base, attribution.base_value, tol);
                }
            }
        }
        let exact = expected["interventional_exact"].as_array();
        let shap_values = expected["interventional"]["values"].as_array();
        if exact.is_none() && shap_values.is_none() {
            continue;
        }
        let ours = model.shap(row, ShapMode::Interventional, &background).expect("interventional");
        for (k, attribution) in ours.iter().enumerate() {
            let total: f64 = attribution.values.iter().sum::<f64>() + attribution.base_value;
            close(&format!("{model_file} row {r} interventional additivity"), margins[k], total, 1e-9);
            // Shapley values by definition from the library's own predictions (first rows).
            // XGBoost's predictions are float32 sums, so the by-definition reference carries
            // float32 noise in proportion to the margin.
            let exact_tol = if xgboost { tol * margins[k].abs().max(1.0) } else { tol };
            if let Some(phi) = exact.and_then(|e| e.get(r)) {
                for (f, g) in attribution.values.iter().enumerate() {
                    let e = phi[f][k].as_f64().unwrap_or(f64::NAN);
                    close(&format!("{model_file} row {r} interventional class {k} {} (exact)", features[f]), e, *g, exact_tol);
                }
            }
            // shap's TreeExplainer: within 1e-5 (it is off by ~1e-6 on some LightGBM values,
            // see make_fixtures.py); its base value only where its own values add up.
            // shap's interventional explainer routes missing values its own way (not the
            // libraries'), so rows with one are checked against the exact reference only. For
            // LightGBM, shap 0.51 differs from the by-definition values on 4 of 40 diabetes rows
            // (by up to 5.6) and explains one output of multi-class boosters, so LightGBM is
            // checked against the by-definition values only (see make_fixtures.py).
            if let Some(values) = shap_values.filter(|_| xgboost && !row.iter().any(|v| v.is_nan())) {
                let at = |f: usize| if n_outputs == 1 { values[r][f].as_f64() } else { values[r][f][k].as_f64() };
                let shap_base = expected["interventional"]["expected_value"][k].as_f64().unwrap_or(f64::NAN);
                for (f, (name, ours)) in features.iter().zip(&attribution.values).enumerate() {
                    close(&format!("{model_file} row {r} interventional class {k} {name} (shap)"), at(f).unwrap_or(f64::NAN), *ours, 1e-5);
                }
                let shap_total: f64 = (0..n_features).map(|f| at(f).unwrap_or(0.0)).sum::<f64>() + shap_base;
                if (shap_total - margins[k]).abs() < 1e-4 {
                    close(&format!("{model_file} interventional base {k}"), shap_base, attribution.base_value, tol);
                }
            }
        }
    }
}

#[test]
fn xgboost_binary_with_categorical_splits_and_missing_values() {
    check("cancer.xgb.json", "cancer.xgb.expected.json", "cancer");
}

#[test]
fn xgboost_regression() {
    check("diabetes.xgb.json", "diabetes.xgb.expected.json", "diabetes");
}

#[test]
fn xgboost_multiclass() {
    check("wine.xgb.json", "wine.xgb.expected.json", "wine");
}

#[test]
fn lightgbm_binary_with_categorical_splits_text_and_dump() {
    check("cancer.lgb.txt", "cancer.lgb.expected.json", "cancer");
    check("cancer.lgb.dump.json", "cancer.lgb.expected.json", "cancer");
}

#[test]
fn lightgbm_regression_text_and_dump() {
    check("diabetes.lgb.txt", "diabetes.lgb.expected.json", "diabetes");
    check("diabetes.lgb.dump.json", "diabetes.lgb.expected.json", "diabetes");
}

#[test]
fn lightgbm_multiclass_text_and_dump() {
    check("wine.lgb.txt", "wine.lgb.expected.json", "wine");
    check("wine.lgb.dump.json", "wine.lgb.expected.json", "wine");
}

#[test]
fn bad_models_are_named_errors() {
    assert!(matches!(Model::parse(b"hello"), Err(custos_explain::ExplainError::UnknownFormat(_))));
    assert!(matches!(Model::parse(b"{\"a\": 1}"), Err(custos_explain::ExplainError::UnknownFormat(_))));
    let text = std::fs::read_to_string(dir().join("diabetes.xgb.json")).expect("model");
    let poisson = text.replace("reg:squarederror", "count:poisson");
    assert_eq!(Model::parse(poisson.as_bytes()).err(), Some(custos_explain::ExplainError::UnsupportedObjective("count:poisson".into())));
    let model = Model::parse(text.as_bytes()).expect("model");
    assert!(matches!(model.predict(&[1.0]), Err(custos_explain::ExplainError::RowLength { .. })));
    assert!(matches!(model.shap(&[0.0; 10], ShapMode::Interventional, &[]), Err(custos_explain::ExplainError::NoBackground)));
}

/// Reasons on a tree model: adverse features first, every hint really crosses the boundary and
/// every "too high" reason is one where a lower value would have helped.
#[test]
fn tree_reasons_and_hints_cross_the_boundary() {
    use custos_explain::reasons::{FavorableSide, FeatureDictionary, FeatureText, ReasonOptions, explain};
    let model = Model::parse(&std::fs::read(dir().join("cancer.lgb.txt")).expect("model")).expect("parse");
    let features = model.feature_names().to_vec();
    let dictionary = FeatureDictionary {
        favorable_outcome: FavorableSide::Higher,
        intro: None,
        outcomes: Default::default(),
        languages: Default::default(),
        features: features
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    FeatureText {
                        description: format!("The {f}"),
                        higher: "is high".into(),
                        lower: "is low".into(),
                        unit: None,
                        actionable: true,
                        min: None,
                        max: None,
                        change: None,
                    },
                )
            })
            .collect(),
    };
    let data = rows("cancer.rows.csv", &features);
    let mut hints = 0;
    let mut adverse_rows = 0;
    for row in &data {
        let attribution = &model.shap(row, ShapMode::PathDependent, &[]).expect("shap")[0];
        let e = explain(&model, row, attribution, &dictionary, &ReasonOptions::default());
        let p = model.predict(row).expect("predict")[0];
        assert_eq!(e.favorable, Some(p >= 0.5));
        for pair in e.reasons.windows(2) {
            assert!(pair[0].contribution <= pair[1].contribution, "most adverse first");
        }
        assert!(e.reasons.iter().all(|r| r.contribution < 0.0));
        if e.favorable == Some(false) {
            adverse_rows += 1;
            assert!(e.text.starts_with("The main reasons were: the "), "{}", e.text);
        } else if !e.reasons.is_empty() {
            assert!(e.text.starts_with("The outcome was in your favour. What weighed against it: the "), "{}", e.text);
        }
        for c in &e.counterfactuals {
            let f = features.iter().position(|n| *n == c.feature).expect("feature");
            let mut moved = row.clone();
            moved[f] = c.to;
            assert!(model.predict(&moved).expect("predict")[0] >= 0.5, "the hint for {} crosses the boundary", c.feature);
            hints += 1;
        }
    }
    assert!(adverse_rows > 0 && hints > 0, "{adverse_rows} adverse rows, {hints} hints");
}

/// Batch prediction, tree by tree over blocks of rows, gives exactly the row-by-row margins
/// (the same sums in the same order), for tree ensembles of both libraries and a linear model.
#[test]
fn batch_margins_equal_row_by_row() {
    for name in ["cancer.xgb.json", "cancer.lgb.txt", "diabetes.xgb.json", "credit.linear.json"] {
        let bytes = std::fs::read(dir().join(name)).expect("fixture");
        let model = Model::parse(&bytes).expect("model");
        let p = model.feature_names().len();
        let mut rows = Vec::new();
        let mut state = 7u64;
        for _ in 0..(300 * p) {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            rows.push(if u < 0.02 { f64::NAN } else { u * 4.0 - 1.0 });
        }
        let mut batch = vec![0.0; 300];
        model.predict_margins(&rows, &mut batch).expect("batch");
        for (i, row) in rows.chunks_exact(p).enumerate() {
            assert_eq!(batch[i].to_bits(), model.predict_margin(row).expect("row")[0].to_bits(), "{name} row {i}");
        }
        assert!(model.predict_margins(&rows[1..], &mut batch).is_err(), "a ragged batch is refused");
    }
}

//! `custos explain` end to end: the CLI's tables equal the libraries' own numbers
//! (`testdata/explain/make_fixtures.py`), reasons read as the dictionary says, and bad input is a
//! one-line error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain")
}

fn custos(args: &[&str]) -> Output {
    Command::new(BIN).current_dir(fixtures()).args(args).output().expect("run custos")
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).expect("fixture")).expect("json")
}

/// A CSV table from stdout: header and rows of cells.
fn table(out: &Output) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("").split(',').map(str::to_owned).collect();
    (header, lines.map(|l| l.split(',').map(str::to_owned).collect()).collect())
}

fn num(cell: &str) -> f64 {
    cell.parse().unwrap_or(f64::NAN)
}

#[test]
fn shap_table_equals_xgboost_pred_contribs_per_class() {
    let (header, rows) = table(&custos(&["explain", "shap", "--model", "wine.xgb.json", "--input", "wine.rows.csv", "--threads", "2"]));
    let reference = expected("wine.xgb.expected.json");
    let features: Vec<&str> = reference["features"].as_array().expect("features").iter().filter_map(Value::as_str).collect();
    assert_eq!(header[0], "id", "the id column comes first");
    assert_eq!(header[1], format!("{}:class0", features[0]));
    assert_eq!(header[features.len() + 1], "base_value:class0");
    assert_eq!(header.len(), 1 + 3 * (features.len() + 1));
    assert_eq!(rows.len(), 40);
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(row[0], format!("r{r}"));
        for k in 0..3 {
            for j in 0..=features.len() {
                let e = reference["path_dependent"][r][k][j].as_f64().unwrap_or(f64::NAN);
                let g = num(&row[1 + k * (features.len() + 1) + j]);
                assert!((e - g).abs() <= 1e-5 * e.abs().max(1.0), "row {r} class {k} column {j}: {e} vs {g}");
            }
        }
    }
}

#[test]
fn interventional_and_predictions_equal_lightgbm() {
    let (header, rows) = table(&custos(&[
        "explain",
        "shap",
        "--model",
        "diabetes.lgb.txt",
        "--input",
        "diabetes.rows.csv",
        "--mode",
        "interventional",
        "--background",
        "diabetes.background.csv",
    ]));
    let reference = expected("diabetes.lgb.expected.json");
    let exact = reference["interventional_exact"].as_array().expect("exact");
    for (r, phi) in exact.iter().enumerate() {
        for (j, name) in header[1..header.len() - 1].iter().enumerate() {
            let e = phi[j][0].as_f64().unwrap_or(f64::NAN);
            let g = num(&rows[r][1 + j]);
            assert!((e - g).abs() <= 1e-6 * e.abs().max(1.0), "row {r} {name}: {e} vs {g}");
        }
    }
    let (header, rows) = table(&custos(&["explain", "predict", "--model", "diabetes.lgb.dump.json", "--input", "diabetes.rows.csv"]));
    assert_eq!(header, ["id", "margin", "prediction"]);
    for (r, row) in rows.iter().enumerate() {
        let e = reference["prediction"][r].as_f64().unwrap_or(f64::NAN);
        assert!((e - num(&row[2])).abs() <= 1e-6 * e.abs().max(1.0), "row {r}");
    }
}

#[test]
fn reasons_use_the_dictionary_and_hint_only_what_is_plausible() {
    let out = custos(&[
        "explain",
        "reasons",
        "--model",
        "credit.linear.json",
        "--dictionary",
        "credit.features.toml",
        "--input",
        "credit.rows.csv",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docs: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0]["id"], "a1");
    assert_eq!(docs[0]["favorable"], true);
    assert_eq!(docs[0]["reasons"], Value::Array(vec![]));
    assert_eq!(docs[1]["favorable"], false);
    let text = docs[1]["text"].as_str().unwrap_or("");
    assert!(
        text.starts_with(
            "The main reasons were: the number of missed payments in the last two years is high; your debt-to-income ratio is high"
        ),
        "{text}"
    );
    assert_eq!(docs[1]["counterfactuals"], Value::Array(vec![]), "no hint below zero missed payments or debt");
    // a3 has a missing value (months at address): it contributes nothing and is not a reason.
    assert!(!docs[2]["reasons"].to_string().contains("months_at_address"));
    let hint = &docs[2]["counterfactuals"][0];
    assert_eq!(hint["feature"], "debt_ratio");
    assert!(hint["text"].as_str().unwrap_or("").starts_with("If your debt-to-income ratio had been below 0.044"), "{hint}");
}

#[test]
fn bad_input_is_a_one_line_error() {
    for (args, needle) in [
        (vec!["explain", "shap", "--model", "diabetes.lgb.txt", "--input", "wine.rows.csv"], "lacks the model's feature column(s): age"),
        (vec!["explain", "shap", "--model", "wine.rows.csv", "--input", "wine.rows.csv"], "not a model this version reads"),
        (
            vec!["explain", "shap", "--model", "diabetes.lgb.txt", "--input", "diabetes.rows.csv", "--mode", "interventional"],
            "needs --background",
        ),
        (
            vec!["explain", "reasons", "--model", "credit.linear.json", "--dictionary", "credit.rows.csv", "--input", "credit.rows.csv"],
            "credit.rows.csv",
        ),
        (
            vec![
                "explain",
                "reasons",
                "--model",
                "credit.linear.json",
                "--dictionary",
                "credit.features.toml",
                "--input",
                "credit.rows.csv",
                "--class",
                "2",
            ],
            "--class 2",
        ),
    ] {
        let out = custos(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // A dictionary naming a feature the model lacks is refused.
    let dir = tempfile::tempdir().expect("tempdir");
    let dict = dir.path().join("features.toml");
    std::fs::write(&dict, "favorable_outcome = \"higher\"\n[features.shoe_size]\ndescription = \"x\"\nhigher = \"h\"\nlower = \"l\"\n")
        .expect("write");
    let out = custos(&[
        "explain",
        "reasons",
        "--model",
        "credit.linear.json",
        "--dictionary",
        dict.to_str().unwrap_or(""),
        "--input",
        "credit.rows.csv",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("shoe_size"));
}

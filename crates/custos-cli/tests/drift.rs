//! `custos drift` end to end: two CSV tables in, the report out as JSON, a table or HTML; bad
//! arguments are one-line errors with a non-zero exit.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

/// Writes `rows` rows: `income` (normal-ish by a fixed scheme, shifted by `shift`), `age`
/// (identical in both tables), `plan` (categories with `premium` share `premium` percent, a
/// new `trial` plan when `trial`), `score` with every tenth value missing when `gaps`.
fn table(path: &Path, rows: usize, shift: f64, premium: usize, trial: bool, gaps: bool) {
    let mut s = String::from("income,age,plan,score\n");
    for i in 0..rows {
        // A deterministic spread: the (i mod 1000)-th of 1000 evenly spaced normal quantiles.
        let u = ((i * 7919) % 1000) as f64 / 1000.0 + 0.0005;
        let z = quantile(u);
        let plan = if i % 100 < premium {
            "premium"
        } else if trial && i % 100 >= 95 {
            "trial"
        } else {
            "basic"
        };
        let score = if gaps && i % 10 == 0 { String::new() } else { format!("{:.3}", (i % 17) as f64 / 17.0) };
        let _ = writeln!(s, "{:.4},{},{plan},{score}", 50.0 + 10.0 * (z + shift), 20 + i % 50);
    }
    std::fs::write(path, s).expect("write");
}

/// The standard normal quantile (Acklam's rational approximation; good to 1e-9 here).
fn quantile(p: f64) -> f64 {
    let a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    let b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    let c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    let d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
    }
}

fn drift(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).arg("drift").args(args).output().expect("run custos");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn drift_between_two_tables() {
    let dir = tempfile::tempdir().expect("dir");
    let (reference, current) = (dir.path().join("reference.csv"), dir.path().join("current.csv"));
    table(&reference, 20_000, 0.0, 30, false, false);
    table(&current, 5_000, 0.2, 36, true, true);
    let (r, c) = (reference.to_str().expect("path"), current.to_str().expect("path"));

    let (ok, out, err) = drift(&["--reference", r, "--current", c]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json");
    let column = |name: &str| report["columns"].as_array().expect("columns").iter().find(|c| c["column"] == name).expect("column").clone();
    let income = column("income");
    assert_eq!(
        (income["kind"].as_str(), income["verdict"].as_str(), income["drift"].as_bool()),
        (Some("numeric"), Some("drift"), Some(true))
    );
    let methods: Vec<&str> = income["tests"].as_array().expect("tests").iter().map(|t| t["method"].as_str().expect("m")).collect();
    assert_eq!(methods, ["ks", "anderson_darling", "welch_t"]);
    let effect = income["effect_size"]["value"].as_f64().expect("effect");
    assert!((effect - 0.2).abs() < 0.02, "a 0.2 sd shift measures {effect}");
    assert_eq!(column("age")["verdict"], "no_drift");
    let plan = column("plan");
    assert_eq!((plan["kind"].as_str(), plan["verdict"].as_str()), (Some("categorical"), Some("drift")));
    assert_eq!(plan["new_categories"], serde_json::json!(["trial"]));
    let score = column("score");
    assert!(score["missing_rate"]["p_value"].as_f64().expect("tested") < 1e-10, "{score}");
    assert!((score["missing_rate"]["current"].as_f64().expect("rate") - 0.1).abs() < 1e-9);
    assert_eq!(report["drifted_columns"], 3);
    assert_eq!(report["rows"], serde_json::json!({"reference": 20000, "current": 5000}));
    assert_eq!(report["correction"], "holm");

    // A larger smallest effect turns the income shift into a detectable but small change.
    let (ok, out, _) = drift(&["--reference", r, "--current", c, "--columns", "income", "--min-effect", "income=0.5"]);
    assert!(ok);
    let report: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["columns"][0]["verdict"], "detectable_but_small");

    // The table and the HTML page.
    let (ok, out, _) = drift(&["--reference", r, "--current", c, "--format", "table"]);
    assert!(ok && out.contains("income") && out.contains("3 of 4 columns drifted"), "{out}");
    let page = dir.path().join("drift.html");
    let (ok, _, err) = drift(&["--reference", r, "--current", c, "--format", "html", "--output", page.to_str().expect("p")]);
    assert!(ok, "{err}");
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains("<svg role=\"img\"") && html.contains("New values: trial") && html.contains("The numbers"), "{html}");

    // Bad arguments: one line, non-zero exit.
    for (args, says) in [
        (vec!["--correction", "bonferroni"], "--correction"),
        (vec!["--alpha", "2"], "--alpha"),
        (vec!["--columns", "nope"], "nope"),
        (vec!["--min-effect", "income"], "--min-effect"),
        (vec!["--format", "pdf"], "--format"),
    ] {
        let mut all = vec!["--reference", r, "--current", c];
        all.extend(args);
        let (ok, _, err) = drift(&all);
        assert!(!ok && err.contains(says) && err.trim().lines().count() == 1, "{err}");
    }
}

#[test]
fn profiles_stand_in_for_the_reference_and_shards_merge() {
    let dir = tempfile::tempdir().expect("dir");
    let p = |name: &str| dir.path().join(name).to_str().expect("path").to_owned();
    table(Path::new(&p("a.csv")), 10_000, 0.0, 30, false, false);
    table(Path::new(&p("b.csv")), 10_000, 0.0, 30, false, false);
    table(Path::new(&p("current.csv")), 5_000, 0.2, 36, true, true);
    for shard in ["a", "b"] {
        let (ok, _, err) = drift(&["profile", "--input", &p(&format!("{shard}.csv")), "--output", &p(&format!("{shard}.profile"))]);
        assert!(ok, "{err}");
    }
    let (ok, _, err) = drift(&["merge", "--input", &p("a.profile"), "--input", &p("b.profile"), "--output", &p("ref.profile")]);
    assert!(ok, "{err}");
    let profile: Value = serde_json::from_str(&std::fs::read_to_string(p("ref.profile")).expect("profile")).expect("json");
    assert_eq!((profile["format"].as_str(), profile["rows"].as_u64()), (Some("custos-drift-profile"), Some(20_000)));
    let kinds: Vec<&str> = profile["columns"].as_array().expect("columns").iter().map(|c| c["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["numeric", "numeric", "categorical", "numeric"]);

    let (ok, out, err) = drift(&["--reference-profile", &p("ref.profile"), "--current", &p("current.csv")]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json");
    let column = |name: &str| report["columns"].as_array().expect("columns").iter().find(|c| c["column"] == name).expect("column").clone();
    let income = column("income");
    assert_eq!(income["verdict"].as_str(), Some("drift"));
    let ks = &income["tests"][0];
    assert_eq!(ks["method"].as_str(), Some("ks_sketch"));
    assert!(ks["error_bound"].as_f64().expect("bound") > 0.0);
    assert_eq!(column("age")["verdict"].as_str(), Some("no_drift"));
    assert_eq!(column("plan")["new_categories"], serde_json::json!(["trial"]));
    assert_eq!(column("score")["missing_rate"]["current"].as_f64(), Some(0.1));
    // The same comparison twice gives the same report.
    let (_, again, _) = drift(&["--reference-profile", &p("ref.profile"), "--current", &p("current.csv")]);
    assert_eq!(again, out);
    // HTML works from sketches too.
    let (ok, html, err) = drift(&["--reference-profile", &p("ref.profile"), "--current", &p("current.csv"), "--format", "html"]);
    assert!(ok && html.contains("<svg") && html.contains("income"), "{err}");

    // Bad profiles and mixed arguments: one line, non-zero exit.
    std::fs::write(p("bad.profile"), "{\"format\":\"custos-drift-profile\",\"version\":1,\"rows\":1,\"columns\":[{\"name\":\"x\",\"kind\":\"numeric\",\"missing\":0,\"sketch\":\"AAAA\",\"distinct\":\"AAAA\"}]}").expect("write");
    for args in [
        vec!["--reference-profile", &p("bad.profile"), "--current", &p("current.csv")],
        vec!["--reference", &p("a.csv"), "--reference-profile", &p("ref.profile"), "--current", &p("current.csv")],
        vec!["--current", &p("current.csv")],
        vec!["merge", "--input", &p("ref.profile"), "--input", &p("bad.profile"), "--output", &p("m.profile")],
    ] {
        let (ok, _, err) = drift(&args);
        assert!(!ok, "{args:?} succeeded");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    assert!(!Path::new(&p("m.profile")).exists());
}

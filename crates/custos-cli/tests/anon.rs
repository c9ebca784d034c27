//! `custos anon check` and `custos dp stats` end to end: the figures of a table equal pycanon's
//! (`testdata/anon/make_fixtures.py`), DP releases name their noise and spend, and bad input is
//! a one-line error with a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn custos(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run custos")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// A one-line error and a non-zero exit.
fn refused(out: &Output, says: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
}

fn csv(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn check_reads_a_table_and_names_bad_input() {
    let dir = tempfile::tempdir().expect("dir");
    let t = csv(
        dir.path(),
        "t.csv",
        "age,zip,disease,salary\n20,476,flu,3\n20,476,flu,4\n20,476,cancer,5\n30,479,flu,6\n30,479,flu,8\n30,479,flu,11\n30,479,flu,11\n",
    );
    let input = t.to_str().expect("path");
    let r = json(&custos(&["anon", "check", "--input", input, "--quasi", "zip,age", "--sensitive", "salary,disease", "--format", "json"]));
    assert_eq!((r["rows"].as_u64(), r["classes"].as_u64(), r["k"].as_u64()), (Some(7), Some(2), Some(3)));
    assert_eq!(r["sensitive"][0]["kind"], "numeric", "CSV numbers are numbers");
    assert_eq!(r["sensitive"][1]["kind"], "categorical");
    assert!((r["sensitive"][1]["t"].as_f64().expect("t") - 4.0 / 21.0).abs() < 1e-12);
    // --categorical reads numbers as categories (equal distance).
    let r = json(&custos(&[
        "anon",
        "check",
        "--input",
        input,
        "--quasi",
        "zip",
        "--sensitive",
        "salary",
        "--categorical",
        "salary",
        "--format",
        "json",
    ]));
    assert_eq!(r["sensitive"][0]["kind"], "categorical");
    // The table for people.
    let out = custos(&["anon", "check", "--input", input, "--quasi", "zip,age", "--sensitive", "disease"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("k-anonymity: 3") && text.contains("(c,2) never holds"), "{text}");
    refused(&custos(&["anon", "check", "--input", input, "--quasi", "nope"]), "no column \"nope\"");
    refused(&custos(&["anon", "check", "--input", input, "--quasi", "zip", "--sensitive", "zip"]), "both a quasi-identifier and sensitive");
    refused(&custos(&["anon", "check", "--input", input, "--quasi", "zip", "--risk-threshold", "0"]), "--risk-threshold");
    refused(&custos(&["anon", "check", "--input", "/no/such.csv", "--quasi", "zip"]), "no/such.csv");
}

#[test]
fn dp_stats_release_declared_segments_with_their_noise() {
    let dir = tempfile::tempdir().expect("dir");
    let mut text = String::from("region,spend\n");
    for i in 0..3000 {
        text.push_str(&format!("{},{}\n", if i % 3 == 0 { "north" } else { "south" }, i % 500));
    }
    text.push_str("atlantis,9999\n");
    let t = csv(dir.path(), "spend.csv", &text);
    let input = t.to_str().expect("path");
    let out = custos(&[
        "dp",
        "stats",
        "--input",
        input,
        "--segment-by",
        "region",
        "--keys",
        "north,south,east",
        "--sum",
        "spend",
        "--bounds",
        "0,500",
        "--epsilon",
        "1",
    ]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let r = json(&out);
    assert!(err.contains("1 rows belong to segments not in --keys"), "{err}");
    let names: Vec<&str> = r["segments"].as_array().expect("segments").iter().filter_map(|s| s["segment"].as_str()).collect();
    assert_eq!(names, ["north", "south", "east"], "declared keys only, in order; the undeclared one never appears");
    assert_eq!((r["count_noise_scale"].as_f64(), r["sum_noise_scale"].as_f64()), (Some(2.0), Some(1000.0)));
    assert_eq!(r["spend"]["epsilon"].as_f64(), Some(1.0));
    // Scale-2 noise stays within 40 of the truth except with probability about 2e-9.
    assert!((r["segments"][0]["count"].as_i64().expect("count") - 1000).abs() < 40, "{r}");
    let r =
        json(&custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--keys", "north", "--rho", "0.5", "--delta", "1e-6"]));
    assert_eq!(r["mechanism"], "discrete_gaussian");
    assert!((r["spend"]["epsilon_at_delta"].as_f64().expect("eps") - 5.7565).abs() < 1e-3);
    refused(
        &custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--keys", "north", "--sum", "spend", "--epsilon", "1"]),
        "--bounds",
    );
    refused(&custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--keys", "north"]), "--epsilon");
    refused(
        &custos(&[
            "dp",
            "stats",
            "--input",
            input,
            "--segment-by",
            "region",
            "--keys",
            "north",
            "--sum",
            "spend",
            "--bounds",
            "9,1",
            "--epsilon",
            "1",
        ]),
        "reversed",
    );
    refused(&custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--keys", "north", "--epsilon=-1"]), "positive");
}

#[test]
fn dp_stats_select_keys_from_the_data_when_none_are_declared() {
    let dir = tempfile::tempdir().expect("dir");
    let mut text = String::from("region,spend\n");
    for i in 0..2000 {
        text.push_str(&format!("{},{}\n", if i % 2 == 0 { "north" } else { "south" }, i % 100));
    }
    // One person alone in a segment: at epsilon 1 and delta 1e-9 the threshold is 22 and the
    // chance that it shows is at most 1e-9.
    text.push_str("atlantis,50\n");
    let t = csv(dir.path(), "spend.csv", &text);
    let input = t.to_str().expect("path");
    let r = json(&custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--select-keys", "1e-9", "--epsilon", "1"]));
    assert_eq!(r["keys"], "selected");
    assert_eq!(r["threshold"].as_i64(), Some(22), "{r}");
    let names: Vec<&str> = r["segments"].as_array().expect("segments").iter().filter_map(|s| s["segment"].as_str()).collect();
    assert_eq!(names, ["north", "south"], "the lone key is not shown; the others in key order");
    assert_eq!((r["spend"]["epsilon"].as_f64(), r["spend"]["delta"].as_f64()), (Some(1.0), Some(1e-9)));
    refused(&custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--select-keys", "0", "--epsilon", "1"]), "delta");
    let both =
        custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--select-keys", "1e-6", "--keys", "north", "--epsilon", "1"]);
    assert!(!both.status.success());
    let neither = custos(&["dp", "stats", "--input", input, "--segment-by", "region", "--epsilon", "1"]);
    assert!(!neither.status.success() && String::from_utf8_lossy(&neither.stderr).contains("--keys"));
}

#[test]
fn enforce_streams_a_table_larger_than_a_batch_and_meets_t() {
    // 100,000 rows (two batches of the reader), 6 ages x 4 zips x 2 incomes x 3 diagnoses:
    // the search sees at most 144 combinations, and the file is written batch by batch. t on
    // income is what makes the postal codes coarsen: 47905's class holds half the high
    // incomes (t = 0.375) until every code merges into 47***.
    let dir = tempfile::tempdir().expect("dir");
    let mut text = String::from("id,age,zip,income,diagnosis,note\n");
    let rows = 100_000;
    for i in 0..rows {
        let age = 20 + (i * 7) % 6 * 5;
        let zip = ["47677", "47678", "47602", "47905"][(i / 3) % 4];
        // High incomes only in one postal code: its class is far from the table's incomes.
        let income = if zip == "47905" && i % 2 == 0 { 90_000 } else { 30_000 };
        let diagnosis = ["flu", "gout", "asthma"][(i % 11) % 3];
        text.push_str(&format!("{i},{age},{zip},{income},{diagnosis},note {i}\n"));
    }
    let t = csv(dir.path(), "big.csv", &text);
    let h = csv(dir.path(), "h.toml", "[age]\nintervals = [10, 20]\n[zip]\nprefix = 4\n");
    let out = dir.path().join("released.parquet");
    let r = json(&custos(&[
        "anon",
        "enforce",
        "--input",
        t.to_str().expect("p"),
        "--quasi",
        "age,zip",
        "--k",
        "50",
        "--l",
        "diagnosis:3",
        "--t",
        "income:0.05,diagnosis:0.1",
        "--hierarchies",
        h.to_str().expect("p"),
        "--output",
        out.to_str().expect("p"),
    ]));
    assert_eq!(r["rows"].as_u64(), Some(rows as u64));
    assert!(out.exists() && !dir.path().join(".released.partial.parquet").exists(), "written whole, then renamed");
    assert!(r["combinations"].as_u64().expect("combinations") <= 144, "{r}");
    assert_eq!(r["released"].as_u64(), Some(rows as u64), "nothing suppressed: {r}");
    assert_eq!(r["levels"]["zip"]["level"].as_u64(), Some(3), "47*** is the least merge that meets t: {r}");
    let again = json(&custos(&[
        "anon",
        "check",
        "--input",
        out.to_str().expect("p"),
        "--quasi",
        "age,zip",
        "--sensitive",
        "income,diagnosis",
        "--format",
        "json",
    ]));
    assert_eq!(again["rows"].as_u64(), Some(rows as u64));
    assert!(again["k"].as_u64().expect("k") >= 50, "{again}");
    assert!(again["sensitive"][0]["t"].as_f64().expect("t") <= 0.05 + 1e-9, "{again}");
    assert!(again["sensitive"][1]["t"].as_f64().expect("t") <= 0.1 + 1e-9, "{again}");
    assert!(again["sensitive"][1]["l"].as_u64().expect("l") >= 3, "{again}");
    // Other columns pass through as they were, in the input's order.
    let head = custos(&["anon", "check", "--input", out.to_str().expect("p"), "--quasi", "id", "--format", "json"]);
    assert_eq!(json(&head)["classes"].as_u64(), Some(rows as u64), "every id kept");
    refused(
        &custos(&[
            "anon",
            "enforce",
            "--input",
            t.to_str().expect("p"),
            "--quasi",
            "age,zip",
            "--k",
            "5",
            "--t",
            "income:2",
            "--hierarchies",
            h.to_str().expect("p"),
            "--output",
            out.to_str().expect("p"),
        ]),
        "between 0 and 1",
    );
}

#[test]
fn check_equals_pycanon_on_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/anon");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("fixture")).expect("json");
    let cases = expected["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    for case in cases {
        let input = dir.join(case["table"].as_str().expect("table"));
        let quasi: Vec<&str> = case["quasi_identifiers"].as_array().expect("qi").iter().filter_map(Value::as_str).collect();
        let sensitive = case["sensitive"].as_str().expect("sa");
        let quasi = quasi.join(",");
        let r = json(&custos(&[
            "anon",
            "check",
            "--input",
            input.to_str().expect("path"),
            "--quasi",
            &quasi,
            "--sensitive",
            sensitive,
            "--format",
            "json",
        ]));
        let s = &r["sensitive"][0];
        let what = format!("{} {quasi} / {sensitive}", case["table"]);
        assert_eq!(r["k"], case["k"], "k: {what}");
        assert_eq!(r["classes"], case["classes"], "classes: {what}");
        assert_eq!(s["kind"], case["sensitive_kind"], "{what}");
        assert_eq!(s["l"], case["l"], "l: {what}");
        // The exact value, and pycanon's floor of it (one less where its power lands just
        // below an integer: e**ln(2) = 1.9999999999999998).
        let entropy_l = s["entropy_l"].as_f64().expect("entropy l");
        assert!(close(entropy_l, case["entropy_l"].as_f64().expect("entropy l")), "entropy l: {what}");
        let floor = case["entropy_l_floor"].as_f64().expect("floor");
        let near_integer = (entropy_l - entropy_l.round()).abs() < 1e-9;
        assert!(
            floor == entropy_l.floor() || (near_integer && floor == entropy_l.round() - 1.0),
            "pycanon's entropy l: {what}: {floor} vs {entropy_l}"
        );
        assert!(close(s["t"].as_f64().expect("t"), case["t"].as_f64().expect("t")), "t: {what}: {} vs {}", s["t"], case["t"]);
        for (key, theirs) in [("max", "max_risk"), ("average", "average_risk"), ("records_at_risk", "records_at_risk_0.2")] {
            assert!(close(r["risk"][key].as_f64().expect("risk"), case[theirs].as_f64().expect("risk")), "{key}: {what}");
        }
        let sizes: std::collections::BTreeMap<String, u64> =
            r["class_sizes"].as_object().expect("sizes").iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect();
        let theirs: std::collections::BTreeMap<String, u64> =
            case["class_sizes"].as_object().expect("sizes").iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect();
        assert_eq!(sizes, theirs, "class sizes: {what}");
        for l in ["2", "3"] {
            match (case["recursive_c"][l].as_f64(), s["recursive_c"][l].as_f64()) {
                (Some(a), Some(b)) => assert!(close(a, b), "recursive c, l={l}: {what}: {a} vs {b}"),
                (None, None) => {}
                (a, b) => panic!("recursive c, l={l}: {what}: {a:?} vs {b:?}"),
            }
        }
    }
}

#[test]
fn enforce_releases_rows_that_meet_k_and_l() {
    let dir = tempfile::tempdir().expect("dir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/anon");
    let input = fixtures.join("people.csv");
    let input = input.to_str().expect("path");
    let h = csv(
        dir.path(),
        "h.toml",
        "[age]\nintervals = [10, 20, 40]\n[zip]\nprefix = 4\n[gender]\ntree = [{male = \"person\", female = \"person\", other = \"person\"}]\n",
    );
    let out = dir.path().join("released.csv");
    let r = json(&custos(&[
        "anon",
        "enforce",
        "--input",
        input,
        "--quasi",
        "age,zip,gender",
        "--k",
        "10",
        "--sensitive",
        "diagnosis",
        "--l",
        "2",
        "--max-suppressed",
        "20",
        "--hierarchies",
        h.to_str().expect("path"),
        "--output",
        out.to_str().expect("path"),
    ]));
    assert!(r["k"].as_u64().expect("k") >= 10, "{r}");
    assert!(r["suppressed"].as_u64().expect("suppressed") <= 20, "{r}");
    assert_eq!(r["released"].as_u64().expect("released") + r["suppressed"].as_u64().expect("suppressed"), 600);
    // The written rows, checked again from the file.
    let again = json(&custos(&[
        "anon",
        "check",
        "--input",
        out.to_str().expect("path"),
        "--quasi",
        "age,zip,gender",
        "--sensitive",
        "diagnosis",
        "--format",
        "json",
    ]));
    assert!(again["k"].as_u64().expect("k") >= 10, "{again}");
    assert!(again["sensitive"][0]["l"].as_u64().expect("l") >= 2, "{again}");
    assert_eq!(again["rows"], r["released"]);
    // Bad hierarchies and targets are one-line errors.
    let bad = csv(dir.path(), "bad.toml", "[age]\nintervals = [20, 10]\n[zip]\nprefix = 4\n[gender]\ndates = true\n");
    let run = |h: &Path, k: &str| {
        custos(&[
            "anon",
            "enforce",
            "--input",
            input,
            "--quasi",
            "age,zip,gender",
            "--k",
            k,
            "--hierarchies",
            h.to_str().expect("p"),
            "--output",
            out.to_str().expect("p"),
        ])
    };
    refused(&run(&bad, "10"), "increasing order");
    refused(
        &custos(&[
            "anon",
            "enforce",
            "--input",
            input,
            "--quasi",
            "age,zip,gender",
            "--k",
            "10",
            "--l",
            "2",
            "--hierarchies",
            h.to_str().expect("p"),
            "--output",
            out.to_str().expect("p"),
        ]),
        "give --sensitive",
    );
    refused(&run(&h, "100000"), "no generalization meets k = 100000");
    refused(&run(&dir.path().join("missing.toml"), "10"), "cannot read");
}

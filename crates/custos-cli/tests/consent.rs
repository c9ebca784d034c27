//! `custos consent decode|encode|validate` on the IAB libraries' own strings: JSON out, the
//! string back, one line per string with its rule, one-line errors and non-zero exits.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn custos(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child =
        Command::new(BIN).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run custos");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("output")
}

fn fixtures(name: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/consent-signals").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn one_line_error(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && err.trim().lines().count() == 1 && err.starts_with("error:"), "{err}");
    err
}

#[test]
fn decode_encode_and_validate_from_the_command_line() {
    let tc = fixtures("tcf_valid.json");
    let gpp = fixtures("gpp_valid.json");
    for f in [&tc[0], &tc[150], &gpp[0], &gpp[120]] {
        let s = f["string"].as_str().expect("string");
        let out = custos(&["consent", "decode", s], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let decoded: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(decoded["header"].is_object(), s.contains('~'), "{decoded}");
        // And back: the same string from the printed JSON (standard input).
        let out = custos(&["consent", "encode", "--input", "-"], Some(&decoded.to_string()));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let again = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let redecoded = custos(&["consent", "decode", &again], None);
        assert_eq!(serde_json::from_slice::<Value>(&redecoded.stdout).expect("json"), decoded);
    }
    // A broken string: strict refuses it in one line naming the rule; lenient lists it.
    let late = fixtures("tcf_invalid.json").into_iter().find(|f| f["rule"] == "disclosed_vendors_missing").expect("fixture");
    let late = late["string"].as_str().expect("string");
    assert!(one_line_error(&custos(&["consent", "decode", late], None)).contains("disclosed_vendors_missing"));
    let out = custos(&["consent", "decode", "--lenient", late], None);
    let lenient: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(lenient["violations"].as_array().expect("violations").iter().any(|v| v["rule"] == "disclosed_vendors_missing"), "{lenient}");

    // Validate: one line per string, non-zero when any is invalid.
    let text = format!("{}\n{}\n\n{}\n", tc[1]["string"].as_str().expect("s"), late, gpp[3]["string"].as_str().expect("s"));
    let out = custos(&["consent", "validate", "--input", "-"], Some(&text));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].ends_with("\tvalid") && lines[1].contains("\tinvalid\tdisclosed_vendors_missing") && lines[2].starts_with("4\tvalid"),
        "{stdout}"
    );
    assert!(one_line_error(&out).contains("1 of 3"));
    let ok = custos(&["consent", "validate", "--input", "-"], Some(tc[2]["string"].as_str().expect("s")));
    assert!(ok.status.success());

    // Bad input: one line each.
    one_line_error(&custos(&["consent", "decode", "not a consent string"], None));
    one_line_error(&custos(&["consent", "encode", "--input", "-"], Some("{\"version\": 3}")));
    one_line_error(&custos(&["consent", "encode", "--input", "/no/such/file.json"], None));
}

/// `custos admin load-gvl FILE`: a version stored once, the same file again a no-op, a bad file
/// one line and a non-zero exit.
#[test]
fn load_gvl_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("custos-gvl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = format!("sqlite://{}", dir.join("custos.db").display());
    let key = dir.join("master.key").display().to_string();
    let file = dir.join("vendor-list.json");
    std::fs::write(
        &file,
        r#"{"gvlSpecificationVersion": 3, "vendorListVersion": 151, "tcfPolicyVersion": 5, "lastUpdated": "2025-11-13T16:00:00Z",
            "vendors": {"755": {"id": 755, "name": "Google Advertising Products", "purposes": [1, 3, 4], "legIntPurposes": [2, 7]}}}"#,
    )
    .expect("write");
    let args = |f: &str| ["admin", "load-gvl", f, "--database-url", db.as_str(), "--master-key-file", key.as_str()].map(str::to_owned);
    let path = file.display().to_string();
    let out = custos(&args(&path).iter().map(String::as_str).collect::<Vec<_>>(), None);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && said.contains("vendor list version 151 (1 vendor,") && said.contains("stored"), "{said}");
    let out = custos(&args(&path).iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("was already stored"));
    std::fs::write(&file, r#"{"vendorListVersion": 152}"#).expect("write");
    let err = one_line_error(&custos(&args(&path).iter().map(String::as_str).collect::<Vec<_>>(), None));
    assert!(err.contains("bad_vendor_list"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

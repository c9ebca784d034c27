//! `custos pii ...` end to end: streaming text in and out, tables in every format, and the
//! bad-input rules (one-line errors, non-zero exit, nothing half-written).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child =
        Command::new(BIN).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn analyze_streams_jsonl_and_plain_text() {
    let input = "{\"id\": \"a\", \"text\": \"Zoë: zoe@example.com\"}\n{\"id\": 7, \"text\": \"nothing here\"}\n";
    let out = run(&["pii", "analyze"], input.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let got = lines(&out);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["id"], "a");
    assert_eq!(got[1]["id"], 7);
    let found: Vec<(String, u64, u64)> = got[0]["entities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["entity_type"].as_str().unwrap_or("").to_owned(), e["start"].as_u64().unwrap_or(0), e["end"].as_u64().unwrap_or(0)))
        .collect();
    assert!(found.contains(&("EMAIL_ADDRESS".into(), 5, 20)), "code points: {found:?}");
    assert!(found.contains(&("PERSON".into(), 0, 3)), "a chat speaker: {found:?}");
    assert_eq!(got[1]["entities"].as_array().map(Vec::len), Some(0));

    let out = run(&["pii", "analyze", "--entities", "PHONE_NUMBER"], b"call (415) 555-2671 or mail a@b.com\n");
    assert!(out.status.success());
    let got = lines(&out);
    assert_eq!(got[0]["id"], 1, "plain text lines are numbered");
    assert_eq!(got[0]["entities"].as_array().map(Vec::len), Some(1));
    assert_eq!(got[0]["entities"][0]["entity_type"], "PHONE_NUMBER");
}

#[test]
fn bad_input_is_one_line_and_non_zero() {
    let out = run(&["pii", "analyze"], b"{\"id\": 1, \"text\": \"ok\"}\n\xff\xfe broken\n");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 2, byte 0: invalid UTF-8"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
    let out = run(&["pii", "analyze", "--lossy", "--format", "text"], b"caf\xe9 jane@example.com\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lines(&out)[0]["entities"][0]["entity_type"], "EMAIL_ADDRESS");

    let jsonl = b"{\"id\": 1, \"text\": \"a@b.com\"}\n{not json}\n{\"id\": 3, \"text\": \"c@d.com\"}\n";
    let out = run(&["pii", "analyze"], jsonl);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    let out = run(&["pii", "analyze", "--skip-bad-lines"], jsonl);
    assert!(out.status.success());
    assert_eq!(lines(&out).len(), 2);
    assert!(stderr(&out).contains("skipped 1 malformed line"), "{}", stderr(&out));

    let dir = tempfile::tempdir().expect("tempdir");
    let rec = dir.path().join("rec.yaml");
    std::fs::write(&rec, "recognizers:\n  - name: Broken ids\n    supported_entity: X\n    patterns:\n      - name: p\n        regex: '(unclosed'\n        score: 0.5\n").expect("write");
    let out = run(&["pii", "analyze", "--recognizers", rec.to_str().unwrap_or("")], b"x\n");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("recognizer Broken ids: invalid regex"), "{}", stderr(&out));
    let out = run(&["pii", "analyze", "--threshold", "3"], b"x\n");
    assert!(!out.status.success());
    let out = run(&["pii", "analyze", "--entities", "NOPE"], b"x\n");
    assert!(stderr(&out).contains("NOPE"));
}

#[test]
fn anonymize_applies_operators_and_tokenizes_with_a_key() {
    let input = b"{\"id\": 1, \"text\": \"Mail jane@example.com or call (415) 555-2671\"}\n";
    let ops = r##"{"PHONE_NUMBER": {"type": "mask", "masking_char": "#", "chars_to_mask": 4, "from_end": true}, "DEFAULT": {"type": "replace"}}"##;
    let out = run(&["pii", "anonymize", "--operators", ops], input);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = lines(&out);
    assert_eq!(got[0]["text"], "Mail <EMAIL_ADDRESS> or call (415) 555-####");
    assert_eq!(got[0]["items"].as_array().map(Vec::len), Some(2));

    let tok = r#"{"DEFAULT": {"type": "tokenize"}}"#;
    let out = run(&["pii", "anonymize", "--operators", tok], input);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--token-key-file"), "{}", stderr(&out));
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("token.key");
    std::fs::write(&key, "11".repeat(32)).expect("key");
    let out = run(&["pii", "anonymize", "--operators", tok, "--token-key-file", key.to_str().unwrap_or("")], input);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = lines(&out)[0]["text"].as_str().unwrap_or("").to_owned();
    assert!(text.starts_with("Mail tok_") && !text.contains("jane@"), "{text}");
}

#[test]
fn tables_scan_and_redact_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("customers.csv");
    let mut body = String::from("id,email,note,phone\n");
    for i in 0..40 {
        body.push_str(&format!("{i},user{i}@example.com,\"Spoke with Jane Smith about order {i}\",+1 415 555 {:04}\n", 2600 + i));
    }
    std::fs::write(&csv, body).expect("csv");
    let scan = |path: &std::path::Path| {
        let out = run(&["pii", "scan-table", "--input", path.to_str().unwrap_or("")], b"");
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains("@example.com") && !text.contains("555"), "a scan never prints values: {text}");
        serde_json::from_str::<Value>(&text).expect("report")
    };
    let report = scan(&csv);
    assert_eq!(report["rows"], 40);
    let column =
        |r: &Value, name: &str| r["columns"].as_array().and_then(|c| c.iter().find(|c| c["name"] == name).cloned()).unwrap_or_default();
    assert_eq!(column(&report, "email")["classification"], "EMAIL_ADDRESS");
    assert_eq!(column(&report, "phone")["classification"], "PHONE_NUMBER");
    assert_eq!(column(&report, "note")["classification"], "PERSON");
    assert_eq!(column(&report, "id")["classification"], Value::Null);

    for ext in ["parquet", "jsonl", "csv"] {
        let out_path = dir.path().join(format!("redacted.{ext}"));
        let out = run(
            &[
                "pii",
                "redact-table",
                "--input",
                csv.to_str().unwrap_or(""),
                "--output",
                out_path.to_str().unwrap_or(""),
                "--column",
                "email=hash",
            ],
            b"",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let report = scan(&out_path);
        assert_eq!(report["rows"], 40, "{ext}");
        for name in ["email", "note", "phone"] {
            assert!(column(&report, name)["entities"].as_array().is_some_and(Vec::is_empty), "{ext} {name}: {report}");
        }
        if ext != "parquet" {
            let text = std::fs::read_to_string(&out_path).expect("read");
            assert!(text.contains("<PERSON>") && !text.contains("Jane Smith"), "{text}");
        }
    }
    // Bad input: unknown column, unknown format, same file; nothing is written.
    let out_path = dir.path().join("never.csv");
    let out = run(
        &[
            "pii",
            "redact-table",
            "--input",
            csv.to_str().unwrap_or(""),
            "--output",
            out_path.to_str().unwrap_or(""),
            "--column",
            "nope=hash",
        ],
        b"",
    );
    assert!(!out.status.success() && stderr(&out).contains("nope"));
    assert!(!out_path.exists());
    let out = run(&["pii", "scan-table", "--input", "/tmp/table.xlsx"], b"");
    assert!(!out.status.success() && stderr(&out).contains("unknown table format"), "{}", stderr(&out));
}

#[test]
fn presidio_no_auth_needs_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}/c.db", dir.path().display());
    let key = dir.path().join("master.key");
    let out = Command::new(BIN)
        .args([
            "serve",
            "--presidio-api-no-auth",
            "--listen",
            "0.0.0.0:0",
            "--database-url",
            &db,
            "--master-key-file",
            key.to_str().unwrap_or(""),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"), "{}", String::from_utf8_lossy(&out.stderr));
}

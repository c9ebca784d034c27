//! `custos report compliance` on the demo database, on SQLite and PostgreSQL: the controls
//! evaluated, most passing and at least one failing per regulation that applies, for a reason
//! a reader can see; the report as JSON, HTML and a PDF read back; bad options are one line.

use std::process::{Command, Output};

use custos_testkit::{Backend, TestDb, backend_tests};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn custos(args: &[&str], db: &TestDb) -> Output {
    Command::new(BIN).args(args).args(db.cli_args()).output().expect("run custos")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn compliance_report_on_the_demo(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    ok(&custos(&["admin", "seed-demo", "--subjects", "40"], &db));
    ok(&custos(&["admin", "run-retention"], &db));
    let json: Value = serde_json::from_str(&ok(&custos(&["report", "compliance", "--evaluate", "--format", "json"], &db))).expect("json");
    let regulations = json["regulations"].as_array().expect("regulations");
    let applicable: Vec<&Value> =
        regulations.iter().filter(|r| r["passing"].as_u64().unwrap_or(0) + r["failing"].as_u64().unwrap_or(0) > 0).collect();
    assert!(applicable.iter().any(|r| r["regulation"] == "GDPR"), "{json}");
    let failing: u64 = applicable.iter().map(|r| r["failing"].as_u64().unwrap_or(0)).sum();
    let passing: u64 = applicable.iter().map(|r| r["passing"].as_u64().unwrap_or(0)).sum();
    for regulation in ["GDPR", "CCPA", "EU AI Act"] {
        let r = applicable.iter().find(|r| r["regulation"] == regulation).unwrap_or_else(|| panic!("{regulation} applies: {json}"));
        assert!(r["failing"].as_u64() > Some(0), "the demo shows something to fix under {regulation}: {r}");
    }
    assert!(passing > failing, "most pass: {passing} passing, {failing} failing");

    // The PDF, read back.
    let pdf = db.dir.path().join("gdpr.pdf");
    let out = custos(&["report", "compliance", "--regulation", "GDPR", "--format", "pdf", "--out", pdf.to_str().expect("path")], &db);
    ok(&out);
    let text = custos_testkit::pdf_text(&std::fs::read(&pdf).expect("pdf"));
    assert!(text.contains("Compliance report: GDPR") && text.contains("Summary") && text.contains("ledger entry #"), "{text}");
    // The reasons are visible: the expired agreement and the breach not notified in time.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Lookalike Audiences BV") && flat.contains("past the deadline"), "{flat}");
    assert!(flat.contains("approved but no monitor watches them"), "the demo's model has no monitor: {flat}");

    // Bad options: one line, non-zero.
    for args in [&["report", "compliance", "--regulation", "Atlantis"][..], &["report", "compliance", "--format", "docx"][..]] {
        let out = custos(args, &db);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.trim().lines().count() == 1 && err.starts_with("error:"), "{err}");
    }
}

backend_tests!(compliance_report_on_the_demo);

//! `custos report compliance` on the demo database, on SQLite and PostgreSQL: the controls
//! evaluated, most passing and at least one failing per regulation that applies, for a reason
//! a reader can see (each a lapse a real deployment has); the report as JSON, HTML and a PDF read back; bad options are one line.

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
    let count = |r: &Value, k: &str| r[k].as_u64().unwrap_or(0);
    let applicable: Vec<&Value> =
        regulations.iter().filter(|r| count(r, "passing") + count(r, "failing") + count(r, "not_evaluated") > 0).collect();
    for regulation in
        ["GDPR", "CCPA", "EU AI Act", "ePrivacy Directive", "CAN-SPAM", "ECOA / Regulation B", "California Bot Disclosure Law"]
    {
        assert!(applicable.iter().any(|r| r["regulation"] == regulation), "{regulation} applies: {json}");
    }
    // Every regulation that applies shows something to fix, and most controls pass.
    for r in &applicable {
        assert!(count(r, "failing") > 0, "the demo shows something to fix under {}: {r}", r["regulation"]);
    }
    let evidence = json["evidence"].as_array().expect("evidence");
    let status = |s: &str| evidence.iter().filter(|e| e["status"] == s).count();
    assert!(status("passing") > status("failing") && status("failing") > 0, "most controls pass: {evidence:?}");
    let summary = |control: &str| {
        evidence.iter().find(|e| e["control"] == control).map_or_else(String::new, |e| e["summary"].as_str().unwrap_or("").to_owned())
    };
    assert!(summary("decisions_gated").contains("2 quote no gate check and 1 acted on a check after"), "{}", summary("decisions_gated"));
    assert!(summary("models_validated_and_assessed").contains("no passing validation report"), "{evidence:?}");
    assert!(summary("significant_decisions_explained").contains("1 significant decision without"), "{evidence:?}");
    assert!(summary("retention_ran").contains("nothing past its period is held"), "{evidence:?}");
    assert!(summary("monitors_watched").contains("1 monitor;"), "the demo's model has a monitor: {evidence:?}");
    let disclosure = evidence.iter().find(|e| e["control"] == "ai_interactions_disclosed").expect("the AI disclosure control");
    assert!(
        disclosure["status"] == "failing" && summary("ai_interactions_disclosed").contains("Support chat was not served"),
        "published, never served: {disclosure}"
    );

    // The PDF, read back.
    let pdf = db.dir.path().join("gdpr.pdf");
    let out = custos(&["report", "compliance", "--regulation", "GDPR", "--format", "pdf", "--out", pdf.to_str().expect("path")], &db);
    ok(&out);
    let text = custos_testkit::pdf_text(&std::fs::read(&pdf).expect("pdf"));
    assert!(text.contains("Compliance report: GDPR") && text.contains("Summary") && text.contains("ledger entry #"), "{text}");
    // The reasons are visible: the expired agreement and the breach not notified in time.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Lookalike Audiences BV") && flat.contains("past the deadline"), "{flat}");

    // Bad options: one line, non-zero.
    for args in [&["report", "compliance", "--regulation", "Atlantis"][..], &["report", "compliance", "--format", "docx"][..]] {
        let out = custos(args, &db);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.trim().lines().count() == 1 && err.starts_with("error:"), "{err}");
    }
}

backend_tests!(compliance_report_on_the_demo);

//! Compliance over HTTP, on SQLite and PostgreSQL: the catalog loaded and versioned; which
//! obligations apply from the subjects' jurisdictions and the purposes; a DPO's "not
//! applicable" with a justification (a person, a ledger event); each built-in control made to
//! pass and to fail by the live records (time-bound ones through the run's clock, impossible
//! ones by writing the rows a bug or an import could leave); evidence whose hash is in the
//! ledger and verifies with its proof; manual evidence; the report as HTML and PDF; the
//! console from the compliance page to a failing control's evidence; the Art. 30 record from
//! the declared purposes and vendors compared with what the gate did, as JSON, CSV and PDF.

mod support;

use chrono::Duration;
use custos_core::{Role, format_timestamp};
use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};
use support::{ADS, check, consent, declare_ads, firing, subject};

/// The newest evidence of each control, by id: (passed, summary).
async fn controls(s: &TestServer, key: &str) -> std::collections::BTreeMap<String, (bool, String)> {
    let (st, all) = s.call(Method::GET, "/v1/compliance/controls", Some(key), None).await;
    assert_eq!(st, 200, "{all}");
    all.as_array()
        .expect("controls")
        .iter()
        .filter_map(|c| {
            let e = c.get("latest").filter(|e| !e.is_null())?;
            Some((c["control"].as_str()?.to_owned(), (e["passed"].as_bool()?, e["summary"].as_str()?.to_owned())))
        })
        .collect()
}

fn passed(c: &std::collections::BTreeMap<String, (bool, String)>, id: &str) -> bool {
    c.get(id).unwrap_or_else(|| panic!("{id} evaluated: {c:?}")).0
}

async fn obligations_and_scoping(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let reader = s.key(&["compliance:read"]).await;
    let plain_writer = s.key(&["compliance:write", "compliance:read"]).await;
    let dpo = s.person("dpo@example.com", &[Role::PrivacyOfficer], &["compliance:read", "compliance:write"]).await;
    let counsel = s.person("cal@example.com", &[Role::Legal], &["compliance:read", "compliance:write"]).await;
    assert_eq!(s.call(Method::GET, "/v1/compliance/obligations", Some(&s.key(&["risks:read"]).await), None).await.0, 403);

    // The catalog is loaded with its ids; none applies before custos sees a subject.
    let (st, all) = s.call(Method::GET, "/v1/compliance/obligations", Some(&reader), None).await;
    assert_eq!(st, 200, "{all}");
    let all = all.as_array().expect("obligations").clone();
    assert_eq!(all.len(), custos_govern::catalog::catalog().len());
    let gdpr33 = all.iter().find(|o| o["obligation_id"] == "GDPR-33").expect("GDPR-33 keeps its id");
    assert_eq!((gdpr33["applies"].as_bool(), gdpr33["status"].as_str()), (Some(false), Some("not_applicable")), "{gdpr33}");
    assert!(all.iter().any(|o| o["verified"] == false), "custos's additions are marked");
    let (_, problem) = s.call(Method::GET, "/v1/compliance/obligations?status=green", Some(&reader), None).await;
    assert_eq!(problem["field"], "status", "{problem}");

    // A subject in Germany and a targeted-advertising purpose: the GDPR applies, with reasons.
    declare_ads(&s, false, false).await;
    subject(&s, "ana", "DE").await;
    let (_, gdpr) = s.call(Method::GET, "/v1/compliance/obligations?regulation=GDPR", Some(&reader), None).await;
    let gdpr = gdpr.as_array().expect("GDPR").clone();
    let o33 = gdpr.iter().find(|o| o["obligation_id"] == "GDPR-33").expect("GDPR-33");
    assert_eq!((o33["applies"].as_bool(), o33["status"].as_str()), (Some(true), Some("not_evaluated")), "{o33}");
    assert!(o33["reason"].as_str().unwrap_or_default().contains("DE"), "{o33}");
    let (_, ccpa) = s.call(Method::GET, "/v1/compliance/obligations?regulation=CCPA", Some(&reader), None).await;
    assert!(ccpa.as_array().expect("CCPA").iter().all(|o| o["applies"] == false), "no subject in California");

    // Marking one not applicable: a DPO, as a person, with a justification.
    let path = "/v1/compliance/obligations/GDPR-33";
    let body = json!({"not_applicable": true, "justification": "We process no personal data ourselves; the group's controller does."});
    assert_eq!(s.call(Method::PATCH, path, Some(&plain_writer), Some(body.clone())).await.0, 403, "a system key is no person");
    assert_eq!(s.call(Method::PATCH, path, Some(&counsel), Some(body.clone())).await.0, 403, "legal is not the DPO");
    let (st, problem) = s.call(Method::PATCH, path, Some(&dpo), Some(json!({"not_applicable": true}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("justification")), "{problem}");
    assert_eq!(s.call(Method::PATCH, "/v1/compliance/obligations/GDPR-999", Some(&dpo), Some(body.clone())).await.0, 404);
    let (st, o) = s.call(Method::PATCH, path, Some(&dpo), Some(body)).await;
    assert_eq!((st, o["status"].as_str(), o["scoped_by"].as_str()), (200, Some("not_applicable"), Some("dpo@example.com")), "{o}");
    assert!(o["reason"].as_str().unwrap_or_default().contains("group's controller"), "{o}");
    let (st, o) = s.call(Method::PATCH, path, Some(&dpo), Some(json!({"not_applicable": false}))).await;
    assert_eq!((st, o["applies"].as_bool()), (200, Some(true)), "{o}");
    // Each decision is a ledger event.
    let size = s.service.ledger().size().await.expect("size");
    let entry = s.service.ledger().entry(size - 1).await.expect("entry");
    let leaf: Value = serde_json::from_slice(&data_encoding::BASE64.decode(entry.leaf.as_bytes()).expect("base64")).expect("json");
    assert_eq!(
        (leaf["event"].as_str(), leaf["obligation_id"].as_str(), leaf["not_applicable"].as_bool()),
        (Some("obligation.scoped"), Some("GDPR-33"), Some(false))
    );
    s.stop().await;
}

async fn controls_pass_and_fail(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let reader = s.key(&["compliance:read"]).await;
    let dpo = s.person("dpo@example.com", &[Role::PrivacyOfficer], &["compliance:read", "compliance:write"]).await;
    declare_ads(&s, true, false).await;
    let ana = subject(&s, "ana", "DE").await;
    assert_eq!(consent(&s, &ana, "granted").await.0, 201);
    let compliance = s.service.compliance();

    // A first run: retention never ran; everything else holds on a clean system.
    let (st, run) = s.call(Method::POST, "/v1/compliance/runs", Some(&dpo), None).await;
    assert_eq!(st, 201, "{run}");
    assert_eq!(s.call(Method::POST, "/v1/compliance/runs", Some(&s.key(&["compliance:write"]).await), None).await.0, 403);
    let (st, problem) = s.call(Method::POST, "/v1/compliance/runs", Some(&dpo), None).await;
    assert_eq!(st, 409, "one on-demand run a minute: {problem}");
    let c = controls(&s, &reader).await;
    for id in [
        "consent_records_complete",
        "requests_on_time",
        "purposes_declared",
        "decisions_gated",
        "opt_outs_honoured",
        "significant_decisions_explained",
        "models_validated_and_assessed",
        "fairness_audits_current",
        "monitors_watched",
        "breaches_notified",
        "processors_under_contract",
        "staff_trained",
        "ledger_intact",
    ] {
        assert!(passed(&c, id), "{id}: {c:?}");
    }
    assert!(!passed(&c, "retention_ran") && c["retention_ran"].1.contains("never"), "{c:?}");
    assert!(firing(&s, "compliance").await.contains(&("control_failing".to_owned(), "retention_ran".to_owned())));
    let now = custos_core::now();
    s.service.retention().run(now).await.expect("retention");
    compliance.evaluate("on_demand", "test", now).await.expect("run");
    assert!(passed(&controls(&s, &reader).await, "retention_ran"));
    assert!(!firing(&s, "compliance").await.iter().any(|(_, a)| a == "retention_ran"), "its alert settles");
    // ... and a day and a half later, it has not run again.
    compliance.evaluate("schedule", "test", now + Duration::hours(36)).await.expect("run");
    assert!(!passed(&controls(&s, &reader).await, "retention_ran"));

    // Consent: an event that lost its notice (an import, a bug) fails the control.
    s.db.execute("UPDATE consent_events SET notice_text_sha256 = ''").await;
    // GPC: an allowed sale-or-share check for a subject with GPC (the gate never does this; a
    // row written around it does).
    let ana_check = check(&s, &ana, true).await;
    assert_eq!(ana_check["decision"], "allow", "under the GDPR a consent stands whatever the browser sends: {ana_check}");
    let bo = subject(&s, "bo", "US-CA").await;
    let d = check(&s, &bo, true).await;
    assert_eq!(d["decision"], "deny", "{d}");
    compliance.evaluate("on_demand", "test", custos_core::now()).await.expect("run");
    assert!(passed(&controls(&s, &reader).await, "opt_outs_honoured"), "a DE allow under GPC is no failure");
    s.db.execute(&format!("UPDATE gate_checks SET decision = 'allow' WHERE subject_id = '{bo}'")).await;
    // A decision on a permission the customer has since withdrawn (the caller cached the
    // gate's answer): logged, and caught by the control.
    let cy = subject(&s, "cy", "DE").await;
    assert_eq!(consent(&s, &cy, "granted").await.0, 201);
    let cy_check = check(&s, &cy, false).await;
    let decision = json!({"subject_id": cy, "purpose": ADS, "check_id": cy_check["check_id"], "model": "nbo", "model_version": "1", "outcome": "offer"});
    let (st, logged) = s.post("/v1/decisions", decision.clone()).await;
    assert_eq!(st, 201, "{logged}");
    compliance.evaluate("on_demand", "test", custos_core::now()).await.expect("run");
    assert!(passed(&controls(&s, &reader).await, "decisions_gated"), "a decision on a check that allowed it");
    assert_eq!(consent(&s, &cy, "withdrawn").await.0, 201);
    let (st, logged) = s.post("/v1/decisions", decision).await;
    assert_eq!(st, 201, "{logged}");
    // A request open past its deadline (the run's clock two months on).
    let (st, dsr) = s.post("/v1/dsr", json!({"subject_id": ana, "type": "access"})).await;
    assert_eq!(st, 201, "{dsr}");
    // A processor with no agreement.
    let (st, v) = s
        .post(
            "/v1/vendors",
            json!({"name": "Mailwave Ltd", "role": "processor", "country": "IE", "purposes": [ADS],
                                               "data_categories": ["user.contact.email"]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    // A staff member whose role requires a course she has not taken.
    let (st, course) =
        s.post("/v1/trainings", json!({"name": "Privacy basics", "validity_months": 12, "required_for": ["privacy_officer"]})).await;
    assert_eq!(st, 201, "{course}");
    s.service.retention().run(now + Duration::days(61)).await.expect("retention");
    s.service.ledger().publish_checkpoint().await.expect("checkpoint");
    compliance.evaluate("on_demand", "test", now + Duration::days(61)).await.expect("run");
    let c = controls(&s, &reader).await;
    for id in [
        "consent_records_complete",
        "opt_outs_honoured",
        "requests_on_time",
        "processors_under_contract",
        "staff_trained",
        "decisions_gated",
    ] {
        assert!(!passed(&c, id), "{id} fails: {c:?}");
    }
    assert!(
        c["decisions_gated"].1.contains("Of 2 decisions in the last 90 days, 0 quote no gate check and 1 acted on a check after"),
        "{c:?}"
    );
    assert!(c["staff_trained"].1.contains("dpo@example.com"), "{c:?}");
    assert!(c["requests_on_time"].1.contains("1 open past"), "{c:?}");
    let (_, evidence) = s.call(Method::GET, "/v1/compliance/evidence?control=requests_on_time&limit=1", Some(&reader), None).await;
    assert_eq!(evidence[0]["figures"]["late"], json!([dsr["dsr_id"]]), "the late ones, by id: {evidence}");
    assert!(passed(&c, "retention_ran") && passed(&c, "ledger_intact"), "{c:?}");

    // The other controls, each made to fail: a purpose without a retention period and a
    // significant decision without its explanation (rows an import or an older version could
    // leave), a high-risk AI system whose AI Act assessment is not approved, a fairness
    // schedule days behind, a breach four days old and not notified.
    let later = now + Duration::days(61);
    s.db.execute(&format!("UPDATE purposes SET retention_days = 0 WHERE purpose = '{ADS}'")).await;
    s.db.execute(&format!(
        "INSERT INTO decisions (decision_id, subject_id, purpose, model, model_version, outcome, created_at, significant) \
         VALUES ('01a23f2f-0000-7000-8000-000000000001', '{ana}', '{ADS}', 'nbo', '1', 'offer', '{}', 1)",
        format_timestamp(&later)
    ))
    .await;
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Card limits", "description": "Sets card limits", "business_owner": "Credit", "purposes": [ADS], "risk_tier": "high"}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    s.db.execute(&format!(
        "INSERT INTO fairness_schedules (schedule_id, request, interval_seconds, next_run_at, key_id, created_at) \
         VALUES ('01a23f2f-0000-7000-8000-000000000002', '{{}}', 86400, '{}', NULL, '{}')",
        format_timestamp(&(later - Duration::days(3))),
        format_timestamp(&now)
    ))
    .await;
    let breach = custos_service::incidents::IncidentInput {
        kind: Some("personal_data_breach".into()),
        title: Some("Laptop stolen".into()),
        description: Some("An unencrypted laptop with a customer export was stolen.".into()),
        became_aware_at: Some(format_timestamp(&(later - Duration::days(4)))),
        jurisdictions: Some(vec!["DE".into()]),
        ..Default::default()
    };
    s.service.incidents().create_at(breach, "staff:test", later).await.expect("incident");
    compliance.evaluate("on_demand", "test", later + Duration::minutes(1)).await.expect("run");
    let c = controls(&s, &reader).await;
    for id in [
        "purposes_declared",
        "significant_decisions_explained",
        "models_validated_and_assessed",
        "fairness_audits_current",
        "breaches_notified",
    ] {
        assert!(!passed(&c, id), "{id} fails: {c:?}");
    }
    assert!(c["purposes_declared"].1.contains(ADS) && c["models_validated_and_assessed"].1.contains("Card limits"), "{c:?}");
    assert!(c["significant_decisions_explained"].1.contains("1 significant decision without"), "{c:?}");
    assert!(c["breaches_notified"].1.contains("1 clock past"), "{c:?}");

    // The failing controls fail their obligations, failing first.
    let (_, obligations) = s.call(Method::GET, "/v1/compliance/obligations?regulation=GDPR", Some(&reader), None).await;
    let first = &obligations.as_array().expect("obligations")[0];
    assert_eq!(first["status"], "failing", "{first}");

    // Evidence: its hash is in the ledger and verifies with its proof.
    let (_, evidence) = s.call(Method::GET, "/v1/compliance/evidence?control=staff_trained", Some(&reader), None).await;
    let newest = &evidence.as_array().expect("evidence")[0];
    assert_eq!(newest["passed"], false);
    let id = newest["evidence_id"].as_str().expect("id");
    let (st, proof) = s.call(Method::GET, &format!("/v1/compliance/evidence/{id}"), Some(&reader), None).await;
    assert_eq!((st, proof["verified"].as_bool()), (200, Some(true)), "{proof}");
    let bundle: custos_service::ledger::ProofBundle = serde_json::from_value(proof["proof"].clone()).expect("bundle");
    let verified =
        custos_service::ledger::verify_proof_bundle(&bundle, &s.service.ledger().verifier_key()).expect("the proof verifies offline");
    let leaf: Value = serde_json::from_slice(&verified.leaf).expect("leaf json");
    assert_eq!((leaf["event"].as_str(), leaf["evidence_sha256"].as_str()), (Some("evidence.recorded"), newest["evidence_sha256"].as_str()));
    // Editing the stored evidence breaks its proof.
    s.db.execute(&format!("UPDATE evidence SET summary = 'All fine.' WHERE evidence_id = '{id}'")).await;
    let (_, proof) = s.call(Method::GET, &format!("/v1/compliance/evidence/{id}"), Some(&reader), None).await;
    assert_eq!(proof["verified"], false, "{proof}");

    // Retention ran, but values past their period are still held (here: made old after the
    // run): the recount fails the control, naming the category.
    s.db.execute(&format!("UPDATE subject_data SET collected_at = '2020-01-01T00:00:00.000000Z' WHERE subject_id = '{ana}'")).await;
    compliance.evaluate("on_demand", "test", later + Duration::seconds(90)).await.expect("run");
    let c = controls(&s, &reader).await;
    assert!(!passed(&c, "retention_ran") && c["retention_ran"].1.contains("past their retention period then are still held"), "{c:?}");

    // Tampering with the ledger itself fails its control.
    s.db.execute("UPDATE ledger_leaves SET leaf = leaf || ' ' WHERE leaf_index = 1").await;
    compliance.evaluate("on_demand", "test", later + Duration::minutes(2)).await.expect("run");
    let c = controls(&s, &reader).await;
    assert!(!passed(&c, "ledger_intact") && c["ledger_intact"].1.contains("does not verify"), "{c:?}");
    s.stop().await;
}

async fn manual_evidence_report_and_console(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let reader = s.key(&["compliance:read"]).await;
    let dpo = s.person("dpo@example.com", &[Role::PrivacyOfficer], &["compliance:read", "compliance:write"]).await;
    declare_ads(&s, false, false).await;
    subject(&s, "ana", "DE").await;
    let (_, controls) = s.call(Method::GET, "/v1/compliance/controls", Some(&reader), None).await;
    let manual: Vec<String> = controls
        .as_array()
        .expect("controls")
        .iter()
        .filter(|c| c["kind"] == "manual" && c["status"] != "not_applicable")
        .map(|c| c["control"].as_str().unwrap_or_default().to_owned())
        .collect();
    let control = manual.first().expect("a manual control applies").clone();
    let future = (custos_core::now() + Duration::days(180)).format("%Y-%m-%d").to_string();
    let file = data_encoding::BASE64.encode(b"%PDF-1.4 our encryption policy");
    let good = json!({"control": control, "file_name": "encryption-policy.pdf", "content_type": "application/pdf",
                      "content_base64": file, "review_on": future});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("control", json!("requests_on_time")), "control"),
        (with("control", json!("manual.weather")), "control"),
        (with("content_base64", json!("%%%")), "content_base64"),
        (with("review_on", json!("2020-01-01")), "review_on"),
        (with("file_name", json!("")), "file_name"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/compliance/evidence", Some(&dpo), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.call(Method::POST, "/v1/compliance/evidence", Some(&s.key(&["compliance:write"]).await), Some(good.clone())).await.0, 403);
    let (st, e) = s.call(Method::POST, "/v1/compliance/evidence", Some(&dpo), Some(good)).await;
    assert_eq!(st, 201, "{e}");
    let (st, body, _) = {
        let resp = reqwest::Client::new()
            .get(format!("{}/v1/compliance/evidence/{}/file", s.base_url, e["evidence_id"].as_str().expect("id")))
            .bearer_auth(&reader)
            .send()
            .await
            .expect("file");
        (resp.status().as_u16(), resp.bytes().await.expect("bytes"), ())
    };
    assert_eq!((st, &body[..]), (200, &b"%PDF-1.4 our encryption policy"[..]));
    let (_, controls) = s.call(Method::GET, "/v1/compliance/controls", Some(&reader), None).await;
    let c = controls.as_array().expect("controls").iter().find(|c| c["control"] == control.as_str()).expect("control").clone();
    assert_eq!(c["status"], "passing", "{c}");

    // A run, then the report: HTML and a PDF read back.
    assert_eq!(s.call(Method::POST, "/v1/compliance/runs", Some(&dpo), None).await.0, 201);
    let (st, html) = s.call(Method::GET, "/v1/compliance/report?regulation=GDPR", Some(&reader), None).await;
    assert_eq!(st, 200);
    let html = html.as_str().unwrap_or_default().to_owned();
    for expected in ["Compliance report: GDPR", "Summary", "Retention ran in the last 24 hours", "ledger entry #", "<svg"] {
        assert!(html.contains(expected), "{expected} in the report");
    }
    // The JSON report carries each evidence's proof, verifiable offline.
    let (st, report) = s.call(Method::GET, "/v1/compliance/report?regulation=GDPR&format=json", Some(&reader), None).await;
    assert_eq!(st, 200, "{report}");
    let evidence = report["evidence"].as_array().expect("evidence");
    assert!(evidence.len() >= 10, "{report}");
    for e in evidence {
        assert_eq!(e["verified"], true, "{e}");
        let bundle: custos_service::ledger::ProofBundle = serde_json::from_value(e["proof"].clone()).expect("bundle");
        custos_service::ledger::verify_proof_bundle(&bundle, &s.service.ledger().verifier_key()).expect("verifies offline");
    }
    assert!(report["obligations"].as_array().expect("obligations").iter().all(|o| o["regulation"] == "GDPR"));
    let (_, problem) = s.call(Method::GET, "/v1/compliance/report?regulation=Atlantis", Some(&reader), None).await;
    assert_eq!(problem["field"], "regulation");
    let pdf = reqwest::Client::new()
        .get(format!("{}/v1/compliance/report?regulation=GDPR&format=pdf", s.base_url))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    let text = custos_testkit::pdf_text(&pdf.bytes().await.expect("bytes"));
    assert!(text.contains("Compliance report: GDPR") && text.contains("Retention"), "{text}");

    // The console: from the compliance page to the failing control's evidence.
    s.service.staff().create_user("olga@example.com", &[Role::PrivacyOfficer], Some("a long enough password".into())).await.expect("user");
    let mut b = Browser::new(&s);
    b.login("olga@example.com", "a long enough password").await;
    let (st, page, _) = b.get("/console/compliance").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("By regulation") && page.contains("href=\"/console/compliance/controls/retention_ran\""), "{page}");
    // Each regulation's report, with its own history, from the table.
    assert!(page.contains("href=\"/console/compliance/report?regulation=EU%20AI%20Act\""), "{page}");
    let (st, report, _) = b.get("/console/compliance/report?regulation=EU%20AI%20Act").await;
    assert!(st == 200 && report.contains("Compliance report: EU AI Act"), "{report}");
    assert_eq!(b.get("/console/compliance/report?regulation=Atlantis").await.0, 404);
    let (st, page, _) = b.get("/console/compliance/controls/retention_ran").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Failed") && page.contains("Retention has never run") && page.contains("Ledger entry"), "{page}");
    let (st, page, _) = b.get("/console/compliance/obligations/GDPR-33").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("id=\"not-applicable\""), "the DPO may mark it: {page}");
    // A manual control's document, uploaded from the console: bad forms change nothing.
    let path = format!("/console/compliance/controls/{control}");
    let csrf = b.csrf(&path).await;
    let upload = |csrf: &str, file: Option<&'static [u8]>, review_on: &str| {
        let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_owned()).text("review_on", review_on.to_owned());
        if let Some(bytes) = file {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("dpo-review-2026.pdf").mime_str("application/pdf").expect("mime"),
            );
        }
        let req = b.client.post(format!("{}{path}", s.base_url)).header("cookie", b.cookie.clone().unwrap_or_default()).multipart(form);
        async move { req.send().await.expect("upload").status().as_u16() }
    };
    let count = || async { s.service.compliance().evidence(Some(&control), 100).await.expect("evidence").len() };
    let before = count().await;
    assert_eq!(upload(&csrf, None, &future).await, 400, "no file");
    assert_eq!(upload(&csrf, Some(b"%PDF-1.4 review"), "2020-01-01").await, 400, "a review date in the past");
    assert_eq!(upload("forged", Some(b"%PDF-1.4 review"), &future).await, 403);
    assert_eq!(count().await, before, "nothing stored");
    assert_eq!(upload(&csrf, Some(b"%PDF-1.4 review"), &future).await, 303);
    assert_eq!(count().await, before + 1);
    let (_, page, _) = b.get(&path).await;
    assert!(page.contains("dpo-review-2026.pdf, kept by olga@example.com"), "{page}");
    s.service.staff().create_user("rita@example.com", &[Role::Reviewer], Some("a long reviewer password".into())).await.expect("user");
    let mut r = Browser::new(&s);
    r.login("rita@example.com", "a long reviewer password").await;
    assert_eq!(r.get("/console/compliance").await.0, 403);
    s.stop().await;
}

async fn record_of_processing(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let reader = s.key(&["compliance:read"]).await;
    declare_ads(&s, false, false).await;
    let (st, p) = s
        .post(
            "/v1/purposes",
            json!({"key": "analytics.reporting.campaign_insights", "name": "Campaign insights", "legal_basis": "legitimate_interest",
                   "data_categories": ["user.behavior"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let ana = subject(&s, "ana", "DE").await;
    assert_eq!(consent(&s, &ana, "granted").await.0, 201);
    let (st, v) = s
        .post("/v1/vendors", json!({"name": "Mailwave Ltd", "role": "processor", "country": "IE", "purposes": [ADS], "data_categories": ["user.contact.email"]}))
        .await;
    assert_eq!(st, 201, "{v}");
    let vid = v["vendor_id"].as_str().expect("id").to_owned();
    let day = |d: i64| (custos_core::now() + Duration::days(d)).format("%Y-%m-%d").to_string();
    let (st, dpa) = s
        .post(
            &format!("/v1/vendors/{vid}/dpas"),
            json!({"signed_on": day(-30), "expires_on": day(400), "data_categories": ["user.contact"]}),
        )
        .await;
    assert_eq!(st, 201, "{dpa}");
    let (_, d) = s
        .post(
            "/v1/gate/check",
            json!({"subject_id": ana, "purpose": ADS, "data_categories": ["user.contact.email"], "recipient": {"vendor_id": vid}}),
        )
        .await;
    assert_eq!(d["decision"], "allow", "{d}");
    let (_, d) = s
        .post("/v1/gate/check", json!({"subject_id": ana, "purpose": "marketing.unknown", "data_categories": ["user.contact.email"]}))
        .await;
    assert_eq!(d["decision"], "deny", "{d}");
    // The agreement ends after the release: the data already went where it no longer may.
    let (st, _) = s
        .post(
            &format!("/v1/vendors/{vid}/dpas"),
            json!({"signed_on": day(-400), "expires_on": day(-1), "data_categories": ["user.contact"]}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = s
        .call(
            Method::PATCH,
            &format!("/v1/vendors/{vid}/dpas/{}", dpa["dpa_id"].as_str().expect("id")),
            Some(&s.admin_key),
            Some(json!({"status": "terminated"})),
        )
        .await;
    assert_eq!(st, 200);

    let (st, r) = s.call(Method::GET, "/v1/compliance/ropa", Some(&reader), None).await;
    assert_eq!(st, 200, "{r}");
    let ads = r["entries"].as_array().expect("entries").iter().find(|e| e["purpose"] == ADS).expect("ads").clone();
    assert_eq!((ads["checks"].as_i64(), ads["allowed"].as_i64()), (Some(1), Some(1)), "{ads}");
    assert_eq!(ads["released"]["user.contact.email"], 1, "{ads}");
    assert_eq!(ads["sent_to"]["Mailwave Ltd"], 1, "{ads}");
    assert!(ads["recipients"].as_array().expect("recipients").iter().any(|v| v == "Mailwave Ltd (processor)"), "{ads}");
    let kinds: Vec<(String, String)> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["kind"].as_str().unwrap_or_default().to_owned(), f["purpose"].as_str().unwrap_or_default().to_owned()))
        .collect();
    for expected in [
        ("declared_not_used", "analytics.reporting.campaign_insights"),
        ("released_without_agreement", ADS),
        ("undeclared_purpose_asked", "marketing.unknown"),
    ] {
        assert!(kinds.contains(&(expected.0.to_owned(), expected.1.to_owned())), "{expected:?} in {kinds:?}");
    }
    assert!(!kinds.iter().any(|(k, p)| k == "declared_not_used" && p == ADS), "{kinds:?}");

    // CSV, and the PDF read back.
    let csv = reqwest::Client::new()
        .get(format!("{}/v1/compliance/ropa?format=csv", s.base_url))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let mut lines = csv.lines();
    assert!(lines.next().unwrap_or_default().starts_with("purpose,name,legal_basis,data_categories"), "{csv}");
    assert_eq!(lines.count(), 2, "one row per purpose: {csv}");
    assert!(csv.contains("Mailwave Ltd (processor)") && csv.contains("user.contact.email (1)"), "{csv}");
    let pdf =
        reqwest::Client::new().get(format!("{}/v1/compliance/ropa?format=pdf", s.base_url)).bearer_auth(&reader).send().await.expect("pdf");
    assert_eq!(pdf.status(), 200);
    let text = custos_testkit::pdf_text(&pdf.bytes().await.expect("bytes")).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Record of processing activities") && text.contains("is declared but no gate check asked"), "{text}");
    let (_, problem) = s.call(Method::GET, "/v1/compliance/ropa?format=xls", Some(&reader), None).await;
    assert_eq!(problem["field"], "format");
    s.stop().await;
}

backend_tests!(obligations_and_scoping, controls_pass_and_fail, manual_evidence_report_and_console, record_of_processing);

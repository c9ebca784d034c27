//! Impact assessments over HTTP, on SQLite and PostgreSQL: an AI Act classification and a DPIA
//! for an AI system, answers checked against the questionnaire and named when wrong, the tier
//! explained with its path and obligations, submission needing complete answers, approval by a
//! privacy officer only (a person), the approved tier becoming the system's, a change of the
//! system sending the assessment back for review, a high-risk system's model refused approval
//! until its assessment is approved, and the report as HTML and as PDF read back.

use std::path::PathBuf;

use custos_core::Role;
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const OFFERS: &str = "essential.service.credit_limit";

fn model_file() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain/credit.linear.json")).expect("fixture")
}

/// Every AI Act question answered "no" / "none", then the changes.
fn ai_act(changes: Value) -> Value {
    let mut a = json!({
        "manipulative_techniques": false, "exploits_vulnerabilities": false, "social_scoring": false, "crime_prediction": false,
        "facial_scraping": false, "workplace_emotion_recognition": false, "sensitive_biometric_categorisation": false,
        "realtime_biometric_identification": false, "annex_i_safety_component": false, "annex_iii_area": "none", "profiling": false,
        "interacts_with_people": false, "generates_synthetic_content": false, "deep_fake": false, "emotion_recognition": false,
        "biometric_categorisation": false, "public_interest_text": false
    });
    for (k, v) in changes.as_object().expect("object") {
        a[k] = v.clone();
    }
    a
}

fn ids(result: &Value) -> Vec<String> {
    result["obligations"].as_array().into_iter().flatten().filter_map(|o| o["id"].as_str().map(str::to_owned)).collect()
}

async fn assessments(backend: Backend) {
    let Some(s) = TestServer::start_strict(backend).await else { return };
    let (st, p) = s
        .post("/v1/purposes", json!({"purpose": OFFERS, "name": "Credit limits", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}))
        .await;
    assert_eq!(st, 201, "{p}");
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Credit limits", "description": "Sets card limits from the applicant's file", "business_owner": "Head of credit",
                   "purposes": [OFFERS], "models": ["credit"], "jurisdictions": ["DE"]}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    let sid = system["ai_system_id"].as_str().expect("id").to_owned();
    let officer = s.person("pia@example.com", &[Role::PrivacyOfficer], &["assessments:read", "assessments:write"]).await;
    let counsel = s.person("cal@example.com", &[Role::Compliance], &["assessments:read", "assessments:write"]).await;

    // Bad input: named, nothing stored.
    for (body, status, field) in [
        (json!({"questionnaire": "ai_act"}), 400, "ai_system_id"),
        (json!({"ai_system_id": sid}), 400, "questionnaire"),
        (json!({"ai_system_id": sid, "questionnaire": "pia"}), 400, "questionnaire"),
        (json!({"ai_system_id": sid, "questionnaire": "ai_act", "answers": {"weather": true}}), 400, "answers.weather"),
        (json!({"ai_system_id": sid, "questionnaire": "ai_act", "answers": {"profiling": "maybe"}}), 400, "answers.profiling"),
        (
            json!({"ai_system_id": sid, "questionnaire": "ai_act", "answers": {"annex_iii_area": "astrology"}}),
            400,
            "answers.annex_iii_area",
        ),
        (json!({"ai_system_id": sid, "questionnaire": "dpia", "answers": {"risk_likelihood": 9}}), 400, "answers.risk_likelihood"),
        (json!({"ai_system_id": sid, "questionnaire": "ai_act", "status": "approved"}), 400, "status"),
        (json!({"ai_system_id": "01a236da-e535-701c-a7f8-d9201e55519a", "questionnaire": "ai_act"}), 422, "ai_system_id"),
    ] {
        let (st, problem) = s.post("/v1/assessments", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.get("/v1/assessments").await.1, json!([]));
    let reader = s.key(&["assessments:read"]).await;
    assert_eq!(
        s.call(Method::POST, "/v1/assessments", Some(&reader), Some(json!({"ai_system_id": sid, "questionnaire": "ai_act"}))).await.0,
        403
    );

    // The AI Act classification: creditworthiness, profiling people, deployed here: high-risk,
    // explained step by step, the deployer's duties and the FRIA among the obligations.
    let credit = ai_act(json!({"annex_iii_area": "creditworthiness", "profiling": true}));
    let mut partial = credit.clone();
    partial.as_object_mut().expect("object").remove("profiling");
    let (st, a) = s.post("/v1/assessments", json!({"ai_system_id": sid, "questionnaire": "ai_act", "answers": partial})).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["assessment_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/assessments/{aid}");
    assert_eq!((a["status"].as_str(), a["version"].as_u64()), (Some("draft"), Some(1)));
    // Submitting with a required answer missing is refused, naming it.
    let (st, problem) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"status": "submitted"}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("answers.profiling")), "{problem}");
    let (st, a) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"answers": {"profiling": true}, "status": "submitted"}))).await;
    assert_eq!(st, 200, "{a}");
    let r = &a["result"];
    assert_eq!((r["tier"].as_str(), r["transparency"].as_bool(), r["role"].as_str()), (Some("high"), Some(false), Some("deployer")), "{r}");
    assert!(r["decided_by"].as_str().unwrap_or_default().contains("Annex III"), "{r}");
    assert!(r["path"].as_array().is_some_and(|p| p.len() >= 3 && p.iter().all(|s| s["article"].is_string())), "{r}");
    let obligations = ids(r);
    for id in ["AIA-4", "AIA-26-1-5", "AIA-26-6", "AIA-27", "AIA-6-ANNEX-III-5"] {
        assert!(obligations.contains(&id.to_owned()), "{id} in {obligations:?}");
    }
    let literacy = r["obligations"].as_array().and_then(|o| o.iter().find(|o| o["id"] == "AIA-4")).expect("AIA-4");
    assert_eq!(literacy["applies_from"], "2025-02-02", "dates come from the catalog: {literacy}");
    // A submitted assessment's answers wait until it is back in draft.
    assert_eq!(s.call(Method::PATCH, &path, Some(&officer), Some(json!({"answers": {"profiling": false}}))).await.0, 409);

    // A high-risk system's model is not put to approval before its assessment is approved.
    let owner = s.person("owen@example.com", &[Role::ModelOwner], &["approvals:read", "approvals:write", "models:read"]).await;
    let (st, m) = s
        .post(
            "/v1/models",
            json!({"name": "credit", "version": "1", "model": model_file(), "owner": "owen@example.com", "purpose": OFFERS,
                   "intended_use": "Card limits.", "limitations": "Not for loans.", "training_data": "2025 applications."}),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    let ask = json!({"model_id": m["model_id"], "dpia_link": "https://intranet.example/dpia/credit"});
    let (st, problem) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask.clone())).await;
    assert_eq!(st, 422, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("AI Act assessment must be approved"), "{problem}");

    // Approval: a privacy officer, as a person.
    assert_eq!(
        s.call(Method::PATCH, &path, Some(&s.admin_key), Some(json!({"status": "approved"}))).await.0,
        403,
        "a system key is not a person"
    );
    assert_eq!(
        s.call(Method::PATCH, &path, Some(&counsel), Some(json!({"status": "approved"}))).await.0,
        403,
        "compliance does not approve"
    );
    let (st, a) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"status": "approved"}))).await;
    assert_eq!((st, a["status"].as_str(), a["approved_by"].as_str()), (200, Some("approved"), Some("pia@example.com")), "{a}");
    assert_eq!(s.get(&format!("/v1/ai-systems/{sid}")).await.1["risk_tier"], "high", "the approved tier is the system's");
    let (st, request) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask)).await;
    assert_eq!(st, 201, "approved assessment, the request goes on: {request}");

    // A change of the AI system sends the approved assessment back for review.
    let (st, _) =
        s.call(Method::PATCH, &format!("/v1/ai-systems/{sid}"), Some(&s.admin_key), Some(json!({"jurisdictions": ["DE", "FR"]}))).await;
    assert_eq!(st, 200);
    let (_, a) = s.call(Method::GET, &path, Some(&reader), None).await;
    assert_eq!(a["status"], "needs_review", "{a}");
    assert!(a["review_reason"].as_str().unwrap_or_default().contains("jurisdictions"), "{a}");

    // A DPIA: three WP248 criteria, residual risk still high: required, and prior consultation.
    let dpia = json!({
        "evaluation_or_scoring": true, "automated_decision_with_legal_effect": true, "systematic_monitoring": false, "sensitive_data": true,
        "large_scale": false, "matching_or_combining": false, "vulnerable_subjects": false, "innovative_technology": false,
        "prevents_exercising_rights": false, "national_list": false
    });
    let (st, d) = s
        .call(Method::POST, "/v1/assessments", Some(&officer), Some(json!({"ai_system_id": sid, "questionnaire": "dpia", "answers": dpia})))
        .await;
    assert_eq!(st, 201, "{d}");
    let screening = &d["result"]["screening"];
    assert_eq!((screening["required"].as_bool(), screening["criteria_met"].as_array().map(Vec::len)), (Some(true), Some(3)), "{d}");
    let dpath = format!("/v1/assessments/{}", d["assessment_id"].as_str().expect("id"));
    let (_, d) =
        s.call(Method::PATCH, &dpath, Some(&officer), Some(json!({"answers": {"residual_likelihood": 4, "residual_severity": 4}}))).await;
    assert_eq!((d["result"]["residual_high"].as_bool(), d["result"]["prior_consultation"].as_bool()), (Some(true), Some(true)), "{d}");

    // The report, as HTML and as PDF read back with pdftotext.
    let client = reqwest::Client::new();
    let html = client.get(format!("{}{path}/report", s.base_url)).bearer_auth(&reader).send().await.expect("report");
    assert_eq!(html.status(), 200);
    let html = html.text().await.expect("html");
    assert!(html.contains("High-risk") && html.contains("Annex III") && html.contains("Fundamental rights impact assessment"), "{html}");
    let pdf = client.get(format!("{}{path}/report?format=pdf", s.base_url)).bearer_auth(&reader).send().await.expect("pdf");
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    let text = custos_testkit::pdf_text(&pdf.bytes().await.expect("bytes"));
    assert!(
        text.contains("High-risk") && text.contains("Credit limits") && text.contains("Fundamental rights impact assessment"),
        "{text}"
    );
    assert_eq!(s.call(Method::GET, &format!("{path}/report?format=docx"), Some(&reader), None).await.1["field"], "format");
    // The model card goes through the same path.
    let card = client
        .get(format!("{}/v1/models/{}/card?format=pdf", s.base_url, m["model_id"].as_str().expect("id")))
        .bearer_auth(&s.admin_key)
        .send()
        .await
        .expect("card");
    assert_eq!(card.status(), 200);
    let text = custos_testkit::pdf_text(&card.bytes().await.expect("bytes"));
    assert!(text.contains("Model card") && text.contains("Card limits."), "{text}");
    s.stop().await;
}

/// What blocks a model's approval: a prohibited practice (even in a draft), and for a high-risk
/// system a newer assessment not yet approved (a blank draft cannot clear the earlier tier).
async fn approval_follows_the_newest_assessment(backend: Backend) {
    let Some(s) = TestServer::start_strict(backend).await else { return };
    let (st, p) = s
        .post("/v1/purposes", json!({"purpose": OFFERS, "name": "Credit limits", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}))
        .await;
    assert_eq!(st, 201, "{p}");
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Scoring", "description": "Scores people", "business_owner": "Head of credit",
                   "purposes": [OFFERS], "models": ["scorer"], "jurisdictions": ["DE"]}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    let sid = system["ai_system_id"].as_str().expect("id").to_owned();
    let officer = s.person("pia@example.com", &[Role::PrivacyOfficer], &["assessments:read", "assessments:write"]).await;
    let owner = s.person("owen@example.com", &[Role::ModelOwner], &["approvals:read", "approvals:write", "models:read"]).await;
    let (st, m) = s
        .post(
            "/v1/models",
            json!({"name": "scorer", "version": "1", "model": model_file(), "owner": "owen@example.com", "purpose": OFFERS,
                   "intended_use": "Scores.", "limitations": "None known.", "training_data": "2025 applications."}),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    let ask = json!({"model_id": m["model_id"], "dpia_link": "https://intranet.example/dpia/scoring"});
    let refused = async |why: &str| {
        let (st, problem) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask.clone())).await;
        assert_eq!(st, 422, "{why}: {problem}");
        assert!(problem["detail"].as_str().unwrap_or_default().contains(why), "{why}: {problem}");
    };

    // A draft that finds a prohibited practice already blocks.
    let (st, a) = s
        .call(
            Method::POST,
            "/v1/assessments",
            Some(&officer),
            Some(json!({"ai_system_id": sid, "questionnaire": "ai_act", "answers": ai_act(json!({"social_scoring": true}))})),
        )
        .await;
    assert_eq!((st, a["result"]["tier"].as_str()), (201, Some("prohibited")), "{a}");
    refused("prohibited practice").await;

    // Answered again: high-risk, approved.
    let path = format!("/v1/assessments/{}", a["assessment_id"].as_str().expect("id"));
    let high = json!({"social_scoring": false, "annex_iii_area": "creditworthiness", "profiling": true});
    let (st, a) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"answers": high, "status": "submitted"}))).await;
    assert_eq!((st, a["result"]["tier"].as_str()), (200, Some("high")), "{a}");
    assert_eq!(s.call(Method::PATCH, &path, Some(&officer), Some(json!({"status": "approved"}))).await.0, 200);

    // A new, blank assessment does not clear the high tier: it blocks until it is approved.
    let (st, blank) =
        s.call(Method::POST, "/v1/assessments", Some(&officer), Some(json!({"ai_system_id": sid, "questionnaire": "ai_act"}))).await;
    assert_eq!(st, 201, "{blank}");
    refused("newest AI Act assessment").await;
    let bpath = format!("/v1/assessments/{}", blank["assessment_id"].as_str().expect("id"));
    let (st, b) = s.call(Method::PATCH, &bpath, Some(&officer), Some(json!({"answers": ai_act(json!({})), "status": "submitted"}))).await;
    assert_eq!((st, b["result"]["tier"].as_str()), (200, Some("minimal")), "{b}");
    assert_eq!(s.call(Method::PATCH, &bpath, Some(&officer), Some(json!({"status": "approved"}))).await.0, 200);
    assert_eq!(s.get(&format!("/v1/ai-systems/{sid}")).await.1["risk_tier"], "minimal");
    let (st, request) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask.clone())).await;
    assert_eq!(st, 201, "the newest assessment approved: {request}");
    s.stop().await;
}

backend_tests!(assessments, approval_follows_the_newest_assessment);

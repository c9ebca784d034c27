//! The vendor register over HTTP, on SQLite and PostgreSQL: bad input named and changing
//! nothing; the gate naming a vendor as recipient denies a release to a processor without a
//! valid data processing agreement (`no_valid_dpa`) and allows it once one covers the data;
//! undeclared data and joint controllers without an arrangement are refused; an expiring
//! agreement and a transfer without a mechanism raise alerts that settle when fixed; the
//! console's data-flow diagram with its numbers; due-diligence reviews of a vendor through the
//! questionnaire engine, an approved insufficient one raising an alert until a better one is
//! approved, a change of the vendor sending it back for review.

mod support;

use chrono::Duration;
use custos_core::Role;
use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};
use support::{ADS, codes, consent, declare_ads, firing, subject};

async fn release(s: &TestServer, subject_id: &str, vendor: &str, categories: &[&str]) -> (u16, Value) {
    s.post(
        "/v1/gate/check",
        json!({"subject_id": subject_id, "purpose": ADS, "data_categories": categories, "recipient": {"vendor_id": vendor}}),
    )
    .await
}

fn day(offset: i64) -> String {
    (custos_core::now() + Duration::days(offset)).format("%Y-%m-%d").to_string()
}

async fn register_and_gate(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    declare_ads(&s, false, false).await;
    let ana = subject(&s, "ana", "DE").await;
    assert_eq!(consent(&s, &ana, "granted").await.0, 201);
    let writer = s.key(&["vendors:write", "vendors:read"]).await;
    let reader = s.key(&["vendors:read"]).await;

    // Bad input is named and changes nothing.
    let good =
        json!({"name": "Mailwave Ltd", "role": "processor", "country": "IE", "purposes": [ADS], "data_categories": ["user.contact.email"]});
    let with = |patch: Value| {
        let mut v = good.clone();
        for (k, x) in patch.as_object().expect("object") {
            if x.is_null() {
                v.as_object_mut().expect("object").remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        v
    };
    for (body, status, field) in [
        (with(json!({"name": null})), 400, "name"),
        (with(json!({"role": "supplier"})), 400, "role"),
        (with(json!({"country": "Ireland"})), 400, "country"),
        (with(json!({"role": "sub_processor"})), 400, "processor_id"),
        (with(json!({"gvl_vendor_id": 70000})), 400, "gvl_vendor_id"),
        (with(json!({"data_categories": ["user.nonsense!"]})), 400, "data_categories[0]"),
        (with(json!({"purposes": ["marketing.unknown"]})), 422, "purposes"),
        (with(json!({"ai_system_ids": ["01a236da-e535-701c-a7f8-d9201e55519a"]})), 422, "ai_system_ids"),
        (with(json!({"colour": "blue"})), 400, ""),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/vendors", Some(&writer), Some(body.clone())).await;
        assert_eq!(st, status, "{body} -> {problem}");
        if !field.is_empty() {
            assert_eq!(problem["field"], field, "{problem}");
        }
    }
    assert_eq!(s.call(Method::POST, "/v1/vendors", Some(&reader), Some(good.clone())).await.0, 403, "vendors:read cannot write");
    assert_eq!(s.call(Method::GET, "/v1/vendors", Some(&reader), None).await.1, json!([]), "nothing was recorded");

    let (st, mailer) = s.call(Method::POST, "/v1/vendors", Some(&writer), Some(good.clone())).await;
    assert_eq!(st, 201, "{mailer}");
    assert!(mailer["receipt"]["leaf_index"].is_u64(), "{mailer}");
    let mid = mailer["vendor_id"].as_str().expect("id").to_owned();
    assert_eq!(s.call(Method::POST, "/v1/vendors", Some(&writer), Some(good.clone())).await.0, 409, "names are unique");
    assert!(mailer["blocked"].as_str().unwrap_or_default().contains("no data processing agreement"), "{mailer}");
    assert_eq!(firing(&s, "vendors").await, vec![("no_valid_dpa".to_owned(), mid.clone())]);

    // A processor without a DPA: the release is denied with `no_valid_dpa`, nothing released.
    let (st, d) = release(&s, &ana, &mid, &["user.contact.email"]).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!((d["decision"].as_str(), codes(&d).first().map(String::as_str)), (Some("deny"), Some("no_valid_dpa")), "{d}");
    assert_eq!(d["released"], json!({}));
    // The recipient is checked: malformed and unknown vendors are named.
    assert_eq!(release(&s, &ana, "mailwave", &["user.contact.email"]).await.1["field"], "recipient.vendor_id");
    let (st, p) = release(&s, &ana, "01a236da-e535-701c-a7f8-d9201e55519a", &["user.contact.email"]).await;
    assert_eq!((st, p["field"].as_str()), (422, Some("recipient.vendor_id")), "{p}");

    // Bad agreements are named and change nothing.
    let dpas = format!("/v1/vendors/{mid}/dpas");
    for (body, field) in [
        (json!({"data_categories": ["user.contact"]}), "signed_on"),
        (json!({"signed_on": "2026-01-01"}), "data_categories"),
        (json!({"signed_on": "2026-01-01", "expires_on": "2025-12-31", "data_categories": ["user.contact"]}), "expires_on"),
        (
            json!({"signed_on": "2026-01-01", "country": "US", "data_categories": ["user.contact"], "transfer_mechanism": "adequacy"}),
            "transfer_mechanism",
        ),
        (json!({"signed_on": "2026-01-01", "data_categories": ["user.contact"], "kind": "nda"}), "kind"),
    ] {
        let (st, problem) = s.call(Method::POST, &dpas, Some(&writer), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.call(Method::GET, &dpas, Some(&reader), None).await.1, json!([]));

    // With a DPA in force covering the category the release goes ahead.
    let (st, dpa) = s
        .call(
            Method::POST,
            &dpas,
            Some(&writer),
            Some(json!({"signed_on": day(-30), "expires_on": day(400), "data_categories": ["user.contact"], "reference": "DPA-2026-7"})),
        )
        .await;
    assert_eq!(st, 201, "{dpa}");
    assert_eq!((dpa["kind"].as_str(), dpa["in_force"].as_bool(), dpa["transfer"].as_str()), (Some("dpa"), Some(true), Some("no_transfer")));
    let (_, d) = release(&s, &ana, &mid, &["user.contact.email"]).await;
    assert_eq!(d["decision"], "allow", "{d}");
    assert_eq!(d["released"], json!({"user.contact.email": "ana@example.org"}));
    assert!(firing(&s, "vendors").await.is_empty(), "the missing-DPA alert settled: {:?}", firing(&s, "vendors").await);
    // Data not declared as shared with the vendor is refused as a whole.
    let (_, d) = release(&s, &ana, &mid, &["user.contact.email", "user.demographic"]).await;
    assert_eq!((d["decision"].as_str(), codes(&d).first().map(String::as_str)), (Some("deny"), Some("recipient_not_declared")), "{d}");

    // An agreement expiring within 60 days raises an alert; past its date the processor is
    // refused and the alert says it expired.
    let did = dpa["dpa_id"].as_str().expect("id").to_owned();
    let (st, changed) = s.call(Method::PATCH, &format!("{dpas}/{did}"), Some(&writer), Some(json!({"expires_on": day(20)}))).await;
    assert_eq!((st, changed["expires_in_days"].as_i64()), (200, Some(20)), "{changed}");
    assert_eq!(firing(&s, "vendors").await, vec![("dpa_expiring".to_owned(), did.clone())]);
    let (_, alerts) = s.get("/v1/alerts?source=vendors&state=firing").await;
    assert!(alerts[0]["message"].as_str().unwrap_or_default().contains("Mailwave Ltd expires on"), "{alerts}");
    let vendors = s.service.vendors();
    assert_eq!(vendors.sweep(custos_core::now() + Duration::days(19)).await.expect("sweep"), 0, "once only");
    vendors.sweep(custos_core::now() + Duration::days(22)).await.expect("sweep");
    let now_firing = firing(&s, "vendors").await;
    assert!(now_firing.contains(&("dpa_expired".to_owned(), did.clone())), "{now_firing:?}");
    assert!(!now_firing.contains(&("dpa_expiring".to_owned(), did.clone())), "{now_firing:?}");
    assert!(now_firing.contains(&("no_valid_dpa".to_owned(), mid.clone())), "{now_firing:?}");
    // Renewed: everything settles.
    let (st, _) = s.call(Method::PATCH, &format!("{dpas}/{did}"), Some(&writer), Some(json!({"expires_on": ""}))).await;
    assert_eq!(st, 200);
    assert!(firing(&s, "vendors").await.is_empty(), "{:?}", firing(&s, "vendors").await);

    // A processor outside the EEA without a transfer mechanism: an alert, and no release.
    let (st, us) = s
        .call(Method::POST, "/v1/vendors", Some(&writer), Some(json!({"name": "Ask Corp", "role": "processor", "country": "US", "purposes": [ADS], "data_categories": ["user.contact.email"]})))
        .await;
    assert_eq!(st, 201, "{us}");
    let uid = us["vendor_id"].as_str().expect("id").to_owned();
    let (st, us_dpa) = s
        .call(
            Method::POST,
            &format!("/v1/vendors/{uid}/dpas"),
            Some(&writer),
            Some(json!({"signed_on": day(-1), "data_categories": ["user.contact.email"]})),
        )
        .await;
    assert_eq!(
        (st, us_dpa["transfer_mechanism"].as_str(), us_dpa["transfer"].as_str()),
        (201, Some("none"), Some("uncovered")),
        "{us_dpa}"
    );
    let udid = us_dpa["dpa_id"].as_str().expect("id").to_owned();
    assert!(firing(&s, "vendors").await.contains(&("transfer_without_mechanism".to_owned(), udid.clone())));
    let (_, d) = release(&s, &ana, &uid, &["user.contact.email"]).await;
    assert_eq!(codes(&d).first().map(String::as_str), Some("no_valid_dpa"), "{d}");
    assert!(d["reasons"][0]["message"].as_str().unwrap_or_default().contains("outside the EEA"), "{d}");
    let (st, _) = s
        .call(
            Method::PATCH,
            &format!("/v1/vendors/{uid}/dpas/{udid}"),
            Some(&writer),
            Some(json!({"transfer_mechanism": "standard_contractual_clauses"})),
        )
        .await;
    assert_eq!(st, 200);
    assert!(!firing(&s, "vendors").await.iter().any(|(k, _)| k == "transfer_without_mechanism"));
    assert_eq!(release(&s, &ana, &uid, &["user.contact.email"]).await.1["decision"], "allow");

    // A joint controller needs its arrangement; an ended vendor receives nothing.
    let (_, jc) = s
        .call(Method::POST, "/v1/vendors", Some(&writer), Some(json!({"name": "Partner Bank AG", "role": "joint_controller", "country": "DE", "purposes": [ADS], "data_categories": ["user.contact"]})))
        .await;
    let jid = jc["vendor_id"].as_str().expect("id").to_owned();
    assert_eq!(codes(&release(&s, &ana, &jid, &["user.contact.email"]).await.1).first().map(String::as_str), Some("no_joint_arrangement"));
    let (st, arr) = s
        .call(
            Method::POST,
            &format!("/v1/vendors/{jid}/dpas"),
            Some(&writer),
            Some(json!({"signed_on": day(-3), "data_categories": ["user.contact"]})),
        )
        .await;
    assert_eq!((st, arr["kind"].as_str()), (201, Some("joint_arrangement")), "{arr}");
    assert_eq!(release(&s, &ana, &jid, &["user.contact.email"]).await.1["decision"], "allow");
    let (st, ended) = s.call(Method::PATCH, &format!("/v1/vendors/{jid}"), Some(&writer), Some(json!({"status": "ended"}))).await;
    assert_eq!((st, ended["status"].as_str()), (200, Some("ended")));
    assert_eq!(
        codes(&release(&s, &ana, &jid, &["user.contact.email"]).await.1).first().map(String::as_str),
        Some("recipient_not_declared")
    );

    // The console: the data-flow diagram with its numbers, and the register; a reviewer sees
    // neither.
    s.service.staff().create_user("olga@example.com", &[Role::PrivacyOfficer], Some("a long enough password".into())).await.expect("user");
    let mut b = Browser::new(&s);
    b.login("olga@example.com", "a long enough password").await;
    let (st, page, _) = b.get("/console/vendors").await;
    assert_eq!(st, 200, "{page}");
    assert!(
        page.contains("Where customer data goes") && page.contains("<svg") && page.contains("<th scope=\"col\">Data categories</th>"),
        "{page}"
    );
    assert!(
        page.contains("Mailwave Ltd") && page.contains("Ask Corp") && page.contains("standard contractual clauses (Art. 46)"),
        "{page}"
    );
    assert!(page.contains("Ended: receives nothing"), "{page}");
    s.service.staff().create_user("rita@example.com", &[Role::Reviewer], Some("a long reviewer password".into())).await.expect("user");
    let mut r = Browser::new(&s);
    r.login("rita@example.com", "a long reviewer password").await;
    assert_eq!(r.get("/console/vendors").await.0, 403);
    s.stop().await;
}

/// Answers of a vendor that gives every guarantee, with `changes` merged in.
fn vendor_answers(changes: Value) -> Value {
    let mut a = json!({
        "security_measures_documented": true, "security_certification": "soc2_type2", "confidentiality": true,
        "breach_notice": "within_24h", "subprocessors_controlled": true, "assists_with_requests": true,
        "deletes_at_end": true, "audit_rights": true, "outside_eea": true, "transfer_assessment": "done",
        "government_requests": true, "uses_ai": true, "trains_on_data": "no", "model_documentation": true
    });
    for (k, v) in changes.as_object().expect("object") {
        a[k] = v.clone();
    }
    a
}

async fn due_diligence(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    declare_ads(&s, false, false).await;
    let writer = s.key(&["vendors:write", "vendors:read"]).await;
    let officer = s.person("dora@example.com", &[Role::PrivacyOfficer], &["assessments:read", "assessments:write", "vendors:read"]).await;
    let body = json!({"name": "Chatty AI Inc", "role": "processor", "country": "US", "purposes": [ADS], "data_categories": ["user.contact.email"]});
    let (st, v) = s.call(Method::POST, "/v1/vendors", Some(&writer), Some(body)).await;
    assert_eq!(st, 201, "{v}");
    let vid = v["vendor_id"].as_str().expect("id").to_owned();
    assert!(v["review"].is_null(), "not reviewed yet: {v}");
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Offer ranker", "description": "Ranks offers", "business_owner": "Marketing", "purposes": [ADS]}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    let sid = system["ai_system_id"].as_str().expect("id").to_owned();

    // Bad input: the questionnaire decides what the assessment is about.
    for (body, status, field) in [
        (json!({"questionnaire": "vendor"}), 400, "vendor_id"),
        (json!({"questionnaire": "vendor", "vendor_id": vid, "ai_system_id": sid}), 400, "ai_system_id"),
        (json!({"questionnaire": "dpia", "vendor_id": vid}), 400, "vendor_id"),
        (json!({"questionnaire": "vendor", "vendor_id": "not-an-id"}), 400, "vendor_id"),
        (json!({"questionnaire": "vendor", "vendor_id": "01a236da-e535-701c-a7f8-d9201e55519a"}), 422, "vendor_id"),
        (json!({"questionnaire": "vendor", "vendor_id": vid, "answers": {"trains_on_data": "sometimes"}}), 400, "answers.trains_on_data"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/assessments", Some(&officer), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    let (_, none) = s.call(Method::GET, &format!("/v1/assessments?vendor_id={vid}"), Some(&officer), None).await;
    assert_eq!(none.as_array().map(Vec::len), Some(0), "nothing was created: {none}");

    // A vendor that trains its own models on the data: not sufficient.
    let trains = vendor_answers(json!({"trains_on_data": "yes", "model_documentation": null}));
    let (st, a) = s
        .call(
            Method::POST,
            "/v1/assessments",
            Some(&officer),
            Some(json!({"questionnaire": "vendor", "vendor_id": vid, "answers": trains})),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    assert_eq!((a["vendor_id"].as_str(), a["ai_system_id"].as_str()), (Some(vid.as_str()), None));
    assert_eq!(a["result"]["outcome"], "insufficient", "{a}");
    assert_eq!(a["result"]["findings"][0]["question"], "trains_on_data", "{a}");
    let path = format!("/v1/assessments/{}", a["assessment_id"].as_str().expect("id"));
    let (st, problem) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"status": "submitted"}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("answers.model_documentation")), "an AI vendor must answer it: {problem}");
    let (st, a) =
        s.call(Method::PATCH, &path, Some(&officer), Some(json!({"answers": {"model_documentation": false}, "status": "submitted"}))).await;
    assert_eq!((st, a["status"].as_str()), (200, Some("submitted")), "{a}");
    assert_eq!(a["result"]["findings"].as_array().map(Vec::len), Some(2), "{a}");
    let vendors = s.service.vendors();
    vendors.sweep(custos_core::now()).await.expect("sweep");
    assert!(!firing(&s, "vendors").await.iter().any(|(k, _)| k == "guarantees_insufficient"), "not approved yet");
    let (st, a) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"status": "approved"}))).await;
    assert_eq!((st, a["status"].as_str()), (200, Some("approved")), "{a}");
    vendors.sweep(custos_core::now()).await.expect("sweep");
    assert!(firing(&s, "vendors").await.contains(&("guarantees_insufficient".to_owned(), vid.clone())));
    let (_, v) = s.call(Method::GET, &format!("/v1/vendors/{vid}"), Some(&writer), None).await;
    assert_eq!((v["review"]["status"].as_str(), v["review"]["outcome"].as_str()), (Some("approved"), Some("insufficient")), "{v}");

    // The report names the vendor and the findings with their articles.
    let (st, report) = s.call(Method::GET, &format!("{path}/report"), Some(&officer), None).await;
    assert_eq!(st, 200);
    let html = report.as_str().unwrap_or_default();
    for expected in ["Vendor:", "Chatty AI Inc", "Guarantees not sufficient", "trains its own models", "GDPR Art. 28(3)(a)"] {
        assert!(html.contains(expected), "{expected} in {html}");
    }

    // The vendor changes: the approved review goes back for review, and still stands.
    let (st, _) = s.call(Method::PATCH, &format!("/v1/vendors/{vid}"), Some(&writer), Some(json!({"country": "IE"}))).await;
    assert_eq!(st, 200);
    let (_, a) = s.call(Method::GET, &path, Some(&officer), None).await;
    assert_eq!(a["status"], "needs_review", "{a}");
    assert!(a["review_reason"].as_str().unwrap_or_default().contains("the vendor changed (country)"), "{a}");
    vendors.sweep(custos_core::now()).await.expect("sweep");
    assert!(firing(&s, "vendors").await.contains(&("guarantees_insufficient".to_owned(), vid.clone())), "still the standing review");

    // A new review with the training contractually excluded: sufficient, and the alert settles.
    let fixed = vendor_answers(json!({"outside_eea": false, "transfer_assessment": null, "government_requests": null}));
    let (st, b) = s
        .call(Method::POST, "/v1/assessments", Some(&officer), Some(json!({"questionnaire": "vendor", "vendor_id": vid, "answers": fixed})))
        .await;
    assert_eq!((st, b["result"]["outcome"].as_str()), (201, Some("sufficient")), "{b}");
    let bpath = format!("/v1/assessments/{}", b["assessment_id"].as_str().expect("id"));
    assert_eq!(s.call(Method::PATCH, &bpath, Some(&officer), Some(json!({"status": "submitted"}))).await.0, 200);
    assert_eq!(s.call(Method::PATCH, &bpath, Some(&officer), Some(json!({"status": "approved"}))).await.0, 200);
    vendors.sweep(custos_core::now()).await.expect("sweep");
    assert!(!firing(&s, "vendors").await.iter().any(|(k, _)| k == "guarantees_insufficient"), "settled");
    let (_, list) = s.call(Method::GET, &format!("/v1/assessments?vendor_id={vid}"), Some(&officer), None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let (_, mixed) = s.call(Method::GET, &format!("/v1/assessments?vendor_id={vid}&ai_system_id={sid}"), Some(&officer), None).await;
    assert_eq!(mixed["field"], "vendor_id", "{mixed}");

    // The console: the vendor's review on the register, a start button, the findings page.
    s.service.staff().create_user("olga@example.com", &[Role::PrivacyOfficer], Some("a long enough password".into())).await.expect("user");
    let mut browser = Browser::new(&s);
    browser.login("olga@example.com", "a long enough password").await;
    let (st, page, _) = browser.get("/console/vendors").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Approved: Sufficient guarantees") && page.contains(&format!("id=\"review-{vid}\"")), "{page}");
    let csrf = browser.csrf("/console/vendors").await;
    let (st, body, location) =
        browser.post("/console/assessments", &[("csrf", &csrf), ("vendor_id", &vid), ("questionnaire", "vendor")]).await;
    assert_eq!(st, 303, "{body}");
    let (st, page, _) = browser.get(&location.expect("redirect")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Vendor:</strong> Chatty AI Inc") && page.contains("Due diligence"), "{page}");
    s.stop().await;
}

backend_tests!(register_and_gate, due_diligence);

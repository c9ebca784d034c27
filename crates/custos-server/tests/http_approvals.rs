//! Sign-off that gates deployment, over real HTTP on both backends: a decision under a model
//! version that is not approved is refused (and the gate denies it data), unregistered models
//! are refused by default, shadow mode stores and hides, two different people sign (not the
//! owner, not twice), rejection and retirement refuse, a lapsed approval does what its AI
//! system says, and every step is in the ledger.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use custos_core::Role;
use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const OFFERS: &str = "marketing.advertising.first_party.targeted";
const RW: [&str; 4] = ["approvals:read", "approvals:write", "models:read", "decisions:read"];

fn model_file() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain/credit.linear.json")).expect("fixture")
}

fn features() -> Value {
    json!({"income": 24000, "debt_ratio": 0.55, "months_at_address": 6, "missed_payments": 2})
}

async fn decide(s: &TestServer, subject: &str, model: &str, version: &str) -> (u16, Value) {
    s.post(
        "/v1/decisions",
        json!({"subject_id": subject, "purpose": OFFERS, "model": model, "model_version": version, "outcome": "declined", "features": features()}),
    )
    .await
}

/// The event of the ledger leaf a receipt names.
async fn leaf_event(s: &TestServer, body: &Value) -> Value {
    let leaf = body["receipt"]["leaf_index"].as_u64().unwrap_or_else(|| panic!("receipt in {body}"));
    let (st, entry) = s.get(&format!("/v1/ledger/entries/{leaf}")).await;
    assert_eq!(st, 200, "{entry}");
    let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

/// Every ledger leaf from `from` on, as JSON.
async fn leaves_since(s: &TestServer, from: u64) -> Vec<Value> {
    let mut out = Vec::new();
    for i in from.. {
        let (st, entry) = s.get(&format!("/v1/ledger/entries/{i}")).await;
        if st != 200 {
            break;
        }
        let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
        out.push(serde_json::from_slice(&bytes).expect("json"));
    }
    out
}

async fn register(s: &TestServer, version: &str, owner: &str, shadow: bool) -> Value {
    let (st, m) = s
        .post(
            "/v1/models",
            json!({"name": "credit", "version": version, "model": model_file(), "owner": owner, "purpose": OFFERS, "shadow": shadow,
                   "intended_use": "Pre-approves credit-card offers.", "limitations": "Not for credit limits.", "training_data": "2025 applications."}),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    m
}

async fn sign(s: &TestServer, token: &str, approval: &str, verdict: &str, role: &str, comment: &str) -> (u16, Value) {
    s.call(
        Method::POST,
        &format!("/v1/approvals/{approval}/sign-offs"),
        Some(token),
        Some(json!({"verdict": verdict, "role": role, "comment": comment})),
    )
    .await
}

async fn sign_off_gates_deployment(backend: Backend) {
    let Some(s) = TestServer::start_strict(backend).await else { return };
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": OFFERS, "name": "Offers", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, subject) = s.post("/v1/subjects", json!({"external_id": "c-1", "jurisdiction": "DE", "data": {}})).await;
    assert_eq!(st, 201);
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let (_, start) = s.get("/v1/ledger/checkpoint").await;
    let first_leaf = start["tree_size"].as_u64().unwrap_or(0);

    // Unregistered models are refused by default.
    let (st, problem) = decide(&s, &sid, "ghost", "1").await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("model")), "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("not registered"), "{problem}");

    // The AI system sends decisions under a lapsed approval to review.
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Credit offers", "description": "Pre-approved card offers", "business_owner": "Head of cards",
                   "purposes": [OFFERS], "models": ["credit"], "customer_facing": true, "risk_tier": "limited", "on_expiry": "review"}),
        )
        .await;
    assert_eq!((st, system["required_roles"].clone(), system["approval_months"].as_u64()), (201, json!(["compliance", "legal"]), Some(12)));
    let (st, problem) =
        s.post("/v1/ai-systems", json!({"name": "x", "description": "x", "business_owner": "x", "on_expiry": "panic"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("on_expiry")));
    for roles in [json!(["legal"]), json!(["legal", "legal"]), json!(["legal", "model_owner"])] {
        let (st, problem) =
            s.post("/v1/ai-systems", json!({"name": "y", "description": "y", "business_owner": "y", "required_roles": roles})).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some("required_roles")), "{roles}: {problem}");
    }

    // The people: the owner (who is also a lawyer), two signers, one who holds both roles.
    let owner = s.person("owner@example.com", &[Role::ModelOwner, Role::Legal], &RW).await;
    let legal = s.person("legal@example.com", &[Role::Legal], &RW).await;
    let compliance = s.person("compliance@example.com", &[Role::Compliance], &RW).await;
    let both = s.person("both@example.com", &[Role::Legal, Role::Compliance], &RW).await;

    let v1 = register(&s, "1", "owner@example.com", false).await;
    let v1_id = v1["model_id"].as_str().expect("id").to_owned();
    assert_eq!((v1["state"].as_str(), v1["owner_id"].is_string()), (Some("draft"), true), "{v1}");

    // A draft does not decide, and the gate gives it nothing.
    let (st, problem) = decide(&s, &sid, "credit", "1").await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("model_version")), "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("`credit` version `1`") && detail.contains("draft"), "{problem}");
    let (st, check) = s
        .post(
            "/v1/gate/check",
            json!({"subject_id": sid, "purpose": OFFERS, "data_categories": ["user.financial"], "model": "credit", "model_version": "1"}),
        )
        .await;
    assert_eq!(
        (st, check["decision"].as_str(), check["reasons"][0]["code"].as_str()),
        (200, Some("deny"), Some("model_not_approved")),
        "{check}"
    );
    assert_eq!(check["released"], json!({}));
    let (st, problem) = s.post("/v1/gate/check", json!({"subject_id": sid, "purpose": OFFERS, "model": "credit"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("model_version")));

    // Asking: a person with the right to ask, once.
    let ask = json!({"model_id": v1_id, "comment": "Validated on the 2026 hold-out."});
    let (st, problem) = s.post("/v1/approvals", ask.clone()).await;
    assert_eq!(st, 403, "a system key is not a person: {problem}");
    assert_eq!(s.call(Method::POST, "/v1/approvals", Some(&legal), Some(ask.clone())).await.0, 403, "legal does not ask");
    let (st, problem) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(json!({"model_id": "nope"}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("model_id")));
    let other = s.person("other-owner@example.com", &[Role::ModelOwner], &RW).await;
    assert_eq!(s.call(Method::POST, "/v1/approvals", Some(&other), Some(ask.clone())).await.0, 403, "only its owner asks");
    let (st, request) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask.clone())).await;
    assert_eq!(st, 201, "{request}");
    let (st, _) =
        s.call(Method::PATCH, &format!("/v1/models/{v1_id}"), Some(&s.admin_key), Some(json!({"owner": "legal@example.com"}))).await;
    assert_eq!(st, 409, "the owner of a version in review is fixed");
    assert_eq!((request["status"].as_str(), request["missing_roles"].clone()), (Some("open"), json!(["compliance", "legal"])));
    assert_eq!(leaf_event(&s, &request).await["event"], "approval.requested");
    let approval = request["approval_id"].as_str().expect("id").to_owned();
    assert_eq!(s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask)).await.0, 409, "one open request per version");
    let (_, m) = s.call(Method::GET, &format!("/v1/models/{v1_id}"), Some(&owner), None).await;
    assert_eq!(m["state"], "in_review");
    assert_eq!(decide(&s, &sid, "credit", "1").await.0, 422, "in review without shadow mode: refused");
    // Bad card changes while in review are refused and change nothing.
    let (st, _) =
        s.call(Method::PATCH, &format!("/v1/models/{v1_id}"), Some(&s.admin_key), Some(json!({"intended_use": "anything"}))).await;
    assert_eq!(st, 409);

    // Two different people sign; not the owner, not twice, not a role they lack or one signed.
    let (st, problem) = sign(&s, &owner, &approval, "approve", "legal", "Fine by me.").await;
    assert_eq!(st, 403, "the owner cannot sign: {problem}");
    let (st, problem) = sign(&s, &legal, &approval, "approve", "compliance", "Fine.").await;
    assert_eq!((st, problem["field"].as_str()), (403, Some("role")), "a role they do not hold: {problem}");
    let (st, problem) = sign(&s, &legal, &approval, "approve", "legal", "  ").await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("comment")), "a comment is required: {problem}");
    let (st, problem) = sign(&s, &legal, &approval, "approve", "security", "x").await;
    assert_eq!(st, 403, "{problem}");
    let (st, signed) = sign(&s, &legal, &approval, "approve", "legal", "Purpose and notice cover it.").await;
    assert_eq!((st, signed["missing_roles"].clone()), (200, json!(["compliance"])), "{signed}");
    let event = leaf_event(&s, &signed).await;
    assert_eq!(
        (event["event"].as_str(), event["role"].as_str(), event["verdict"].as_str()),
        (Some("approval.signed_off"), Some("legal"), Some("approve"))
    );
    assert!(!event.to_string().contains("Purpose and notice"), "the ledger holds a hash of the comment, not the text");
    let (st, problem) = sign(&s, &legal, &approval, "request_changes", "legal", "Again.").await;
    assert_eq!(st, 409, "the same person twice: {problem}");
    let (st, problem) = sign(&s, &both, &approval, "approve", "legal", "Me too.").await;
    assert_eq!(st, 409, "legal signed already: {problem}");
    assert_eq!(decide(&s, &sid, "credit", "1").await.0, 422, "one of two sign-offs is not enough");
    let (st, commented) = s
        .call(Method::POST, &format!("/v1/approvals/{approval}/comments"), Some(&compliance), Some(json!({"body": "Reading the report."})))
        .await;
    assert_eq!(st, 200, "{commented}");
    assert_eq!(leaf_event(&s, &commented).await["event"], "approval.commented");
    let (st, approved) = sign(&s, &compliance, &approval, "approve", "compliance", "Evidence is complete.").await;
    assert_eq!((st, approved["status"].as_str()), (200, Some("approved")), "{approved}");
    let expires = approved["expires_at"].as_str().expect("expires");
    assert!(expires > "2027", "twelve months: {expires}");
    let (st, problem) = sign(&s, &both, &approval, "reject", "legal", "Late.").await;
    assert_eq!(st, 409, "a decided request takes no more sign-offs: {problem}");
    let (_, m) = s.call(Method::GET, &format!("/v1/models/{v1_id}"), Some(&owner), None).await;
    assert_eq!((m["state"].as_str(), m["approval_source"].as_str()), (Some("approved"), Some("sign_off")), "{m}");

    // Approved: it decides, and the gate gives it data.
    let (st, d) = decide(&s, &sid, "credit", "1").await;
    assert_eq!((st, d["status"].as_str()), (201, Some("final")), "{d}");
    let final_id = d["decision_id"].as_str().expect("id").to_owned();
    let (_, check) = s.post("/v1/gate/check", json!({"subject_id": sid, "purpose": OFFERS, "model": "credit", "model_version": "1"})).await;
    assert_eq!(check["decision"], "allow", "{check}");

    // The thread and the model card.
    let (st, read) = s.call(Method::GET, &format!("/v1/approvals/{approval}"), Some(&compliance), None).await;
    assert_eq!(st, 200);
    let kinds: Vec<&str> = read["entries"].as_array().expect("entries").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["comment", "approve", "comment", "approve"], "{read}");
    let (st, listed) = s.call(Method::GET, "/v1/approvals?status=approved", Some(&compliance), None).await;
    assert_eq!((st, listed.as_array().map(Vec::len)), (200, Some(1)));
    assert_eq!(s.call(Method::GET, "/v1/approvals?status=maybe", Some(&compliance), None).await.0, 400);
    assert_eq!(s.call(Method::GET, "/v1/approvals", Some(&s.key(&["models:read"]).await), None).await.0, 403);
    let card = s.client.get(format!("{}/v1/models/{v1_id}/card", s.base_url)).bearer_auth(&owner).send().await.expect("card");
    assert!(card.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/markdown"));
    let md = card.text().await.expect("text");
    assert!(
        md.contains("# Model card: credit 1") && md.contains("Pre-approves credit-card offers.") && md.contains("signed off as legal"),
        "{md}"
    );
    let plain = s.key(&["models:read"]).await;
    let md = s.client.get(format!("{}/v1/models/{v1_id}/card", s.base_url)).bearer_auth(&plain).send().await.expect("card");
    let md = md.text().await.expect("text");
    assert!(md.contains("Request of") && !md.contains("Purpose and notice"), "no thread without approvals:read: {md}");
    let html = s.client.get(format!("{}/v1/models/{v1_id}/card?format=html", s.base_url)).bearer_auth(&owner).send().await.expect("card");
    let html = html.text().await.expect("text");
    assert!(html.contains("<h1>Model card: credit 1</h1>") && html.contains("Not for credit limits."), "{html}");

    // Shadow mode: an in-review version's decisions are stored as `shadow`, never acted on.
    let v2 = register(&s, "2", "owner@example.com", true).await;
    let v2_id = v2["model_id"].as_str().expect("id").to_owned();
    assert_eq!(decide(&s, &sid, "credit", "2").await.0, 422, "a draft in shadow mode is still refused");
    let (st, request2) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(json!({"model_id": v2_id}))).await;
    assert_eq!(st, 201, "{request2}");
    let (st, shadow) = decide(&s, &sid, "credit", "2").await;
    assert_eq!((st, shadow["status"].as_str(), shadow.get("review")), (201, Some("shadow"), None), "{shadow}");
    let shadow_id = shadow["decision_id"].as_str().expect("id").to_owned();
    let views = s.service.decisions().of_subject(&sid).await.expect("decisions");
    assert!(views.iter().any(|v| v.decision.decision_id.to_string() == shadow_id), "stored");
    // The customer sees the final decision, never the shadow one.
    let (st, link) = s.post("/v1/privacy-center/links", json!({"external_id": "c-1"})).await;
    assert_eq!(st, 201, "{link}");
    let mut b = Browser::new(&s);
    let resp = b.client.get(format!("{}{}", s.base_url, link["path"].as_str().expect("path"))).send().await.expect("login");
    let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    b.cookie = Some(set.split(';').next().unwrap_or("").to_owned());
    let (st, page, _) = b.get("/privacy/decisions").await;
    assert!(st == 200 && page.contains(&final_id) && !page.contains(&shadow_id), "{page}");

    // Rejection: the version is refused from then on.
    let (st, rejected) =
        sign(&s, &both, request2["approval_id"].as_str().expect("id"), "reject", "compliance", "Fails the flip test.").await;
    assert_eq!((st, rejected["status"].as_str()), (200, Some("rejected")), "{rejected}");
    let (st, problem) = decide(&s, &sid, "credit", "2").await;
    assert!(st == 422 && problem["detail"].as_str().unwrap_or_default().contains("rejected"), "{problem}");

    // A lapsed approval does what the AI system says: here, every decision goes to review.
    s.db.execute(&format!(
        "UPDATE models SET ai_system_id = '{}' WHERE model_id = '{v1_id}'",
        system["ai_system_id"].as_str().expect("id")
    ))
    .await;
    s.db.execute(&format!("UPDATE models SET approval_expires_at = '2026-01-01T00:00:00.000000Z' WHERE model_id = '{v1_id}'")).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, d) = decide(&s, &sid, "credit", "1").await;
    assert_eq!((st, d["status"].as_str()), (201, Some("pending_review")), "{d}");
    assert_eq!(d["review"]["reasons"][0]["code"], "approval_expired", "{d}");
    assert_eq!(s.service.approvals().sweep().await.expect("sweep"), 1);
    assert_eq!(s.service.approvals().sweep().await.expect("sweep"), 0, "one alert while it holds");
    let (_, alerts) = s.get("/v1/alerts?source=approvals").await;
    assert_eq!(alerts[0]["kind"], "approval_expired", "{alerts}");
    // Refuse instead: no decision.
    let (st, _) = s
        .call(
            Method::PATCH,
            &format!("/v1/ai-systems/{}", system["ai_system_id"].as_str().expect("id")),
            Some(&s.admin_key),
            Some(json!({"on_expiry": "refuse"})),
        )
        .await;
    assert_eq!(st, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, problem) = decide(&s, &sid, "credit", "1").await;
    assert!(st == 422 && problem["detail"].as_str().unwrap_or_default().contains("lapsed"), "{problem}");
    // Asking again while approved keeps the version approved; a new sign-off renews it.
    let (st, again) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(json!({"model_id": v1_id}))).await;
    assert_eq!(st, 201, "{again}");
    let again_id = again["approval_id"].as_str().expect("id").to_owned();
    let (st, _) =
        s.call(Method::PATCH, &format!("/v1/models/{v1_id}"), Some(&s.admin_key), Some(json!({"owner": "legal@example.com"}))).await;
    assert_eq!(st, 409, "no owner change while a request is open, approved or not");
    sign(&s, &legal, &again_id, "approve", "legal", "Still fine.").await;
    let (st, renewed) = sign(&s, &compliance, &again_id, "approve", "compliance", "Revalidated.").await;
    assert_eq!((st, renewed["status"].as_str()), (200, Some("approved")), "{renewed}");
    let (_, alerts) = s.get("/v1/alerts?source=approvals&state=firing").await;
    assert_eq!(alerts.as_array().map(Vec::len), Some(0), "renewal resolves the expiry alert: {alerts}");
    let (st, d) = decide(&s, &sid, "credit", "1").await;
    assert_eq!((st, d["status"].as_str()), (201, Some("final")), "{d}");

    // One person sending both sign-offs at once: one lands, the other is refused, and the
    // request still waits for a second person.
    let v3 = register(&s, "3", "owner@example.com", false).await;
    let (st, request3) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(json!({"model_id": v3["model_id"]}))).await;
    assert_eq!(st, 201, "{request3}");
    let id3 = request3["approval_id"].as_str().expect("id").to_owned();
    let (a, b) = tokio::join!(sign(&s, &both, &id3, "approve", "legal", "Fine."), sign(&s, &both, &id3, "approve", "compliance", "Fine."));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let (_, read3) = s.call(Method::GET, &format!("/v1/approvals/{id3}"), Some(&owner), None).await;
    assert_eq!((read3["status"].as_str(), read3["missing_roles"].as_array().map(Vec::len)), (Some("open"), Some(1)), "{read3}");

    // Retired: refused.
    let (st, problem) = s.call(Method::POST, &format!("/v1/models/{v1_id}/retire"), Some(&s.admin_key), Some(json!({"reason": ""}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("reason")));
    let (st, retired) = s
        .call(Method::POST, &format!("/v1/models/{v1_id}/retire"), Some(&s.admin_key), Some(json!({"reason": "Replaced by version 3."})))
        .await;
    assert_eq!((st, retired["state"].as_str()), (200, Some("retired")), "{retired}");
    let (st, problem) = decide(&s, &sid, "credit", "1").await;
    assert!(st == 422 && problem["detail"].as_str().unwrap_or_default().contains("retired"), "{problem}");

    // Every step is in the ledger.
    let events: Vec<String> = leaves_since(&s, first_leaf).await.iter().filter_map(|l| l["event"].as_str().map(str::to_owned)).collect();
    for wanted in [
        "model.registered",
        "approval.requested",
        "model.state_changed",
        "approval.signed_off",
        "approval.commented",
        "approval.decided",
        "alert.fired",
    ] {
        assert!(events.iter().any(|e| e == wanted), "{wanted} in {events:?}");
    }
    let transitions: Vec<Value> = leaves_since(&s, first_leaf)
        .await
        .into_iter()
        .filter(|l| l["event"] == "model.state_changed" && l["model_id"] == v1_id.as_str())
        .map(|l| json!([l["from"], l["to"]]))
        .collect();
    assert_eq!(
        transitions,
        [json!(["draft", "in_review"]), json!(["in_review", "approved"]), json!(["approved", "approved"]), json!(["approved", "retired"])]
    );
}

backend_tests!(sign_off_gates_deployment);

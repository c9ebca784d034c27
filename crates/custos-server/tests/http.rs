//! HTTP stories against the real server on an ephemeral port, each on SQLite and PostgreSQL.

use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

mod support;
use support::*;

async fn authentication_and_scopes(backend: Backend) {
    let s = server(backend).await;
    let (st, body) = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!((st, body["status"].as_str()), (200, Some("ok")));
    let (st, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    for path in ["/v1/gate/check", "/v1/dsr/{dsr_id}/export", "/v1/subjects/{subject_id}/consents", "/v1/keys/{key_id}"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }

    let (st, body) = s.call(Method::GET, "/v1/purposes", None, None).await;
    assert_eq!(st, 401);
    assert_eq!(body["type"], "urn:custos:problem:unauthenticated");
    let (st, _) = s.call(Method::GET, "/v1/purposes", Some("custos_0000_nope"), None).await;
    assert_eq!(st, 401);

    let gate_only = s.key(&["gate"]).await;
    let (st, _) = s.call(Method::GET, "/v1/purposes", Some(&gate_only), None).await;
    assert_eq!(st, 200, "purposes are readable with any key");
    let (st, body) = s.call(Method::POST, "/v1/purposes", Some(&gate_only), Some(json!({}))).await;
    assert_eq!(st, 403);
    assert_eq!(body["type"], "urn:custos:problem:forbidden");
    let (st, _) = s.call(Method::GET, "/v1/subjects", Some(&gate_only), None).await;
    assert_eq!(st, 403);
    let (st, _) = s.call(Method::GET, "/v1/keys", Some(&gate_only), None).await;
    assert_eq!(st, 403);

    // Keys via the API: create, use, revoke; revocation takes effect at once.
    let (st, created) = s.post("/v1/keys", json!({"scopes": ["subjects:read"], "label": "crm"})).await;
    assert_eq!(st, 201, "{created}");
    let key = created["key"].as_str().expect("key shown once").to_owned();
    let (st, _) = s.call(Method::GET, "/v1/subjects", Some(&key), None).await;
    assert_eq!(st, 200);
    let (_, list) = s.get("/v1/keys").await;
    assert!(list.as_array().expect("list").iter().all(|k| k.get("key").is_none()), "secrets are never listed");
    let id = created["key_id"].as_str().expect("id");
    let (st, _) = s.call(Method::DELETE, &format!("/v1/keys/{id}"), Some(&s.admin_key), None).await;
    assert_eq!(st, 200);
    let (st, _) = s.call(Method::GET, "/v1/subjects", Some(&key), None).await;
    assert_eq!(st, 401);
    let (st, body) = s.post("/v1/keys", json!({"scopes": ["root"]})).await;
    assert_eq!((st, body["field"].as_str()), (400, Some("scopes")));
}

async fn bad_input_is_a_problem_and_changes_nothing(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, false).await;
    let sid = subject(&s, "cust-1", "DE").await;

    let send_raw = |body: &'static str, ctype: &'static str| {
        let s = &s;
        async move {
            let resp = s
                .client
                .post(format!("{}/v1/subjects", s.base_url))
                .bearer_auth(&s.admin_key)
                .header("content-type", ctype)
                .body(body)
                .send()
                .await
                .expect("send");
            let status = resp.status().as_u16();
            let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            (status, ctype, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, ctype, body) = send_raw("{\"external_id\": ", "application/json").await;
    assert_eq!((st, ctype.as_str()), (400, "application/problem+json"));
    assert_eq!(body["type"], "urn:custos:problem:invalid-request");
    let (st, _, _) = send_raw("{}", "text/plain").await;
    assert_eq!(st, 415);

    let cases = [
        (json!({"external_id": "x", "jurisdiction": "DE", "nickname": "y"}), "nickname"),
        (json!({"external_id": 7, "jurisdiction": "DE"}), "external_id"),
        (json!({"external_id": "x", "jurisdiction": "Germany"}), "jurisdiction"),
        (json!({"external_id": "x", "jurisdiction": "DE", "data": {"user.contact.mail": "a"}}), "data.user.contact.mail"),
        (json!({"jurisdiction": "DE"}), "external_id"),
    ];
    for (body, field) in cases {
        let (st, problem) = s.post("/v1/subjects", body).await;
        assert_eq!(st, 400, "{problem}");
        assert_eq!(problem["field"].as_str(), Some(field), "{problem}");
        assert_eq!(problem["status"], 400);
    }
    let (st, problem) = s.post("/v1/subjects", json!({"external_id": "cust-1", "jurisdiction": "DE"})).await;
    assert_eq!(st, 409, "duplicate external id: {problem}");

    // The server answers 413 without reading the rest and closes that connection: use a
    // client of its own so the shared one's pooled connection is not the one closed.
    let big = "x".repeat(2 * 1024 * 1024);
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/subjects", s.base_url))
        .bearer_auth(&s.admin_key)
        .json(&json!({"external_id": "big", "jurisdiction": "DE", "data": {"user.name": big}}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 413);
    let problem: Value = resp.json().await.expect("problem");
    assert_eq!(problem["type"], "urn:custos:problem:payload-too-large");

    let (st, problem) = s.get("/v1/subjects/not-a-uuid").await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("subject_id")));
    let (st, _) = s.get(&format!("/v1/subjects/{}", uuid_like())).await;
    assert_eq!(st, 404);
    let (st, problem) = s
        .post(
            "/v1/consents",
            json!({"subject_id": uuid_like(), "purpose": ADS, "status": "granted", "method": "api", "notice_version": "2026-11"}),
        )
        .await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("subject_id")));
    let (st, problem) = s
        .post("/v1/consents", json!({"subject_id": sid, "purpose": ADS, "status": "granted", "method": "api", "notice_version": "1999-01"}))
        .await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("notice_version")), "{problem}");
    let (st, problem) = s
        .post(
            "/v1/consents",
            json!({"subject_id": sid, "purpose": "marketing.unknown", "status": "granted", "method": "api", "notice_version": "2026-11"}),
        )
        .await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("purpose")));
    let (st, problem) = s
        .post("/v1/consents", json!({"subject_id": sid, "purpose": ADS, "status": "maybe", "method": "api", "notice_version": "2026-11"}))
        .await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("status")));
    let (st, problem) = s
        .post(
            "/v1/purposes",
            json!({"key": ADS, "name": "again", "legal_basis": "consent", "data_categories": ["user"], "retention_days": 1}),
        )
        .await;
    assert_eq!(st, 409, "{problem}");
    let (st, problem) = s
        .post("/v1/purposes", json!({"key": "p.q", "name": "n", "legal_basis": "vibes", "data_categories": ["user"], "retention_days": 1}))
        .await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("legal_basis")));
    let (st, problem) = s.post("/v1/dsr", json!({"subject_id": sid, "type": "forget"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("type")));
    let (st, _) = s.call(Method::GET, "/v1/nothing-here", Some(&s.admin_key.clone()), None).await;
    assert_eq!(st, 404);

    // Nothing of the failed requests was written.
    let (_, page) = s.get("/v1/subjects").await;
    assert_eq!(page["subjects"].as_array().map(Vec::len), Some(1));
    let (_, consents) = s.get(&format!("/v1/subjects/{sid}/consents")).await;
    assert_eq!(consents["history"].as_array().map(Vec::len), Some(0));
    let (_, purposes) = s.get("/v1/purposes").await;
    assert_eq!(purposes.as_array().map(Vec::len), Some(1));
}

fn uuid_like() -> String {
    "01a202f5-0000-7000-8000-000000000000".to_owned()
}

async fn consent_gate_and_release(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, true, false).await;
    let eu = subject(&s, "eu-1", "DE").await;

    // Opt-in jurisdiction: no consent, no use.
    let d = check(&s, &eu, false).await;
    assert_eq!(d["decision"], "deny");
    assert_eq!(codes(&d), ["consent_missing"]);
    assert!(d["released"].as_object().expect("map").is_empty());
    assert!(d["check_id"].as_str().is_some(), "denies are persisted too");

    let (st, ev) = consent(&s, &eu, "granted").await;
    assert_eq!(st, 201, "{ev}");
    assert_eq!(ev["notice_version"], "2026-11");
    assert_eq!(ev["notice_text_sha256"].as_str().map(str::len), Some(64));
    let d = check(&s, &eu, false).await;
    assert_eq!(d["decision"], "allow", "{d}");
    // Released: requested and allowed; never the audit-only gender, never the unallowed name.
    assert_eq!(d["released"], json!({"user.contact.email": "eu-1@example.org", "user.demographic.age_range": "25-34"}));
    assert!(codes(&d).contains(&"category_audit_only".to_owned()));
    assert!(codes(&d).contains(&"category_not_allowed".to_owned()));
    // GPC has no effect on an explicit grant in an opt-in jurisdiction.
    assert_eq!(check(&s, &eu, true).await["decision"], "allow");

    let (st, _) = consent(&s, &eu, "withdrawn").await;
    assert_eq!(st, 201);
    let d = check(&s, &eu, false).await;
    assert_eq!((d["decision"].as_str(), codes(&d)), (Some("deny"), vec!["consent_withdrawn".to_owned()]));

    // A backdated event does not override a newer one, but is kept in the history.
    let (st, _) = s
        .post("/v1/consents", json!({"subject_id": eu, "purpose": ADS, "status": "granted", "method": "api", "notice_version": "2026-11", "captured_at": "2020-01-01T00:00:00Z"}))
        .await;
    assert_eq!(st, 201);
    assert_eq!(check(&s, &eu, false).await["decision"], "deny");
    let (_, consents) = s.get(&format!("/v1/subjects/{eu}/consents")).await;
    assert_eq!(consents["history"].as_array().map(Vec::len), Some(3));
    assert_eq!(consents["current"][0]["status"], "withdrawn");
    assert_eq!(consents["history"][0]["captured_at"], "2020-01-01T00:00:00.000000Z");

    // Opt-out jurisdiction: allowed until the subject opts out; GPC opts out of sale/sharing.
    let ca = subject(&s, "ca-1", "US-CA").await;
    let d = check(&s, &ca, false).await;
    assert_eq!(d["decision"], "allow", "{d}");
    assert_eq!(codes(&d)[0], "opt_out_not_exercised");
    let d = check(&s, &ca, true).await;
    assert_eq!((d["decision"].as_str(), codes(&d)), (Some("deny"), vec!["gpc_opt_out".to_owned()]));
    // A GPC header on a consent request is stored: later checks without the header deny too.
    let resp = s
        .client
        .post(format!("{}/v1/consents", s.base_url))
        .bearer_auth(&s.admin_key)
        .header("Sec-GPC", "1")
        .json(&json!({"subject_id": ca, "purpose": ADS, "status": "granted", "method": "api", "notice_version": "2026-11"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.json::<Value>().await.expect("json")["gpc"], true);
    assert_eq!(check(&s, &ca, false).await["decision"], "deny");
    let (_, subj) = s.get(&format!("/v1/subjects/{ca}")).await;
    assert_eq!(subj["gpc"], true);
    assert_eq!(subj["data"]["user.contact.email"], "ca-1@example.org", "subjects:read sees decrypted data");

    // Unknown purpose: a deny, not an error.
    let (st, d) = s.post("/v1/gate/check", json!({"subject_id": ca, "purpose": "marketing.nope", "data_categories": []})).await;
    assert_eq!((st, codes(&d)), (200, vec!["purpose_unknown".to_owned()]));
    let (st, _) = s.post("/v1/gate/check", json!({"subject_id": uuid_like(), "purpose": ADS})).await;
    assert_eq!(st, 404);
}

async fn pseudonymized_release(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, true).await;
    let a = subject(&s, "p-1", "GB").await;
    consent(&s, &a, "granted").await;
    let d1 = check(&s, &a, false).await;
    let token = d1["released"]["user.contact.email"].as_str().expect("token").to_owned();
    assert!(token.starts_with("tok_") && !token.contains("p-1"), "{token}");
    assert_eq!(check(&s, &a, false).await["released"]["user.contact.email"], token.as_str(), "tokens are stable");
}

async fn decisions_and_outcomes(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, false).await;
    let a = subject(&s, "d-1", "FR").await;
    let denied = check(&s, &a, false).await;
    let (st, problem) = s
        .post("/v1/decisions", json!({"subject_id": a, "purpose": ADS, "check_id": denied["check_id"], "model": "offer-ranker", "model_version": "3", "outcome": "approved"}))
        .await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("check_id")), "a denied check cannot back a decision");
    consent(&s, &a, "granted").await;
    let allowed = check(&s, &a, false).await;
    let (st, d) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": a, "purpose": ADS, "check_id": allowed["check_id"], "model": "offer-ranker", "model_version": "3",
               "outcome": "approved", "score": 0.82, "features": {"days_since_purchase": 12, "segment": "b", "income": null}}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    let id = d["decision_id"].as_str().expect("id");
    let (st, o) = s.post(&format!("/v1/decisions/{id}/outcome"), json!({"actual": "converted"})).await;
    assert_eq!((st, o["actual"].as_str()), (200, Some("converted")));
    let (_, list) = s.get(&format!("/v1/subjects/{a}/decisions")).await;
    assert_eq!(list[0]["features"]["segment"], "b");
    assert_eq!(list[0]["score"], 0.82);
    let (st, _) = s.post(&format!("/v1/decisions/{}/outcome", uuid_like()), json!({"actual": "x"})).await;
    assert_eq!(st, 404);
}

async fn erasure_crypto_shreds(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, false).await;
    let a = subject(&s, "erase-me", "DE").await;
    consent(&s, &a, "granted").await;
    let allowed = check(&s, &a, false).await;
    s.post("/v1/decisions", json!({"subject_id": a, "purpose": ADS, "check_id": allowed["check_id"], "model": "m", "model_version": "1", "outcome": "approved", "features": {"income": 52000}}))
        .await;

    let (st, dsr) = s.post("/v1/dsr", json!({"subject_id": a, "type": "erasure"})).await;
    assert_eq!(st, 201, "{dsr}");
    assert_eq!(dsr["status"], "pending_verification");
    let id = dsr["dsr_id"].as_str().expect("id").to_owned();
    let (st, problem) = s.post(&format!("/v1/dsr/{id}/complete"), json!({})).await;
    assert_eq!(st, 409, "completion needs verification first: {problem}");
    let (st, v) = s.post(&format!("/v1/dsr/{id}/verify"), json!({"method": "email_link"})).await;
    assert_eq!((st, v["status"].as_str(), v["verification_method"].as_str()), (200, Some("verified"), Some("email_link")));
    assert!(v["verified_by"].as_str().is_some_and(|b| b.starts_with("api_key:")));
    let (st, done) = s.post(&format!("/v1/dsr/{id}/complete"), json!({})).await;
    assert_eq!((st, done["status"].as_str()), (200, Some("completed")), "{done}");

    // What the store keeps afterwards (no key, no ciphertexts, no key that opens an old copy)
    // is checked inside the service: custos-service's tests/erasure.rs.
    let (_, subj) = s.get(&format!("/v1/subjects/{a}")).await;
    assert_eq!(subj["external_id"], Value::Null);
    assert_eq!(subj["data"], json!({}));
    assert!(subj["erased_at"].as_str().is_some());
    let (st, _) = s.get("/v1/subjects?external_id=erase-me").await;
    assert_eq!(st, 404, "the external id no longer finds anyone");
    let d = check(&s, &a, false).await;
    assert_eq!(codes(&d), ["subject_erased"]);
    let (_, decisions) = s.get(&format!("/v1/subjects/{a}/decisions")).await;
    assert_eq!(decisions[0]["features"], Value::Null, "decision features are shredded");

    // An access request filed before erasure now exports nothing personal.
    let (st, problem) = s.post("/v1/dsr", json!({"subject_id": a, "type": "access"})).await;
    assert_eq!(st, 422, "no new requests for an erased subject: {problem}");
}

async fn access_export_and_deadlines(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, false).await;
    let a = subject(&s, "acc-1", "FR").await;
    consent(&s, &a, "granted").await;
    check(&s, &a, false).await;
    let (_, dsr) = s.post("/v1/dsr", json!({"subject_id": a, "type": "access"})).await;
    let id = dsr["dsr_id"].as_str().expect("id").to_owned();
    let received = custos_core::parse_timestamp(dsr["received_at"].as_str().expect("t")).expect("ts");
    let due = custos_core::parse_timestamp(dsr["due_at"].as_str().expect("t")).expect("ts");
    assert_eq!(due, received.checked_add_months(chrono_months(1)).expect("date"), "GDPR: one month");
    let (st, _) = s.get(&format!("/v1/dsr/{id}/export")).await;
    assert_eq!(st, 409, "no export before verification");
    s.post(&format!("/v1/dsr/{id}/verify"), json!({"method": "account_login"})).await;
    let (st, export) = s.get(&format!("/v1/dsr/{id}/export")).await;
    assert_eq!(st, 200, "{export}");
    assert_eq!(export["data"]["user.contact.email"], "acc-1@example.org");
    assert_eq!(export["subject"]["external_id"], "acc-1");
    assert_eq!(export["consents"]["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(export["checks"].as_array().map(Vec::len), Some(1));
    assert_eq!(export["requests"].as_array().map(Vec::len), Some(1));

    // Extension: once, by the jurisdiction's period (GDPR +2 months).
    let (st, ext) = s.post(&format!("/v1/dsr/{id}/extend"), json!({"reason": "complex request"})).await;
    assert_eq!((st, ext["status"].as_str()), (200, Some("extended")), "{ext}");
    let due2 = custos_core::parse_timestamp(ext["due_at"].as_str().expect("t")).expect("ts");
    assert_eq!(due2, due.checked_add_months(chrono_months(2)).expect("date"));
    let (st, _) = s.post(&format!("/v1/dsr/{id}/extend"), json!({"reason": "again"})).await;
    assert_eq!(st, 409, "only once");
    let (st, done) = s.post(&format!("/v1/dsr/{id}/complete"), json!({})).await;
    assert_eq!((st, done["status"].as_str()), (200, Some("completed")));

    // CCPA: 45 days, +45 once.
    let ca = subject(&s, "ca-2", "US-CA").await;
    let (_, dsr) = s.post("/v1/dsr", json!({"subject_id": ca, "type": "opt_out_sale_share"})).await;
    let r = custos_core::parse_timestamp(dsr["received_at"].as_str().expect("t")).expect("ts");
    let d = custos_core::parse_timestamp(dsr["due_at"].as_str().expect("t")).expect("ts");
    assert_eq!((d - r).num_days(), 45);
    let (_, rej) = s
        .post(&format!("/v1/dsr/{}/reject", dsr["dsr_id"].as_str().expect("id")), json!({"reason": "identity could not be verified"}))
        .await;
    assert_eq!(rej["status"], "rejected");
    let (st, _) = s.post(&format!("/v1/dsr/{}/verify", dsr["dsr_id"].as_str().expect("id")), json!({"method": "email_link"})).await;
    assert_eq!(st, 409, "a closed request stays closed");

    let (st, list) = s.get("/v1/dsr?overdue=true").await;
    assert_eq!((st, list.as_array().map(Vec::len)), (200, Some(0)), "nothing is overdue yet");
    let (_, all) = s.get(&format!("/v1/dsr?subject_id={a}")).await;
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    let (st, _) = s.get("/v1/dsr?overdue=maybe").await;
    assert_eq!(st, 400);
}

fn chrono_months(n: u32) -> chrono::Months {
    chrono::Months::new(n)
}

async fn gate(s: &TestServer, a: &str) -> Value {
    s.post(
        "/v1/gate/check",
        json!({"subject_id": a, "purpose": "marketing.communications.email", "data_categories": ["user.contact.email"]}),
    )
    .await
    .1
}

async fn carry_out(s: &TestServer, body: Value) {
    let (st, dsr) = s.post("/v1/dsr", body).await;
    assert_eq!(st, 201, "{dsr}");
    let id = dsr["dsr_id"].as_str().expect("id").to_owned();
    s.post(&format!("/v1/dsr/{id}/verify"), json!({"method": "email_link"})).await;
    let (st, done) = s.post(&format!("/v1/dsr/{id}/complete"), json!({})).await;
    assert_eq!(st, 200, "{done}");
}

async fn rights_take_effect_at_the_gate(backend: Backend) {
    let s = server(backend).await;
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"key": "marketing.communications.email", "name": "Newsletter", "legal_basis": "legitimate_interest",
                                     "data_categories": ["user.contact.email"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let a = subject(&s, "obj-1", "DE").await;
    assert_eq!(gate(&s, &a).await["decision"], "allow");
    carry_out(&s, json!({"subject_id": a, "type": "objection", "objection": "direct_marketing", "statement": "stop e-mailing me"})).await;
    let d = gate(&s, &a).await;
    assert_eq!(codes(&d), ["objection_direct_marketing"]);

    let b = subject(&s, "rect-1", "DE").await;
    carry_out(&s, json!({"subject_id": b, "type": "rectification", "data": {"user.contact.email": "new@example.org"}})).await;
    let (_, subj) = s.get(&format!("/v1/subjects/{b}")).await;
    assert_eq!(subj["data"]["user.contact.email"], "new@example.org");
    carry_out(&s, json!({"subject_id": b, "type": "restriction"})).await;
    assert_eq!(codes(&gate(&s, &b).await), ["processing_restricted"]);
    let (_, subj) = s.get(&format!("/v1/subjects/{b}")).await;
    assert_eq!(subj["restricted"], true);
}

async fn concurrent_writes_are_all_kept(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, false).await;
    let a = subject(&s, "many", "DE").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (client, url, key, a) = (s.client.clone(), s.base_url.clone(), s.admin_key.clone(), a.clone());
        tasks.push(tokio::spawn(async move {
            let status = if i % 2 == 0 { "granted" } else { "denied" };
            client
                .post(format!("{url}/v1/consents"))
                .bearer_auth(key)
                .json(&json!({"subject_id": a, "purpose": ADS, "status": status, "method": "api", "notice_version": "2026-11"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.expect("join").expect("send") == 201 {
            ok += 1;
        }
    }
    assert_eq!(ok, 40);
    let (_, consents) = s.get(&format!("/v1/subjects/{a}/consents")).await;
    assert_eq!(consents["history"].as_array().map(Vec::len), Some(40), "every acknowledged write is stored");
}

backend_tests!(
    authentication_and_scopes,
    bad_input_is_a_problem_and_changes_nothing,
    consent_gate_and_release,
    pseudonymized_release,
    decisions_and_outcomes,
    erasure_crypto_shreds,
    access_export_and_deadlines,
    rights_take_effect_at_the_gate,
    concurrent_writes_are_all_kept,
);

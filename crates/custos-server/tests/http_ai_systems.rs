//! The AI inventory over HTTP, on SQLite and PostgreSQL: recording AI systems, bad input named
//! and changing nothing, scopes, changes recorded in the ledger with what changed.

use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const OFFERS: &str = "marketing.advertising.first_party.targeted";

async fn inventory(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": OFFERS, "name": "Offers", "legal_basis": "legitimate_interest", "data_categories": ["user.behavior"],
                   "profiling": true, "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let good = json!({
        "name": "Next best offer", "description": "Chooses the offer a signed-in customer sees", "business_owner": "Head of CRM",
        "purposes": [OFFERS], "data_categories": ["user.behavior.purchase_history"], "models": ["nbo"],
        "customer_facing": true, "jurisdictions": ["DE", "US-CA"], "risk_tier": "limited"
    });

    // Bad input: a problem naming the field, and nothing stored.
    for (change, status, field) in [
        (json!({"name": null}), 400, "name"),
        (json!({"name": "  "}), 400, "name"),
        (json!({"business_owner": null}), 400, "business_owner"),
        (json!({"risk_tier": "severe"}), 400, "risk_tier"),
        (json!({"ai_act_role": "user"}), 400, "ai_act_role"),
        (json!({"jurisdictions": ["Germany"]}), 400, "jurisdictions"),
        (json!({"data_categories": ["user.nonsense!"]}), 400, "data_categories[0]"),
        (json!({"models": [""]}), 400, "models"),
        (json!({"direct_interaction": true, "customer_facing": false}), 400, "customer_facing"),
        (json!({"purposes": ["marketing.no_such_use"]}), 422, "purposes"),
        (json!({"colour": "red"}), 400, "colour"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (st, problem) = s.post("/v1/ai-systems", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.get("/v1/ai-systems").await.1, json!([]));

    // Scopes: reading needs ai-systems:read, writing ai-systems:write; no key, no answer.
    let reader = s.key(&["ai-systems:read"]).await;
    assert_eq!(s.call(Method::POST, "/v1/ai-systems", Some(&reader), Some(good.clone())).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/ai-systems", None, None).await.0, 401);
    let other = s.key(&["monitors:read"]).await;
    assert_eq!(s.call(Method::GET, "/v1/ai-systems", Some(&other), None).await.0, 403);

    let (st, created) = s.post("/v1/ai-systems", good.clone()).await;
    assert_eq!(st, 201, "{created}");
    let id = created["ai_system_id"].as_str().expect("id").to_owned();
    assert!(created["receipt"]["leaf_index"].is_u64(), "{created}");
    assert_eq!(
        (created["ai_act_role"].as_str(), created["risk_tier"].as_str(), created["jurisdictions"].clone()),
        (Some("deployer"), Some("limited"), json!(["DE", "US-CA"]))
    );
    // The name is unique.
    assert_eq!(s.post("/v1/ai-systems", good.clone()).await.0, 409);

    // A change: only the fields given; the ledger leaf names what changed.
    let path = format!("/v1/ai-systems/{id}");
    let (st, changed) =
        s.call(Method::PATCH, &path, Some(&s.admin_key), Some(json!({"risk_tier": "high", "direct_interaction": true}))).await;
    assert_eq!(st, 200, "{changed}");
    assert_eq!(
        (changed["risk_tier"].as_str(), changed["direct_interaction"].as_bool(), changed["name"].as_str()),
        (Some("high"), Some(true), Some("Next best offer"))
    );
    let leaf = changed["receipt"]["leaf_index"].as_u64().expect("receipt");
    let (st, entry) = s.get(&format!("/v1/ledger/entries/{leaf}")).await;
    assert_eq!(st, 200, "{entry}");
    let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
    let leaf: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(leaf["event"], "ai_system.updated", "{leaf}");
    assert_eq!(leaf["changed"], json!({"direct_interaction": true, "risk_tier": "high"}), "only what changed: {leaf}");
    // The same values again change nothing and record nothing.
    let (st, same) = s.call(Method::PATCH, &path, Some(&s.admin_key), Some(json!({"risk_tier": "high"}))).await;
    assert_eq!((st, same.get("receipt")), (200, None), "{same}");
    // A bad change is refused and leaves the record as it was.
    let (st, problem) = s.call(Method::PATCH, &path, Some(&s.admin_key), Some(json!({"customer_facing": false}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("customer_facing")), "{problem}");
    let (st, read) = s.call(Method::GET, &path, Some(&reader), None).await;
    assert_eq!((st, read["customer_facing"].as_bool(), read["risk_tier"].as_str()), (200, Some(true), Some("high")), "{read}");
    assert_eq!(s.call(Method::PATCH, &path, Some(&reader), Some(json!({"risk_tier": "minimal"}))).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/ai-systems/01a236da-e535-701c-a7f8-d9201e55519a", Some(&reader), None).await.0, 404);
    assert_eq!(s.call(Method::GET, "/v1/ai-systems/not-an-id", Some(&reader), None).await.0, 400);

    let (_, listed) = s.call(Method::GET, "/v1/ai-systems", Some(&reader), None).await;
    let listed: Vec<Value> = listed.as_array().expect("list").clone();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["models"], json!(["nbo"]));

    // The console: compliance reads the inventory in plain words; a reviewer does not.
    s.service
        .staff()
        .create_user("cora@example.com", &[custos_core::Role::Compliance], Some("a long compliance password".into()))
        .await
        .expect("user");
    let mut b = Browser::new(&s);
    b.login("cora@example.com", "a long compliance password").await;
    let (st, page, _) = b.get("/console/ai-systems").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Next best offer") && page.contains(">High<") && page.contains("Yes, customers talk to it"), "{page}");
    assert!(page.contains("href=\"/console/ai-systems\""), "in the menu: {page}");
    s.service
        .staff()
        .create_user("rita@example.com", &[custos_core::Role::Reviewer], Some("a long reviewer password".into()))
        .await
        .expect("user");
    let mut r = Browser::new(&s);
    r.login("rita@example.com", "a long reviewer password").await;
    assert_eq!(r.get("/console/ai-systems").await.0, 403);
}

/// The AI-interaction disclosure (AI Act Art. 50(1)): published per language by staff, served
/// to anyone in the visitor's language, every serve counted as evidence.
async fn disclosures(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Support chat", "description": "Answers customers' questions", "business_owner": "Head of service"}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    let id = system["ai_system_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/ai-systems/{id}/disclosures");
    let en = "You are chatting with an AI assistant. Ask for a person at any time.";
    // Only a customer-facing system has one to publish.
    let (st, problem) = s.post(&path, json!({"language": "en", "text": en})).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("ai_system_id")), "{problem}");
    let (st, _) = s
        .call(
            Method::PATCH,
            &format!("/v1/ai-systems/{id}"),
            Some(&s.admin_key),
            Some(json!({"customer_facing": true, "direct_interaction": true})),
        )
        .await;
    assert_eq!(st, 200);
    for (body, field) in [
        (json!({"language": "English", "text": en}), "language"),
        (json!({"language": "en", "text": "  "}), "text"),
        (json!({"language": "en", "text": "x".repeat(4001)}), "text"),
        (json!({"language": "en"}), "text"),
    ] {
        let (st, problem) = s.post(&path, body).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{problem}");
    }
    assert_eq!(s.get(&path).await.1, json!([]), "bad input changes nothing");
    let reader = s.key(&["ai-systems:read"]).await;
    let (st, _) = s.call(Method::POST, &path, Some(&reader), Some(json!({"language": "en", "text": en}))).await;
    assert_eq!(st, 403);
    let (st, first) = s.post(&path, json!({"language": "en", "text": "An AI answers here."})).await;
    assert_eq!((st, first["version"].as_i64()), (201, Some(1)), "{first}");
    assert!(first["receipt"]["leaf_index"].is_u64(), "a ledger event: {first}");
    let (_, second) = s.post(&path, json!({"language": "en", "text": en})).await;
    assert_eq!(second["version"], 2, "a new version: {second}");
    let de = "Sie chatten mit einem KI-Assistenten. Sie können jederzeit nach einem Menschen fragen.";
    assert_eq!(s.post(&path, json!({"language": "de", "text": de})).await.0, 201);

    // Anyone may read it, by name or id, in their language; the latest version.
    let base = s.base_url.clone();
    let public = async |path: String, language: Option<&'static str>| {
        let mut req = reqwest::Client::new().get(format!("{base}{path}"));
        if let Some(l) = language {
            req = req.header("accept-language", l);
        }
        let resp = req.send().await.expect("get");
        let status = resp.status().as_u16();
        let header = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let (lang, cors) = (header("content-language"), header("access-control-allow-origin"));
        (status, lang, cors, resp.json::<Value>().await.unwrap_or_default())
    };
    let (st, lang, cors, body) = public("/v1/disclosures/Support%20chat".into(), Some("de-AT,de;q=0.9,en;q=0.5")).await;
    assert_eq!((st, lang.as_str(), cors.as_str(), body["text"].as_str()), (200, "de", "*", Some(de)), "{body}");
    assert!(body.get("served_30d").is_none(), "no figures for the public: {body}");
    let (_, _, _, body) = public(format!("/v1/disclosures/{id}"), Some("fr, nl;q=0.5")).await;
    assert_eq!((body["language"].as_str(), body["text"].as_str(), body["version"].as_i64()), (Some("en"), Some(en), Some(2)), "{body}");
    let (_, _, _, body) = public(format!("/v1/disclosures/{id}?language=de"), None).await;
    assert_eq!(body["language"], "de");
    let (st, _, _, problem) = public("/v1/disclosures/No%20such%20system".into(), None).await;
    assert_eq!(st, 404, "{problem}");
    let (st, _, _, problem) = public(format!("/v1/disclosures/{id}?colour=red"), None).await;
    assert_eq!(st, 400, "{problem}");

    // Served 3 times (2 German, 1 English), stored as evidence.
    s.service.ai_systems().flush_disclosure_serves().await.expect("flush");
    let (_, list) = s.get(&path).await;
    let served = |l: &str| list.as_array().and_then(|a| a.iter().find(|d| d["language"] == l)).map(|d| d["served_30d"].clone());
    assert_eq!((served("de"), served("en")), (Some(json!(2)), Some(json!(1))), "{list}");
    s.stop().await;
}

backend_tests!(inventory, disclosures);

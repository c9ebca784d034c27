//! What the HTTP stories share: a server on a backend, a declared purpose with its notice, a
//! subject, a consent, a gate check. (Each test file uses some of it.)
#![allow(dead_code)]

use custos_testkit::{Backend, TestServer};
use serde_json::{Value, json};

pub const ADS: &str = "marketing.advertising.first_party.targeted";

pub async fn server(backend: Backend) -> TestServer {
    TestServer::start(backend).await.expect("backend configured")
}

/// Declares the targeted-offers purpose with a notice, and returns nothing.
pub async fn declare_ads(s: &TestServer, sale_or_share: bool, pseudonymize: bool) {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": ADS, "name": "Targeted offers", "legal_basis": "consent",
               "data_categories": ["user.contact.email", "user.demographic"],
               "sale_or_share": sale_or_share, "profiling": true, "pseudonymize": pseudonymize, "retention_days": 730}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, body) = s
        .post("/v1/notices", json!({"purpose": ADS, "version": "2026-11", "language": "en", "text": "We use your e-mail to send offers."}))
        .await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["text_sha256"].as_str().map(str::len), Some(64));
}

pub async fn subject(s: &TestServer, external_id: &str, jurisdiction: &str) -> String {
    let (st, body) = s
        .post(
            "/v1/subjects",
            json!({"external_id": external_id, "jurisdiction": jurisdiction,
               "data": {"user.contact.email": format!("{external_id}@example.org"), "user.demographic.age_range": "25-34",
                        "user.demographic.gender": "female", "user.name": "Ana Example"}}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    assert!(body.get("data").is_none(), "creation does not echo personal data");
    body["subject_id"].as_str().expect("subject_id").to_owned()
}

pub async fn consent(s: &TestServer, subject_id: &str, status: &str) -> (u16, Value) {
    s.post("/v1/consents", json!({"subject_id": subject_id, "purpose": ADS, "status": status, "method": "api", "notice_version": "2026-11", "source": "web-signup"}))
        .await
}

pub async fn check(s: &TestServer, subject_id: &str, gpc: bool) -> Value {
    let mut req = s.client.post(format!("{}/v1/gate/check", s.base_url)).bearer_auth(&s.admin_key);
    if gpc {
        req = req.header("Sec-GPC", "1");
    }
    let resp = req
        .json(
            &json!({"subject_id": subject_id, "purpose": ADS, "data_categories": ["user.contact.email", "user.demographic", "user.name"]}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

pub fn codes(v: &Value) -> Vec<String> {
    v["reasons"].as_array().expect("reasons").iter().map(|r| r["code"].as_str().unwrap_or_default().to_owned()).collect()
}

/// The alerts of `source` now firing, as (kind, about) pairs, sorted.
pub async fn firing(s: &TestServer, source: &str) -> Vec<(String, String)> {
    let (_, alerts) = s.get(&format!("/v1/alerts?source={source}&state=firing")).await;
    let mut out: Vec<(String, String)> = alerts
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| (a["kind"].as_str().unwrap_or_default().to_owned(), a["about"].as_str().unwrap_or_default().to_owned()))
        .collect();
    out.sort();
    out
}

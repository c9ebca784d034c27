//! The typed contract and the one vocabulary (issue 15): `/openapi.json` lists the values of
//! every closed set, answers use the words of 0.2, and the spellings of 0.1 are still read on
//! input for one release.

use custos_testkit::{Backend, TestServer, backend_tests};
use serde_json::{Value, json};

/// Fields that hold a closed set wherever they appear in a document.
const CLOSED: &[&str] = &["status", "type", "decision", "legal_basis", "code", "breach", "objection", "scopes"];

/// The values a property's schema allows (inline, nullable, or as array items).
fn values(schema: &Value) -> Option<Vec<String>> {
    let list = schema.get("enum").or_else(|| schema.get("items").and_then(|i| i.get("enum")))?;
    Some(list.as_array()?.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_the_values_of_every_status_and_type() {
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let (st, doc) = s.call(reqwest::Method::GET, "/openapi.json", None, None).await;
    assert_eq!(st, 200);
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut checked = 0;
    for (name, schema) in schemas {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            if !CLOSED.contains(&field.as_str()) || property.get("$ref").is_some() {
                continue;
            }
            // The health probe's `status` is one constant string; a problem document's `status`
            // is the HTTP status code and its `type` a URN (RFC 9457).
            if name == "Health" || name == "ApiError" {
                continue;
            }
            let listed = values(property).unwrap_or_else(|| panic!("{name}.{field} lists no values: {property}"));
            assert!(!listed.is_empty(), "{name}.{field}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "closed-set fields checked: {checked}");
    let dsr = &schemas["DsrView"]["properties"];
    let types = values(&dsr["type"]).expect("DSR types");
    assert!(types.contains(&"opt_out_of_sale_or_share".to_owned()) && !types.contains(&"opt_out_sale_share".to_owned()), "{types:?}");
    assert_eq!(values(&dsr["status"]).expect("states"), ["pending_verification", "verified", "extended", "completed", "rejected"]);
    let scopes = values(&schemas["ApiKeyView"]["properties"]["scopes"]).expect("scopes");
    assert!(scopes.contains(&"consents:write".to_owned()) && !scopes.contains(&"consent:write".to_owned()), "{scopes:?}");
    let codes = values(&schemas["ReasonView"]["properties"]["code"]).expect("reason codes");
    assert!(codes.contains(&"opted_out_of_sale_or_share".to_owned()), "{codes:?}");
    // Labels come with the values, for people reading the document.
    let described = dsr["status"]["description"].as_str().unwrap_or_default();
    assert!(described.contains("`pending_verification`: Waiting for verification"), "{described}");
    // The purpose is named `purpose` in the path too.
    assert!(doc["paths"].get("/v1/purposes/{purpose}").is_some());
    s.stop().await;
}

async fn old_spellings_are_read_and_new_ones_answered(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    // A purpose declared with `key`, a notice published with `language`.
    let (st, p) = s
        .post(
            "/v1/purposes",
            json!({"key": "marketing.sold", "name": "Partner offers", "legal_basis": "consent", "data_categories": ["user.contact.email"],
                   "sale_or_share": true, "retention_days": 30}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    assert!(p["purpose"] == "marketing.sold" && p.get("key").is_none(), "answers say `purpose`: {p}");
    let (st, n) = s.post("/v1/notices", json!({"purpose": "marketing.sold", "version": "v1", "language": "en", "text": "We share."})).await;
    assert_eq!(st, 201, "{n}");
    assert!(n["notice_language"] == "en" && n.get("language").is_none(), "{n}");
    let (_, subject) = s
        .post("/v1/subjects", json!({"external_id": "old-words", "jurisdiction": "US-CA", "data": {"user.contact.email": "o@example.org"}}))
        .await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();

    // A key asked for with scopes of 0.1 holds the scopes they became.
    let (st, key) = s.post("/v1/keys", json!({"scopes": ["consent:write", "dsr", "gate"], "label": "old client"})).await;
    assert_eq!(st, 201, "{key}");
    assert_eq!(key["scopes"], json!(["consents:write", "dsrs:read", "dsrs:write", "checks:write"]));
    let old_client = key["key"].as_str().expect("key").to_owned();
    let call = |path: &'static str, body: Value| {
        let (s, k) = (&s, old_client.clone());
        async move { s.call(reqwest::Method::POST, path, Some(&k), Some(body)).await }
    };

    // A consent with `language`, an opt-out request of type `opt_out_sale_share`.
    let (st, c) = call(
        "/v1/consents",
        json!({"subject_id": sid, "purpose": "marketing.sold", "status": "granted", "method": "api", "notice_version": "v1", "language": "en"}),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["notice_language"], "en");
    let (st, d) = call("/v1/dsr", json!({"subject_id": sid, "type": "opt_out_sale_share"})).await;
    assert_eq!(st, 201, "{d}");
    assert_eq!(d["type"], "opt_out_of_sale_or_share", "answers use the new spelling");
    let id = d["dsr_id"].as_str().expect("id").to_owned();
    let path = Box::leak(format!("/v1/dsr/{id}/verify").into_boxed_str());
    assert_eq!(call(path, json!({"method": "email_link"})).await.0, 200);
    let path = Box::leak(format!("/v1/dsr/{id}/complete").into_boxed_str());
    assert_eq!(call(path, json!({})).await.0, 200);
    let (_, subject) = s.get(&format!("/v1/subjects/{sid}")).await;
    assert_eq!(subject["opted_out_of_sale_or_share"], true, "{subject}");
    let (st, check) =
        call("/v1/gate/check", json!({"subject_id": sid, "purpose": "marketing.sold", "data_categories": ["user.contact.email"]})).await;
    assert_eq!(st, 200, "{check}");
    assert_eq!(check["reasons"][0]["code"], "opted_out_of_sale_or_share", "{check}");

    // Unknown words are refused with the field and the words that exist.
    let (st, problem) = s.post("/v1/dsr", json!({"subject_id": sid, "type": "forget-me"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("type")), "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("opt_out_of_sale_or_share"), "{problem}");
    s.stop().await;
}

backend_tests!(old_spellings_are_read_and_new_ones_answered);

//! Scope escalation: a key grants only scopes it holds itself, and never `all`; a staff admin
//! grants any scope but `all` from the console; only the host's CLI mints `all`.

use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::json;

async fn keys_grant_only_what_they_hold(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let admin = s.key(&["admin"]).await;
    let create = |key: String, scopes: Vec<&'static str>| {
        let s = &s;
        async move { s.call(Method::POST, "/v1/keys", Some(&key), Some(json!({"scopes": scopes, "label": "escalation"}))).await }
    };
    for scopes in [vec!["all"], vec!["pii:detokenize"], vec!["admin", "subjects:read"]] {
        let (status, problem) = create(admin.clone(), scopes.clone()).await;
        assert_eq!(status, 403, "{scopes:?}: {problem}");
        assert_eq!(problem["field"], "scopes", "{problem}");
    }
    let (status, body) = create(admin.clone(), vec!["admin"]).await;
    assert_eq!(status, 201, "a key may grant what it holds: {body}");

    // An `all` key holds every scope but still cannot mint another `all` key.
    let (status, problem) = create(s.admin_key.clone(), vec!["all"]).await;
    assert_eq!(status, 403, "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("custos admin create-key")), "{problem}");
    let (status, body) = create(s.admin_key.clone(), vec!["pii:detokenize", "models:write"]).await;
    assert_eq!(status, 201, "{body}");

    // Nothing was created by the refused calls.
    let (_, keys) = s.get("/v1/keys").await;
    let labels = keys.as_array().expect("keys").iter().filter(|k| k["label"] == "escalation").count();
    assert_eq!(labels, 2, "{keys}");
}

async fn staff_admins_grant_anything_but_all(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (_, password) = s
        .service
        .staff()
        .create_user("root@example.com", &[custos_core::Role::Admin], Some("a long enough password".into()))
        .await
        .expect("staff");
    let mut b = Browser::new(&s);
    b.login("root@example.com", &password).await;
    let csrf = b.csrf("/console/admin").await;
    let (status, page, _) = b.post("/console/admin/keys", &[("csrf", csrf.as_str()), ("scopes", "all"), ("label", "x")]).await;
    assert!(status == 403 && page.contains("custos admin create-key"), "{status}: {page}");
    let (status, page, _) =
        b.post("/console/admin/keys", &[("csrf", csrf.as_str()), ("scopes", "pii:detokenize,gate"), ("label", "app")]).await;
    assert!(status == 200 && page.contains("custos_"), "{status}: {page}");
}

backend_tests!(keys_grant_only_what_they_hold, staff_admins_grant_anything_but_all);

//! A model file cannot take the server down: deep chains, shared subtrees and cycles are refused
//! at registration with a 422 naming the rule, and the server keeps answering.

use custos_testkit::{Backend, TestServer, backend_tests, hostile};
use serde_json::json;

async fn hostile_models_are_refused_with_the_rule(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    for (file, rule) in [
        (hostile::xgboost_chain(100_000), "max depth"),
        (hostile::xgboost_chain(10_000), "max depth"),
        (hostile::xgboost_shared(100), "a tree is a tree"),
        (hostile::xgboost_tree(&[1, 0, -1], &[2, 2, -1], 4), "a tree is a tree"),
        (hostile::xgboost_tree(&[1, -1, -1], &[7, -1, -1], 4), "indices in range"),
    ] {
        let (status, problem) =
            s.post("/v1/models", json!({"name": "evil", "version": "1", "model": file, "owner": "mallory@example.com"})).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["field"], "model", "{problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(rule), "{detail} should name the rule {rule:?}");
    }
    // A decent model still registers, and the server still answers.
    let (status, body) =
        s.post("/v1/models", json!({"name": "fine", "version": "1", "model": hostile::xgboost_chain(8), "owner": "ml@example.com"})).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = s.get("/v1/models").await;
    assert_eq!(status, 200);
}

backend_tests!(hostile_models_are_refused_with_the_rule);

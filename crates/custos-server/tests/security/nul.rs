//! NUL characters and invalid UTF-8 are refused at the input boundary with a 400 that names the
//! field, on both backends (PostgreSQL answered 500 where SQLite stored them), and decisions
//! with and without a score are logged on PostgreSQL whatever the order (a bind-type bug).

use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const ADS: &str = "marketing.advertising.first_party.targeted";

async fn setup(s: &TestServer) -> String {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": ADS, "name": "Offers", "legal_basis": "consent", "data_categories": ["user.contact.email"], "retention_days": 30}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, body) = s.post("/v1/notices", json!({"purpose": ADS, "version": "1", "language": "en", "text": "Offers by e-mail."})).await;
    assert_eq!(st, 201, "{body}");
    let (st, body) = s
        .post("/v1/subjects", json!({"external_id": "nul-1", "jurisdiction": "DE", "data": {"user.contact.email": "a@example.org"}}))
        .await;
    assert_eq!(st, 201, "{body}");
    body["subject_id"].as_str().expect("id").to_owned()
}

fn assert_names(status: u16, problem: &Value, field: &str, what: &str) {
    assert_eq!(status, 400, "{what}: {problem}");
    assert_eq!(problem["field"].as_str(), Some(field), "{what}: {problem}");
    assert!(problem["type"].as_str().is_some_and(|t| t.starts_with("urn:custos:problem:")), "{what}: {problem}");
}

async fn nul_is_refused_everywhere_with_the_field(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    let nul = "x\u{0}y";
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/v1/purposes",
            json!({"key": "marketing.email", "name": nul, "legal_basis": "consent", "data_categories": [], "retention_days": 1}),
            "name",
        ),
        ("/v1/notices", json!({"purpose": ADS, "version": "2", "language": "en", "text": nul}), "text"),
        ("/v1/subjects", json!({"external_id": nul, "jurisdiction": "DE"}), "external_id"),
        (
            "/v1/subjects",
            json!({"external_id": "nul-2", "jurisdiction": "DE", "data": {"user.contact.email": nul}}),
            "data.user.contact.email",
        ),
        (
            "/v1/consents",
            json!({"subject_id": subject, "purpose": ADS, "status": "granted", "method": "api", "notice_version": "1", "source": nul}),
            "source",
        ),
        ("/v1/keys", json!({"scopes": ["subjects:read"], "label": nul}), "label"),
        ("/v1/decisions", json!({"subject_id": subject, "purpose": ADS, "model": "m", "model_version": "1", "outcome": nul}), "outcome"),
        ("/v1/dsr", json!({"subject_id": subject, "type": "contest", "statement": nul}), "statement"),
        ("/v1/models", json!({"name": nul, "version": "1", "model": "{}", "owner": "o"}), "name"),
        ("/v1/pii/analyze", json!({"text": nul, "language": "en"}), "text"),
    ];
    for (path, body, field) in cases {
        let (status, problem) = s.post(path, body).await;
        assert_names(status, &problem, field, path);
    }
    // Nothing was written: still one subject.
    let (_, subjects) = s.get("/v1/subjects?limit=10").await;
    assert_eq!(subjects["subjects"].as_array().map_or(0, Vec::len), 1, "{subjects}");

    // Path segments and query parameters.
    let (status, problem) = s.get("/v1/purposes/%00").await;
    assert_names(status, &problem, "purpose", "path");
    let (status, problem) = s.get("/v1/subjects/ab%00cd/consents").await;
    assert_names(status, &problem, "subject_id", "path");
    let (status, problem) = s.get("/v1/subjects?external_id=a%00b").await;
    assert_names(status, &problem, "external_id", "query");
    let (status, problem) = s.get("/v1/purposes/%FF%FE").await;
    assert_names(status, &problem, "purpose", "invalid UTF-8");

    // Forms: the console's unauthenticated login and the privacy center's code sign-in.
    for (path, body, field) in
        [("/console/login", "email=a%00b%40example.org&password=x", "email"), ("/privacy/start", "external_id=a%00b", "external_id")]
    {
        let response = s
            .client
            .post(format!("{}{path}", s.base_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("form");
        let status = response.status().as_u16();
        let problem: Value = response.json().await.unwrap_or(Value::Null);
        assert_names(status, &problem, field, path);
    }
}

async fn scores_bind_whatever_comes_first(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    // Null first, then numbers, on every pooled connection: 40 in a row, alternating.
    for i in 0..40 {
        let mut body = json!({"subject_id": subject, "purpose": ADS, "model": "m", "model_version": "1", "outcome": "approved"});
        if i % 3 != 0 {
            body["score"] = json!(0.1 + f64::from(i) / 100.0);
        }
        let (status, answer) = s.call(Method::POST, "/v1/decisions", Some(&s.admin_key), Some(body)).await;
        assert_eq!(status, 201, "decision {i}: {answer}");
    }
    let (_, decisions) = s.get(&format!("/v1/subjects/{subject}/decisions")).await;
    let scores: Vec<f64> = decisions.as_array().expect("list").iter().filter_map(|d| d["score"].as_f64()).collect();
    assert!(scores.contains(&0.11), "scores read back exactly: {scores:?}");
}

backend_tests!(nul_is_refused_everywhere_with_the_field, scores_bind_whatever_comes_first);

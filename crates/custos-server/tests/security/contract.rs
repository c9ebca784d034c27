//! The API's contract at its edges: query parameters documented as query parameters, every
//! error a problem document naming the field where there is one (405s, query strings).

use custos_testkit::{Backend, TestServer};
use reqwest::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_parameters_are_in_the_path_and_errors_are_problems() {
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let (_, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                let declared_in_path = p["in"] == "path";
                if declared_in_path != path.contains(&format!("{{{name}}}")) {
                    wrong.push(format!("{method} {path}: {name} in {}", p["in"]));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "parameters declared in the wrong place: {wrong:#?}");

    // 405 is a problem document.
    let response = s.client.put(format!("{}/v1/purposes", s.base_url)).bearer_auth(&s.admin_key).send().await.expect("put");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    // Query-string errors name the parameter.
    let (status, problem) = s.get("/v1/subjects?limit=many").await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("limit")), "{problem}");
    let (status, problem) = s.get("/v1/subjects?colour=red").await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("colour")), "{problem}");
    let (status, problem) = s.get("/v1/ledger/proof/inclusion?index=x&size=2").await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("index")), "{problem}");
}

//! The model registry over HTTP: register model versions (file, dictionary, encoding), have
//! every decision they make explained as it is logged, read the explanation and the customer's
//! reasons, and see both go with the subject on erasure.

use std::path::PathBuf;

use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const OFFERS: &str = "marketing.advertising.first_party.targeted";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain").join(name)).expect("fixture")
}

fn dictionary() -> Value {
    json!({
        "favorable_outcome": "higher",
        "features": {
            "income": {"description": "Your income", "higher": "is high", "lower": "is low for this credit line", "unit": "EUR"},
            "debt_ratio": {"description": "Your debt-to-income ratio", "higher": "is high", "lower": "is low", "actionable": true, "min": 0},
            "missed_payments": {"description": "The number of missed payments", "higher": "is high", "lower": "is low", "actionable": true, "min": 0}
        }
    })
}

async fn decide(s: &TestServer, subject: &str, model: &str, version: &str, features: Value) -> (u16, Value) {
    s.post(
        "/v1/decisions",
        json!({"subject_id": subject, "purpose": OFFERS, "model": model, "model_version": version, "outcome": "declined", "features": features}),
    )
    .await
}

async fn registry_explains_decisions(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": OFFERS, "name": "Offers", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let writer = s.key(&["models:write"]).await;
    let reader = s.key(&["models:read"]).await;
    let decisions_reader = s.key(&["decisions:read"]).await;
    let credit = json!({"name": "credit", "version": "1", "model": fixture("credit.linear.json"), "dictionary": dictionary(),
                        "owner": "risk@example.com", "purpose": OFFERS});

    // Scope, bad input, duplicates.
    assert_eq!(s.call(Method::POST, "/v1/models", Some(&reader), Some(credit.clone())).await.0, 403);
    for (patch, status, field) in [
        (json!({"model": "not a model"}), 400, "model"),
        (json!({"model": fixture("credit.linear.json").replace("logistic", "poisson")}), 400, "model"),
        (json!({"dictionary": {"favorable_outcome": "sideways"}}), 400, "dictionary"),
        (
            json!({"dictionary": {"favorable_outcome": "higher", "features": {"shoe_size": {"description": "x", "higher": "h", "lower": "l"}}}}),
            422,
            "dictionary.features.shoe_size",
        ),
        (json!({"encoding": {"colour": {"red": 1}}}), 422, "encoding.colour"),
        (json!({"purpose": "no.such.purpose"}), 422, "purpose"),
        (json!({"name": ""}), 400, "name"),
    ] {
        let mut body = credit.clone();
        for (k, v) in patch.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let (st, problem) = s.call(Method::POST, "/v1/models", Some(&writer), Some(body)).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{patch} -> {problem}");
    }
    let (st, registered) = s.call(Method::POST, "/v1/models", Some(&writer), Some(credit.clone())).await;
    assert_eq!(st, 201, "{registered}");
    assert_eq!(registered["library"], "linear");
    assert_eq!(registered["features"], json!(["income", "debt_ratio", "months_at_address", "missed_payments"]));
    assert!(registered["receipt"]["leaf_index"].is_u64());
    assert_eq!(s.call(Method::POST, "/v1/models", Some(&writer), Some(credit.clone())).await.0, 409);

    // A model file larger than the API's usual 1 MiB body limit (an XGBoost JSON, padded).
    let xgb = fixture("cancer.xgb.json");
    let padded = format!("{}{}", " ".repeat(1_200_000), xgb);
    let (st, big) = s
        .call(
            Method::POST,
            "/v1/models",
            Some(&writer),
            Some(json!({"name": "tumour", "version": "3", "model": padded, "owner": "ml@example.com",
            "encoding": {"bucket": {"lowest": 0, "low": 1, "mid-low": 2, "mid-high": 3, "high": 4, "highest": 5}}})),
        )
        .await;
    assert_eq!(st, 201, "{big}");
    assert_eq!((big["library"].as_str(), big["trees"].as_u64()), (Some("xgboost"), Some(60)));
    // Registered versions are drafts: they decide once legal and compliance have signed off.
    assert_eq!(registered["state"], "draft");
    for id in [&registered["model_id"], &big["model_id"]] {
        custos_testkit::approve_model(&s.service, id.as_str().expect("id")).await;
    }
    let (st, list) = s.call(Method::GET, "/v1/models", Some(&reader), None).await;
    assert_eq!((st, list.as_array().map(Vec::len)), (200, Some(2)));
    let (st, one) = s.call(Method::GET, &format!("/v1/models/{}", registered["model_id"].as_str().expect("id")), Some(&reader), None).await;
    assert_eq!((st, one["name"].as_str()), (200, Some("credit")));

    // A decision by the registered model is explained as it is logged.
    let (st, subject) = s.post("/v1/subjects", json!({"external_id": "c-1", "jurisdiction": "DE", "data": {}})).await;
    assert_eq!(st, 201, "{subject}");
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let (st, d) =
        decide(&s, &sid, "credit", "1", json!({"income": 24000, "debt_ratio": 0.55, "months_at_address": 6, "missed_payments": 2})).await;
    assert_eq!(st, 201, "{d}");
    let did = d["decision_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/decisions/{did}/explanation");
    assert_eq!(s.call(Method::GET, &path, Some(&reader), None).await.0, 403, "explanations need decisions:read");
    let (st, e) = s.call(Method::GET, &path, Some(&decisions_reader), None).await;
    assert_eq!(st, 200, "{e}");
    let attributions = &e["outputs"][0]["attributions"];
    // Exact for a linear model: coefficient x (value - mean), from credit.linear.json.
    for (feature, expected) in
        [("income", 0.00004 * (24000.0 - 38000.0)), ("debt_ratio", -3.2 * (0.55 - 0.32)), ("missed_payments", -0.9 * (2.0 - 0.4))]
    {
        assert!((attributions[feature].as_f64().unwrap_or(f64::NAN) - expected).abs() < 1e-12, "{feature}: {e}");
    }
    assert_eq!(e["model_id"], registered["model_id"]);
    let (st, reasons) = s.call(Method::GET, &format!("/v1/decisions/{did}/reasons"), Some(&decisions_reader), None).await;
    assert_eq!(st, 200, "{reasons}");
    assert_eq!(reasons["reasons"][0], "The number of missed payments is high");
    assert!(
        reasons["text"].as_str().unwrap_or("").starts_with("The main reasons were: the number of missed payments is high;"),
        "{reasons}"
    );
    assert!(!reasons.to_string().contains("contribution"), "the customer's view has words, not numbers");

    // Its counterfactual is computed after it was logged: the fewest actionable features
    // (neither alone is enough here), within their bounds, and it flips the decision.
    s.service.settled().await;
    let (st, cf) = s.call(Method::GET, &format!("/v1/decisions/{did}/counterfactual"), Some(&decisions_reader), None).await;
    assert_eq!((st, cf["status"].as_str()), (200, Some("found")), "{cf}");
    let words = cf["text"].as_str().unwrap_or_default();
    assert!(
        words.starts_with("If ")
            && words.contains("debt-to-income ratio")
            && words.ends_with("the outcome would likely have been different."),
        "in the customer's words: {cf}"
    );
    let mut changed = json!({"income": 24000, "debt_ratio": 0.55, "months_at_address": 6, "missed_payments": 2});
    let mut moved: Vec<String> = Vec::new();
    for c in cf["changes"].as_array().expect("changes") {
        let feature = c["feature"].as_str().expect("feature").to_owned();
        let to = c["to"].as_f64().expect("to");
        assert!(to >= 0.0 && to < c["from"].as_f64().expect("from"), "{c}");
        changed[&feature] = json!(to);
        moved.push(feature);
    }
    moved.sort();
    assert_eq!(moved, ["debt_ratio", "missed_payments"], "only actionable features move: {cf}");
    let (_, again) = decide(&s, &sid, "credit", "1", changed).await;
    let (_, e) = s
        .call(
            Method::GET,
            &format!("/v1/decisions/{}/explanation", again["decision_id"].as_str().expect("id")),
            Some(&decisions_reader),
            None,
        )
        .await;
    let p = e["prediction"][0].as_f64().expect("prediction");
    assert!(p > 0.5 && (p - cf["prediction"].as_f64().expect("p")).abs() < 1e-9, "re-scored through the API: {p} vs {cf}");
    // A favourable decision needs no change.
    s.service.settled().await;
    let (_, cf) = s
        .call(
            Method::GET,
            &format!("/v1/decisions/{}/counterfactual", again["decision_id"].as_str().expect("id")),
            Some(&decisions_reader),
            None,
        )
        .await;
    assert_eq!(cf["status"], "not_adverse", "{cf}");

    // Category strings go through the registered encoding; unknown ones are named.
    let features: serde_json::Map<String, Value> = big["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(Value::as_str)
        .map(|f| (f.to_owned(), if f == "bucket" { json!("mid-high") } else { json!(1.0) }))
        .collect();
    let (st, d2) = decide(&s, &sid, "tumour", "3", Value::Object(features.clone())).await;
    assert_eq!(st, 201, "{d2}");
    let (st, e2) = s
        .call(Method::GET, &format!("/v1/decisions/{}/explanation", d2["decision_id"].as_str().expect("id")), Some(&decisions_reader), None)
        .await;
    assert_eq!(st, 200, "{e2}");
    let total: f64 = e2["outputs"][0]["attributions"].as_object().expect("attributions").values().filter_map(Value::as_f64).sum::<f64>()
        + e2["outputs"][0]["base_value"].as_f64().unwrap_or(f64::NAN);
    let p = e2["prediction"][0].as_f64().unwrap_or(f64::NAN);
    assert!((1.0 / (1.0 + (-total).exp()) - p).abs() < 1e-9, "attributions add up to the prediction's margin");
    let (st, reasons2) = s
        .call(Method::GET, &format!("/v1/decisions/{}/reasons", d2["decision_id"].as_str().expect("id")), Some(&decisions_reader), None)
        .await;
    assert_eq!(st, 404, "no dictionary, no reasons: {reasons2}");
    let mut bad = features;
    bad.insert("bucket".into(), json!("enormous"));
    let (st, problem) = decide(&s, &sid, "tumour", "3", Value::Object(bad)).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("features.bucket")), "{problem}");
    // A decision by an unregistered model is logged without an explanation.
    let (st, d3) = decide(&s, &sid, "unregistered", "1", json!({"x": 1})).await;
    assert_eq!(st, 201);
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/v1/decisions/{}/explanation", d3["decision_id"].as_str().expect("id")),
            Some(&decisions_reader),
            None
        )
        .await
        .0,
        404
    );

    // Erasure takes the explanations with it.
    let (st, dsr) = s.post("/v1/dsr", json!({"subject_id": sid, "type": "erasure"})).await;
    assert_eq!(st, 201, "{dsr}");
    let id = dsr["dsr_id"].as_str().expect("id").to_owned();
    s.post(&format!("/v1/dsr/{id}/verify"), json!({"method": "email_link"})).await;
    let (st, done) = s.post(&format!("/v1/dsr/{id}/complete"), json!({})).await;
    assert_eq!(st, 200, "{done}");
    assert_eq!(s.call(Method::GET, &path, Some(&decisions_reader), None).await.0, 404);
    s.stop().await;
}

backend_tests!(registry_explains_decisions);

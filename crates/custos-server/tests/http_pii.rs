//! The PII engine over HTTP: Presidio's request and response documents on `/v1/pii/*` and,
//! when enabled, on Presidio's own paths.

use custos_server::PresidioApi;
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

fn spans(results: &Value) -> Vec<(String, String)> {
    results.as_array().map_or_else(Vec::new, |a| {
        a.iter().map(|r| (r["entity_type"].as_str().unwrap_or("").to_owned(), format!("{}..{}", r["start"], r["end"]))).collect()
    })
}

async fn analyze_anonymize_and_reverse(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else { return };
    let pii = server.key(&["pii"]).await;
    let gate_only = server.key(&["gate"]).await;
    let text = "Zoë Müller: mail zoe@example.com, call +1 415 555 2671, card 4111 1111 1111 1111.";
    let call = |key: Option<String>, path: &'static str, body: Value| {
        let server = &server;
        async move { server.call(Method::POST, path, key.as_deref(), Some(body)).await }
    };

    // Authentication and scope.
    let (status, body) = call(None, "/v1/pii/analyze", json!({"text": text})).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = call(Some(gate_only.clone()), "/v1/pii/analyze", json!({"text": text})).await;
    assert_eq!(status, 403);

    // Offsets are code points, as Presidio's are (`ë` and `ü` are one each).
    let (status, results) = call(Some(pii.clone()), "/v1/pii/analyze", json!({"text": text, "language": "en"})).await;
    assert_eq!(status, 200, "{results}");
    let found = spans(&results);
    let chars: Vec<char> = text.chars().collect();
    let email_start = text[..text.find("zoe@").unwrap_or(0)].chars().count();
    assert!(found.contains(&("EMAIL_ADDRESS".into(), format!("{}..{}", email_start, email_start + 15))), "{found:?}");
    assert!(found.iter().any(|(t, _)| t == "PHONE_NUMBER"), "{found:?}");
    assert!(found.iter().any(|(t, _)| t == "CREDIT_CARD"), "{found:?}");
    for r in results.as_array().into_iter().flatten() {
        let (s, e) = (r["start"].as_u64().unwrap_or(0) as usize, r["end"].as_u64().unwrap_or(0) as usize);
        assert!(s < e && e <= chars.len());
        assert_eq!(r["recognition_metadata"]["recognizer_name"], "custos");
    }

    // Filters: entities, threshold, allow list, ad-hoc recognizers.
    let (_, only) = call(Some(pii.clone()), "/v1/pii/analyze", json!({"text": text, "entities": ["CREDIT_CARD"]})).await;
    assert_eq!(spans(&only).len(), 1);
    let (_, allowed) =
        call(Some(pii.clone()), "/v1/pii/analyze", json!({"text": text, "allow_list": ["zoe@example\\.com"], "allow_list_match": "regex"}))
            .await;
    assert!(!spans(&allowed).iter().any(|(t, _)| t == "EMAIL_ADDRESS"));
    let adhoc = json!({"text": "badge EMP-123456 issued", "ad_hoc_recognizers": [
        {"name": "Employee ids", "supported_language": "en", "supported_entity": "EMPLOYEE_ID",
         "patterns": [{"name": "emp", "regex": "EMP-\\d{6}", "score": 0.5}], "context": ["badge"]}]});
    let (status, custom) = call(Some(pii.clone()), "/v1/pii/analyze", adhoc).await;
    assert_eq!(status, 200, "{custom}");
    assert_eq!(custom[0]["entity_type"], "EMPLOYEE_ID");
    assert!((custom[0]["score"].as_f64().unwrap_or(0.0) - 0.85).abs() < 1e-6, "context raised the score: {custom}");
    assert_eq!(custom[0]["recognition_metadata"]["recognizer_name"], "Employee ids");

    // Bad input: a problem document naming the field, never a 5xx.
    for (body, field) in [
        (json!({"text": "x", "language": "english"}), "language"),
        (json!({"text": "x", "entities": ["NOT_A_TYPE"]}), "entities"),
        (json!({"text": "x", "score_threshold": 2}), "score_threshold"),
        (
            json!({"text": "x", "ad_hoc_recognizers": [{"name": "Broken", "supported_entity": "X", "patterns": [{"name": "p", "regex": "(", "score": 0.5}]}]}),
            "ad_hoc_recognizers",
        ),
        (json!({"text": "x", "surprise": true}), ""),
    ] {
        let (status, problem) = call(Some(pii.clone()), "/v1/pii/analyze", body).await;
        assert_eq!(status, 400, "{problem}");
        assert!(problem["type"].as_str().is_some(), "{problem}");
        if !field.is_empty() {
            assert!(problem.to_string().contains(field), "{problem}");
        }
    }
    let (_, broken) = call(
        Some(pii.clone()),
        "/v1/pii/analyze",
        json!({"text": "x", "ad_hoc_recognizers": [{"name": "Broken", "supported_entity": "X", "patterns": [{"name": "p", "regex": "(", "score": 0.5}]}]}),
    )
    .await;
    assert!(broken.to_string().contains("Broken"), "the error names the recognizer: {broken}");

    // Presidio's flow: analyzer results go to the anonymizer unchanged.
    let anonymizers = json!({
        "DEFAULT": {"type": "replace"},
        "PHONE_NUMBER": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": true},
        "EMAIL_ADDRESS": {"type": "encrypt", "key": "WmZq4t7w!z%C&F)J"},
        "CREDIT_CARD": {"type": "redact"}
    });
    let (status, anon) =
        call(Some(pii.clone()), "/v1/pii/anonymize", json!({"text": text, "anonymizers": anonymizers, "analyzer_results": results})).await;
    assert_eq!(status, 200, "{anon}");
    let out = anon["text"].as_str().unwrap_or("");
    assert!(!out.contains("zoe@example.com") && !out.contains("4111 1111") && out.contains("+1 415 555 ****"), "{out}");
    assert!(out.contains("<PERSON>"), "{out}");
    let email_item =
        anon["items"].as_array().and_then(|a| a.iter().find(|i| i["entity_type"] == "EMAIL_ADDRESS").cloned()).unwrap_or_default();
    let (status, back) = call(
        Some(pii.clone()),
        "/v1/pii/deanonymize",
        json!({"text": out, "deanonymizers": {"DEFAULT": {"type": "decrypt", "key": "WmZq4t7w!z%C&F)J"}}, "anonymizer_results": [email_item]}),
    )
    .await;
    assert_eq!(status, 200, "{back}");
    assert!(back["text"].as_str().unwrap_or("").contains("zoe@example.com"), "{back}");
    let (status, wrong) = call(
        Some(pii.clone()),
        "/v1/pii/deanonymize",
        json!({"text": out, "deanonymizers": {"DEFAULT": {"type": "decrypt", "key": "0000000000000000"}}, "anonymizer_results": [email_item]}),
    )
    .await;
    assert_eq!(status, 400, "{wrong}");

    // Tokenize: the keyed pseudonym of the deployment, stable across requests, per purpose.
    let tokenize = |t: &str, purpose: Option<&str>| {
        let mut body = json!({"text": t, "anonymizers": {"DEFAULT": {"type": "tokenize"}}});
        if let Some(p) = purpose {
            body["purpose"] = json!(p);
        }
        body
    };
    let (_, a) = call(Some(pii.clone()), "/v1/pii/anonymize", tokenize("write to zoe@example.com", None)).await;
    let (_, b) = call(Some(pii.clone()), "/v1/pii/anonymize", tokenize("also zoe@example.com!", None)).await;
    let (_, c) = call(Some(pii.clone()), "/v1/pii/anonymize", tokenize("also zoe@example.com!", Some("analytics.reporting"))).await;
    let token = |v: &Value| v["items"][0]["text"].as_str().unwrap_or("").to_owned();
    assert!(token(&a).starts_with("tok_"), "{a}");
    assert_eq!(token(&a), token(&b));
    assert_ne!(token(&a), token(&c));

    // Vault mode: reversible for keys with `pii:detokenize`, and only for vaulted tokens.
    let mut vaulted = tokenize("Reach Jane Smith at jane.smith@example.org", None);
    vaulted["vault"] = json!(true);
    let (status, v) = call(Some(pii.clone()), "/v1/pii/anonymize", vaulted).await;
    assert_eq!(status, 200, "{v}");
    let hidden = v["text"].as_str().unwrap_or("").to_owned();
    assert!(!hidden.contains("Jane") && !hidden.contains("jane.smith"), "{hidden}");
    let one_way = token(&a);
    let probe = json!({"text": format!("{hidden} / {one_way}")});
    let (status, _) = call(Some(pii.clone()), "/v1/pii/detokenize", probe.clone()).await;
    assert_eq!(status, 403, "scope pii alone cannot re-identify");
    let reader = server.key(&["pii:detokenize"]).await;
    let (status, back) = call(Some(reader.clone()), "/v1/pii/detokenize", probe.clone()).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["text"].as_str().unwrap_or(""), format!("Reach Jane Smith at jane.smith@example.org / {one_way}"), "{back}");
    assert_eq!(back["items"].as_array().map(Vec::len), Some(2));

    // Erasure reaches the vault: a value the erased subject's record held is no longer revealed
    // (the name, which the record did not hold, still is).
    let admin = server.key(&["all"]).await;
    let body = json!({"external_id": "jane-1", "jurisdiction": "DE", "data": {"user.contact.email": "jane.smith@example.org"}});
    let (status, subject) = call(Some(admin.clone()), "/v1/subjects", body).await;
    assert_eq!(status, 201, "{subject}");
    let (status, dsr) = call(Some(admin.clone()), "/v1/dsr", json!({"subject_id": subject["subject_id"], "type": "erasure"})).await;
    assert_eq!(status, 201, "{dsr}");
    let id = dsr["dsr_id"].as_str().unwrap_or("").to_owned();
    for (step, body) in [("verify", json!({"method": "email_link"})), ("complete", json!({}))] {
        let (status, v) = server.call(Method::POST, &format!("/v1/dsr/{id}/{step}"), Some(&admin), Some(body)).await;
        assert_eq!(status, 200, "{step}: {v}");
    }
    let (status, after) = call(Some(reader), "/v1/pii/detokenize", probe).await;
    assert_eq!(status, 200, "{after}");
    let after = after["text"].as_str().unwrap_or("").to_owned();
    assert!(after.starts_with("Reach Jane Smith at tok_") && !after.contains("jane.smith@example.org"), "{after}");
    let (status, problem) = call(Some(pii.clone()), "/v1/pii/anonymize", json!({"text": "x", "vault": true})).await;
    assert_eq!(status, 400, "vault without tokenize: {problem}");

    let (status, entities) = server.call(Method::GET, "/v1/pii/supportedentities", Some(&pii), None).await;
    assert_eq!(status, 200);
    for e in ["PERSON", "CREDIT_CARD", "IBAN_CODE", "CRYPTO", "UK_NHS", "IT_FISCAL_CODE"] {
        assert!(entities.as_array().is_some_and(|a| a.iter().any(|x| x == e)), "{e}");
    }
    // Presidio's own paths are off by default.
    let (status, _) = server.call(Method::POST, "/analyze", Some(&pii), Some(json!({"text": text, "language": "en"}))).await;
    assert_eq!(status, 404);
    server.stop().await;
}

async fn presidio_paths(backend: Backend) {
    let Some(server) = TestServer::start_with(backend, |s| s.with_presidio_api(PresidioApi::Authenticated)).await else { return };
    let pii = server.key(&["pii"]).await;
    let body = json!({"text": "My phone is (415) 555-2671", "language": "en"});
    let (status, _) = server.call(Method::POST, "/analyze", None, Some(body.clone())).await;
    assert_eq!(status, 401);
    let (status, results) = server.call(Method::POST, "/analyze", Some(&pii), Some(body.clone())).await;
    assert_eq!(status, 200, "{results}");
    assert_eq!(results[0]["entity_type"], "PHONE_NUMBER");
    let (status, anon) = server
        .call(Method::POST, "/anonymize", Some(&pii), Some(json!({"text": "My phone is (415) 555-2671", "analyzer_results": results})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(anon["text"], "My phone is <PHONE_NUMBER>");
    server.stop().await;

    let Some(open) = TestServer::start_with(backend, |s| s.with_presidio_api(PresidioApi::NoAuth)).await else { return };
    let (status, results) = open.call(Method::POST, "/analyze", None, Some(body)).await;
    assert_eq!(status, 200, "{results}");
    let (status, list) = open.call(Method::GET, "/supportedentities", None, None).await;
    assert_eq!(status, 200);
    assert!(list.as_array().is_some_and(|a| a.len() >= 27));
    // The /v1 routes keep their keys.
    let (status, _) = open.call(Method::POST, "/v1/pii/analyze", None, Some(json!({"text": "x"}))).await;
    assert_eq!(status, 401);
    open.stop().await;
}

backend_tests!(analyze_anonymize_and_reverse, presidio_paths);

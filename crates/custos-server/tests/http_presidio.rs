//! Presidio's own REST API served by custos (`--presidio-api`): the behaviour Presidio's
//! end-to-end API tests check (`e2e-tests/tests/test_api_analyzer.py`,
//! `test_api_anonymizer.py`, `test_api_e2e_integration_flows.py` in microsoft/presidio at
//! commit 0aa9f8e44275cb52c00fbbebe19168e934e1f076), written here with stricter assertions:
//! upstream compares lists of results loosely (its helper ignores list contents), these tests
//! compare every value. Differences from Presidio that remain are in `docs/PRESIDIO.md`.

use custos_server::PresidioApi;
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const DL_TEXT: &str = "John Smith drivers license is AC432223";

/// `(entity_type, start, end, score)` of each result, in order.
fn results(v: &Value) -> Vec<(String, u64, u64, f64)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["entity_type"].as_str().unwrap_or("").to_owned(),
                        r["start"].as_u64().unwrap_or(u64::MAX),
                        r["end"].as_u64().unwrap_or(u64::MAX),
                        r["score"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn r(t: &str, s: u64, e: u64, score: f64) -> (String, u64, u64, f64) {
    (t.to_owned(), s, e, score)
}

async fn raw(server: &TestServer, path: &str, body: &str) -> (u16, Value) {
    let resp = server
        .client
        .post(format!("{}{path}", server.base_url))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn open(backend: Backend) -> Option<TestServer> {
    TestServer::start_with(backend, |s| s.with_presidio_api(PresidioApi::NoAuth)).await
}

async fn presidio_analyzer(backend: Backend) {
    let Some(server) = open(backend).await else { return };
    let analyze = |body: Value| {
        let server = &server;
        async move { server.call(Method::POST, "/analyze", None, Some(body)).await }
    };
    let person = r("PERSON", 0, 10, 0.85);
    // 0.3 + 0.35 in binary floating point, as Presidio computes it.
    let licence = r("US_DRIVER_LICENSE", 30, 38, 0.6499999999999999);

    let (status, found) = analyze(json!({"text": DL_TEXT, "language": "en"})).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(results(&found), vec![person.clone(), licence.clone()]);
    assert!(found[0]["analysis_explanation"].is_null() && found[0].get("recognition_metadata").is_none(), "{found}");
    let (_, found) = analyze(json!({"text": DL_TEXT, "language": "en", "score_threshold": 0.7})).await;
    assert_eq!(results(&found), vec![person.clone()]);
    let (_, found) = analyze(json!({"text": DL_TEXT, "language": "en", "entities": ["PERSON"]})).await;
    assert_eq!(results(&found), vec![person.clone()]);
    // Tracing fields of any shape are accepted.
    for extra in
        [json!({"correlation_id": "123"}), json!({"trace": "1"}), json!({"trace": "somedata"}), json!({"return_decision_process": 0})]
    {
        let mut body = json!({"text": DL_TEXT, "language": "en"});
        if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        let (status, found) = analyze(body).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(results(&found), vec![person.clone(), licence.clone()]);
        assert!(found[1]["analysis_explanation"].is_null());
    }

    // Presidio's errors, with its statuses.
    for (body, status, message) in [
        (json!({}), 500, "No text provided"),
        (json!({"language": "en"}), 500, "No text provided"),
        (json!({"text": DL_TEXT}), 500, "No language provided"),
        (json!({"text": DL_TEXT, "language": "zz"}), 500, "No matching recognizers were found to serve the request."),
    ] {
        let (got, answer) = analyze(body.clone()).await;
        assert_eq!((got, answer), (status, json!({"error": message})), "{body}");
    }
    let (status, answer) = server.call(Method::GET, "/supportedentities?language=he", None, None).await;
    assert_eq!((status, answer), (500, json!({"error": "No matching recognizers were found to serve the request."})));
    for query in ["?language=en", "?uknown=input", ""] {
        let (status, list) = server.call(Method::GET, &format!("/supportedentities{query}"), None, None).await;
        assert_eq!(status, 200);
        let list: Vec<&str> = list.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for e in ["PHONE_NUMBER", "US_DRIVER_LICENSE", "CREDIT_CARD", "PERSON", "LOCATION", "NRP", "URL", "IBAN_CODE"] {
            assert!(list.contains(&e), "{e} in {list:?}");
        }
    }

    // The decision process: scores before and after context, the supporting word.
    let (_, found) = analyze(json!({"text": "John Smith license is AC432223", "language": "en", "return_decision_process": true})).await;
    let dl = &found[1]["analysis_explanation"];
    assert_eq!(results(&found)[1], r("US_DRIVER_LICENSE", 22, 30, 0.6499999999999999));
    assert_eq!(dl["original_score"], json!(0.3));
    assert_eq!(dl["score"], json!(0.6499999999999999));
    assert_eq!(dl["score_context_improvement"], json!(0.3499999999999999));
    assert_eq!(dl["supportive_context_word"], "license");
    assert!(dl["textual_explanation"].as_str().is_some_and(|t| t.contains("license")), "{dl}");
    assert_eq!(found[0]["analysis_explanation"]["supportive_context_word"], "");
    // Request context describes the whole text: "Driver license" supports the licence.
    let (_, found) = analyze(json!({"text": "John Smith D.L. is AC432223", "language": "en", "return_decision_process": true,
        "context": ["Driver license"]}))
    .await;
    assert_eq!(results(&found)[1], r("US_DRIVER_LICENSE", 19, 27, 0.6499999999999999));
    assert_eq!(found[1]["analysis_explanation"]["supportive_context_word"], "driver");
    let (_, found) = analyze(json!({"text": "John Smith D.L. is AC432223", "language": "en"})).await;
    assert_eq!(results(&found)[1], r("US_DRIVER_LICENSE", 19, 27, 0.3), "no context, no boost");

    // Ad-hoc recognizers: patterns (below the default threshold of 0, as Presidio's), context,
    // deny lists; a pattern field Presidio's `Pattern` does not take is refused in its words.
    let zip = |context: Option<Value>| {
        let mut rec = json!({"name": "Zip code Recognizer", "supported_language": "en", "supported_entity": "ZIP",
            "patterns": [{"name": "zip code (weak)", "regex": "(\\b\\d{5}(?:\\-\\d{4})?\\b)", "score": 0.01}]});
        if let Some(c) = context {
            rec["context"] = c;
        }
        json!({"text": "John Smith drivers license is AC432223. Zip code: 10023", "language": "en", "ad_hoc_recognizers": [rec]})
    };
    let (_, found) = analyze(zip(None)).await;
    assert_eq!(results(&found), vec![person.clone(), licence.clone(), r("ZIP", 50, 55, 0.01)]);
    let (_, found) = analyze(zip(Some(json!(["zip", "code"])))).await;
    assert_eq!(results(&found), vec![person.clone(), licence.clone(), r("ZIP", 50, 55, 0.4)]);
    let mut broken = zip(None);
    broken["ad_hoc_recognizers"][0]["patterns"] = json!([{"type": "zip code (weak)", "bebex": "(\\b\\d{5}\\b)", "confidence": 0.01}]);
    let (status, answer) = analyze(broken).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer,
        json!({"error": "Failed to parse /analyze request for AnalyzerEngine.analyze(). Pattern.__init__() got an unexpected keyword argument 'type'"})
    );
    let (_, found) = analyze(json!({"text": "Mr. John Smith's drivers license is AC432223", "language": "en", "ad_hoc_recognizers": [
        {"name": "Mr. Recognizer", "supported_language": "en", "deny_list": ["Mr.", "Mister"], "supported_entity": "MR_TITLE"},
        {"name": "Ms. Recognizer", "supported_language": "en", "deny_list": ["Ms.", "Miss", "Mrs."], "supported_entity": "MS_TITLE"}]}))
    .await;
    assert_eq!(
        results(&found),
        vec![r("MR_TITLE", 0, 3, 1.0), r("PERSON", 4, 14, 0.85), r("US_DRIVER_LICENSE", 36, 44, 0.6499999999999999)]
    );

    // Allow lists: exact, regex (searched, case-insensitive by Presidio's default flags),
    // and case-sensitive when the flags leave IGNORECASE out.
    let email = |text: &str, extra: Value| {
        let mut body = json!({"text": text, "language": "en"});
        if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        body
    };
    let (_, found) = analyze(email("email: admin@github.com", json!({"allow_list": ["admin@github.com"]}))).await;
    assert_eq!(found, json!([]));
    let (_, found) = analyze(email("email: admin@github.com", json!({"allow_list": [".*@github.com"], "allow_list_match": "regex"}))).await;
    assert_eq!(found, json!([]));
    let (_, found) = analyze(email("email: admin@GitHub.com", json!({"allow_list": [".*@github.com"], "allow_list_match": "regex"}))).await;
    assert_eq!(found, json!([]), "IGNORECASE is on by default");
    let (_, found) = analyze(email("email: admin@github.com", json!({"allow_list": [".*@github.com"]}))).await;
    assert_eq!(results(&found), vec![r("EMAIL_ADDRESS", 7, 23, 1.0)], "an exact list holds no patterns");
    let (_, found) =
        analyze(email("email: admin@GitHub.com", json!({"allow_list": [".*@github.com"], "allow_list_match": "regex", "regex_flags": 0})))
            .await;
    assert_eq!(results(&found), vec![r("EMAIL_ADDRESS", 7, 23, 1.0)]);

    // A batch: a list of texts answers a list of lists.
    let (status, found) = analyze(json!({"text": [DL_TEXT, DL_TEXT, "nothing here"], "language": "en"})).await;
    assert_eq!(status, 200);
    let lists = found.as_array().cloned().unwrap_or_default();
    assert_eq!(lists.len(), 3);
    assert_eq!(results(&lists[0]), vec![person.clone(), licence.clone()]);
    assert_eq!(results(&lists[1]), vec![person, licence]);
    assert_eq!(lists[2], json!([]));

    // Presidio's paths take up to 10 MiB (other routes: 1 MiB).
    let big = "Call me. ".repeat(200_000);
    let (status, _) = analyze(json!({"text": big, "language": "en"})).await;
    assert_eq!(status, 200, "1.8 MB of text is analyzed");
    let (status, _) = raw(&server, "/analyze", &format!("{{\"text\": \"{}\", \"language\": \"en\"}}", "x".repeat(11 << 20))).await;
    assert_eq!(status, 413);
    server.stop().await;
}

async fn presidio_anonymizer(backend: Backend) {
    let Some(server) = open(backend).await else { return };
    let anonymize = |body: Value| {
        let server = &server;
        async move { server.call(Method::POST, "/anonymize", None, Some(body)).await }
    };
    let deanonymize = |body: Value| {
        let server = &server;
        async move { server.call(Method::POST, "/deanonymize", None, Some(body)).await }
    };
    let item = |operator: &str, entity_type: &str, start: u64, end: u64, text: &str| json!({"operator": operator, "entity_type": entity_type, "start": start, "end": end, "text": text});
    // Items come from the end of the text to its start, as Presidio lists them.
    let (status, out) = anonymize(json!({
        "text": "hello world, my name is Jane Doe. My number is: 034453334",
        "anonymizers": {"DEFAULT": {"type": "replace", "new_value": "ANONYMIZED"},
                        "PHONE_NUMBER": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": true}},
        "analyzer_results": [
            {"start": 24, "end": 32, "score": 0.8, "entity_type": "NAME"},
            {"start": 24, "end": 28, "score": 0.8, "entity_type": "FIRST_NAME"},
            {"start": 29, "end": 32, "score": 0.6, "entity_type": "LAST_NAME"},
            {"start": 48, "end": 57, "score": 0.95, "entity_type": "PHONE_NUMBER"}]}))
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        out,
        json!({"text": "hello world, my name is ANONYMIZED. My number is: 03445****",
               "items": [item("mask", "PHONE_NUMBER", 50, 59, "03445****"), item("replace", "NAME", 24, 34, "ANONYMIZED")]})
    );
    let empty = json!({"DEFAULT": {"type": "replace", "new_value": "ANONYMIZED"}});
    assert_eq!(anonymize(json!({"text": "", "anonymizers": empty, "analyzer_results": []})).await, (200, json!({"text": "", "items": []})));
    let unchanged = "hello world! nice to meet you!";
    assert_eq!(
        anonymize(json!({"text": unchanged, "anonymizers": empty, "analyzer_results": []})).await,
        (200, json!({"text": unchanged, "items": []}))
    );
    // Not JSON (a trailing comma), Presidio's `custom`, no results: Presidio's answers.
    let (status, answer) = raw(&server, "/anonymize", r#"{"text": "x", "anonymizers": {"DEFAULT": {"type": "replace"},}}"#).await;
    assert_eq!((status, answer), (400, json!({"error": "The browser (or proxy) sent a request that this server could not understand."})));
    let (status, answer) =
        anonymize(json!({"text": "two emails: a@b.com", "anonymizers": {"DEFAULT": {"type": "custom", "new_value": "lambda x: x[::-1]"}},
        "analyzer_results": [{"start": 12, "end": 19, "score": 1.0, "entity_type": "EMAIL_ADDRESS"}]}))
        .await;
    assert_eq!((status, answer), (400, json!({"error": "Custom type anonymizer is not supported"})));
    let (status, answer) = anonymize(json!({"text": "x"})).await;
    assert_eq!((status, answer), (422, json!({"error": "Invalid input, request must contain analyzer results"})));
    let (status, answer) =
        anonymize(json!({"text": "abc", "analyzer_results": [{"start": 1, "end": 9, "score": 1.0, "entity_type": "X"}]})).await;
    assert_eq!((status, answer), (422, json!({"error": "Invalid analyzer result, start: 1 and end: 9, while text length is only 3."})));
    let (status, answer) = anonymize(json!({"text": "abc", "anonymizers": {"X": {"type": "encrypt", "key": "short"}},
        "analyzer_results": [{"start": 0, "end": 3, "score": 1.0, "entity_type": "X"}]}))
    .await;
    assert_eq!((status, answer), (422, json!({"error": "Invalid input, key must be of length 128, 192 or 256 bits"})));

    let (status, list) = server.call(Method::GET, "/anonymizers", None, None).await;
    assert_eq!(status, 200);
    for op in ["hash", "mask", "redact", "replace", "encrypt", "custom", "keep"] {
        assert!(list.as_array().is_some_and(|a| a.contains(&json!(op))), "{op} in {list}");
    }
    assert_eq!(server.call(Method::GET, "/deanonymizers", None, None).await, (200, json!(["decrypt", "deanonymize_keep"])));

    // Decrypting what Presidio encrypted (the vector its own test uses), and refusals.
    let sealed = "e6HnOMnIxbd4a8Qea44LshQDnjvxwzBIaAz+YqHNnMW2mC5r3AWoay8Spsoajyyy";
    let (status, out) = deanonymize(json!({"text": sealed, "deanonymizers": {"NUMBER": {"type": "decrypt", "key": "1111111111111111"}},
        "anonymizer_results": [{"start": 0, "end": sealed.len(), "entity_type": "NUMBER"}]}))
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out, json!({"text": "text_for_encryption", "items": [item("decrypt", "NUMBER", 0, 19, "text_for_encryption")]}));
    let (status, answer) = deanonymize(json!({"text": sealed, "deanonymizers": {"NUMBER": {"type": "decrypt", "key": "invalidkey"}},
        "anonymizer_results": [{"start": 0, "end": sealed.len(), "entity_type": "NUMBER"}]}))
    .await;
    assert_eq!((status, answer), (422, json!({"error": "Invalid input, key must be of length 128, 192 or 256 bits"})));
    assert_eq!(deanonymize(json!({"text": sealed})).await, (200, json!({"text": sealed, "items": []})));
    assert_eq!(deanonymize(json!({"key": "1111111111111111"})).await, (200, json!({"text": "", "items": []})));
    assert_eq!(deanonymize(json!({})).await, (400, json!({"error": "Invalid request json"})));
    let (status, answer) =
        deanonymize(json!({"text": sealed, "deanonymizers": {"DEFAULT": {"type": "decrypt", "key": "2222222222222222"}},
        "anonymizer_results": [{"start": 0, "end": sealed.len(), "entity_type": "NUMBER"}]}))
        .await;
    assert_eq!(status, 422, "a wrong key is refused, not answered with garbage: {answer}");

    // Encrypt on Presidio's paths writes Presidio's layout (IV + AES-CBC blocks, URL-safe
    // base64: 44 characters for up to 15 bytes, 64 for 16 to 31), and decrypts back.
    let text = "Lorem Ipsum is a Software Engineer";
    let (status, sealed) = anonymize(json!({"text": text,
        "anonymizers": {"DEFAULT": {"type": "encrypt", "key": "1111111111111111"}, "TITLE": {"type": "encrypt", "key": "2222222222222222"}},
        "analyzer_results": [{"start": 0, "end": 12, "score": 0.8, "entity_type": "NAME"},
                             {"start": 18, "end": text.len(), "score": 0.8, "entity_type": "TITLE"}]}))
    .await;
    assert_eq!(status, 200, "{sealed}");
    let sealed_text = sealed["text"].as_str().unwrap_or("").to_owned();
    assert_eq!(sealed_text.len(), 114, "{sealed_text}");
    assert_eq!(&sealed_text[44..50], "is a S", "12 characters sealed, 6 left, 16 sealed");
    let (status, back) = deanonymize(json!({"text": sealed_text,
        "deanonymizers": {"DEFAULT": {"type": "decrypt", "key": "1111111111111111"}, "TITLE": {"type": "decrypt", "key": "2222222222222222"}},
        "anonymizer_results": [{"start": 0, "end": 44, "entity_type": "NAME"}, {"start": 50, "end": 114, "entity_type": "TITLE"}]}))
    .await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["text"], text);

    // Overlaps as Presidio settles them.
    let overlap = |name: &str, location: &str| {
        json!({"text": "I'm George Washington Square Park",
               "anonymizers": {"NAME": {"type": name}, "LOCATION": {"type": location}},
               "analyzer_results": [{"start": 4, "end": 21, "score": 0.8, "entity_type": "NAME"},
                                    {"start": 11, "end": 33, "score": 0.8, "entity_type": "LOCATION"}]})
    };
    assert_eq!(
        anonymize(overlap("keep", "replace")).await,
        (
            200,
            json!({"text": "I'm George Washington<LOCATION>",
            "items": [item("replace", "LOCATION", 21, 31, "<LOCATION>"), item("keep", "NAME", 4, 21, "George Washington")]})
        )
    );
    assert_eq!(
        anonymize(overlap("replace", "keep")).await,
        (
            200,
            json!({"text": "I'm <NAME>Washington Square Park",
            "items": [item("keep", "LOCATION", 10, 32, "Washington Square Park"), item("replace", "NAME", 4, 10, "<NAME>")]})
        )
    );
    assert_eq!(
        anonymize(overlap("keep", "keep")).await,
        (
            200,
            json!({"text": "I'm George WashingtonWashington Square Park",
            "items": [item("keep", "LOCATION", 21, 43, "Washington Square Park"), item("keep", "NAME", 4, 21, "George Washington")]})
        )
    );
    let (_, kept) = anonymize(json!({"text": "hello world, my name is Jane Doe. My number is: 034453334",
        "anonymizers": {"NAME": {"type": "keep"}, "PHONE_NUMBER": {"type": "replace"}},
        "analyzer_results": [{"start": 24, "end": 32, "score": 0.8, "entity_type": "NAME"},
                             {"start": 48, "end": 57, "score": 0.95, "entity_type": "PHONE_NUMBER"}]}))
    .await;
    assert_eq!(
        kept,
        json!({"text": "hello world, my name is Jane Doe. My number is: <PHONE_NUMBER>",
            "items": [item("replace", "PHONE_NUMBER", 48, 62, "<PHONE_NUMBER>"), item("keep", "NAME", 24, 32, "Jane Doe")]})
    );
    // `/v1/pii/anonymize` answers `custom` in its own words (problem+json naming the field).
    let key = server.key(&["pii"]).await;
    let (status, problem) = server
        .call(
            Method::POST,
            "/v1/pii/anonymize",
            Some(&key),
            Some(json!({"text": "a@b.com", "anonymizers": {"DEFAULT": {"type": "custom"}}})),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["field"], "anonymizers.DEFAULT", "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|m| m.contains("custom")), "{problem}");
    server.stop().await;
}

async fn presidio_flows(backend: Backend) {
    let Some(server) = open(backend).await else { return };
    let operators = json!({"DEFAULT": {"type": "replace", "new_value": "ANONYMIZED"},
        "US_DRIVER_LICENSE": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": true},
        "PERSON": {"type": "replace", "new_value": "<PERSON>"}});
    for (threshold, expected) in [(None, "<PERSON> drivers license is AC43****"), (Some(0.7), "<PERSON> drivers license is AC432223")] {
        let mut request = json!({"text": DL_TEXT, "language": "en"});
        if let Some(t) = threshold {
            request["score_threshold"] = json!(t);
        }
        let (status, found) = server.call(Method::POST, "/analyze", None, Some(request)).await;
        assert_eq!(status, 200);
        let (status, out) = server
            .call(Method::POST, "/anonymize", None, Some(json!({"text": DL_TEXT, "anonymizers": operators, "analyzer_results": found})))
            .await;
        assert_eq!(status, 200, "{out}");
        assert_eq!(out["text"], expected);
    }
    // Unknown operator keys fall back to the default `replace`.
    let (_, found) = server.call(Method::POST, "/analyze", None, Some(json!({"text": DL_TEXT, "language": "en"}))).await;
    let (_, out) = server
        .call(
            Method::POST,
            "/anonymize",
            None,
            Some(json!({"text": DL_TEXT, "anonymizers": {"ABC": {"type": "replace", "new_value": "x"}},
            "analyzer_results": found})),
        )
        .await;
    assert_eq!(out["text"], "<PERSON> drivers license is <US_DRIVER_LICENSE>");

    // Presidio's demo text, analyzed at 0.35 and anonymized with the defaults.
    let demo = "Hello, my name is David Johnson and I live in Maine. My credit card number is 4095-2609-9393-4932 and my crypto wallet id is 16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ. On September 18 I visited microsoft.com and sent an email to test@presidio.site,  from IP 192.168.0.1. My passport: 191280342 and my phone number: (212) 555-1234. This is a valid International Bank Account Number: IL150120690000003111111 . Can you please check the status on bank account 954567876544? Kate's social security number is 078-05-1126.  Her driver license? it is 1234567A. For details, visit https://cla.microsoft.com or contact opencode@microsoft.com with any additional questions.";
    let (_, found) =
        server.call(Method::POST, "/analyze", None, Some(json!({"text": demo, "language": "en", "score_threshold": 0.35}))).await;
    let (_, out) = server.call(Method::POST, "/anonymize", None, Some(json!({"text": demo, "analyzer_results": found}))).await;
    assert_eq!(
        out["text"],
        "Hello, my name is <PERSON> and I live in <LOCATION>. My credit card number is <CREDIT_CARD> and my crypto wallet id is <CRYPTO>. On <DATE_TIME> I visited <URL> and sent an email to <EMAIL_ADDRESS>,  from IP <IP_ADDRESS>. My passport: <US_PASSPORT> and my phone number: <PHONE_NUMBER>. This is a valid International Bank Account Number: <IBAN_CODE> . Can you please check the status on bank account <US_BANK_NUMBER>? <PERSON>'s social security number is <US_SSN>.  Her driver license? it is <US_DRIVER_LICENSE>. For details, visit <URL> or contact <EMAIL_ADDRESS> with any additional questions."
    );
    server.stop().await;
}

backend_tests!(presidio_analyzer, presidio_anonymizer, presidio_flows);

//! Monitors over HTTP, on SQLite and PostgreSQL: a reference window of the decision log
//! against a current window, drift of the logged features (numbers and categories), and
//! performance measured from recorded outcomes or estimated from the scores alone.

use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const OFFERS: &str = "marketing.advertising.first_party.targeted";

fn stamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn log(s: &TestServer, subjects: &[String], shift: f64) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..300usize {
        let income = 50.0 + ((i * 7919) % 1000) as f64 / 50.0 + shift;
        let features = json!({"income": income, "channel": if i % 2 == 0 { "web" } else { "app" }});
        let score = ((i * 37) % 100) as f64 / 100.0;
        let (st, d) = s
            .post(
                "/v1/decisions",
                json!({"subject_id": subjects[i % subjects.len()], "purpose": OFFERS, "model": "nbo", "model_version": "1",
                       "outcome": if score >= 0.5 { "offer" } else { "no_offer" }, "score": score, "features": features}),
            )
            .await;
        assert_eq!(st, 201, "{d}");
        ids.push(d["decision_id"].as_str().expect("id").to_owned());
    }
    ids
}

/// Declares the offers purpose and `n` subjects (external ids `<prefix>-<i>`); their ids.
async fn offers_and_subjects(s: &TestServer, n: usize, prefix: &str) -> Vec<String> {
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": OFFERS, "name": "Offers", "legal_basis": "legitimate_interest", "data_categories": ["user.behavior"],
                   "profiling": true, "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let mut subjects = Vec::new();
    for i in 0..n {
        let (st, subject) = s.post("/v1/subjects", json!({"external_id": format!("{prefix}-{i}"), "jurisdiction": "DE", "data": {}})).await;
        assert_eq!(st, 201);
        subjects.push(subject["subject_id"].as_str().expect("id").to_owned());
    }
    subjects
}

async fn monitors_compare_windows(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subjects = offers_and_subjects(&s, 20, "w").await;
    let t0 = stamp();
    log(&s, &subjects, 0.0).await;
    let t1 = stamp();
    let current = log(&s, &subjects, 8.0).await;

    // Bad input: a clear problem naming the field, and nothing stored.
    let good = json!({"name": "Offer inputs", "model": "nbo", "reference_from": t0, "reference_to": t1, "positive_outcome": "offer"});
    for (change, status, field) in [
        (json!({"model": null}), 400, "model"),
        (json!({"reference_to": "2001-01-01T00:00:00Z"}), 400, "reference_to"),
        (json!({"reference_from": "yesterday"}), 400, "reference_from"),
        (json!({"window_length": "monthly"}), 400, "window_length"),
        (json!({"alpha": 2.0}), 400, "alpha"),
        (json!({"correction": "bonferroni"}), 400, "correction"),
        (json!({"decision_threshold": -1.0}), 400, "decision_threshold"),
        (json!({"min_accuracy": 2.0}), 400, "min_accuracy"),
        (json!({"min_accuracy": 0.9, "positive_outcome": null}), 400, "min_accuracy"),
        (json!({"purpose": "no.such.purpose"}), 422, "purpose"),
        (json!({"alert_rules": [{"figure": "psi", "above": 0.1}]}), 400, "alert_rules"),
        (json!({"alert_rules": [{"figure": "gini", "above": 0.1}]}), 400, "alert_rules"),
        (json!({"alert_rules": [{"figure": "accuracy", "above": 0.1, "below": 0.2}]}), 400, "alert_rules"),
        (json!({"alert_rules": [{"figure": "drifted_inputs", "above": 1, "interval": true}]}), 400, "alert_rules"),
        (json!({"alert_rules": [{"figure": "roc_auc", "below": 0.7}], "positive_outcome": null}), 400, "alert_rules"),
        (json!({"colour": "red"}), 400, "colour"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (st, problem) = s.post("/v1/monitors", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.get("/v1/monitors").await.1, json!([]));
    let reader = s.key(&["monitors:read"]).await;
    assert_eq!(s.call(Method::POST, "/v1/monitors", Some(&reader), Some(good.clone())).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/monitors", None, None).await.0, 401);

    let (st, monitor) = s.post("/v1/monitors", good).await;
    assert_eq!(st, 201, "{monitor}");
    assert!(monitor["receipt"]["leaf_index"].is_u64(), "{monitor}");
    let id = monitor["monitor_id"].as_str().expect("id").to_owned();
    let (st, listed) = s.call(Method::GET, "/v1/monitors", Some(&reader), None).await;
    assert_eq!((st, listed.as_array().map(Vec::len)), (200, Some(1)));

    // The current window from t1: income moved, the channel mix did not.
    let report_path = format!("/v1/monitors/{id}/report?from={}", t1.replace('+', "%2B"));
    let (st, report) = s.call(Method::GET, &report_path, Some(&reader), None).await;
    assert_eq!(st, 200, "{report}");
    assert_eq!((report["reference"]["rows"].as_u64(), report["current"]["rows"].as_u64()), (Some(300), Some(300)), "{report}");
    let column = |name: &str| -> Value {
        report["drift"]["columns"].as_array().expect("columns").iter().find(|c| c["column"] == name).cloned().expect("column")
    };
    assert_eq!((column("income")["kind"].as_str(), column("income")["verdict"].as_str()), (Some("numeric"), Some("drift")));
    assert_eq!((column("channel")["kind"].as_str(), column("channel")["verdict"].as_str()), (Some("categorical"), Some("no_drift")));
    // No outcome recorded yet: performance is estimated from the scores, and says so.
    assert_eq!(report["performance"]["estimated"], true, "{report}");
    assert!(!report.to_string().contains(&subjects[0]), "aggregates only");

    // The same report as a page: the chart, the verdicts in words, the windows in plain dates.
    let response = s.client.get(format!("{}{report_path}&format=html", s.base_url)).bearer_auth(&reader).send().await.expect("page");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().starts_with("text/html"));
    let page = response.text().await.expect("text");
    assert!(
        page.contains("<svg") && page.contains("income") && page.contains("<td>Drift</td>") && page.contains("Estimated from the scores"),
        "{page}"
    );
    let (st, problem) = s.call(Method::GET, &format!("{report_path}&format=pdf"), Some(&reader), None).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("format")));

    // With recorded outcomes it is measured.
    for (i, d) in current.iter().enumerate().take(100) {
        let (st, _) = s.post(&format!("/v1/decisions/{d}/outcome"), json!({"actual": if i % 3 == 0 { "offer" } else { "no_offer" }})).await;
        assert_eq!(st, 200);
    }
    let (_, report) = s.call(Method::GET, &report_path, Some(&reader), None).await;
    assert_eq!(report["performance"]["estimated"], false, "{report}");
    assert!(report["performance"]["accuracy"]["value"].as_f64().is_some(), "{report}");

    // The check every serve runs: the monitor's window (a day, to now) holds the moved half,
    // so a drift alert fires, once however often it runs; a monitor whose reference is the
    // same data raises none.
    let (st, same) = s
        .post(
            "/v1/monitors",
            json!({"name": "Same data", "model": "nbo", "reference_from": t0, "reference_to": stamp(), "window_length": "daily"}),
        )
        .await;
    assert_eq!(st, 201, "{same}");
    for _ in 0..2 {
        assert_eq!(s.service.monitors().check(custos_core::now()).await.expect("check"), 1);
    }
    let (_, alerts) = s.get("/v1/alerts?source=monitor").await;
    let alerts = alerts.as_array().expect("alerts").clone();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        (alerts[0]["about"].as_str(), alerts[0]["kind"].as_str(), alerts[0]["state"].as_str()),
        (Some(id.as_str()), Some("drift"), Some("firing"))
    );
    assert!(alerts[0]["message"].as_str().unwrap_or_default().contains("income"), "{alerts:?}");
    // An approved version of the watched model: the income rule asks for revalidation.
    let model_file =
        std::fs::read_to_string(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain/credit.linear.json"))
            .expect("fixture");
    let (st, approved) = s.post("/v1/models", json!({"name": "nbo", "version": "9", "model": model_file, "owner": "ml@example.com"})).await;
    assert_eq!(st, 201, "{approved}");
    let approved_id = approved["model_id"].as_str().expect("id").to_owned();
    custos_testkit::approve_model(&s.service, &approved_id).await;
    // An accuracy floor, and silence: a silenced monitor raises nothing new; lifted, it does.
    let (st, floor) = s
        .post(
            "/v1/monitors",
            json!({"name": "Floor", "model": "nbo", "reference_from": t0, "reference_to": t1, "positive_outcome": "offer", "min_accuracy": 0.99,
                   "alert_rules": [{"figure": "psi", "input": "income", "above": 0.1, "requires_revalidation": true}, {"figure": "psi", "input": "channel", "above": 0.5},
                                   {"figure": "accuracy", "below": 0.99, "interval": true}]}),
        )
        .await;
    assert_eq!(st, 201, "{floor}");
    assert_eq!(
        floor["alert_rules"][2],
        json!({"figure": "accuracy", "below": 0.99, "interval": true, "requires_revalidation": false}),
        "{floor}"
    );
    let floor_id = floor["monitor_id"].as_str().expect("id").to_owned();
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (st, silenced) = s.post(&format!("/v1/monitors/{floor_id}/silence"), json!({"until": until})).await;
    assert_eq!(st, 200, "{silenced}");
    assert!(silenced["silenced_until"].is_string(), "{silenced}");
    let (st, problem) = s.post(&format!("/v1/monitors/{floor_id}/silence"), json!({"until": "tomorrow"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("until")));
    assert_eq!(s.post("/v1/monitors/01a236da-e535-701c-a7f8-d9201e55519a/silence", json!({"until": null})).await.0, 404);
    s.service.monitors().check(custos_core::now()).await.expect("check");
    let about_floor = |alerts: &Value| -> Vec<String> {
        let mut kinds: Vec<String> = alerts
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["about"] == floor_id.as_str() && a["state"] == "firing")
            .map(|a| a["kind"].as_str().unwrap_or_default().to_owned())
            .collect();
        kinds.sort();
        kinds
    };
    assert!(about_floor(&s.get("/v1/alerts?source=monitor").await.1).is_empty(), "silenced");
    let (st, lifted) = s.post(&format!("/v1/monitors/{floor_id}/silence"), json!({"until": null})).await;
    assert_eq!((st, lifted["silenced_until"].is_null()), (200, true), "{lifted}");
    s.service.monitors().check(custos_core::now()).await.expect("check");
    // Its rules: the income PSI and the accuracy interval breach, the channel mix does not.
    let alerts = s.get("/v1/alerts?source=monitor").await.1;
    assert_eq!(about_floor(&alerts), ["accuracy", "drift", "rule_1", "rule_3"], "{alerts}");
    let rule = alerts.as_array().into_iter().flatten().find(|a| a["kind"] == "rule_1").expect("rule alert");
    assert!(rule["message"].as_str().unwrap_or_default().contains("psi of input income above 0.1"), "{rule}");
    assert_eq!(rule["threshold"].as_f64(), Some(0.1), "{rule}");
    // The rule asked for revalidation: the approved version's approval has lapsed, with why.
    let (_, m) = s.get(&format!("/v1/models/{approved_id}")).await;
    assert_eq!((m["state"].as_str(), m["approval_lapsed"].as_bool()), (Some("approved"), Some(true)), "{m}");
    assert!(m["revalidation_reason"].as_str().unwrap_or_default().contains("rule 1"), "{m}");

    // The latest check's figures reach the metrics.
    let text = custos_server::Metrics::default().render(&s.service).await.expect("metrics");
    assert!(
        text.contains(&format!("custos_monitor_input_drift{{monitor=\"{id}\",input=\"income\",method=\"wasserstein_sd\"}} 1")),
        "{text}"
    );
    assert!(text.contains(&format!("custos_monitor_input_drift{{monitor=\"{id}\",input=\"channel\",method=\"psi\"}} 0")), "{text}");
    assert!(text.contains(&format!("custos_monitor_accuracy{{monitor=\"{id}\",estimated=\"false\"}}")), "{text}");

    // The trend: the last 3 windows of a day each, oldest first;
    // only the last holds decisions (all logged just now).
    let (st, windows) = s.call(Method::GET, &format!("/v1/monitors/{id}/windows?count=3"), Some(&reader), None).await;
    assert_eq!(st, 200, "{windows}");
    let windows = windows.as_array().expect("windows").clone();
    assert_eq!(windows.len(), 3);
    assert_eq!(windows.iter().map(|w| w["window"]["rows"].as_u64().unwrap_or(0)).collect::<Vec<_>>(), [0, 0, 600]);
    assert_eq!(windows[2]["drifted"], json!(["income"]), "{windows:?}");
    assert_eq!(windows[0]["features"], 0);
    let (st, problem) = s.call(Method::GET, &format!("/v1/monitors/{id}/windows?count=31"), Some(&reader), None).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("count")));

    // The console: an analyst sees the monitors, the trend with its numbers, and the alert;
    // a reviewer does not.
    s.service
        .staff()
        .create_user("ana@example.com", &[custos_core::Role::Analyst], Some("a long analyst password".into()))
        .await
        .expect("user");
    let mut b = Browser::new(&s);
    b.login("ana@example.com", "a long analyst password").await;
    let (st, list, _) = b.get("/console/monitors").await;
    assert_eq!(st, 200, "{list}");
    assert!(list.contains(&format!("/console/monitors/{id}")) && list.contains("Offer inputs") && list.contains("model nbo"), "{list}");
    let (st, page, _) = b.get(&format!("/console/monitors/{id}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Inputs that drifted") && page.contains(">income<") && page.contains("inputs drifted"), "{page}");
    assert!(page.contains("<svg") || page.contains("the trend appears"), "{page}");
    s.service
        .staff()
        .create_user("rita@example.com", &[custos_core::Role::Reviewer], Some("a long reviewer password".into()))
        .await
        .expect("user");
    let mut r = Browser::new(&s);
    r.login("rita@example.com", "a long reviewer password").await;
    assert_eq!(r.get("/console/monitors").await.0, 403);

    // The default current window (a day to now) holds both halves; bad windows and ids.
    let (_, whole) = s.call(Method::GET, &format!("/v1/monitors/{id}/report"), Some(&reader), None).await;
    assert_eq!(whole["current"]["rows"], 600, "{whole}");
    let (st, problem) = s.call(Method::GET, &format!("/v1/monitors/{id}/report?from=soon"), Some(&reader), None).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("from")));
    let (st, problem) = s.call(Method::GET, &format!("/v1/monitors/{id}/report?window=1"), Some(&reader), None).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("window")));
    assert_eq!(s.call(Method::GET, "/v1/monitors/01a236da-e535-701c-a7f8-d9201e55519a", Some(&reader), None).await.0, 404);
    assert_eq!(s.call(Method::GET, "/v1/monitors/not-an-id/report", Some(&reader), None).await.0, 400);

    // The history: a check after the day closed stores the day's window as a sealed profile,
    // once; it is compared with the reference like any window, and retention removes it.
    let tomorrow = custos_core::now() + chrono::Duration::days(1);
    s.service.monitors().check(tomorrow).await.expect("check");
    s.service.monitors().check(tomorrow).await.expect("check");
    let (st, history) = s.call(Method::GET, &format!("/v1/monitors/{id}/history"), Some(&reader), None).await;
    assert_eq!(st, 200, "{history}");
    let history = history.as_array().expect("history").clone();
    // The decisions were all logged today (unless the test ran across midnight UTC, when they
    // split over two stored days).
    let same_day = t0[..10] == custos_core::format_timestamp(&custos_core::now())[..10];
    if same_day {
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!((history[0]["window"]["rows"].as_u64(), history[0]["features"].as_u64()), (Some(600), Some(2)), "{history:?}");
        assert_eq!(history[0]["drifted"], json!(["income"]), "{history:?}");
    } else {
        let rows: u64 = history.iter().map(|w| w["window"]["rows"].as_u64().unwrap_or(0)).sum();
        assert!(rows <= 600 && !history.is_empty(), "{history:?}");
    }
    let (st, problem) = s.call(Method::GET, &format!("/v1/monitors/{id}/history?count=0"), Some(&reader), None).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("count")));
    let retained = s.service.retention().run(custos_core::now() + chrono::Duration::days(500)).await.expect("retention");
    assert!(retained.monitor_windows >= 1, "{retained:?}");
    assert_eq!(s.call(Method::GET, &format!("/v1/monitors/{id}/history"), Some(&reader), None).await.1, json!([]));
}

backend_tests!(monitors_compare_windows, monitors_compare_against_an_uploaded_profile);

/// A monitor whose reference is an uploaded profile (`custos drift profile` of, say, the
/// training data) instead of a window of the decision log.
async fn monitors_compare_against_an_uploaded_profile(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subjects = offers_and_subjects(&s, 10, "p").await;
    // The training data's profile: incomes as the unshifted log writes them, the same mix.
    let mut income = custos_monitor::ColumnProfile::numeric("income");
    let mut channel = custos_monitor::ColumnProfile::categorical("channel");
    for i in 0..3_000usize {
        income.add_number(Some(50.0 + ((i * 7919) % 1000) as f64 / 50.0));
        channel.add_category(Some(if i % 2 == 0 { "web" } else { "app" }), 1).expect("category");
    }
    let profile = custos_monitor::Profile { rows: 3_000, columns: vec![income, channel] };
    let profile: Value = serde_json::from_str(&profile.to_json()).expect("json");

    let t0 = stamp();
    log(&s, &subjects, 8.0).await;
    let (st, monitor) =
        s.post("/v1/monitors", json!({"name": "Against training", "model": "nbo", "reference_from": t0, "reference_to": stamp()})).await;
    assert_eq!(st, 201, "{monitor}");
    let id = monitor["monitor_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/monitors/{id}/reference-profile");

    // Bad profiles are refused naming the field and change nothing; scopes hold.
    let mut wrong = profile.clone();
    wrong["columns"][0]["sketch"] = json!("not base64!");
    for bad in [json!({"format": "other"}), wrong, json!([1, 2])] {
        let (st, problem) = s.call(Method::PUT, &path, Some(&s.admin_key), Some(bad)).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some("profile")), "{problem}");
    }
    let reader = s.key(&["monitors:read"]).await;
    assert_eq!(s.call(Method::PUT, &path, Some(&reader), Some(profile.clone())).await.0, 403);
    assert_eq!(
        s.call(
            Method::PUT,
            "/v1/monitors/00000000-0000-7000-8000-000000000000/reference-profile",
            Some(&s.admin_key),
            Some(profile.clone())
        )
        .await
        .0,
        404
    );
    let (_, before) = s.call(Method::GET, &format!("/v1/monitors/{id}/report?from={}", t0.replace('+', "%2B")), Some(&reader), None).await;
    assert_eq!(before["reference_source"], "window", "{before}");

    let (st, body) = s.call(Method::PUT, &path, Some(&s.admin_key), Some(profile)).await;
    assert_eq!(st, 200, "{body}");
    let (st, report) = s.call(Method::GET, &format!("/v1/monitors/{id}/report?from={}", t0.replace('+', "%2B")), Some(&reader), None).await;
    assert_eq!(st, 200, "{report}");
    assert_eq!((report["reference_source"].as_str(), report["reference"]["rows"].as_u64()), (Some("profile"), Some(3_000)), "{report}");
    let column = |name: &str| -> Value {
        report["drift"]["columns"].as_array().expect("columns").iter().find(|c| c["column"] == name).cloned().expect("column")
    };
    assert_eq!(column("income")["verdict"], "drift", "{report}");
    assert_eq!(column("income")["tests"][0]["method"], "ks_sketch");
    assert_eq!(column("channel")["verdict"], "no_drift", "{report}");
    // Sealed at rest: the profile's values are not in the database file in the clear.
    assert!(!report.to_string().contains("web"), "category values are counted, never named");
}

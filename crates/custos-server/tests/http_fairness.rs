//! Fairness audits of the live decision log over HTTP: audit-only categories as groups,
//! outcomes as ground truth, background jobs with progress, stored reports whose hash is in the
//! ledger, thresholds that raise alerts, and recurring audits.

use std::time::Duration;

use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const OFFERS: &str = "marketing.advertising.first_party.targeted";

/// One logged decision as the test planned it.
struct Planned {
    gender: Option<&'static str>,
    offered: bool,
    actual: Option<bool>,
    score: f64,
}

/// 72 decisions: women are offered less often than men; a third have no recorded outcome; two
/// subjects hold no gender.
fn plan() -> Vec<Planned> {
    (0..72)
        .map(|i: u32| {
            let gender = match i % 12 {
                0 if i < 24 => None,
                k if k % 2 == 0 => Some("female"),
                _ => Some("male"),
            };
            let offered = match gender {
                Some("female") => i % 5 < 2,
                _ => i % 5 < 4,
            };
            let actual = if i % 3 == 2 { None } else { Some(i % 7 < 4) };
            Planned { gender, offered, actual, score: f64::from(i % 10) / 10.0 + 0.05 }
        })
        .collect()
}

async fn wait_for(s: &TestServer, key: &str, path: &str) -> Value {
    for _ in 0..300 {
        let (st, audit) = s.call(Method::GET, path, Some(key), None).await;
        assert_eq!(st, 200, "{audit}");
        if audit["status"] == "succeeded" || audit["status"] == "failed" {
            return audit;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the audit at {path} did not finish");
}

/// Ledger events from `from` on, as parsed leaves.
async fn events_from(s: &TestServer, from: u64) -> Vec<Value> {
    let mut out = Vec::new();
    for index in from.. {
        let (st, entry) = s.get(&format!("/v1/ledger/entries/{index}")).await;
        if st == 404 {
            break;
        }
        let leaf = data_encoding::BASE64.decode(entry["leaf"].as_str().unwrap_or("").as_bytes()).expect("base64");
        out.push(serde_json::from_slice(&leaf).expect("JSON leaf"));
    }
    out
}

fn rate(num: usize, den: usize) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}

async fn audit_the_decision_log(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": OFFERS, "name": "Offers", "legal_basis": "legitimate_interest", "data_categories": ["user.behavior"],
                   "profiling": true, "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let planned = plan();
    let mut subject_ids = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        let mut data = json!({"user.behavior.purchase_history": [i]});
        if let Some(g) = p.gender {
            data["user.demographic.gender"] = json!(g);
        }
        let (st, subject) = s.post("/v1/subjects", json!({"external_id": format!("fair-{i}"), "jurisdiction": "DE", "data": data})).await;
        assert_eq!(st, 201, "{subject}");
        let sid = subject["subject_id"].as_str().expect("id").to_owned();
        let (st, d) = s
            .post(
                "/v1/decisions",
                json!({"subject_id": sid, "purpose": OFFERS, "model": "next-best-offer", "model_version": "7",
                       "outcome": if p.offered { "offer" } else { "no_offer" }, "score": p.score}),
            )
            .await;
        assert_eq!(st, 201, "{d}");
        if let Some(actual) = p.actual {
            let path = format!("/v1/decisions/{}/outcome", d["decision_id"].as_str().expect("id"));
            let (st, o) = s.post(&path, json!({"actual": if actual { "offer" } else { "no_offer" }})).await;
            assert_eq!(st, 200, "{o}");
        }
        subject_ids.push(sid);
    }
    // A decision by another model stays out of a model-scoped audit.
    let (st, _) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": subject_ids[1], "purpose": OFFERS, "model": "other", "model_version": "1", "outcome": "offer"}),
        )
        .await;
    assert_eq!(st, 201);

    let auditor = s.key(&["fairness"]).await;
    let other = s.key(&["decisions:read"]).await;
    let request = json!({"purpose": OFFERS, "model": "next-best-offer", "sensitive": ["user.demographic.gender"], "favorable": "offer",
        "reference_group": "user.demographic.gender=male", "bootstrap": 200, "min_group_size": 5,
        "thresholds": {"demographic_parity_difference": 0.1, "disparate_impact": 0.8, "equalized_odds_difference": 0.99}});

    // Authentication, scope and bad input: problems, nothing queued.
    assert_eq!(s.call(Method::POST, "/v1/fairness/audits", None, Some(request.clone())).await.0, 401);
    assert_eq!(s.call(Method::POST, "/v1/fairness/audits", Some(&other), Some(request.clone())).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/fairness/audits", Some(&other), None).await.0, 403);
    for (body, status, field) in [
        (json!({"sensitive": ["user.contact.email"]}), 422, "sensitive[0]"),
        (json!({"sensitive": []}), 400, "sensitive"),
        (json!({"sensitive": ["not a category"]}), 400, "sensitive[0]"),
        (json!({"sensitive": ["user.demographic.gender"], "thresholds": {"vibes": 1}}), 400, "thresholds.vibes"),
        (json!({"sensitive": ["user.demographic.gender"], "thresholds": {"disparate_impact": 0.8}}), 400, "thresholds.disparate_impact"),
        (json!({"sensitive": ["user.demographic.gender"], "purpose": "no.such.purpose"}), 422, "purpose"),
        (json!({"sensitive": ["user.demographic.gender"], "from": "yesterday"}), 400, "from"),
        (json!({"sensitive": ["user.demographic.gender"], "reference_group": "user.demographic.race_ethnicity=x"}), 400, "reference_group"),
        (json!({"sensitive": ["user.demographic.gender"], "surprise": 1}), 400, "surprise"),
        // A typo in the favourable outcome is refused, naming what the scope holds.
        (json!({"sensitive": ["user.demographic.gender"], "favorable": "offr"}), 422, "favorable"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/fairness/audits", Some(&auditor), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    let (_, none) = s.call(Method::GET, "/v1/fairness/audits", Some(&auditor), None).await;
    assert_eq!(none, json!([]), "rejected requests queue nothing");

    // The audit runs in the background; its Location shows progress, then the report.
    let response =
        s.client.post(format!("{}/v1/fairness/audits", s.base_url)).bearer_auth(&auditor).json(&request).send().await.expect("request");
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).expect("Location").to_owned();
    let queued: Value = response.json().await.expect("JSON");
    assert!(location.ends_with(queued["audit_id"].as_str().expect("id")));
    assert!(queued["receipt"]["leaf_index"].is_u64(), "{queued}");
    let audit = wait_for(&s, &auditor, &location).await;
    assert_eq!(audit["status"], "succeeded", "{audit}");
    assert_eq!(audit["progress"]["rows_done"], 72);
    assert_eq!(audit["progress"]["rows_total"], 72);

    // The numbers, computed here from the plan: selection over every decision, error rates
    // over the decisions with an outcome.
    let report = &audit["report"];
    assert_eq!(report["rows"], 72);
    assert_eq!(report["labelled_rows"], planned.iter().filter(|p| p.actual.is_some()).count());
    assert_eq!(report["sensitive"], json!(["user.demographic.gender"]));
    let groups = report["by_group"].as_array().expect("groups");
    assert_eq!(groups.len(), 3, "female, male and (missing): {report}");
    let mut sel = Vec::new();
    for (value, want) in [("(missing)", None), ("female", Some("female")), ("male", Some("male"))] {
        let rows: Vec<&Planned> = planned.iter().filter(|p| p.gender == want).collect();
        let g = groups.iter().find(|g| g["group"]["user.demographic.gender"] == value).expect("group");
        let labelled: Vec<&&Planned> = rows.iter().filter(|p| p.actual.is_some()).collect();
        let tp = labelled.iter().filter(|p| p.offered && p.actual == Some(true)).count();
        let pos = labelled.iter().filter(|p| p.actual == Some(true)).count();
        let fp = labelled.iter().filter(|p| p.offered && p.actual == Some(false)).count();
        let neg = labelled.len() - pos;
        let selection = rate(rows.iter().filter(|p| p.offered).count(), rows.len());
        assert_eq!(g["count"], rows.len(), "{g}");
        assert_eq!(g["labelled_count"], labelled.len(), "{g}");
        assert!((g["selection_rate"].as_f64().expect("rate") - selection).abs() < 1e-12, "{g}");
        assert!((g["true_positive_rate"].as_f64().expect("tpr") - rate(tp, pos)).abs() < 1e-12, "{g}");
        assert!((g["false_positive_rate"].as_f64().expect("fpr") - rate(fp, neg)).abs() < 1e-12, "{g}");
        assert!(g["roc_auc"].is_number() || g["roc_auc"].is_null(), "scores give ROC AUC: {g}");
        assert!(g["intervals"]["selection_rate"]["low"].as_f64().expect("low") <= selection);
        sel.push(selection);
    }
    let max = sel.iter().cloned().fold(f64::MIN, f64::max);
    let min = sel.iter().cloned().fold(f64::MAX, f64::min);
    let dpd = report["disparities"]["demographic_parity_difference"].as_f64().expect("dpd");
    assert!((dpd - (max - min)).abs() < 1e-12, "{report}");
    assert!(report["relative_to_reference"]["disparate_impact"].as_f64().expect("di") < 0.8);
    assert!(report["warnings"].to_string().contains("(missing)"), "the small group is flagged: {}", report["warnings"]);
    let text = report.to_string();
    for sid in &subject_ids {
        assert!(!text.contains(sid.as_str()), "no subject id in a report");
    }
    assert!(!text.contains("fair-1"), "no external id in a report");

    // Thresholds crossed: alerts on the audit and in the alert list.
    let metrics: Vec<&str> = audit["alerts"].as_array().expect("alerts").iter().filter_map(|a| a["metric"].as_str()).collect();
    assert!(metrics.contains(&"demographic_parity_difference") && metrics.contains(&"disparate_impact"), "{metrics:?}");
    assert!(!metrics.contains(&"equalized_odds_difference"), "{metrics:?}");
    let (st, alerts) = s.call(Method::GET, "/v1/fairness/alerts", Some(&auditor), None).await;
    assert_eq!(st, 200);
    assert_eq!(alerts[0]["audit_id"], audit["audit_id"]);

    // The stored report is exactly what the ledger's hash covers; the access to special-category
    // data and the completion are ledger events without personal data.
    let report_path = format!("{location}/report");
    let raw = s.client.get(format!("{}{report_path}", s.base_url)).bearer_auth(&auditor).send().await.expect("report");
    assert_eq!(raw.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
    let raw = raw.bytes().await.expect("bytes");
    let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(&raw));
    assert_eq!(audit["report_sha256"].as_str(), Some(sha.as_str()));
    let events = events_from(&s, queued["receipt"]["leaf_index"].as_u64().expect("index")).await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| k.starts_with("fairness.")).collect::<Vec<_>>(),
        [&"fairness.audit_requested", &"fairness.sensitive_data_read", &"fairness.audit_completed"]
    );
    let read = events.iter().find(|e| e["event"] == "fairness.sensitive_data_read").expect("read event");
    assert_eq!(read["categories"], json!(["user.demographic.gender"]));
    let completed = events.iter().find(|e| e["event"] == "fairness.audit_completed").expect("completed event");
    assert_eq!(completed["report_sha256"].as_str(), Some(sha.as_str()));
    let html = s.client.get(format!("{}{report_path}?format=html", s.base_url)).bearer_auth(&auditor).send().await.expect("html");
    let csp = html.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && html.headers().get("x-frame-options").is_some(), "the report's headers: {csp:?}");
    let html = html.text().await.expect("text");
    assert!(html.contains("<svg") && html.contains("Four-fifths rule: not met") && html.contains(&sha), "the HTML report");
    let (st, problem) = s.call(Method::GET, &format!("{report_path}?format=pdf"), Some(&auditor), None).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("format")));

    // Alerts on the interval: a threshold between the interval's low end and the estimate
    // alerts on the estimate but not on the interval (the same bootstrap, so the same interval).
    let dpd = report["disparities"]["demographic_parity_difference"].as_f64().expect("dpd");
    let low = report["disparity_intervals"]["demographic_parity_difference"]["low"].as_f64().expect("interval");
    assert!(low < dpd, "{low} {dpd}");
    let mid = (low + dpd) / 2.0;
    let mut alerted = Vec::new();
    for alert_on in ["estimate", "interval"] {
        let mut body = request.clone();
        body["thresholds"] = json!({"demographic_parity_difference": mid});
        body["alert_on"] = json!(alert_on);
        let (st, queued) = s.call(Method::POST, "/v1/fairness/audits", Some(&auditor), Some(body)).await;
        assert_eq!(st, 202, "{queued}");
        let done = wait_for(&s, &auditor, &format!("/v1/fairness/audits/{}", queued["audit_id"].as_str().expect("id"))).await;
        assert_eq!(done["report"]["disparity_intervals"]["demographic_parity_difference"]["low"].as_f64(), Some(low));
        alerted.push(done["alerts"].as_array().map_or(0, Vec::len));
    }
    assert_eq!(alerted, [1, 0], "the estimate crosses, the interval does not");
    for (body, field) in [
        (
            json!({"sensitive": ["user.demographic.gender"], "favorable": "offer", "alert_on": "interval", "bootstrap": 0,
                "thresholds": {"demographic_parity_difference": 0.1}}),
            "alert_on",
        ),
        (
            json!({"sensitive": ["user.demographic.gender"], "favorable": "offer", "alert_on": "interval",
                "thresholds": {"demographic_parity_ratio": 0.8}}),
            "alert_on",
        ),
        (json!({"sensitive": ["user.demographic.gender"], "favorable": "offer", "alert_on": "sometimes"}), "alert_on"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/fairness/audits", Some(&auditor), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }

    // An audit of a window with no decisions fails with a reason, and says so.
    let empty = json!({"sensitive": ["user.demographic.gender"], "from": "2001-01-01T00:00:00Z", "to": "2001-01-02T00:00:00Z"});
    let (st, queued_empty) = s.call(Method::POST, "/v1/fairness/audits", Some(&auditor), Some(empty)).await;
    assert_eq!(st, 202);
    let failed = wait_for(&s, &auditor, &format!("/v1/fairness/audits/{}", queued_empty["audit_id"].as_str().expect("id"))).await;
    assert_eq!((failed["status"].as_str(), failed["error"].as_str()), (Some("failed"), Some("no decisions in scope")));
    let (st, _) = s
        .call(Method::GET, &format!("/v1/fairness/audits/{}/report", queued_empty["audit_id"].as_str().expect("id")), Some(&auditor), None)
        .await;
    assert_eq!(st, 409);

    let (_, problem) = s
        .call(
            Method::POST,
            "/v1/fairness/audits",
            Some(&auditor),
            Some(json!({"sensitive": ["user.demographic.gender"], "favorable": "offr"})),
        )
        .await;
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("`offr`") && detail.contains("offer (") && detail.contains("no_offer ("), "{problem}");

    // An audit whose groups are all below the minimum size fails with the reason instead of
    // "succeeding" with no alerts.
    let tiny = json!({"sensitive": ["user.demographic.gender"], "favorable": "offer", "min_group_size": 1000, "bootstrap": 0});
    let (st, queued_tiny) = s.call(Method::POST, "/v1/fairness/audits", Some(&auditor), Some(tiny)).await;
    assert_eq!(st, 202, "{queued_tiny}");
    let failed = wait_for(&s, &auditor, &format!("/v1/fairness/audits/{}", queued_tiny["audit_id"].as_str().expect("id"))).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed["error"].as_str().unwrap_or_default().contains("fewer than 1000 decisions"), "{failed}");

    // A recurring audit queues its first run at once and audits a trailing window.
    let (st, schedule) = s
        .call(
            Method::POST,
            "/v1/fairness/schedules",
            Some(&auditor),
            Some(json!({"interval_seconds": 3600, "window_seconds": 86400,
                        "audit": {"model": "next-best-offer", "sensitive": ["user.demographic.gender"], "favorable": "offer", "bootstrap": 0,
                                  "thresholds": {"demographic_parity_difference": 0.9}}})),
        )
        .await;
    assert_eq!(st, 201, "{schedule}");
    let schedule_id = schedule["schedule_id"].as_str().expect("id").to_owned();
    let mut run = Value::Null;
    for _ in 0..300 {
        let (_, audits) = s.call(Method::GET, "/v1/fairness/audits", Some(&auditor), None).await;
        if let Some(a) = audits.as_array().into_iter().flatten().find(|a| a["schedule_id"] == schedule_id.as_str()) {
            run = wait_for(&s, &auditor, &format!("/v1/fairness/audits/{}", a["audit_id"].as_str().expect("id"))).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["report"]["rows"], 72);
    assert!(run["request"]["from"].is_string() && run["request"]["to"].is_string(), "{run}");
    assert_eq!(run["alerts"], json!([]), "within its threshold");
    let (_, schedules) = s.call(Method::GET, "/v1/fairness/schedules", Some(&auditor), None).await;
    assert_eq!(schedules[0]["schedule_id"], schedule_id.as_str());
    assert!(schedules[0]["next_run_at"].as_str() > schedule["next_run_at"].as_str(), "{schedules}");
    for (body, field) in [
        (json!({"interval_seconds": 5, "audit": {"sensitive": ["user.demographic.gender"]}}), "interval_seconds"),
        (json!({"interval_seconds": 3600, "audit": {"sensitive": ["user.contact.email"]}}), "audit.sensitive[0]"),
        (
            json!({"interval_seconds": 3600, "window_seconds": 600, "audit": {"sensitive": ["user.demographic.gender"], "from": "2026-01-01T00:00:00Z"}}),
            "audit.from",
        ),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/fairness/schedules", Some(&auditor), Some(body)).await;
        assert!(st == 400 || st == 422, "{problem}");
        assert_eq!(problem["field"].as_str(), Some(field), "{problem}");
    }
    let path = format!("/v1/fairness/schedules/{schedule_id}");
    let (st, deleted) = s.call(Method::DELETE, &path, Some(&auditor), None).await;
    assert_eq!(st, 200, "{deleted}");
    assert!(deleted["receipt"]["leaf_index"].is_u64());
    assert_eq!(s.call(Method::DELETE, &path, Some(&auditor), None).await.0, 404);
    assert_eq!(s.call(Method::GET, "/v1/fairness/audits/not-an-id", Some(&auditor), None).await.0, 400);
    assert_eq!(s.call(Method::GET, &format!("/v1/fairness/audits/{}", custos_core::AuditId::new()), Some(&auditor), None).await.0, 404);
    s.stop().await;
}

/// An audit that was running when its process stopped is queued again, not lost.
async fn interrupted_audits_are_requeued(backend: Backend) {
    let Some(db) = custos_testkit::TestDb::new(backend).await else { return };
    let service = db.service().await;
    let queued = service
        .fairness()
        .request_audit(
            custos_service::fairness::FairnessAuditInput { sensitive: vec!["user.demographic.gender".into()], ..Default::default() },
            None,
        )
        .await
        .expect("queued");
    // The process that claimed it "stops" mid-run (the claim itself is tested in the store).
    let at = custos_core::format_timestamp(&custos_core::now());
    db.execute(&format!("UPDATE fairness_audits SET status = 'running', started_at = '{at}' WHERE audit_id = '{}'", queued.audit_id)).await;
    let id = queued.audit_id.to_string();
    assert_eq!(service.fairness().audit(&id).await.expect("audit").status.as_str(), "running");
    // The "restarted" worker requeues it, then runs it (it fails: there are no decisions).
    let running = service.clone();
    let worker = tokio::spawn(async move { running.fairness().run_worker(std::future::pending()).await });
    let mut status = String::new();
    for _ in 0..300 {
        status = service.fairness().audit(&id).await.expect("audit").status.as_str().to_owned();
        if status == "failed" || status == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.abort();
    assert_eq!(status, "failed");
}

backend_tests!(audit_the_decision_log, interrupted_audits_are_requeued);

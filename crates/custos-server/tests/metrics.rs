//! Prometheus metrics on their own listener, on SQLite and PostgreSQL: gate checks by decision
//! and reason, request latency by route template (never a path with an id), requests open and
//! overdue, the ledger's size, and the selection rate of each group of the newest fairness audit
//! (groups below the minimum size left out).

use std::time::Duration;

use custos_testkit::{Backend, TestServer, backend_tests};
use serde_json::json;

const OFFERS: &str = "marketing.advertising.first_party.targeted";

async fn metrics_are_scraped(backend: Backend) {
    let mut captured = None;
    let Some(s) = TestServer::start_with(backend, |state| {
        captured = Some(state.clone());
        state
    })
    .await
    else {
        return;
    };
    let state = captured.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, custos_server::metrics_router(&state)).await });
    let scrape = || async {
        let response = reqwest::get(format!("http://{address}/metrics")).await.expect("scrape");
        assert_eq!(response.status().as_u16(), 200);
        let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
        response.text().await.expect("text")
    };

    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": OFFERS, "name": "Offers", "legal_basis": "consent", "data_categories": ["user.behavior"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let mut subjects = Vec::new();
    for i in 0..25 {
        let mut data = json!({"user.behavior.purchase_history": [i]});
        if i < 24 {
            data["user.demographic.gender"] = json!(if i % 2 == 0 { "female" } else { "male" });
        }
        let (st, subject) = s.post("/v1/subjects", json!({"external_id": format!("m-{i}"), "jurisdiction": "DE", "data": data})).await;
        assert_eq!(st, 201, "{subject}");
        subjects.push(subject["subject_id"].as_str().expect("id").to_owned());
    }
    // No consent: a deny with its reason; a contract purpose: an allow.
    let check = json!({"subject_id": subjects[0], "purpose": OFFERS, "data_categories": ["user.behavior"]});
    let (st, denied) = s.post("/v1/gate/check", check.clone()).await;
    assert_eq!((st, denied["decision"].as_str()), (200, Some("deny")), "{denied}");
    let reason = denied["reasons"][0]["code"].as_str().expect("reason").to_owned();
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": "essential.service.credit_limit", "name": "Credit", "legal_basis": "contract", "data_categories": ["user.behavior"],
                   "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let check = json!({"subject_id": subjects[0], "purpose": "essential.service.credit_limit", "data_categories": ["user.behavior"]});
    let (st, allowed) = s.post("/v1/gate/check", check).await;
    assert_eq!((st, allowed["decision"].as_str()), (200, Some("allow")), "{allowed}");

    // An open request (not yet due).
    let (st, _) = s.post("/v1/dsr", json!({"subject_id": subjects[1], "type": "access"})).await;
    assert_eq!(st, 201);

    let text = scrape().await;
    assert!(text.contains(&format!("custos_gate_checks_total{{decision=\"deny\",reason=\"{reason}\"}} 1")), "{text}");
    let basis = allowed["reasons"][0]["code"].as_str().unwrap_or("none");
    assert!(text.contains(&format!("custos_gate_checks_total{{decision=\"allow\",reason=\"{basis}\"}} 1")), "{text}");
    assert!(
        text.contains("custos_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/gate/check\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(!text.contains(&subjects[0]), "no id from a path or a body reaches a label");
    assert!(text.contains("custos_dsrs_open 1") && text.contains("custos_dsrs_overdue 0"), "{text}");
    let entries: u64 =
        text.lines().find_map(|l| l.strip_prefix("custos_ledger_entries ")).and_then(|v| v.trim().parse().ok()).expect("ledger entries");
    assert!(entries > 10, "{entries}");
    assert!(text.trim_end().ends_with("# EOF"));

    // The newest audit's selection rates, for groups of at least the minimum size.
    for (i, subject) in subjects.iter().enumerate() {
        // Men (odd) always get the offer; women (even) when i is not a multiple of 4: half.
        let outcome = if i % 4 == 0 { "no_offer" } else { "offer" };
        let (st, d) = s
            .post(
                "/v1/decisions",
                json!({"subject_id": subject, "purpose": OFFERS, "model": "nbo", "model_version": "1", "outcome": outcome}),
            )
            .await;
        assert_eq!(st, 201, "{d}");
    }
    let (st, audit) = s
        .post(
            "/v1/fairness/audits",
            json!({"purpose": OFFERS, "model": "nbo", "sensitive": ["user.demographic.gender"], "favorable": "offer", "min_group_size": 5, "bootstrap": 0}),
        )
        .await;
    assert_eq!(st, 202, "{audit}");
    let path = format!("/v1/fairness/audits/{}", audit["audit_id"].as_str().expect("id"));
    for _ in 0..300 {
        if s.get(&path).await.1["status"] == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = scrape().await;
    let female =
        format!("custos_fairness_selection_rate{{purpose=\"{OFFERS}\",model=\"nbo\",group=\"user.demographic.gender=female\"}} 0.5");
    let male = format!("custos_fairness_selection_rate{{purpose=\"{OFFERS}\",model=\"nbo\",group=\"user.demographic.gender=male\"}} 1.0");
    assert!(text.contains(&female) && text.contains(&male), "{text}");
    assert_eq!(text.matches("custos_fairness_selection_rate{").count(), 2, "the group of one (no gender) is left out: {text}");
}

backend_tests!(metrics_are_scraped);

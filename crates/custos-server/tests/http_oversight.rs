//! Human oversight over HTTP, on SQLite and PostgreSQL: review rules route decisions to people,
//! reviewers confirm or override (blind, or two of them), late reviews are escalated and never
//! approved, the stop button stops a purpose at the gate or sends a model's decisions to
//! review, and the oversight figures catch a reviewer who rubber-stamps.

use custos_core::Role;
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const CREDIT: &str = "essential.service.credit_limit";

async fn setup(s: &TestServer) -> String {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"purpose": CREDIT, "name": "Credit limits", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, subject) = s.post("/v1/subjects", json!({"external_id": "c-1", "jurisdiction": "DE", "data": {}})).await;
    assert_eq!(st, 201, "{subject}");
    subject["subject_id"].as_str().expect("id").to_owned()
}

async fn decide(s: &TestServer, subject: &str, model: &str, score: f64, extra: Value) -> Value {
    let mut body =
        json!({"subject_id": subject, "purpose": CREDIT, "model": model, "model_version": "1", "outcome": "declined", "score": score});
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let (st, d) = s.post("/v1/decisions", body).await;
    assert_eq!(st, 201, "{d}");
    d
}

async fn rule(s: &TestServer, body: Value) -> Value {
    let (st, r) = s.post("/v1/review-rules", body).await;
    assert_eq!(st, 201, "{r}");
    r
}

fn codes(d: &Value) -> Vec<String> {
    d["review"]["reasons"].as_array().into_iter().flatten().map(|r| r["code"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn rules_route_decisions(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;

    // Bad rules are refused with the field named, and nothing is stored.
    for (body, field) in [
        (json!({"name": "x", "conditions": {}, "sla_hours": 24}), "conditions"),
        (json!({"name": "x", "conditions": {"sample_rate": 2.0}, "sla_hours": 24}), "conditions.sample_rate"),
        (json!({"name": "x", "conditions": {"score_band": [0.9, 0.1]}, "sla_hours": 24}), "conditions.score_band"),
        (json!({"name": "x", "conditions": {"significant": true}, "sla_hours": 0}), "sla_hours"),
        (json!({"name": "x", "conditions": {"purpose": "Not A Purpose"}, "sla_hours": 24}), "conditions.purpose"),
        (json!({"name": "x", "conditions": {"colour": "red"}, "sla_hours": 24}), "conditions.colour"),
        (json!({"name": "x", "conditions": {"significant": true}, "sla_hours": 24, "required_role": "boss"}), "required_role"),
    ] {
        let (st, problem) = s.post("/v1/review-rules", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.get("/v1/review-rules").await.1, json!([]));
    let reader = s.key(&["reviews:read"]).await;
    assert_eq!(s.call(Method::POST, "/v1/review-rules", Some(&reader), Some(json!({}))).await.0, 403);

    let band =
        rule(&s, json!({"name": "Near the cut-off", "conditions": {"purpose": CREDIT, "score_band": [0.4, 0.6]}, "sla_hours": 48})).await;
    rule(&s, json!({"name": "Significant", "conditions": {"significant": true}, "sla_hours": 24})).await;
    rule(&s, json!({"name": "Unexplained", "conditions": {"model": "opaque", "no_explanation": true}, "sla_hours": 72})).await;
    assert_eq!(s.get("/v1/review-rules").await.1.as_array().map(Vec::len), Some(3));

    // A confident score under no rule is final at once.
    let d = decide(&s, &subject, "scorer", 0.9, json!({})).await;
    assert_eq!((d["status"].as_str(), d.get("review")), (Some("final"), None), "{d}");
    // A score in the band goes to review, due 48 hours after it was made.
    let d = decide(&s, &subject, "scorer", 0.5, json!({})).await;
    assert_eq!(d["status"], "pending_review", "{d}");
    assert_eq!(codes(&d), ["purpose", "confidence_band"]);
    assert_eq!(d["review"]["reasons"][0]["rule_id"], band["rule_id"]);
    let made = chrono::DateTime::parse_from_rfc3339(d["created_at"].as_str().expect("t")).expect("t");
    let due = chrono::DateTime::parse_from_rfc3339(d["review"]["due_at"].as_str().expect("t")).expect("t");
    assert_eq!(due - made, chrono::Duration::hours(48));
    let (st, got) = s.get(&format!("/v1/decisions/{}", d["decision_id"].as_str().expect("id"))).await;
    assert_eq!((st, got["status"].as_str(), got["review"]["status"].as_str()), (200, Some("pending_review"), Some("open")), "{got}");
    // The caller says the effect is significant; the shortest deadline of two rules wins.
    let d = decide(&s, &subject, "scorer", 0.5, json!({"significant": true})).await;
    assert_eq!(codes(&d), ["purpose", "confidence_band", "significant"]);
    let made = chrono::DateTime::parse_from_rfc3339(d["created_at"].as_str().expect("t")).expect("t");
    let due = chrono::DateTime::parse_from_rfc3339(d["review"]["due_at"].as_str().expect("t")).expect("t");
    assert_eq!(due - made, chrono::Duration::hours(24));
    // No explanation (the model is not registered).
    let d = decide(&s, &subject, "opaque", 0.95, json!({})).await;
    assert_eq!(codes(&d), ["model", "no_explanation"]);

    // A purpose declared significant makes its decisions significant.
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": "essential.service.pricing", "name": "Pricing", "legal_basis": "contract", "data_categories": ["user.financial"],
                   "retention_days": 365, "significant_effect": true}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, d) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": subject, "purpose": "essential.service.pricing", "model": "pricer", "model_version": "1", "outcome": "premium"}),
        )
        .await;
    assert_eq!((st, d["significant"].as_bool(), d["status"].as_str()), (201, Some(true), Some("pending_review")), "{d}");

    // A new version replaces the rule; deleting it stops routing (open reviews stay).
    let v2 = rule(
        &s,
        json!({"name": "Near the cut-off", "conditions": {"purpose": CREDIT, "score_band": [0.45, 0.55]}, "sla_hours": 12, "replaces": band["rule_id"]}),
    )
    .await;
    assert_eq!((v2["rule_id"].clone(), v2["version"].as_u64()), (band["rule_id"].clone(), Some(2)));
    let d = decide(&s, &subject, "scorer", 0.42, json!({})).await;
    assert_eq!(d["status"], "final", "0.42 is outside version 2's band");
    let (st, _) =
        s.call(Method::DELETE, &format!("/v1/review-rules/{}", band["rule_id"].as_str().expect("id")), Some(&s.admin_key), None).await;
    assert_eq!(st, 200);
    assert_eq!(decide(&s, &subject, "scorer", 0.5, json!({})).await["status"], "final");
    let (_, queue) = s.get("/v1/reviews?status=open").await;
    assert_eq!(queue["total"], 4, "{queue}");
    let (_, by_rule) = s.get(&format!("/v1/reviews?rule={}", band["rule_id"].as_str().expect("id"))).await;
    assert_eq!(by_rule["total"], 2, "{by_rule}");
    assert_eq!(s.get("/v1/reviews?status=waiting").await.0, 400);
    s.stop().await;
}

async fn reviewers_confirm_and_override(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    rule(&s, json!({"name": "All credit", "conditions": {"purpose": CREDIT}, "sla_hours": 24})).await;
    let ann = s.person("ann@example.org", &[Role::Reviewer], &["reviews:read", "reviews:write", "decisions:read"]).await;
    let analyst = s.person("al@example.org", &[Role::Analyst], &["reviews:read", "reviews:write"]).await;
    let system = s.key(&["reviews:read", "reviews:write"]).await;

    let d = decide(&s, &subject, "scorer", 0.3, json!({})).await;
    let review = d["review"]["review_id"].as_str().expect("id").to_owned();
    let path = |action: &str| format!("/v1/reviews/{review}/{action}");
    // A system's key cannot review: a person must.
    let (st, problem) = s.call(Method::POST, &path("claim"), Some(&system), None).await;
    assert_eq!(st, 403, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("personal access token"), "{problem}");
    // Someone without the reviewer role cannot either.
    assert_eq!(s.call(Method::POST, &path("claim"), Some(&analyst), None).await.0, 403);
    // Resolving needs the review taken first.
    let confirm = json!({"action": "confirm", "reason_code": "checked"});
    assert_eq!(s.call(Method::POST, &path("resolve"), Some(&ann), Some(confirm.clone())).await.0, 409);
    let (st, claimed) = s.call(Method::POST, &path("claim"), Some(&ann), None).await;
    assert_eq!((st, claimed["review"]["status"].as_str()), (200, Some("claimed")), "{claimed}");
    // Overriding with the model's own outcome, or without one, is refused.
    for (body, field) in [
        (json!({"action": "override", "outcome": "declined", "reason_code": "x"}), "outcome"),
        (json!({"action": "override", "reason_code": "x"}), "outcome"),
        (json!({"action": "maybe", "reason_code": "x"}), "action"),
        (json!({"action": "confirm", "reason_code": ""}), "reason_code"),
    ] {
        let (st, problem) = s.call(Method::POST, &path("resolve"), Some(&ann), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    let (st, done) = s
        .call(
            Method::POST,
            &path("resolve"),
            Some(&ann),
            Some(json!({"action": "override", "outcome": "approved", "reason_code": "income_verified", "note": "Payslips show a raise."})),
        )
        .await;
    assert_eq!(st, 200, "{done}");
    assert_eq!(done["review"]["status"], "resolved");
    assert_eq!(done["verdicts"][0]["note"], "Payslips show a raise.");
    let human_id = done["review"]["final_decision_id"].as_str().expect("a person's decision").to_owned();
    let (_, model) = s.get(&format!("/v1/decisions/{}", d["decision_id"].as_str().expect("id"))).await;
    assert_eq!(model["status"], "overridden", "{model}");
    let (_, human) = s.get(&format!("/v1/decisions/{human_id}")).await;
    assert_eq!(
        (human["status"].as_str(), human["decided_by"].as_str(), human["outcome"].as_str(), human["supersedes"].as_str()),
        (Some("final"), Some("human"), Some("approved"), d["decision_id"].as_str()),
        "{human}"
    );
    assert_eq!(human["reason_code"], "income_verified");
    // Resolved is resolved.
    assert_eq!(s.call(Method::POST, &path("claim"), Some(&ann), None).await.0, 409);

    // Confirming makes the model's decision final.
    let d = decide(&s, &subject, "scorer", 0.8, json!({})).await;
    let review = d["review"]["review_id"].as_str().expect("id").to_owned();
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/claim"), Some(&ann), None).await.0, 200);
    let (st, done) = s.call(Method::POST, &format!("/v1/reviews/{review}/resolve"), Some(&ann), Some(confirm)).await;
    assert_eq!((st, done["review"]["final_decision_id"].clone()), (200, d["decision_id"].clone()), "{done}");
    let (_, model) = s.get(&format!("/v1/decisions/{}", d["decision_id"].as_str().expect("id"))).await;
    assert_eq!(model["status"], "final");
    // Assigning names a reviewer who may review.
    let d = decide(&s, &subject, "scorer", 0.8, json!({})).await;
    let review = d["review"]["review_id"].as_str().expect("id").to_owned();
    let (st, problem) = s.post(&format!("/v1/reviews/{review}/assign"), json!({"assignee": "al@example.org"})).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("assignee")), "{problem}");
    let (st, assigned) = s.post(&format!("/v1/reviews/{review}/assign"), json!({"assignee": "Ann@example.org"})).await;
    assert_eq!(st, 200, "{assigned}");
    let (_, mine) = s.get(&format!("/v1/reviews?assignee={}", assigned["review"]["assignee"].as_str().expect("assignee"))).await;
    assert_eq!(mine["total"], 3, "two resolved and one assigned: {mine}");
    s.stop().await;
}

async fn blind_two_person_review(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    rule(&s, json!({"name": "Blind pair", "conditions": {"purpose": CREDIT}, "sla_hours": 24, "blind": true, "two_person": true})).await;
    let ann = s.person("ann@example.org", &[Role::Reviewer], &["reviews:read", "reviews:write"]).await;
    let bob = s.person("bob@example.org", &[Role::Reviewer], &["reviews:read", "reviews:write"]).await;
    let d = decide(&s, &subject, "scorer", 0.31, json!({"features": {"income": 1200, "tenure_months": 4}})).await;
    let review = d["review"]["review_id"].as_str().expect("id").to_owned();
    let at = |action: &str| format!("/v1/reviews/{review}/{action}");
    // Blind: not even the inputs before Ann's own outcome.
    assert_eq!(s.call(Method::GET, &at("inputs"), Some(&ann), None).await.0, 409);

    let (_, seen) = s.call(Method::GET, &format!("/v1/reviews/{review}"), Some(&ann), None).await;
    assert_eq!(
        (seen["model_hidden"].as_bool(), seen["decision"]["outcome"].as_str(), seen["decision"]["score"].clone()),
        (Some(true), Some(""), Value::Null),
        "{seen}"
    );
    assert_eq!(s.call(Method::POST, &at("claim"), Some(&ann), None).await.0, 200);
    let override_ = json!({"action": "override", "outcome": "approved", "reason_code": "thin_file"});
    let (st, first) = s.call(Method::POST, &at("resolve"), Some(&ann), Some(override_.clone())).await;
    assert_eq!(st, 200, "{first}");
    // Back in the queue for a second person; Ann now sees the model's outcome and her verdict.
    assert_eq!((first["review"]["status"].as_str(), first["verdict_count"].as_u64()), (Some("open"), Some(1)));
    assert_eq!((first["model_hidden"].as_bool(), first["decision"]["outcome"].as_str()), (Some(false), Some("declined")));
    assert_eq!(s.call(Method::POST, &at("claim"), Some(&ann), None).await.0, 409, "the same person cannot be the second");
    // Now the inputs, released through the gate under purpose `oversight` (a check of its own).
    let (st, inputs) = s.call(Method::GET, &at("inputs"), Some(&ann), None).await;
    assert_eq!((st, inputs["allowed"].as_bool(), inputs["features"]["income"].as_i64()), (200, Some(true), Some(1200)), "{inputs}");
    let checks = s.service.gate().checks_of_subject(&subject, 100).await.expect("checks");
    assert!(
        checks.iter().any(|c| c.check_id.to_string() == inputs["check_id"].as_str().unwrap_or_default() && c.purpose == "oversight"),
        "the access is in the check log"
    );
    let system = s.key(&["reviews:read"]).await;
    assert_eq!(s.call(Method::GET, &at("inputs"), Some(&system), None).await.0, 403, "a person reads inputs");
    // Bob sees neither the model's outcome nor Ann's verdict before recording his.
    let (_, bob_sees) = s.call(Method::GET, &format!("/v1/reviews/{review}"), Some(&bob), None).await;
    assert_eq!(
        (bob_sees["model_hidden"].as_bool(), bob_sees["verdicts"].clone(), bob_sees["verdict_count"].as_u64()),
        (Some(true), json!([]), Some(1))
    );
    assert_eq!(s.call(Method::POST, &at("claim"), Some(&bob), None).await.0, 200);
    let (st, done) = s.call(Method::POST, &at("resolve"), Some(&bob), Some(override_)).await;
    assert_eq!((st, done["review"]["status"].as_str()), (200, Some("resolved")), "{done}");
    assert_eq!(done["verdicts"].as_array().map(Vec::len), Some(2));
    assert_eq!(s.get(&format!("/v1/decisions/{}", d["decision_id"].as_str().expect("id"))).await.1["status"], "overridden");
    s.stop().await;
}

async fn late_reviews_escalate_and_never_approve(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    rule(&s, json!({"name": "Fast", "conditions": {"purpose": CREDIT}, "sla_hours": 1, "escalation_role": "legal"})).await;
    let d = decide(&s, &subject, "scorer", 0.2, json!({})).await;
    let review = d["review"]["review_id"].as_str().expect("id").to_owned();
    // Every timer path, far past the deadline, twice.
    let later = custos_core::now() + chrono::Duration::days(40);
    for _ in 0..2 {
        s.service.reviews().escalate_overdue(later).await.expect("escalate");
        s.service.oversight().metrics(None, later).await.expect("metrics");
        s.service.retention().run(later).await.expect("retention");
    }
    let (_, r) = s.get(&format!("/v1/reviews/{review}")).await;
    assert_eq!((r["review"]["status"].as_str(), r["review"]["resolved_at"].clone()), (Some("open"), Value::Null), "{r}");
    assert!(r["review"]["escalated_at"].is_string());
    assert_eq!(s.get(&format!("/v1/decisions/{}", d["decision_id"].as_str().expect("id"))).await.1["status"], "pending_review");
    let (_, overdue) = s.get("/v1/reviews?overdue=true").await;
    assert_eq!(overdue["total"], 0, "not yet overdue by the real clock");
    let (_, alerts) = s.get("/v1/alerts?source=oversight&state=firing").await;
    let alerts = alerts.as_array().expect("alerts").clone();
    assert_eq!(alerts.len(), 1, "one alert however often the timer runs: {alerts:?}");
    assert_eq!((alerts[0]["kind"].as_str(), alerts[0]["about"].as_str()), (Some("review_overdue"), Some(review.as_str())));
    assert!(alerts[0]["message"].as_str().unwrap_or_default().contains("Legal"), "{}", alerts[0]);
    // A person resolving it settles the alert.
    let ann = s.person("ann@example.org", &[Role::Reviewer], &["reviews:write"]).await;
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/claim"), Some(&ann), None).await.0, 200);
    let confirm = json!({"action": "confirm", "reason_code": "fine"});
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/resolve"), Some(&ann), Some(confirm)).await.0, 200);
    let (_, alerts) = s.get("/v1/alerts?source=oversight").await;
    assert_eq!(alerts[0]["state"], "resolved", "{alerts}");
    let alert_id = alerts[0]["alert_id"].as_str().expect("id");
    let (st, acked) = s.post(&format!("/v1/alerts/{alert_id}/acknowledge"), json!({})).await;
    assert_eq!((st, acked["acknowledged_by"].as_str().map(|a| a.starts_with("key:"))), (200, Some(true)), "{acked}");
    s.stop().await;
}

async fn the_stop_button(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    let check = || s.post("/v1/gate/check", json!({"subject_id": subject, "purpose": CREDIT, "data_categories": ["user.financial"]}));
    assert_eq!(check().await.1["decision"], "allow");
    for (body, field) in [
        (json!({"purpose": CREDIT, "model": "m", "mode": "deny", "reason": "x"}), "model"),
        (json!({"model": "m", "mode": "deny", "reason": "x"}), "mode"),
        (json!({"mode": "deny", "reason": "x"}), "purpose"),
        (json!({"purpose": CREDIT, "mode": "deny", "reason": ""}), "reason"),
        (json!({"purpose": CREDIT, "mode": "pause", "reason": "x"}), "mode"),
    ] {
        let (st, problem) = s.post("/v1/suspensions", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    let (st, stop) = s.post("/v1/suspensions", json!({"purpose": CREDIT, "mode": "deny", "reason": "Complaints about limits"})).await;
    assert_eq!(st, 201, "{stop}");
    assert!(stop["receipt"]["leaf_index"].is_u64(), "the press is in the ledger");
    let (_, denied) = check().await;
    assert_eq!((denied["decision"].as_str(), denied["reasons"][0]["code"].as_str()), (Some("deny"), Some("suspended")), "{denied}");
    assert_eq!(denied["released"], json!({}));
    let (st, lifted) =
        s.call(Method::DELETE, &format!("/v1/suspensions/{}", stop["suspension_id"].as_str().expect("id")), Some(&s.admin_key), None).await;
    assert_eq!((st, lifted["lifted_at"].is_string(), lifted["receipt"]["leaf_index"].is_u64()), (200, true, true), "{lifted}");
    assert_eq!(check().await.1["decision"], "allow");

    // review_all: every decision of the model goes to a person.
    let (st, _) =
        s.post("/v1/suspensions", json!({"model": "scorer", "model_version": "1", "mode": "review_all", "reason": "Drift"})).await;
    assert_eq!(st, 201);
    let d = decide(&s, &subject, "scorer", 0.99, json!({})).await;
    assert_eq!((d["status"].as_str(), codes(&d)), (Some("pending_review"), vec!["suspension".to_owned()]), "{d}");
    assert_eq!(decide(&s, &subject, "other", 0.99, json!({})).await["status"], "final");
    let (_, all) = s.get("/v1/suspensions").await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    assert!(all[0]["lifted_at"].is_null(), "those that hold come first: {all}");
    s.stop().await;
}

async fn rubber_stamping_is_caught(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    rule(&s, json!({"name": "Quality sample", "conditions": {"purpose": CREDIT, "sample_rate": 1.0}, "sla_hours": 24})).await;
    let quick = s.person("quick@example.org", &[Role::Reviewer], &["reviews:write"]).await;
    let careful = s.person("careful@example.org", &[Role::Reviewer], &["reviews:write"]).await;
    for i in 0..110 {
        let d = decide(&s, &subject, "scorer", 0.5, json!({})).await;
        let review = d["review"]["review_id"].as_str().expect("id").to_owned();
        let who = if i < 105 { &quick } else { &careful };
        assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/claim"), Some(who), None).await.0, 200);
        let body = json!({"action": "confirm", "reason_code": "ok"});
        assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/resolve"), Some(who), Some(body)).await.0, 200);
    }
    let (st, m) = s.get("/v1/oversight/metrics?days=7").await;
    assert_eq!(st, 200, "{m}");
    let reviewer = |email: &str| m["reviewers"].as_array().into_iter().flatten().find(|r| r["email"] == email).cloned().expect("reviewer");
    let q = reviewer("quick@example.org");
    assert_eq!(
        (q["reviews"].as_u64(), q["agreement_rate"].as_f64(), q["rubber_stamping"].as_bool()),
        (Some(105), Some(1.0), Some(true)),
        "{q}"
    );
    assert!(q["median_seconds"].as_f64().expect("median") < 10.0);
    assert_eq!(reviewer("careful@example.org")["rubber_stamping"], false, "5 reviews are too few to judge");
    assert_eq!(m["overall"]["reviews"], 110);
    let (_, alerts) = s.get("/v1/alerts?source=oversight&state=firing").await;
    let stamping: Vec<&Value> = alerts.as_array().into_iter().flatten().filter(|a| a["kind"] == "rubber_stamping").collect();
    assert_eq!(stamping.len(), 1, "{alerts}");
    assert!(stamping[0]["message"].as_str().unwrap_or_default().contains("quick@example.org"));
    assert_eq!(s.get("/v1/oversight/metrics?days=0").await.0, 400);
    // The console shows the same figures, the flag, and the weekly trend with its numbers.
    s.service.staff().create_user("po@example.org", &[Role::PrivacyOfficer], Some("a long officer password".into())).await.expect("user");
    let mut b = custos_testkit::Browser::new(&s);
    b.login("po@example.org", "a long officer password").await;
    let (st, page, _) = b.get("/console/oversight").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("quick@example.org <strong>(flagged)</strong>") && page.contains("100.0%"), "{page}");
    assert!(page.contains("Agreement with the model, by week") && page.contains("<table"), "a chart with its numbers: {page}");
    let mut reviewer = custos_testkit::Browser::new(&s);
    s.service.staff().create_user("r@example.org", &[Role::Reviewer], Some("a long reviewer password".into())).await.expect("user");
    reviewer.login("r@example.org", "a long reviewer password").await;
    assert_eq!(reviewer.get("/console/oversight").await.0, 403, "reviewers do not see each other's figures");
    s.stop().await;
}

async fn a_contest_is_answered_by_a_person(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    let d = decide(&s, &subject, "scorer", 0.1, json!({})).await;
    assert_eq!(d["status"], "final");
    let decision = d["decision_id"].as_str().expect("id").to_owned();
    let (st, dsr) = s.post(&format!("/v1/decisions/{decision}/contest"), json!({"statement": "My income doubled last year."})).await;
    assert_eq!((st, dsr["type"].as_str(), dsr["status"].as_str()), (201, Some("contest"), Some("pending_verification")), "{dsr}");
    let dsr_id = dsr["dsr_id"].as_str().expect("id").to_owned();
    let (_, got) = s.get(&format!("/v1/decisions/{decision}")).await;
    assert_eq!((got["status"].as_str(), codes(&got)), (Some("final"), vec!["contest".to_owned()]), "{got}");
    assert_eq!(got["review"]["due_at"], dsr["due_at"], "one due date: the request's");
    // Not twice while the review is open; not completed by hand either.
    let (st, problem) = s.post(&format!("/v1/decisions/{decision}/contest"), json!({})).await;
    assert_eq!(st, 409, "{problem}");
    assert_eq!(s.post(&format!("/v1/dsr/{dsr_id}/verify"), json!({"method": "email_link"})).await.0, 200);
    assert_eq!(s.post(&format!("/v1/dsr/{dsr_id}/complete"), json!({})).await.0, 409);
    let review = got["review"]["review_id"].as_str().expect("id").to_owned();
    let ann = s.person("ann@example.org", &[Role::Reviewer], &["reviews:write"]).await;
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/claim"), Some(&ann), None).await.0, 200);
    let body = json!({"action": "override", "outcome": "approved", "reason_code": "income_verified"});
    let (st, done) = s.call(Method::POST, &format!("/v1/reviews/{review}/resolve"), Some(&ann), Some(body)).await;
    assert_eq!(st, 200, "{done}");
    let (_, dsr) = s.get(&format!("/v1/dsr/{dsr_id}")).await;
    assert_eq!(dsr["status"], "completed", "resolving the review answers the contest: {dsr}");
    assert_eq!(s.get(&format!("/v1/decisions/{decision}")).await.1["status"], "overridden");
    // Once answered, the person's decision can be contested in turn.
    let human = done["review"]["final_decision_id"].as_str().expect("id");
    assert_eq!(s.post(&format!("/v1/decisions/{human}/contest"), json!({})).await.0, 201);
    assert_eq!(s.post("/v1/decisions/00000000-0000-7000-8000-000000000000/contest", json!({})).await.0, 404);
    s.stop().await;
}

/// What a local endpoint received: event header, signature header, body.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>;

/// A webhook endpoint on loopback that fails its first `fail_first` requests with a 500.
async fn receiver(fail_first: usize) -> (String, Received) {
    let got: Received = Default::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let mut all = seen.lock().expect("lock");
                all.push((header("custos-event"), header("custos-signature"), body));
                if all.len() <= fail_first { axum::http::StatusCode::INTERNAL_SERVER_ERROR } else { axum::http::StatusCode::NO_CONTENT }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, got)
}

fn verify(secret: &str, signature: &str, body: &str) -> bool {
    use hmac::{KeyInit as _, Mac as _};
    let Some((t, v1)) = signature.strip_prefix("t=").and_then(|r| r.split_once(",v1=")) else { return false };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    data_encoding::HEXLOWER.decode(v1.as_bytes()).is_ok_and(|v| mac.verify_slice(&v).is_ok())
}

async fn webhooks_are_signed_retried_and_recorded(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    let (url, got) = receiver(1).await;
    for (body, field) in [
        (json!({"url": "http://hooks.example.com/x", "events": ["alert.fired"]}), "url"),
        (json!({"url": "https://10.1.2.3/x", "events": ["alert.fired"]}), "url"),
        (json!({"url": "https://169.254.169.254/latest", "events": ["alert.fired"]}), "url"),
        (json!({"url": url, "events": []}), "events"),
        (json!({"url": url, "events": ["everything"]}), "events[0]"),
    ] {
        let (st, problem) = s.post("/v1/webhooks", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    let reader = s.key(&["reviews:read"]).await;
    assert_eq!(s.call(Method::GET, "/v1/webhooks", Some(&reader), None).await.0, 403);
    let (st, hook) = s.post("/v1/webhooks", json!({"url": url, "events": ["suspension.created", "review.resolved"]})).await;
    assert_eq!(st, 201, "{hook}");
    let secret = hook["secret"].as_str().expect("secret shown once").to_owned();
    let (_, listed) = s.get("/v1/webhooks").await;
    assert!(listed[0].get("secret").is_none(), "{listed}");
    let hook_id = hook["webhook_id"].as_str().expect("id").to_owned();

    // The stop button is announced; the first attempt fails, the retry waits its backoff.
    assert_eq!(s.post("/v1/suspensions", json!({"model": "scorer", "mode": "review_all", "reason": "Drift"})).await.0, 201);
    let now = custos_core::now();
    assert_eq!(s.service.webhooks().deliver_due(now).await.expect("deliver"), 0);
    assert_eq!(s.service.webhooks().deliver_due(now).await.expect("deliver"), 0, "the retry is not due yet");
    assert_eq!(got.lock().expect("lock").len(), 1);
    assert_eq!(s.service.webhooks().deliver_due(now + chrono::Duration::minutes(1)).await.expect("deliver"), 1);
    let (_, deliveries) = s.get(&format!("/v1/webhooks/{hook_id}/deliveries")).await;
    let d = &deliveries[0];
    assert_eq!(
        (d["event"].as_str(), d["status"].as_str(), d["attempts"].as_u64()),
        (Some("suspension.created"), Some("delivered"), Some(2)),
        "{d}"
    );
    assert_eq!((d["history"][0]["status_code"].as_u64(), d["history"][1]["status_code"].as_u64()), (Some(500), Some(204)));

    // A resolved review is announced with the decision that stands; every body is signed.
    let decision = decide(&s, &subject, "scorer", 0.5, json!({})).await;
    let review = decision["review"]["review_id"].as_str().expect("review").to_owned();
    let ann = s.person("ann@example.org", &[Role::Reviewer], &["reviews:write"]).await;
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/claim"), Some(&ann), None).await.0, 200);
    let body = json!({"action": "override", "outcome": "approved", "reason_code": "checked"});
    let (_, done) = s.call(Method::POST, &format!("/v1/reviews/{review}/resolve"), Some(&ann), Some(body)).await;
    assert_eq!(s.service.webhooks().deliver_due(custos_core::now()).await.expect("deliver"), 1);
    let all = got.lock().expect("lock").clone();
    assert_eq!(all.len(), 3);
    let (event, signature, body) = &all[2];
    assert_eq!(event, "review.resolved");
    let sent: Value = serde_json::from_str(body).expect("json");
    assert_eq!(sent["data"]["final_decision_id"], done["review"]["final_decision_id"], "{sent}");
    for (_, signature, body) in &all {
        assert!(verify(&secret, signature, body), "signature {signature} of {body}");
    }
    assert!(!verify(&secret, signature, &body.replace("approved", "declined")), "a changed body fails");
    let (st, _) = s.call(Method::DELETE, &format!("/v1/webhooks/{hook_id}"), Some(&s.admin_key), None).await;
    assert_eq!(st, 204);
    assert_eq!(s.get("/v1/webhooks").await.1, json!([]));
    s.stop().await;
}

async fn requests_are_handled_as_cases(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s).await;
    let (_, us) = s.post("/v1/subjects", json!({"external_id": "ca-1", "jurisdiction": "US-CA", "data": {}})).await;
    let file = |sid: String, kind: &str| {
        let body = json!({"subject_id": sid, "type": kind});
        let s = &s;
        async move { s.post("/v1/dsr", body).await.1 }
    };
    let first = file(subject.clone(), "access").await;
    let again = file(subject.clone(), "access").await;
    let other = file(subject.clone(), "erasure").await;
    let californian = file(us["subject_id"].as_str().expect("id").to_owned(), "access").await;
    // The repeat is flagged in the queue; the first and the erasure are not.
    let (_, all) = s.get(&format!("/v1/dsr?subject_id={subject}")).await;
    let flag = |id: &Value| all.as_array().expect("list").iter().find(|d| d["dsr_id"] == *id).expect("listed").get("duplicate_of").cloned();
    assert_eq!(
        (flag(&again["dsr_id"]), flag(&first["dsr_id"]), flag(&other["dsr_id"])),
        (Some(first["dsr_id"].clone()), None, None),
        "{all}"
    );
    // Filters by type and jurisdiction; bad ones are named.
    let (_, by_type) = s.get("/v1/dsr?type=erasure").await;
    assert_eq!(by_type.as_array().map(Vec::len), Some(1));
    let (_, by_law) = s.get("/v1/dsr?jurisdiction=US-CA").await;
    assert_eq!((by_law.as_array().map(Vec::len), by_law[0]["dsr_id"].clone()), (Some(1), californian["dsr_id"].clone()));
    for (query, field) in
        [("type=everything", "type"), ("jurisdiction=Narnia", "jurisdiction"), ("due_before=soon", "due_before"), ("format=xml", "format")]
    {
        let (st, problem) = s.get(&format!("/v1/dsr?{query}")).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{query} -> {problem}");
    }
    // The queue as CSV, for a spreadsheet.
    let resp = s.client.get(format!("{}/v1/dsr?format=csv&type=access", s.base_url)).bearer_auth(&s.admin_key).send().await.expect("csv");
    assert!(resp.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/csv"));
    let csv = resp.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three access requests: {csv}");
    assert!(lines[0].starts_with("dsr_id,subject_id,type,status,jurisdiction"));
    // Merging closes the repeat, naming the one kept; a different type cannot merge.
    let (st, problem) = s.post(&format!("/v1/dsr/{}/merge", other["dsr_id"].as_str().expect("id")), json!({"into": first["dsr_id"]})).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("into")), "{problem}");
    let (st, merged) = s.post(&format!("/v1/dsr/{}/merge", again["dsr_id"].as_str().expect("id")), json!({"into": first["dsr_id"]})).await;
    assert_eq!((st, merged["status"].as_str()), (200, Some("rejected")), "{merged}");
    assert_eq!(merged["rejection_reason"], format!("duplicate of request {}", first["dsr_id"].as_str().expect("id")));

    // Staff find a subject by e-mail or phone through the blind index; a rectification moves
    // it, an erasure removes it.
    let (_, p) = s
        .post("/v1/subjects", json!({"external_id": "m-1", "jurisdiction": "DE", "data": {"user.contact.email": "Mia@Example.org", "user.contact.phone_number": "+49 30 1234 5678"}}))
        .await;
    let mia = p["subject_id"].as_str().expect("id").to_owned();
    let find = |contact: &str| {
        let path = format!("/v1/subjects?contact={}", contact.replace('+', "%2B").replace(' ', "%20"));
        let s = &s;
        async move {
            s.get(&path)
                .await
                .1
                .as_array()
                .map(|a| a.iter().map(|x| x["subject_id"].as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>())
        }
    };
    assert_eq!(find("mia@example.ORG").await, Some(vec![mia.clone()]));
    assert_eq!(find("+49 (30) 1234-5678").await, Some(vec![mia.clone()]));
    assert_eq!(find("nobody@example.org").await, Some(vec![]));
    let (st, _) = s
        .call(
            Method::PATCH,
            &format!("/v1/subjects/{mia}"),
            Some(&s.admin_key),
            Some(json!({"data": {"user.contact.email": "mia@new.example"}})),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(find("mia@example.org").await, Some(vec![]), "the old address no longer finds her");
    assert_eq!(find("MIA@new.example").await, Some(vec![mia.clone()]));
    let erasure = file(mia.clone(), "erasure").await;
    let erasure_id = erasure["dsr_id"].as_str().expect("id");
    assert_eq!(s.post(&format!("/v1/dsr/{erasure_id}/verify"), json!({"method": "email_link"})).await.0, 200);
    assert_eq!(s.post(&format!("/v1/dsr/{erasure_id}/complete"), json!({})).await.0, 200);
    assert_eq!(find("mia@new.example").await, Some(vec![]), "erased: not found by contact");
    assert_eq!(find("+4930 12345678").await, Some(vec![]));
    s.stop().await;
}

/// A rule with `fairness_alert` sends the decisions about members of the group a firing
/// fairness alert names to a person, for the audit's purpose and model only; the group is read
/// from audit-only data and never shown; resolving the alert stops the routing.
async fn fairness_alerts_route_their_groups(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    const OFFERS: &str = "marketing.advertising.first_party.targeted";
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"purpose": OFFERS, "name": "Offers", "legal_basis": "legitimate_interest", "data_categories": ["user.behavior"],
                   "profiling": true, "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    rule(&s, json!({"name": "Groups under a fairness alert", "conditions": {"fairness_alert": true}, "sla_hours": 48})).await;
    let offer = |subject: &str, model: &str, offered: bool| {
        json!({"subject_id": subject, "purpose": OFFERS, "model": model, "model_version": "1",
               "outcome": if offered { "offer" } else { "no_offer" }})
    };
    // Women are offered 2 in 10, men 8 in 10; no alert fires yet, so every decision is final.
    let (mut women, mut men) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let gender = if i % 2 == 0 { "female" } else { "male" };
        let data = json!({"user.behavior.purchase_history": [i], "user.demographic.gender": gender});
        let (st, subject) = s.post("/v1/subjects", json!({"external_id": format!("g-{i}"), "jurisdiction": "DE", "data": data})).await;
        assert_eq!(st, 201, "{subject}");
        let id = subject["subject_id"].as_str().expect("id").to_owned();
        let offered = if gender == "female" { women.len() < 2 } else { men.len() < 8 };
        let (st, d) = s.post("/v1/decisions", offer(&id, "nbo", offered)).await;
        assert_eq!((st, d["status"].as_str()), (201, Some("final")), "{d}");
        if gender == "female" { women.push(id) } else { men.push(id) }
    }
    let (st, nobody) = s.post("/v1/subjects", json!({"external_id": "g-none", "jurisdiction": "DE", "data": {}})).await;
    assert_eq!(st, 201);
    let nobody = nobody["subject_id"].as_str().expect("id").to_owned();

    let (st, audit) = s
        .post(
            "/v1/fairness/audits",
            json!({"purpose": OFFERS, "model": "nbo", "sensitive": ["user.demographic.gender"], "favorable": "offer",
                   "min_group_size": 5, "thresholds": {"demographic_parity_ratio": 0.8}}),
        )
        .await;
    assert_eq!(st, 202, "{audit}");
    let path = format!("/v1/fairness/audits/{}", audit["audit_id"].as_str().expect("id"));
    let mut done = Value::Null;
    for _ in 0..300 {
        done = s.get(&path).await.1;
        if done["status"] == "succeeded" || done["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(done["status"], "succeeded", "{done}");
    let (st, alerts) = s.get("/v1/alerts?source=fairness").await;
    assert_eq!(st, 200);
    let firing: Vec<&Value> = alerts.as_array().expect("list").iter().filter(|a| a["state"] == "firing").collect();
    assert_eq!(firing.len(), 1, "{alerts}");
    // The groups stay inside the service.
    assert!(!alerts.to_string().contains("female"), "{alerts}");

    // A woman's decision under the audited purpose and model goes to a person ...
    let (st, d) = s.post("/v1/decisions", offer(&women[3], "nbo", false)).await;
    assert_eq!((st, d["status"].as_str()), (201, Some("pending_review")), "{d}");
    // The system that logged it is told a rule matched, not which: the reason would reveal the
    // audit-only group. The review itself names it for the reviewer.
    assert_eq!(codes(&d), ["review_rule"]);
    let (_, got) = s.get(&format!("/v1/decisions/{}", d["decision_id"].as_str().expect("id"))).await;
    assert_eq!(got["review"]["reasons"][0]["code"], "review_rule", "{got}");
    let review = d["review"]["review_id"].as_str().expect("review").to_owned();
    let (st, shown) = s.get(&format!("/v1/reviews/{review}")).await;
    assert_eq!(st, 200, "{shown}");
    assert!(!shown.to_string().contains("female"), "the reviewer is not shown the audit-only group: {shown}");
    // ... a man's, someone without the category's, and another model's are not.
    for (subject, model) in [(&men[0], "nbo"), (&nobody, "nbo"), (&women[4], "other")] {
        let (st, d) = s.post("/v1/decisions", offer(subject, model, false)).await;
        assert_eq!((st, d["status"].as_str()), (201, Some("final")), "{model}: {d}");
    }

    // Resolving the alert that names the group stops the routing at once.
    let parity = firing.iter().find(|a| a["kind"] == "demographic_parity_ratio").expect("parity alert");
    let (st, _) = s.post(&format!("/v1/alerts/{}/resolve", parity["alert_id"].as_str().expect("id")), json!({})).await;
    assert_eq!(st, 200);
    let (st, d) = s.post("/v1/decisions", offer(&women[5], "nbo", false)).await;
    assert_eq!((st, d["status"].as_str()), (201, Some("final")), "{d}");
}

backend_tests!(
    fairness_alerts_route_their_groups,
    requests_are_handled_as_cases,
    webhooks_are_signed_retried_and_recorded,
    a_contest_is_answered_by_a_person,
    rules_route_decisions,
    reviewers_confirm_and_override,
    blind_two_person_review,
    late_reviews_escalate_and_never_approve,
    the_stop_button,
    rubber_stamping_is_caught
);

//! The risk register over HTTP, on SQLite and PostgreSQL: risks recorded with their scores,
//! mitigations and owner, bad input named and changing nothing, scopes, changes in the ledger,
//! overdue reviews on the overview, a risk raised from an alert in one step (API and console)
//! keeping the link, and the heat maps with their numbers.

use custos_core::Role;
use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const CREDIT: &str = "essential.service.credit_limit";

async fn leaf(s: &TestServer, body: &Value) -> Value {
    let index = body["receipt"]["leaf_index"].as_u64().expect("a receipt");
    let (_, entry) = s.get(&format!("/v1/ledger/entries/{index}")).await;
    let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

/// An oversight alert: a review past its deadline.
async fn an_alert(s: &TestServer) -> String {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"purpose": CREDIT, "name": "Credit limits", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (_, subject) = s.post("/v1/subjects", json!({"external_id": "c-1", "jurisdiction": "DE", "data": {}})).await;
    let (st, r) = s
        .post("/v1/review-rules", json!({"name": "All", "conditions": {"purpose": CREDIT}, "sla_hours": 1, "escalation_role": "legal"}))
        .await;
    assert_eq!(st, 201, "{r}");
    let (st, d) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": subject["subject_id"], "purpose": CREDIT, "model": "scorer", "model_version": "1", "outcome": "declined", "score": 0.2}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    s.service.reviews().escalate_overdue(custos_core::now() + chrono::Duration::days(3)).await.expect("escalate");
    let (_, alerts) = s.get("/v1/alerts?source=oversight&state=firing").await;
    alerts[0]["alert_id"].as_str().expect("an alert").to_owned()
}

async fn register(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let alert = an_alert(&s).await;
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Credit limits", "description": "Sets card limits", "business_owner": "Head of credit", "purposes": [CREDIT]}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    let system_id = system["ai_system_id"].as_str().expect("id").to_owned();
    let officer = s.person("olga@example.com", &[Role::PrivacyOfficer], &["risks:read", "risks:write"]).await;
    let good = json!({
        "ai_system_id": system_id, "title": "Younger applicants get lower limits",
        "description": "The model may treat applicants under 25 worse than others.", "category": "bias",
        "likelihood": 4, "impact": 4, "owner": "olga@example.com",
        "mitigations": [{"description": "Quarterly fairness audit", "control": "fairness-audit-quarterly"},
                        {"description": "Retrain without the age proxy", "due_on": "2027-03-31"}],
    });

    // Bad input: a problem naming the field; nothing stored.
    for (change, status, field) in [
        (json!({"title": null}), 400, "title"),
        (json!({"likelihood": 0}), 400, "likelihood"),
        (json!({"impact": 6}), 400, "impact"),
        (json!({"likelihood": 300}), 400, "likelihood"),
        (json!({"category": "weather"}), 400, "category"),
        (json!({"residual_likelihood": 5, "residual_impact": 2}), 400, "residual_likelihood"),
        (json!({"residual_likelihood": 2}), 400, "residual_impact"),
        (json!({"status": "accepted"}), 422, "status"),
        (json!({"review_on": "next spring"}), 400, "review_on"),
        (json!({"mitigations": [{"description": "Something"}]}), 400, "mitigations[0].control"),
        (json!({"mitigations": [{"description": "x", "due_on": "2027-13-01"}]}), 400, "mitigations[0].due_on"),
        (json!({"owner": "nobody@example.com"}), 422, "owner"),
        (json!({"ai_system_id": "01a236da-e535-701c-a7f8-d9201e55519a"}), 422, "ai_system_id"),
        (json!({"alert_id": "01a236da-e535-701c-a7f8-d9201e55519a"}), 404, ""),
        (json!({"colour": "red"}), 400, "colour"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (st, problem) = s.post("/v1/risks", body.clone()).await;
        assert_eq!(st, status, "{body} -> {problem}");
        if !field.is_empty() {
            assert_eq!(problem["field"].as_str(), Some(field), "{body} -> {problem}");
        }
    }
    assert_eq!(s.get("/v1/risks").await.1, json!([]));
    // A plain key must name the owner; a person owns what they record unless they say otherwise.
    let mut ownerless = good.clone();
    ownerless.as_object_mut().expect("object").remove("owner");
    assert_eq!(s.post("/v1/risks", ownerless.clone()).await.1["field"], "owner");

    // Scopes.
    let reader = s.key(&["risks:read"]).await;
    assert_eq!(s.call(Method::POST, "/v1/risks", Some(&reader), Some(good.clone())).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/risks", None, None).await.0, 401);
    assert_eq!(s.call(Method::GET, "/v1/risks", Some(&s.key(&["ai-systems:read"]).await), None).await.0, 403);

    let (st, risk) = s.call(Method::POST, "/v1/risks", Some(&officer), Some(ownerless)).await;
    assert_eq!(st, 201, "{risk}");
    assert_eq!(
        (risk["inherent_score"].as_u64(), risk["residual_score"].clone(), risk["owner"].as_str(), risk["status"].as_str()),
        (Some(16), Value::Null, Some("olga@example.com"), Some("open"))
    );
    let l = leaf(&s, &risk).await;
    assert_eq!((l["event"].as_str(), l["inherent_score"].as_u64(), l["mitigations"].as_u64()), (Some("risk.created"), Some(16), Some(2)));
    let id = risk["risk_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/risks/{id}");

    // Residual scores after mitigation, then accepted; the leaf names what changed.
    let (st, changed) = s
        .call(Method::PATCH, &path, Some(&officer), Some(json!({"residual_likelihood": 2, "residual_impact": 3, "status": "accepted"})))
        .await;
    assert_eq!(st, 200, "{changed}");
    assert_eq!((changed["residual_score"].as_u64(), changed["status"].as_str()), (Some(6), Some("accepted")));
    let l = leaf(&s, &changed).await;
    assert_eq!(l["event"], "risk.updated");
    assert_eq!(l["changed"], json!({"residual_impact": 3, "residual_likelihood": 2, "status": "accepted"}), "{l}");
    // Nothing new: nothing recorded. A bad change: refused, the risk as it was.
    let (st, same) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"status": "accepted"}))).await;
    assert_eq!((st, same.get("receipt")), (200, None));
    let (st, problem) = s.call(Method::PATCH, &path, Some(&officer), Some(json!({"residual_impact": 5}))).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("residual_impact")), "{problem}");
    assert_eq!(s.call(Method::PATCH, &path, Some(&officer), Some(json!({"alert_id": alert}))).await.1["field"], "alert_id");
    assert_eq!(s.call(Method::GET, &path, Some(&reader), None).await.1["residual_impact"], 3);
    assert_eq!(s.call(Method::PATCH, &path, Some(&reader), Some(json!({"status": "closed"}))).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/risks/not-an-id", Some(&reader), None).await.0, 400);

    // A global risk whose review is overdue.
    let (st, late) = s
        .post(
            "/v1/risks",
            json!({"title": "Staff e-mail personal data to themselves", "description": "Exports leave the business.", "category": "privacy",
                   "likelihood": 2, "impact": 5, "owner": "olga@example.com", "review_on": "2020-01-31"}),
        )
        .await;
    assert_eq!(st, 201, "{late}");
    let (_, overdue) = s.call(Method::GET, "/v1/risks?overdue=true", Some(&reader), None).await;
    let overdue: Vec<&str> = overdue.as_array().expect("list").iter().filter_map(|r| r["risk_id"].as_str()).collect();
    assert_eq!(overdue, vec![late["risk_id"].as_str().expect("id")]);
    let (_, of_system) = s.call(Method::GET, &format!("/v1/risks?ai_system_id={system_id}"), Some(&reader), None).await;
    assert_eq!(of_system.as_array().map(Vec::len), Some(1));
    assert_eq!(s.call(Method::GET, "/v1/risks?status=worried", Some(&reader), None).await.0, 400);

    // Raised from an alert in one step, in the console: the link is kept, one risk per alert.
    let mut b = Browser::new(&s);
    b.login("olga@example.com", "a long enough password").await;
    let (st, page, _) = b.get("/console/alerts").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Raise a risk"), "{page}");
    let csrf = b.csrf("/console/alerts").await;
    let (st, _, to) = b.post(&format!("/console/alerts/{alert}/risk"), &[("csrf", &csrf)]).await;
    assert_eq!(st, 303);
    assert!(to.unwrap_or_default().starts_with("/console/risks#risk-"));
    let (_, all) = s.call(Method::GET, "/v1/risks", Some(&reader), None).await;
    let raised = all.as_array().expect("list").iter().find(|r| r["raised_from"] == "alert").expect("raised").clone();
    assert_eq!(
        (raised["raised_from_id"].as_str(), raised["category"].as_str(), raised["owner"].as_str(), raised["likelihood"].as_u64()),
        (Some(alert.as_str()), Some("legal"), Some("olga@example.com"), Some(3))
    );
    let (st, again) = s.call(Method::POST, "/v1/risks", Some(&officer), Some(json!({"alert_id": alert}))).await;
    assert_eq!(st, 409, "{again}");
    assert!(again["detail"].as_str().unwrap_or_default().contains(raised["risk_id"].as_str().expect("id")), "{again}");
    let (_, page, _) = b.get("/console/alerts").await;
    assert!(page.contains("In the risk register"), "{page}");

    // The register page: both heat maps with their numbers; the overview counts overdue reviews.
    let (st, page, _) = b.get("/console/risks").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Open risks before mitigation") && page.contains("Open risks after mitigation"), "{page}");
    assert!(page.matches("<svg").count() >= 2 && page.contains("<th scope=\"col\">Likelihood</th>"), "{page}");
    assert!(page.contains("1 overdue review<") && page.contains("Younger applicants get lower limits"), "{page}");
    assert!(page.contains("Quarterly fairness audit (control fairness-audit-quarterly)"), "{page}");
    let (_, overview, _) = b.get("/console").await;
    assert!(overview.contains("1 risk review overdue"), "{overview}");

    // A reviewer sees neither page.
    s.service.staff().create_user("rita@example.com", &[Role::Reviewer], Some("a long reviewer password".into())).await.expect("user");
    let mut r = Browser::new(&s);
    r.login("rita@example.com", "a long reviewer password").await;
    assert_eq!(r.get("/console/risks").await.0, 403);
    assert!(!r.get("/console").await.1.contains("risk review"));
    s.stop().await;
}

backend_tests!(register);

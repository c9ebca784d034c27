//! Staff training over HTTP, on SQLite and PostgreSQL: the catalog and completions with bad
//! input named and changing nothing; coverage per role; a staff member whose required training
//! is missing or expired sees personal data masked in the console (a subject's page, and the
//! inputs of a review in the oversight queue, which they still work), sees it once the training
//! is valid, and every such decision is in the ledger with the policies' version; reminders
//! before expiry.

use chrono::Duration;
use custos_core::Role;
use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

const CREDIT: &str = "essential.service.credit_limit";
const PASSWORD: &str = "a long enough password";

fn day(offset: i64) -> String {
    (custos_core::now() + Duration::days(offset)).format("%Y-%m-%d").to_string()
}

/// The newest `access.decided` leaf of the ledger.
async fn last_access(s: &TestServer) -> Value {
    // The ledger's size: the first index with no entry.
    let (mut lo, mut hi) = (0u64, 1u64);
    while s.get(&format!("/v1/ledger/entries/{hi}")).await.0 == 200 {
        (lo, hi) = (hi, hi * 2);
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if s.get(&format!("/v1/ledger/entries/{mid}")).await.0 == 200 { lo = mid } else { hi = mid }
    }
    let size = hi;
    for index in (0..size).rev() {
        let (_, entry) = s.get(&format!("/v1/ledger/entries/{index}")).await;
        let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
        let leaf: Value = serde_json::from_slice(&bytes).expect("json");
        if leaf["event"] == "access.decided" {
            return leaf;
        }
    }
    panic!("no access.decided leaf");
}

async fn training_gates_personal_data(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let writer = s.key(&["trainings:write", "trainings:read"]).await;
    let reader = s.key(&["trainings:read"]).await;

    // The catalog: bad input named, nothing recorded.
    for (body, field) in [
        (json!({"validity_months": 12}), "name"),
        (json!({"name": "Handling customer data"}), "validity_months"),
        (json!({"name": "Handling customer data", "validity_months": 0}), "validity_months"),
        (json!({"name": "Handling customer data", "validity_months": 12, "required_for": ["boss"]}), "required_for[0]"),
        (json!({"name": "Handling customer data", "validity_months": 12, "status": "paused"}), "status"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/trainings", Some(&writer), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.call(Method::POST, "/v1/trainings", Some(&reader), Some(json!({"name": "x", "validity_months": 1}))).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/trainings", Some(&reader), None).await.1, json!([]));
    let (st, course) = s
        .call(
            Method::POST,
            "/v1/trainings",
            Some(&writer),
            Some(json!({"name": "Handling customer data", "validity_months": 12, "required_for": ["reviewer", "privacy_officer"]})),
        )
        .await;
    assert_eq!((st, course["required_for"].clone()), (201, json!(["privacy_officer", "reviewer"])), "{course}");
    let course_id = course["training_id"].as_str().expect("id").to_owned();

    // A subject with personal data, and a decision in the oversight queue with its inputs.
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": CREDIT, "name": "Credit limits", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, subject) = s
        .post(
            "/v1/subjects",
            json!({"external_id": "ext-mara-7", "jurisdiction": "DE", "data": {"user.contact.email": "mara@example.org"}}),
        )
        .await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let (st, _) = s.post("/v1/review-rules", json!({"name": "All credit", "conditions": {"purpose": CREDIT}, "sla_hours": 24})).await;
    assert_eq!(st, 201);
    let (st, d) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": sid, "purpose": CREDIT, "model": "scorer", "model_version": "1", "outcome": "declined", "score": 0.3,
                   "features": {"monthly_income": 2731}}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    let review = d["review"]["review_id"].as_str().expect("a review").to_owned();

    // Without the course: coverage says so; the privacy officer's subject page is masked.
    s.service.staff().create_user("olga@example.com", &[Role::PrivacyOfficer], Some(PASSWORD.into())).await.expect("user");
    s.service.staff().create_user("rita@example.com", &[Role::Reviewer], Some(PASSWORD.into())).await.expect("user");
    let (_, coverage) = s.call(Method::GET, "/v1/trainings/coverage", Some(&reader), None).await;
    let officers = coverage["roles"].as_array().expect("roles").iter().find(|r| r["role"] == "privacy_officer").expect("role").clone();
    assert_eq!((officers["staff"].as_u64(), officers["covered"].as_u64()), (Some(1), Some(0)), "{coverage}");
    let mut olga = Browser::new(&s);
    olga.login("olga@example.com", PASSWORD).await;
    let (st, page, _) = olga.get(&format!("/console/subjects/{sid}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Personal data is masked for you") && page.contains("Handling customer data"), "{page}");
    assert!(!page.contains("mara@example.org") && !page.contains("ext-mara-7"), "masked: {page}");
    let leaf = last_access(&s).await;
    assert_eq!(
        (leaf["decision"].as_str(), leaf["resource"].as_str(), leaf["purpose"].as_str()),
        (Some("deny"), Some("subjects"), Some("view_subject")),
        "{leaf}"
    );
    assert!(leaf["policy_version"].as_str().unwrap_or_default().starts_with("staff.cedar@"), "{leaf}");
    // A rectification request's case: the customer's words and the new value masked too.
    let (st, dsr) = s
        .post(
            "/v1/dsr",
            json!({"subject_id": sid, "type": "rectification", "data": {"user.contact.email": "mara.new@example.org"}, "statement": "I moved to Porto."}),
        )
        .await;
    assert_eq!(st, 201, "{dsr}");
    let case = format!("/console/dsr/{}", dsr["dsr_id"].as_str().expect("id"));
    let (st, page, _) = olga.get(&case).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Personal data is masked for you") && !page.contains("Porto") && !page.contains("mara.new@"), "{page}");
    assert_eq!(last_access(&s).await["purpose"], "dsr");

    // The reviewer works the queue with the inputs masked: the page, claiming, resolving.
    let mut rita = Browser::new(&s);
    rita.login("rita@example.com", PASSWORD).await;
    let (st, page, _) = rita.get(&format!("/console/reviews/{review}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Personal data is masked for you") && page.contains("monthly_income") && !page.contains("2731"), "{page}");
    let csrf = rita.csrf(&format!("/console/reviews/{review}")).await;
    let (st, _, _) = rita.post(&format!("/console/reviews/{review}/claim"), &[("csrf", &csrf)]).await;
    assert_eq!(st, 303, "claiming works without the training");

    // Completions: bad input named; a valid one unmasks.
    for (body, status, field) in [
        (json!({"training_id": course_id, "user": "olga@example.com", "completed_on": day(2), "evidence": "cert 1"}), 400, "completed_on"),
        (json!({"training_id": course_id, "user": "nobody@example.com", "completed_on": day(-1), "evidence": "cert 1"}), 422, "user"),
        (json!({"training_id": "course-1", "user": "olga@example.com", "completed_on": day(-1), "evidence": "cert 1"}), 400, "training_id"),
        (json!({"training_id": course_id, "user": "olga@example.com", "completed_on": day(-1)}), 400, "evidence"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/training-records", Some(&writer), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.call(Method::GET, "/v1/training-records", Some(&reader), None).await.1, json!([]));
    let (st, done) = s
        .call(
            Method::POST,
            "/v1/training-records",
            Some(&writer),
            Some(
                json!({"training_id": course_id, "user": "olga@example.com", "completed_on": day(-30), "evidence": "LMS certificate 4711"}),
            ),
        )
        .await;
    assert_eq!((st, done["valid"].as_bool(), done["email"].as_str()), (201, Some(true), Some("olga@example.com")), "{done}");
    assert!(done["expires_in_days"].as_i64().is_some_and(|d| (333..=336).contains(&d)), "12 months from 30 days ago: {done}");
    let (st, page, _) = olga.get(&format!("/console/subjects/{sid}")).await;
    assert_eq!(st, 200);
    assert!(page.contains("mara@example.org") && !page.contains("Personal data is masked"), "{page}");
    assert_eq!(last_access(&s).await["decision"], "allow");
    let (_, page, _) = olga.get(&case).await;
    assert!(page.contains("Porto") && page.contains("mara.new@example.org"), "{page}");

    // Expired: masked again, and a reminder alert names it; renewed: unmasked, settled.
    let (_, rita_done) = s
        .call(
            Method::POST,
            "/v1/training-records",
            Some(&writer),
            Some(
                json!({"training_id": course_id, "user": "rita@example.com", "completed_on": day(-375), "evidence": "LMS certificate 12"}),
            ),
        )
        .await;
    assert_eq!(rita_done["valid"], false, "{rita_done}");
    let (_, alerts) = s.get("/v1/alerts?source=trainings&state=firing").await;
    let kinds: Vec<&str> = alerts.as_array().expect("alerts").iter().filter_map(|a| a["kind"].as_str()).collect();
    assert_eq!(kinds, ["training_expired"], "{alerts}");
    assert!(alerts[0]["message"].as_str().unwrap_or_default().contains("rita@example.com"), "{alerts}");
    let (_, page, _) = rita.get(&format!("/console/reviews/{review}")).await;
    assert!(!page.contains("2731"), "expired training masks: {page}");
    let rid = rita_done["training_record_id"].as_str().expect("id").to_owned();
    let (st, fixed) =
        s.call(Method::PATCH, &format!("/v1/training-records/{rid}"), Some(&writer), Some(json!({"completed_on": day(-340)}))).await;
    assert_eq!((st, fixed["valid"].as_bool(), fixed["expires_in_days"].as_i64()), (200, Some(true), Some(24)), "{fixed}");
    let (_, alerts) = s.get("/v1/alerts?source=trainings&state=firing").await;
    let kinds: Vec<&str> = alerts.as_array().expect("alerts").iter().filter_map(|a| a["kind"].as_str()).collect();
    assert_eq!(kinds, ["training_expiring"], "a reminder 30 days ahead: {alerts}");
    let (_, page, _) = rita.get(&format!("/console/reviews/{review}")).await;
    assert!(page.contains("2731") && !page.contains("masked for you"), "{page}");
    let (_, coverage) = s.call(Method::GET, "/v1/trainings/coverage", Some(&reader), None).await;
    let reviewers = coverage["roles"].as_array().expect("roles").iter().find(|r| r["role"] == "reviewer").expect("role").clone();
    assert_eq!((reviewers["staff"].as_u64(), reviewers["covered"].as_u64()), (Some(1), Some(1)), "{coverage}");
    // The sweep with a later clock: expired again.
    s.service.trainings().sweep(custos_core::now() + Duration::days(30)).await.expect("sweep");
    let (_, alerts) = s.get("/v1/alerts?source=trainings&state=firing").await;
    assert_eq!(alerts[0]["kind"], "training_expired", "{alerts}");

    // The console's coverage page for the privacy officer, not for the reviewer.
    let (st, page, _) = olga.get("/console/trainings").await;
    assert_eq!(st, 200, "{page}");
    assert!(
        page.contains("Staff holding every course their role requires") && page.contains("<svg") && page.contains("rita@example.com"),
        "{page}"
    );
    assert_eq!(rita.get("/console/trainings").await.0, 403);
    s.stop().await;
}

backend_tests!(training_gates_personal_data);

//! Gate checks have a retention: past it they are deleted (except those a decision quotes), the
//! ledger still verifies, and the subject's remaining and later checks are still found.

use custos_testkit::{Backend, TestServer, backend_tests};
use serde_json::{Value, json};

const ADS: &str = "marketing.advertising.first_party.targeted";

async fn check(s: &TestServer, subject: &str) -> String {
    let (st, body) =
        s.post("/v1/gate/check", json!({"subject_id": subject, "purpose": ADS, "data_categories": ["user.contact.email"]})).await;
    assert_eq!(st, 200, "{body}");
    body["check_id"].as_str().expect("check id").to_owned()
}

async fn exported_checks(s: &TestServer, subject: &str) -> Vec<String> {
    let (st, dsr) = s.post("/v1/dsr", json!({"subject_id": subject, "type": "access"})).await;
    assert_eq!(st, 201, "{dsr}");
    let id = dsr["dsr_id"].as_str().expect("id");
    let (st, _) = s.post(&format!("/v1/dsr/{id}/verify"), json!({"method": "email_link"})).await;
    assert_eq!(st, 200);
    let (st, export) = s.get(&format!("/v1/dsr/{id}/export")).await;
    assert_eq!(st, 200, "{export}");
    export["checks"].as_array().expect("checks").iter().filter_map(|c| c["check_id"].as_str().map(str::to_owned)).collect()
}

async fn old_checks_go_and_the_ledger_still_verifies(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (st, body) = s
        .post("/v1/purposes", json!({"key": ADS, "name": "Offers", "legal_basis": "legitimate_interest", "data_categories": ["user.contact.email"], "retention_days": 30}))
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, body) = s
        .post("/v1/subjects", json!({"external_id": "ret-1", "jurisdiction": "DE", "data": {"user.contact.email": "r@example.org"}}))
        .await;
    assert_eq!(st, 201, "{body}");
    let subject = body["subject_id"].as_str().expect("id").to_owned();
    let first = check(&s, &subject).await;
    let second = check(&s, &subject).await;
    let quoted = check(&s, &subject).await;
    let (st, body) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": subject, "purpose": ADS, "check_id": quoted, "model": "m", "model_version": "1", "outcome": "offer"}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(exported_checks(&s, &subject).await.len(), 3);

    // 401 days later, the checks no decision quotes are past the 400-day retention.
    let later = custos_core::now() + chrono::Duration::days(401);
    let report = s.service.retention().run(later).await.expect("retention");
    assert_eq!(report.checks, 2, "{report:?}");
    let left = exported_checks(&s, &subject).await;
    assert_eq!(left, vec![quoted.clone()], "the quoted check stays");
    assert!(!left.contains(&first) && !left.contains(&second));
    let (_, decision) = s.get(&format!("/v1/subjects/{subject}/decisions")).await;
    assert_eq!(decision[0]["check_id"], Value::String(quoted.clone()));

    // The ledger verifies: its leaves stay whatever happens to the rows.
    s.service.ledger().publish_checkpoint().await.expect("checkpoint");
    let verified = s.service.ledger().verify(|_, _| {}).await.expect("verify");
    assert_eq!(verified.divergence, None);

    // New checks are still recorded and found.
    let fresh = check(&s, &subject).await;
    let found = exported_checks(&s, &subject).await;
    assert!(found.contains(&fresh) && found.contains(&quoted), "{found:?}");
    // Today, nothing is past the retention.
    assert_eq!(s.service.retention().run(custos_core::now()).await.expect("today").checks, 0);
}

backend_tests!(old_checks_go_and_the_ledger_still_verifies);

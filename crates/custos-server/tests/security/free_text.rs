//! Free text about people is sealed at rest and goes with the subject: a consent's source, a
//! decision's observed outcome and a request's extension and rejection reasons are nowhere in
//! the database in clear, read back for the API, and gone after an erasure.

use custos_testkit::{Backend, TestServer, backend_tests, find_in_files};
use serde_json::{Value, json};

const ADS: &str = "marketing.advertising.first_party.targeted";

async fn setup(s: &TestServer, external_id: &str) -> String {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": ADS, "name": "Offers", "legal_basis": "consent", "data_categories": ["user.contact.email"], "retention_days": 30}),
        )
        .await;
    assert!(st == 201 || st == 409, "{body}");
    let (st, body) = s.post("/v1/notices", json!({"purpose": ADS, "version": "1", "language": "en", "text": "Offers by e-mail."})).await;
    assert!(st == 201 || st == 409, "{body}");
    let (st, body) = s
        .post("/v1/subjects", json!({"external_id": external_id, "jurisdiction": "DE", "data": {"user.contact.email": "x@example.org"}}))
        .await;
    assert_eq!(st, 201, "{body}");
    body["subject_id"].as_str().expect("id").to_owned()
}

async fn dsr(s: &TestServer, subject: &str, kind: &str) -> String {
    let (st, body) = s.post("/v1/dsr", json!({"subject_id": subject, "type": kind})).await;
    assert_eq!(st, 201, "{body}");
    body["dsr_id"].as_str().expect("id").to_owned()
}

async fn free_text_is_sealed_and_shredded(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = setup(&s, "ft-1").await;
    let canaries = ["canary-source-51e7", "canary-actual-51e7", "canary-extension-51e7", "canary-rejection-Jane-Roe-51e7"];
    let (st, body) = s
        .post("/v1/consents", json!({"subject_id": subject, "purpose": ADS, "status": "granted", "method": "api", "notice_version": "1", "source": canaries[0]}))
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, decision) = s
        .post("/v1/decisions", json!({"subject_id": subject, "purpose": ADS, "model": "m", "model_version": "1", "outcome": "offer"}))
        .await;
    assert_eq!(st, 201, "{decision}");
    let decision_id = decision["decision_id"].as_str().expect("id").to_owned();
    let (st, body) = s.post(&format!("/v1/decisions/{decision_id}/outcome"), json!({"actual": canaries[1]})).await;
    assert_eq!((st, body["actual"].as_str()), (200, Some(canaries[1])), "{body}");
    let extended = dsr(&s, &subject, "access").await;
    let (st, body) = s.post(&format!("/v1/dsr/{extended}/extend"), json!({"reason": canaries[2]})).await;
    assert_eq!(st, 200, "{body}");
    let rejected = dsr(&s, &subject, "portability").await;
    let (st, body) = s.post(&format!("/v1/dsr/{rejected}/reject"), json!({"reason": canaries[3]})).await;
    assert_eq!(st, 200, "{body}");

    // Read back through the API...
    let (_, history) = s.get(&format!("/v1/subjects/{subject}/consents")).await;
    assert!(history.to_string().contains(canaries[0]), "{history}");
    let (_, decisions) = s.get(&format!("/v1/subjects/{subject}/decisions")).await;
    assert_eq!(decisions[0]["actual"].as_str(), Some(canaries[1]), "{decisions}");
    let (_, d) = s.get(&format!("/v1/dsr/{extended}")).await;
    assert_eq!(d["extension_reason"].as_str(), Some(canaries[2]), "{d}");
    let (_, d) = s.get(&format!("/v1/dsr/{rejected}")).await;
    assert_eq!(d["rejection_reason"].as_str(), Some(canaries[3]), "{d}");

    // ...but nowhere in clear at rest.
    let needles: Vec<Vec<u8>> = canaries.iter().map(|c| c.as_bytes().to_vec()).collect();
    match backend {
        Backend::Sqlite => {
            let hits = find_in_files(s.db.dir.path(), &needles);
            assert!(hits.is_empty(), "free text in clear on disk: {hits:?}");
        }
        Backend::Postgres => {
            let dump = s.db.postgres_dump().await;
            for c in canaries {
                assert!(!dump.contains(c), "{c} in clear in PostgreSQL");
            }
        }
    }

    // Erasure shreds them: nothing of it comes back.
    let erasure = dsr(&s, &subject, "erasure").await;
    let (st, _) = s.post(&format!("/v1/dsr/{erasure}/verify"), json!({"method": "email_link"})).await;
    assert_eq!(st, 200);
    let (st, body) = s.post(&format!("/v1/dsr/{erasure}/complete"), json!({})).await;
    assert_eq!(st, 200, "{body}");
    let (_, d) = s.get(&format!("/v1/dsr/{rejected}")).await;
    assert_eq!(d["rejection_reason"], Value::Null, "the rejection reason survived the erasure: {d}");
    let (_, d) = s.get(&format!("/v1/dsr/{extended}")).await;
    assert_eq!(d["extension_reason"], Value::Null, "{d}");
    let (_, decisions) = s.get(&format!("/v1/subjects/{subject}/decisions")).await;
    assert_eq!(decisions[0]["actual"], Value::Null, "{decisions}");
    let (_, history) = s.get(&format!("/v1/subjects/{subject}/consents")).await;
    assert!(!history.to_string().contains(canaries[0]), "{history}");
}

/// Values an earlier version stored in clear are sealed when the store opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_from_earlier_versions_is_sealed_on_open() {
    use sqlx::Connection as _;
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let subject = setup(&s, "old-1").await;
    let id = dsr(&s, &subject, "access").await;
    let db = s.stop().await;
    // What an earlier version wrote: the reason in the plaintext column.
    let url = format!("sqlite://{}", db.sqlite_path().expect("path").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
    sqlx::query("UPDATE dsrs SET status = 'extended', extension_reason = 'canary-old-reason-77' WHERE dsr_id = ?1")
        .bind(&id)
        .execute(&mut conn)
        .await
        .expect("write plaintext");
    sqlx::query("DELETE FROM meta WHERE name = 'setting.free_text_sealed'").execute(&mut conn).await.expect("forget the conversion");
    conn.close().await.expect("close");

    let service = db.service().await;
    let view = service.dsrs().get(&id).await.expect("read");
    assert_eq!(view.extension_reason.as_deref(), Some("canary-old-reason-77"));
    service.close().await;
    drop(service);
    let hits = find_in_files(db.dir.path(), &[b"canary-old-reason-77".to_vec()]);
    assert!(hits.is_empty(), "the old plaintext is still on disk: {hits:?}");
}

backend_tests!(free_text_is_sealed_and_shredded);

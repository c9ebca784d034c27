//! Erasure looked at from inside the store: the subject's data key is destroyed, its
//! ciphertexts are gone and no key the deployment keeps can open a copy taken before; the
//! scrub that follows runs on both engines.

use custos_core::SubjectId;
use custos_store::DataKey;
use custos_testdb::{Backend, backend_tests};
use serde_json::json;

use super::TestDb;
use crate::Service;
use crate::dsrs::{DsrInput, DsrVerifyInput};
use crate::subjects::SubjectInput;

async fn subject(service: &Service, external_id: &str) -> SubjectId {
    let data = [
        ("user.contact.email", json!(format!("{external_id}@example.org"))),
        ("user.demographic.age_range", json!("25-34")),
        ("user.demographic.gender", json!("female")),
        ("user.name", json!("Ana Example")),
    ];
    let view = service
        .subjects()
        .create(
            SubjectInput {
                external_id: external_id.into(),
                jurisdiction: "DE".into(),
                data: data.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            },
            false,
        )
        .await
        .expect("subject");
    view.subject_id
}

async fn erase(service: &Service, id: SubjectId) {
    let dsr = service.dsrs().create(DsrInput::new(id.to_string(), custos_core::DsrType::Erasure)).await.expect("dsr");
    service.dsrs().verify(&dsr.dsr_id.to_string(), DsrVerifyInput { method: "email_link".into() }, "test").await.expect("verify");
    let done = service.dsrs().complete(&dsr.dsr_id.to_string()).await.expect("complete");
    assert_eq!(done.status, custos_core::DsrStatus::Completed);
}

async fn ciphertexts(service: &Service, id: SubjectId) -> Vec<(custos_core::DataCategory, Vec<u8>)> {
    service.store.read(async |tx| custos_store::subjects::ciphertexts(tx, &id).await).await.expect("ciphertexts")
}

async fn data_key(service: &Service, id: SubjectId) -> Option<DataKey> {
    service.store.read(async |tx| custos_store::subjects::data_key(tx, &id).await).await.expect("data key")
}

async fn erasure_crypto_shreds(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let service = db.service().await;
    let sid = subject(&service, "erase-me").await;
    let before = ciphertexts(&service, sid).await;
    assert_eq!(before.len(), 4);
    let wrapped_key_before = data_key(&service, sid).await.expect("live key");
    // Another open request of the subject closes itself with the erasure.
    let mut access = DsrInput::new(sid.to_string(), custos_core::DsrType::Access);
    access.statement = Some("Please send me my data.".into());
    let access = service.dsrs().create(access).await.expect("access request");
    erase(&service, sid).await;
    let closed = service.dsrs().get(&access.dsr_id.to_string()).await.expect("request");
    assert_eq!((closed.status, closed.rejection_reason.as_deref()), (custos_core::DsrStatus::Rejected, Some("subject_erased")));

    // The key is gone and the old ciphertexts cannot be decrypted by anyone holding it before.
    assert!(data_key(&service, sid).await.is_none(), "data key destroyed");
    assert!(ciphertexts(&service, sid).await.is_empty(), "ciphertext rows removed");
    // The pre-erasure key could open every old ciphertext; no key the deployment can still
    // produce can: the subject's wrapped key is gone, and another subject's key fails.
    let other = subject(&service, "someone-else").await;
    let other_key = data_key(&service, other).await.expect("live");
    for (category, ct) in &before {
        assert!(wrapped_key_before.open_value(&sid, category, ct).is_ok(), "the pre-erasure key could");
        assert!(other_key.open_value(&sid, category, ct).is_err(), "no remaining key can");
    }
    service.close().await;
}

/// The scrub after an erasure runs on both engines (TRUNCATE checkpoint on SQLite, VACUUM of
/// the tables with sealed data on PostgreSQL): a wrong table name would fail here.
async fn scrub_runs_on_both_backends(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let service = db.service().await;
    let sid = subject(&service, "scrub-1").await;
    erase(&service, sid).await;
    let emptied = service.store.scrub_deleted(std::time::Duration::from_secs(5)).await.expect("scrub");
    assert!(emptied);
    service.close().await;
}

/// Subjects stored before the contact index are found once `reindex_contacts` ran, and the
/// index holds digests only, never the address.
async fn contacts_are_indexed_again(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let service = db.service().await;
    let sid = subject(&service, "old-customer").await;
    assert_eq!(service.subjects().find("old-customer@example.org").await.expect("find").len(), 1);
    // As before 0014: no index rows.
    db.execute("DELETE FROM subject_lookups").await;
    assert!(service.subjects().find("old-customer@example.org").await.expect("find").is_empty());
    assert_eq!(service.admin().reindex_contacts(|_| {}).await.expect("reindex"), 1);
    let found = service.subjects().find("OLD-customer@example.org").await.expect("find");
    assert_eq!(found.iter().map(|s| s.subject_id).collect::<Vec<_>>(), vec![sid]);
    // On disk (SQLite): a 32-byte digest, not the address.
    if backend == Backend::Sqlite {
        let rows = db.sqlite_values("SELECT digest FROM subject_lookups").await;
        assert_eq!(rows.iter().map(Vec::len).collect::<Vec<_>>(), vec![32]);
        assert!(!rows[0].windows(12).any(|w| w == b"old-customer"), "a digest, not the address");
    }
}

backend_tests!(erasure_crypto_shreds, scrub_runs_on_both_backends, contacts_are_indexed_again);

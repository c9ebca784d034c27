//! Erasure survives a look at the disk (SQLite): after an erasure completes, neither the
//! subject's wrapped data key, nor its ciphertexts, nor its plaintext is in any file of the data
//! directory (the WAL used to keep them); a clean stop leaves the whole database in
//! `custos.db`.

use custos_testkit::{Backend, TestServer, find_in_files};
use serde_json::json;

const ADS: &str = "marketing.advertising.first_party.targeted";

async fn seed_subject(s: &TestServer, external_id: &str, email: &str) -> String {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": ADS, "name": "Targeted offers", "legal_basis": "consent", "data_categories": ["user.contact.email", "user.name"], "retention_days": 730}),
        )
        .await;
    assert!(st == 201 || st == 409, "{body}");
    let (st, body) = s
        .post(
            "/v1/subjects",
            json!({"external_id": external_id, "jurisdiction": "DE", "data": {"user.contact.email": email, "user.name": "Zyxwa Canarysdottir"}}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    body["subject_id"].as_str().expect("id").to_owned()
}

async fn erase(s: &TestServer, subject_id: &str) {
    let (st, dsr) = s.post("/v1/dsr", json!({"subject_id": subject_id, "type": "erasure"})).await;
    assert_eq!(st, 201, "{dsr}");
    let id = dsr["dsr_id"].as_str().expect("id").to_owned();
    let (st, v) = s.post(&format!("/v1/dsr/{id}/verify"), json!({"method": "email_link"})).await;
    assert_eq!(st, 200, "{v}");
    let (st, done) = s.post(&format!("/v1/dsr/{id}/complete"), json!({})).await;
    assert_eq!(st, 200, "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erased_subject_is_in_no_file_of_the_data_directory() {
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let email = "canary-7f3a91@example.org";
    let subject = seed_subject(&s, "canary-external-7f3a91", email).await;
    // A neighbour that stays: its data must survive, so the scan is not trivially empty.
    let neighbour = seed_subject(&s, "neighbour-1", "neighbour@example.org").await;
    let (st, _) = s
        .post("/v1/consents", json!({"subject_id": subject, "purpose": ADS, "status": "granted", "method": "api", "notice_version": "1", "source": "canary-source-7f3a91"}))
        .await;
    assert!(st == 201 || st == 422, "consent recorded or notice missing ({st})");

    // What an attacker with the files and the master key would look for.
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for sql in [
        format!("SELECT wrapped_key FROM subjects WHERE subject_id = '{subject}'"),
        format!("SELECT external_id_ct FROM subjects WHERE subject_id = '{subject}'"),
        format!("SELECT external_id_digest FROM subjects WHERE subject_id = '{subject}'"),
        format!("SELECT value_ct FROM subject_data WHERE subject_id = '{subject}'"),
    ] {
        let values = s.db.sqlite_values(&sql).await;
        assert!(!values.is_empty(), "{sql} found nothing before the erasure");
        needles.extend(values);
    }
    needles.push(email.as_bytes().to_vec());
    needles.push(b"canary-source-7f3a91".to_vec());
    let neighbour_key = s.db.sqlite_values(&format!("SELECT wrapped_key FROM subjects WHERE subject_id = '{neighbour}'")).await;
    assert_eq!(neighbour_key.len(), 1);
    assert!(!find_in_files(s.db.dir.path(), &neighbour_key).is_empty(), "the scan finds what is there");

    erase(&s, &subject).await;
    let hits = find_in_files(s.db.dir.path(), &needles);
    assert!(hits.is_empty(), "erased material is still on disk: {hits:?}");

    // A clean stop merges the WAL: a copy of custos.db alone is the whole database.
    let db = s.stop().await;
    let path = db.sqlite_path().expect("sqlite");
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "the WAL is empty after a clean stop");
    let copy = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&path, copy.path().join("custos.db")).expect("copy");
    let url = format!("sqlite://{}/custos.db?mode=ro", copy.path().display());
    use sqlx::Connection as _;
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open the copy");
    let subjects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM subjects").fetch_one(&mut conn).await.expect("count");
    assert_eq!(subjects, 2, "both subjects (one erased) are in the copied file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_private() {
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    seed_subject(&s, "perm-1", "perm@example.org").await;
    use std::os::unix::fs::PermissionsExt as _;
    for entry in std::fs::read_dir(s.db.dir.path()).expect("dir").flatten() {
        let mode = entry.metadata().expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is mode {mode:o}", entry.path().display());
    }
    // A data directory custos creates is 0700.
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("custos-data");
    let options = custos_service::StoreOptions::new(format!("sqlite://{}/custos.db", dir.display()), dir.join("master.key"));
    let service = custos_service::Service::open(&options, Default::default()).await.expect("open");
    service.close().await;
    let mode = std::fs::metadata(&dir).expect("dir").permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "data directory mode {mode:o}");
}

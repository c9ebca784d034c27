//! The store on its own, on SQLite and PostgreSQL: keys and their rotation, blind indexes, and
//! the two migration folders kept in lockstep. (Stories that need the service are its tests.)

use std::collections::BTreeMap;

use custos_core::{DataCategory, Jurisdiction, SubjectId, now};
use custos_store::{NewSubject, Store, StoreError, StoreOptions};
use custos_testdb::{Backend, TestDatabase, backend_tests};
use serde_json::json;

/// A private database and the options to open the store on it.
struct TestDb {
    options: StoreOptions,
    db: TestDatabase,
}

impl TestDb {
    fn master_key_file(&self) -> &std::path::Path {
        self.db.master_key_file()
    }
}

async fn db(backend: Backend) -> TestDb {
    let db = TestDatabase::new(backend).await.expect("backend configured");
    TestDb { options: StoreOptions::new(db.url.clone(), db.master_key_file.clone()), db }
}

async fn insert(store: &Store, external_id: &str) -> SubjectId {
    let mut data = BTreeMap::new();
    data.insert(DataCategory::parse("user.contact.email").expect("cat"), json!(format!("{external_id}@example.org")));
    let subject = NewSubject {
        subject_id: SubjectId::new(),
        external_id: external_id.to_owned(),
        jurisdiction: Jurisdiction::parse("DE").expect("j"),
        data,
        gpc: false,
        created_at: now(),
    };
    let id = subject.subject_id;
    store.write(async |tx| custos_store::subjects::insert(tx, &subject).await).await.expect("insert");
    id
}

async fn email_of(store: &Store, id: SubjectId) -> Option<serde_json::Value> {
    let data = store.read(async |tx| custos_store::subjects::data(tx, &id, None).await).await.expect("read");
    data.get(&DataCategory::parse("user.contact.email").expect("cat")).cloned()
}

async fn master_key_rotation_keeps_data_readable(backend: Backend) {
    let db = db(backend).await;
    let store = Store::open(&db.options).await.expect("open");
    let id = insert(&store, "rot-1").await;
    let old_key = std::fs::read_to_string(db.master_key_file()).expect("key file");
    let new_id = store.rotate_master_key().await.expect("rotate");
    let new_key = std::fs::read_to_string(db.master_key_file()).expect("key file");
    assert_ne!(old_key, new_key, "the key file was replaced");
    assert!(!db.master_key_file().with_extension("key.new").exists());
    store.close().await;

    // Reopening with the new key reads everything; the old key is refused by name.
    let store = Store::open(&db.options).await.expect("reopen");
    assert_eq!(email_of(&store, id).await, Some(json!("rot-1@example.org")));
    store.close().await;
    std::fs::write(db.master_key_file(), old_key).expect("put old key back");
    let err = Store::open(&db.options).await.expect_err("old key refused");
    assert!(matches!(err, StoreError::MasterKey(_)), "{err}");
    assert!(err.to_string().contains(&new_id), "names the expected key: {err}");
}

async fn a_missing_key_file_is_refused_not_recreated(backend: Backend) {
    let db = db(backend).await;
    let store = Store::open(&db.options).await.expect("open");
    insert(&store, "k-1").await;
    store.close().await;
    std::fs::remove_file(db.master_key_file()).expect("remove");
    let err = Store::open(&db.options).await.expect_err("refused");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!db.master_key_file().exists(), "a new key must not be invented for an existing database");
}

async fn external_ids_are_unique_and_found_blindly(backend: Backend) {
    let db = db(backend).await;
    let store = Store::open(&db.options).await.expect("open");
    let id = insert(&store, "uniq").await;
    let dup = NewSubject {
        subject_id: SubjectId::new(),
        external_id: "uniq".into(),
        jurisdiction: Jurisdiction::parse("FR").expect("j"),
        data: BTreeMap::new(),
        gpc: false,
        created_at: now(),
    };
    let err = store.write(async |tx| custos_store::subjects::insert(tx, &dup).await).await.expect_err("duplicate");
    assert!(matches!(err, StoreError::Conflict));
    let found = store.read(async |tx| custos_store::subjects::id_by_external_id(tx, "uniq").await).await.expect("lookup");
    assert_eq!(found, Some(id));
}

/// The fairness worker claims the oldest queued audit, once; audits left running by a
/// stopped process go back to the queue.
async fn audits_are_claimed_once_and_requeued(backend: Backend) {
    use custos_core::AuditStatus;
    use custos_store::fairness::AuditRecord;
    let db = db(backend).await;
    let store = Store::open(&db.options).await.expect("open");
    let audit = |created_at| AuditRecord {
        audit_id: custos_core::AuditId::new(),
        status: AuditStatus::Queued,
        request: json!({}),
        schedule_id: None,
        rows_total: None,
        rows_done: 0,
        report: None,
        report_sha256: None,
        alerts: None,
        error: None,
        key_id: None,
        created_at,
        started_at: None,
        finished_at: None,
    };
    let (older, newer) = (audit(now() - chrono::Duration::seconds(5)), audit(now()));
    for a in [&newer, &older] {
        store.write(async |tx| custos_store::fairness::insert_audit(tx, a).await).await.expect("insert");
    }
    let at = now();
    let claim = async || store.write(async |tx| custos_store::fairness::claim_audit(tx, &at).await).await.expect("claim");
    let first = claim().await.expect("one queued");
    assert_eq!((first.audit_id, first.status, first.started_at.is_some()), (older.audit_id, AuditStatus::Running, true));
    assert_eq!(claim().await.map(|a| a.audit_id), Some(newer.audit_id));
    assert!(claim().await.is_none(), "each audit is claimed once");
    let requeued = store.write(async |tx| custos_store::fairness::requeue_running(tx).await).await.expect("requeue");
    assert_eq!(requeued, 2);
    assert_eq!(claim().await.map(|a| a.audit_id), Some(older.audit_id), "requeued audits keep their order");
    store.close().await;
}

#[test]
fn migrations_are_kept_in_lockstep() {
    let list = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(list("sqlite"), list("postgres"));
    assert!(!list("sqlite").is_empty());
}

/// Fairness alerts' groups route decisions: a recurring audit's alert for as long as it fires,
/// a one-off audit's only while it is fresh (nothing but a person resolves it).
async fn old_one_off_fairness_flags_expire(backend: Backend) {
    use custos_core::{AlertId, AlertSource, AlertState, ScheduleId};
    use custos_store::alerts::AlertRecord;
    let db = db(backend).await;
    let store = Store::open(&db.options).await.expect("open");
    let long_ago = now() - chrono::Duration::days(40);
    let schedule = custos_store::ScheduleRecord {
        schedule_id: ScheduleId::new(),
        request: json!({}),
        interval_seconds: 3600,
        next_run_at: now(),
        key_id: None,
        created_at: long_ago,
    };
    let alert = |about: String| AlertRecord {
        alert_id: AlertId::new(),
        source: AlertSource::Fairness,
        kind: "demographic_parity_ratio".into(),
        about,
        message: "m".into(),
        value: Some(0.2),
        threshold: Some(0.8),
        state: AlertState::Firing,
        fired_at: long_ago,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
    };
    let (recurring, one_off) = (alert(schedule.schedule_id.to_string()), alert("a-one-off-audit".into()));
    store
        .write(async |tx| {
            custos_store::fairness::insert_schedule(tx, &schedule).await?;
            for (a, g) in [(&recurring, "recurring"), (&one_off, "one-off")] {
                custos_store::alerts::insert(tx, a).await?;
                custos_store::alerts::set_affected_groups(tx, &a.alert_id, Some(&json!({"groups": [[g]], "sensitive": []}))).await?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .expect("write");
    let flags = |since: custos_core::Timestamp| {
        let store = &store;
        async move { store.read(async |tx| custos_store::alerts::affected_groups(tx, AlertSource::Fairness, &since).await).await.expect("read") }
    };
    assert_eq!(flags(now() - chrono::Duration::days(30)).await, [json!({"groups": [["recurring"]], "sensitive": []})]);
    assert_eq!(flags(now() - chrono::Duration::days(50)).await.len(), 2, "a fresh one-off alert still counts");
}

backend_tests!(
    old_one_off_fairness_flags_expire,
    master_key_rotation_keeps_data_readable,
    a_missing_key_file_is_refused_not_recreated,
    external_ids_are_unique_and_found_blindly,
    audits_are_claimed_once_and_requeued
);

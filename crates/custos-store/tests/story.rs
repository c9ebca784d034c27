//! The store conformance story, on SQLite and PostgreSQL: keys, rotation, retention, seeding.

use std::collections::BTreeMap;

use custos_core::{DataCategory, Jurisdiction, SubjectId, now};
use custos_service::dto::{PurposeInput, SubjectInput};
use custos_store::{NewSubject, Store, StoreError};
use custos_testkit::{Backend, TestDb, backend_tests};
use serde_json::json;

async fn db(backend: Backend) -> TestDb {
    TestDb::new(backend).await.expect("backend configured")
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

async fn retention_keeps_what_a_longer_purpose_needs(backend: Backend) {
    let db = db(backend).await;
    let service = db.service().await;
    for (key, categories, days) in [
        ("personalize.content", vec!["user.contact.email", "user.name"], 30),
        ("marketing.communications.email", vec!["user.contact.email"], 365),
    ] {
        service
            .purposes()
            .create(PurposeInput {
                key: key.into(),
                name: key.into(),
                legal_basis: "consent".into(),
                data_categories: categories.into_iter().map(str::to_owned).collect(),
                sale_or_share: false,
                profiling: false,
                sensitive: false,
                pseudonymize: false,
                retention_days: days,
            })
            .await
            .expect("purpose");
    }
    let s = service
        .subjects()
        .create(
            SubjectInput {
                external_id: "ret-1".into(),
                jurisdiction: "DE".into(),
                data: [("user.contact.email", json!("r@example.org")), ("user.name", json!("R")), ("user.job_title", json!("cook"))]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            },
            false,
        )
        .await
        .expect("subject");
    let report = service.retention().run(now()).await.expect("retention");
    assert_eq!(report.total, 0, "nothing is old yet");
    let report = service.retention().run(now() + chrono::Duration::days(100)).await.expect("retention");
    assert_eq!(report.expired, vec![("user.name".to_owned(), 1)], "30-day data goes; e-mail is still needed for 365 days");
    let view = service.subjects().get(&s.subject_id).await.expect("subject");
    let data = view.data.expect("data");
    assert!(data.contains_key("user.contact.email") && !data.contains_key("user.name"));
    assert!(data.contains_key("user.job_title"), "categories no purpose names have no period and stay");
    let report = service.retention().run(now() + chrono::Duration::days(400)).await.expect("retention");
    assert_eq!(report.total, 1);
}

async fn demo_seeding_is_deterministic_and_idempotent(backend: Backend) {
    let db = db(backend).await;
    let service = db.service().await;
    let summary = service.demo().seed(120, 7, |_| {}).await.expect("seed");
    assert_eq!((summary.purposes, summary.subjects), (4, 120));
    assert!(summary.consents > 100, "{summary:?}");
    let again = service.demo().seed(120, 7, |_| {}).await.expect("seed again");
    assert_eq!(again.subjects, 0, "seeding twice does nothing");
    let page = service.subjects().page(None, 1000).await.expect("page");
    assert_eq!(page.subjects.len(), 120);
    let jurisdictions: std::collections::BTreeSet<_> = page.subjects.iter().map(|s| s.jurisdiction.clone()).collect();
    assert!(jurisdictions.contains("US-CA") && jurisdictions.contains("GB") && jurisdictions.contains("DE"), "{jurisdictions:?}");
    // The demo logs offer decisions and schedules a daily fairness audit of them, which the
    // worker runs at once: its report covers every demo decision, grouped by gender.
    assert!(summary.decisions > 20, "{summary:?}");
    assert_eq!(service.fairness().schedules().await.expect("schedules").len(), 1);
    while service.fairness().step().await.expect("step") {}
    let audits = service.fairness().audits(10).await.expect("audits");
    assert_eq!(audits.len(), 1);
    let audit = service.fairness().audit(&audits[0].audit_id).await.expect("audit");
    assert_eq!(audit.status, "succeeded", "{audit:?}");
    let report = audit.report.expect("report");
    assert_eq!(report["rows"], summary.decisions);
    assert!(report["labelled_rows"].as_u64() < Some(summary.decisions as u64), "some outcomes are not known yet");
    assert!(report["by_group"].as_array().is_some_and(|g| g.len() == 3), "female, male, non_binary: {report}");
}

async fn subject_checks(store: &Store, id: SubjectId) -> usize {
    let indexed = store.indexed_checks(&id).expect("index lookup");
    store.read(async |tx| custos_store::checks::for_subject(tx, &id, indexed.as_ref(), 1000).await).await.expect("checks").len()
}

async fn indexed_count(store: &Store, id: SubjectId) -> Option<usize> {
    store.indexed_checks(&id).expect("index lookup").map(|(rowids, _)| rowids.len())
}

/// A `contract` purpose (the gate allows it for anyone) that may use the e-mail address.
async fn contract_purpose(service: &custos_service::Service) {
    service
        .purposes()
        .create(PurposeInput {
            key: "personalize.content".into(),
            name: "Recs".into(),
            legal_basis: "contract".into(),
            data_categories: vec!["user.contact.email".into()],
            sale_or_share: false,
            profiling: false,
            sensitive: false,
            pseudonymize: false,
            retention_days: 30,
        })
        .await
        .expect("purpose");
}

/// A subject's checks are complete whether or not the background index has caught up, and a
/// lost index file is rebuilt from the check log.
async fn subject_checks_are_complete_before_and_after_indexing(backend: Backend) {
    let db = db(backend).await;
    let service = db.service().await;
    contract_purpose(&service).await;
    let mut ids = Vec::new();
    for (name, checks) in [("a", 3), ("b", 2)] {
        let s = service
            .subjects()
            .create(SubjectInput { external_id: name.into(), jurisdiction: "DE".into(), data: Default::default() }, false)
            .await
            .expect("subject");
        for _ in 0..checks {
            let input = custos_service::dto::GateCheckInput {
                subject_id: s.subject_id.clone(),
                purpose: "personalize.content".into(),
                data_categories: vec!["user.contact.email".into()],
            };
            service.gate().check(input, false, None).await.expect("check");
        }
        ids.push(SubjectId::parse(&s.subject_id).expect("id"));
    }
    let store = service.store().clone();
    assert_eq!(subject_checks(&store, ids[0]).await, 3, "complete right after the checks");
    assert_eq!(subject_checks(&store, ids[1]).await, 2);
    if backend == Backend::Postgres {
        assert_eq!(indexed_count(&store, ids[0]).await, None, "PostgreSQL uses its own index");
        return;
    }
    let wait_indexed = |store: Store, id: SubjectId, n: usize| async move {
        for _ in 0..100 {
            if indexed_count(&store, id).await == Some(n) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the indexer did not catch up");
    };
    wait_indexed(store.clone(), ids[0], 3).await;
    assert_eq!(subject_checks(&store, ids[0]).await, 3, "complete from the index");
    assert_eq!(subject_checks(&store, ids[1]).await, 2);
    store.close().await;
    drop(store);
    drop(service);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;

    let index_file = db.dir.path().join("custos-index.db");
    assert!(index_file.exists());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", index_file.display()));
    }
    let reopened = Store::open(&db.options).await.expect("reopen");
    wait_indexed(reopened.clone(), ids[1], 2).await;
    assert_eq!(subject_checks(&reopened, ids[0]).await, 3, "rebuilt from the log");
}

/// Gate checks (on SQLite, the check writer's own connection) and other writes (the general
/// writer) run at once without errors, every check gets a ledger leaf of its own, and on SQLite
/// the check writer's checkpoints keep the WAL small however many checks are written.
async fn checks_and_other_writes_interleave_and_the_wal_stays_bounded(backend: Backend) {
    let db = db(backend).await;
    let service = db.service().await;
    contract_purpose(&service).await;
    let subject = service
        .subjects()
        .create(SubjectInput { external_id: "c-0".into(), jurisdiction: "DE".into(), data: Default::default() }, false)
        .await
        .expect("subject");
    const TASKS: usize = 2;
    const CHECKS: usize = 1500;
    let checkers: Vec<_> = (0..TASKS)
        .map(|_| {
            let (service, subject_id) = (service.clone(), subject.subject_id.clone());
            tokio::spawn(async move {
                let mut leaves = Vec::with_capacity(CHECKS);
                for _ in 0..CHECKS {
                    let input = custos_service::dto::GateCheckInput {
                        subject_id: subject_id.clone(),
                        purpose: "personalize.content".into(),
                        data_categories: vec!["user.contact.email".into()],
                    };
                    let view = service.gate().check(input, false, None).await.expect("check");
                    leaves.push(view.receipt.expect("receipt").leaf_index);
                }
                leaves
            })
        })
        .collect();
    let other = {
        let service = service.clone();
        tokio::spawn(async move {
            for i in 1..=100 {
                let input = SubjectInput { external_id: format!("c-{i}"), jurisdiction: "FR".into(), data: Default::default() };
                service.subjects().create(input, false).await.expect("subject meanwhile");
            }
        })
    };
    let mut leaves = std::collections::BTreeSet::new();
    for task in checkers {
        leaves.extend(task.await.expect("checks"));
    }
    other.await.expect("other writes");
    assert_eq!(leaves.len(), TASKS * CHECKS, "every check has a leaf of its own");
    let page = service.subjects().page(None, 500).await.expect("subjects");
    assert_eq!(page.subjects.len(), 101);
    if let Some(path) = db.sqlite_path() {
        // Without checkpoints the WAL would hold every page each commit wrote: at least three
        // (check row, its index entry, ledger leaf) per commit, thousands of commits, > 12 MB.
        let wal = std::fs::metadata(format!("{}-wal", path.display())).expect("WAL").len();
        assert!(wal < 8 << 20, "the WAL is {wal} bytes");
    }
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

backend_tests!(
    master_key_rotation_keeps_data_readable,
    a_missing_key_file_is_refused_not_recreated,
    external_ids_are_unique_and_found_blindly,
    retention_keeps_what_a_longer_purpose_needs,
    demo_seeding_is_deterministic_and_idempotent,
    subject_checks_are_complete_before_and_after_indexing,
    checks_and_other_writes_interleave_and_the_wal_stays_bounded,
);

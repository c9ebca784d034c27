//! Stories that need the service and a look inside the store, on SQLite and PostgreSQL:
//! retention, demo seeding, the check index, and checks interleaving with other writes.

use custos_core::{SubjectId, now};
use custos_store::Store;
use custos_testdb::{Backend, backend_tests};
use serde_json::json;
use sqlx::{Connection as _, Executor as _};

use super::TestDb;
use crate::gate::GateCheckInput;
use crate::purposes::PurposeInput;
use crate::subjects::SubjectInput;

async fn db(backend: Backend) -> TestDb {
    TestDb::new(backend).await.expect("backend configured")
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
                purpose: key.into(),
                name: key.into(),
                legal_basis: custos_core::LegalBasis::Consent,
                data_categories: categories.into_iter().map(str::to_owned).collect(),
                sale_or_share: false,
                profiling: false,
                sensitive: false,
                pseudonymize: false,
                significant_effect: false,
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
    let view = service.subjects().get(&s.subject_id.to_string()).await.expect("subject");
    let data: std::collections::BTreeMap<String, _> = view.data.expect("data").into_iter().map(|(k, v)| (k.to_string(), v)).collect();
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
    let page = service.subjects().page(Default::default(), 1000).await.expect("page");
    assert_eq!(page.items.len(), 120);
    let jurisdictions: std::collections::BTreeSet<String> = page.items.iter().map(|s| s.jurisdiction.to_string()).collect();
    assert!(jurisdictions.contains("US-CA") && jurisdictions.contains("GB") && jurisdictions.contains("DE"), "{jurisdictions:?}");
    // The demo logs offer decisions and schedules a daily fairness audit of them, which the
    // worker runs at once: its report covers every demo decision, grouped by gender.
    assert!(summary.decisions > 20, "{summary:?}");
    assert_eq!(service.fairness().schedules().await.expect("schedules").len(), 1);
    while service.fairness().step().await.expect("step") {}
    let audits = service.fairness().audits(10).await.expect("audits");
    assert_eq!(audits.len(), 1);
    let audit = service.fairness().audit(&audits[0].audit_id.to_string()).await.expect("audit");
    assert_eq!(audit.status, custos_core::AuditStatus::Succeeded, "{audit:?}");
    let report = audit.report.expect("report");
    assert_eq!(report.rows, summary.decisions as u64);
    assert!(report.labelled_rows < Some(summary.decisions as u64), "some outcomes are not known yet");
    assert_eq!(report.by_group.len(), 3, "female, male, non_binary: {report:?}");
}

async fn subject_checks(store: &Store, id: SubjectId) -> usize {
    let indexed = store.indexed_checks(&id).expect("index lookup");
    store.read(async |tx| custos_store::checks::for_subject(tx, &id, indexed.as_ref(), 1000).await).await.expect("checks").len()
}

async fn indexed_count(store: &Store, id: SubjectId) -> Option<usize> {
    store.indexed_checks(&id).expect("index lookup").map(|(rowids, _)| rowids.len())
}

/// A `contract` purpose (the gate allows it for anyone) that may use the e-mail address.
async fn contract_purpose(service: &crate::Service) {
    service
        .purposes()
        .create(PurposeInput {
            purpose: "personalize.content".into(),
            name: "Recs".into(),
            legal_basis: custos_core::LegalBasis::Contract,
            data_categories: vec!["user.contact.email".into()],
            sale_or_share: false,
            profiling: false,
            sensitive: false,
            pseudonymize: false,
            significant_effect: false,
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
            let input = GateCheckInput {
                subject_id: s.subject_id.to_string(),
                purpose: "personalize.content".into(),
                data_categories: vec!["user.contact.email".into()],
                ..Default::default()
            };
            service.gate().check(input, false, None).await.expect("check");
        }
        ids.push(s.subject_id);
    }
    let store = service.store.clone();
    assert_eq!(subject_checks(&store, ids[0]).await, 3, "complete right after the checks");
    assert_eq!(subject_checks(&store, ids[1]).await, 2);
    if backend == Backend::Postgres {
        assert_eq!(indexed_count(&store, ids[0]).await, None, "PostgreSQL uses its own index");
        return;
    }
    // The indexer steps once a second; with the other tests of this binary sharing two cores,
    // a step can wait several seconds for a core, so the bound is generous.
    let wait_indexed = |store: Store, id: SubjectId, n: usize| async move {
        for _ in 0..600 {
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
            let (service, subject_id) = (service.clone(), subject.subject_id.to_string());
            tokio::spawn(async move {
                let mut leaves = Vec::with_capacity(CHECKS);
                for _ in 0..CHECKS {
                    let input = GateCheckInput {
                        subject_id: subject_id.clone(),
                        purpose: "personalize.content".into(),
                        data_categories: vec!["user.contact.email".into()],
                        ..Default::default()
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
    let page = service.subjects().page(Default::default(), 500).await.expect("subjects");
    assert_eq!(page.items.len(), 101);
    if let Some(path) = db.sqlite_path() {
        // Without checkpoints the WAL would hold every page each commit wrote: at least three
        // (check row, its index entry, ledger leaf) per commit, thousands of commits, > 12 MB.
        let wal = std::fs::metadata(format!("{}-wal", path.display())).expect("WAL").len();
        assert!(wal < 8 << 20, "the WAL is {wal} bytes");
    }
}

/// One text column of what `sql` answers, on a connection of its own.
async fn sql_text(url: &str, sql: &str) -> Vec<String> {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_owned())).fetch_all(&mut conn).await.expect("query")
}

/// A decision logged by the store at `at`, for `subject`.
fn decision_at(subject: SubjectId, at: custos_core::Timestamp) -> custos_store::decisions::DecisionRecord {
    custos_store::decisions::DecisionRecord {
        decision_id: custos_core::DecisionId::new(),
        subject_id: subject,
        purpose: custos_core::PurposeKey::parse("personalize.content").expect("purpose"),
        check_id: None,
        model: "m".into(),
        model_version: "1".into(),
        outcome: "offer".into(),
        score: Some(0.5),
        features: None,
        actual: None,
        observed_at: None,
        key_id: None,
        created_at: at,
        status: custos_core::DecisionStatus::Final,
        significant: false,
        decided_by: custos_core::DecidedBy::Model,
        supersedes: None,
        reason_code: None,
        check_overtaken: false,
    }
}

/// The decision log on PostgreSQL is partitioned by month (migration 0041): the store makes
/// this month's partition and the next two when it opens; a decision for a month without one
/// waits in the default partition until the next retention run gives it its month; a review
/// keeps pointing at its decision through the move (a review of a decision that does not exist
/// is still refused); a one-month window reads one partition. SQLite keeps one table and
/// answers the same.
async fn decisions_are_partitioned_by_month(backend: Backend) {
    use chrono::Datelike as _;
    let db = db(backend).await;
    let service = db.service().await;
    contract_purpose(&service).await;
    let s = service
        .subjects()
        .create(SubjectInput { external_id: "by-month".into(), jurisdiction: "DE".into(), data: Default::default() }, false)
        .await
        .expect("subject");
    let store = service.store.clone();
    let at = now();
    let month = |t: custos_core::Timestamp| format!("{:04}-{:02}", t.year(), t.month());
    let long_ago = at - chrono::Duration::days(400);
    let decisions = [decision_at(s.subject_id, at), decision_at(s.subject_id, long_ago)];
    for d in &decisions {
        store.write(async |tx| custos_store::decisions::insert(tx, d).await).await.expect("decision");
    }
    let review = |decision_id: custos_core::DecisionId| custos_store::reviews::ReviewRecord {
        review_id: custos_core::ReviewId::new(),
        decision_id,
        subject_id: s.subject_id,
        purpose: custos_core::PurposeKey::parse("personalize.content").expect("purpose"),
        status: custos_core::ReviewStatus::Open,
        reasons: Vec::new(),
        required_role: custos_core::Role::Reviewer,
        escalation_role: None,
        two_person: false,
        blind: false,
        due_at: at,
        assignee: None,
        claimed_at: None,
        escalated_at: None,
        resolved_at: None,
        action: None,
        outcome: None,
        reason_code: None,
        final_decision_id: None,
        dsr_id: None,
        created_at: at,
    };
    let old_review = review(decisions[1].decision_id);
    store.write(async |tx| custos_store::reviews::insert(tx, &old_review).await).await.expect("review of the old decision");
    let orphan = review(custos_core::DecisionId::new());
    let refused = store.write(async |tx| custos_store::reviews::insert(tx, &orphan).await).await;
    assert!(refused.is_err(), "a review of a decision that does not exist is refused");

    let url = db.options.database_url.clone();
    let next = |t: custos_core::Timestamp, n: u32| {
        let first = t.date_naive().with_day(1).expect("first").checked_add_months(chrono::Months::new(n)).expect("month");
        format!("decisions_{}", first.format("%Y_%m"))
    };
    let partition_of = async |d: &custos_store::decisions::DecisionRecord| {
        let sql = format!("SELECT CAST(tableoid::regclass AS TEXT) FROM decisions WHERE decision_id = '{}'", d.decision_id);
        sql_text(&url, &sql).await.pop().expect("the decision")
    };
    if backend == Backend::Postgres {
        let partitions = sql_text(
            &url,
            "SELECT CAST(c.relname AS TEXT) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = CAST('decisions' AS regclass) ORDER BY 1",
        )
        .await;
        for n in 0..=custos_store::decisions::PARTITION_MONTHS_AHEAD {
            assert!(partitions.contains(&next(at, n)), "{partitions:?} lacks month +{n}");
        }
        assert!(partitions.contains(&"decisions_default".to_owned()));
        assert_eq!(partition_of(&decisions[0]).await, next(at, 0));
        assert_eq!(partition_of(&decisions[1]).await, "decisions_default", "no partition for a month long ago yet");
    }

    service.retention().run(at).await.expect("retention run");
    if backend == Backend::Postgres {
        let moved = partition_of(&decisions[1]).await;
        assert_eq!(moved, format!("decisions_{}", month(long_ago).replace('-', "_")), "the retention run gave the old month its partition");
        assert!(sql_text(&url, "SELECT decision_id FROM decisions_default").await.is_empty(), "the default partition is empty again");
        // A one-month window reads that month's partition only.
        let this_month = next(at, 0);
        let window = format!(
            "EXPLAIN (COSTS OFF) SELECT decision_id FROM decisions WHERE created_at >= '{}' AND created_at < '{}'",
            month(at),
            next(at, 1).trim_start_matches("decisions_").replace('_', "-")
        );
        let plan = sql_text(&url, &window).await.join("\n");
        assert!(plan.contains(&this_month), "{plan}");
        assert!(!plan.contains("decisions_default") && !plan.contains(&next(at, 1)) && !plan.contains(&moved), "{plan}");
        // The moved decision keeps its review, and deleting it is still refused while reviewed.
        let delete = format!("DELETE FROM decisions WHERE decision_id = '{}'", decisions[1].decision_id);
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        let deleted = conn.execute(sqlx::AssertSqlSafe(delete)).await;
        assert!(deleted.is_err(), "the review's foreign key survives the move");
    }
    let linked = sql_text(&url, "SELECT decision_created_at FROM reviews").await;
    assert_eq!(linked, vec![custos_core::format_timestamp(&long_ago)], "the review carries its decision's created_at");
    let all = store.read(async |tx| custos_store::decisions::page(tx, &Default::default(), None, 10).await).await.expect("page");
    assert_eq!(all.iter().map(|d| d.decision_id).collect::<Vec<_>>(), vec![decisions[0].decision_id, decisions[1].decision_id]);
}

backend_tests!(
    retention_keeps_what_a_longer_purpose_needs,
    demo_seeding_is_deterministic_and_idempotent,
    subject_checks_are_complete_before_and_after_indexing,
    checks_and_other_writes_interleave_and_the_wal_stays_bounded,
    decisions_are_partitioned_by_month,
);

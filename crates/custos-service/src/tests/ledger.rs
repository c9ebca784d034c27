//! The audit ledger on SQLite and PostgreSQL: a leaf for every change, in the same
//! transaction; no personal data in leaves; proofs that verify against signed checkpoints;
//! tampering with the stored leaves, nodes or checkpoints caught by `verify`.

use crate::{
    Receipt, Service, ServiceError,
    consents::ConsentInput,
    decisions::DecisionInput,
    dsrs::{DsrInput, DsrVerifyInput},
    gate::GateCheckInput,
    purposes::{NoticeInput, PurposeInput},
    subjects::SubjectInput,
};
use custos_ledger::{Checkpoint, NoteVerifier, leaf_hash, verify_consistency, verify_inclusion};
use custos_testdb::{Backend, backend_tests};

use super::TestDb;
use data_encoding::{BASE64, HEXLOWER};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const EXTERNAL_ID: &str = "ledger-canary-ext-31x";
const EMAIL: &str = "ledger.canary.9q@leak.example";

fn hash_of(receipt: &Option<Receipt>) -> Receipt {
    receipt.expect("a write response carries a receipt")
}

async fn purpose(service: &Service) -> Receipt {
    let p = service
        .purposes()
        .create(PurposeInput {
            purpose: "marketing.email".into(),
            name: "Email offers".into(),
            legal_basis: custos_core::LegalBasis::Consent,
            data_categories: vec!["user.contact.email".into()],
            sale_or_share: false,
            profiling: false,
            sensitive: false,
            pseudonymize: false,
            significant_effect: false,
            retention_days: 365,
        })
        .await
        .expect("purpose");
    hash_of(&p.receipt)
}

/// Runs one change of every kind and returns the receipts in order.
async fn changes(service: &Service) -> Vec<Receipt> {
    let mut receipts = vec![purpose(service).await];
    let notice = service
        .purposes()
        .create_notice(NoticeInput {
            purpose: "marketing.email".into(),
            version: "v1".into(),
            notice_language: "en".into(),
            text: "We email offers.".into(),
        })
        .await
        .expect("notice");
    receipts.push(hash_of(&notice.receipt));
    let subject = service
        .subjects()
        .create(
            SubjectInput {
                external_id: EXTERNAL_ID.into(),
                jurisdiction: "DE".into(),
                data: [("user.contact.email".to_owned(), json!(EMAIL))].into_iter().collect(),
            },
            false,
        )
        .await
        .expect("subject");
    receipts.push(hash_of(&subject.receipt));
    let consent = service
        .consents()
        .record(
            ConsentInput {
                subject_id: subject.subject_id.to_string(),
                purpose: "marketing.email".into(),
                status: custos_core::ConsentStatus::Granted,
                method: "web_form".into(),
                notice_version: "v1".into(),
                notice_language: None,
                source: Some(format!("signup form of {EMAIL}")),
                captured_at: None,
            },
            false,
        )
        .await
        .expect("consent");
    receipts.push(hash_of(&consent.receipt));
    let check = service
        .gate()
        .check(
            GateCheckInput {
                subject_id: subject.subject_id.to_string(),
                purpose: "marketing.email".into(),
                data_categories: vec!["user.contact.email".into()],
                ..Default::default()
            },
            false,
            None,
        )
        .await
        .expect("check");
    assert_eq!(check.decision, crate::gate::Decision::Allow);
    receipts.push(hash_of(&check.receipt));
    let decision = service
        .decisions()
        .record(
            DecisionInput {
                subject_id: subject.subject_id.to_string(),
                purpose: "marketing.email".into(),
                check_id: Some(check.check_id.to_string()),
                model: "offer-ranker".into(),
                model_version: "1".into(),
                outcome: "offer_a".into(),
                score: Some(0.7),
                features: Some([("email_domain".to_owned(), json!(EMAIL))].into_iter().collect()),
                significant: None,
            },
            None,
        )
        .await
        .expect("decision");
    receipts.push(hash_of(&decision.receipt));
    let dsr = service
        .dsrs()
        .create(DsrInput {
            subject_id: subject.subject_id.to_string(),
            dsr_type: custos_core::DsrType::Erasure,
            objection: None,
            purpose: None,
            data: None,
            statement: Some(format!("please erase {EMAIL}")),
            decision_id: None,
        })
        .await
        .expect("dsr");
    receipts.push(hash_of(&dsr.receipt));
    let verified =
        service.dsrs().verify(&dsr.dsr_id.to_string(), DsrVerifyInput { method: "email_link".into() }, "staff-1").await.expect("verify");
    receipts.push(hash_of(&verified.receipt));
    let done = service.dsrs().complete(&dsr.dsr_id.to_string()).await.expect("complete");
    receipts.push(hash_of(&done.receipt));
    receipts
}

async fn every_change_is_a_leaf_in_its_transaction(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend");
    let service = db.service().await;
    let store = service.store.clone();
    let receipts = changes(&service).await;
    let indexes: Vec<u64> = receipts.iter().map(|r| r.leaf_index).collect();
    assert!(indexes.windows(2).all(|w| w[0] < w[1]), "receipts are handed out in commit order: {indexes:?}");
    let size = store.ledger().size().await.expect("size");
    assert_eq!(size, indexes.last().expect("receipts") + 1, "no change without a leaf and no extra leaves");

    // Each receipt names the stored leaf; the leaf is canonical JSON naming its event.
    let mut kinds = Vec::new();
    for r in &receipts {
        let leaf = store.ledger().leaf(r.leaf_index).await.expect("read").expect("leaf exists");
        assert_eq!(leaf_hash(&leaf), r.leaf_hash);
        let value: Value = serde_json::from_slice(&leaf).expect("JSON leaf");
        assert_eq!(custos_ledger::canonical_json(&value).expect("canonical"), leaf, "leaf bytes are RFC 8785 canonical");
        kinds.push(value["event"].as_str().expect("event").to_owned());
    }
    for kind in
        ["purpose.created", "notice.published", "subject.created", "consent.recorded", "gate.check", "decision.recorded", "dsr.created"]
    {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }

    // No personal data, and no unkeyed hash of it, in any leaf.
    let all = store.ledger().leaves(0, size).await.expect("leaves");
    let forbidden = [
        EXTERNAL_ID.to_owned(),
        EMAIL.to_owned(),
        HEXLOWER.encode(&Sha256::digest(EMAIL.as_bytes())),
        HEXLOWER.encode(&Sha256::digest(EXTERNAL_ID.as_bytes())),
        BASE64.encode(&Sha256::digest(EMAIL.as_bytes())),
    ];
    for (_, leaf) in &all {
        let text = String::from_utf8_lossy(leaf);
        for f in &forbidden {
            assert!(!text.contains(f.as_str()), "leaf leaks {f}: {text}");
        }
    }

    // A write that fails leaves no leaf behind.
    let dup = service
        .subjects()
        .create(SubjectInput { external_id: "dup-1".into(), jurisdiction: "FR".into(), data: Default::default() }, false)
        .await
        .expect("first");
    assert!(dup.receipt.is_some());
    let err = service
        .subjects()
        .create(SubjectInput { external_id: "dup-1".into(), jurisdiction: "FR".into(), data: Default::default() }, false)
        .await;
    assert!(matches!(err, Err(ServiceError::Conflict(_))));
    assert_eq!(store.ledger().size().await.expect("size"), size + 1);

    // Checkpoints: signed, and every receipt is provably included; the trees are consistent.
    let first = store.ledger().publish_checkpoint().await.expect("publish").expect("new leaves");
    assert_eq!(first.tree_size, size + 1);
    assert!(store.ledger().publish_checkpoint().await.expect("publish").is_none(), "nothing new, nothing published");
    let verifier = NoteVerifier::parse(&store.ledger().verifier_key()).expect("verifier key");
    let cp1 = Checkpoint::open(&first.note, &verifier, Some(store.ledger().origin())).expect("signed checkpoint");
    for r in &receipts {
        let proof = service.ledger().inclusion_proof(r.leaf_index, cp1.size).await.expect("proof");
        let hashes: Vec<[u8; 32]> =
            proof.hashes.iter().map(|h| BASE64.decode(h.as_bytes()).expect("b64").try_into().expect("32 bytes")).collect();
        verify_inclusion(r.leaf_index, cp1.size, &r.leaf_hash, &hashes, &cp1.root).expect("inclusion verifies");
    }
    purpose_again(&service).await;
    let second = store.ledger().publish_checkpoint().await.expect("publish").expect("new leaves");
    let cp2 = Checkpoint::open(&second.note, &verifier, None).expect("signed");
    let proof = service.ledger().consistency_proof(cp1.size, cp2.size).await.expect("consistency");
    let hashes: Vec<[u8; 32]> = proof.hashes.iter().map(|h| BASE64.decode(h.as_bytes()).expect("b64").try_into().expect("32")).collect();
    verify_consistency(cp1.size, cp2.size, &cp1.root, &cp2.root, &hashes).expect("consistent");

    let report = store.ledger().verify(|_, _| {}).await.expect("verify");
    assert_eq!(report.divergence, None);
    assert_eq!(report.leaves, cp2.size);
    assert_eq!(report.checkpoints, 2);
    assert!(report.nodes > 0);

    // The signing key survives a master key rotation (it is re-wrapped, not replaced).
    let key_before = store.ledger().verifier_key();
    store.rotate_master_key().await.expect("rotate");
    drop(service);
    let reopened = db.service().await;
    assert_eq!(reopened.ledger().verifier_key(), key_before);
    assert!(reopened.store.ledger().publish_checkpoint().await.expect("publish after rotation").is_some(), "the rotation is itself a leaf");
}

async fn purpose_again(service: &Service) {
    let p = service
        .purposes()
        .create(PurposeInput {
            purpose: "analytics.segments".into(),
            name: "Segments".into(),
            legal_basis: custos_core::LegalBasis::LegitimateInterest,
            data_categories: vec!["user.behavior".into()],
            sale_or_share: false,
            profiling: false,
            sensitive: false,
            pseudonymize: true,
            significant_effect: false,
            retention_days: 30,
        })
        .await
        .expect("purpose");
    assert!(p.receipt.is_some());
}

/// A parameter of a tampering statement.
enum Param {
    Bytes(Vec<u8>),
    Text(String),
}

/// Runs `sql` (with one optional parameter) directly against the database, bypassing custos.
async fn tamper(db: &TestDb, sql: &str, param: Option<Param>) {
    match db.sqlite_path() {
        Some(path) => {
            let conn = rusqlite::Connection::open(path).expect("open the database file");
            match param {
                Some(Param::Bytes(b)) => conn.execute(sql, [b]).expect("tamper"),
                Some(Param::Text(t)) => conn.execute(sql, [t]).expect("tamper"),
                None => conn.execute(sql, []).expect("tamper"),
            };
        }
        None => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&db.options.database_url).await.expect("connect");
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.replace("?1", "$1")));
            let q = match param {
                Some(Param::Bytes(b)) => q.bind(b),
                Some(Param::Text(t)) => q.bind(t),
                None => q,
            };
            q.execute(&mut conn).await.expect("tamper");
        }
    }
}

async fn tampering_is_detected(backend: Backend) {
    // (description, statement, blob) — each applied to a fresh, verified ledger.
    let flipped_leaf = |leaf: &[u8]| {
        let mut l = leaf.to_vec();
        l[5] ^= 0x01;
        l
    };
    for case in ["leaf byte", "node byte", "deleted leaf", "reordered leaves", "deleted tail", "checkpoint", "extra node"] {
        let db = TestDb::new(backend).await.expect("backend");
        let service = db.service().await;
        let store = service.store.clone();
        changes(&service).await;
        store.ledger().publish_checkpoint().await.expect("publish").expect("checkpoint");
        purpose_again(&service).await;
        store.ledger().publish_checkpoint().await.expect("publish").expect("checkpoint");
        assert_eq!(store.ledger().verify(|_, _| {}).await.expect("verify").divergence, None, "{case}: clean ledger verifies");
        let size = store.ledger().size().await.expect("size");
        let leaf3 = store.ledger().leaf(3).await.expect("read").expect("leaf");
        let leaf4 = store.ledger().leaf(4).await.expect("read").expect("leaf");
        match case {
            "leaf byte" => {
                tamper(&db, "UPDATE ledger_leaves SET leaf = ?1 WHERE leaf_index = 3", Some(Param::Bytes(flipped_leaf(&leaf3)))).await
            }
            "node byte" => {
                let node = store.ledger().nodes(&[custos_ledger::NodeId::new(1, 0)]).await.expect("node")[0].expect("stored");
                let mut bad = node.to_vec();
                bad[31] ^= 0x80;
                tamper(&db, "UPDATE ledger_nodes SET hash = ?1 WHERE level = 1 AND node_index = 0", Some(Param::Bytes(bad))).await;
            }
            "deleted leaf" => tamper(&db, "DELETE FROM ledger_leaves WHERE leaf_index = 4", None).await,
            "reordered leaves" => {
                tamper(&db, "UPDATE ledger_leaves SET leaf = ?1 WHERE leaf_index = 3", Some(Param::Bytes(leaf4.clone()))).await;
                tamper(&db, "UPDATE ledger_leaves SET leaf = ?1 WHERE leaf_index = 4", Some(Param::Bytes(leaf3.clone()))).await;
            }
            "deleted tail" => tamper(&db, &format!("DELETE FROM ledger_leaves WHERE leaf_index = {}", size - 1), None).await,
            "checkpoint" => {
                let latest = store.ledger().latest_checkpoint().await.expect("read").expect("cp");
                let forged = latest.note.replacen(&format!("\n{}\n", latest.tree_size), &format!("\n{}\n", latest.tree_size - 1), 1);
                tamper(
                    &db,
                    &format!("UPDATE ledger_checkpoints SET note = ?1 WHERE tree_size = {}", latest.tree_size),
                    Some(Param::Text(forged)),
                )
                .await;
            }
            "extra node" => {
                tamper(&db, "INSERT INTO ledger_nodes (level, node_index, hash) VALUES (1, 999999, ?1)", Some(Param::Bytes(vec![0u8; 32])))
                    .await
            }
            _ => unreachable!(),
        }
        drop(service);
        let reopened = db.service().await;
        let report = reopened.store.ledger().verify(|_, _| {}).await.expect("verify runs");
        assert!(report.divergence.is_some(), "{case}: tampering must be caught ({report:?})");
    }
}

/// A backlog larger than one checkpoint slice is signed in several transactions, each a valid
/// checkpoint, and the result verifies.
async fn backlogs_are_signed_in_slices(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend");
    let service = db.service().await;
    service.demo().seed(2500, 7, |_| {}).await.expect("seed");
    let store = service.store.clone();
    let size = store.ledger().size().await.expect("size");
    assert!(size > 8192, "the demo makes a backlog of more than one slice: {size}");
    let last = store.ledger().publish_checkpoint().await.expect("publish").expect("checkpoint");
    assert_eq!(last.tree_size, size);
    let all = store.ledger().all_checkpoints().await.expect("checkpoints");
    assert_eq!(all.len() as u64, size.div_ceil(8192), "one checkpoint per slice");
    let report = store.ledger().verify(|_, _| {}).await.expect("verify");
    assert_eq!((report.divergence, report.checkpoints, report.leaves), (None, all.len() as u64, size));
}

/// A verification that runs while the server publishes a newer checkpoint (the console's
/// "verify now" on a live deployment) reports no divergence: the nodes of the newer checkpoint
/// are covered by it. Extra nodes no checkpoint covers are still caught (`tampering_is_detected`).
async fn verify_tolerates_a_checkpoint_published_meanwhile(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend");
    let service = db.service().await;
    service.demo().seed(300, 7, |_| {}).await.expect("seed");
    let store = service.store.clone();
    store.ledger().publish_checkpoint().await.expect("publish").expect("checkpoint");
    let handle = tokio::runtime::Handle::current();
    let publisher = store.clone();
    let mut published = false;
    let report = store
        .ledger()
        .verify(|_, _| {
            if published {
                return;
            }
            published = true;
            // Mid-verification: more changes and a newer checkpoint with its nodes.
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    for i in 0..600u32 {
                        publisher.append_event(format!("{{\"event\":\"test.meanwhile\",\"n\":{i}}}").into_bytes()).await.expect("append");
                    }
                    publisher.ledger().publish_checkpoint().await.expect("publish").expect("newer checkpoint");
                })
            });
        })
        .await
        .expect("verify");
    assert!(published, "the callback ran during verification");
    assert_eq!(report.divergence, None);
    assert_eq!(store.ledger().verify(|_, _| {}).await.expect("verify again").divergence, None);
}

/// Writes `count` leaves straight into the table (as an import would), bypassing the service.
async fn bulk_leaves(db: &TestDb, count: u64) {
    let leaf = |i: u64| format!("{{\"event\":\"bulk\",\"n\":{i}}}").into_bytes();
    match db.sqlite_path() {
        Some(path) => {
            let mut conn = rusqlite::Connection::open(path).expect("open");
            let tx = conn.transaction().expect("tx");
            {
                let mut insert = tx.prepare("INSERT INTO ledger_leaves (leaf_index, leaf) VALUES (?1, ?2)").expect("prepare");
                for i in 0..count {
                    insert.execute(rusqlite::params![i as i64, leaf(i)]).expect("insert");
                }
            }
            tx.commit().expect("commit");
        }
        None => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&db.options.database_url).await.expect("connect");
            for start in (0..count).step_by(1000) {
                let end = (start + 1000).min(count);
                let values: Vec<String> = (0..end - start).map(|k| format!("(${}, ${})", 2 * k + 1, 2 * k + 2)).collect();
                let sql = format!("INSERT INTO ledger_leaves (leaf_index, leaf) VALUES {}", values.join(", "));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for i in start..end {
                    q = q.bind(i as i64).bind(leaf(i));
                }
                q.execute(&mut conn).await.expect("insert");
            }
        }
    }
}

/// Ledgers larger than verify's 16,384-leaf blocks: whole blocks are hashed as subtrees (on
/// SQLite by workers that also compare the block's stored nodes), and tampering inside a
/// block is still caught.
async fn large_ledgers_verify_block_by_block(backend: Backend) {
    const LEAVES: u64 = 40_000;
    for case in ["clean", "node inside a block", "leaf inside a block", "missing node inside a block"] {
        let db = TestDb::new(backend).await.expect("backend");
        let service = db.service().await;
        let store = service.store.clone();
        bulk_leaves(&db, LEAVES).await;
        assert_eq!(store.ledger().publish_checkpoint().await.expect("publish").expect("checkpoint").tree_size, LEAVES);
        match case {
            "clean" => {}
            "node inside a block" => {
                tamper(&db, "UPDATE ledger_nodes SET hash = ?1 WHERE level = 3 AND node_index = 2500", Some(Param::Bytes(vec![7; 32])))
                    .await
            }
            "leaf inside a block" => {
                tamper(&db, "UPDATE ledger_leaves SET leaf = ?1 WHERE leaf_index = 20000", Some(Param::Bytes(b"forged".to_vec()))).await
            }
            "missing node inside a block" => tamper(&db, "DELETE FROM ledger_nodes WHERE level = 12 AND node_index = 1", None).await,
            _ => unreachable!(),
        }
        let report = store.ledger().verify(|_, _| {}).await.expect("verify");
        if case == "clean" {
            let nodes: u64 = (1..64).map(|l| LEAVES >> l).sum();
            assert_eq!((report.divergence, report.leaves, report.nodes), (None, LEAVES, nodes));
            assert_eq!(report.checkpoints, LEAVES.div_ceil(8192));
        } else {
            assert!(report.divergence.is_some(), "{case}: caught ({report:?})");
        }
    }
}

backend_tests!(
    verify_tolerates_a_checkpoint_published_meanwhile,
    every_change_is_a_leaf_in_its_transaction,
    tampering_is_detected,
    backlogs_are_signed_in_slices,
    large_ledgers_verify_block_by_block
);

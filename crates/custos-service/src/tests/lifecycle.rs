//! The upgrade that introduced approvals: versions registered before it were deciding already,
//! so the migration marks them approved, and the service records that in the ledger once.

use custos_testdb::{Backend, backend_tests};
use data_encoding::BASE64;
use serde_json::Value;

use super::TestDb;
use crate::models::ModelInput;

async fn upgrade_approvals_are_recorded_once(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let service = db.service().await;
    let registered = service
        .models()
        .register(
            ModelInput {
                name: "legacy".into(),
                version: "1".into(),
                model: include_str!("../../../../testdata/explain/credit.linear.json").into(),
                owner: "risk team".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("register");
    assert_eq!(registered.lifecycle.state, "draft");
    let leaf = registered.receipt.expect("receipt").leaf_index;
    service.close().await;
    // What migration 0021 does to a version registered before it.
    db.execute(&format!(
        "UPDATE models SET state = 'approved', approval_source = 'upgrade_pending' WHERE model_id = '{}'",
        registered.model_id
    ))
    .await;
    let service = db.service().await;
    let entry = service.ledger().entry(leaf + 1).await.expect("the upgrade's leaf");
    let event: Value = serde_json::from_slice(&BASE64.decode(entry.leaf.as_bytes()).expect("base64")).expect("json");
    assert_eq!(event["event"], "model.approved_at_upgrade", "{event}");
    assert_eq!(event["versions"][0]["name"], "legacy", "{event}");
    let view = service.models().get(&registered.model_id.to_string()).await.expect("model");
    assert_eq!((view.lifecycle.state.as_str(), view.lifecycle.approval_source.as_deref()), ("approved", Some("upgrade")));
    assert!(service.models().admit("legacy", "1").await.is_ok(), "it keeps deciding");
    service.close().await;
    // Opened again: nothing more to record.
    let service = db.service().await;
    assert!(service.ledger().entry(leaf + 2).await.is_err(), "recorded once");
    let card = service.models().card(&registered.model_id.to_string(), true).await.expect("card").markdown();
    assert!(card.contains("Approved by the upgrade"), "{card}");
    service.close().await;
}

backend_tests!(upgrade_approvals_are_recorded_once);

//! The audit ledger over HTTP: receipts on every write, signed checkpoints, entries, inclusion
//! and consistency proofs checked with the verifier key alone, and bad requests as problems.

use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::Value;

mod support;
use support::*;

async fn raw(s: &TestServer, path: &str, key: Option<&str>) -> (u16, String, String) {
    let mut req = s.client.get(format!("{}{path}", s.base_url));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, resp.text().await.expect("body"))
}

fn hash32(v: &Value) -> [u8; 32] {
    data_encoding::BASE64.decode(v.as_str().expect("base64 string").as_bytes()).expect("base64").try_into().expect("32 bytes")
}

async fn ledger_receipts_checkpoints_and_proofs(backend: Backend) {
    let s = server(backend).await;
    declare_ads(&s, false, false).await;
    let a = subject(&s, "ledger-a", "DE").await;
    let (st, granted) = consent(&s, &a, "granted").await;
    assert_eq!(st, 201);
    let checked = check(&s, &a, false).await;
    let mut receipts = Vec::new();
    for body in [&granted, &checked] {
        let r = &body["receipt"];
        assert!(r["leaf_index"].is_u64() && r["leaf_hash"].is_string(), "every write response carries a receipt: {body}");
        receipts.push(r.clone());
    }

    // The verifier key and the checkpoint are public; the checkpoint is a signed note.
    let (st, content_type, key_text) = raw(&s, "/v1/ledger/key", None).await;
    assert_eq!((st, content_type.starts_with("text/plain")), (200, true));
    let verifier = custos_ledger::NoteVerifier::parse(key_text.trim()).expect("note verifier key");
    // The publisher signs new leaves within a second; the public route only reads.
    let started = std::time::Instant::now();
    let checkpoint = loop {
        let (st, _, note) = raw(&s, "/v1/ledger/checkpoint", None).await;
        assert_eq!(st, 200, "{note}");
        let checkpoint = custos_ledger::Checkpoint::open(&note, &verifier, None).expect("signed checkpoint");
        if checkpoint.size > receipts[1]["leaf_index"].as_u64().expect("index") || started.elapsed().as_secs() >= 3 {
            break checkpoint;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(checkpoint.size > receipts[1]["leaf_index"].as_u64().expect("index"), "a checkpoint covers the receipt within a second or so");

    // Entries and proofs need `ledger:read`.
    let gate_only = s.key(&["gate"]).await;
    let reader = s.key(&["ledger:read"]).await;
    let index = receipts[1]["leaf_index"].as_u64().expect("index");
    let entry_path = format!("/v1/ledger/entries/{index}");
    assert_eq!(s.call(Method::GET, &entry_path, None, None).await.0, 401);
    assert_eq!(s.call(Method::GET, &entry_path, Some(&gate_only), None).await.0, 403);
    let (st, entry) = s.call(Method::GET, &entry_path, Some(&reader), None).await;
    assert_eq!(st, 200, "{entry}");
    assert_eq!(entry["leaf_hash"], receipts[1]["leaf_hash"]);
    let leaf = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
    let event: Value = serde_json::from_slice(&leaf).expect("JSON leaf");
    assert_eq!(event["event"], "gate.check");
    assert_eq!(event["check_id"], checked["check_id"]);

    let path = format!("/v1/ledger/proof/inclusion?index={index}&tree_size={}", checkpoint.size);
    let (st, proof) = s.call(Method::GET, &path, Some(&reader), None).await;
    assert_eq!(st, 200, "{proof}");
    let hashes: Vec<[u8; 32]> = proof["hashes"].as_array().expect("hashes").iter().map(hash32).collect();
    custos_ledger::verify_inclusion(index, checkpoint.size, &hash32(&receipts[1]["leaf_hash"]), &hashes, &checkpoint.root)
        .expect("the receipt's leaf is in the signed tree");

    // More writes, a new checkpoint on demand, and a consistency proof between the two.
    subject(&s, "ledger-b", "FR").await;
    let (st, newer) = s
        .client
        .post(format!("{}/v1/ledger/checkpoint", s.base_url))
        .bearer_auth(&s.admin_key)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("send");
    assert_eq!(st, 200);
    let newer = custos_ledger::Checkpoint::open(&newer.text().await.expect("text"), &verifier, None).expect("signed");
    assert!(newer.size > checkpoint.size);
    let path = format!("/v1/ledger/proof/consistency?first={}&second={}", checkpoint.size, newer.size);
    let (st, proof) = s.call(Method::GET, &path, Some(&reader), None).await;
    assert_eq!(st, 200, "{proof}");
    let hashes: Vec<[u8; 32]> = proof["hashes"].as_array().expect("hashes").iter().map(hash32).collect();
    custos_ledger::verify_consistency(checkpoint.size, newer.size, &checkpoint.root, &newer.root, &hashes).expect("consistent");

    // Bad requests are problems, not panics.
    for (path, status) in [
        (format!("/v1/ledger/proof/inclusion?index={}&tree_size={}", newer.size, newer.size), 422),
        (format!("/v1/ledger/proof/inclusion?index=0&tree_size={}", newer.size + 1000), 422),
        ("/v1/ledger/proof/inclusion?index=x&tree_size=1".to_owned(), 400),
        ("/v1/ledger/proof/consistency?first=0&second=1".to_owned(), 422),
        ("/v1/ledger/entries/99999999".to_owned(), 404),
        ("/v1/ledger/entries/-1".to_owned(), 400),
    ] {
        let (st, body) = s.call(Method::GET, &path, Some(&reader), None).await;
        assert_eq!(st, status, "{path}: {body}");
        assert!(body["type"].as_str().is_some_and(|t| t.starts_with("urn:custos:problem:")), "{path}: {body}");
    }
    s.stop().await;
}

backend_tests!(ledger_receipts_checkpoints_and_proofs);

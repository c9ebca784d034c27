//! `custos ledger ...` end to end, and the crash test: SIGKILL `custos serve` during a stream
//! of concurrent writes, restart, and check that every receipt handed out is in a ledger that
//! still verifies - on SQLite and PostgreSQL.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use custos_testkit::{Backend, TestDb, backend_tests};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn custos(args: &[&str], db: Option<&TestDb>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    if let Some(db) = db {
        cmd.args(db.cli_args());
    }
    cmd.output().expect("run custos")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs `sql` directly against the database, bypassing custos.
async fn tamper(db: &TestDb, sql: &str) {
    match db.sqlite_path() {
        Some(path) => {
            rusqlite::Connection::open(path).expect("open").execute(sql, []).expect("tamper");
        }
        None => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&db.options.database_url).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect("tamper");
        }
    }
}

async fn verify_prove_and_check_offline(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let out = custos(&["admin", "seed-demo", "--subjects", "30"], Some(&db));
    assert!(out.status.success(), "{:?}", text(&out));
    for scopes in ["gate", "dsr", "ledger:read"] {
        assert!(custos(&["admin", "create-key", "--scopes", scopes], Some(&db)).status.success());
    }
    let out = custos(&["ledger", "verify"], Some(&db));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("ledger verified"), "{stdout}");

    let bundle_path = db.dir.path().join("bundle.json");
    let out = custos(&["ledger", "prove", "--index", "7", "--out", bundle_path.to_str().expect("path")], Some(&db));
    assert!(out.status.success(), "{:?}", text(&out));
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&bundle_path).expect("bundle")).expect("JSON");
    for field in ["checkpoint", "leaf", "leaf_index", "tree_size", "hashes"] {
        assert!(bundle.get(field).is_some(), "bundle has {field}: {bundle}");
    }
    let key = db.service().await.ledger().verifier_key();

    // Offline: no database arguments at all.
    let out = custos(&["ledger", "verify-proof", "--bundle", bundle_path.to_str().expect("path"), "--key", &key], None);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("proof verified: entry 7"), "{stdout}");

    // A bundle that claims another leaf, another size or another key fails, in one line.
    let other_leaf = data_encoding::BASE64.encode(br#"{"event":"forged"}"#);
    let forged =
        [json!({"leaf": other_leaf}), json!({"leaf_index": 8}), json!({"tree_size": bundle["tree_size"].as_u64().expect("size") + 1})];
    for (i, change) in forged.iter().enumerate() {
        let mut bad = bundle.clone();
        for (k, v) in change.as_object().expect("object") {
            bad[k] = v.clone();
        }
        let path = db.dir.path().join(format!("bad-{i}.json"));
        std::fs::write(&path, bad.to_string()).expect("write");
        let out = custos(&["ledger", "verify-proof", "--bundle", path.to_str().expect("path"), "--key", &key], None);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "forged bundle {change} must fail");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    let wrong_key = "other.example/log+00000000+AQ".to_owned() + &"A".repeat(43);
    assert!(
        !custos(&["ledger", "verify-proof", "--bundle", bundle_path.to_str().expect("path"), "--key", &wrong_key], None).status.success()
    );

    // One changed byte in the database and verify fails, naming where.
    tamper(&db, "UPDATE ledger_leaves SET leaf = leaf || leaf WHERE leaf_index = 11").await;
    let out = custos(&["ledger", "verify"], Some(&db));
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("does not verify"), "{stderr}");
}

struct Server {
    child: Child,
    base_url: String,
}

/// Starts `custos serve --demo` (a tiny demo). The first start prints the demo's admin key;
/// later starts reuse it (`known`) and print only its id.
fn start(db: &TestDb, round: usize, known: Option<&str>) -> (Server, String) {
    let log = std::fs::File::create(db.dir.path().join(format!("serve-{round}.log"))).expect("log");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--demo", "--demo-subjects", "3"])
        .args(db.cli_args())
        .current_dir(db.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (mut url, mut key) = (None, None);
    while url.is_none() || key.is_none() {
        let line = lines.next().expect("custos serve printed its URL and key").expect("line");
        if let Some(u) = line.strip_prefix("custos is listening on ") {
            url = Some(u.trim().to_owned());
        }
        if let Some(printed) = line.strip_prefix("admin API key (scope all; shown once): ") {
            key = Some(printed.trim().to_owned());
        } else if line.starts_with("admin API key: ") {
            key = Some(known.expect("a later start reuses the key printed at the first").to_owned());
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (Server { child, base_url: url.expect("url") }, key.expect("key"))
}

async fn acknowledged_writes_survive_sigkill(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let receipts: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    // Several kill points: early, mid-stream, and later (likely inside a checkpoint).
    let mut known: Option<String> = None;
    for (round, kill_after_ms) in [150u64, 420, 900].into_iter().enumerate() {
        let (mut server, key) = start(&db, round, known.as_deref());
        known = Some(key.clone());
        let client = reqwest::Client::new();
        let mut writers = Vec::new();
        for w in 0..8 {
            let (client, key, base, receipts) = (client.clone(), key.clone(), server.base_url.clone(), receipts.clone());
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let body = json!({"external_id": format!("crash-{round}-{w}-{i}"), "jurisdiction": "DE"});
                    let Ok(resp) = client.post(format!("{base}/v1/subjects")).bearer_auth(&key).json(&body).send().await else { break };
                    if resp.status().as_u16() != 201 {
                        break;
                    }
                    let Ok(v) = resp.json::<Value>().await else { break };
                    let r = &v["receipt"];
                    let index = r["leaf_index"].as_u64().expect("receipt index");
                    receipts.lock().expect("lock").push((index, r["leaf_hash"].as_str().expect("hash").to_owned()));
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reap");
        for w in writers {
            w.await.expect("writer");
        }
    }
    let receipts = receipts.lock().expect("lock").clone();
    assert!(receipts.len() > 20, "the writers got through before each kill: {}", receipts.len());
    // Restart once more (recovery), then check every acknowledged write against the ledger.
    let (mut server, _) = start(&db, 99, known.as_deref());
    server.child.kill().expect("stop");
    server.child.wait().expect("reap");
    let service = db.service().await;
    let ledger = service.ledger();
    for (index, hash) in &receipts {
        let entry = match ledger.entry(*index).await {
            Ok(entry) => entry,
            Err(custos_service::ServiceError::NotFound { .. }) => panic!("acknowledged leaf {index} was lost"),
            Err(e) => panic!("read leaf {index}: {e}"),
        };
        let leaf = data_encoding::BASE64.decode(entry.leaf.as_bytes()).expect("leaf base64");
        assert_eq!(&data_encoding::BASE64.encode(&custos_ledger::leaf_hash(&leaf)), hash, "leaf {index} changed");
    }
    ledger.publish_checkpoint().await.expect("publish");
    let report = ledger.verify(|_, _| {}).await.expect("verify");
    assert_eq!(report.divergence, None);
    assert_eq!(report.leaves, ledger.size().await.expect("size"));
    drop(service);
    let out = custos(&["ledger", "verify"], Some(&db));
    assert!(out.status.success(), "{:?}", text(&out));
}

backend_tests!(verify_prove_and_check_offline, acknowledged_writes_survive_sigkill);

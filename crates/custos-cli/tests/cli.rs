//! End-to-end tests of the `custos` binary: real process, real HTTP, real databases.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use custos_testkit::{Backend, TestDb, backend_tests};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_custos");

struct Running {
    child: Child,
    base_url: String,
    admin_key: String,
    stdout_lines: mpsc::Receiver<String>,
    stdout: Vec<String>,
}

/// Starts `custos serve` on port 0 with debug logging to `log`, and waits for its URL and key.
fn serve(db: &TestDb, log: &Path, extra: &[&str]) -> Running {
    let log_file = std::fs::File::create(log).expect("log file");
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(db.cli_args())
        .args(extra)
        .env("CUSTOS_LOG", "debug")
        .current_dir(db.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file))
        .spawn()
        .expect("spawn custos serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let (mut base_url, mut admin_key) = (None, None);
    while base_url.is_none() || admin_key.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(120)).expect("custos serve printed its URL and key");
        if let Some(url) = line.strip_prefix("custos is listening on ") {
            base_url = Some(url.trim().to_owned());
        }
        if line.starts_with("admin API key") {
            admin_key = line.split_whitespace().last().map(str::to_owned);
        }
        lines.push(line);
    }
    Running { child, base_url: base_url.expect("url"), admin_key: admin_key.expect("key"), stdout_lines: rx, stdout: lines }
}

impl Running {
    fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "graceful shutdown exits 0: {status:?}");
        self.stdout.extend(self.stdout_lines.try_iter());
        self.stdout
    }
}

async fn call(client: &reqwest::Client, method: reqwest::Method, url: String, key: &str, body: Option<Value>, gpc: bool) -> (u16, Value) {
    let mut req = client.request(method, url).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if gpc {
        req = req.header("Sec-GPC", "1");
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

const CANARIES: &[&str] = &[
    "canary-ext-5k2q9",
    "canary.mail.7f3a9@leak.example",
    "Zyxwvut Canaryperson",
    "canary-feature-88h1",
    "canary-statement-0pq4",
    "canary-rectified-3vb7",
];

/// Plants canary values through every write path that takes personal data, then scans the raw
/// database files (WAL included), a PostgreSQL dump, the log and stdout for them.
async fn no_plaintext_personal_data_at_rest_or_in_logs(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let log = db.dir.path().join("server.log");
    let server = serve(&db, &log, &["--allow-unregistered-models"]);
    let (c, base, key) = (reqwest::Client::new(), server.base_url.clone(), server.admin_key.clone());
    let post = |path: &str, body: Value| call(&c, reqwest::Method::POST, format!("{base}{path}"), &key, Some(body), false);
    let (st, _) = post(
        "/v1/purposes",
        json!({"key": "personalize.content", "name": "Recs", "legal_basis": "contract",
               "data_categories": ["user.contact.email", "user.name"], "retention_days": 30}),
    )
    .await;
    assert_eq!(st, 201);
    let (st, subject) = post(
        "/v1/subjects",
        json!({"external_id": CANARIES[0], "jurisdiction": "DE", "data": {"user.contact.email": CANARIES[1], "user.name": CANARIES[2]}}),
    )
    .await;
    assert_eq!(st, 201);
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let (st, check) =
        post("/v1/gate/check", json!({"subject_id": sid, "purpose": "personalize.content", "data_categories": ["user"]})).await;
    assert_eq!((st, check["released"]["user.contact.email"].as_str()), (200, Some(CANARIES[1])), "{check}");
    let (st, _) = post(
        "/v1/decisions",
        json!({"subject_id": sid, "purpose": "personalize.content", "check_id": check["check_id"], "model": "m", "model_version": "1",
               "outcome": "shown", "features": {"note": CANARIES[3]}}),
    )
    .await;
    assert_eq!(st, 201);
    let (st, _) = post("/v1/dsr", json!({"subject_id": sid, "type": "access", "statement": CANARIES[4]})).await;
    assert_eq!(st, 201);
    let (st, _) = post("/v1/dsr", json!({"subject_id": sid, "type": "rectification", "data": {"user.name": CANARIES[5]}})).await;
    assert_eq!(st, 201);
    // Lookups by identifier and bad input quoting personal data must not leak either.
    let (st, _) = call(&c, reqwest::Method::GET, format!("{base}/v1/subjects?external_id={}", CANARIES[0]), &key, None, false).await;
    assert_eq!(st, 200);
    let (st, _) = post("/v1/subjects", json!({"external_id": CANARIES[0], "jurisdiction": "DE"})).await;
    assert_eq!(st, 409);
    let (st, _) = post("/v1/subjects", json!({"external_id": "x", "jurisdiction": CANARIES[2]})).await;
    assert_eq!(st, 400);
    let stdout = server.stop();

    let mut haystacks: Vec<(String, Vec<u8>)> =
        vec![("log".into(), std::fs::read(&log).expect("log")), ("stdout".into(), stdout.join("\n").into_bytes())];
    let log_text = String::from_utf8_lossy(&haystacks[0].1).into_owned();
    assert!(log_text.contains("/v1/gate/check"), "the log records requests (so the scan is meaningful): {log_text}");
    for entry in std::fs::read_dir(db.dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("custos.db")) {
            haystacks.push((path.display().to_string(), std::fs::read(&path).expect("read")));
        }
    }
    if backend == Backend::Sqlite {
        assert!(haystacks.len() >= 3, "database files scanned: {:?}", haystacks.iter().map(|h| &h.0).collect::<Vec<_>>());
    }
    let dump = db.postgres_dump().await;
    if backend == Backend::Postgres {
        assert!(dump.len() > 1000, "the dump holds the tables");
    }
    haystacks.push(("postgres dump".into(), dump.into_bytes()));
    for canary in CANARIES {
        let hex: String = canary.bytes().map(|b| format!("{b:02x}")).collect();
        for (name, bytes) in &haystacks {
            let found =
                bytes.windows(canary.len()).any(|w| w == canary.as_bytes()) || bytes.windows(hex.len()).any(|w| w == hex.as_bytes());
            assert!(!found, "plaintext `{canary}` found in {name}");
        }
    }
}

/// `admin create-key` prints the key alone on the last line; a running server accepts it at
/// once, and `admin revoke-key` stops it at once.
async fn admin_keys_work_against_a_running_server(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let server = serve(&db, &db.dir.path().join("server.log"), &[]);
    let out = Command::new(BIN)
        .args(["admin", "create-key", "--scopes", "gate,subjects:read", "--label", "crm"])
        .args(db.cli_args())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    let key = stdout.lines().last().expect("last line").trim().to_owned();
    assert!(key.starts_with("custos_"), "{stdout}");
    let key_id = stdout.lines().next().and_then(|l| l.split_whitespace().nth(2)).expect("key id").to_owned();
    let c = reqwest::Client::new();
    let (st, _) = call(&c, reqwest::Method::GET, format!("{}/v1/subjects", server.base_url), &key, None, false).await;
    assert_eq!(st, 200);
    let (st, _) = call(&c, reqwest::Method::GET, format!("{}/v1/keys", server.base_url), &key, None, false).await;
    assert_eq!(st, 403);
    let out = Command::new(BIN).args(["admin", "revoke-key", &key_id]).args(db.cli_args()).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Revocation by another process reaches a running server within its auth cache TTL (1 s).
    let started = std::time::Instant::now();
    loop {
        let (st, _) = call(&c, reqwest::Method::GET, format!("{}/v1/subjects", server.base_url), &key, None, false).await;
        if st == 401 {
            break;
        }
        assert_eq!(st, 200);
        assert!(started.elapsed() < Duration::from_millis(2500), "revocation took effect within the cache TTL");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop();
}

backend_tests!(no_plaintext_personal_data_at_rest_or_in_logs, admin_keys_work_against_a_running_server);

#[test]
fn bad_cli_input_is_one_line_and_non_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/c.db", dir.path().display());
    let key = dir.path().join("m.key").display().to_string();
    for args in [
        vec!["admin", "create-key", "--scopes", "root", "--database-url", &url, "--master-key-file", &key],
        vec!["serve", "--listen", "nonsense", "--database-url", &url, "--master-key-file", &key],
        vec!["admin", "revoke-key", "not-an-id", "--database-url", &url, "--master-key-file", &key],
        vec!["admin", "list-keys", "--database-url", "mysql://x", "--master-key-file", &key],
    ] {
        let out = Command::new(BIN).args(&args).output().expect("run");
        assert!(!out.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8(out.stderr).expect("utf8");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

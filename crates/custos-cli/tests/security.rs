//! The security suite's checks that need the `custos` binary itself (issue 14): backups that
//! restore and verify, and admin commands that refuse what they must.

use std::process::{Command, Output};

use custos_testkit::{Backend, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_custos");

fn custos(db: &TestDb, args: &[&str]) -> Output {
    Command::new(BIN).args(args).args(db.cli_args()).current_dir(db.dir.path()).output().expect("run custos")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "custos failed: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn key_ids(listing: &str) -> Vec<String> {
    listing.lines().filter_map(|l| l.split('\t').next()).map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_round_trip_and_the_ledger_verifies() {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    ok(&custos(&db, &["admin", "seed-demo", "--subjects", "20"]));
    ok(&custos(&db, &["admin", "create-key", "--scopes", "subjects:read", "--label", "before"]));
    let before = key_ids(&ok(&custos(&db, &["admin", "list-keys"])));
    let backup = db.dir.path().join("backup.db");
    let out = ok(&custos(&db, &["admin", "backup", "--output", backup.to_str().expect("utf8")]));
    assert!(out.contains("backup written"), "{out}");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&backup).expect("backup").permissions().mode() & 0o777, 0o600);
    // A second backup to the same file is refused (never overwrite).
    let again = custos(&db, &["admin", "backup", "--output", backup.to_str().expect("utf8")]);
    assert!(!again.status.success());

    // Changes after the backup...
    ok(&custos(&db, &["admin", "create-key", "--scopes", "subjects:read", "--label", "after"]));
    assert_eq!(key_ids(&ok(&custos(&db, &["admin", "list-keys"]))).len(), before.len() + 1);

    // ...are gone after the restore, and the ledger verifies.
    let out = ok(&custos(&db, &["admin", "restore", "--input", backup.to_str().expect("utf8")]));
    assert!(out.contains("the ledger verifies"), "{out}");
    assert_eq!(key_ids(&ok(&custos(&db, &["admin", "list-keys"]))), before);
    let out = ok(&custos(&db, &["ledger", "verify"]));
    assert!(out.contains("ledger verified"), "{out}");

    // A backup made under another master key is refused, naming the key.
    let other = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    ok(&custos(&other, &["admin", "list-keys"]));
    let refused = custos(&other, &["admin", "restore", "--input", backup.to_str().expect("utf8")]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("master key"), "{message}");
    assert_eq!(message.lines().filter(|l| l.starts_with("error: ")).count(), 1, "one error line: {message}");

    // A restore under an open database is refused.
    let service = db.service().await;
    let busy = custos(&db, &["admin", "restore", "--input", backup.to_str().expect("utf8")]);
    assert!(!busy.status.success());
    assert!(String::from_utf8_lossy(&busy.stderr).contains("stop it before restoring"), "{}", String::from_utf8_lossy(&busy.stderr));
    service.close().await;
}

fn serve_demo(db: &TestDb, listen: &str) -> std::process::Child {
    Command::new(BIN)
        .args(["serve", "--listen", listen, "--demo", "--demo-subjects", "3"])
        .args(db.cli_args())
        .current_dir(db.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn custos serve")
}

/// Reads stdout lines until the server says where it listens and what key it has.
fn wait_for_start(child: &mut std::process::Child) -> Vec<String> {
    use std::io::BufRead as _;
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.starts_with("admin API key")) {
        let line = lines.next().expect("custos serve printed its key line").expect("line");
        seen.push(line);
    }
    std::thread::spawn(move || for _ in lines {});
    seen
}

fn stop(mut child: std::process::Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}

fn all_keys(db: &TestDb) -> usize {
    ok(&custos(db, &["admin", "list-keys"])).lines().filter(|l| l.split('\t').nth(1) == Some("all")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_refuses_open_addresses_and_real_databases_and_keeps_one_key() {
    // Not on an address others can reach.
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "0.0.0.0:0", "--demo"])
        .args(db.cli_args())
        .current_dir(db.dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("loopback"), "{message}");

    // Not on a database holding data the demo did not create.
    let real = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    ok(&custos(&real, &["admin", "create-key", "--scopes", "subjects:read"]));
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--demo"])
        .args(real.cli_args())
        .current_dir(real.dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("only runs on an empty database"), "{message}");
    assert_eq!(message.lines().filter(|l| l.starts_with("error: ")).count(), 1, "one error line: {message}");

    // A demo database restarts with its one key.
    let mut first = serve_demo(&db, "127.0.0.1:0");
    let lines = wait_for_start(&mut first);
    assert!(lines.iter().any(|l| l.starts_with("admin API key (scope all; shown once): custos_")), "{lines:?}");
    stop(first);
    let mut second = serve_demo(&db, "127.0.0.1:0");
    let lines = wait_for_start(&mut second);
    assert!(
        lines.iter().any(|l| l.starts_with("admin API key: ") && l.contains("printed when this demo database was created")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("custos_")), "no key secret printed again: {lines:?}");
    stop(second);
    assert_eq!(all_keys(&db), 1, "one all-scope key after two starts");
}

/// Options that would exhaust the machine are refused with one line: absurd thread counts and
/// bootstrap sizes, audits of thousands of groups; a short check retention is warned about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_options_are_refused_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("in.txt");
    std::fs::write(&text, "call 555-0100\n").expect("write");
    let refused = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().expect("run");
        assert!(!out.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    };
    let message = refused(&["pii", "analyze", "--input", text.to_str().expect("utf8"), "--threads", "100000"]);
    assert!(message.contains("--threads"), "{message}");

    let csv = dir.path().join("decisions.csv");
    let mut rows = String::from("group,y_true,y_pred\n");
    for i in 0..2_500 {
        rows.push_str(&format!("g{i},{},{}\n", i % 2, (i / 2) % 2));
    }
    std::fs::write(&csv, rows).expect("write");
    let csv = csv.to_str().expect("utf8");
    let message = refused(&[
        "fairness",
        "audit",
        "--input",
        csv,
        "--sensitive",
        "group",
        "--y-true",
        "y_true",
        "--y-pred",
        "y_pred",
        "--bootstrap",
        "4294967295",
    ]);
    assert!(message.contains("--bootstrap"), "{message}");
    let message = refused(&["fairness", "audit", "--input", csv, "--sensitive", "group", "--y-true", "y_true", "--y-pred", "y_pred"]);
    assert!(message.contains("more than 2000 groups"), "{message}");
    assert_eq!(message.lines().filter(|l| l.starts_with("error: ")).count(), 1, "{message}");

    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let out = custos(&db, &["admin", "run-retention", "--check-retention-days", "30"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: gate checks are kept 30 days"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

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
    assert_eq!(message.trim().lines().count(), 1, "one line: {message}");

    // A restore under an open database is refused.
    let service = db.service().await;
    let busy = custos(&db, &["admin", "restore", "--input", backup.to_str().expect("utf8")]);
    assert!(!busy.status.success());
    assert!(String::from_utf8_lossy(&busy.stderr).contains("stop it before restoring"), "{}", String::from_utf8_lossy(&busy.stderr));
    service.close().await;
}

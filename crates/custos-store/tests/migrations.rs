//! Migration 0013 on rows a 0.1 database holds, on SQLite and PostgreSQL: the DSR table and its
//! words, the purpose key column, the notice language, the subject's sale/share flag, the
//! stored scopes, the gate checks' reason codes and the staff roles all come out in the words of
//! 0.2, and nothing is lost.

use std::borrow::Cow;
use std::str::FromStr as _;

use custos_testdb::{Backend, TestDatabase, backend_tests};
use sqlx::{Connection as _, Executor as _, migrate::Migrator};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// `all`'s migrations up to and including `version`.
fn up_to(all: &Migrator, version: i64) -> Migrator {
    Migrator { migrations: Cow::Owned(all.migrations.iter().filter(|m| m.version <= version).cloned().collect()), ..Migrator::DEFAULT }
}

/// What a 0.1 database held (rows written by 0.1's SQL, words of 0.1).
const OLD_ROWS: &[&str] = &[
    "INSERT INTO api_keys (key_id, secret_sha256, scopes, label, created_at) VALUES \
     ('k1', 'x', 'admin consent:write gate dsr pii pii:detokenize fairness subjects:read models:read', 'old', '2026-11-01T00:00:00Z'), \
     ('k2', 'x', 'pii:detokenize', 'vault', '2026-11-01T00:00:00Z')",
    "INSERT INTO purposes (key, name, legal_basis, data_categories, sale_or_share, profiling, sensitive, pseudonymize, retention_days, created_at) \
     VALUES ('marketing.email', 'Newsletter', 'consent', '[\"user.contact.email\"]', 1, 0, 0, 0, 365, '2026-11-01T00:00:00Z')",
    "INSERT INTO notices (purpose, version, language, text, text_sha256, created_at) \
     VALUES ('marketing.email', 'v1', 'en', 'We send news.', 'abc', '2026-11-01T00:00:00Z')",
    "INSERT INTO subjects (subject_id, jurisdiction, gpc, restricted, opted_out_sale_share, objection_profiling, objection_direct_marketing, created_at, updated_at) \
     VALUES ('s1', 'US-CA', 0, 0, 1, 0, 0, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
    "INSERT INTO dsr (dsr_id, subject_id, type, status, jurisdiction, received_at, due_at, updated_at) \
     VALUES ('d1', 's1', 'opt_out_sale_share', 'completed', 'US-CA', '2026-11-01T00:00:00Z', '2026-12-16T00:00:00Z', '2026-11-02T00:00:00Z'), \
            ('d2', 's1', 'access', 'pending_verification', 'US-CA', '2026-11-01T00:00:00Z', '2026-12-16T00:00:00Z', '2026-11-01T00:00:00Z')",
    "INSERT INTO gate_checks (check_id, subject_id, purpose, requested, decision, reasons, released, gpc, key_id, checked_at) \
     VALUES ('c1', 's1', 'marketing.email', '[]', 'deny', \
     '[{\"code\":\"opted_out_sale_share\",\"message\":\"The subject opted out.\"}]', '[]', 0, NULL, '2026-11-01T00:00:00Z')",
    "INSERT INTO staff_users (user_id, email, role, password_hash, failed_attempts, locked_until, created_at) \
     VALUES ('u1', 'po@example.com', 'privacy_officer', 'hash', 0, NULL, '2026-11-01T00:00:00Z')",
];

/// One text value from a query.
macro_rules! text {
    ($conn:expr, $sql:expr) => {
        sqlx::query_scalar::<_, String>($sql).fetch_one(&mut $conn).await.expect($sql)
    };
}

/// What 0013 must have made of [`OLD_ROWS`] (a macro: the two engines' connections differ in type).
macro_rules! check {
    ($conn:expr) => {{
    let conn = &mut $conn;
    assert_eq!(text!(*conn, "SELECT type FROM dsrs WHERE dsr_id = 'd1'"), "opt_out_of_sale_or_share", "DSR types are migrated");
    assert_eq!(text!(*conn, "SELECT type FROM dsrs WHERE dsr_id = 'd2'"), "access", "other types stay");
    assert_eq!(text!(*conn, "SELECT purpose FROM purposes"), "marketing.email");
    assert_eq!(text!(*conn, "SELECT notice_language FROM notices"), "en");
    assert_eq!(
        text!(*conn, "SELECT CAST(opted_out_of_sale_or_share AS TEXT) FROM subjects WHERE subject_id = 's1'"),
        "1",
        "the subject's state keeps its value under its new name"
    );
    assert_eq!(
        text!(*conn, "SELECT scopes FROM api_keys WHERE key_id = 'k1'"),
        "purposes:write keys:admin ledger:admin consents:write checks:write dsrs:read dsrs:write pii:write tokens:read audits:read audits:write subjects:read models:read",
        "every old scope becomes the scopes it stands for, in place"
    );
    assert_eq!(text!(*conn, "SELECT scopes FROM api_keys WHERE key_id = 'k2'"), "tokens:read", "a name is a whole word");
    let reasons = text!(*conn, "SELECT reasons FROM gate_checks WHERE check_id = 'c1'");
    assert!(reasons.contains("\"opted_out_of_sale_or_share\"") && !reasons.contains("\"opted_out_sale_share\""), "{reasons}");
    assert_eq!(text!(*conn, "SELECT role FROM staff_roles WHERE user_id = 'u1'"), "privacy_officer", "the role becomes the set's one member");
    // The renamed table keeps its indexes and its rows.
    assert_eq!(text!(*conn, "SELECT CAST(COUNT(*) AS TEXT) FROM dsrs WHERE status = 'pending_verification'"), "1");
}};
}

async fn a_01_database_speaks_02_after_migration_0013(backend: Backend) {
    let db = TestDatabase::new(backend).await.expect("backend configured");
    match backend {
        Backend::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url).expect("url").create_if_missing(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("open");
            up_to(&SQLITE, 12).run(&mut conn).await.expect("0.1's migrations");
            for sql in OLD_ROWS {
                conn.execute(sqlx::AssertSqlSafe(*sql)).await.expect(sql);
            }
            SQLITE.run(&mut conn).await.expect("0013");
            check!(conn);
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            up_to(&POSTGRES, 12).run(&mut conn).await.expect("0.1's migrations");
            for sql in OLD_ROWS {
                conn.execute(sqlx::AssertSqlSafe(*sql)).await.expect(sql);
            }
            POSTGRES.run(&mut conn).await.expect("0013");
            check!(conn);
        }
    }
}

/// A decision log written before migration 0041 (rows in two months, one reviewed).
const LOG_ROWS: &[&str] = &[
    "INSERT INTO subjects (subject_id, jurisdiction, created_at, updated_at) VALUES ('s1', 'DE', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z')",
    "INSERT INTO purposes (purpose, name, legal_basis, data_categories, sale_or_share, profiling, sensitive, pseudonymize, retention_days, created_at) \
     VALUES ('p', 'P', 'consent', '[]', 0, 0, 0, 0, 30, '2026-10-01T00:00:00Z')",
    "INSERT INTO decisions (decision_id, subject_id, purpose, model, model_version, outcome, created_at) VALUES \
     ('d1', 's1', 'p', 'm', '1', 'yes', '2026-10-05T00:00:00.000000Z'), \
     ('d2', 's1', 'p', 'm', '1', 'no', '2026-11-05T00:00:00.000000Z'), \
     ('d3', 's1', 'p', 'm', '1', 'no', '2026-11-06T00:00:00.000000Z')",
    "INSERT INTO reviews (review_id, decision_id, subject_id, purpose, status, reasons, required_role, two_person, blind, due_at, created_at) \
     VALUES ('r1', 'd2', 's1', 'p', 'open', '[]', 'reviewer', 0, 0, '2026-11-06T00:00:00Z', '2026-11-05T00:00:00Z')",
];

/// Migration 0041 on a log that already holds decisions: PostgreSQL moves each into its
/// month's partition, and on both engines the review learns its decision's created_at.
async fn decisions_move_into_month_partitions_in_migration_0041(backend: Backend) {
    let db = TestDatabase::new(backend).await.expect("backend configured");
    let review_link = "SELECT decision_created_at FROM reviews WHERE review_id = 'r1'";
    match backend {
        Backend::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url).expect("url").create_if_missing(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("open");
            up_to(&SQLITE, 40).run(&mut conn).await.expect("migrations before 0041");
            for sql in LOG_ROWS {
                conn.execute(sqlx::AssertSqlSafe(*sql)).await.expect(sql);
            }
            SQLITE.run(&mut conn).await.expect("0041");
            assert_eq!(text!(conn, review_link), "2026-11-05T00:00:00.000000Z");
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            up_to(&POSTGRES, 40).run(&mut conn).await.expect("migrations before 0041");
            for sql in LOG_ROWS {
                conn.execute(sqlx::AssertSqlSafe(*sql)).await.expect(sql);
            }
            POSTGRES.run(&mut conn).await.expect("0041");
            assert_eq!(text!(conn, review_link), "2026-11-05T00:00:00.000000Z");
            let placed = text!(
                conn,
                "SELECT string_agg(decision_id || ' ' || CAST(tableoid::regclass AS TEXT), ', ' ORDER BY decision_id) FROM decisions"
            );
            assert_eq!(placed, "d1 decisions_2026_10, d2 decisions_2026_11, d3 decisions_2026_11");
            // This test's own table: every test has its own schema, and `pg_class` holds them all.
            assert_eq!(text!(conn, "SELECT CAST(relkind AS TEXT) FROM pg_class WHERE oid = to_regclass('decisions')"), "p", "partitioned");
            let refused = conn.execute("DELETE FROM decisions WHERE decision_id = 'd2'").await;
            assert!(refused.is_err(), "the reviewed decision is still protected by the review's foreign key");
        }
    }
}

backend_tests!(a_01_database_speaks_02_after_migration_0013, decisions_move_into_month_partitions_in_migration_0041);

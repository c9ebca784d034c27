//! Staff accounts and their console sessions.

use custos_core::{Timestamp, format_timestamp};
use sqlx::{Row, any::AnyRow};

use crate::records::{opt_ts, text, ts};
use crate::{StoreError, db::Tx};

/// A staff account.
#[derive(Clone)]
pub struct StaffUser {
    /// Random id.
    pub user_id: String,
    /// Sign-in name.
    pub email: String,
    /// `admin`, `privacy_officer`, `analyst` or `reviewer`.
    pub role: String,
    /// The argon2id hash in PHC string form.
    pub password_hash: String,
    /// Failed sign-ins since the last success.
    pub failed_attempts: u32,
    /// Until when sign-in is refused.
    pub locked_until: Option<Timestamp>,
    /// When the account was created.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for StaffUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffUser").field("user_id", &self.user_id).field("role", &self.role).finish_non_exhaustive()
    }
}

fn user_from_row(row: &AnyRow) -> Result<StaffUser, StoreError> {
    Ok(StaffUser {
        user_id: text(row, "user_id")?,
        email: text(row, "email")?,
        role: text(row, "role")?,
        password_hash: text(row, "password_hash")?,
        failed_attempts: row.try_get::<i64, _>("failed_attempts").map_err(|e| StoreError::Corrupt(e.to_string()))?.max(0) as u32,
        locked_until: opt_ts(row, "locked_until")?,
        created_at: ts(row, "created_at")?,
    })
}

impl Tx {
    /// Creates a staff account; [`StoreError::Conflict`] if the email is taken.
    pub async fn insert_staff_user(&mut self, u: &StaffUser) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO staff_users (user_id, email, role, password_hash, failed_attempts, locked_until, created_at) VALUES ($1, $2, $3, $4, 0, NULL, $5)",
        )
        .bind(u.user_id.clone())
        .bind(u.email.clone())
        .bind(u.role.clone())
        .bind(u.password_hash.clone())
        .bind(format_timestamp(&u.created_at))
        .execute(self.conn())
        .await;
        // A unique-key violation becomes StoreError::Conflict (see `error.rs`).
        result?;
        Ok(())
    }

    /// Replaces an account's password hash and unlocks it; false if there is no such account.
    pub async fn set_staff_password(&mut self, email: &str, password_hash: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("UPDATE staff_users SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE email = $1")
            .bind(email.to_owned())
            .bind(password_hash.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected()
            == 1)
    }

    /// The account with this email.
    pub async fn staff_user_by_email(&mut self, email: &str) -> Result<Option<StaffUser>, StoreError> {
        let row = sqlx::query("SELECT * FROM staff_users WHERE email = $1").bind(email.to_owned()).fetch_optional(self.conn()).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Records a failed sign-in (and a lock, when given).
    pub async fn staff_sign_in_failed(&mut self, user_id: &str, locked_until: Option<&Timestamp>) -> Result<(), StoreError> {
        sqlx::query("UPDATE staff_users SET failed_attempts = failed_attempts + 1, locked_until = $2 WHERE user_id = $1")
            .bind(user_id.to_owned())
            .bind(locked_until.map(format_timestamp))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Opens a session after a successful sign-in (and clears the failure count).
    pub async fn insert_staff_session(
        &mut self,
        token_sha256: &str,
        user_id: &str,
        csrf: &str,
        now: &Timestamp,
        expires: &Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE staff_users SET failed_attempts = 0, locked_until = NULL WHERE user_id = $1")
            .bind(user_id.to_owned())
            .execute(self.conn())
            .await?;
        sqlx::query("INSERT INTO staff_sessions (token_sha256, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_sha256.to_owned())
            .bind(user_id.to_owned())
            .bind(csrf.to_owned())
            .bind(format_timestamp(now))
            .bind(format_timestamp(expires))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The live session with this token hash: its user and CSRF token.
    pub async fn staff_session(&mut self, token_sha256: &str, now: &Timestamp) -> Result<Option<(StaffUser, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT u.*, s.csrf_token FROM staff_sessions s JOIN staff_users u ON u.user_id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > $2",
        )
        .bind(token_sha256.to_owned())
        .bind(format_timestamp(now))
        .fetch_optional(self.conn())
        .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, text(&r, "csrf_token")?))),
            None => Ok(None),
        }
    }

    /// Ends a session.
    pub async fn delete_staff_session(&mut self, token_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM staff_sessions WHERE token_sha256 = $1").bind(token_sha256.to_owned()).execute(self.conn()).await?;
        Ok(())
    }
}

/// What the console's overview shows, counted in the database.
#[derive(Clone, Debug, Default)]
pub struct Overview {
    /// (purpose, status, subjects) of current consents.
    pub consents: Vec<(String, String, u64)>,
    /// (decision, checks) of gate checks.
    pub gate: Vec<(String, u64)>,
    /// (status, requests) of data-subject requests.
    pub dsr_by_status: Vec<(String, u64)>,
    /// Open requests due within 7 days (not yet overdue).
    pub dsr_due_soon: u64,
    /// Open requests past their due date.
    pub dsr_overdue: u64,
    /// (jurisdiction, status, subjects) of current consents.
    pub consents_by_jurisdiction: Vec<(String, String, u64)>,
    /// (month `YYYY-MM` the consent was captured, status, events) of consent events.
    pub consent_events_by_month: Vec<(String, String, u64)>,
}

impl Tx {
    /// The overview counts at `now`.
    pub async fn overview(&mut self, now: &Timestamp) -> Result<Overview, StoreError> {
        let mut out = Overview::default();
        let count = |r: &AnyRow| r.try_get::<i64, _>("n").map(|n| n.max(0) as u64).map_err(|e| StoreError::Corrupt(e.to_string()));
        for r in sqlx::query("SELECT purpose, status, COUNT(*) AS n FROM consents GROUP BY purpose, status ORDER BY purpose, status")
            .fetch_all(self.conn())
            .await?
        {
            out.consents.push((text(&r, "purpose")?, text(&r, "status")?, count(&r)?));
        }
        for r in sqlx::query(
            "SELECT s.jurisdiction AS j, c.status AS status, COUNT(*) AS n FROM consents c JOIN subjects s ON s.subject_id = c.subject_id \
             GROUP BY s.jurisdiction, c.status ORDER BY s.jurisdiction, c.status",
        )
        .fetch_all(self.conn())
        .await?
        {
            out.consents_by_jurisdiction.push((text(&r, "j")?, text(&r, "status")?, count(&r)?));
        }
        for r in sqlx::query(
            "SELECT SUBSTR(captured_at, 1, 7) AS m, status, COUNT(*) AS n FROM consent_events GROUP BY SUBSTR(captured_at, 1, 7), status ORDER BY m, status",
        )
        .fetch_all(self.conn())
        .await?
        {
            out.consent_events_by_month.push((text(&r, "m")?, text(&r, "status")?, count(&r)?));
        }
        for r in sqlx::query("SELECT decision, COUNT(*) AS n FROM gate_checks GROUP BY decision ORDER BY decision")
            .fetch_all(self.conn())
            .await?
        {
            out.gate.push((text(&r, "decision")?, count(&r)?));
        }
        for r in sqlx::query("SELECT status, COUNT(*) AS n FROM dsr GROUP BY status ORDER BY status").fetch_all(self.conn()).await? {
            out.dsr_by_status.push((text(&r, "status")?, count(&r)?));
        }
        let open = "status NOT IN ('completed', 'rejected')";
        let now_s = format_timestamp(now);
        let soon = format_timestamp(&(*now + chrono::Duration::days(7)));
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM dsr WHERE {open} AND due_at < $1")))
            .bind(now_s.clone())
            .fetch_one(self.conn())
            .await?;
        out.dsr_overdue = n.max(0) as u64;
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM dsr WHERE {open} AND due_at >= $1 AND due_at < $2")))
                .bind(now_s)
                .bind(soon)
                .fetch_one(self.conn())
                .await?;
        out.dsr_due_soon = n.max(0) as u64;
        Ok(out)
    }
}

impl Tx {
    /// Marks a privacy-center link as used; false if it was used before.
    pub async fn use_privacy_link(&mut self, jti: &str, subject: &custos_core::SubjectId, now: &Timestamp) -> Result<bool, StoreError> {
        let result = sqlx::query("INSERT INTO privacy_link_uses (jti, subject_id, used_at) VALUES ($1, $2, $3)")
            .bind(jti.to_owned())
            .bind(subject.to_string())
            .bind(format_timestamp(now))
            .execute(self.conn())
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens a customer session in the privacy center.
    pub async fn insert_privacy_session(
        &mut self,
        token_sha256: &str,
        subject: &custos_core::SubjectId,
        csrf: &str,
        now: &Timestamp,
        expires: &Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO privacy_sessions (token_sha256, subject_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_sha256.to_owned())
        .bind(subject.to_string())
        .bind(csrf.to_owned())
        .bind(format_timestamp(now))
        .bind(format_timestamp(expires))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The live customer session with this token hash: its subject and CSRF token.
    pub async fn privacy_session(
        &mut self,
        token_sha256: &str,
        now: &Timestamp,
    ) -> Result<Option<(custos_core::SubjectId, String)>, StoreError> {
        let row = sqlx::query("SELECT subject_id, csrf_token FROM privacy_sessions WHERE token_sha256 = $1 AND expires_at > $2")
            .bind(token_sha256.to_owned())
            .bind(format_timestamp(now))
            .fetch_optional(self.conn())
            .await?;
        match row {
            Some(r) => Ok(Some((custos_core::SubjectId::parse(&text(&r, "subject_id")?)?, text(&r, "csrf_token")?))),
            None => Ok(None),
        }
    }

    /// Ends a customer session.
    pub async fn delete_privacy_session(&mut self, token_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM privacy_sessions WHERE token_sha256 = $1").bind(token_sha256.to_owned()).execute(self.conn()).await?;
        Ok(())
    }
}

impl Tx {
    /// Deletes expired staff and customer sessions; returns how many.
    pub async fn delete_expired_sessions(&mut self, now: &Timestamp) -> Result<u64, StoreError> {
        let at = format_timestamp(now);
        let a =
            sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1").bind(at.clone()).execute(self.conn()).await?.rows_affected();
        let b = sqlx::query("DELETE FROM privacy_sessions WHERE expires_at <= $1").bind(at).execute(self.conn()).await?.rows_affected();
        Ok(a + b)
    }
}

impl Tx {
    /// Replaces the subject's sign-in code; false (and nothing changes) when the last code went
    /// out less than `min_gap` ago, so a customer number cannot be used to flood its owner's
    /// inbox. While an earlier code is live, the new one inherits its expiry and its count of
    /// wrong tries, so asking for new codes does not buy more guesses either.
    pub async fn put_privacy_code(
        &mut self,
        subject: &custos_core::SubjectId,
        digest: &str,
        now: &Timestamp,
        expires: &Timestamp,
        min_gap: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let recent: Option<String> = sqlx::query_scalar("SELECT issued_at FROM privacy_codes WHERE subject_id = $1 AND issued_at > $2")
            .bind(subject.to_string())
            .bind(format_timestamp(&(*now - min_gap)))
            .fetch_optional(self.conn())
            .await?
            .flatten();
        if recent.is_some() {
            return Ok(false);
        }
        let live = sqlx::query("UPDATE privacy_codes SET code_digest = $2, issued_at = $4 WHERE subject_id = $1 AND expires_at > $3")
            .bind(subject.to_string())
            .bind(digest.to_owned())
            .bind(format_timestamp(now))
            .bind(format_timestamp(now))
            .execute(self.conn())
            .await?
            .rows_affected();
        if live > 0 {
            return Ok(true);
        }
        sqlx::query("DELETE FROM privacy_codes WHERE subject_id = $1").bind(subject.to_string()).execute(self.conn()).await?;
        sqlx::query("INSERT INTO privacy_codes (subject_id, code_digest, expires_at, attempts, issued_at) VALUES ($1, $2, $3, 0, $4)")
            .bind(subject.to_string())
            .bind(digest.to_owned())
            .bind(format_timestamp(expires))
            .bind(format_timestamp(now))
            .execute(self.conn())
            .await?;
        Ok(true)
    }

    /// The subject's live code: its digest and the tries so far.
    pub async fn privacy_code(&mut self, subject: &custos_core::SubjectId, now: &Timestamp) -> Result<Option<(String, u32)>, StoreError> {
        let row = sqlx::query("SELECT code_digest, attempts FROM privacy_codes WHERE subject_id = $1 AND expires_at > $2")
            .bind(subject.to_string())
            .bind(format_timestamp(now))
            .fetch_optional(self.conn())
            .await?;
        match row {
            Some(r) => Ok(Some((
                text(&r, "code_digest")?,
                r.try_get::<i64, _>("attempts").map_err(|e| StoreError::Corrupt(e.to_string()))?.max(0) as u32,
            ))),
            None => Ok(None),
        }
    }

    /// Counts a wrong try.
    pub async fn bump_privacy_code(&mut self, subject: &custos_core::SubjectId) -> Result<(), StoreError> {
        sqlx::query("UPDATE privacy_codes SET attempts = attempts + 1 WHERE subject_id = $1")
            .bind(subject.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Ends the subject's code (used, or erased).
    pub async fn delete_privacy_code(&mut self, subject: &custos_core::SubjectId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM privacy_codes WHERE subject_id = $1").bind(subject.to_string()).execute(self.conn()).await?;
        Ok(())
    }
}

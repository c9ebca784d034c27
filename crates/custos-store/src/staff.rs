//! Staff accounts and console sessions.

use custos_core::{Role, Timestamp, format_timestamp};
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{Row, any::AnyRow};

use crate::{StoreError, rows::*, tx::Tx};

/// A staff account.
#[derive(Clone)]
pub struct StaffUser {
    /// Random id.
    pub user_id: String,
    /// Sign-in name.
    pub email: String,
    /// What the person does (a set; see `custos_core::Role`), in a stable order.
    pub roles: Vec<Role>,
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
        f.debug_struct("StaffUser").field("user_id", &self.user_id).field("roles", &self.roles).finish_non_exhaustive()
    }
}

/// A user row without its roles (see [`with_roles`]).
fn user_from_row(row: &AnyRow) -> Result<StaffUser, StoreError> {
    Ok(StaffUser {
        user_id: text(row, "user_id")?,
        email: text(row, "email")?,
        roles: Vec::new(),
        password_hash: text(row, "password_hash")?,
        failed_attempts: row.try_get::<i64, _>("failed_attempts").map_err(|e| StoreError::Corrupt(e.to_string()))?.max(0) as u32,
        locked_until: opt_ts(row, "locked_until")?,
        created_at: ts(row, "created_at")?,
    })
}

/// Fills in the roles of a user read from `staff_users`.
async fn with_roles(tx: &mut Tx, mut user: StaffUser) -> Result<StaffUser, StoreError> {
    let rows = sqlx::query("SELECT role FROM staff_roles WHERE user_id = $1").bind(user.user_id.clone()).fetch_all(tx.conn()).await?;
    let mut roles = rows.iter().map(|r| Ok(Role::parse(&text(r, "role")?)?)).collect::<Result<Vec<_>, StoreError>>()?;
    roles.sort_unstable();
    user.roles = roles;
    Ok(user)
}

/// Creates a staff account with its roles; [`StoreError::Conflict`] if the email is taken.
pub async fn insert_user(tx: &mut Tx, u: &StaffUser) -> Result<(), StoreError> {
    let result = sqlx::query(
        "INSERT INTO staff_users (user_id, email, password_hash, failed_attempts, locked_until, created_at) VALUES ($1, $2, $3, 0, NULL, $4)",
    )
    .bind(u.user_id.clone())
    .bind(u.email.clone())
    .bind(u.password_hash.clone())
    .bind(format_timestamp(&u.created_at))
    .execute(tx.conn())
    .await;
    // A unique-key violation becomes StoreError::Conflict (see `error.rs`).
    result?;
    set_roles(tx, &u.user_id, &u.roles).await
}

/// Replaces the roles of an account.
pub async fn set_roles(tx: &mut Tx, user_id: &str, roles: &[Role]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_roles WHERE user_id = $1").bind(user_id.to_owned()).execute(tx.conn()).await?;
    let mut roles = roles.to_vec();
    roles.sort_unstable();
    roles.dedup();
    for role in roles {
        sqlx::query("INSERT INTO staff_roles (user_id, role) VALUES ($1, $2)")
            .bind(user_id.to_owned())
            .bind(role.as_str())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Replaces an account's password hash and unlocks it; false if there is no such account.
pub async fn set_password(tx: &mut Tx, email: &str, password_hash: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE staff_users SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE email = $1")
        .bind(email.to_owned())
        .bind(password_hash.to_owned())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// The account with this email.
pub async fn user_by_email(tx: &mut Tx, email: &str) -> Result<Option<StaffUser>, StoreError> {
    let row = sqlx::query("SELECT * FROM staff_users WHERE email = $1").bind(email.to_owned()).fetch_optional(tx.conn()).await?;
    match row {
        Some(r) => Ok(Some(with_roles(tx, user_from_row(&r)?).await?)),
        None => Ok(None),
    }
}

/// The staff account with this id.
pub async fn user_by_id(tx: &mut Tx, user_id: &str) -> Result<Option<StaffUser>, StoreError> {
    let row = sqlx::query("SELECT * FROM staff_users WHERE user_id = $1").bind(user_id.to_owned()).fetch_optional(tx.conn()).await?;
    match row {
        Some(r) => Ok(Some(with_roles(tx, user_from_row(&r)?).await?)),
        None => Ok(None),
    }
}

/// Every staff account, by email (roles included).
pub async fn users(tx: &mut Tx) -> Result<Vec<StaffUser>, StoreError> {
    let rows = sqlx::query("SELECT * FROM staff_users ORDER BY email").fetch_all(tx.conn()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(with_roles(tx, user_from_row(r)?).await?);
    }
    Ok(out)
}

/// Records a failed sign-in (and a lock, when given).
pub async fn sign_in_failed(tx: &mut Tx, user_id: &str, locked_until: Option<&Timestamp>) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff_users SET failed_attempts = failed_attempts + 1, locked_until = $2 WHERE user_id = $1")
        .bind(user_id.to_owned())
        .bind(locked_until.map(format_timestamp))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Opens a session after a successful sign-in (and clears the failure count).
pub async fn insert_session(
    tx: &mut Tx,
    token_sha256: &str,
    user_id: &str,
    csrf: &str,
    now: &Timestamp,
    expires: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff_users SET failed_attempts = 0, locked_until = NULL WHERE user_id = $1")
        .bind(user_id.to_owned())
        .execute(tx.conn())
        .await?;
    sqlx::query("INSERT INTO staff_sessions (token_sha256, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_sha256.to_owned())
        .bind(user_id.to_owned())
        .bind(csrf.to_owned())
        .bind(format_timestamp(now))
        .bind(format_timestamp(expires))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The live session with this token hash: its user and CSRF token.
pub async fn session(tx: &mut Tx, token_sha256: &str, now: &Timestamp) -> Result<Option<(StaffUser, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT u.*, s.csrf_token FROM staff_sessions s JOIN staff_users u ON u.user_id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > $2",
    )
    .bind(token_sha256.to_owned())
    .bind(format_timestamp(now))
    .fetch_optional(tx.conn())
    .await?;
    match row {
        Some(r) => {
            let csrf = text(&r, "csrf_token")?;
            Ok(Some((with_roles(tx, user_from_row(&r)?).await?, csrf)))
        }
        None => Ok(None),
    }
}

/// Ends a session.
pub async fn delete_session(tx: &mut Tx, token_sha256: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_sha256 = $1").bind(token_sha256.to_owned()).execute(tx.conn()).await?;
    Ok(())
}

/// Deletes expired staff and customer sessions; returns how many.
pub async fn delete_expired_sessions(tx: &mut Tx, now: &Timestamp) -> Result<u64, StoreError> {
    let at = format_timestamp(now);
    let a = sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1").bind(at.clone()).execute(tx.conn()).await?.rows_affected();
    let b = sqlx::query("DELETE FROM privacy_sessions WHERE expires_at <= $1").bind(at).execute(tx.conn()).await?.rows_affected();
    Ok(a + b)
}

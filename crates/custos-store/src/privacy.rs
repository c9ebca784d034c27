//! The privacy center's single-use links, customer sessions and sign-in codes.

use custos_core::{Timestamp, format_timestamp};
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::Row;

use crate::{StoreError, rows::*, tx::Tx};

/// Marks a privacy-center link as used; false if it was used before.
pub async fn use_link(tx: &mut Tx, jti: &str, subject: &custos_core::SubjectId, now: &Timestamp) -> Result<bool, StoreError> {
    let result = sqlx::query("INSERT INTO privacy_link_uses (jti, subject_id, used_at) VALUES ($1, $2, $3)")
        .bind(jti.to_owned())
        .bind(subject.to_string())
        .bind(format_timestamp(now))
        .execute(tx.conn())
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Opens a customer session in the privacy center.
pub async fn insert_session(
    tx: &mut Tx,
    token_sha256: &str,
    subject: &custos_core::SubjectId,
    csrf: &str,
    now: &Timestamp,
    expires: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO privacy_sessions (token_sha256, subject_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_sha256.to_owned())
        .bind(subject.to_string())
        .bind(csrf.to_owned())
        .bind(format_timestamp(now))
        .bind(format_timestamp(expires))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The live customer session with this token hash: its subject and CSRF token.
pub async fn session(tx: &mut Tx, token_sha256: &str, now: &Timestamp) -> Result<Option<(custos_core::SubjectId, String)>, StoreError> {
    let row = sqlx::query("SELECT subject_id, csrf_token FROM privacy_sessions WHERE token_sha256 = $1 AND expires_at > $2")
        .bind(token_sha256.to_owned())
        .bind(format_timestamp(now))
        .fetch_optional(tx.conn())
        .await?;
    match row {
        Some(r) => Ok(Some((custos_core::SubjectId::parse(&text(&r, "subject_id")?)?, text(&r, "csrf_token")?))),
        None => Ok(None),
    }
}

/// Ends a customer session.
pub async fn delete_session(tx: &mut Tx, token_sha256: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM privacy_sessions WHERE token_sha256 = $1").bind(token_sha256.to_owned()).execute(tx.conn()).await?;
    Ok(())
}

/// Replaces the subject's sign-in code; false (and nothing changes) when the last code went
/// out less than `min_gap` ago, so a customer number cannot be used to flood its owner's
/// inbox. While an earlier code is live, the new one inherits its expiry and its count of
/// wrong tries, so asking for new codes does not buy more guesses either.
pub async fn put_code(
    tx: &mut Tx,
    subject: &custos_core::SubjectId,
    digest: &str,
    now: &Timestamp,
    expires: &Timestamp,
    min_gap: chrono::Duration,
) -> Result<bool, StoreError> {
    let recent: Option<String> = sqlx::query_scalar("SELECT issued_at FROM privacy_codes WHERE subject_id = $1 AND issued_at > $2")
        .bind(subject.to_string())
        .bind(format_timestamp(&(*now - min_gap)))
        .fetch_optional(tx.conn())
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
        .execute(tx.conn())
        .await?
        .rows_affected();
    if live > 0 {
        return Ok(true);
    }
    sqlx::query("DELETE FROM privacy_codes WHERE subject_id = $1").bind(subject.to_string()).execute(tx.conn()).await?;
    sqlx::query("INSERT INTO privacy_codes (subject_id, code_digest, expires_at, attempts, issued_at) VALUES ($1, $2, $3, 0, $4)")
        .bind(subject.to_string())
        .bind(digest.to_owned())
        .bind(format_timestamp(expires))
        .bind(format_timestamp(now))
        .execute(tx.conn())
        .await?;
    Ok(true)
}

/// The subject's live code: its digest and the tries so far.
pub async fn code(tx: &mut Tx, subject: &custos_core::SubjectId, now: &Timestamp) -> Result<Option<(String, u32)>, StoreError> {
    let row = sqlx::query("SELECT code_digest, attempts FROM privacy_codes WHERE subject_id = $1 AND expires_at > $2")
        .bind(subject.to_string())
        .bind(format_timestamp(now))
        .fetch_optional(tx.conn())
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
pub async fn bump_code(tx: &mut Tx, subject: &custos_core::SubjectId) -> Result<(), StoreError> {
    sqlx::query("UPDATE privacy_codes SET attempts = attempts + 1 WHERE subject_id = $1")
        .bind(subject.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Ends the subject's code (used, or erased).
pub async fn delete_code(tx: &mut Tx, subject: &custos_core::SubjectId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM privacy_codes WHERE subject_id = $1").bind(subject.to_string()).execute(tx.conn()).await?;
    Ok(())
}

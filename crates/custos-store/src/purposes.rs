//! Purposes (what data is used for, on which legal basis) and their versioned notices.

use custos_core::{LegalBasis, Purpose, PurposeKey, Timestamp, format_timestamp};
// Dynamic SQL here only splices column lists and placeholders from constants, never input.
use sqlx::{Row, any::AnyRow};

use crate::{StoreError, rows::*, tx::Tx};

/// A privacy notice: the text shown to subjects for one purpose, version and language.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The purpose it describes.
    pub purpose: PurposeKey,
    /// Version label, e.g. `2026-11`.
    pub version: String,
    /// BCP 47 language tag of the text, e.g. `en`.
    pub notice_language: String,
    /// The text shown.
    pub text: String,
    /// SHA-256 of the text, hex; stored with each consent as proof of what was shown.
    pub text_sha256: String,
    /// When it was published.
    pub created_at: Timestamp,
}

fn purpose_from_row(row: &AnyRow) -> Result<Purpose, StoreError> {
    Ok(Purpose {
        purpose: PurposeKey::parse(&text(row, "purpose")?)?,
        name: text(row, "name")?,
        legal_basis: LegalBasis::parse(&text(row, "legal_basis")?)?,
        data_categories: json(row, "data_categories")?,
        sale_or_share: flag(row, "sale_or_share")?,
        profiling: flag(row, "profiling")?,
        sensitive: flag(row, "sensitive")?,
        pseudonymize: flag(row, "pseudonymize")?,
        significant_effect: flag(row, "significant_effect")?,
        retention_days: u32::try_from(row.try_get::<i64, _>("retention_days").map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: ts(row, "created_at")?,
    })
}

fn notice_from_row(row: &AnyRow) -> Result<Notice, StoreError> {
    Ok(Notice {
        purpose: PurposeKey::parse(&text(row, "purpose")?)?,
        version: text(row, "version")?,
        notice_language: text(row, "notice_language")?,
        text: text(row, "text")?,
        text_sha256: text(row, "text_sha256")?,
        created_at: ts(row, "created_at")?,
    })
}

/// Declares a purpose; [`StoreError::Conflict`] if the purpose exists.
pub async fn insert(tx: &mut Tx, p: &Purpose) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO purposes (purpose, name, legal_basis, data_categories, sale_or_share, profiling, sensitive, pseudonymize, \
         retention_days, created_at, significant_effect) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(p.purpose.as_str())
    .bind(&p.name)
    .bind(p.legal_basis.as_str())
    .bind(to_json(&p.data_categories))
    .bind(b(p.sale_or_share))
    .bind(b(p.profiling))
    .bind(b(p.sensitive))
    .bind(b(p.pseudonymize))
    .bind(i64::from(p.retention_days))
    .bind(format_timestamp(&p.created_at))
    .bind(b(p.significant_effect))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The purpose with this key (`purpose`).
pub async fn get(tx: &mut Tx, purpose: &str) -> Result<Option<Purpose>, StoreError> {
    let row = sqlx::query("SELECT * FROM purposes WHERE purpose = $1").bind(purpose).fetch_optional(tx.conn()).await?;
    row.as_ref().map(purpose_from_row).transpose()
}

/// Every purpose, ordered by key.
pub async fn all(tx: &mut Tx) -> Result<Vec<Purpose>, StoreError> {
    let rows = sqlx::query("SELECT * FROM purposes ORDER BY purpose").fetch_all(tx.conn()).await?;
    rows.iter().map(purpose_from_row).collect()
}

/// Publishes a notice version; [`StoreError::Conflict`] if that version and language exist.
pub async fn insert_notice(tx: &mut Tx, n: &Notice) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO notices (purpose, version, notice_language, text, text_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(n.purpose.as_str())
        .bind(&n.version)
        .bind(&n.notice_language)
        .bind(&n.text)
        .bind(&n.text_sha256)
        .bind(format_timestamp(&n.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Notices, optionally of one purpose, oldest first.
pub async fn notices(tx: &mut Tx, purpose: Option<&PurposeKey>) -> Result<Vec<Notice>, StoreError> {
    let rows = match purpose {
        Some(p) => {
            sqlx::query("SELECT * FROM notices WHERE purpose = $1 ORDER BY created_at, version, notice_language")
                .bind(p.as_str())
                .fetch_all(tx.conn())
                .await?
        }
        None => sqlx::query("SELECT * FROM notices ORDER BY purpose, created_at, version, notice_language").fetch_all(tx.conn()).await?,
    };
    rows.iter().map(notice_from_row).collect()
}

/// The notices of one purpose and version (one per language).
pub async fn notice_versions(tx: &mut Tx, purpose: &PurposeKey, version: &str) -> Result<Vec<Notice>, StoreError> {
    let rows = sqlx::query("SELECT * FROM notices WHERE purpose = $1 AND version = $2 ORDER BY notice_language")
        .bind(purpose.as_str())
        .bind(version)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(notice_from_row).collect()
}

//! AI-interaction disclosures (AI Act Art. 50(1)): the text a customer-facing AI system shows
//! before people interact with it, versioned per language, and daily counts of how often it
//! was served.

use custos_core::{AiSystemId, Timestamp, format_timestamp};
use sqlx::{Row as _, any::AnyRow};

use crate::{StoreError, rows::*, tx::Tx};

/// One published version of a disclosure in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The AI system it belongs to.
    pub ai_system_id: AiSystemId,
    /// BCP 47 language tag (`en`, `de`, `pt-BR`).
    pub language: String,
    /// 1 for the first version in this language, then one more each time.
    pub version: i64,
    /// What people are told.
    pub text: String,
    /// SHA-256 of the text (hex), the proof of which words were served.
    pub text_sha256: String,
    /// When it was published.
    pub published_at: Timestamp,
}

fn int(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(col).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_row(row: &AnyRow) -> Result<Disclosure, StoreError> {
    Ok(Disclosure {
        ai_system_id: AiSystemId::parse(&text(row, "ai_system_id")?)?,
        language: text(row, "language")?,
        version: int(row, "version")?,
        text: text(row, "text")?,
        text_sha256: text(row, "text_sha256")?,
        published_at: ts(row, "published_at")?,
    })
}

/// Publishes a new version in a language (the next number); returns it.
pub async fn publish(
    tx: &mut Tx,
    id: &AiSystemId,
    language: &str,
    body: &str,
    sha256: &str,
    at: &Timestamp,
) -> Result<Disclosure, StoreError> {
    let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM ai_disclosures WHERE ai_system_id = $1 AND language = $2")
        .bind(id.to_string())
        .bind(language)
        .fetch_one(tx.conn())
        .await?;
    let version = latest.unwrap_or(0) + 1;
    sqlx::query(
        "INSERT INTO ai_disclosures (ai_system_id, language, version, text, text_sha256, published_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(language)
    .bind(version)
    .bind(body)
    .bind(sha256)
    .bind(format_timestamp(at))
    .execute(tx.conn())
    .await?;
    Ok(Disclosure {
        ai_system_id: *id,
        language: language.to_owned(),
        version,
        text: body.to_owned(),
        text_sha256: sha256.to_owned(),
        published_at: *at,
    })
}

/// The latest version in each language of an AI system's disclosure, by language.
pub async fn latest(tx: &mut Tx, id: &AiSystemId) -> Result<Vec<Disclosure>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.* FROM ai_disclosures d WHERE d.ai_system_id = $1 AND d.version = \
         (SELECT MAX(l.version) FROM ai_disclosures l WHERE l.ai_system_id = d.ai_system_id AND l.language = d.language) \
         ORDER BY d.language",
    )
    .bind(id.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Adds served counts: `(ai system, language, day YYYY-MM-DD, count)`.
pub async fn add_serves(tx: &mut Tx, counts: &[(AiSystemId, String, String, i64)]) -> Result<(), StoreError> {
    for (id, language, day, n) in counts {
        sqlx::query(
            "INSERT INTO ai_disclosure_serves (ai_system_id, language, day, served) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (ai_system_id, language, day) DO UPDATE SET served = ai_disclosure_serves.served + excluded.served",
        )
        .bind(id.to_string())
        .bind(language)
        .bind(day)
        .bind(*n)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// How often each language of an AI system's disclosure was served since `day` (inclusive),
/// by language.
pub async fn served_since(tx: &mut Tx, id: &AiSystemId, day: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT language, CAST(SUM(served) AS BIGINT) AS served FROM ai_disclosure_serves WHERE ai_system_id = $1 AND day >= $2 \
         GROUP BY language ORDER BY language",
    )
    .bind(id.to_string())
    .bind(day)
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| Ok((text(r, "language")?, int(r, "served")?))).collect()
}

//! The risk register: risks per AI system (or for the business as a whole), scored before and
//! after mitigation, each with an owner and a review date, and the alert or incident it was
//! raised from.

use custos_core::{AiSystemId, RiskId, Timestamp, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// One mitigation of a risk: a control that addresses it, or an action with a due date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mitigation {
    /// What is done about the risk.
    pub description: String,
    /// The control that addresses it (a control's key), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// When the action is due (`YYYY-MM-DD`), if it is an action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<String>,
    /// Whether it is in place.
    #[serde(default)]
    pub done: bool,
}

/// A risk as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskRecord {
    /// Id.
    pub risk_id: RiskId,
    /// The AI system it belongs to (none: a risk of the business as a whole).
    pub ai_system_id: Option<AiSystemId>,
    /// A short name.
    pub title: String,
    /// What could happen, to whom, and why.
    pub description: String,
    /// `privacy`, `security`, `bias`, `reputational`, `legal` or `operational`.
    pub category: String,
    /// How likely before mitigation, 1 (rare) to 5 (almost certain).
    pub likelihood: u8,
    /// How bad before mitigation, 1 (negligible) to 5 (severe).
    pub impact: u8,
    /// Likelihood after the mitigations (none: not assessed yet).
    pub residual_likelihood: Option<u8>,
    /// Impact after the mitigations (none: not assessed yet).
    pub residual_impact: Option<u8>,
    /// The staff member accountable for it (their email).
    pub owner: String,
    /// What is done about it.
    pub mitigations: Vec<Mitigation>,
    /// `open`, `mitigating`, `accepted` or `closed`.
    pub status: String,
    /// When it is next reviewed (`YYYY-MM-DD`).
    pub review_on: String,
    /// What it was raised from: `alert` or `incident` (none: entered by hand).
    pub raised_from: Option<String>,
    /// The id of the alert or incident it was raised from.
    pub raised_from_id: Option<String>,
    /// Who recorded it (a staff email or an API key's name).
    pub created_by: String,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl RiskRecord {
    /// Likelihood times impact before mitigation (1-25).
    pub fn inherent_score(&self) -> u8 {
        self.likelihood * self.impact
    }

    /// Likelihood times impact after mitigation, once assessed.
    pub fn residual_score(&self) -> Option<u8> {
        Some(self.residual_likelihood? * self.residual_impact?)
    }
}

fn small(row: &AnyRow, col: &str) -> Result<u8, StoreError> {
    let v: i64 = row.try_get(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))?;
    u8::try_from(v).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn opt_small(row: &AnyRow, col: &str) -> Result<Option<u8>, StoreError> {
    let v: Option<i64> = row.try_get(col).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))?;
    v.map(|v| u8::try_from(v).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))).transpose()
}

fn from_row(row: &AnyRow) -> Result<RiskRecord, StoreError> {
    Ok(RiskRecord {
        risk_id: RiskId::parse(&text(row, "risk_id")?)?,
        ai_system_id: opt_text(row, "ai_system_id")?.map(|s| AiSystemId::parse(&s)).transpose()?,
        title: text(row, "title")?,
        description: text(row, "description")?,
        category: text(row, "category")?,
        likelihood: small(row, "likelihood")?,
        impact: small(row, "impact")?,
        residual_likelihood: opt_small(row, "residual_likelihood")?,
        residual_impact: opt_small(row, "residual_impact")?,
        owner: text(row, "owner")?,
        mitigations: json(row, "mitigations")?,
        status: text(row, "status")?,
        review_on: text(row, "review_on")?,
        raised_from: opt_text(row, "raised_from")?,
        raised_from_id: opt_text(row, "raised_from_id")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Stores a new risk.
pub async fn insert(tx: &mut Tx, r: &RiskRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO risks (risk_id, ai_system_id, title, description, category, likelihood, impact, inherent_score, residual_likelihood, \
         residual_impact, owner, mitigations, status, review_on, raised_from, raised_from_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(r.risk_id.to_string())
    .bind(r.ai_system_id.as_ref().map(ToString::to_string))
    .bind(r.title.clone())
    .bind(r.description.clone())
    .bind(r.category.clone())
    .bind(i64::from(r.likelihood))
    .bind(i64::from(r.impact))
    .bind(i64::from(r.inherent_score()))
    .bind(r.residual_likelihood.map(i64::from))
    .bind(r.residual_impact.map(i64::from))
    .bind(r.owner.clone())
    .bind(to_json(&r.mitigations))
    .bind(r.status.clone())
    .bind(r.review_on.clone())
    .bind(r.raised_from.clone())
    .bind(r.raised_from_id.clone())
    .bind(r.created_by.clone())
    .bind(format_timestamp(&r.created_at))
    .bind(format_timestamp(&r.updated_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces a risk's changeable fields; false if there is none.
pub async fn update(tx: &mut Tx, r: &RiskRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE risks SET ai_system_id = $2, title = $3, description = $4, category = $5, likelihood = $6, impact = $7, inherent_score = $8, \
         residual_likelihood = $9, residual_impact = $10, owner = $11, mitigations = $12, status = $13, review_on = $14, updated_at = $15 \
         WHERE risk_id = $1",
    )
    .bind(r.risk_id.to_string())
    .bind(r.ai_system_id.as_ref().map(ToString::to_string))
    .bind(r.title.clone())
    .bind(r.description.clone())
    .bind(r.category.clone())
    .bind(i64::from(r.likelihood))
    .bind(i64::from(r.impact))
    .bind(i64::from(r.inherent_score()))
    .bind(r.residual_likelihood.map(i64::from))
    .bind(r.residual_impact.map(i64::from))
    .bind(r.owner.clone())
    .bind(to_json(&r.mitigations))
    .bind(r.status.clone())
    .bind(r.review_on.clone())
    .bind(format_timestamp(&r.updated_at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One risk.
pub async fn get(tx: &mut Tx, id: &RiskId) -> Result<Option<RiskRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM risks WHERE risk_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// The risk raised from this alert or incident, if any (one per source).
pub async fn raised_from(tx: &mut Tx, kind: &str, id: &str) -> Result<Option<RiskRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM risks WHERE raised_from = $1 AND raised_from_id = $2")
        .bind(kind.to_owned())
        .bind(id.to_owned())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Which risks to list.
#[derive(Debug, Clone, Default)]
pub struct RiskFilter {
    /// Only this AI system's risks.
    pub ai_system_id: Option<AiSystemId>,
    /// Only risks in this status.
    pub status: Option<String>,
    /// Only risks not closed whose review date is before this day (`YYYY-MM-DD`).
    pub review_before: Option<String>,
}

/// Risks, highest inherent score first, then the earliest review (at most `limit`).
pub async fn list(tx: &mut Tx, filter: &RiskFilter, limit: u32) -> Result<Vec<RiskRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM risks WHERE ($1 IS NULL OR ai_system_id = $1) AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR (status <> 'closed' AND review_on < $3)) \
         ORDER BY inherent_score DESC, review_on, risk_id LIMIT $4",
    )
    .bind(filter.ai_system_id.as_ref().map(ToString::to_string))
    .bind(filter.status.clone())
    .bind(filter.review_before.clone())
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Risks not closed whose review date is before `today` (`YYYY-MM-DD`).
pub async fn overdue_reviews(tx: &mut Tx, today: &str) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risks WHERE status <> 'closed' AND review_on < $1")
        .bind(today.to_owned())
        .fetch_one(tx.conn())
        .await?;
    Ok(n.max(0) as u64)
}

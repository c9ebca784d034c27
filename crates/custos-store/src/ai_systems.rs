//! The AI inventory: AI systems (use cases) and what they use.

use custos_core::{AiSystemId, Timestamp, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// An AI system as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AiSystemRecord {
    /// Id.
    pub ai_system_id: AiSystemId,
    /// What people call it (unique).
    pub name: String,
    /// What it does, for whom.
    pub description: String,
    /// The person accountable for it in the business.
    pub business_owner: String,
    /// The purposes (fideslang data uses) it serves.
    pub purposes: Vec<String>,
    /// The data categories it uses.
    pub data_categories: Vec<String>,
    /// The models it runs (registry names).
    pub models: Vec<String>,
    /// `deployer`, `provider` or `provider_and_deployer` (AI Act Art. 3).
    pub ai_act_role: String,
    /// Whether its output reaches customers.
    pub customer_facing: bool,
    /// Whether customers interact with it directly (a chatbot: AI Act Art. 50 disclosure).
    pub direct_interaction: bool,
    /// Where it is used (ISO 3166 codes, e.g. `DE`, `US-CA`).
    pub jurisdictions: Vec<String>,
    /// `minimal`, `limited`, `high`, `prohibited` or `unknown`.
    pub risk_tier: String,
    /// Staff roles whose sign-off an approval of its models needs (each a different person).
    pub required_roles: Vec<String>,
    /// Months an approval of its models holds (0: until withdrawn).
    pub approval_months: u32,
    /// What an expired approval does: `alert` (keep deciding, raise an alert), `review` (send
    /// every decision to review) or `refuse`.
    pub on_expiry: String,
    /// The validation policy its models are judged by (JSON; none: the built-in default).
    pub validation_policy: Option<serde_json::Value>,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

fn from_row(row: &AnyRow) -> Result<AiSystemRecord, StoreError> {
    Ok(AiSystemRecord {
        ai_system_id: AiSystemId::parse(&text(row, "ai_system_id")?)?,
        name: text(row, "name")?,
        description: text(row, "description")?,
        business_owner: text(row, "business_owner")?,
        purposes: json(row, "purposes")?,
        data_categories: json(row, "data_categories")?,
        models: json(row, "models")?,
        ai_act_role: text(row, "ai_act_role")?,
        customer_facing: flag(row, "customer_facing")?,
        direct_interaction: flag(row, "direct_interaction")?,
        jurisdictions: json(row, "jurisdictions")?,
        risk_tier: text(row, "risk_tier")?,
        required_roles: json(row, "required_roles")?,
        approval_months: u32::try_from(row.try_get::<i64, _>("approval_months").map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        on_expiry: text(row, "on_expiry")?,
        validation_policy: opt_text(row, "validation_policy")?
            .map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("validation_policy: {e}"))))
            .transpose()?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Stores a new AI system; [`StoreError::Conflict`] when the name is taken.
pub async fn insert(tx: &mut Tx, a: &AiSystemRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ai_systems (ai_system_id, name, description, business_owner, purposes, data_categories, models, ai_act_role, \
         customer_facing, direct_interaction, jurisdictions, risk_tier, created_at, updated_at, required_roles, approval_months, on_expiry, validation_policy) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(a.ai_system_id.to_string())
    .bind(a.name.clone())
    .bind(a.description.clone())
    .bind(a.business_owner.clone())
    .bind(to_json(&a.purposes))
    .bind(to_json(&a.data_categories))
    .bind(to_json(&a.models))
    .bind(a.ai_act_role.clone())
    .bind(b(a.customer_facing))
    .bind(b(a.direct_interaction))
    .bind(to_json(&a.jurisdictions))
    .bind(a.risk_tier.clone())
    .bind(format_timestamp(&a.created_at))
    .bind(format_timestamp(&a.updated_at))
    .bind(to_json(&a.required_roles))
    .bind(i64::from(a.approval_months))
    .bind(a.on_expiry.clone())
    .bind(a.validation_policy.as_ref().map(ToString::to_string))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces an AI system's fields (not its id or creation time); false if there is none;
/// [`StoreError::Conflict`] when the new name is taken.
pub async fn update(tx: &mut Tx, a: &AiSystemRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE ai_systems SET name = $2, description = $3, business_owner = $4, purposes = $5, data_categories = $6, models = $7, \
         ai_act_role = $8, customer_facing = $9, direct_interaction = $10, jurisdictions = $11, risk_tier = $12, updated_at = $13, \
         required_roles = $14, approval_months = $15, on_expiry = $16, validation_policy = $17 WHERE ai_system_id = $1",
    )
    .bind(a.ai_system_id.to_string())
    .bind(a.name.clone())
    .bind(a.description.clone())
    .bind(a.business_owner.clone())
    .bind(to_json(&a.purposes))
    .bind(to_json(&a.data_categories))
    .bind(to_json(&a.models))
    .bind(a.ai_act_role.clone())
    .bind(b(a.customer_facing))
    .bind(b(a.direct_interaction))
    .bind(to_json(&a.jurisdictions))
    .bind(a.risk_tier.clone())
    .bind(format_timestamp(&a.updated_at))
    .bind(to_json(&a.required_roles))
    .bind(i64::from(a.approval_months))
    .bind(a.on_expiry.clone())
    .bind(a.validation_policy.as_ref().map(ToString::to_string))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Sets only an AI system's risk tier (an approved classification), so that a concurrent
/// change of its other fields is not overwritten; false if there is none.
pub async fn set_risk_tier(tx: &mut Tx, id: &AiSystemId, tier: &str, at: &Timestamp) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE ai_systems SET risk_tier = $2, updated_at = $3 WHERE ai_system_id = $1")
        .bind(id.to_string())
        .bind(tier.to_owned())
        .bind(format_timestamp(at))
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// One AI system.
pub async fn get(tx: &mut Tx, id: &AiSystemId) -> Result<Option<AiSystemRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM ai_systems WHERE ai_system_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// The AI system with this name.
pub async fn by_name(tx: &mut Tx, name: &str) -> Result<Option<AiSystemRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM ai_systems WHERE name = $1").bind(name).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// AI systems by name (at most `limit`).
pub async fn list(tx: &mut Tx, limit: u32) -> Result<Vec<AiSystemRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM ai_systems ORDER BY name LIMIT $1").bind(i64::from(limit)).fetch_all(tx.conn()).await?;
    rows.iter().map(from_row).collect()
}

//! The AI inventory on the wire.

use custos_service::ai_systems as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, receipt, ts};

/// Records an AI system (POST: `name`, `description` and `business_owner` required), or
/// changes the fields given (PATCH).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AiSystemInput {
    /// What people call it (unique).
    #[schema(example = "Next best offer")]
    pub name: Option<String>,
    /// What it does, for whom.
    #[schema(example = "Chooses the offer shown to a signed-in customer on the website")]
    pub description: Option<String>,
    /// The person accountable for it in the business.
    #[schema(example = "Head of CRM")]
    pub business_owner: Option<String>,
    /// Purposes it serves (declared purposes, fideslang data uses).
    pub purposes: Option<Vec<String>>,
    /// Data categories it uses (fideslang).
    pub data_categories: Option<Vec<String>>,
    /// Models it runs (registry names).
    pub models: Option<Vec<String>>,
    /// `deployer` (default), `provider` or `provider_and_deployer` (AI Act Art. 3).
    pub ai_act_role: Option<String>,
    /// Whether its output reaches customers.
    pub customer_facing: Option<bool>,
    /// Whether customers interact with it directly (a chatbot: AI Act Art. 50 disclosure).
    pub direct_interaction: Option<bool>,
    /// Where it is used (ISO 3166 codes such as `DE`, `US-CA`).
    pub jurisdictions: Option<Vec<String>>,
    /// `minimal`, `limited`, `high`, `prohibited` or `unknown` (default): entered by hand until
    /// the impact assessment classifies the system.
    pub risk_tier: Option<String>,
    /// Staff roles whose sign-off its models' approvals need, each a different person (default
    /// `legal` and `compliance`).
    pub required_roles: Option<Vec<String>>,
    /// Months an approval of its models holds (default 12; 0: until withdrawn).
    pub approval_months: Option<u32>,
    /// What decisions under a lapsed approval do: `alert` (default: keep deciding, raise an
    /// alert), `review` (send every decision to review) or `refuse`.
    pub on_expiry: Option<String>,
    /// The validation policy its models are judged by: `max_group_ece`, `max_flip_rate_upper`,
    /// `max_dpd`, `min_group_n`, `min_auc`, `max_noise_flip_rate`, `max_monotonicity_violations`,
    /// `max_report_age_days` (default: the built-in policy).
    #[schema(value_type = Option<Object>)]
    pub validation_policy: Option<custos_service::validations::Policy>,
}

impl From<AiSystemInput> for domain::AiSystemInput {
    fn from(i: AiSystemInput) -> Self {
        Self {
            name: i.name,
            description: i.description,
            business_owner: i.business_owner,
            purposes: i.purposes,
            data_categories: i.data_categories,
            models: i.models,
            ai_act_role: i.ai_act_role,
            customer_facing: i.customer_facing,
            direct_interaction: i.direct_interaction,
            jurisdictions: i.jurisdictions,
            risk_tier: i.risk_tier,
            required_roles: i.required_roles,
            approval_months: i.approval_months,
            on_expiry: i.on_expiry,
            validation_policy: i.validation_policy,
        }
    }
}

/// An AI system.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AiSystemView {
    /// Id.
    pub ai_system_id: String,
    /// What people call it.
    pub name: String,
    /// What it does, for whom.
    pub description: String,
    /// The person accountable for it.
    pub business_owner: String,
    /// Purposes it serves.
    pub purposes: Vec<String>,
    /// Data categories it uses.
    pub data_categories: Vec<String>,
    /// Models it runs.
    pub models: Vec<String>,
    /// Its role under the AI Act.
    pub ai_act_role: String,
    /// Whether its output reaches customers.
    pub customer_facing: bool,
    /// Whether customers interact with it directly.
    pub direct_interaction: bool,
    /// Where it is used.
    pub jurisdictions: Vec<String>,
    /// Its risk tier.
    pub risk_tier: String,
    /// Roles whose sign-off its models' approvals need.
    pub required_roles: Vec<String>,
    /// Months an approval holds (0: until withdrawn).
    pub approval_months: u32,
    /// What decisions under a lapsed approval do.
    pub on_expiry: String,
    /// The validation policy its models are judged by (none: the built-in default).
    #[schema(value_type = Option<Object>)]
    pub validation_policy: Option<serde_json::Value>,
    /// When it was recorded.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::AiSystemRecord> for AiSystemView {
    fn from(a: domain::AiSystemRecord) -> Self {
        Self {
            ai_system_id: a.ai_system_id.to_string(),
            name: a.name,
            description: a.description,
            business_owner: a.business_owner,
            purposes: a.purposes,
            data_categories: a.data_categories,
            models: a.models,
            ai_act_role: a.ai_act_role,
            customer_facing: a.customer_facing,
            direct_interaction: a.direct_interaction,
            jurisdictions: a.jurisdictions,
            risk_tier: a.risk_tier,
            required_roles: a.required_roles,
            approval_months: a.approval_months,
            on_expiry: a.on_expiry,
            validation_policy: a.validation_policy,
            created_at: ts(&a.created_at),
            updated_at: ts(&a.updated_at),
            receipt: None,
        }
    }
}

impl From<domain::AiSystemView> for AiSystemView {
    fn from(v: domain::AiSystemView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.ai_system.into() }
    }
}

/// Publishes a disclosure for a customer-facing AI system in one language (a new version).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisclosureInput {
    /// BCP 47 language tag of the text.
    #[schema(example = "de")]
    pub language: String,
    /// What people are told before they interact with the AI system (at most 4,000 characters).
    #[schema(example = "Sie chatten mit einem KI-Assistenten. Auf Wunsch verbinden wir Sie mit einem Menschen.")]
    pub text: String,
}

/// An AI-interaction disclosure (AI Act Art. 50(1)) in one language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct DisclosureView {
    /// The AI system's id.
    pub ai_system_id: String,
    /// Its name.
    pub ai_system: String,
    /// Language of the text.
    pub language: String,
    /// Version in this language (1, 2, ...).
    pub version: i64,
    /// What people are told.
    pub text: String,
    /// SHA-256 of the text: which words were served.
    pub text_sha256: String,
    /// When this version was published.
    pub published_at: String,
    /// Times served over the last 30 days (staff views only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_30d: Option<i64>,
    /// Where the publication was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl DisclosureView {
    /// For staff: with the serve count.
    pub(crate) fn staff(v: domain::DisclosureView) -> Self {
        let served = v.served_30d;
        Self { served_30d: Some(served), ..Self::public(v) }
    }

    /// For anyone: the text and its proof.
    pub(crate) fn public(v: domain::DisclosureView) -> Self {
        let d = v.disclosure;
        Self {
            ai_system_id: d.ai_system_id.to_string(),
            ai_system: v.ai_system,
            language: d.language,
            version: d.version,
            text: d.text,
            text_sha256: d.text_sha256,
            published_at: ts(&d.published_at),
            served_30d: None,
            receipt: receipt(v.receipt),
        }
    }
}

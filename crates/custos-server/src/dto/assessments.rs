//! Impact assessments on the wire.

use custos_service::assessments as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, optional_words, receipt, ts, words};

/// Starts an assessment (POST: `questionnaire` and, for `dpia` and `ai_act`, `ai_system_id`,
/// for `vendor`, `vendor_id`), or changes one (PATCH: `answers` merged in, `status`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssessmentInput {
    /// The AI system assessed (POST only; `dpia`, `ai_act`).
    pub ai_system_id: Option<String>,
    /// The vendor assessed (POST only; `vendor`).
    pub vendor_id: Option<String>,
    /// `dpia`, `ai_act` or `vendor` (POST only; the latest version is used).
    /// `GET /v1/questionnaires` lists their questions.
    #[schema(example = "ai_act")]
    pub questionnaire: Option<String>,
    /// Answers by question key: `true`/`false`, an option's value, a list of values, text or a
    /// whole number; `null` removes an answer.
    #[schema(value_type = Option<Object>)]
    pub answers: Option<serde_json::Map<String, serde_json::Value>>,
    /// PATCH: `submitted` (the answers must be complete), `approved` (a privacy officer, as a
    /// person) or `draft` (back to work).
    #[schema(schema_with = optional_words::<domain::AssessmentStatus>)]
    pub status: Option<String>,
}

impl From<AssessmentInput> for domain::AssessmentInput {
    fn from(i: AssessmentInput) -> Self {
        Self { ai_system_id: i.ai_system_id, vendor_id: i.vendor_id, questionnaire: i.questionnaire, answers: i.answers, status: i.status }
    }
}

/// An assessment and what custos concluded from it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AssessmentView {
    /// Id.
    pub assessment_id: String,
    /// The AI system assessed (`dpia`, `ai_act`).
    pub ai_system_id: Option<String>,
    /// The vendor assessed (`vendor`).
    pub vendor_id: Option<String>,
    /// The questionnaire's key.
    pub questionnaire: String,
    /// Its version.
    pub version: u32,
    /// Where it stands.
    #[schema(schema_with = words::<domain::AssessmentStatus>)]
    pub status: String,
    /// The answers.
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// What custos concluded: for `ai_act` the `tier` (`prohibited`, `high`, `limited`,
    /// `minimal`), `transparency`, `decided_by`, the `path` of steps with their articles and the
    /// `obligations` it triggers (catalog ids, titles, `applies_from`, `verified`); for `dpia`
    /// the `screening` (`criteria_met`, `required`, `reason`), `residual_high` and
    /// `prior_consultation` (Art. 36); for `vendor` the `outcome` (`sufficient`, `conditions`,
    /// `insufficient`) and the `findings` (`question`, `severity` `high`/`medium`/`low`, `text`,
    /// `reference`), the most serious first.
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
    /// Who started it.
    pub created_by: String,
    /// When it was started.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it was submitted.
    pub submitted_at: Option<String>,
    /// The privacy officer who approved it.
    pub approved_by: Option<String>,
    /// When it was approved.
    pub approved_at: Option<String>,
    /// Why it needs review again.
    pub review_reason: Option<String>,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::AssessmentRecord> for AssessmentView {
    fn from(a: domain::AssessmentRecord) -> Self {
        Self {
            assessment_id: a.assessment_id.to_string(),
            ai_system_id: a.ai_system_id.map(|id| id.to_string()),
            vendor_id: a.vendor_id.map(|id| id.to_string()),
            questionnaire: a.questionnaire,
            version: a.version,
            status: a.status,
            answers: a.answers,
            result: a.result,
            created_by: a.created_by,
            created_at: ts(&a.created_at),
            updated_at: ts(&a.updated_at),
            submitted_at: a.submitted_at.as_ref().map(ts),
            approved_by: a.approved_by,
            approved_at: a.approved_at.as_ref().map(ts),
            review_reason: a.review_reason,
            receipt: None,
        }
    }
}

impl From<domain::AssessmentView> for AssessmentView {
    fn from(v: domain::AssessmentView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.assessment.into() }
    }
}

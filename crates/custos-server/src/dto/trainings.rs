//! Staff training on the wire.

use custos_service::trainings as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, optional_words, receipt, ts, words};

/// Records a course (POST: `name` and `validity_months` required), or changes the fields given
/// (PATCH).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrainingInput {
    /// Its name (unique).
    #[schema(example = "Handling customer data")]
    pub name: Option<String>,
    /// What it teaches.
    pub description: Option<String>,
    /// Months a completion stays valid (1-120).
    #[schema(minimum = 1, maximum = 120, example = 12)]
    pub validity_months: Option<u32>,
    /// Staff roles that must hold it valid to see personal data unmasked.
    #[schema(example = json!(["privacy_officer", "reviewer"]))]
    pub required_for: Option<Vec<String>>,
    /// `active` (default) or `retired`.
    #[schema(schema_with = optional_words::<domain::TrainingStatus>)]
    pub status: Option<String>,
}

impl From<TrainingInput> for domain::TrainingInput {
    fn from(i: TrainingInput) -> Self {
        Self {
            name: i.name,
            description: i.description,
            validity_months: i.validity_months,
            required_for: i.required_for,
            status: i.status,
        }
    }
}

/// A course.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct TrainingView {
    /// Id.
    pub training_id: String,
    /// Its name.
    pub name: String,
    /// What it teaches.
    pub description: String,
    /// Months a completion stays valid.
    pub validity_months: u32,
    /// Roles that need it.
    pub required_for: Vec<String>,
    /// `active` or `retired`.
    #[schema(schema_with = words::<domain::TrainingStatus>)]
    pub status: String,
    /// When it was recorded.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::TrainingRecord> for TrainingView {
    fn from(t: domain::TrainingRecord) -> Self {
        Self {
            training_id: t.training_id.to_string(),
            name: t.name,
            description: t.description,
            validity_months: t.validity_months,
            required_for: t.required_for,
            status: t.status,
            created_at: ts(&t.created_at),
            updated_at: ts(&t.updated_at),
            receipt: None,
        }
    }
}

impl From<domain::TrainingView> for TrainingView {
    fn from(v: domain::TrainingView) -> Self {
        Self { receipt: receipt(v.receipt), ..v.training.into() }
    }
}

/// Records that a staff member completed a course (POST: every field required), or corrects
/// the date or evidence (PATCH).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompletionInput {
    /// The course.
    pub training_id: Option<String>,
    /// The staff member: an email or an account id.
    #[schema(example = "olga@example.com")]
    pub user: Option<String>,
    /// When (`YYYY-MM-DD`, not in the future).
    #[schema(example = "2026-11-20")]
    pub completed_on: Option<String>,
    /// The evidence: a certificate's reference.
    #[schema(example = "LMS certificate 4711")]
    pub evidence: Option<String>,
}

impl From<CompletionInput> for domain::CompletionInput {
    fn from(i: CompletionInput) -> Self {
        Self { training_id: i.training_id, user: i.user, completed_on: i.completed_on, evidence: i.evidence }
    }
}

/// A completion and what it means today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CompletionView {
    /// Id.
    pub training_record_id: String,
    /// The course.
    pub training_id: String,
    /// The staff member's account.
    pub user_id: String,
    /// Their email.
    pub email: String,
    /// When it was completed.
    pub completed_on: String,
    /// The last day it is valid.
    pub expires_on: String,
    /// The evidence.
    pub evidence: String,
    /// Valid today.
    pub valid: bool,
    /// Days until it expires (negative: since it expired).
    pub expires_in_days: i64,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub created_at: String,
    /// Where the change was recorded (write answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::CompletionView> for CompletionView {
    fn from(v: domain::CompletionView) -> Self {
        let r = v.record;
        Self {
            training_record_id: r.training_record_id.to_string(),
            training_id: r.training_id.to_string(),
            user_id: r.user_id,
            email: v.email,
            completed_on: r.completed_on,
            expires_on: r.expires_on,
            evidence: r.evidence,
            valid: v.valid,
            expires_in_days: v.expires_in_days,
            recorded_by: r.recorded_by,
            created_at: ts(&r.created_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// One staff member's standing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct StaffTrainingView {
    /// Their account.
    pub user_id: String,
    /// Their email.
    pub email: String,
    /// Their roles.
    pub roles: Vec<String>,
    /// Required courses valid today.
    pub valid: Vec<String>,
    /// Required courses not valid today: personal data is masked for them while any is missing.
    pub missing: Vec<String>,
}

/// One role's coverage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RoleCoverageView {
    /// The role.
    pub role: String,
    /// Courses it requires.
    pub required: Vec<String>,
    /// Staff with the role.
    pub staff: usize,
    /// Of those, how many hold every course valid.
    pub covered: usize,
}

/// Training coverage: per role and per staff member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CoverageView {
    /// Per role.
    pub roles: Vec<RoleCoverageView>,
    /// Per staff member.
    pub staff: Vec<StaffTrainingView>,
}

impl CoverageView {
    pub(crate) fn of(people: Vec<domain::StaffTraining>, roles: Vec<domain::RoleCoverage>) -> Self {
        Self {
            roles: roles
                .into_iter()
                .map(|r| RoleCoverageView { role: r.role.as_str().to_owned(), required: r.required, staff: r.staff, covered: r.covered })
                .collect(),
            staff: people
                .into_iter()
                .map(|p| StaffTrainingView {
                    user_id: p.user_id,
                    email: p.email,
                    roles: p.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                    valid: p.valid,
                    missing: p.missing,
                })
                .collect(),
        }
    }
}

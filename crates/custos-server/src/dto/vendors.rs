//! The vendor register on the wire.

use custos_service::vendors as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, optional_words, receipt, ts, words};

/// Records a vendor (POST: `name`, `role` and `country` required; a sub-processor names its
/// `processor_id`), or changes the fields given (PATCH).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VendorInput {
    /// Its name (unique).
    #[schema(example = "Mailwave Ltd")]
    pub name: Option<String>,
    /// `processor`, `sub_processor`, `joint_controller` or `recipient`.
    #[schema(schema_with = optional_words::<domain::VendorRole>)]
    pub role: Option<String>,
    /// Where it is established (ISO 3166 alpha-2).
    #[schema(example = "IE")]
    pub country: Option<String>,
    /// For a sub-processor: the processor it works for (`""` on a change: none).
    pub processor_id: Option<String>,
    /// Its IAB Global Vendor List id (0 on a change: none).
    pub gvl_vendor_id: Option<u32>,
    /// Purposes whose data is shared with it (declared purposes).
    pub purposes: Option<Vec<String>>,
    /// Data categories shared with it (fideslang).
    pub data_categories: Option<Vec<String>>,
    /// AI systems that send it data.
    pub ai_system_ids: Option<Vec<String>>,
    /// `active` (default) or `ended` (it receives nothing any more).
    #[schema(schema_with = optional_words::<domain::VendorStatus>)]
    pub status: Option<String>,
}

impl From<VendorInput> for domain::VendorInput {
    fn from(i: VendorInput) -> Self {
        Self {
            name: i.name,
            role: i.role,
            country: i.country,
            processor_id: i.processor_id,
            gvl_vendor_id: i.gvl_vendor_id,
            purposes: i.purposes,
            data_categories: i.data_categories,
            ai_system_ids: i.ai_system_ids,
            status: i.status,
        }
    }
}

/// Records an agreement with a vendor (POST: `signed_on` and `data_categories` required), or
/// changes the fields given (PATCH; `status: terminated` ends it).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DpaInput {
    /// `dpa` (GDPR Art. 28), `joint_arrangement` (Art. 26) or `data_sharing`; by default the
    /// one the vendor's role needs.
    #[schema(schema_with = optional_words::<domain::AgreementKind>)]
    pub kind: Option<String>,
    /// When it was signed (`YYYY-MM-DD`).
    #[schema(example = "2026-01-15")]
    pub signed_on: Option<String>,
    /// When it expires (`YYYY-MM-DD`; none or `""`: until terminated).
    #[schema(example = "2028-01-14")]
    pub expires_on: Option<String>,
    /// Where the data is processed under it (ISO 3166 alpha-2; default: the vendor's country).
    pub country: Option<String>,
    /// `not_needed` (in the EEA; the default there), `adequacy`, `data_privacy_framework`,
    /// `standard_contractual_clauses`, `binding_corporate_rules`, `derogation` or `none` (the
    /// default outside the EEA: an alert fires until there is one).
    #[schema(example = "standard_contractual_clauses")]
    pub transfer_mechanism: Option<String>,
    /// The data categories it covers.
    pub data_categories: Option<Vec<String>>,
    /// The contract's reference.
    pub reference: Option<String>,
    /// `active` (default) or `terminated`.
    #[schema(schema_with = optional_words::<domain::AgreementStatus>)]
    pub status: Option<String>,
}

impl From<DpaInput> for domain::DpaInput {
    fn from(i: DpaInput) -> Self {
        Self {
            kind: i.kind,
            signed_on: i.signed_on,
            expires_on: i.expires_on,
            country: i.country,
            transfer_mechanism: i.transfer_mechanism,
            data_categories: i.data_categories,
            reference: i.reference,
            status: i.status,
        }
    }
}

/// An agreement with a vendor, and what it means today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct DpaView {
    /// Id.
    pub dpa_id: String,
    /// The vendor.
    pub vendor_id: String,
    /// Its kind.
    #[schema(schema_with = words::<domain::AgreementKind>)]
    pub kind: String,
    /// When it was signed.
    pub signed_on: String,
    /// When it expires.
    pub expires_on: Option<String>,
    /// Where the data is processed under it.
    pub country: String,
    /// How a transfer outside the EEA is made lawful.
    pub transfer_mechanism: String,
    /// `no_transfer` (in the EEA), `covered` or `uncovered` (no mechanism that works there).
    pub transfer: String,
    /// The data categories it covers.
    pub data_categories: Vec<String>,
    /// The contract's reference.
    pub reference: String,
    /// `active` or `terminated`.
    #[schema(schema_with = words::<domain::AgreementStatus>)]
    pub status: String,
    /// Signed, not expired and not terminated today.
    pub in_force: bool,
    /// Days until it expires (negative: since it expired).
    pub expires_in_days: Option<i64>,
    /// Who recorded it.
    pub created_by: String,
    /// When it was recorded.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::DpaView> for DpaView {
    fn from(v: domain::DpaView) -> Self {
        let d = v.dpa;
        Self {
            dpa_id: d.dpa_id.to_string(),
            vendor_id: d.vendor_id.to_string(),
            kind: d.kind,
            signed_on: d.signed_on,
            expires_on: d.expires_on,
            country: d.country,
            transfer_mechanism: d.transfer_mechanism,
            transfer: match v.transfer {
                custos_govern::transfers::TransferStatus::NoTransfer => "no_transfer",
                custos_govern::transfers::TransferStatus::Covered => "covered",
                custos_govern::transfers::TransferStatus::Uncovered => "uncovered",
            }
            .to_owned(),
            data_categories: d.data_categories,
            reference: d.reference,
            status: d.status,
            in_force: v.in_force,
            expires_in_days: v.expires_in_days,
            created_by: d.created_by,
            created_at: ts(&d.created_at),
            updated_at: ts(&d.updated_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// A vendor with its agreements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct VendorView {
    /// Id.
    pub vendor_id: String,
    /// Its name.
    pub name: String,
    /// What it is to the business.
    #[schema(schema_with = words::<domain::VendorRole>)]
    pub role: String,
    /// Where it is established.
    pub country: String,
    /// For a sub-processor: the processor it works for.
    pub processor_id: Option<String>,
    /// Its IAB Global Vendor List id.
    pub gvl_vendor_id: Option<u32>,
    /// Purposes whose data is shared with it.
    pub purposes: Vec<String>,
    /// Data categories shared with it.
    pub data_categories: Vec<String>,
    /// AI systems that send it data.
    pub ai_system_ids: Vec<String>,
    /// `active` or `ended`.
    #[schema(schema_with = words::<domain::VendorStatus>)]
    pub status: String,
    /// Its agreements, newest signature first.
    pub dpas: Vec<DpaView>,
    /// Why the gate would refuse its declared data today (none: it would release it).
    pub blocked: Option<String>,
    /// Its newest due-diligence review (`GET /v1/assessments/{id}` has the answers).
    pub review: Option<VendorReviewView>,
    /// Who recorded it.
    pub created_by: String,
    /// When it was recorded.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Where the change was recorded (write answers that changed something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::VendorView> for VendorView {
    fn from(v: domain::VendorView) -> Self {
        let r = v.vendor;
        Self {
            vendor_id: r.vendor_id.to_string(),
            name: r.name,
            role: r.role,
            country: r.country,
            processor_id: r.processor_id.as_ref().map(ToString::to_string),
            gvl_vendor_id: r.gvl_vendor_id,
            purposes: r.purposes,
            data_categories: r.data_categories,
            ai_system_ids: r.ai_system_ids,
            status: r.status,
            dpas: v.dpas.into_iter().map(Into::into).collect(),
            blocked: v.blocked,
            review: v.review.map(|a| VendorReviewView {
                assessment_id: a.assessment_id.to_string(),
                status: a.status,
                outcome: a.result.get("outcome").and_then(serde_json::Value::as_str).map(str::to_owned),
                findings: a.result.get("findings").and_then(serde_json::Value::as_array).map_or(0, Vec::len),
            }),
            created_by: r.created_by,
            created_at: ts(&r.created_at),
            updated_at: ts(&r.updated_at),
            receipt: receipt(v.receipt),
        }
    }
}

/// A vendor's newest due-diligence review, in short.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct VendorReviewView {
    /// The assessment.
    pub assessment_id: String,
    /// Where the review stands.
    #[schema(schema_with = words::<custos_service::assessments::AssessmentStatus>)]
    pub status: String,
    /// `sufficient`, `conditions` or `insufficient` (as of its answers so far).
    pub outcome: Option<String>,
    /// How many findings it lists.
    pub findings: usize,
}

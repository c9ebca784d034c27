//! Compliance on the wire: obligations, controls, evidence with its proof, runs.

use custos_service::compliance as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ts, words};

/// An obligation of the catalog, whether it applies and how it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ObligationView {
    /// The catalog's id (`GDPR-33`).
    pub obligation_id: String,
    /// The law.
    pub regulation: String,
    /// Article or section.
    pub citation: String,
    /// Short label.
    pub title: String,
    /// The duty in words.
    pub requirement: String,
    /// Deadlines and figures as written.
    pub numbers: Vec<String>,
    /// `false`: the citation and figures were not yet checked against the primary text.
    pub verified: bool,
    /// Whether it applies to the business.
    pub applies: bool,
    /// custos assumed an activity it cannot see.
    pub assumed: bool,
    /// Why it applies or not, in words.
    pub reason: String,
    /// Where it stands.
    #[schema(schema_with = words::<domain::ComplianceStatus>)]
    pub status: String,
    /// Its controls (`GET /v1/compliance/controls`).
    pub controls: Vec<String>,
    /// The catalog version it was loaded from.
    pub catalog_version: String,
    /// Who marked it not applicable, and why.
    pub justification: Option<String>,
    /// The DPO who decided (an email).
    pub scoped_by: Option<String>,
}

impl From<domain::ObligationView> for ObligationView {
    fn from(v: domain::ObligationView) -> Self {
        let o = v.obligation;
        Self {
            obligation_id: o.obligation_id,
            regulation: o.regulation,
            citation: o.citation,
            title: o.title,
            requirement: o.requirement,
            numbers: o.numbers,
            verified: o.verified,
            applies: v.applies,
            assumed: v.assumed,
            reason: v.reason,
            status: domain::ComplianceStatus::from(v.status).as_str().to_owned(),
            controls: v.controls,
            catalog_version: o.catalog_version,
            justification: o.justification,
            scoped_by: o.scoped_by,
        }
    }
}

/// A DPO's decision on an obligation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeInput {
    /// `true`: the obligation does not apply (a justification is required); `false`: it applies
    /// as custos decides.
    pub not_applicable: bool,
    /// Why it does not apply (up to 2,000 characters).
    pub justification: Option<String>,
}

/// A piece of evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct EvidenceView {
    /// Id.
    pub evidence_id: String,
    /// The control.
    pub control: String,
    /// The run that computed it (none for an upload).
    pub run_id: Option<String>,
    /// Whether the control passed.
    pub passed: bool,
    /// What was found, in words.
    pub summary: String,
    /// The figures.
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    /// SHA-256 of the inputs (an upload: of the file).
    pub inputs_sha256: String,
    /// SHA-256 of the record: what the ledger leaf holds.
    pub evidence_sha256: String,
    /// The ledger leaf that holds it (`GET /v1/ledger/entries/{index}`).
    pub leaf_index: u64,
    /// When it was computed or uploaded.
    pub evaluated_at: String,
    /// An upload's file name.
    pub file_name: Option<String>,
    /// An upload's owner.
    pub owner: Option<String>,
    /// When an upload must be reviewed again.
    pub review_on: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<domain::EvidenceRecord> for EvidenceView {
    fn from(e: domain::EvidenceRecord) -> Self {
        Self {
            evidence_id: e.evidence_id,
            control: e.control,
            run_id: e.run_id,
            passed: e.passed,
            summary: e.summary,
            figures: e.figures,
            inputs_sha256: e.inputs_sha256,
            evidence_sha256: e.evidence_sha256,
            leaf_index: e.leaf_index,
            evaluated_at: ts(&e.evaluated_at),
            file_name: e.file_name,
            owner: e.owner,
            review_on: e.review_on,
            recorded_by: e.recorded_by,
        }
    }
}

/// A piece of evidence with its proof.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct EvidenceProofView {
    /// The evidence.
    pub evidence: EvidenceView,
    /// Its hash recomputed from the record matches the stored one and the ledger leaf.
    pub verified: bool,
    /// The offline proof bundle: save it and run `custos ledger verify-proof`.
    #[schema(value_type = Object)]
    pub proof: serde_json::Value,
}

/// A file for a manual control.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceUploadInput {
    /// The manual control (`manual.<capability>`).
    pub control: Option<String>,
    /// The file's name.
    pub file_name: Option<String>,
    /// Its media type (default `application/octet-stream`).
    pub content_type: Option<String>,
    /// The file, base64 (at most 5 MiB decoded).
    pub content_base64: Option<String>,
    /// Who keeps it current (default: the uploader).
    pub owner: Option<String>,
    /// When it must be reviewed again (`YYYY-MM-DD`, in the future).
    pub review_on: Option<String>,
}

/// A control with its newest evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ControlView {
    /// Id.
    pub control: String,
    /// What it checks.
    pub title: String,
    /// Its pass rule.
    pub rule: String,
    /// `automated` or `manual`.
    pub kind: String,
    /// The applicable obligations it evidences.
    pub obligations: Vec<String>,
    /// Where it stands.
    #[schema(schema_with = words::<domain::ComplianceStatus>)]
    pub status: String,
    /// Its newest evidence.
    pub latest: Option<EvidenceView>,
}

impl From<domain::ControlView> for ControlView {
    fn from(c: domain::ControlView) -> Self {
        Self {
            control: c.id,
            title: c.title,
            rule: c.rule,
            kind: match c.kind {
                custos_govern::compliance::ControlKind::Automated => "automated".into(),
                custos_govern::compliance::ControlKind::Manual => "manual".into(),
            },
            obligations: c.obligations,
            status: domain::ComplianceStatus::from(c.status).as_str().to_owned(),
            latest: c.latest.map(Into::into),
        }
    }
}

/// An evaluation run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RunView {
    /// Id.
    pub run_id: String,
    /// `schedule` or `on_demand`.
    pub trigger: String,
    /// Who started it.
    pub started_by: String,
    /// When it started.
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// Status counts per regulation after it.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

impl From<domain::RunRecord> for RunView {
    fn from(r: domain::RunRecord) -> Self {
        Self {
            run_id: r.run_id,
            trigger: r.trigger,
            started_by: r.started_by,
            started_at: ts(&r.started_at),
            finished_at: ts(&r.finished_at),
            summary: r.summary,
        }
    }
}

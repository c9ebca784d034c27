//! The export that answers an access or portability request.

use std::collections::BTreeMap;

use custos_core::{DataCategory, DsrId, DsrStatus, DsrType, Timestamp, now};
use custos_store::{DecisionRecord, DsrFilter};
use serde_json::Value;

use super::{DsrView, Dsrs, dsr_view};
use crate::{
    ServiceError,
    consents::SubjectConsents,
    gate::CheckView,
    subjects::{SubjectView, subject_view},
};

/// A complete, machine-readable copy of what custos holds about a subject (GDPR Arts. 15
/// and 20). Generated on request, never written to disk.
#[derive(Debug, Clone)]
pub struct SubjectExport {
    /// When generated.
    pub generated_at: Timestamp,
    /// The request it answers.
    pub dsr_id: DsrId,
    /// The subject record.
    pub subject: SubjectView,
    /// Personal data by category (empty once erased).
    pub data: BTreeMap<DataCategory, Value>,
    /// Consent state and history.
    pub consents: SubjectConsents,
    /// Gate checks about the subject.
    pub checks: Vec<CheckView>,
    /// AI decisions about the subject.
    pub decisions: Vec<DecisionRecord>,
    /// The subject's requests.
    pub requests: Vec<DsrView>,
}

impl Dsrs<'_> {
    /// The export that answers an access or portability request: everything custos holds about
    /// the subject, as one JSON document, built in memory from one consistent snapshot.
    pub async fn export(&self, dsr_id: &str) -> Result<SubjectExport, ServiceError> {
        let id = DsrId::parse(dsr_id)?;
        let at = now();
        // The request's subject, to look its checks up in the check index before the snapshot
        // (rows committed meanwhile are in the index's unscanned tail, so none is missed).
        let subject = self
            .0
            .read(async |tx| Ok(custos_store::dsrs::get(tx, &id).await?.map(|d| d.subject_id)))
            .await?
            .ok_or(ServiceError::NotFound { resource: "data-subject request" })?;
        let indexed = self.0.store.indexed_checks(&subject)?;
        self.0
            .read(async |tx| {
                let d = custos_store::dsrs::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "data-subject request" })?;
                if !matches!(d.dsr_type, DsrType::Access | DsrType::Portability) {
                    return Err(ServiceError::Conflict("only access and portability requests have an export".into()));
                }
                if d.verified_at.is_none() || d.status == DsrStatus::Rejected {
                    return Err(ServiceError::Conflict("the export is available once the requester's identity is verified".into()));
                }
                let sid = d.subject_id;
                let subject = custos_store::subjects::get(tx, &sid).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
                let data = custos_store::subjects::data(tx, &sid, None).await?;
                let current = custos_store::consents::current(tx, &sid).await?;
                let history = custos_store::consents::history(tx, &sid).await?;
                let checks = custos_store::checks::for_subject(tx, &sid, indexed.as_ref(), 100_000).await?;
                let decisions = custos_store::decisions::for_subject(tx, &sid, 100_000).await?;
                let requests =
                    custos_store::dsrs::list(tx, &DsrFilter { subject_id: Some(sid), limit: 100_000, ..DsrFilter::default() }).await?;
                Ok(SubjectExport {
                    generated_at: at,
                    dsr_id: d.dsr_id,
                    subject: subject_view(&subject, None),
                    data,
                    consents: SubjectConsents { subject_id: sid, current, history },
                    checks: checks.into_iter().map(CheckView::of).collect::<Result<_, _>>()?,
                    decisions,
                    requests: requests.iter().map(|r| dsr_view(r, &at)).collect(),
                })
            })
            .await
    }
}

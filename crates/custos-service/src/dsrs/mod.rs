//! Data-subject requests: intake with legal deadlines, verification, extension, rejection,
//! and completion, which carries the request out.

use std::collections::BTreeMap;

use custos_core::{DsrId, DsrStatus, DsrType, Jurisdiction, LedgerEvent, Method, ObjectionScope, PurposeKey, SubjectId, Timestamp, now};
use custos_store::{DsrFilter, DsrRecord, SubjectUpdate};
use serde_json::Value;

mod cases;
mod export;
pub use cases::DsrCase;
pub use export::SubjectExport;

use crate::{Receipt, Service, ServiceError, subjects::parse_subject_id};

/// Files a data-subject request.
#[derive(Debug, Clone)]
pub struct DsrInput {
    /// Whose request.
    pub subject_id: String,
    /// Which right.
    pub dsr_type: DsrType,
    /// For objections: what is objected to (default `purpose` when a purpose is given, else
    /// `profiling`).
    pub objection: Option<ObjectionScope>,
    /// For objections to one purpose.
    pub purpose: Option<String>,
    /// For rectification: corrected values by data category.
    pub data: Option<BTreeMap<String, Value>>,
    /// The requester's own words (stored encrypted).
    pub statement: Option<String>,
    /// For `contest`: the decision contested (one of the subject's).
    pub decision_id: Option<String>,
}

impl DsrInput {
    /// A request of `dsr_type` by `subject_id` with nothing else.
    pub fn new(subject_id: impl Into<String>, dsr_type: DsrType) -> Self {
        Self { subject_id: subject_id.into(), dsr_type, objection: None, purpose: None, data: None, statement: None, decision_id: None }
    }
}

/// Verifies the requester's identity.
#[derive(Debug, Clone)]
pub struct DsrVerifyInput {
    /// How identity was verified (`email_link`, `account_login`, `id_document`, ...).
    pub method: String,
}

/// A reason for an extension or a rejection.
#[derive(Debug, Clone)]
pub struct DsrReasonInput {
    /// Why.
    pub reason: String,
}

/// A data-subject request (without the requester's statement or corrected values).
#[derive(Debug, Clone)]
pub struct DsrView {
    /// Id.
    pub dsr_id: DsrId,
    /// Whose request.
    pub subject_id: SubjectId,
    /// Which right.
    pub dsr_type: DsrType,
    /// Where it stands.
    pub status: DsrStatus,
    /// Jurisdiction whose deadline applies.
    pub jurisdiction: Jurisdiction,
    /// Objection scope, for objections.
    pub objection: Option<ObjectionScope>,
    /// Purpose, for objections to one purpose.
    pub purpose: Option<PurposeKey>,
    /// Received.
    pub received_at: Timestamp,
    /// Due.
    pub due_at: Timestamp,
    /// Past due and still open.
    pub overdue: bool,
    /// Open and due within [`DUE_SOON_DAYS`] days.
    pub due_soon: bool,
    /// Verified at.
    pub verified_at: Option<Timestamp>,
    /// Verification method.
    pub verification_method: Option<String>,
    /// Who verified.
    pub verified_by: Option<String>,
    /// Extended at.
    pub extended_at: Option<Timestamp>,
    /// Extension reason.
    pub extension_reason: Option<String>,
    /// Completed or rejected at.
    pub closed_at: Option<Timestamp>,
    /// Rejection reason.
    pub rejection_reason: Option<String>,
    /// Where this change was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
    /// An earlier open request of the same subject and type that this one repeats (in lists).
    pub duplicate_of: Option<DsrId>,
}

/// The format identifier of [`SubjectExport`] documents.
pub const EXPORT_FORMAT: &str = "custos.subject-export.v1";

/// How many days before its due date an open request counts as due soon.
pub const DUE_SOON_DAYS: i64 = 7;

pub(crate) fn dsr_view(d: &DsrRecord, at: &Timestamp) -> DsrView {
    let overdue = d.status.is_open() && d.due_at < *at;
    DsrView {
        dsr_id: d.dsr_id,
        subject_id: d.subject_id,
        dsr_type: d.dsr_type,
        status: d.status,
        jurisdiction: d.jurisdiction.clone(),
        objection: d.objection,
        purpose: d.purpose.clone(),
        received_at: d.received_at,
        due_at: d.due_at,
        overdue,
        due_soon: d.status.is_open() && !overdue && d.due_at < *at + chrono::Duration::days(DUE_SOON_DAYS),
        verified_at: d.verified_at,
        verification_method: d.verification_method.clone(),
        verified_by: d.verified_by.clone(),
        extended_at: d.extended_at,
        extension_reason: d.extension_reason.clone(),
        closed_at: d.closed_at,
        rejection_reason: d.rejection_reason.clone(),
        receipt: None,
        duplicate_of: None,
    }
}

fn check_reason(reason: &str) -> Result<(), ServiceError> {
    if reason.trim().is_empty() || reason.len() > 2000 {
        return Err(ServiceError::invalid("reason", "must be 1-2000 characters"));
    }
    Ok(())
}

/// Which statuses a request may leave, by action.
fn conflict(d: &DsrRecord, action: &str) -> ServiceError {
    ServiceError::Conflict(format!("a request in status `{}` cannot be {action}", d.status.as_str()))
}

/// Filters for listing requests.
#[derive(Debug, Clone, Default)]
pub struct DsrQuery {
    /// Only this status.
    pub status: Option<DsrStatus>,
    /// Only open requests past their due date.
    pub overdue: bool,
    /// Only open requests, soonest due first (the work queue).
    pub open: bool,
    /// Only this subject's.
    pub subject_id: Option<String>,
    /// Only this type.
    pub dsr_type: Option<DsrType>,
    /// Only under this jurisdiction's law (ISO code, e.g. `DE`, `US-CA`).
    pub jurisdiction: Option<String>,
    /// Only due before this time (RFC 3339).
    pub due_before: Option<String>,
    /// At most this many.
    pub limit: Option<u32>,
}

/// The ledger event of a move to `status`.
fn transition_event(status: DsrStatus) -> LedgerEvent {
    match status {
        DsrStatus::PendingVerification => LedgerEvent::DsrCreated,
        DsrStatus::Verified => LedgerEvent::DsrVerified,
        DsrStatus::Extended => LedgerEvent::DsrExtended,
        DsrStatus::Completed => LedgerEvent::DsrCompleted,
        DsrStatus::Rejected => LedgerEvent::DsrRejected,
    }
}

/// The ledger leaf of a request's creation or status change. Free text (reasons, statements,
/// corrected values, who verified) enters only as a keyed digest.
pub(crate) fn dsr_leaf(kind: LedgerEvent, d: &DsrRecord, keyring: &custos_store::Keyring) -> Vec<u8> {
    let digest =
        |label: &str, text: &Option<String>| text.as_ref().map(|t| data_encoding::HEXLOWER.encode(&keyring.digest(label, t.as_bytes())));
    crate::ledger::event_at(
        kind,
        &d.updated_at,
        crate::ledger::subject_fields(
            &d.subject_id,
            serde_json::json!({
                "dsr_id": d.dsr_id.to_string(),
                "dsr_type": d.dsr_type.as_str(),
                "status": d.status.as_str(),
                "purpose": d.purpose.as_ref().map(|p| p.as_str().to_owned()),
                "objection": d.objection.map(|o| o.as_str()),
                "due_at": custos_core::format_timestamp(&d.due_at),
                "verification_method": d.verification_method,
                "verified_by_digest": digest("ledger/dsr-verified-by", &d.verified_by),
                "reason_digest": digest("ledger/dsr-reason", &d.extension_reason.clone().or(d.rejection_reason.clone())),
                "details_digest": digest("ledger/dsr-details", &d.details.as_ref().map(|v| v.to_string())),
            }),
        ),
    )
}

/// Deletes the PII vault's copies of the subject's values; returns how many entries went.
///
/// The vault holds values found in free text (`POST /v1/pii/anonymize` with `"vault": true`),
/// not linked to any subject. Its tokens are deterministic (keyed per purpose, over entity type
/// and value), so the tokens any of this subject's stored values would have received are
/// recomputed for every `(purpose, entity type)` the vault holds, and those entries deleted.
/// This finds a value vaulted exactly as stored (`jane.smith@example.org`), not a variant of
/// it (other case, other phone formatting).
async fn erase_vaulted_values(tx: &mut custos_store::Tx, subject: &custos_core::SubjectId) -> Result<u64, ServiceError> {
    let domains = custos_store::vault::domains(tx).await?;
    if domains.is_empty() {
        return Ok(0);
    }
    let values: Vec<String> = custos_store::subjects::data(tx, subject, None)
        .await?
        .into_values()
        .map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect();
    let mut tokens = Vec::with_capacity(domains.len() * values.len());
    for (purpose, entity_type) in &domains {
        let Ok(purpose) = PurposeKey::parse(purpose) else { continue };
        let pseudonymizer = tx.keyring().pseudonymizer(&purpose);
        tokens.extend(values.iter().map(|value| pseudonymizer.token(entity_type, value)));
    }
    Ok(custos_store::vault::delete(tx, &tokens).await?)
}

/// Data-subject requests with their legal deadlines, carried out when completed.
#[derive(Clone, Copy)]
pub struct Dsrs<'a>(pub(crate) &'a Service);

impl Dsrs<'_> {
    /// Files a request. Its due date follows from the subject's jurisdiction (GDPR one month,
    /// US state laws 45 days, ...). Requests start in `pending_verification`. A contest opens
    /// a review of its decision, due when the request is; resolving the review answers it.
    pub async fn create(&self, input: DsrInput) -> Result<DsrView, ServiceError> {
        self.file(input, None).await
    }

    /// Files a request whose requester is known already (a customer signed in to the privacy
    /// center): it starts `verified`, by `method`, recorded as verified by `by`.
    pub(crate) async fn create_verified(&self, input: DsrInput, method: &str, by: &str) -> Result<DsrView, ServiceError> {
        self.file(input, Some((Method::parse("method", method)?, by.to_owned()))).await
    }

    /// The contests of a decision, for `POST /v1/decisions/{decision_id}/contest`: files a
    /// contest of the decision for its subject with their `statement`.
    pub async fn contest(&self, decision_id: &str, statement: Option<String>) -> Result<DsrView, ServiceError> {
        let id = custos_core::DecisionId::parse(decision_id)?;
        let decision = self
            .0
            .read(async |tx| Ok(custos_store::decisions::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "decision" })?;
        let mut input = DsrInput::new(decision.subject_id.to_string(), DsrType::Contest);
        input.decision_id = Some(id.to_string());
        input.statement = statement;
        self.create(input).await
    }

    async fn file(&self, input: DsrInput, verified: Option<(Method, String)>) -> Result<DsrView, ServiceError> {
        let subject_id = parse_subject_id("subject_id", &input.subject_id)?;
        let dsr_type = input.dsr_type;
        let purpose = input.purpose.as_deref().map(PurposeKey::parse).transpose()?;
        let objection = match (dsr_type, input.objection) {
            (DsrType::Objection, Some(o)) => Some(o),
            (DsrType::Objection, None) => Some(if purpose.is_some() { ObjectionScope::Purpose } else { ObjectionScope::Profiling }),
            (_, Some(_)) => return Err(ServiceError::invalid("objection", "only objection requests take an objection scope")),
            (_, None) => None,
        };
        if objection == Some(ObjectionScope::Purpose) && purpose.is_none() {
            return Err(ServiceError::invalid("purpose", "an objection to a purpose must name the purpose"));
        }
        if purpose.is_some() && objection != Some(ObjectionScope::Purpose) {
            return Err(ServiceError::invalid("purpose", "only objections to a purpose name a purpose"));
        }
        let mut details = serde_json::Map::new();
        match (dsr_type, &input.data) {
            (DsrType::Rectification, Some(data)) if !data.is_empty() => {
                for (k, v) in data {
                    custos_core::DataCategory::parse(k).map_err(|e| custos_core::ValidationError::new(format!("data.{k}"), e.message()))?;
                    if v.is_null() {
                        return Err(ServiceError::invalid(&format!("data.{k}"), "must not be null; ask for erasure to delete data"));
                    }
                }
                details.insert("data".into(), Value::Object(data.clone().into_iter().collect()));
            }
            (DsrType::Rectification, _) => {
                return Err(ServiceError::invalid("data", "a rectification request carries the corrected values"));
            }
            (_, Some(_)) => return Err(ServiceError::invalid("data", "only rectification requests carry data")),
            (_, None) => {}
        }
        let contested = match (dsr_type, input.decision_id.as_deref()) {
            (DsrType::Contest, Some(id)) => Some(custos_core::DecisionId::parse(id)?),
            (DsrType::Contest, None) => return Err(ServiceError::invalid("decision_id", "a contest names the decision it contests")),
            (_, Some(_)) => return Err(ServiceError::invalid("decision_id", "only contest requests name a decision")),
            (_, None) => None,
        };
        if let Some(id) = &contested {
            details.insert("decision_id".into(), Value::String(id.to_string()));
        }
        if let Some(statement) = &input.statement {
            if statement.len() > 5000 {
                return Err(ServiceError::invalid("statement", "must be at most 5000 characters"));
            }
            details.insert("statement".into(), Value::String(statement.clone()));
        }
        let received_at = now();
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let subject = crate::subjects::live(tx, &subject_id).await?;
                if let Some(p) = &purpose
                    && custos_store::purposes::get(tx, p.as_str()).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("purpose", format!("purpose `{p}` does not exist")));
                }
                let contested_decision = match &contested {
                    Some(id) => Some(
                        custos_store::decisions::get(tx, id)
                            .await?
                            .filter(|d| d.subject_id == subject_id)
                            .ok_or_else(|| ServiceError::unprocessable("decision_id", "no such decision about this subject"))?,
                    ),
                    None => None,
                };
                let deadline = subject.jurisdiction.regime().dsr_deadline();
                let record = DsrRecord {
                    dsr_id: DsrId::new(),
                    subject_id,
                    dsr_type,
                    status: if verified.is_some() { DsrStatus::Verified } else { DsrStatus::PendingVerification },
                    jurisdiction: subject.jurisdiction.clone(),
                    purpose,
                    objection,
                    details: (!details.is_empty()).then_some(Value::Object(details)),
                    received_at,
                    due_at: deadline.due(received_at),
                    verified_at: verified.as_ref().map(|_| received_at),
                    verification_method: verified.as_ref().map(|(method, _)| method.to_string()),
                    verified_by: verified.as_ref().map(|(_, by)| by.clone()),
                    extended_at: None,
                    extension_reason: None,
                    closed_at: None,
                    rejection_reason: None,
                    updated_at: received_at,
                };
                custos_store::dsrs::insert(tx, &record).await?;
                let receipt = custos_store::ledger::append_leaf(tx, dsr_leaf(LedgerEvent::DsrCreated, &record, tx.keyring())).await?;
                if let Some(decision) = &contested_decision {
                    crate::reviews::open_contest(tx, decision, &record).await?;
                }
                Ok((record, receipt))
            })
            .await?;
        let mut view = dsr_view(&record, &now());
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// One request.
    pub async fn get(&self, dsr_id: &str) -> Result<DsrView, ServiceError> {
        let id = DsrId::parse(dsr_id)?;
        let record = self.0.read(async |tx| Ok(custos_store::dsrs::get(tx, &id).await?)).await?;
        record.map(|r| dsr_view(&r, &now())).ok_or(ServiceError::NotFound { resource: "data-subject request" })
    }

    /// Requests matching `query`; `overdue` lists open requests past due, most overdue first.
    pub async fn list(&self, query: DsrQuery) -> Result<Vec<DsrView>, ServiceError> {
        let at = now();
        let filter = DsrFilter {
            status: query.status,
            overdue_at: query.overdue.then_some(at),
            open: query.open,
            subject_id: query.subject_id.as_deref().map(|s| parse_subject_id("subject_id", s)).transpose()?,
            dsr_type: query.dsr_type,
            jurisdiction: query.jurisdiction.as_deref().map(|j| Jurisdiction::parse(j).map(|j| j.as_str().to_owned())).transpose()?,
            due_before: query
                .due_before
                .as_deref()
                .map(|t| {
                    custos_core::parse_timestamp(t).ok_or_else(|| ServiceError::invalid("due_before", "must be an RFC 3339 timestamp"))
                })
                .transpose()?,
            limit: query.limit.unwrap_or(500).clamp(1, 5000),
        };
        let records = self.0.read(async |tx| Ok(custos_store::dsrs::list(tx, &filter).await?)).await?;
        let mut views: Vec<DsrView> = records.iter().map(|r| dsr_view(r, &at)).collect();
        // Duplicates: an open request of the same subject and type as an earlier open one.
        let open: Vec<(SubjectId, DsrType, Timestamp, DsrId)> =
            records.iter().filter(|r| r.status.is_open()).map(|r| (r.subject_id, r.dsr_type, r.received_at, r.dsr_id)).collect();
        for v in views.iter_mut().filter(|v| v.status.is_open()) {
            v.duplicate_of = open
                .iter()
                .filter(|(s, t, at, id)| {
                    *s == v.subject_id && *t == v.dsr_type && *id != v.dsr_id && (*at, *id) < (v.received_at, v.dsr_id)
                })
                .min_by_key(|(_, _, at, id)| (*at, *id))
                .map(|(_, _, _, id)| *id);
        }
        Ok(views)
    }

    /// Loads a request, applies `change` (which validates the transition), and stores it only if
    /// nobody moved it meanwhile.
    async fn transition<F>(&self, dsr_id: &str, change: F) -> Result<DsrView, ServiceError>
    where
        F: FnOnce(&mut DsrRecord) -> Result<(), ServiceError> + Send + 'static,
    {
        let id = DsrId::parse(dsr_id)?;
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let mut record =
                    custos_store::dsrs::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "data-subject request" })?;
                let before = record.status;
                change(&mut record)?;
                record.updated_at = now();
                if !custos_store::dsrs::update(tx, &record, before).await? {
                    return Err(ServiceError::Conflict("the request changed meanwhile; reload it and try again".into()));
                }
                let receipt =
                    custos_store::ledger::append_leaf(tx, dsr_leaf(transition_event(record.status), &record, tx.keyring())).await?;
                Ok((record, receipt))
            })
            .await?;
        let mut view = dsr_view(&record, &now());
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Records that the requester's identity was verified, how, and by whom.
    pub async fn verify(&self, dsr_id: &str, input: DsrVerifyInput, verified_by: &str) -> Result<DsrView, ServiceError> {
        let method = Method::parse("method", &input.method)?;
        let by = verified_by.to_owned();
        self.transition(dsr_id, move |d| {
            if d.status != DsrStatus::PendingVerification {
                return Err(conflict(d, "verified"));
            }
            d.status = DsrStatus::Verified;
            d.verified_at = Some(now());
            d.verification_method = Some(method.to_string());
            d.verified_by = Some(by);
            Ok(())
        })
        .await
    }

    /// Extends the deadline once, by the jurisdiction's extension period, with a reason.
    pub async fn extend(&self, dsr_id: &str, input: DsrReasonInput) -> Result<DsrView, ServiceError> {
        check_reason(&input.reason)?;
        self.transition(dsr_id, move |d| {
            if !matches!(d.status, DsrStatus::PendingVerification | DsrStatus::Verified) || d.extended_at.is_some() {
                return Err(if d.extended_at.is_some() {
                    ServiceError::Conflict("the deadline was already extended once".into())
                } else {
                    conflict(d, "extended")
                });
            }
            let Some(due) = d.jurisdiction.regime().dsr_deadline().extended(d.due_at) else {
                return Err(ServiceError::Conflict(format!("the law of {} allows no extension", d.jurisdiction)));
            };
            d.due_at = due;
            d.status = DsrStatus::Extended;
            d.extended_at = Some(now());
            d.extension_reason = Some(input.reason);
            Ok(())
        })
        .await
    }

    /// Rejects an open request with a reason.
    pub async fn reject(&self, dsr_id: &str, input: DsrReasonInput) -> Result<DsrView, ServiceError> {
        check_reason(&input.reason)?;
        self.transition(dsr_id, move |d| {
            if !d.status.is_open() {
                return Err(conflict(d, "rejected"));
            }
            d.status = DsrStatus::Rejected;
            d.closed_at = Some(now());
            d.rejection_reason = Some(input.reason);
            Ok(())
        })
        .await
    }

    /// Carries a verified request out, in the same transaction that marks it completed:
    /// erasure crypto-shreds the subject; rectification applies the corrected values;
    /// restriction, objection and opt-out take effect at the gate. Access and portability are
    /// served by [`Dsrs::export`].
    pub async fn complete(&self, dsr_id: &str) -> Result<DsrView, ServiceError> {
        let id = DsrId::parse(dsr_id)?;
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let mut d = custos_store::dsrs::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "data-subject request" })?;
                let before = d.status;
                if !matches!(d.status, DsrStatus::Verified | DsrStatus::Extended) {
                    return Err(if d.status == DsrStatus::PendingVerification {
                        ServiceError::Conflict("verify the requester's identity before completing the request".into())
                    } else {
                        conflict(&d, "completed")
                    });
                }
                if d.verified_at.is_none() {
                    return Err(ServiceError::Conflict("verify the requester's identity before completing the request".into()));
                }
                if d.dsr_type == DsrType::Contest && custos_store::reviews::of_dsr(tx, &d.dsr_id).await?.is_some() {
                    return Err(ServiceError::Conflict(
                        "a contest is answered by resolving the review of its decision (POST /v1/reviews/{review_id}/resolve)".into(),
                    ));
                }
                let at = now();
                let mut leaves = Vec::new();
                match d.dsr_type {
                    // A contest is completed by a person who reviewed the decision; the completion
                    // (with its ledger leaf) is the record of that human intervention.
                    DsrType::Access | DsrType::Portability | DsrType::Contest => {}
                    DsrType::Erasure => {
                        let vault_entries = erase_vaulted_values(tx, &d.subject_id).await?;
                        custos_store::subjects::erase(tx, &d.subject_id, &at).await?;
                        leaves.push(crate::ledger::event_at(
                            LedgerEvent::SubjectErased,
                            &at,
                            crate::ledger::subject_fields(
                                &d.subject_id,
                                serde_json::json!({"dsr_id": d.dsr_id.to_string(), "vault_entries_removed": vault_entries}),
                            ),
                        ));
                    }
                    DsrType::Rectification => {
                        let data = d.details.as_ref().and_then(|v| v.get("data")).and_then(Value::as_object).cloned().unwrap_or_default();
                        let mut update = SubjectUpdate::default();
                        for (k, v) in data {
                            update.data.insert(custos_core::DataCategory::parse(&k)?, Some(v));
                        }
                        custos_store::subjects::update(tx, &d.subject_id, &update, &at).await.map_err(|e| match e {
                            custos_store::StoreError::NotFound => ServiceError::Conflict("the subject was erased".into()),
                            other => other.into(),
                        })?;
                    }
                    DsrType::Restriction | DsrType::OptOutOfSaleOrShare => {
                        custos_store::subjects::set_right(tx, &d.subject_id, d.dsr_type, None, &at).await?
                    }
                    DsrType::Objection => {
                        let scope = d.objection.unwrap_or(ObjectionScope::Profiling);
                        custos_store::subjects::set_right(tx, &d.subject_id, d.dsr_type, Some((scope, d.purpose.as_ref())), &at).await?;
                    }
                }
                d.status = DsrStatus::Completed;
                d.closed_at = Some(at);
                d.updated_at = at;
                if !custos_store::dsrs::update(tx, &d, before).await? {
                    return Err(ServiceError::Conflict("the request changed meanwhile; reload it and try again".into()));
                }
                leaves.push(dsr_leaf(LedgerEvent::DsrCompleted, &d, tx.keyring()));
                if d.dsr_type == DsrType::Erasure {
                    // The subject's other open requests close themselves: nothing is left to act on.
                    let filter = DsrFilter { subject_id: Some(d.subject_id), open: true, limit: 1000, ..DsrFilter::default() };
                    for mut other in custos_store::dsrs::list(tx, &filter).await? {
                        if other.dsr_id == d.dsr_id {
                            continue;
                        }
                        let before = other.status;
                        other.status = DsrStatus::Rejected;
                        other.rejection_reason = Some("subject_erased".into());
                        other.closed_at = Some(at);
                        other.updated_at = at;
                        if custos_store::dsrs::update(tx, &other, before).await? {
                            leaves.push(dsr_leaf(LedgerEvent::DsrRejected, &other, tx.keyring()));
                        }
                    }
                }
                let receipts = custos_store::ledger::append_leaves(tx, &leaves).await?;
                // Re-read: erasure removed the details.
                let record = custos_store::dsrs::get(tx, &id).await?.unwrap_or(d);
                Ok((record, receipts.last().copied()))
            })
            .await?;
        tracing::info!(dsr_id = %record.dsr_id, dsr_type = record.dsr_type.as_str(), "data-subject request completed");
        if record.dsr_type == DsrType::Erasure {
            // The erasure is committed; now take the old pages out of the database's files.
            self.0.retention().scrub_deleted().await;
        }
        let mut view = dsr_view(&record, &now());
        view.receipt = receipt;
        Ok(view)
    }
}

//! Data subjects and their encrypted personal data.

use std::collections::BTreeMap;

use custos_core::{DataCategory, Jurisdiction, LedgerEvent, SubjectId, Timestamp, ValidationError, now};
use custos_store::{NewSubject, SubjectRecord, SubjectUpdate};
use serde_json::Value;

use crate::{
    Receipt, Service, ServiceError,
    paging::{Page, PageAt},
};

/// Largest accepted serialized value of one data category.
const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Creates a data subject.
#[derive(Debug, Clone, Default)]
pub struct SubjectInput {
    /// The business's own identifier for the person (unique).
    pub external_id: String,
    /// ISO 3166-1 alpha-2 or ISO 3166-2 code.
    pub jurisdiction: String,
    /// Personal data by fideslang data category.
    pub data: BTreeMap<String, Value>,
}

/// Changes a data subject. Absent fields stay; a `null` data value deletes that category.
#[derive(Debug, Clone, Default)]
pub struct SubjectPatch {
    /// New jurisdiction.
    pub jurisdiction: Option<String>,
    /// Record a Global Privacy Control preference.
    pub gpc: Option<bool>,
    /// Values to set, or `null` to delete.
    pub data: BTreeMap<String, Value>,
}

/// A data subject as created, read or listed.
#[derive(Debug, Clone)]
pub struct SubjectView {
    /// Internal id.
    pub subject_id: SubjectId,
    /// The business's identifier; `None` once erased.
    pub external_id: Option<String>,
    /// Jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// When erased, if erased.
    pub erased_at: Option<Timestamp>,
    /// GPC preference recorded.
    pub gpc: bool,
    /// Processing restricted.
    pub restricted: bool,
    /// Opted out of sale/sharing.
    pub opted_out_of_sale_or_share: bool,
    /// Objections in force: `profiling`, `direct_marketing`, and purpose keys.
    pub objections: Vec<String>,
    /// Personal data by category (only on a single subject, decrypted).
    pub data: Option<BTreeMap<DataCategory, Value>>,
    /// Where this change was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
}

/// Everything the console shows about one subject.
#[derive(Debug, Clone)]
pub struct SubjectProfile {
    /// The subject with its decrypted data.
    pub subject: SubjectView,
    /// Current consents and their history.
    pub consents: crate::consents::SubjectConsents,
    /// The latest gate checks (at most 50), newest first.
    pub checks: Vec<crate::gate::CheckView>,
    /// Decisions about the subject, newest first.
    pub decisions: Vec<crate::decisions::DecisionRecord>,
    /// The subject's requests, newest first.
    pub requests: Vec<crate::dsrs::DsrView>,
}

/// A page of subjects, in id order.
pub type SubjectPage = Page<SubjectView>;

pub(crate) fn subject_view(s: &SubjectRecord, data: Option<BTreeMap<DataCategory, Value>>) -> SubjectView {
    let mut objections = Vec::new();
    if s.objection_profiling {
        objections.push("profiling".to_owned());
    }
    if s.objection_direct_marketing {
        objections.push("direct_marketing".to_owned());
    }
    objections.extend(s.objected_purposes.iter().map(ToString::to_string));
    SubjectView {
        subject_id: s.subject_id,
        external_id: s.external_id.clone(),
        jurisdiction: s.jurisdiction.clone(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        erased_at: s.erased_at,
        gpc: s.gpc,
        restricted: s.restricted,
        opted_out_of_sale_or_share: s.opted_out_of_sale_or_share,
        objections,
        data,
        receipt: None,
    }
}

/// Validates a subject id taken from a path or body field.
/// A subject that exists and was not erased, read for a write about them (a 422 naming
/// `subject_id` otherwise: consents, decisions, requests and signals refuse the same way).
pub(crate) async fn live(tx: &mut custos_store::Tx, id: &SubjectId) -> Result<SubjectRecord, ServiceError> {
    let subject = custos_store::subjects::get(tx, id).await?.ok_or_else(|| ServiceError::unprocessable("subject_id", "no such subject"))?;
    if subject.erased_at.is_some() {
        return Err(ServiceError::unprocessable("subject_id", "the subject was erased"));
    }
    Ok(subject)
}

pub(crate) fn parse_subject_id(field: &str, s: &str) -> Result<SubjectId, ServiceError> {
    SubjectId::parse(s).map_err(|e| ServiceError::Invalid(ValidationError::new(field, e.message())))
}

fn parse_external_id(s: &str) -> Result<String, ServiceError> {
    if s.is_empty() || s.len() > 256 || s.chars().any(char::is_control) {
        return Err(ServiceError::invalid("external_id", "must be 1-256 characters without control characters"));
    }
    Ok(s.to_owned())
}

fn parse_jurisdiction(s: &str) -> Result<Jurisdiction, ServiceError> {
    Ok(Jurisdiction::parse(s)?)
}

/// The data category holding a subject's preferred language (fideslang: "spoken or written
/// language of subject"), a language tag.
pub(crate) const LANGUAGE_CATEGORY: &str = "user.demographic.language";

/// Whether `v` is a language tag as the privacy center reads one (`de`, `de-AT`, `es-419`):
/// letters first, then letters, digits and hyphens, at most 35 characters.
fn language_tag(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        !s.is_empty()
            && s.len() <= 35
            && s.split('-').all(|part| !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_alphanumeric()))
            && s.split('-').next().is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphabetic()))
    })
}

/// Validates a `{category: value}` map; `allow_null` permits `null` (meaning delete).
fn parse_data(
    field: &str,
    data: &BTreeMap<String, Value>,
    allow_null: bool,
) -> Result<BTreeMap<DataCategory, Option<Value>>, ServiceError> {
    let mut out = BTreeMap::new();
    for (k, v) in data {
        let category = DataCategory::parse(k).map_err(|e| ValidationError::new(format!("{field}.{k}"), e.message()))?;
        if v.is_null() {
            if !allow_null {
                return Err(ServiceError::invalid(&format!("{field}.{k}"), "must not be null"));
            }
            out.insert(category, None);
            continue;
        }
        if category.as_str() == LANGUAGE_CATEGORY && !language_tag(v) {
            return Err(ServiceError::invalid(&format!("{field}.{k}"), "must be a language tag such as \"de\" or \"de-AT\""));
        }
        if serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX) > MAX_VALUE_BYTES {
            return Err(ServiceError::invalid(&format!("{field}.{k}"), "must be at most 64 KiB"));
        }
        out.insert(category, Some(v.clone()));
    }
    Ok(out)
}

/// The ledger fields of a new subject: its id, the categories it holds and its GPC flag;
/// never its external id, jurisdiction or values.
pub(crate) fn new_subject_fields(new: &NewSubject) -> serde_json::Value {
    crate::ledger::subject_fields(
        &new.subject_id,
        serde_json::json!({
            "data_categories": new.data.keys().map(|c| c.as_str()).collect::<Vec<_>>(),
            "gpc": new.gpc,
        }),
    )
}

/// Subjects and their personal data, sealed per subject.
#[derive(Clone, Copy)]
pub struct Subjects<'a>(pub(crate) &'a Service);

impl Subjects<'_> {
    /// Creates a subject; its data is encrypted under a fresh per-subject key. `gpc` records a
    /// Global Privacy Control signal that came with the request.
    pub async fn create(&self, input: SubjectInput, gpc: bool) -> Result<SubjectView, ServiceError> {
        let external_id = parse_external_id(&input.external_id)?;
        let jurisdiction = parse_jurisdiction(&input.jurisdiction)?;
        let data = parse_data("data", &input.data, false)?.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        let new = NewSubject { subject_id: SubjectId::new(), external_id, jurisdiction, data, gpc, created_at: now() };
        let id = new.subject_id;
        let leaf = crate::ledger::event_at(LedgerEvent::SubjectCreated, &new.created_at, new_subject_fields(&new));
        let (record, receipt) = self
            .0
            .write(async |tx| {
                custos_store::subjects::insert(tx, &new).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict("a subject with this external_id already exists".into()),
                    other => other.into(),
                })?;
                let record = custos_store::subjects::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
                Ok((record, custos_store::ledger::append_leaf(tx, leaf).await?))
            })
            .await?;
        let mut view = subject_view(&record, None);
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// One subject with its decrypted data.
    pub async fn get(&self, subject_id: &str) -> Result<SubjectView, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        let (record, data) = self
            .0
            .read(async |tx| {
                let record = custos_store::subjects::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
                let data = custos_store::subjects::data(tx, &id, None).await?;
                Ok((record, data))
            })
            .await?;
        Ok(subject_view(&record, Some(data)))
    }

    /// The subject with this external id.
    pub async fn by_external_id(&self, external_id: &str) -> Result<SubjectView, ServiceError> {
        let id = self.id_by_external_id(external_id).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
        self.get(&id.to_string()).await
    }

    /// The subjects a person is looking for: by external id, or by e-mail (`@` in it) or phone
    /// (digits) through the keyed blind index (at most 20; the values themselves are never
    /// searched or stored in clear).
    pub async fn find(&self, what: &str) -> Result<Vec<SubjectView>, ServiceError> {
        let ids = self.ids_by_identifier(what).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.get(&id.to_string()).await?);
        }
        Ok(out)
    }

    /// The subjects `what` names: an e-mail address, a phone number or an external id.
    pub(crate) async fn ids_by_identifier(&self, what: &str) -> Result<Vec<SubjectId>, ServiceError> {
        let what = what.trim();
        if what.is_empty() || what.len() > 320 || what.chars().any(char::is_control) {
            return Err(ServiceError::invalid(
                "contact",
                "give an external id, an e-mail address or a phone number (up to 320 characters)",
            ));
        }
        let kind = if what.contains('@') {
            Some(custos_store::subjects::ContactKind::Email)
        } else if what.starts_with('+')
            || (what.chars().filter(char::is_ascii_digit).count() >= 6 && what.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)))
        {
            Some(custos_store::subjects::ContactKind::Phone)
        } else {
            None
        };
        let mut ids = match kind {
            Some(kind) => self.0.read(async |tx| Ok(custos_store::subjects::ids_by_contact(tx, kind, what).await?)).await?,
            None => Vec::new(),
        };
        if ids.is_empty()
            && let Ok(Some(id)) = self.id_by_external_id(what).await
        {
            ids.push(id);
        }
        Ok(ids)
    }

    /// The id of the subject with this external id (one blind-index lookup, the same work
    /// whether or not there is one).
    pub(crate) async fn id_by_external_id(&self, external_id: &str) -> Result<Option<SubjectId>, ServiceError> {
        let external_id = parse_external_id(external_id)?;
        self.0.read(async |tx| Ok(custos_store::subjects::id_by_external_id(tx, &external_id).await?)).await
    }

    /// A page of subjects in id order (at most `limit`, up to 1000), with the total.
    pub async fn page(&self, at: PageAt, limit: u32) -> Result<SubjectPage, ServiceError> {
        let limit = limit.clamp(1, 1000);
        let at = match at {
            PageAt::First => None,
            PageAt::After(a) => Some((true, parse_subject_id("after", &a)?)),
            PageAt::Before(b) => Some((false, parse_subject_id("before", &b)?)),
        };
        let (records, total, offset) = self
            .0
            .read(async |tx| {
                let records = match &at {
                    None => custos_store::subjects::page(tx, None, limit).await?,
                    Some((true, after)) => custos_store::subjects::page(tx, Some(after), limit).await?,
                    Some((false, before)) => custos_store::subjects::page_before(tx, before, limit).await?,
                };
                let total = custos_store::subjects::count(tx).await?;
                let offset = match records.first() {
                    Some(r) => custos_store::subjects::count_before(tx, &r.subject_id).await?,
                    None => 0,
                };
                Ok((records, total, offset))
            })
            .await?;
        let views = records.iter().map(|r| subject_view(r, None)).collect();
        Ok(Page::new(views, total, offset, |s: &SubjectView| s.subject_id.to_string()))
    }

    /// Everything about one subject, for a person who handles it (reading its personal data
    /// is the caller's to record: `staff().log_subject_view`).
    pub async fn profile(&self, subject_id: &str) -> Result<SubjectProfile, ServiceError> {
        let subject = self.get(subject_id).await?;
        let query = crate::dsrs::DsrQuery { subject_id: Some(subject_id.to_owned()), limit: Some(100), ..Default::default() };
        Ok(SubjectProfile {
            consents: self.0.consents().of_subject(subject_id).await?,
            checks: self.0.gate().checks_of_subject(subject_id, 50).await?,
            decisions: self.0.decisions().of_subject(subject_id).await?.into_iter().map(|d| d.decision).collect(),
            requests: self.0.dsrs().list(query).await?,
            subject,
        })
    }

    /// The data categories a subject holds (names only; nothing is decrypted).
    pub async fn categories(&self, subject_id: &str) -> Result<Vec<DataCategory>, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        self.0.read(async |tx| Ok(custos_store::subjects::categories(tx, &id).await?)).await
    }

    /// Records a `Sec-GPC: 1` signal seen on a request about the subject (`via`: `gate_check`,
    /// `privacy_center`) as their opt-out of sale and sharing. Written, with a ledger event,
    /// only when it changes the subject's state: a signal seen again costs one read, so the
    /// gate's figures hold. True if it changed something; erased subjects are left alone.
    pub async fn record_gpc(&self, id: &SubjectId, via: &'static str) -> Result<bool, ServiceError> {
        let known = self.0.read(async |tx| Ok(custos_store::subjects::get(tx, id).await?)).await?;
        match known {
            Some(s) if !s.gpc && s.erased_at.is_none() => {}
            _ => return Ok(false),
        }
        let at = now();
        let leaf = crate::ledger::event(
            LedgerEvent::SubjectGpcRecorded,
            crate::ledger::subject_fields(id, serde_json::json!({"via": via, "recorded_at": custos_core::format_timestamp(&at)})),
        );
        self.0
            .write(async |tx| {
                if !custos_store::subjects::set_gpc(tx, id, &at).await? {
                    return Ok(false); // a concurrent request recorded it first
                }
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(true)
            })
            .await
    }

    /// Changes a subject's jurisdiction, GPC preference or data.
    pub async fn update(&self, subject_id: &str, patch: SubjectPatch) -> Result<SubjectView, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        let update = SubjectUpdate {
            jurisdiction: patch.jurisdiction.as_deref().map(parse_jurisdiction).transpose()?,
            gpc: patch.gpc,
            data: parse_data("data", &patch.data, true)?,
        };
        let leaf = crate::ledger::event(
            LedgerEvent::SubjectUpdated,
            crate::ledger::subject_fields(
                &id,
                serde_json::json!({
                    "jurisdiction_changed": update.jurisdiction.is_some(),
                    "gpc": update.gpc,
                    "data_categories": update.data.keys().map(|c| c.as_str()).collect::<Vec<_>>(),
                }),
            ),
        );
        let receipt = self
            .0
            .write(async |tx| {
                let record = custos_store::subjects::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
                if record.erased_at.is_some() {
                    return Err(ServiceError::Conflict("the subject was erased".into()));
                }
                custos_store::subjects::update(tx, &id, &update, &now()).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        let mut view = self.get(subject_id).await?;
        view.receipt = Some(receipt);
        Ok(view)
    }
}

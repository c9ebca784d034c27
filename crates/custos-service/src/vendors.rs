//! The vendor register: the third parties that receive customer data (processors,
//! sub-processors, joint controllers, other recipients), the purposes, data categories and AI
//! systems that send data to each, and the agreements that let data flow to them, with their
//! dates, the country of processing and the transfer mechanism. It decides at run time: the
//! gate names a vendor as a check's recipient and refuses a release the register does not
//! allow (`no_valid_dpa`, `no_joint_arrangement`, `recipient_not_declared`), and expiring
//! agreements and transfers without a mechanism raise alerts. Vendors are reviewed with the
//! `vendor` due-diligence questionnaire ([`crate::assessments`]); an approved review that
//! finds a processor's guarantees insufficient raises an alert until a better one is approved.
//! Every change is a ledger event.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use custos_core::{AiSystemId, AlertSource, DpaId, LedgerEvent, PurposeKey, Timestamp, VendorId, now};
use custos_govern::transfers::{self, TransferMechanism, TransferStatus};
use custos_govern::vendor as vendor_review;
use custos_policy::recipient::{Agreement, RecipientFacts};
pub use custos_policy::recipient::{AgreementKind, VendorRole};
use custos_store::assessments::{About, AssessmentRecord};
pub use custos_store::vendors::{DpaRecord, VendorRecord};
use serde_json::json;

use crate::purposes::{check_label, parse_categories};
use crate::{Receipt, Service, ServiceError};

custos_core::vocabulary! {
    /// Whether a vendor still receives data.
    pub enum VendorStatus: "status" {
        /// It receives what is declared and its agreements allow.
        Active = "active" ("Active"),
        /// The relationship ended: it receives nothing.
        Ended = "ended" ("Ended"),
    }
}

custos_core::vocabulary! {
    /// Whether an agreement stands (its dates decide whether it is in force).
    pub enum AgreementStatus: "status" {
        /// It stands between its dates.
        Active = "active" ("Active"),
        /// It was ended before its expiry date.
        Terminated = "terminated" ("Terminated"),
    }
}

/// Days before an agreement's expiry that its alert fires.
pub const EXPIRY_NOTICE_DAYS: i64 = 60;
/// Most entries in each list of a vendor or agreement.
pub const MAX_LIST: usize = 100;
/// Most vendors and agreements the alert sweep reads at once.
const SWEEP_LIMIT: u32 = 10_000;

/// Records a vendor, or (every field optional) changes one.
#[derive(Debug, Clone, Default)]
pub struct VendorInput {
    /// Its name (unique).
    pub name: Option<String>,
    /// One of [`VendorRole`].
    pub role: Option<String>,
    /// Where it is established (ISO 3166 alpha-2).
    pub country: Option<String>,
    /// For a sub-processor: the processor it works for (empty on a change: none).
    pub processor_id: Option<String>,
    /// Its IAB Global Vendor List id (0 on a change: none).
    pub gvl_vendor_id: Option<u32>,
    /// Purposes whose data is shared with it.
    pub purposes: Option<Vec<String>>,
    /// Data categories shared with it.
    pub data_categories: Option<Vec<String>>,
    /// AI systems that send it data.
    pub ai_system_ids: Option<Vec<String>>,
    /// `active` (default) or `ended`.
    pub status: Option<String>,
}

/// Records an agreement with a vendor, or (every field optional) changes one.
#[derive(Debug, Clone, Default)]
pub struct DpaInput {
    /// One of [`AgreementKind`] (default: `dpa` for processors and sub-processors,
    /// `joint_arrangement` for joint controllers, `data_sharing` for other recipients).
    pub kind: Option<String>,
    /// When it was signed (`YYYY-MM-DD`; required).
    pub signed_on: Option<String>,
    /// When it expires (`YYYY-MM-DD`; empty on a change: no expiry).
    pub expires_on: Option<String>,
    /// Where the data is processed under it (default: the vendor's country).
    pub country: Option<String>,
    /// One of [`TransferMechanism`] (default: `not_needed` in the EEA, `none` elsewhere).
    pub transfer_mechanism: Option<String>,
    /// The data categories it covers (required).
    pub data_categories: Option<Vec<String>>,
    /// The contract's reference.
    pub reference: Option<String>,
    /// `active` (default) or `terminated`.
    pub status: Option<String>,
}

/// Who records: the ledger's actor.
pub type RecordedBy = crate::risks::RecordedBy;

/// An agreement with what it means on a day.
#[derive(Debug, Clone)]
pub struct DpaView {
    /// The record.
    pub dpa: DpaRecord,
    /// Signed, not expired and not terminated on the day.
    pub in_force: bool,
    /// What the transfer rules say of its country and mechanism.
    pub transfer: TransferStatus,
    /// Days until it expires (negative: since it expired), if it expires.
    pub expires_in_days: Option<i64>,
    /// The ledger receipt (writes only).
    pub receipt: Option<Receipt>,
}

/// A vendor with its agreements and whether data may flow to it.
#[derive(Debug, Clone)]
pub struct VendorView {
    /// The record.
    pub vendor: VendorRecord,
    /// Its agreements, newest signature first.
    pub dpas: Vec<DpaView>,
    /// Why data may not go to it today for its declared purposes (the gate's rule over its
    /// declared categories), or None.
    pub blocked: Option<String>,
    /// Its newest due-diligence review (the `vendor` questionnaire), if any.
    pub review: Option<AssessmentRecord>,
    /// The ledger receipt (writes only).
    pub receipt: Option<Receipt>,
}

fn day(field: &str, v: &str) -> Result<String, ServiceError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=9999).contains(&d.year()))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| ServiceError::invalid(field, "must be a date such as 2027-03-31"))
}

fn country(field: &str, v: &str) -> Result<String, ServiceError> {
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(v.to_owned())
    } else {
        Err(ServiceError::invalid(field, format!("{v:?} is not an ISO 3166 alpha-2 country code such as DE or US")))
    }
}

fn list_len(field: &str, n: usize) -> Result<(), ServiceError> {
    if n > MAX_LIST { Err(ServiceError::invalid(field, format!("at most {MAX_LIST} entries"))) } else { Ok(()) }
}

fn categories(field: &str, v: &[String]) -> Result<Vec<String>, ServiceError> {
    list_len(field, v.len())?;
    let mut out: Vec<String> = parse_categories(field, v)?.iter().map(|c| c.as_str().to_owned()).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Checks and applies `input` over `v` (a new record's defaults or the stored one).
fn apply_vendor(input: &VendorInput, mut v: VendorRecord) -> Result<VendorRecord, ServiceError> {
    if let Some(name) = &input.name {
        check_label("name", name, 200)?;
        v.name = name.trim().to_owned();
    }
    if let Some(role) = &input.role {
        v.role = VendorRole::parse(role).map_err(|e| ServiceError::invalid("role", e.message()))?.as_str().to_owned();
    }
    if let Some(c) = &input.country {
        v.country = country("country", c)?;
    }
    if let Some(p) = &input.processor_id {
        v.processor_id = if p.is_empty() { None } else { Some(VendorId::parse(p)?) };
    }
    if let Some(g) = input.gvl_vendor_id {
        if g > u32::from(u16::MAX) {
            return Err(ServiceError::invalid("gvl_vendor_id", "must be a Global Vendor List id, 1 to 65535 (0: none)"));
        }
        v.gvl_vendor_id = (g != 0).then_some(g);
    }
    if let Some(list) = &input.purposes {
        list_len("purposes", list.len())?;
        let mut keys = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            keys.push(PurposeKey::parse(p).map_err(|e| ServiceError::invalid(&format!("purposes[{i}]"), e.message()))?.as_str().to_owned());
        }
        keys.sort();
        keys.dedup();
        v.purposes = keys;
    }
    if let Some(list) = &input.data_categories {
        v.data_categories = categories("data_categories", list)?;
    }
    if let Some(list) = &input.ai_system_ids {
        list_len("ai_system_ids", list.len())?;
        let mut ids = Vec::with_capacity(list.len());
        for (i, a) in list.iter().enumerate() {
            ids.push(AiSystemId::parse(a).map_err(|e| ServiceError::invalid(&format!("ai_system_ids[{i}]"), e.message()))?.to_string());
        }
        ids.sort();
        ids.dedup();
        v.ai_system_ids = ids;
    }
    if let Some(s) = &input.status {
        v.status = VendorStatus::parse(s).map_err(|e| ServiceError::invalid("status", e.message()))?.as_str().to_owned();
    }
    let sub = v.role == VendorRole::SubProcessor.as_str();
    if sub && v.processor_id.is_none() {
        return Err(ServiceError::invalid("processor_id", "a sub-processor names the processor it works for"));
    }
    if !sub && v.processor_id.is_some() {
        return Err(ServiceError::invalid("processor_id", "only a sub-processor works for a processor"));
    }
    if v.processor_id.as_ref() == Some(&v.vendor_id) {
        return Err(ServiceError::invalid("processor_id", "a vendor cannot be its own processor"));
    }
    Ok(v)
}

/// Checks and applies `input` over `d`; `vendor` is the agreement's vendor.
fn apply_dpa(input: &DpaInput, mut d: DpaRecord) -> Result<DpaRecord, ServiceError> {
    if let Some(k) = &input.kind {
        d.kind = AgreementKind::parse(k).map_err(|e| ServiceError::invalid("kind", e.message()))?.as_str().to_owned();
    }
    if let Some(s) = &input.signed_on {
        d.signed_on = day("signed_on", s)?;
    }
    if let Some(e) = &input.expires_on {
        d.expires_on = if e.is_empty() { None } else { Some(day("expires_on", e)?) };
    }
    if let Some(c) = &input.country {
        d.country = country("country", c)?;
    }
    if let Some(m) = &input.transfer_mechanism {
        d.transfer_mechanism = TransferMechanism::parse(m)
            .map_err(|_| {
                let names: Vec<&str> = TransferMechanism::ALL.iter().map(|m| m.as_str()).collect();
                ServiceError::invalid("transfer_mechanism", custos_core::one_of(&names))
            })?
            .as_str()
            .to_owned();
    }
    if let Some(list) = &input.data_categories {
        d.data_categories = categories("data_categories", list)?;
    }
    if let Some(r) = &input.reference {
        if !r.is_empty() {
            check_label("reference", r, 200)?;
        }
        r.trim().clone_into(&mut d.reference);
    }
    if let Some(s) = &input.status {
        d.status = AgreementStatus::parse(s).map_err(|e| ServiceError::invalid("status", e.message()))?.as_str().to_owned();
    }
    if d.signed_on.is_empty() {
        return Err(ServiceError::invalid("signed_on", "is required"));
    }
    if d.data_categories.is_empty() {
        return Err(ServiceError::invalid("data_categories", "name the data categories the agreement covers"));
    }
    if d.expires_on.as_ref().is_some_and(|e| *e < d.signed_on) {
        return Err(ServiceError::invalid("expires_on", "cannot be before the agreement was signed"));
    }
    let mechanism = TransferMechanism::parse(&d.transfer_mechanism).map_err(ServiceError::internal)?;
    let in_eea = transfers::in_eea(&d.country);
    if !in_eea && mechanism == TransferMechanism::NotNeeded {
        return Err(ServiceError::invalid(
            "transfer_mechanism",
            format!("data processed in {} leaves the EEA: name the transfer mechanism, or `none` while there is none", d.country),
        ));
    }
    if !in_eea && mechanism != TransferMechanism::None && transfers::assess(&d.country, mechanism) == TransferStatus::Uncovered {
        return Err(ServiceError::invalid(
            "transfer_mechanism",
            format!("{} does not work for {}: there is no such decision for that country", mechanism.label(), d.country),
        ));
    }
    Ok(d)
}

fn today_of(at: &Timestamp) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

/// An agreement's meaning on the day `today` (`YYYY-MM-DD`).
fn view_of(d: DpaRecord, today: &str) -> DpaView {
    let in_force = d.status == "active" && d.signed_on.as_str() <= today && d.expires_on.as_deref().is_none_or(|e| today <= e);
    let mechanism = TransferMechanism::parse(&d.transfer_mechanism).unwrap_or(TransferMechanism::None);
    let transfer = transfers::assess(&d.country, mechanism);
    let expires_in_days = d.expires_on.as_deref().and_then(|e| {
        let (e, t) = (NaiveDate::parse_from_str(e, "%Y-%m-%d").ok()?, NaiveDate::parse_from_str(today, "%Y-%m-%d").ok()?);
        Some((e - t).num_days())
    });
    DpaView { dpa: d, in_force, transfer, expires_in_days, receipt: None }
}

/// What the gate's rule needs to know about a vendor on a day.
fn facts_of(v: &VendorRecord, dpas: &[DpaView]) -> Result<RecipientFacts, ServiceError> {
    let cats = |list: &[String]| -> Vec<custos_core::DataCategory> {
        list.iter().filter_map(|c| custos_core::DataCategory::parse(c).ok()).collect()
    };
    Ok(RecipientFacts {
        name: v.name.clone(),
        role: VendorRole::parse(&v.role).map_err(ServiceError::internal)?,
        active: v.status == "active",
        purposes: v.purposes.iter().filter_map(|p| PurposeKey::parse(p).ok()).collect(),
        categories: cats(&v.data_categories),
        agreements: dpas
            .iter()
            .filter_map(|d| {
                Some(Agreement {
                    kind: AgreementKind::parse(&d.dpa.kind).ok()?,
                    categories: cats(&d.dpa.data_categories),
                    in_force: d.in_force,
                    transfer_covered: d.transfer != TransferStatus::Uncovered,
                })
            })
            .collect(),
    })
}

/// Why the vendor could not receive its declared categories today, if it could not.
fn blocked(v: &VendorRecord, dpas: &[DpaView]) -> Option<String> {
    let facts = facts_of(v, dpas).ok()?;
    let purpose = facts.purposes.first().cloned()?;
    let declared = facts.categories.clone();
    custos_policy::recipient::refusal(&facts, &purpose, &declared).map(|r| r.message)
}

fn vendor_doc(v: &VendorRecord) -> serde_json::Value {
    json!({
        "vendor_id": v.vendor_id.to_string(),
        "name": v.name,
        "role": v.role,
        "country": v.country,
        "processor_id": v.processor_id.as_ref().map(ToString::to_string),
        "gvl_vendor_id": v.gvl_vendor_id,
        "purposes": v.purposes,
        "data_categories": v.data_categories,
        "ai_system_ids": v.ai_system_ids,
        "status": v.status,
    })
}

fn dpa_doc(d: &DpaRecord) -> serde_json::Value {
    json!({
        "dpa_id": d.dpa_id.to_string(),
        "vendor_id": d.vendor_id.to_string(),
        "kind": d.kind,
        "signed_on": d.signed_on,
        "expires_on": d.expires_on,
        "country": d.country,
        "transfer_mechanism": d.transfer_mechanism,
        "data_categories": d.data_categories,
        "reference": d.reference,
        "status": d.status,
    })
}

/// Checks, inside a write, what a vendor refers to: its purposes, AI systems and processor.
async fn check_references(tx: &mut custos_store::Tx, v: &VendorRecord) -> Result<(), ServiceError> {
    for p in &v.purposes {
        if custos_store::purposes::get(tx, p).await?.is_none() {
            return Err(ServiceError::unprocessable("purposes", format!("purpose `{p}` does not exist")));
        }
    }
    for a in &v.ai_system_ids {
        if custos_store::ai_systems::get(tx, &AiSystemId::parse(a)?).await?.is_none() {
            return Err(ServiceError::unprocessable("ai_system_ids", format!("no AI system `{a}`")));
        }
    }
    if let Some(p) = &v.processor_id {
        let processor = custos_store::vendors::get(tx, p).await?;
        let works =
            processor.is_some_and(|p| [VendorRole::Processor.as_str(), VendorRole::SubProcessor.as_str()].contains(&p.role.as_str()));
        if !works {
            return Err(ServiceError::unprocessable("processor_id", format!("`{p}` is not a processor or sub-processor in the register")));
        }
    }
    Ok(())
}

fn name_taken(e: custos_store::StoreError, name: &str) -> ServiceError {
    match e {
        custos_store::StoreError::Conflict => ServiceError::Conflict(format!("a vendor named `{name}` exists already")),
        other => other.into(),
    }
}

/// The vendor register.
#[derive(Clone, Copy)]
pub struct Vendors<'a>(pub(crate) &'a Service);

impl Vendors<'_> {
    /// Records a vendor: `name`, `role` and `country` are required; a sub-processor names its
    /// processor. A ledger event; its alerts are computed at once.
    pub async fn create(&self, input: VendorInput, by: &RecordedBy) -> Result<VendorView, ServiceError> {
        for (field, given) in [("name", input.name.is_some()), ("role", input.role.is_some()), ("country", input.country.is_some())] {
            if !given {
                return Err(ServiceError::invalid(field, "is required"));
            }
        }
        let at = now();
        let base = VendorRecord {
            vendor_id: VendorId::new(),
            name: String::new(),
            role: String::new(),
            country: String::new(),
            processor_id: None,
            gvl_vendor_id: None,
            purposes: Vec::new(),
            data_categories: Vec::new(),
            ai_system_ids: Vec::new(),
            status: "active".into(),
            created_by: by.actor.clone(),
            created_at: at,
            updated_at: at,
        };
        let record = apply_vendor(&input, base)?;
        let receipt = self
            .0
            .write(async |tx| {
                check_references(tx, &record).await?;
                custos_store::vendors::insert(tx, &record).await.map_err(|e| name_taken(e, &record.name))?;
                let leaf =
                    crate::ledger::event_at(LedgerEvent::VendorCreated, &at, json!({"vendor": vendor_doc(&record), "actor": by.actor}));
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        // The change is committed: a failed alert check is logged, and the hourly sweep retries.
        if let Err(e) = self.sweep(at).await {
            tracing::error!(error = %e, "checking vendor alerts after a change failed");
        }
        let mut view = self.get(&record.vendor_id.to_string()).await?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Changes the given fields; a ledger event naming what changed.
    pub async fn update(&self, vendor_id: &str, input: VendorInput, by: &RecordedBy) -> Result<VendorView, ServiceError> {
        let id = VendorId::parse(vendor_id)?;
        let at = now();
        let receipt = self
            .0
            .write(async |tx| {
                let current = custos_store::vendors::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "vendor" })?;
                let mut next = apply_vendor(&input, current.clone())?;
                let fields = crate::ledger::changed_fields(&vendor_doc(&current), &vendor_doc(&next));
                if fields.is_empty() {
                    return Ok(None);
                }
                check_references(tx, &next).await?;
                next.updated_at = at;
                if !custos_store::vendors::update(tx, &next).await.map_err(|e| name_taken(e, &next.name))? {
                    return Err(ServiceError::NotFound { resource: "vendor" });
                }
                let names: Vec<String> = fields.keys().cloned().collect();
                let leaf = crate::ledger::event_at(
                    LedgerEvent::VendorUpdated,
                    &at,
                    json!({"vendor_id": id.to_string(), "changed": fields, "actor": by.actor}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                // Its approved due-diligence reviews are looked at again.
                crate::assessments::subject_changed(tx, About::Vendor(&id), &names, &at).await?;
                Ok(Some(receipt))
            })
            .await?;
        if receipt.is_some() {
            // The change is committed: a failed alert check is logged, and the hourly sweep retries.
            if let Err(e) = self.sweep(at).await {
                tracing::error!(error = %e, "checking vendor alerts after a change failed");
            }
        }
        let mut view = self.get(vendor_id).await?;
        view.receipt = receipt;
        Ok(view)
    }

    /// One vendor with its agreements as they stand today.
    pub async fn get(&self, vendor_id: &str) -> Result<VendorView, ServiceError> {
        let id = VendorId::parse(vendor_id)?;
        let (v, dpas, review) = self
            .0
            .read(async |tx| {
                let v = custos_store::vendors::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "vendor" })?;
                let d = custos_store::vendors::dpas_of(tx, &id).await?;
                Ok((v, d, newest_review(tx, &id).await?))
            })
            .await?;
        let today = today_of(&now());
        let dpas: Vec<DpaView> = dpas.into_iter().map(|d| view_of(d, &today)).collect();
        Ok(VendorView { blocked: blocked(&v, &dpas), vendor: v, dpas, review, receipt: None })
    }

    /// Every vendor (at most 1,000) with its agreements as they stand today, by name.
    pub async fn list(&self) -> Result<Vec<VendorView>, ServiceError> {
        let today = today_of(&now());
        let all = self
            .0
            .read(async |tx| {
                let mut out = Vec::new();
                for v in custos_store::vendors::list(tx, 1_000).await? {
                    let d = custos_store::vendors::dpas_of(tx, &v.vendor_id).await?;
                    let r = newest_review(tx, &v.vendor_id).await?;
                    out.push((v, d, r));
                }
                Ok(out)
            })
            .await?;
        Ok(all
            .into_iter()
            .map(|(v, d, review)| {
                let dpas: Vec<DpaView> = d.into_iter().map(|d| view_of(d, &today)).collect();
                VendorView { blocked: blocked(&v, &dpas), vendor: v, dpas, review, receipt: None }
            })
            .collect())
    }

    /// Records an agreement with a vendor: `signed_on` and `data_categories` are required; the
    /// kind follows the vendor's role, the country is the vendor's and the transfer mechanism
    /// is `not_needed` in the EEA and `none` elsewhere unless given. A ledger event; its
    /// alerts are computed at once.
    pub async fn add_dpa(&self, vendor_id: &str, input: DpaInput, by: &RecordedBy) -> Result<DpaView, ServiceError> {
        let vid = VendorId::parse(vendor_id)?;
        let at = now();
        let record = self
            .0
            .write(async |tx| {
                let vendor = custos_store::vendors::get(tx, &vid).await?.ok_or(ServiceError::NotFound { resource: "vendor" })?;
                let kind = match VendorRole::parse(&vendor.role).map_err(ServiceError::internal)? {
                    VendorRole::Processor | VendorRole::SubProcessor => AgreementKind::Dpa,
                    VendorRole::JointController => AgreementKind::JointArrangement,
                    VendorRole::Recipient => AgreementKind::DataSharing,
                };
                let country = input.country.clone().unwrap_or_else(|| vendor.country.clone());
                let mechanism = if transfers::in_eea(&country) { TransferMechanism::NotNeeded } else { TransferMechanism::None };
                let base = DpaRecord {
                    dpa_id: DpaId::new(),
                    vendor_id: vid,
                    kind: kind.as_str().to_owned(),
                    signed_on: String::new(),
                    expires_on: None,
                    country: vendor.country.clone(),
                    transfer_mechanism: mechanism.as_str().to_owned(),
                    data_categories: Vec::new(),
                    reference: String::new(),
                    status: "active".into(),
                    created_by: by.actor.clone(),
                    created_at: at,
                    updated_at: at,
                };
                let record = apply_dpa(&input, base)?;
                custos_store::vendors::insert_dpa(tx, &record).await?;
                let leaf = crate::ledger::event_at(LedgerEvent::DpaRecorded, &at, json!({"dpa": dpa_doc(&record), "actor": by.actor}));
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok((record, receipt))
            })
            .await?;
        // The change is committed: a failed alert check is logged, and the hourly sweep retries.
        if let Err(e) = self.sweep(at).await {
            tracing::error!(error = %e, "checking vendor alerts after a change failed");
        }
        let mut view = view_of(record.0, &today_of(&at));
        view.receipt = Some(record.1);
        Ok(view)
    }

    /// Changes the given fields of a vendor's agreement (terminating it: `status`
    /// `terminated`); a ledger event naming what changed.
    pub async fn update_dpa(&self, vendor_id: &str, dpa_id: &str, input: DpaInput, by: &RecordedBy) -> Result<DpaView, ServiceError> {
        let vid = VendorId::parse(vendor_id)?;
        let id = DpaId::parse(dpa_id)?;
        let at = now();
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let current = custos_store::vendors::get_dpa(tx, &id)
                    .await?
                    .filter(|d| d.vendor_id == vid)
                    .ok_or(ServiceError::NotFound { resource: "agreement" })?;
                let mut next = apply_dpa(&input, current.clone())?;
                let fields = crate::ledger::changed_fields(&dpa_doc(&current), &dpa_doc(&next));
                if fields.is_empty() {
                    return Ok((current, None));
                }
                next.updated_at = at;
                if !custos_store::vendors::update_dpa(tx, &next).await? {
                    return Err(ServiceError::NotFound { resource: "agreement" });
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::DpaUpdated,
                    &at,
                    json!({"dpa_id": id.to_string(), "vendor_id": vid.to_string(), "changed": fields, "actor": by.actor}),
                );
                Ok((next, Some(custos_store::ledger::append_leaf(tx, leaf).await?)))
            })
            .await?;
        if receipt.is_some() {
            // The change is committed: a failed alert check is logged, and the hourly sweep retries.
            if let Err(e) = self.sweep(at).await {
                tracing::error!(error = %e, "checking vendor alerts after a change failed");
            }
        }
        let mut view = view_of(record, &today_of(&at));
        view.receipt = receipt;
        Ok(view)
    }

    /// What the gate needs to decide a release to `vendor_id` on the day of `at`; 422 naming
    /// `recipient.vendor_id` when there is no such vendor.
    pub(crate) async fn recipient(&self, vendor_id: &VendorId, at: &Timestamp) -> Result<RecipientFacts, ServiceError> {
        let (v, dpas) = self
            .0
            .read(async |tx| {
                let v = custos_store::vendors::get(tx, vendor_id).await?;
                let d = custos_store::vendors::dpas_of(tx, vendor_id).await?;
                Ok((v, d))
            })
            .await?;
        let v = v.ok_or_else(|| ServiceError::unprocessable("recipient.vendor_id", format!("no vendor `{vendor_id}` in the register")))?;
        let today = today_of(at);
        let dpas: Vec<DpaView> = dpas.into_iter().map(|d| view_of(d, &today)).collect();
        facts_of(&v, &dpas)
    }

    /// Fires what holds on the day of `at` and settles what no longer does: an agreement that
    /// expires within [`EXPIRY_NOTICE_DAYS`] (`dpa_expiring`) or has expired while still
    /// marked active (`dpa_expired`), a transfer outside the EEA without a mechanism that works
    /// there (`transfer_without_mechanism`), and a processor with no agreement in force
    /// (`no_valid_dpa`). The server runs this every hour and after each change; tests with
    /// their own clock. The number of alerts fired.
    pub async fn sweep(&self, at: Timestamp) -> Result<usize, ServiceError> {
        let today = today_of(&at);
        self.0
            .write(async |tx| {
                let vendors = custos_store::vendors::list(tx, SWEEP_LIMIT).await?;
                let dpas = custos_store::vendors::active_dpas(tx, SWEEP_LIMIT).await?;
                let complete = vendors.len() < SWEEP_LIMIT as usize && dpas.len() < SWEEP_LIMIT as usize;
                let mut holding: BTreeSet<(String, String)> = BTreeSet::new();
                let mut fired = 0;
                let name_of = |id: &VendorId| vendors.iter().find(|v| &v.vendor_id == id).map_or_else(|| id.to_string(), |v| v.name.clone());
                let mut firings: Vec<Pending> = Vec::new();
                for d in dpas.into_iter().map(|d| view_of(d, &today)) {
                    let kind = AgreementKind::parse(&d.dpa.kind).map_or("agreement", |k| k.label());
                    let vendor = name_of(&d.dpa.vendor_id);
                    let about = d.dpa.dpa_id.to_string();
                    match d.expires_in_days {
                        Some(n) if n < 0 => firings.push((
                            "dpa_expired",
                            about.clone(),
                            format!("The {} with {vendor} expired on {}.", kind.to_lowercase(), long_date(d.dpa.expires_on.as_deref())),
                            Some(n as f64),
                            Some(0.0),
                        )),
                        Some(n) if n <= EXPIRY_NOTICE_DAYS && d.in_force => firings.push((
                            "dpa_expiring",
                            about.clone(),
                            format!(
                                "The {} with {vendor} expires on {} (in {n} day{}).",
                                kind.to_lowercase(),
                                long_date(d.dpa.expires_on.as_deref()),
                                if n == 1 { "" } else { "s" }
                            ),
                            Some(n as f64),
                            Some(EXPIRY_NOTICE_DAYS as f64),
                        )),
                        _ => {}
                    }
                    if d.transfer == TransferStatus::Uncovered {
                        firings.push((
                            "transfer_without_mechanism",
                            about,
                            format!(
                                "Data that goes to {vendor} is processed in {}, outside the EEA, without a transfer mechanism (GDPR Art. 44-46).",
                                d.dpa.country
                            ),
                            None,
                            None,
                        ));
                    }
                }
                for v in vendors.iter().filter(|v| v.status == "active") {
                    let role = VendorRole::parse(&v.role).ok();
                    if !matches!(role, Some(VendorRole::Processor | VendorRole::SubProcessor)) {
                        continue;
                    }
                    let dpas: Vec<DpaView> =
                        custos_store::vendors::dpas_of(tx, &v.vendor_id).await?.into_iter().map(|d| view_of(d, &today)).collect();
                    if let Some(r) = newest_approved_review(tx, &v.vendor_id).await?
                        && r.result.get("outcome").and_then(serde_json::Value::as_str) == Some(vendor_review::Outcome::Insufficient.as_str())
                    {
                        firings.push((
                            "guarantees_insufficient",
                            v.vendor_id.to_string(),
                            format!(
                                "The approved due-diligence review of {} found its guarantees not sufficient (GDPR Art. 28(1)): {}",
                                v.name,
                                first_finding(&r)
                            ),
                            None,
                            None,
                        ));
                    }
                    if !dpas.iter().any(|d| d.dpa.kind == AgreementKind::Dpa.as_str() && d.in_force) {
                        firings.push((
                            "no_valid_dpa",
                            v.vendor_id.to_string(),
                            format!("{} processes data for the business without a data processing agreement in force (GDPR Art. 28).", v.name),
                            None,
                            None,
                        ));
                    }
                }
                for (kind, about, message, value, threshold) in firings {
                    holding.insert((kind.to_owned(), about.clone()));
                    let f = crate::alerts::Firing { source: AlertSource::Vendors, kind, about: &about, message, value, threshold };
                    if crate::alerts::fire(tx, f, &at).await?.is_some() {
                        fired += 1;
                    }
                }
                if complete {
                    let firing =
                        custos_store::alerts::list(tx, Some(AlertSource::Vendors), Some(custos_core::AlertState::Firing), 10_000).await?;
                    for a in firing.iter().filter(|a| !holding.contains(&(a.kind.clone(), a.about.clone()))) {
                        crate::alerts::settle(tx, AlertSource::Vendors, &a.kind, &a.about, &at).await?;
                    }
                }
                Ok(fired)
            })
            .await
    }
}

/// The newest due-diligence review of a vendor, whatever its status.
async fn newest_review(tx: &mut custos_store::Tx, id: &VendorId) -> Result<Option<AssessmentRecord>, ServiceError> {
    Ok(custos_store::assessments::list(tx, About::Vendor(id), 1_000)
        .await?
        .into_iter()
        .find(|a| a.questionnaire == vendor_review::VENDOR_KEY))
}

/// The newest approved due-diligence review of a vendor: the one that stands. One sent back
/// for review (the vendor changed) still stands until a new one is approved.
async fn newest_approved_review(tx: &mut custos_store::Tx, id: &VendorId) -> Result<Option<AssessmentRecord>, ServiceError> {
    use crate::assessments::AssessmentStatus::{Approved, NeedsReview};
    Ok(custos_store::assessments::list(tx, About::Vendor(id), 1_000)
        .await?
        .into_iter()
        .find(|a| a.questionnaire == vendor_review::VENDOR_KEY && (a.status == Approved.as_str() || a.status == NeedsReview.as_str())))
}

/// The most serious finding of a review, in words.
fn first_finding(r: &AssessmentRecord) -> String {
    r.result.pointer("/findings/0/text").and_then(serde_json::Value::as_str).unwrap_or("see the review").to_owned()
}

/// An alert the sweep found holding: kind, what it is about, message, value and threshold.
type Pending = (&'static str, String, String, Option<f64>, Option<f64>);

fn long_date(d: Option<&str>) -> String {
    d.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map_or_else(String::new, |d| d.format("%-d %B %Y").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dpa() -> DpaRecord {
        DpaRecord {
            dpa_id: DpaId::new(),
            vendor_id: VendorId::new(),
            kind: "dpa".into(),
            signed_on: "2026-01-01".into(),
            expires_on: Some("2027-01-01".into()),
            country: "DE".into(),
            transfer_mechanism: "not_needed".into(),
            data_categories: vec!["user.contact.email".into()],
            reference: String::new(),
            status: "active".into(),
            created_by: "key:k".into(),
            created_at: now(),
            updated_at: now(),
        }
    }

    fn field_of(e: ServiceError) -> String {
        match e {
            ServiceError::Invalid(v) | ServiceError::Unprocessable(v) => v.field().to_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn agreements_are_in_force_between_their_dates() {
        let v = |d: DpaRecord, today: &str| view_of(d, today);
        assert!(!v(dpa(), "2025-12-31").in_force, "not yet signed");
        assert!(v(dpa(), "2026-01-01").in_force && v(dpa(), "2027-01-01").in_force, "both ends count");
        assert!(!v(dpa(), "2027-01-02").in_force, "expired");
        assert_eq!(v(dpa(), "2026-12-02").expires_in_days, Some(30));
        assert!(!v(DpaRecord { status: "terminated".into(), ..dpa() }, "2026-06-01").in_force);
        assert!(v(DpaRecord { expires_on: None, ..dpa() }, "2099-06-01").in_force);
        let us = DpaRecord { country: "US".into(), transfer_mechanism: "none".into(), ..dpa() };
        assert_eq!(v(us, "2026-06-01").transfer, TransferStatus::Uncovered);
    }

    #[test]
    fn agreements_are_checked() {
        let bad = |i: DpaInput| field_of(apply_dpa(&i, dpa()).expect_err("refused"));
        assert_eq!(bad(DpaInput { expires_on: Some("2025-01-01".into()), ..Default::default() }), "expires_on");
        assert_eq!(bad(DpaInput { signed_on: Some("1 May 2026".into()), ..Default::default() }), "signed_on");
        assert_eq!(bad(DpaInput { country: Some("USA".into()), ..Default::default() }), "country");
        assert_eq!(bad(DpaInput { country: Some("US".into()), ..Default::default() }), "transfer_mechanism");
        let adequacy = DpaInput { country: Some("IN".into()), transfer_mechanism: Some("adequacy".into()), ..Default::default() };
        assert_eq!(bad(adequacy), "transfer_mechanism");
        assert_eq!(bad(DpaInput { transfer_mechanism: Some("contract".into()), ..Default::default() }), "transfer_mechanism");
        assert_eq!(bad(DpaInput { data_categories: Some(vec![]), ..Default::default() }), "data_categories");
        assert_eq!(bad(DpaInput { kind: Some("nda".into()), ..Default::default() }), "kind");
        let ok = apply_dpa(
            &DpaInput { country: Some("US".into()), transfer_mechanism: Some("standard_contractual_clauses".into()), ..Default::default() },
            dpa(),
        )
        .expect("valid");
        assert_eq!(ok.transfer_mechanism, "standard_contractual_clauses");
    }
}

//! The gate check use case: gather what custos knows, let the policy engine decide, release
//! minimized (and possibly pseudonymized) data, persist the check.

use std::collections::BTreeMap;

use custos_core::{ApiKeyId, CheckId, DataCategory, LedgerEvent, PurposeKey, Timestamp, now};
pub use custos_policy::{Decision, Reason, ReasonCode};
use custos_policy::{Objections, SubjectState, evaluate};
use custos_store::CheckRecord;
use serde_json::Value;

use crate::{Receipt, Service, ServiceError, purposes::parse_categories, subjects::parse_subject_id};

/// Asks whether a purpose may use a subject's data.
#[derive(Debug, Clone, Default)]
pub struct GateCheckInput {
    /// Whose data.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// Which data categories are wanted.
    pub data_categories: Vec<String>,
    /// The model that will decide with the data (with `model_version`): the gate denies with
    /// `model_not_approved` unless that version may decide.
    pub model: Option<String>,
    /// The model's version.
    pub model_version: Option<String>,
    /// The vendor that receives the released data (`recipient.vendor_id`), if it leaves the
    /// business: the vendor register decides whether it may (`no_valid_dpa`,
    /// `no_joint_arrangement`, `recipient_not_declared`).
    pub recipient: Option<String>,
    /// The IAB TCF vendor (its id in the Global Vendor List) that receives the released data:
    /// the subject's latest TC string must give it consent or legitimate interest for each
    /// TCF purpose the purpose maps to, as publisher restrictions allow
    /// (`tcf_vendor_not_allowed`).
    pub tcf_vendor_id: Option<u16>,
}

/// The gate's answer.
#[derive(Debug, Clone)]
pub struct GateCheckView {
    /// Id of the persisted check (quoted when logging a decision).
    pub check_id: CheckId,
    /// Allow or deny.
    pub decision: Decision,
    /// Why, most decisive first.
    pub reasons: Vec<Reason>,
    /// The released data: only requested, allowed, non-audit-only categories; tokens for
    /// pseudonymizing purposes.
    pub released: BTreeMap<String, Value>,
    /// Where the check was recorded in the ledger.
    pub receipt: Option<Receipt>,
}

/// A persisted gate check, as listed and exported.
#[derive(Debug, Clone)]
pub struct CheckView {
    /// Id.
    pub check_id: CheckId,
    /// Purpose asked for.
    pub purpose: String,
    /// Categories requested.
    pub requested: Vec<DataCategory>,
    /// Allow or deny.
    pub decision: Decision,
    /// Why.
    pub reasons: Vec<Reason>,
    /// Categories released.
    pub released: Vec<DataCategory>,
    /// When.
    pub checked_at: Timestamp,
}

impl CheckView {
    /// The typed view of a stored check.
    pub(crate) fn of(c: CheckRecord) -> Result<Self, ServiceError> {
        Ok(Self {
            check_id: c.check_id,
            purpose: c.purpose,
            requested: c.requested,
            decision: Decision::parse(&c.decision).map_err(|e| ServiceError::internal(format!("stored check decision: {e}")))?,
            reasons: serde_json::from_value(c.reasons).map_err(|e| ServiceError::internal(format!("stored check reasons: {e}")))?,
            released: c.released,
            checked_at: c.checked_at,
        })
    }
}

/// The gate every AI use of customer data passes, and its check log.
#[derive(Clone, Copy)]
pub struct Gate<'a>(pub(crate) &'a Service);

impl Gate<'_> {
    /// Decides whether `input.purpose` may use the subject's `input.data_categories` and
    /// persists the check. A deny is a normal answer, not an error; only an unknown subject or
    /// malformed input is an error. `gpc` is a `Sec-GPC: 1` header on the request.
    ///
    /// The decision is taken on a consistent snapshot and the check is then written durably;
    /// a consent change that commits in between is ordered after this check.
    pub async fn check(&self, input: GateCheckInput, gpc: bool, caller: Option<ApiKeyId>) -> Result<GateCheckView, ServiceError> {
        let subject_id = parse_subject_id("subject_id", &input.subject_id)?;
        let purpose_key = PurposeKey::parse(&input.purpose)?;
        let requested = parse_categories("data_categories", &input.data_categories)?;
        let model = match (&input.model, &input.model_version) {
            (None, None) => None,
            (Some(m), Some(v)) => {
                crate::check_token("model", m)?;
                crate::check_token("model_version", v)?;
                Some((m.clone(), v.clone()))
            }
            (Some(_), None) => return Err(ServiceError::invalid("model_version", "is required with `model`")),
            (None, Some(_)) => return Err(ServiceError::invalid("model", "is required with `model_version`")),
        };
        // The same lifecycle check as the decision log: a version that may not decide gets no data.
        let model_refusal = match &model {
            Some((m, v)) => match self.0.models().admit(m, v).await {
                Ok(_) => None,
                Err(ServiceError::Unprocessable(e)) => Some(e.message().to_owned()),
                Err(other) => return Err(other),
            },
            None => None,
        };

        let recipient = input
            .recipient
            .as_deref()
            .map(|v| custos_core::VendorId::parse(v).map_err(|e| ServiceError::invalid("recipient.vendor_id", e.message())))
            .transpose()?;
        let recipient_facts = match &recipient {
            Some(id) => Some(self.0.vendors().recipient(id, &now()).await?),
            None => None,
        };
        let purpose = self.0.purposes().cached(purpose_key.as_str()).await?;
        // One statement, no transaction: the facts and the sealed values come together; values
        // are decrypted only for what the decision releases.
        let (facts, sealed) =
            self.0.store.gate_facts(&subject_id, purpose_key.as_str()).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
        let state = subject_state(&facts, &sealed, &purpose_key, purpose.is_some());
        // The signal is the subject's opt-out of sale and sharing from now on (CCPA regulations
        // § 7025): recorded the first time it is seen, before the check that saw it.
        if gpc && !facts.gpc && !facts.erased {
            self.0.subjects().record_gpc(&subject_id, "gate_check").await?;
        }
        let mut decision = evaluate(&self.0.config.gate, &state, purpose.as_ref(), &requested, gpc);
        if let Some(s) = self.0.oversight().stopping(&purpose_key).await? {
            // The stop button outranks every basis: nothing is released while it holds.
            decision.decision = Decision::Deny;
            decision.released.clear();
            decision.reasons.insert(
                0,
                Reason {
                    code: ReasonCode::Suspended,
                    message: format!("A person suspended this purpose on {} (stop button).", custos_core::format_timestamp(&s.created_at)),
                },
            );
        }
        if let Some(message) = model_refusal {
            decision.decision = Decision::Deny;
            decision.released.clear();
            let mut message = message;
            if let Some(first) = message.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            decision.reasons.insert(0, Reason { code: ReasonCode::ModelNotApproved, message: format!("{message}.") });
        }
        // Data that leaves the business goes only where the vendor register allows it.
        if decision.decision == Decision::Allow
            && let Some(facts) = &recipient_facts
        {
            let categories: Vec<DataCategory> = decision.released.iter().map(|r| r.category.clone()).collect();
            if let Some(reason) = custos_policy::recipient::refusal(facts, &purpose_key, &categories) {
                decision.decision = Decision::Deny;
                decision.released.clear();
                decision.reasons.insert(0, reason);
            }
        }
        if decision.decision == Decision::Allow
            && let Some(vendor) = input.tcf_vendor_id
            && let Some(reason) = self.tcf_refusal(&subject_id, &purpose_key, vendor).await?
        {
            decision.decision = Decision::Deny;
            decision.released.clear();
            decision.reasons.insert(0, reason);
        }
        let mut released = BTreeMap::new();
        if decision.decision == Decision::Allow && !decision.released.is_empty() {
            let categories: Vec<_> = decision.released.iter().map(|r| r.category.clone()).collect();
            let values = self.0.store.open_values(&subject_id, &facts, &sealed, &categories)?;
            let pseudonymizer = self.0.store.keyring().pseudonymizer(&purpose_key);
            for release in &decision.released {
                if let Some(value) = values.get(&release.category) {
                    let out = if release.pseudonymize {
                        let text = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        Value::String(pseudonymizer.token(release.category.as_str(), &text))
                    } else {
                        value.clone()
                    };
                    released.insert(release.category.to_string(), out);
                }
            }
        }

        let reasons = decision.reasons;
        let record = CheckRecord {
            check_id: CheckId::new(),
            subject_id,
            purpose: purpose_key.to_string(),
            requested,
            decision: decision.decision.as_str().to_owned(),
            reasons: serde_json::to_value(&reasons).unwrap_or(Value::Null),
            released: decision.released.iter().map(|r| r.category.clone()).collect(),
            gpc,
            key_id: caller,
            checked_at: now(),
            recipient,
        };
        let check_id = record.check_id;
        let leaf = check_leaf(&record, &reasons, gpc);
        let receipt = self.0.store.append_check(record, leaf).await?;
        Ok(GateCheckView { check_id, decision: decision.decision, reasons, released, receipt: Some(receipt) })
    }

    /// Why a TCF vendor may not receive the subject's data for the purpose, if it may not: the
    /// latest TC string must cover every TCF purpose the purpose maps to for that vendor (with
    /// the vendor list version it names, when uploaded).
    async fn tcf_refusal(
        &self,
        subject: &custos_core::SubjectId,
        purpose: &PurposeKey,
        vendor: u16,
    ) -> Result<Option<Reason>, ServiceError> {
        let refuse = |message: String| Ok(Some(Reason { code: ReasonCode::TcfVendorNotAllowed, message }));
        let mapped = custos_consent_signals::mapping::tcf_purposes_for(purpose.as_str());
        if mapped.is_empty() {
            return refuse(format!(
                "The purpose maps to no TCF purpose, so no TC string can allow TCF vendor {vendor} to receive data for it."
            ));
        }
        let Some(tc) = self.0.signals().latest_tc(subject).await? else {
            return refuse(format!(
                "No TC string was received for the subject, so TCF vendor {vendor} has no consent or legitimate interest."
            ));
        };
        let list = self.0.signals().vendor_list(tc.vendor_list_version).await?;
        for p in mapped {
            if let Err(why) = custos_consent_signals::gvl::vendor_basis(&tc, list.as_deref(), vendor, p) {
                let mut message = why.to_string();
                if let Some(first) = message.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                return refuse(format!("{message}."));
            }
        }
        Ok(None)
    }

    /// A subject's latest gate checks (at most `limit`), newest first.
    pub async fn checks_of_subject(&self, subject_id: &str, limit: u32) -> Result<Vec<CheckView>, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        let indexed = self.0.store.indexed_checks(&id)?;
        let mut checks = self.0.read(async |tx| Ok(custos_store::checks::for_subject(tx, &id, indexed.as_ref(), 100_000).await?)).await?;
        checks.sort_by_key(|c| std::cmp::Reverse(c.checked_at));
        checks.truncate(limit as usize);
        checks.into_iter().map(CheckView::of).collect()
    }
}

/// What the gate knows of a subject, as the policy engine reads it.
fn subject_state(
    facts: &custos_store::GateFacts,
    sealed: &custos_store::SealedValues,
    purpose_key: &PurposeKey,
    declared: bool,
) -> SubjectState {
    SubjectState {
        jurisdiction: facts.jurisdiction.clone(),
        erased: facts.erased,
        restricted: facts.restricted,
        objections: Objections {
            purposes: if facts.objection_purpose { vec![purpose_key.clone()] } else { Vec::new() },
            profiling: facts.objection_profiling,
            direct_marketing: facts.objection_direct_marketing,
        },
        opted_out_of_sale_or_share: facts.opted_out_of_sale_or_share,
        gpc: facts.gpc,
        consent: if declared { facts.consent } else { None },
        consent_overrides_gpc: facts.consent_overrides_gpc,
        held: sealed.iter().map(|(c, _)| c.clone()).collect(),
    }
}

/// Who a bulk use of data (a segment export, a private statistic) may include: per subject,
/// the values the gate releases; and how many were left out, by the decisive reason.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    /// Per subject included, the released values of the requested categories (a category the
    /// subject has no value for, or that was withheld, is missing).
    pub rows: Vec<BTreeMap<DataCategory, Value>>,
    /// Who each row is (the subject ids, in the order of `rows`).
    pub subjects: Vec<custos_core::SubjectId>,
    /// Subjects the segment's jurisdictions and filter matched before the gate decided.
    pub considered: u64,
    /// Subjects the gate left out, by reason code.
    pub excluded: BTreeMap<String, u64>,
}

/// Most subjects one bulk selection reads: a request's cost is bounded.
pub(crate) const MAX_SELECTION: u64 = 200_000;

/// What a bulk selection asks of the gate.
pub(crate) struct SelectionAsk<'a> {
    /// The purpose.
    pub purpose: &'a PurposeKey,
    /// The categories to release (fields and filtered categories).
    pub requested: &'a [DataCategory],
    /// Only subjects in these jurisdictions (a country also matches its subdivisions); empty:
    /// all.
    pub jurisdictions: &'a [String],
    /// Per category, the values a subject's released value must be one of.
    pub filter: &'a BTreeMap<DataCategory, Vec<String>>,
    /// The vendor receiving the data, if it leaves the business.
    pub recipient: Option<&'a custos_core::VendorId>,
    /// The IAB TCF vendor receiving it.
    pub tcf_vendor_id: Option<u16>,
}

/// A released value as text (strings as they are, other JSON as written).
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Gate<'_> {
    /// Evaluates the gate for every subject under `ask.purpose`, as [`Gate::check`] would for
    /// each (consent, restrictions, objections, opt-outs, the stop button, the recipient's
    /// agreements and TCF consent), without recording a check per subject: the caller records
    /// the bulk use once, in the ledger. A suspended purpose selects no one (422).
    pub(crate) async fn select(&self, ask: &SelectionAsk<'_>) -> Result<Selection, ServiceError> {
        if let Some(s) = self.0.oversight().stopping(ask.purpose).await? {
            return Err(ServiceError::unprocessable(
                "purpose",
                format!(
                    "a person suspended this purpose on {} (stop button); nothing is released while it holds",
                    custos_core::format_timestamp(&s.created_at)
                ),
            ));
        }
        let purpose = self
            .0
            .purposes()
            .cached(ask.purpose.as_str())
            .await?
            .ok_or_else(|| ServiceError::unprocessable("purpose", format!("no purpose `{}` is declared", ask.purpose)))?;
        let recipient_facts = match ask.recipient {
            Some(id) => Some(self.0.vendors().recipient(id, &now()).await?),
            None => None,
        };
        let mut out = Selection::default();
        let mut after: Option<custos_core::SubjectId> = None;
        let pseudonymizer = self.0.store.keyring().pseudonymizer(ask.purpose);
        loop {
            let page = self.0.read(async |tx| Ok(custos_store::subjects::page(tx, after.as_ref(), 1000).await?)).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.subject_id);
            for subject in &page {
                let j = subject.jurisdiction.as_str();
                if !ask.jurisdictions.is_empty()
                    && !ask.jurisdictions.iter().any(|w| w == j || j.split_once('-').is_some_and(|(country, _)| country == w))
                {
                    continue;
                }
                out.considered += 1;
                if out.considered > MAX_SELECTION {
                    return Err(ServiceError::unprocessable(
                        "segment",
                        format!("the segment holds more than {MAX_SELECTION} subjects; narrow its jurisdictions or filter"),
                    ));
                }
                let Some((facts, sealed)) = self.0.store.gate_facts(&subject.subject_id, ask.purpose.as_str()).await? else { continue };
                let state = subject_state(&facts, &sealed, ask.purpose, true);
                let mut decision = evaluate(&self.0.config.gate, &state, Some(&purpose), ask.requested, false);
                if decision.decision == Decision::Allow
                    && let Some(facts) = &recipient_facts
                {
                    let categories: Vec<DataCategory> = decision.released.iter().map(|r| r.category.clone()).collect();
                    if let Some(reason) = custos_policy::recipient::refusal(facts, ask.purpose, &categories) {
                        decision.decision = Decision::Deny;
                        decision.reasons.insert(0, reason);
                    }
                }
                if decision.decision == Decision::Allow
                    && let Some(vendor) = ask.tcf_vendor_id
                    && let Some(reason) = self.tcf_refusal(&subject.subject_id, ask.purpose, vendor).await?
                {
                    decision.decision = Decision::Deny;
                    decision.reasons.insert(0, reason);
                }
                if decision.decision != Decision::Allow {
                    let code = decision.reasons.first().map_or("denied", |r| r.code.as_str());
                    *out.excluded.entry(code.to_owned()).or_default() += 1;
                    continue;
                }
                let categories: Vec<DataCategory> = decision.released.iter().map(|r| r.category.clone()).collect();
                let values = self.0.store.open_values(&subject.subject_id, &facts, &sealed, &categories)?;
                let mut row = BTreeMap::new();
                for release in &decision.released {
                    if let Some(value) = values.get(&release.category) {
                        let v = if release.pseudonymize {
                            Value::String(pseudonymizer.token(release.category.as_str(), &value_text(value)))
                        } else {
                            value.clone()
                        };
                        row.insert(release.category.clone(), v);
                    }
                }
                let matches = ask.filter.iter().all(|(c, allowed)| row.get(c).is_some_and(|v| allowed.contains(&value_text(v))));
                if !matches {
                    *out.excluded.entry("segment_filter".to_owned()).or_default() += 1;
                    continue;
                }
                out.rows.push(row);
                out.subjects.push(subject.subject_id);
            }
        }
        Ok(out)
    }
}

/// The ledger leaf of a gate check: what was asked and answered, with the reason codes (the
/// subject's id, no values).
pub(crate) fn check_leaf(record: &CheckRecord, reasons: &[Reason], gpc: bool) -> Vec<u8> {
    crate::ledger::event_at(
        LedgerEvent::GateCheck,
        &record.checked_at,
        crate::ledger::subject_fields(
            &record.subject_id,
            serde_json::json!({
                "check_id": record.check_id.to_string(),
                "purpose": record.purpose,
                "decision": record.decision,
                "reasons": reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
                "requested": record.requested.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "released": record.released.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "gpc": gpc,
                "recipient": record.recipient.as_ref().map(ToString::to_string),
                "key_id": record.key_id.as_ref().map(ToString::to_string),
            }),
        ),
    )
}

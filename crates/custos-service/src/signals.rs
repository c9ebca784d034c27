//! Consent signals from consent management platforms: a TC string (IAB TCF) or a GPP string
//! decoded strictly, stored sealed as proof, and turned into what custos enforces: consent
//! events per purpose, objections for purposes under legitimate interest, opt-outs of sale and
//! sharing. Nothing changes when a string breaks a rule (422 naming it) or changes nothing.

use custos_consent_signals::{Mode, Violation};
use custos_core::{ConsentStatus, DsrType, EventId, LedgerEvent, LegalBasis, Method, ObjectionScope, now};
use serde_json::{Value, json};
use std::sync::Arc;

use custos_consent_signals::gvl::VendorList;
pub use custos_store::signals::VendorListRecord;

use crate::{Receipt, Service, ServiceError, subjects::parse_subject_id};

/// Longest string accepted (real TC strings are well under 4 KiB; GPP strings with every
/// section under 8 KiB).
pub const MAX_SIGNAL_CHARS: usize = 64 * 1024;

/// A consent signal received for a subject.
#[derive(Debug, Clone, Default)]
pub struct SignalInput {
    /// Whose.
    pub subject_id: String,
    /// A TC string (TCF v2.2/v2.3).
    pub tc_string: Option<String>,
    /// A GPP string.
    pub gpp_string: Option<String>,
    /// Where it came from (the CMP, the site).
    pub source: Option<String>,
    /// `strict` (default): a TC string naming a vendor list version never uploaded, or vendors
    /// that version does not hold, is refused. `lenient`: accepted with a warning. The strings'
    /// own rules are always strict.
    pub mode: Option<String>,
}

/// One thing a signal changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SignalEffect {
    /// The purpose.
    pub purpose: Option<String>,
    /// `granted`, `denied`, `objection` or `opted_out_of_sale_or_share`.
    pub effect: String,
    /// Why, in words (which TCF purpose or GPP field).
    pub because: String,
}

/// What a signal did.
#[derive(Debug, Clone)]
pub struct SignalView {
    /// The stored signal's id.
    pub signal_id: String,
    /// SHA-256 of the string(s) as received (the proof's digest).
    pub signal_sha256: String,
    /// What changed (empty when the subject's state already matched).
    pub effects: Vec<SignalEffect>,
    /// Rules lenient mode let pass (`gvl_version_unknown: ...`).
    pub warnings: Vec<String>,
    /// The ledger entry.
    pub receipt: Receipt,
}

/// What the decoded strings say, reduced to what custos acts on.
#[derive(Debug, Default)]
struct Said {
    /// TCF purposes consented to and under legitimate interest (when a TC string came).
    tcf: Option<(Vec<u8>, Vec<u8>)>,
    /// The TC strings read (the field they came in), checked against their vendor lists.
    tc_strings: Vec<(&'static str, custos_consent_signals::TcString)>,
    sale_or_share_opt_out: Option<String>,
    targeted_advertising_opt_out: Option<String>,
    sensitive_opt_out: Option<String>,
}

fn strict(field: &'static str, s: &str) -> Result<(), ServiceError> {
    if s.is_empty() || s.len() > MAX_SIGNAL_CHARS {
        return Err(ServiceError::invalid(field, format!("must be 1-{MAX_SIGNAL_CHARS} characters")));
    }
    Ok(())
}

fn refused(field: &'static str, v: Violation) -> ServiceError {
    ServiceError::unprocessable(field, format!("{}: {}", v.rule, v.detail))
}

/// Reads what a GPP string says: its TC string, and the opt-outs of its US sections (the
/// national one and every state's: an opt-out anywhere counts).
fn read_gpp(g: &custos_consent_signals::GppString, said: &mut Said) {
    for (name, section) in &g.sections {
        if name == "tcfeuv2" {
            if let Ok(tc) = serde_json::from_value::<custos_consent_signals::TcString>(section.clone()) {
                said.tcf = Some((tc.purpose_consents.clone(), tc.purpose_legitimate_interests.clone()));
                said.tc_strings.push(("gpp_string", tc));
            }
            continue;
        }
        if name == "uspv1" {
            if section.get("opt_out_sale").and_then(Value::as_str) == Some("Y") {
                said.sale_or_share_opt_out = Some("uspv1 opt_out_sale = Y".into());
            }
            continue;
        }
        let is = |field: &str| section.get(field).and_then(Value::as_u64) == Some(1);
        for field in ["sale_opt_out", "sharing_opt_out"] {
            if is(field) {
                said.sale_or_share_opt_out = Some(format!("{name} {field} = 1"));
            }
        }
        if section.get("gpc").and_then(Value::as_bool) == Some(true) {
            said.sale_or_share_opt_out = Some(format!("{name} gpc = 1"));
        }
        if is("targeted_advertising_opt_out") {
            said.targeted_advertising_opt_out = Some(format!("{name} targeted_advertising_opt_out = 1"));
        }
        let sensitive =
            section.get("sensitive_data_processing").and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v.as_u64() == Some(1)));
        if sensitive {
            said.sensitive_opt_out = Some(format!("{name} sensitive_data_processing opted out"));
        }
    }
}

impl Service {
    /// Consent signals.
    pub fn signals(&self) -> Signals<'_> {
        Signals(self)
    }
}

/// Consent signals (see the module docs).
pub struct Signals<'a>(&'a Service);

impl Signals<'_> {
    /// Decodes and records a signal for a subject.
    pub async fn record(&self, input: SignalInput, caller: Option<custos_core::ApiKeyId>) -> Result<SignalView, ServiceError> {
        let subject_id = parse_subject_id("subject_id", &input.subject_id)?;
        if input.tc_string.is_none() && input.gpp_string.is_none() {
            return Err(ServiceError::invalid("tc_string", "send a `tc_string` or a `gpp_string`"));
        }
        if let Some(source) = &input.source
            && (source.len() > 200 || source.chars().any(char::is_control))
        {
            return Err(ServiceError::invalid("source", "must be at most 200 characters without control characters"));
        }
        let mut said = Said::default();
        if let Some(s) = &input.tc_string {
            strict("tc_string", s)?;
            if custos_consent_signals::kind(s).ok() != Some(custos_consent_signals::Kind::Tcf) {
                return Err(ServiceError::unprocessable("tc_string", "wrong_version: not a TC string (version 2)"));
            }
            let d = custos_consent_signals::tcf::decode(s, Mode::Strict).map_err(|v| refused("tc_string", v))?;
            said.tcf = Some((d.value.purpose_consents.clone(), d.value.purpose_legitimate_interests.clone()));
            said.tc_strings.push(("tc_string", d.value));
        }
        if let Some(s) = &input.gpp_string {
            strict("gpp_string", s)?;
            let d = custos_consent_signals::gpp::decode(s, Mode::Strict).map_err(|v| refused("gpp_string", v))?;
            read_gpp(&d.value, &mut said);
        }
        let lenient = match input.mode.as_deref() {
            None | Some("strict") => false,
            Some("lenient") => true,
            Some(_) => return Err(ServiceError::invalid("mode", "must be `strict` or `lenient`")),
        };
        // Each TC string against the vendor list version it names.
        let mut warnings = Vec::new();
        for (field, tc) in &said.tc_strings {
            let problem = match self.vendor_list(tc.vendor_list_version).await? {
                None => Violation {
                    rule: custos_consent_signals::Rule::GvlVersionUnknown,
                    detail: format!("vendor list version {} was never uploaded (POST /v1/tcf/gvl)", tc.vendor_list_version),
                },
                Some(list) => match custos_consent_signals::gvl::check(tc, &list) {
                    Ok(()) => continue,
                    Err(v) => v,
                },
            };
            if lenient {
                warnings.push(format!("{}: {}", problem.rule, problem.detail));
            } else {
                return Err(refused(field, problem));
            }
        }
        let text = format!("{}~~{}", input.tc_string.as_deref().unwrap_or(""), input.gpp_string.as_deref().unwrap_or(""));
        let digest = crate::ledger::sha256_hex(text.as_bytes());
        let at = now();
        let signal_id = EventId::new().to_string();
        let method = if input.tc_string.is_some() { "tcf" } else { "gpp" };
        let (effects, receipt) = self
            .0
            .write(async |tx| {
                let subject = crate::subjects::live(tx, &subject_id).await?;
                let purposes = custos_store::purposes::all(tx).await?;
                let mut effects = Vec::new();
                for p in &purposes {
                    let key = p.purpose.as_str();
                    let current = custos_store::consents::current_status(tx, &subject_id, &p.purpose).await?;
                    let mut want: Option<(ConsentStatus, String)> = None;
                    if let Some((consents, legitimate)) = &said.tcf {
                        let mapped = custos_consent_signals::mapping::tcf_purposes_for(key);
                        if !mapped.is_empty() {
                            let names = mapped.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
                            match p.legal_basis {
                                LegalBasis::Consent => {
                                    let yes = mapped.iter().all(|t| consents.contains(t));
                                    want = Some((
                                        if yes { ConsentStatus::Granted } else { ConsentStatus::Denied },
                                        format!("TCF purpose {names} {}", if yes { "consented" } else { "not consented" }),
                                    ));
                                }
                                LegalBasis::LegitimateInterest
                                    if !mapped.iter().all(|t| legitimate.contains(t))
                                        && !subject.objected_purposes.contains(&p.purpose) =>
                                {
                                    custos_store::subjects::set_right(
                                        tx,
                                        &subject_id,
                                        DsrType::Objection,
                                        Some((ObjectionScope::Purpose, Some(&p.purpose))),
                                        &at,
                                    )
                                    .await?;
                                    effects.push(SignalEffect {
                                        purpose: Some(key.into()),
                                        effect: "objection".into(),
                                        because: format!("TCF purpose {names}: legitimate interest objected to"),
                                    });
                                }
                                _ => {}
                            }
                        }
                    }
                    // US opt-outs are refusals for the purposes they name.
                    let opt_out = [
                        (p.sale_or_share, &said.sale_or_share_opt_out),
                        (key.starts_with("marketing.advertising"), &said.targeted_advertising_opt_out),
                        (p.sensitive, &said.sensitive_opt_out),
                    ]
                    .into_iter()
                    .find_map(|(applies, why)| if applies { why.clone() } else { None });
                    if let Some(why) = opt_out {
                        want = Some((ConsentStatus::Denied, format!("opted out ({why})")));
                    }
                    let Some((status, because)) = want else { continue };
                    if current == Some(status) || (status == ConsentStatus::Denied && current == Some(ConsentStatus::Withdrawn)) {
                        continue;
                    }
                    // A grant after a refusal is a grant; a refusal after a grant is a withdrawal.
                    let status = if status == ConsentStatus::Denied && current == Some(ConsentStatus::Granted) {
                        ConsentStatus::Withdrawn
                    } else {
                        status
                    };
                    let event = custos_store::ConsentEvent {
                        event_id: EventId::new(),
                        subject_id,
                        purpose: p.purpose.clone(),
                        status,
                        method: Method::parse("method", method)?,
                        notice_version: format!("{method}-signal"),
                        notice_language: "und".into(),
                        notice_text_sha256: digest.clone(),
                        source: input.source.clone(),
                        gpc: false,
                        overrides_gpc: false,
                        captured_at: at,
                        recorded_at: at,
                    };
                    custos_store::consents::insert_event(tx, &event).await?;
                    custos_store::ledger::append_leaf(tx, crate::consents::consent_leaf(&event)).await?;
                    effects.push(SignalEffect { purpose: Some(key.into()), effect: status.as_str().into(), because });
                }
                if let Some(why) = &said.sale_or_share_opt_out
                    && !subject.opted_out_of_sale_or_share
                {
                    custos_store::subjects::set_right(tx, &subject_id, DsrType::OptOutOfSaleOrShare, None, &at).await?;
                    effects.push(SignalEffect { purpose: None, effect: "opted_out_of_sale_or_share".into(), because: why.clone() });
                }
                custos_store::signals::insert(
                    tx,
                    &custos_store::signals::NewSignal {
                        signal_id: &signal_id,
                        subject_id: &subject_id,
                        kind: method,
                        signal: &text,
                        signal_sha256: &digest,
                        source: input.source.as_deref(),
                        key_id: caller.as_ref(),
                        received_at: &at,
                    },
                )
                .await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::SignalRecorded,
                    &at,
                    crate::ledger::subject_fields(
                        &subject_id,
                        json!({"signal_id": signal_id, "kind": method, "signal_sha256": digest,
                        "effects": effects.iter().map(|e| json!({"purpose": e.purpose, "effect": e.effect})).collect::<Vec<_>>()}),
                    ),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok((effects, receipt))
            })
            .await?;
        Ok(SignalView { signal_id, signal_sha256: digest, effects, warnings, receipt })
    }

    /// A stored Global Vendor List version (read once, then from memory).
    pub async fn vendor_list(&self, version: u16) -> Result<Option<Arc<VendorList>>, ServiceError> {
        if let Some(l) = self.0.vendor_lists.read().ok().and_then(|c| c.get(&version).cloned()) {
            return Ok(Some(l));
        }
        let Some(stored) = self.0.read(async |tx| Ok(custos_store::signals::vendor_list(tx, i64::from(version)).await?)).await? else {
            return Ok(None);
        };
        let vendors =
            serde_json::from_str(&stored.vendors).map_err(|e| ServiceError::internal(format!("stored vendor list {version}: {e}")))?;
        let list = Arc::new(VendorList {
            vendor_list_version: version,
            gvl_specification_version: u8::try_from(stored.gvl_specification_version).unwrap_or(0),
            tcf_policy_version: u8::try_from(stored.tcf_policy_version).unwrap_or(0),
            last_updated: stored.last_updated,
            vendors,
        });
        if let Ok(mut cache) = self.0.vendor_lists.write() {
            cache.insert(version, list.clone());
        }
        Ok(Some(list))
    }

    /// Stores a version of the IAB's Global Vendor List (`vendor-list.json`) as uploaded: read
    /// strictly, kept reduced to the vendors and what they declare, a ledger event. The same
    /// file again changes nothing; another file for a stored version is a conflict.
    pub async fn load_vendor_list(&self, file: &[u8]) -> Result<VendorListView, ServiceError> {
        if file.len() > MAX_VENDOR_LIST_BYTES {
            return Err(ServiceError::invalid("gvl", format!("must be at most {} MiB", MAX_VENDOR_LIST_BYTES >> 20)));
        }
        let list =
            custos_consent_signals::gvl::parse(file).map_err(|v| ServiceError::invalid("gvl", format!("{}: {}", v.rule, v.detail)))?;
        let record = custos_store::signals::VendorListRecord {
            vendor_list_version: i64::from(list.vendor_list_version),
            gvl_specification_version: i64::from(list.gvl_specification_version),
            tcf_policy_version: i64::from(list.tcf_policy_version),
            last_updated: list.last_updated.clone(),
            vendors: serde_json::to_string(&list.vendors).map_err(ServiceError::internal)?,
            vendor_count: i64::try_from(list.vendors.len()).unwrap_or(i64::MAX),
            file_sha256: crate::ledger::sha256_hex(file),
            uploaded_at: now(),
        };
        self.0
            .write(async |tx| {
                if let Some(stored) = custos_store::signals::vendor_list(tx, record.vendor_list_version).await? {
                    if stored.file_sha256 != record.file_sha256 {
                        return Err(ServiceError::Conflict(format!(
                            "vendor list version {} is already stored from another file (SHA-256 {})",
                            stored.vendor_list_version, stored.file_sha256
                        )));
                    }
                    return Ok(VendorListView {
                        list: VendorListRecord { vendors: String::new(), ..stored },
                        created: false,
                        receipt: None,
                    });
                }
                custos_store::signals::insert_vendor_list(tx, &record).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::VendorListLoaded,
                    &record.uploaded_at,
                    json!({"vendor_list_version": record.vendor_list_version, "vendor_count": record.vendor_count,
                           "file_sha256": record.file_sha256}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(VendorListView {
                    list: VendorListRecord { vendors: String::new(), ..record.clone() },
                    created: true,
                    receipt: Some(receipt),
                })
            })
            .await
    }

    /// The stored vendor list versions, newest first.
    pub async fn vendor_lists(&self) -> Result<Vec<VendorListRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::signals::vendor_lists(tx).await?)).await
    }

    /// The subject's latest TC string (sent directly or inside a GPP string), decoded; none if
    /// the latest signals hold none.
    pub(crate) async fn latest_tc(
        &self,
        subject_id: &custos_core::SubjectId,
    ) -> Result<Option<custos_consent_signals::TcString>, ServiceError> {
        let latest = self.0.read(async |tx| Ok(custos_store::signals::latest_of_subject(tx, subject_id, 20).await?)).await?;
        for (_, _, text) in latest {
            let Some(text) = text else { continue };
            let (tc, gpp) = text.split_once("~~").unwrap_or((text.as_str(), ""));
            if !tc.is_empty() {
                return Ok(custos_consent_signals::tcf::decode(tc, Mode::Lenient).ok().map(|d| d.value));
            }
            if !gpp.is_empty() {
                let mut said = Said::default();
                if let Ok(d) = custos_consent_signals::gpp::decode(gpp, Mode::Lenient) {
                    read_gpp(&d.value, &mut said);
                }
                if let Some((_, tc)) = said.tc_strings.pop() {
                    return Ok(Some(tc));
                }
            }
        }
        Ok(None)
    }

    /// A subject's signals as received, oldest first: (signal id, `tcf` or `gpp`, the text; none
    /// once the subject was erased).
    pub async fn of_subject(&self, subject_id: &str) -> Result<Vec<(String, String, Option<String>)>, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        self.0.read(async |tx| Ok(custos_store::signals::of_subject(tx, &id).await?)).await
    }
}

/// Largest vendor list file accepted (the IAB's is about 1 MiB).
pub const MAX_VENDOR_LIST_BYTES: usize = 16 << 20;

/// A stored vendor list version, and whether this upload stored it.
#[derive(Debug, Clone)]
pub struct VendorListView {
    /// The version (its `vendors` left empty).
    pub list: VendorListRecord,
    /// This upload stored it (false: the same file was already stored).
    pub created: bool,
    /// The ledger entry (new versions only).
    pub receipt: Option<Receipt>,
}

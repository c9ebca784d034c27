//! The AI inventory: AI systems (use cases) — what each is for, what data it uses, which
//! models it runs, its role under the AI Act, who it faces and its risk tier. Every change is a
//! ledger event. The risk tier is entered by hand until the impact assessment's classifier
//! fills it.

use custos_core::{AiSystemId, LedgerEvent, PurposeKey, now};
pub use custos_store::ai_systems::AiSystemRecord;
use serde_json::json;

use crate::purposes::{check_label, parse_categories};
use crate::{Receipt, Service, ServiceError};

/// Roles under the AI Act (Art. 3(3)-(4)).
pub const AI_ACT_ROLES: [&str; 3] = ["deployer", "provider", "provider_and_deployer"];
/// Risk tiers (AI Act: prohibited practices Art. 5, high-risk Art. 6, transparency Art. 50).
pub const RISK_TIERS: [&str; 5] = ["minimal", "limited", "high", "prohibited", "unknown"];
/// Roles that may be required to sign off a model version.
pub const SIGNING_ROLES: [custos_core::Role; 5] = [
    custos_core::Role::Legal,
    custos_core::Role::Compliance,
    custos_core::Role::PrivacyOfficer,
    custos_core::Role::Security,
    custos_core::Role::Admin,
];
/// Most entries in each list of an AI system.
pub const MAX_LIST: usize = 100;

/// Records an AI system, or (every field optional) changes one.
#[derive(Debug, Clone, Default)]
pub struct AiSystemInput {
    /// What people call it (unique).
    pub name: Option<String>,
    /// What it does, for whom.
    pub description: Option<String>,
    /// The person accountable for it.
    pub business_owner: Option<String>,
    /// Purposes it serves (declared purposes).
    pub purposes: Option<Vec<String>>,
    /// Data categories it uses (fideslang).
    pub data_categories: Option<Vec<String>>,
    /// Models it runs (registry names).
    pub models: Option<Vec<String>>,
    /// `deployer` (default), `provider` or `provider_and_deployer`.
    pub ai_act_role: Option<String>,
    /// Whether its output reaches customers.
    pub customer_facing: Option<bool>,
    /// Whether customers interact with it directly.
    pub direct_interaction: Option<bool>,
    /// ISO 3166 codes where it is used.
    pub jurisdictions: Option<Vec<String>>,
    /// `minimal`, `limited`, `high`, `prohibited` or `unknown` (default).
    pub risk_tier: Option<String>,
    /// Staff roles whose sign-off its models' approvals need (default `legal` and `compliance`).
    pub required_roles: Option<Vec<String>>,
    /// Months an approval of its models holds (default 12; 0: until withdrawn).
    pub approval_months: Option<u32>,
    /// What decisions under a lapsed approval do: `alert` (default), `review` or `refuse`.
    pub on_expiry: Option<String>,
    /// The validation policy its models are judged by (default: the built-in one).
    pub validation_policy: Option<custos_validate::Policy>,
}

/// An AI system with, for a write, where the change was recorded.
#[derive(Debug, Clone)]
pub struct AiSystemView {
    /// The record.
    pub ai_system: AiSystemRecord,
    /// The ledger receipt (writes only).
    pub receipt: Option<Receipt>,
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ServiceError> {
    if allowed.contains(&value) { Ok(()) } else { Err(ServiceError::invalid(field, format!("must be one of {}", allowed.join(", ")))) }
}

pub(crate) fn check_jurisdiction(field: &str, code: &str) -> Result<(), ServiceError> {
    let (country, region) = code.split_once('-').map_or((code, None), |(c, r)| (c, Some(r)));
    let ok = country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && region.is_none_or(|r| (1..=3).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    if ok { Ok(()) } else { Err(ServiceError::invalid(field, format!("{code:?} is not an ISO 3166 code such as DE or US-CA"))) }
}

/// Checks and applies `input` over `base` (a new record's defaults, or the stored one).
fn apply(input: AiSystemInput, mut a: AiSystemRecord) -> Result<AiSystemRecord, ServiceError> {
    if let Some(v) = input.name {
        check_label("name", &v, 200)?;
        a.name = v;
    }
    if let Some(v) = input.description {
        if v.len() > 10_000 || v.chars().any(|c| c.is_control() && c != '\n') {
            return Err(ServiceError::invalid("description", "must be at most 10000 characters without control characters"));
        }
        a.description = v;
    }
    if let Some(v) = input.business_owner {
        check_label("business_owner", &v, 200)?;
        a.business_owner = v;
    }
    let too_long = |field: &str, n: usize| {
        if n > MAX_LIST { Err(ServiceError::invalid(field, format!("at most {MAX_LIST} entries"))) } else { Ok(()) }
    };
    if let Some(v) = input.purposes {
        too_long("purposes", v.len())?;
        for (i, p) in v.iter().enumerate() {
            PurposeKey::parse(p).map_err(|e| ServiceError::invalid(&format!("purposes[{i}]"), e.message()))?;
        }
        a.purposes = v;
        a.purposes.sort();
        a.purposes.dedup();
    }
    if let Some(v) = input.data_categories {
        too_long("data_categories", v.len())?;
        a.data_categories = parse_categories("data_categories", &v)?.iter().map(|c| c.as_str().to_owned()).collect();
    }
    if let Some(v) = input.models {
        too_long("models", v.len())?;
        for m in &v {
            crate::check_token("models", m)?;
        }
        a.models = v;
        a.models.sort();
        a.models.dedup();
    }
    if let Some(v) = input.ai_act_role {
        one_of("ai_act_role", &v, &AI_ACT_ROLES)?;
        a.ai_act_role = v;
    }
    if let Some(v) = input.customer_facing {
        a.customer_facing = v;
    }
    if let Some(v) = input.direct_interaction {
        a.direct_interaction = v;
    }
    if let Some(v) = input.jurisdictions {
        too_long("jurisdictions", v.len())?;
        for j in &v {
            check_jurisdiction("jurisdictions", j)?;
        }
        a.jurisdictions = v;
        a.jurisdictions.sort();
        a.jurisdictions.dedup();
    }
    if let Some(v) = input.risk_tier {
        one_of("risk_tier", &v, &RISK_TIERS)?;
        a.risk_tier = v;
    }
    if let Some(v) = input.required_roles {
        let mut roles = Vec::with_capacity(v.len());
        for r in &v {
            let role = custos_core::Role::parse(r).map_err(|e| ServiceError::invalid("required_roles", e.message()))?;
            if !SIGNING_ROLES.contains(&role) {
                return Err(ServiceError::invalid("required_roles", format!("`{}` does not sign off models", role.as_str())));
            }
            roles.push(role.as_str().to_owned());
        }
        roles.sort();
        roles.dedup();
        if roles.len() < 2 {
            // Two roles, so two different people: one person cannot approve alone.
            return Err(ServiceError::invalid("required_roles", "name at least two different roles (two people sign)"));
        }
        a.required_roles = roles;
    }
    if let Some(v) = input.approval_months {
        if v > 120 {
            return Err(ServiceError::invalid("approval_months", "at most 120 months (0: until withdrawn)"));
        }
        a.approval_months = v;
    }
    if let Some(v) = input.on_expiry {
        custos_core::OnExpiry::parse(&v).map_err(|e| ServiceError::invalid("on_expiry", e.message()))?;
        a.on_expiry = v;
    }
    if let Some(v) = input.validation_policy {
        let fractions = [v.max_group_ece, v.max_flip_rate_upper, v.max_dpd, v.max_noise_flip_rate, v.max_monotonicity_violations];
        if fractions.iter().chain(v.min_auc.iter()).any(|x| !(x.is_finite() && (0.0..=1.0).contains(x))) {
            return Err(ServiceError::invalid("validation_policy", "rates and bounds lie between 0 and 1"));
        }
        if !(1..=3650).contains(&v.max_report_age_days) {
            return Err(ServiceError::invalid("validation_policy", "max_report_age_days lies between 1 and 3650"));
        }
        a.validation_policy = Some(serde_json::to_value(&v).map_err(|e| ServiceError::invalid("validation_policy", e.to_string()))?);
    }
    if a.direct_interaction && !a.customer_facing {
        return Err(ServiceError::invalid("customer_facing", "a system customers interact with directly is customer-facing"));
    }
    Ok(a)
}

fn ledger_doc(a: &AiSystemRecord) -> serde_json::Value {
    json!({
        "ai_system_id": a.ai_system_id.to_string(),
        "name": a.name,
        "business_owner": a.business_owner,
        "purposes": a.purposes,
        "data_categories": a.data_categories,
        "models": a.models,
        "ai_act_role": a.ai_act_role,
        "customer_facing": a.customer_facing,
        "direct_interaction": a.direct_interaction,
        "jurisdictions": a.jurisdictions,
        "risk_tier": a.risk_tier,
        "required_roles": a.required_roles,
        "approval_months": a.approval_months,
        "on_expiry": a.on_expiry,
        "validation_policy": a.validation_policy,
    })
}

/// The AI inventory.
#[derive(Clone, Copy)]
pub struct AiSystems<'a>(pub(crate) &'a Service);

impl AiSystems<'_> {
    /// Records an AI system: `name`, `description` and `business_owner` are required; purposes
    /// must be declared (422 otherwise); a ledger event.
    pub async fn create(&self, input: AiSystemInput) -> Result<AiSystemView, ServiceError> {
        for (field, given) in [("name", &input.name), ("description", &input.description), ("business_owner", &input.business_owner)] {
            if given.is_none() {
                return Err(ServiceError::invalid(field, "is required"));
            }
        }
        let at = now();
        let base = AiSystemRecord {
            ai_system_id: AiSystemId::new(),
            name: String::new(),
            description: String::new(),
            business_owner: String::new(),
            purposes: Vec::new(),
            data_categories: Vec::new(),
            models: Vec::new(),
            ai_act_role: "deployer".into(),
            customer_facing: false,
            direct_interaction: false,
            jurisdictions: Vec::new(),
            risk_tier: "unknown".into(),
            required_roles: crate::approvals::DEFAULT_REQUIRED_ROLES.iter().map(|r| r.as_str().to_owned()).collect(),
            approval_months: 12,
            on_expiry: custos_core::OnExpiry::Alert.as_str().to_owned(),
            validation_policy: None,
            created_at: at,
            updated_at: at,
        };
        let record = apply(input, base)?;
        let leaf = crate::ledger::event_at(LedgerEvent::AiSystemCreated, &at, ledger_doc(&record));
        let stored = record.clone();
        let receipt = self
            .0
            .write(async |tx| {
                check_purposes(tx, &stored.purposes).await?;
                custos_store::ai_systems::insert(tx, &stored).await.map_err(|e| conflict(e, &stored.name))?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        Ok(AiSystemView { ai_system: record, receipt: Some(receipt) })
    }

    /// Changes the given fields of an AI system; a ledger event naming what changed (none
    /// changed: nothing is recorded).
    pub async fn update(&self, ai_system_id: &str, input: AiSystemInput) -> Result<AiSystemView, ServiceError> {
        let id = AiSystemId::parse(ai_system_id)?;
        let at = now();
        // Read, change and write in one transaction: two changes at once cannot lose either.
        let view = self
            .0
            .write(async |tx| {
                let current = custos_store::ai_systems::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "AI system" })?;
                let mut changed = apply(input.clone(), current.clone())?;
                let before = ledger_doc(&current);
                let after = ledger_doc(&changed);
                let fields: serde_json::Map<String, serde_json::Value> = crate::ledger::changed_fields(&before, &after);
                if fields.is_empty() {
                    return Ok(AiSystemView { ai_system: current, receipt: None });
                }
                changed.updated_at = at;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::AiSystemUpdated,
                    &changed.updated_at,
                    json!({"ai_system_id": id.to_string(), "changed": fields}),
                );
                check_purposes(tx, &changed.purposes).await?;
                if !custos_store::ai_systems::update(tx, &changed).await.map_err(|e| conflict(e, &changed.name))? {
                    return Err(ServiceError::NotFound { resource: "AI system" });
                }
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                // Its approved impact assessments are looked at again.
                crate::assessments::subject_changed(
                    tx,
                    custos_store::assessments::About::AiSystem(&id),
                    &fields.keys().cloned().collect::<Vec<_>>(),
                    &at,
                )
                .await?;
                Ok(AiSystemView { ai_system: changed, receipt: Some(receipt) })
            })
            .await;
        // What a lapsed approval does may have changed for its models.
        self.0.lifecycles.forget();
        view
    }

    /// One AI system.
    pub async fn get(&self, ai_system_id: &str) -> Result<AiSystemRecord, ServiceError> {
        let id = AiSystemId::parse(ai_system_id)?;
        self.0
            .read(async |tx| Ok(custos_store::ai_systems::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "AI system" })
    }

    /// The inventory, by name (at most 1,000).
    pub async fn list(&self) -> Result<Vec<AiSystemRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::ai_systems::list(tx, 1_000).await?)).await
    }
}

async fn check_purposes(tx: &mut custos_store::Tx, purposes: &[String]) -> Result<(), ServiceError> {
    for p in purposes {
        if custos_store::purposes::get(tx, p).await?.is_none() {
            return Err(ServiceError::unprocessable("purposes", format!("purpose `{p}` does not exist")));
        }
    }
    Ok(())
}

fn conflict(e: custos_store::StoreError, name: &str) -> ServiceError {
    match e {
        custos_store::StoreError::Conflict => ServiceError::Conflict(format!("an AI system named `{name}` exists already")),
        other => other.into(),
    }
}

/// Disclosures served and not yet stored: `(AI system, language, day YYYY-MM-DD) -> count`.
pub type ServeCounts = std::collections::HashMap<(AiSystemId, String, String), i64>;

/// Longest disclosure text, in characters.
pub const MAX_DISCLOSURE_CHARS: usize = 4_000;

/// An AI disclosure as published, with how often it was served.
#[derive(Debug, Clone)]
pub struct DisclosureView {
    /// The AI system's name.
    pub ai_system: String,
    /// The version in one language.
    pub disclosure: custos_store::disclosures::Disclosure,
    /// Times served over the last 30 days (stored counts; the last minute's may be missing).
    pub served_30d: i64,
    /// Where the publication was recorded (write responses only).
    pub receipt: Option<Receipt>,
}

impl AiSystems<'_> {
    /// Publishes a disclosure text for a customer-facing AI system in a language (AI Act Art.
    /// 50(1): people are told they interact with an AI system): a new version, a ledger event.
    pub async fn publish_disclosure(&self, ai_system_id: &str, language: &str, body: &str) -> Result<DisclosureView, ServiceError> {
        let id = AiSystemId::parse(ai_system_id)?;
        if !crate::purposes::is_language_tag(language) {
            return Err(ServiceError::invalid("language", "must be a BCP 47 language tag such as `en` or `pt-BR`"));
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_DISCLOSURE_CHARS {
            return Err(ServiceError::invalid("text", format!("must be 1-{MAX_DISCLOSURE_CHARS} characters")));
        }
        let sha = crate::ledger::sha256_hex(body.as_bytes());
        let at = now();
        self.0
            .write(async |tx| {
                let system = custos_store::ai_systems::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "AI system" })?;
                if !system.customer_facing && !system.direct_interaction {
                    return Err(ServiceError::unprocessable(
                        "ai_system_id",
                        format!("`{}` is not customer-facing: mark it so before publishing a disclosure", system.name),
                    ));
                }
                let d = custos_store::disclosures::publish(tx, &id, language, body, &sha, &at).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::AiDisclosurePublished,
                    &at,
                    json!({"ai_system_id": id.to_string(), "language": d.language, "version": d.version, "text_sha256": d.text_sha256}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(DisclosureView { ai_system: system.name, disclosure: d, served_30d: 0, receipt: Some(receipt) })
            })
            .await
    }

    /// The latest disclosure in each language of an AI system, with how often each was served
    /// over the last 30 days.
    pub async fn disclosures(&self, ai_system_id: &str) -> Result<Vec<DisclosureView>, ServiceError> {
        let id = AiSystemId::parse(ai_system_id)?;
        let since = day_of(&(now() - chrono::Duration::days(30)));
        self.0
            .read(async |tx| {
                let system = custos_store::ai_systems::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "AI system" })?;
                let served = custos_store::disclosures::served_since(tx, &id, &since).await?;
                Ok(custos_store::disclosures::latest(tx, &id)
                    .await?
                    .into_iter()
                    .map(|d| DisclosureView {
                        ai_system: system.name.clone(),
                        served_30d: served.iter().find(|(l, _)| *l == d.language).map_or(0, |(_, n)| *n),
                        disclosure: d,
                        receipt: None,
                    })
                    .collect())
            })
            .await
    }

    /// The disclosure to show, for anyone (a chatbot or a campaign embeds it): the AI system by
    /// id or name, the first of `languages` (the caller's preference, best first) it is
    /// published in, else English, else its earliest language. Counted as served.
    pub async fn serve_disclosure(&self, ai_system: &str, languages: &[String]) -> Result<DisclosureView, ServiceError> {
        if ai_system.is_empty() || ai_system.len() > 200 {
            return Err(ServiceError::invalid("ai_system", "must be an AI system's id or name"));
        }
        let (system, published) = self
            .0
            .read(async |tx| {
                let system = match AiSystemId::parse(ai_system) {
                    Ok(id) => custos_store::ai_systems::get(tx, &id).await?,
                    Err(_) => custos_store::ai_systems::by_name(tx, ai_system).await?,
                };
                let Some(system) = system else { return Ok((None, Vec::new())) };
                let published = custos_store::disclosures::latest(tx, &system.ai_system_id).await?;
                Ok((Some(system), published))
            })
            .await?;
        let system = system.ok_or(ServiceError::NotFound { resource: "AI system" })?;
        let pick = languages
            .iter()
            .find_map(|want| {
                published.iter().find(|d| d.language.eq_ignore_ascii_case(want)).or_else(|| {
                    // `de-AT` is served `de`; `de` is served `de-DE` when that is all there is.
                    let primary = want.split('-').next().unwrap_or(want);
                    published.iter().find(|d| d.language.split('-').next().unwrap_or(&d.language).eq_ignore_ascii_case(primary))
                })
            })
            .or_else(|| published.iter().find(|d| d.language == "en"))
            .or_else(|| published.iter().min_by_key(|d| d.published_at))
            .cloned()
            .ok_or(ServiceError::NotFound { resource: "AI disclosure" })?;
        let key = (system.ai_system_id, pick.language.clone(), day_of(&now()));
        *self.0.disclosure_serves.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(key).or_insert(0) += 1;
        Ok(DisclosureView { ai_system: system.name, disclosure: pick, served_30d: 0, receipt: None })
    }

    /// Stores the serve counts gathered since the last flush (every minute, and at shutdown).
    /// Counts whose write fails are put back for the next flush.
    pub async fn flush_disclosure_serves(&self) -> Result<(), ServiceError> {
        let counts: Vec<_> = {
            let mut pending = self.0.disclosure_serves.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            std::mem::take(&mut *pending).into_iter().map(|((id, lang, day), n)| (id, lang, day, n)).collect()
        };
        if counts.is_empty() {
            return Ok(());
        }
        let written = self.0.write(async |tx| Ok(custos_store::disclosures::add_serves(tx, &counts).await?)).await;
        if written.is_err() {
            let mut pending = self.0.disclosure_serves.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for (id, lang, day, n) in counts {
                *pending.entry((id, lang, day)).or_insert(0) += n;
            }
        }
        written
    }
}

/// A day as `YYYY-MM-DD` (UTC).
fn day_of(t: &custos_core::Timestamp) -> String {
    custos_core::format_timestamp(t).chars().take(10).collect()
}

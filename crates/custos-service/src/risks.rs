//! The risk register: risks per AI system (or for the business as a whole), scored on 1-5
//! likelihood and impact before and after their mitigations, each with an owner (a staff
//! member), a review date and a status. A risk can be raised from an alert (monitoring,
//! fairness, oversight figures) or an incident in one step, and keeps the link. Every change is
//! a ledger event.

use chrono::{Datelike, Days, NaiveDate};
use custos_core::{AiSystemId, AlertId, LedgerEvent, RiskId, Timestamp, now};
pub use custos_store::risks::{Mitigation, RiskFilter, RiskRecord};
use serde_json::json;

use crate::purposes::check_label;
use crate::{Receipt, Service, ServiceError};

custos_core::vocabulary! {
    /// What kind of harm a risk is about.
    pub enum RiskCategory: "category" {
        /// People's privacy and data protection.
        Privacy = "privacy" ("Privacy"),
        /// Confidentiality, integrity or availability of systems and data.
        Security = "security" ("Security"),
        /// Unfair treatment of groups of people.
        Bias = "bias" ("Bias and fairness"),
        /// The business's standing with customers and the public.
        Reputational = "reputational" ("Reputation"),
        /// Breaking a law or a contract.
        Legal = "legal" ("Legal"),
        /// Running the business: errors, outages, wrong outputs.
        Operational = "operational" ("Operational"),
    }
}

custos_core::vocabulary! {
    /// Where a risk stands.
    pub enum RiskStatus: "status" {
        /// Recorded, nothing decided yet.
        Open = "open" ("Open"),
        /// Mitigations are being put in place.
        Mitigating = "mitigating" ("Being mitigated"),
        /// The residual risk was accepted by its owner.
        Accepted = "accepted" ("Accepted"),
        /// No longer a risk (gone, or fully treated).
        Closed = "closed" ("Closed"),
    }
}

/// Days until a new risk's first review unless one is given.
pub const DEFAULT_REVIEW_DAYS: u64 = 90;
/// Most mitigations per risk.
pub const MAX_MITIGATIONS: usize = 50;

/// Records a risk, or (every field optional) changes one.
#[derive(Debug, Clone, Default)]
pub struct RiskInput {
    /// The AI system it belongs to (empty string on a change: the business as a whole).
    pub ai_system_id: Option<String>,
    /// A short name.
    pub title: Option<String>,
    /// What could happen, to whom, and why.
    pub description: Option<String>,
    /// One of [`RiskCategory`].
    pub category: Option<String>,
    /// 1-5 before mitigation.
    pub likelihood: Option<u8>,
    /// 1-5 before mitigation.
    pub impact: Option<u8>,
    /// 1-5 after mitigation.
    pub residual_likelihood: Option<u8>,
    /// 1-5 after mitigation.
    pub residual_impact: Option<u8>,
    /// The staff member accountable (an email or an account id).
    pub owner: Option<String>,
    /// What is done about it (replaces the list on a change).
    pub mitigations: Option<Vec<Mitigation>>,
    /// One of [`RiskStatus`] (default `open`).
    pub status: Option<String>,
    /// Next review (`YYYY-MM-DD`; default 90 days from today).
    pub review_on: Option<String>,
}

/// Who records a risk: the ledger's actor, and the person (their email) when a person does.
#[derive(Debug, Clone)]
pub struct RecordedBy {
    /// `staff:<id>` or `key:<id>`.
    pub actor: String,
    /// The person's email (the owner by default).
    pub email: Option<String>,
}

impl From<&crate::Principal> for RecordedBy {
    fn from(p: &crate::Principal) -> Self {
        Self { actor: p.actor(), email: p.staff.as_ref().map(|s| s.email.clone()) }
    }
}

impl From<&crate::staff::StaffIdentity> for RecordedBy {
    fn from(s: &crate::staff::StaffIdentity) -> Self {
        Self { actor: format!("staff:{}", s.user_id), email: Some(s.email.clone()) }
    }
}

/// A risk with, for a write, where the change was recorded.
#[derive(Debug, Clone)]
pub struct RiskView {
    /// The record.
    pub risk: RiskRecord,
    /// The ledger receipt (writes that changed something).
    pub receipt: Option<Receipt>,
}

fn scale(field: &str, v: u8) -> Result<u8, ServiceError> {
    if (1..=5).contains(&v) { Ok(v) } else { Err(ServiceError::invalid(field, "must be 1 to 5")) }
}

/// A title made from other text, fitted to the 200 bytes a title may hold: control characters
/// become spaces, and a longer text is cut at a character boundary and ends with "…".
fn fit_title(text: &str) -> String {
    const MAX: usize = 200;
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if clean.len() <= MAX {
        return clean;
    }
    let mut end = MAX - '…'.len_utf8();
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &clean[..end])
}

fn date(field: &str, v: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=9999).contains(&d.year()))
        .ok_or_else(|| ServiceError::invalid(field, "must be a date such as 2027-03-31"))
}

/// Checks and applies `input` over `r` (a new record's defaults or the stored one); the
/// owner is resolved by the caller, inside the transaction.
fn apply(input: &RiskInput, mut r: RiskRecord) -> Result<RiskRecord, ServiceError> {
    if let Some(v) = &input.ai_system_id {
        r.ai_system_id = if v.is_empty() { None } else { Some(AiSystemId::parse(v)?) };
    }
    if let Some(v) = &input.title {
        check_label("title", v, 200)?;
        r.title = v.trim().to_owned();
    }
    if let Some(v) = &input.description {
        crate::check_text("description", v, 10_000, true)?;
        r.description = v.clone();
    }
    if let Some(v) = &input.category {
        r.category = RiskCategory::parse(v).map_err(|e| ServiceError::invalid("category", e.message()))?.as_str().to_owned();
    }
    if let Some(v) = input.likelihood {
        r.likelihood = scale("likelihood", v)?;
    }
    if let Some(v) = input.impact {
        r.impact = scale("impact", v)?;
    }
    if let Some(v) = input.residual_likelihood {
        r.residual_likelihood = Some(scale("residual_likelihood", v)?);
    }
    if let Some(v) = input.residual_impact {
        r.residual_impact = Some(scale("residual_impact", v)?);
    }
    if let Some(list) = &input.mitigations {
        if list.len() > MAX_MITIGATIONS {
            return Err(ServiceError::invalid("mitigations", format!("at most {MAX_MITIGATIONS}")));
        }
        let mut out = Vec::with_capacity(list.len());
        for (i, m) in list.iter().enumerate() {
            let field = |f: &str| format!("mitigations[{i}].{f}");
            crate::check_text(&field("description"), &m.description, 2_000, true)?;
            if let Some(c) = &m.control {
                crate::check_token(&field("control"), c)?;
            }
            let mut m = m.clone();
            if let Some(d) = &m.due_on {
                m.due_on = Some(date(&field("due_on"), d)?.format("%Y-%m-%d").to_string());
            }
            if m.control.is_none() && m.due_on.is_none() {
                return Err(ServiceError::invalid(
                    &field("control"),
                    "link the mitigation to a control, or give the action a due date (`due_on`)",
                ));
            }
            out.push(m);
        }
        r.mitigations = out;
    }
    if let Some(v) = &input.status {
        r.status = RiskStatus::parse(v).map_err(|e| ServiceError::invalid("status", e.message()))?.as_str().to_owned();
    }
    if let Some(v) = &input.review_on {
        // Stored in one form so that the stores can compare dates as text.
        r.review_on = date("review_on", v)?.format("%Y-%m-%d").to_string();
    }
    // Mitigation lowers a risk; it never raises it.
    if r.residual_likelihood.is_some_and(|v| v > r.likelihood) {
        return Err(ServiceError::invalid("residual_likelihood", "cannot exceed the likelihood before mitigation"));
    }
    if r.residual_impact.is_some_and(|v| v > r.impact) {
        return Err(ServiceError::invalid("residual_impact", "cannot exceed the impact before mitigation"));
    }
    if r.residual_likelihood.is_some() != r.residual_impact.is_some() {
        let missing = if r.residual_likelihood.is_none() { "residual_likelihood" } else { "residual_impact" };
        return Err(ServiceError::invalid(missing, "give the residual likelihood and impact together"));
    }
    if r.status == RiskStatus::Accepted.as_str() && r.residual_score().is_none() {
        return Err(ServiceError::unprocessable(
            "status",
            "a risk is accepted at its residual level: assess residual_likelihood and residual_impact first",
        ));
    }
    Ok(r)
}

fn ledger_doc(r: &RiskRecord) -> serde_json::Value {
    json!({
        "risk_id": r.risk_id.to_string(),
        "ai_system_id": r.ai_system_id.as_ref().map(ToString::to_string),
        // The ledger outlives erasure; a title may have come from an incident naming people.
        "title_sha256": crate::ledger::sha256_hex(r.title.as_bytes()),
        "category": r.category,
        "likelihood": r.likelihood,
        "impact": r.impact,
        "inherent_score": r.inherent_score(),
        "residual_likelihood": r.residual_likelihood,
        "residual_impact": r.residual_impact,
        "owner": r.owner,
        "mitigations": r.mitigations.len(),
        "status": r.status,
        "review_on": r.review_on,
        "raised_from": r.raised_from,
        "raised_from_id": r.raised_from_id,
    })
}

/// What an alert from each source is most likely a risk of.
fn category_of(source: custos_core::AlertSource) -> RiskCategory {
    use custos_core::AlertSource as S;
    match source {
        S::Fairness => RiskCategory::Bias,
        S::Monitor | S::Trainings => RiskCategory::Operational,
        S::Oversight | S::Approvals | S::Compliance => RiskCategory::Legal,
        S::Incidents | S::Vendors => RiskCategory::Privacy,
    }
}

/// The risk register.
#[derive(Clone, Copy)]
pub struct Risks<'a>(pub(crate) &'a Service);

impl Risks<'_> {
    /// Records a risk: `title`, `description`, `category`, `likelihood`, `impact` and `owner`
    /// are required (the owner defaults to `by` when a person records it); a ledger event.
    pub async fn create(&self, input: RiskInput, by: &RecordedBy) -> Result<RiskView, ServiceError> {
        self.insert(input, by, None).await
    }

    /// Raises a risk from an alert in one step: title, description and category come from the
    /// alert unless given, likelihood and impact default to 3, the owner to the person asking;
    /// the risk keeps the link. One risk per alert (409 names the one raised before).
    pub async fn raise_from_alert(&self, alert_id: &str, mut input: RiskInput, by: &RecordedBy) -> Result<RiskView, ServiceError> {
        let id = AlertId::parse(alert_id)?;
        let alert = self
            .0
            .read(async |tx| Ok(custos_store::alerts::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "alert" })?;
        let when = alert.fired_at.format("%-d %B %Y").to_string();
        // An incident's clock alert names no incident (alerts are kept in the clear); the risk,
        // which staff read in the register, names it by its title.
        let incident = match alert.source {
            custos_core::AlertSource::Incidents => match alert.about.split('/').next().map(custos_core::IncidentId::parse) {
                Some(Ok(id)) => self.0.read(async |tx| Ok(custos_store::incidents::get(tx, &id).await?)).await?,
                _ => None,
            },
            _ => None,
        };
        let subject = incident.as_ref().map_or_else(|| alert.source.label().to_owned(), |i| format!("Incident \"{}\"", i.title));
        input.title.get_or_insert_with(|| fit_title(&format!("{subject}: {}", alert.message)));
        input.description.get_or_insert_with(|| format!("Raised from the alert fired on {when}: {}", alert.message));
        input.category.get_or_insert_with(|| category_of(alert.source).as_str().to_owned());
        input.likelihood.get_or_insert(3);
        input.impact.get_or_insert(3);
        self.insert(input, by, Some(("alert", alert.alert_id.to_string()))).await
    }

    /// Raises a risk from an incident in one step: title and description from the incident
    /// (never what staff wrote about it), the category from its kind, likelihood 3 and impact
    /// from its severity unless given; the owner defaults to the person asking. One risk per
    /// incident.
    pub async fn raise_from_incident(&self, incident_id: &str, mut input: RiskInput, by: &RecordedBy) -> Result<RiskView, ServiceError> {
        let id = custos_core::IncidentId::parse(incident_id)?;
        let incident = self
            .0
            .read(async |tx| Ok(custos_store::incidents::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "incident" })?;
        let kind = custos_govern::clocks::IncidentKind::parse(&incident.kind).ok();
        input.title.get_or_insert_with(|| fit_title(&format!("Again: {}", incident.title)));
        input.description.get_or_insert_with(|| {
            format!(
                "Raised from the {} \"{}\" the business became aware of on {}: that it could happen again.",
                kind.map_or("incident", |k| k.label()),
                incident.title,
                incident.became_aware_at.format("%-d %B %Y")
            )
        });
        let category = match kind {
            Some(custos_govern::clocks::IncidentKind::PersonalDataBreach) => RiskCategory::Privacy,
            Some(custos_govern::clocks::IncidentKind::SecurityEvent) => RiskCategory::Security,
            Some(custos_govern::clocks::IncidentKind::AiSeriousIncident) => RiskCategory::Legal,
            Some(custos_govern::clocks::IncidentKind::Complaint) => RiskCategory::Reputational,
            _ => RiskCategory::Operational,
        };
        input.category.get_or_insert_with(|| category.as_str().to_owned());
        input.likelihood.get_or_insert(3);
        input.impact.get_or_insert(match incident.severity.as_str() {
            "low" => 2,
            "medium" => 3,
            "high" => 4,
            _ => 5,
        });
        if input.ai_system_id.is_none() && incident.ai_system_ids.len() == 1 {
            input.ai_system_id = incident.ai_system_ids.first().cloned();
        }
        self.insert(input, by, Some(("incident", incident.incident_id.to_string()))).await
    }

    async fn insert(&self, mut input: RiskInput, by: &RecordedBy, source: Option<(&str, String)>) -> Result<RiskView, ServiceError> {
        if input.owner.is_none() {
            input.owner.clone_from(&by.email);
        }
        for (field, given) in [
            ("title", input.title.is_some()),
            ("description", input.description.is_some()),
            ("category", input.category.is_some()),
            ("likelihood", input.likelihood.is_some()),
            ("impact", input.impact.is_some()),
            ("owner", input.owner.is_some()),
        ] {
            if !given {
                return Err(ServiceError::invalid(field, "is required"));
            }
        }
        if input.ai_system_id.as_deref() == Some("") {
            input.ai_system_id = None;
        }
        let at = now();
        let base = RiskRecord {
            risk_id: RiskId::new(),
            ai_system_id: None,
            title: String::new(),
            description: String::new(),
            category: String::new(),
            likelihood: 1,
            impact: 1,
            residual_likelihood: None,
            residual_impact: None,
            owner: String::new(),
            mitigations: Vec::new(),
            status: RiskStatus::Open.as_str().to_owned(),
            review_on: review_default(&at),
            raised_from: source.as_ref().map(|(k, _)| (*k).to_owned()),
            raised_from_id: source.as_ref().map(|(_, id)| id.clone()),
            created_by: by.actor.clone(),
            created_at: at,
            updated_at: at,
        };
        let mut record = apply(&input, base)?;
        let owner = input.owner.clone().unwrap_or_default();
        crate::check_token("owner", &owner)?;
        self.0
            .write(async |tx| {
                if let Some(id) = &record.ai_system_id
                    && custos_store::ai_systems::get(tx, id).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("ai_system_id", format!("no AI system `{id}`")));
                }
                record.owner = crate::lifecycle::resolve_owner(tx, &owner).await?.email;
                if let (Some(kind), Some(id)) = (&record.raised_from, &record.raised_from_id)
                    && let Some(before) = custos_store::risks::raised_from(tx, kind, id).await?
                {
                    return Err(ServiceError::Conflict(format!("a risk was raised from this {kind} already: {}", before.risk_id)));
                }
                custos_store::risks::insert(tx, &record).await?;
                let leaf = crate::ledger::event_at(LedgerEvent::RiskCreated, &at, ledger_doc(&record));
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(RiskView { risk: record.clone(), receipt: Some(receipt) })
            })
            .await
    }

    /// Changes the given fields; a ledger event naming what changed (nothing changed: nothing
    /// is recorded).
    pub async fn update(&self, risk_id: &str, input: RiskInput) -> Result<RiskView, ServiceError> {
        let id = RiskId::parse(risk_id)?;
        if let Some(o) = &input.owner {
            crate::check_token("owner", o)?;
        }
        let at = now();
        self.0
            .write(async |tx| {
                let current = custos_store::risks::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "risk" })?;
                let mut changed = apply(&input, current.clone())?;
                if let Some(o) = &input.owner {
                    changed.owner = crate::lifecycle::resolve_owner(tx, o).await?.email;
                }
                if changed.ai_system_id != current.ai_system_id
                    && let Some(sys) = &changed.ai_system_id
                    && custos_store::ai_systems::get(tx, sys).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("ai_system_id", format!("no AI system `{sys}`")));
                }
                let (before, after) = (ledger_doc(&current), ledger_doc(&changed));
                let mut fields: serde_json::Map<String, serde_json::Value> = crate::ledger::changed_fields(&before, &after);
                if changed.description != current.description {
                    fields.insert("description".into(), json!("changed"));
                }
                if changed.mitigations != current.mitigations {
                    fields.insert("mitigations".into(), json!(changed.mitigations.len()));
                }
                if fields.is_empty() {
                    return Ok(RiskView { risk: current, receipt: None });
                }
                changed.updated_at = at;
                if !custos_store::risks::update(tx, &changed).await? {
                    return Err(ServiceError::NotFound { resource: "risk" });
                }
                let leaf = crate::ledger::event_at(LedgerEvent::RiskUpdated, &at, json!({"risk_id": id.to_string(), "changed": fields}));
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(RiskView { risk: changed, receipt: Some(receipt) })
            })
            .await
    }

    /// One risk.
    pub async fn get(&self, risk_id: &str) -> Result<RiskRecord, ServiceError> {
        let id = RiskId::parse(risk_id)?;
        self.0.read(async |tx| Ok(custos_store::risks::get(tx, &id).await?)).await?.ok_or(ServiceError::NotFound { resource: "risk" })
    }

    /// Risks, highest inherent score first (at most 1,000). `overdue_at`: only risks not closed
    /// whose review date has passed on that day.
    pub async fn list(
        &self,
        ai_system_id: Option<&str>,
        status: Option<&str>,
        overdue_at: Option<Timestamp>,
    ) -> Result<Vec<RiskRecord>, ServiceError> {
        let filter = RiskFilter {
            ai_system_id: ai_system_id.map(AiSystemId::parse).transpose()?,
            status: status
                .map(|s| RiskStatus::parse(s).map(|s| s.as_str().to_owned()).map_err(|e| ServiceError::invalid("status", e.message())))
                .transpose()?,
            review_before: overdue_at.map(|t| t.date_naive().format("%Y-%m-%d").to_string()),
        };
        self.0.read(async |tx| Ok(custos_store::risks::list(tx, &filter, 1_000).await?)).await
    }
}

fn review_default(at: &Timestamp) -> String {
    let day = at.date_naive();
    day.checked_add_days(Days::new(DEFAULT_REVIEW_DAYS)).unwrap_or(day).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> RiskRecord {
        RiskRecord {
            risk_id: RiskId::new(),
            ai_system_id: None,
            title: "t".into(),
            description: "d".into(),
            category: "privacy".into(),
            likelihood: 4,
            impact: 4,
            residual_likelihood: None,
            residual_impact: None,
            owner: "o".into(),
            mitigations: Vec::new(),
            status: "open".into(),
            review_on: "2027-01-01".into(),
            raised_from: None,
            raised_from_id: None,
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
    fn scales_and_residuals_are_checked() {
        let bad = |i: RiskInput| field_of(apply(&i, base()).expect_err("refused"));
        assert_eq!(bad(RiskInput { likelihood: Some(0), ..Default::default() }), "likelihood");
        assert_eq!(bad(RiskInput { impact: Some(6), ..Default::default() }), "impact");
        assert_eq!(bad(RiskInput { residual_likelihood: Some(5), residual_impact: Some(2), ..Default::default() }), "residual_likelihood");
        assert_eq!(bad(RiskInput { residual_likelihood: Some(2), ..Default::default() }), "residual_impact");
        assert_eq!(bad(RiskInput { status: Some("accepted".into()), ..Default::default() }), "status");
        assert_eq!(bad(RiskInput { category: Some("weather".into()), ..Default::default() }), "category");
        assert_eq!(bad(RiskInput { review_on: Some("31/12/2027".into()), ..Default::default() }), "review_on");
        let m = Mitigation { description: "x".into(), control: None, due_on: None, done: false };
        assert_eq!(bad(RiskInput { mitigations: Some(vec![m]), ..Default::default() }), "mitigations[0].control");
        let ok = apply(
            &RiskInput { residual_likelihood: Some(2), residual_impact: Some(3), status: Some("accepted".into()), ..Default::default() },
            base(),
        )
        .expect("valid");
        assert_eq!((ok.inherent_score(), ok.residual_score()), (16, Some(6)));
    }

    #[test]
    fn dates_are_stored_in_one_form_and_kept_in_range() {
        let bad = |i: RiskInput| field_of(apply(&i, base()).expect_err("refused"));
        assert_eq!(bad(RiskInput { review_on: Some("12027-01-01".into()), ..Default::default() }), "review_on");
        assert_eq!(bad(RiskInput { review_on: Some("1969-12-31".into()), ..Default::default() }), "review_on");
        let ok = apply(&RiskInput { review_on: Some("2027-3-5".into()), ..Default::default() }, base());
        // Either refused or stored zero-padded: never stored in a form that sorts wrongly.
        if let Ok(r) = ok {
            assert_eq!(r.review_on, "2027-03-05");
        }
    }

    #[test]
    fn titles_made_from_other_text_fit_a_title() {
        let long = "é".repeat(150); // 300 bytes
        let t = fit_title(&format!("Again: {long}"));
        assert!(t.len() <= 200 && t.ends_with('…'), "{} bytes", t.len());
        check_label("title", &t, 200).expect("a valid title");
        assert_eq!(fit_title("a\nb"), "a b");
        assert_eq!(fit_title("short"), "short");
    }
}

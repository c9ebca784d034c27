//! Impact assessments: versioned questionnaires (data in `custos-govern`) answered for one AI
//! system or, for the vendor due diligence of GDPR Art. 28(1), one vendor. The GDPR Art. 35 DPIA screens with the nine WP248 criteria (two or more: required in
//! most cases; a national Art. 35(4) list counts; the DPO may decide otherwise with a reason)
//! and flags prior consultation (Art. 36) when the residual risk stays high. The AI Act
//! classification explains its tier step by step with articles and names the obligations it
//! triggers, with their dates from the catalog. An assessment goes `draft -> submitted ->
//! approved` (by a privacy officer, a person); a change of its AI system sends approved ones
//! back for review. A high-risk or DPIA-required system cannot have a model approved until its
//! assessment is. A vendor review lists its findings (the contract terms of Art. 28(3),
//! security, transfers, AI training on the data) and concludes `sufficient`, `conditions` or
//! `insufficient`; a change of the vendor sends approved reviews back, and an approved
//! `insufficient` one raises an alert on the vendor (see [`crate::vendors`]).

use custos_core::{AiSystemId, AssessmentId, LedgerEvent, Role, Timestamp, VendorId, now};
use custos_govern::questionnaire::{self, Answers};
use custos_govern::{aiact, dpia, vendor};
use custos_store::assessments::About;
pub use custos_store::assessments::AssessmentRecord;
use serde_json::{Value, json};

use crate::{Receipt, Service, ServiceError};

custos_core::vocabulary! {
    /// Where an assessment stands.
    pub enum AssessmentStatus: "status" {
        /// Being filled in.
        Draft = "draft" ("Draft"),
        /// Complete and waiting for a privacy officer.
        Submitted = "submitted" ("Waiting for approval"),
        /// Approved by a privacy officer.
        Approved = "approved" ("Approved"),
        /// What it assesses (an AI system, a vendor) changed after approval: look at it again.
        NeedsReview = "needs_review" ("Needs review: what it assesses changed"),
    }
}

/// Starts an assessment, or changes one (answers, status).
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    /// The AI system assessed (on creation; `dpia`, `ai_act`).
    pub ai_system_id: Option<String>,
    /// The vendor assessed (on creation; `vendor`).
    pub vendor_id: Option<String>,
    /// `dpia`, `ai_act` or `vendor` (on creation; the latest version is used).
    pub questionnaire: Option<String>,
    /// Answers to merge in (question key -> answer; `null` removes one).
    pub answers: Option<Answers>,
    /// `submitted` (the answers must be complete), `approved` (a privacy officer) or `draft`
    /// (back to work).
    pub status: Option<String>,
}

/// An assessment with, for a write, where the change was recorded.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    /// The record (its `result` is what custos concluded from the answers).
    pub assessment: AssessmentRecord,
    /// The ledger receipt (writes that changed something).
    pub receipt: Option<Receipt>,
}

fn bad_answer(e: questionnaire::AnswerError) -> ServiceError {
    ServiceError::invalid(&format!("answers.{}", e.question), e.message)
}

/// What custos concludes from the answers: the AI Act tier, path and obligations, the DPIA
/// screening and the prior consultation flag, or the vendor review's findings and outcome.
fn conclude(q: &str, answers: &Answers, system_role: &str) -> Value {
    match q {
        aiact::AI_ACT_KEY => {
            let Ok(case) = aiact::use_case(answers) else { return json!({}) };
            let role = aiact::role_answer(answers)
                .ok()
                .flatten()
                .or_else(|| aiact::Role::parse(system_role).ok())
                .unwrap_or(aiact::Role::Deployer);
            let c = aiact::classify(&case, role);
            json!({"role": role.as_str(), "tier": c.tier.as_str(), "transparency": c.transparency, "decided_by": c.decided_by,
                   "path": c.path, "obligations": c.obligations})
        }
        dpia::DPIA_KEY => {
            let s = dpia::screen(answers);
            json!({"screening": s, "residual_high": dpia::residual_high(answers), "prior_consultation": dpia::prior_consultation(answers)})
        }
        vendor::VENDOR_KEY => {
            let r = vendor::review(answers);
            json!({"outcome": r.outcome.as_str(), "findings": r.findings})
        }
        _ => json!({}),
    }
}

fn ledger_doc(a: &AssessmentRecord) -> Value {
    json!({
        "assessment_id": a.assessment_id.to_string(),
        "ai_system_id": a.ai_system_id.map(|id| id.to_string()),
        "vendor_id": a.vendor_id.map(|id| id.to_string()),
        "questionnaire": a.questionnaire,
        "version": a.version,
        "status": a.status,
        "answers_sha256": crate::ledger::sha256_hex(serde_json::to_string(&a.answers).unwrap_or_default().as_bytes()),
        "tier": a.result.get("tier"),
        "dpia_required": a.result.pointer("/screening/required"),
        "prior_consultation": a.result.get("prior_consultation"),
        "outcome": a.result.get("outcome"),
    })
}

/// Impact assessments.
#[derive(Clone, Copy)]
pub struct Assessments<'a>(pub(crate) &'a Service);

impl Assessments<'_> {
    /// Starts an assessment of an AI system (`dpia`, `ai_act`) or a vendor (`vendor`) with the
    /// latest version of a questionnaire; the answers given are checked (not yet for
    /// completeness); a ledger event.
    pub async fn create(&self, input: AssessmentInput, by: &str) -> Result<AssessmentView, ServiceError> {
        let key = input.questionnaire.as_deref().ok_or_else(|| ServiceError::invalid("questionnaire", "is required"))?;
        let q = questionnaire::latest(key).ok_or_else(|| {
            let mut known: Vec<&str> = questionnaire::questionnaires().iter().map(|q| q.key.as_str()).collect();
            known.dedup();
            ServiceError::invalid("questionnaire", format!("must be one of {}", known.join(", ")))
        })?;
        let (system_id, vendor_id) = if q.key == vendor::VENDOR_KEY {
            if input.ai_system_id.is_some() {
                return Err(ServiceError::invalid("ai_system_id", "a vendor review is about a vendor: give `vendor_id` only"));
            }
            let id = input.vendor_id.as_deref().ok_or_else(|| ServiceError::invalid("vendor_id", "is required for a vendor review"))?;
            (None, Some(VendorId::parse(id).map_err(|e| ServiceError::invalid("vendor_id", e.message()))?))
        } else {
            if input.vendor_id.is_some() {
                return Err(ServiceError::invalid(
                    "vendor_id",
                    format!("the {} questionnaire is about an AI system: give `ai_system_id`", q.key),
                ));
            }
            let id = input.ai_system_id.as_deref().ok_or_else(|| ServiceError::invalid("ai_system_id", "is required"))?;
            (Some(AiSystemId::parse(id)?), None)
        };
        if input.status.is_some() {
            return Err(ServiceError::invalid("status", "an assessment starts as a draft; submit it with PATCH"));
        }
        let answers = input.answers.clone().unwrap_or_default();
        let answers: Answers = answers.into_iter().filter(|(_, v)| !v.is_null()).collect();
        questionnaire::check(q, &answers, false).map_err(bad_answer)?;
        let at = now();
        self.0
            .write(async |tx| {
                let mut role = String::new();
                if let Some(system_id) = &system_id {
                    let system = custos_store::ai_systems::get(tx, system_id)
                        .await?
                        .ok_or_else(|| ServiceError::unprocessable("ai_system_id", format!("no AI system `{system_id}`")))?;
                    role = system.ai_act_role;
                }
                if let Some(vendor_id) = &vendor_id
                    && custos_store::vendors::get(tx, vendor_id).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("vendor_id", format!("no vendor `{vendor_id}` in the register")));
                }
                let record = AssessmentRecord {
                    assessment_id: AssessmentId::new(),
                    ai_system_id: system_id,
                    vendor_id,
                    questionnaire: q.key.clone(),
                    version: q.version,
                    status: AssessmentStatus::Draft.as_str().to_owned(),
                    result: conclude(&q.key, &answers, &role),
                    answers: answers.clone(),
                    created_by: by.to_owned(),
                    created_at: at,
                    updated_at: at,
                    submitted_at: None,
                    approved_by: None,
                    approved_at: None,
                    review_reason: None,
                };
                custos_store::assessments::insert(tx, &record).await?;
                let leaf = crate::ledger::event_at(LedgerEvent::AssessmentCreated, &at, ledger_doc(&record));
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(AssessmentView { assessment: record, receipt: Some(receipt) })
            })
            .await
    }

    /// Merges answers (a draft, or one sent back), or moves the assessment: `submitted` (the
    /// answers complete), `approved` (a person with the privacy officer role; an AI Act
    /// classification then sets the AI system's risk tier), `draft`. A ledger event.
    pub async fn update(&self, assessment_id: &str, input: AssessmentInput, by: &crate::Principal) -> Result<AssessmentView, ServiceError> {
        self.update_as(assessment_id, input, &by.actor(), by.staff.as_ref()).await
    }

    /// [`Assessments::update`] for a console session.
    pub async fn update_by(
        &self,
        assessment_id: &str,
        input: AssessmentInput,
        staff: &crate::staff::StaffIdentity,
    ) -> Result<AssessmentView, ServiceError> {
        self.update_as(assessment_id, input, &format!("staff:{}", staff.user_id), Some(staff)).await
    }

    async fn update_as(
        &self,
        assessment_id: &str,
        input: AssessmentInput,
        actor: &str,
        person: Option<&crate::staff::StaffIdentity>,
    ) -> Result<AssessmentView, ServiceError> {
        let id = AssessmentId::parse(assessment_id)?;
        for (field, given) in [
            ("ai_system_id", input.ai_system_id.is_some()),
            ("vendor_id", input.vendor_id.is_some()),
            ("questionnaire", input.questionnaire.is_some()),
        ] {
            if given {
                return Err(ServiceError::invalid(field, "is fixed when the assessment starts"));
            }
        }
        let target = input
            .status
            .as_deref()
            .map(|s| AssessmentStatus::parse(s).map_err(|e| ServiceError::invalid("status", e.message())))
            .transpose()?;
        if target == Some(AssessmentStatus::NeedsReview) {
            return Err(ServiceError::invalid("status", "custos sets `needs_review` when the AI system changes"));
        }
        if target == Some(AssessmentStatus::Approved) {
            let who = person.ok_or_else(|| {
                ServiceError::NotAllowed(custos_core::ValidationError::new(
                    "authorization",
                    "approving an assessment needs a person: sign in to the console or use a personal access token",
                ))
            })?;
            if !who.roles.contains(&Role::PrivacyOfficer) {
                return Err(ServiceError::NotAllowed(custos_core::ValidationError::new(
                    "authorization",
                    "a privacy officer approves assessments",
                )));
            }
        }
        let at = now();
        let by_email = person.map(|p| p.email.clone());
        self.0
            .write(async |tx| {
                if !custos_store::assessments::lock(tx, &id).await? {
                    return Err(ServiceError::NotFound { resource: "assessment" });
                }
                let current = custos_store::assessments::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "assessment" })?;
                let q = questionnaire::questionnaire(&current.questionnaire, current.version)
                    .ok_or_else(|| ServiceError::from(custos_store::StoreError::Corrupt(format!("questionnaire {} v{}", current.questionnaire, current.version))))?;
                let system = match &current.ai_system_id {
                    Some(id) => Some(custos_store::ai_systems::get(tx, id).await?.ok_or(ServiceError::NotFound { resource: "AI system" })?),
                    None => None,
                };
                let role = system.as_ref().map_or("", |s| s.ai_act_role.as_str());
                let mut next = current.clone();
                let status = AssessmentStatus::parse(&current.status).unwrap_or(AssessmentStatus::Draft);
                if let Some(changes) = &input.answers {
                    if !matches!(status, AssessmentStatus::Draft | AssessmentStatus::NeedsReview) {
                        return Err(ServiceError::Conflict(format!(
                            "the assessment is {}: set `status` to `draft` first to change its answers",
                            status.label().to_lowercase()
                        )));
                    }
                    for (k, v) in changes {
                        if v.is_null() {
                            next.answers.remove(k);
                        } else {
                            next.answers.insert(k.clone(), v.clone());
                        }
                    }
                    questionnaire::check(q, &next.answers, false).map_err(bad_answer)?;
                    if status == AssessmentStatus::NeedsReview {
                        next.status = AssessmentStatus::Draft.as_str().to_owned();
                    }
                }
                if let Some(t) = target {
                    let from = AssessmentStatus::parse(&next.status).unwrap_or(AssessmentStatus::Draft);
                    match (from, t) {
                        (a, b) if a == b => {}
                        (AssessmentStatus::Draft | AssessmentStatus::NeedsReview, AssessmentStatus::Submitted) => {
                            questionnaire::check(q, &next.answers, true).map_err(bad_answer)?;
                            if q.key == dpia::DPIA_KEY {
                                dpia::check_complete(&next.answers).map_err(bad_answer)?;
                            }
                            next.submitted_at = Some(at);
                            next.review_reason = None;
                        }
                        (AssessmentStatus::Submitted, AssessmentStatus::Approved) => {
                            next.approved_by.clone_from(&by_email);
                            next.approved_at = Some(at);
                        }
                        (_, AssessmentStatus::Draft) => {
                            next.approved_by = None;
                            next.approved_at = None;
                            next.submitted_at = None;
                        }
                        (a, b) => {
                            return Err(ServiceError::Conflict(format!(
                                "an assessment goes draft -> submitted -> approved: it is {}, it cannot become {}",
                                a.label().to_lowercase(),
                                b.label().to_lowercase()
                            )));
                        }
                    }
                    next.status = t.as_str().to_owned();
                }
                next.result = conclude(&q.key, &next.answers, role);
                if next == current {
                    return Ok(AssessmentView { assessment: current, receipt: None });
                }
                next.updated_at = at;
                custos_store::assessments::update(tx, &next).await?;
                let event = if next.status == AssessmentStatus::Approved.as_str() && current.status != next.status {
                    LedgerEvent::AssessmentApproved
                } else {
                    LedgerEvent::AssessmentUpdated
                };
                let mut doc = ledger_doc(&next);
                doc["by"] = json!(actor);
                let receipt = custos_store::ledger::append_leaf(tx, crate::ledger::event_at(event, &at, doc)).await?;
                // An approved AI Act classification is the system's risk tier from now on.
                if event == LedgerEvent::AssessmentApproved
                    && q.key == aiact::AI_ACT_KEY
                    && let Some(system) = &system
                    && let Some(tier) = next.result.get("tier").and_then(Value::as_str)
                    && tier != system.risk_tier
                {
                    custos_store::ai_systems::set_risk_tier(tx, &system.ai_system_id, tier, &at).await?;
                    let leaf = crate::ledger::event_at(
                        LedgerEvent::AiSystemUpdated,
                        &at,
                        json!({"ai_system_id": system.ai_system_id.to_string(), "changed": {"risk_tier": tier}, "by_assessment": id.to_string()}),
                    );
                    custos_store::ledger::append_leaf(tx, leaf).await?;
                }
                Ok(AssessmentView { assessment: next, receipt: Some(receipt) })
            })
            .await
    }

    /// One assessment.
    pub async fn get(&self, assessment_id: &str) -> Result<AssessmentRecord, ServiceError> {
        let id = AssessmentId::parse(assessment_id)?;
        self.0
            .read(async |tx| Ok(custos_store::assessments::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "assessment" })
    }

    /// Assessments, newest first, optionally of one AI system or one vendor (at most 1,000).
    pub async fn list(&self, ai_system_id: Option<&str>, vendor_id: Option<&str>) -> Result<Vec<AssessmentRecord>, ServiceError> {
        let system = ai_system_id.map(AiSystemId::parse).transpose()?;
        let vendor = vendor_id.map(|v| VendorId::parse(v).map_err(|e| ServiceError::invalid("vendor_id", e.message()))).transpose()?;
        let about = match (&system, &vendor) {
            (Some(_), Some(_)) => return Err(ServiceError::invalid("vendor_id", "filter by an AI system or a vendor, not both")),
            (Some(s), None) => About::AiSystem(s),
            (None, Some(v)) => About::Vendor(v),
            (None, None) => About::Any,
        };
        self.0.read(async |tx| Ok(custos_store::assessments::list(tx, about, 1_000).await?)).await
    }

    /// What an assessment is about, in words: ("AI system" or "Vendor", its name).
    pub async fn about(&self, a: &AssessmentRecord) -> Result<(&'static str, String), ServiceError> {
        match (&a.ai_system_id, &a.vendor_id) {
            (Some(id), _) => Ok(("AI system", self.0.ai_systems().get(&id.to_string()).await?.name)),
            (None, Some(id)) => Ok(("Vendor", self.0.vendors().get(&id.to_string()).await?.vendor.name)),
            (None, None) => {
                Err(ServiceError::from(custos_store::StoreError::Corrupt(format!("assessment {} is about nothing", a.assessment_id))))
            }
        }
    }
}

/// Why a model of `system` cannot be approved yet, if it cannot.
///
/// - A prohibited practice (its tier, or the newest AI Act assessment or the newest approved
///   one says so) gets no model approved at all.
/// - A high-risk system (by the same three signals) needs its newest AI Act assessment
///   approved: a fresh draft, or one sent back for review, blocks until a privacy officer
///   approves it, so starting a new assessment cannot clear an earlier conclusion.
/// - A system whose newest or newest approved DPIA screening requires a DPIA needs its newest
///   DPIA approved.
pub(crate) async fn blocks_approval(
    tx: &mut custos_store::Tx,
    system: &custos_store::ai_systems::AiSystemRecord,
) -> Result<Option<String>, ServiceError> {
    let all = custos_store::assessments::list(tx, About::AiSystem(&system.ai_system_id), 1_000).await?;
    let approved = AssessmentStatus::Approved.as_str();
    // Newest first: the newest of a questionnaire, and the newest approved one.
    let newest = |q: &str| all.iter().find(|a| a.questionnaire == q);
    let newest_approved = |q: &str| all.iter().find(|a| a.questionnaire == q && a.status == approved);
    let signals = |q: &str| [newest(q), newest_approved(q)].into_iter().flatten().collect::<Vec<_>>();
    let tiers: Vec<&str> = std::iter::once(system.risk_tier.as_str())
        .chain(signals(aiact::AI_ACT_KEY).iter().filter_map(|a| a.result.get("tier").and_then(Value::as_str)))
        .collect();
    if tiers.contains(&"prohibited") {
        return Ok(Some(format!(
            "the AI system `{}` is classified as a prohibited practice (AI Act Art. 5): no model of it can be approved",
            system.name
        )));
    }
    let newest_is_approved = |q: &str| newest(q).is_some_and(|a| a.status == approved);
    if tiers.contains(&"high") && !newest_is_approved(aiact::AI_ACT_KEY) {
        return Ok(Some(format!(
            "the AI system `{}` is high-risk: its newest AI Act assessment must be approved by a privacy officer first",
            system.name
        )));
    }
    let dpia_required =
        signals(dpia::DPIA_KEY).iter().any(|a| a.result.pointer("/screening/required").and_then(Value::as_bool) == Some(true));
    if dpia_required && !newest_is_approved(dpia::DPIA_KEY) {
        return Ok(Some(format!(
            "the AI system `{}` needs a DPIA: its newest DPIA must be approved by a privacy officer first",
            system.name
        )));
    }
    Ok(None)
}

/// Sends the approved assessments of a changed AI system or vendor back for review, inside its
/// write.
pub(crate) async fn subject_changed(
    tx: &mut custos_store::Tx,
    about: About<'_>,
    fields: &[String],
    at: &Timestamp,
) -> Result<(), ServiceError> {
    let (what, key, id) = match about {
        About::AiSystem(id) => ("the AI system", "ai_system_id", id.to_string()),
        About::Vendor(id) => ("the vendor", "vendor_id", id.to_string()),
        About::Any => return Ok(()),
    };
    let reason = format!("{what} changed ({})", fields.join(", "));
    for assessment in custos_store::assessments::mark_for_review(tx, about, &reason, at).await? {
        let leaf = crate::ledger::event_at(
            LedgerEvent::AssessmentReviewRequired,
            at,
            json!({"assessment_id": assessment, key: id, "changed": fields}),
        );
        custos_store::ledger::append_leaf(tx, leaf).await?;
    }
    Ok(())
}

//! Impact assessments: versioned questionnaires (data in `custos-govern`) answered for one AI
//! system. The GDPR Art. 35 DPIA screens with the nine WP248 criteria (two or more: required in
//! most cases; a national Art. 35(4) list counts; the DPO may decide otherwise with a reason)
//! and flags prior consultation (Art. 36) when the residual risk stays high. The AI Act
//! classification explains its tier step by step with articles and names the obligations it
//! triggers, with their dates from the catalog. An assessment goes `draft -> submitted ->
//! approved` (by a privacy officer, a person); a change of its AI system sends approved ones
//! back for review. A high-risk or DPIA-required system cannot have a model approved until its
//! assessment is.

use custos_core::{AiSystemId, AssessmentId, LedgerEvent, Role, Timestamp, now};
use custos_govern::questionnaire::{self, Answers};
use custos_govern::{aiact, dpia};
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
        /// Its AI system changed after approval: look at it again.
        NeedsReview = "needs_review" ("Needs review: the AI system changed"),
    }
}

/// Starts an assessment, or changes one (answers, status).
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    /// The AI system assessed (on creation).
    pub ai_system_id: Option<String>,
    /// `dpia` or `ai_act` (on creation; the latest version is used).
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

/// What custos concludes from the answers: the AI Act tier, path and obligations, or the DPIA
/// screening and the prior consultation flag.
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
        _ => json!({}),
    }
}

fn ledger_doc(a: &AssessmentRecord) -> Value {
    json!({
        "assessment_id": a.assessment_id.to_string(),
        "ai_system_id": a.ai_system_id.to_string(),
        "questionnaire": a.questionnaire,
        "version": a.version,
        "status": a.status,
        "answers_sha256": crate::ledger::sha256_hex(serde_json::to_string(&a.answers).unwrap_or_default().as_bytes()),
        "tier": a.result.get("tier"),
        "dpia_required": a.result.pointer("/screening/required"),
        "prior_consultation": a.result.get("prior_consultation"),
    })
}

/// Impact assessments.
#[derive(Clone, Copy)]
pub struct Assessments<'a>(pub(crate) &'a Service);

impl Assessments<'_> {
    /// Starts an assessment of an AI system with the latest version of a questionnaire; the
    /// answers given are checked (not yet for completeness); a ledger event.
    pub async fn create(&self, input: AssessmentInput, by: &str) -> Result<AssessmentView, ServiceError> {
        let system_id =
            AiSystemId::parse(input.ai_system_id.as_deref().ok_or_else(|| ServiceError::invalid("ai_system_id", "is required"))?)?;
        let key = input.questionnaire.as_deref().ok_or_else(|| ServiceError::invalid("questionnaire", "is required"))?;
        let q = questionnaire::latest(key).ok_or_else(|| {
            let known: Vec<&str> = questionnaire::questionnaires().iter().map(|q| q.key.as_str()).collect();
            ServiceError::invalid("questionnaire", format!("must be one of {}", known.join(", ")))
        })?;
        if input.status.is_some() {
            return Err(ServiceError::invalid("status", "an assessment starts as a draft; submit it with PATCH"));
        }
        let answers = input.answers.clone().unwrap_or_default();
        let answers: Answers = answers.into_iter().filter(|(_, v)| !v.is_null()).collect();
        questionnaire::check(q, &answers, false).map_err(bad_answer)?;
        let at = now();
        self.0
            .write(async |tx| {
                let system = custos_store::ai_systems::get(tx, &system_id)
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("ai_system_id", format!("no AI system `{system_id}`")))?;
                let record = AssessmentRecord {
                    assessment_id: AssessmentId::new(),
                    ai_system_id: system_id,
                    questionnaire: q.key.clone(),
                    version: q.version,
                    status: AssessmentStatus::Draft.as_str().to_owned(),
                    result: conclude(&q.key, &answers, &system.ai_act_role),
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
        for (field, given) in [("ai_system_id", input.ai_system_id.is_some()), ("questionnaire", input.questionnaire.is_some())] {
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
                let system = custos_store::ai_systems::get(tx, &current.ai_system_id).await?.ok_or(ServiceError::NotFound { resource: "AI system" })?;
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
                next.result = conclude(&q.key, &next.answers, &system.ai_act_role);
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

    /// Assessments, newest first, optionally of one AI system (at most 1,000).
    pub async fn list(&self, ai_system_id: Option<&str>) -> Result<Vec<AssessmentRecord>, ServiceError> {
        let id = ai_system_id.map(AiSystemId::parse).transpose()?;
        self.0.read(async |tx| Ok(custos_store::assessments::list(tx, id.as_ref(), 1_000).await?)).await
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
    let all = custos_store::assessments::list(tx, Some(&system.ai_system_id), 1_000).await?;
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

/// Sends the approved assessments of a changed AI system back for review, inside its write.
pub(crate) async fn system_changed(
    tx: &mut custos_store::Tx,
    system: &AiSystemId,
    fields: &[String],
    at: &Timestamp,
) -> Result<(), ServiceError> {
    let reason = format!("the AI system changed ({})", fields.join(", "));
    for id in custos_store::assessments::mark_for_review(tx, system, &reason, at).await? {
        let leaf = crate::ledger::event_at(
            LedgerEvent::AssessmentReviewRequired,
            at,
            json!({"assessment_id": id, "ai_system_id": system.to_string(), "changed": fields}),
        );
        custos_store::ledger::append_leaf(tx, leaf).await?;
    }
    Ok(())
}

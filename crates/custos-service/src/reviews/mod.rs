//! The review queue: decisions waiting for a person, taken, judged (confirmed or overridden,
//! blind or by two people) and escalated when late. Time never resolves a review: the only
//! path to `resolved` is [`Reviews::resolve`], by a person.

use custos_core::{
    AlertSource, DecidedBy, DecisionId, DecisionStatus, LedgerEvent, ReviewAction, ReviewId, ReviewStatus, Role, RuleId, Timestamp,
    format_timestamp, now, parse_timestamp,
};
pub use custos_store::reviews::{ReviewReason, ReviewRecord, VerdictRecord};
use custos_store::{DecisionRecord, reviews::ReviewFilter};

mod contest;
use contest::complete_contest;
pub(crate) use contest::open_contest;

use crate::{
    Receipt, Service, ServiceError,
    oversight::Routing,
    permissions::{Action, Resource},
    staff::StaffIdentity,
};

/// Which reviews a queue shows (text from a query string, validated here).
#[derive(Debug, Clone, Default)]
pub struct ReviewQuery {
    /// `open`, `claimed` or `resolved`.
    pub status: Option<String>,
    /// A rule id.
    pub rule: Option<String>,
    /// A staff account id.
    pub assignee: Option<String>,
    /// RFC 3339: only reviews due before.
    pub due_before: Option<String>,
    /// Only unresolved reviews past their due time.
    pub overdue: bool,
}

/// A page of the queue.
#[derive(Debug, Clone)]
pub struct ReviewPage {
    /// The reviews, soonest due first.
    pub reviews: Vec<ReviewRecord>,
    /// How many match in all.
    pub total: u64,
    /// How many come before this page.
    pub offset: u64,
}

/// A review as one person may see it: in blind mode the model's outcome and score stay
/// hidden until they have recorded their own outcome, and under the two-person rule the
/// other reviewer's verdict stays hidden until then too.
#[derive(Debug, Clone)]
pub struct ReviewView {
    /// The review.
    pub review: ReviewRecord,
    /// The model's decision (outcome and score emptied while hidden).
    pub decision: DecisionRecord,
    /// Whether the model's outcome and score are hidden from this viewer.
    pub model_hidden: bool,
    /// The verdicts this viewer may see.
    pub verdicts: Vec<VerdictRecord>,
    /// How many verdicts there are in all.
    pub verdict_count: usize,
    /// For a contest: the customer's own words.
    pub contest_statement: Option<String>,
    /// The subject's other decisions under the same purpose, newest first (at most 20).
    pub history: Vec<DecisionRecord>,
    /// Where the change was recorded (write answers only).
    pub receipt: Option<Receipt>,
}

/// The purpose under which reviewers see the inputs of the decision they review (GDPR Art.
/// 22(3), EU AI Act Art. 14: a legal obligation), declared by custos on first use.
pub const OVERSIGHT_PURPOSE: &str = "oversight";

/// The inputs of a decision under review, as the gate released them to the reviewer.
#[derive(Debug, Clone)]
pub struct ReviewInputs {
    /// The gate check that released them (in the check log and the ledger).
    pub check_id: custos_core::CheckId,
    /// Whether the gate allowed it.
    pub allowed: bool,
    /// The model's inputs (none when the gate refused, or the subject was erased).
    pub features: Option<serde_json::Value>,
}

/// A reviewer's judgement.
#[derive(Debug, Clone)]
pub struct ResolveInput {
    /// Confirm or override.
    pub action: ReviewAction,
    /// The outcome that should stand (required to override; must differ from the model's).
    pub outcome: Option<String>,
    /// A short code for why (e.g. `income_verified`).
    pub reason_code: String,
    /// A note (sealed under the subject's key).
    pub note: Option<String>,
}

/// Opens a review of a decision inside its write: the decision is already stored as
/// `pending_review`. Returns the review and its ledger leaf.
pub(crate) fn open(decision: &DecisionRecord, routing: Routing) -> (ReviewRecord, Vec<u8>) {
    let review = fresh(decision, routing, None, decision.created_at);
    let leaf = review_leaf(LedgerEvent::ReviewOpened, &review, None, &review.created_at);
    (review, leaf)
}

/// A new, open review of `decision` on the terms of `routing`.
fn fresh(decision: &DecisionRecord, routing: Routing, dsr_id: Option<custos_core::DsrId>, created_at: Timestamp) -> ReviewRecord {
    ReviewRecord {
        review_id: ReviewId::new(),
        decision_id: decision.decision_id,
        subject_id: decision.subject_id,
        purpose: decision.purpose.clone(),
        status: ReviewStatus::Open,
        reasons: routing.reasons,
        required_role: routing.required_role,
        escalation_role: routing.escalation_role,
        two_person: routing.two_person,
        blind: routing.blind,
        due_at: routing.due_at,
        assignee: None,
        claimed_at: None,
        escalated_at: None,
        resolved_at: None,
        action: None,
        outcome: None,
        reason_code: None,
        final_decision_id: None,
        dsr_id,
        created_at,
    }
}

fn review_leaf(event: LedgerEvent, r: &ReviewRecord, by: Option<&str>, at: &Timestamp) -> Vec<u8> {
    crate::ledger::event_at(
        event,
        at,
        crate::ledger::subject_fields(
            &r.subject_id,
            serde_json::json!({
                "review_id": r.review_id.to_string(),
                "decision_id": r.decision_id.to_string(),
                "purpose": r.purpose.as_str(),
                "status": r.status.as_str(),
                "reasons": r.reasons.iter().map(|x| serde_json::json!({"rule_id": x.rule_id.map(|i| i.to_string()), "code": x.code.as_str()})).collect::<Vec<_>>(),
                "due_at": format_timestamp(&r.due_at),
                "action": r.action.map(|a| a.as_str()),
                "outcome": r.outcome,
                "reason_code": r.reason_code,
                "final_decision_id": r.final_decision_id.map(|d| d.to_string()),
                "by": by,
            }),
        ),
    )
}

/// The reviewer's right to act on a review: the permission and the rule's role.
fn may_review(staff: &StaffIdentity, review: &ReviewRecord) -> Result<(), ServiceError> {
    if !staff.may(Action::Write, Resource::Reviews) {
        return Err(ServiceError::NotAllowed(custos_core::ValidationError::new(
            "authorization",
            "your roles do not include reviewing decisions",
        )));
    }
    if !staff.roles.contains(&review.required_role) {
        return Err(ServiceError::NotAllowed(custos_core::ValidationError::new(
            "authorization",
            format!("this review needs the role “{}”", custos_core::Vocabulary::label(review.required_role)),
        )));
    }
    Ok(())
}

/// Decisions waiting for people.
#[derive(Clone, Copy)]
pub struct Reviews<'a>(pub(crate) &'a Service);

impl Reviews<'_> {
    /// A page of the queue (soonest due first; at most `limit`, up to 500).
    pub async fn queue(&self, query: ReviewQuery, offset: u64, limit: u32) -> Result<ReviewPage, ServiceError> {
        let filter = ReviewFilter {
            status: query.status.as_deref().map(ReviewStatus::parse).transpose()?,
            rule: query
                .rule
                .as_deref()
                .map(|r| RuleId::parse(r).map_err(|e| custos_core::ValidationError::new("rule", e.message())))
                .transpose()?,
            assignee: query.assignee.clone(),
            due_before: query
                .due_before
                .as_deref()
                .map(|t| parse_timestamp(t).ok_or_else(|| ServiceError::invalid("due_before", "must be an RFC 3339 timestamp")))
                .transpose()?,
            overdue_at: query.overdue.then(now),
        };
        if offset > 10_000_000 {
            return Err(ServiceError::invalid("offset", "must be at most 10000000"));
        }
        let limit = limit.clamp(1, 500);
        let (reviews, total) = self.0.read(async |tx| Ok(custos_store::reviews::page(tx, &filter, offset, limit).await?)).await?;
        Ok(ReviewPage { reviews, total, offset })
    }

    /// One review as `viewer` may see it (`None`: a system's key, which sees what a reviewer
    /// who has not yet judged sees).
    pub async fn get(&self, review_id: &str, viewer: Option<&StaffIdentity>) -> Result<ReviewView, ServiceError> {
        let id = ReviewId::parse(review_id)?;
        self.0.read(async |tx| view(tx, &id, viewer, None).await).await
    }

    /// The inputs the model used, for the person reviewing: released through the gate under
    /// the purpose `oversight` (so the access is checked, and logged with the check and in the
    /// ledger). Refused in a blind review until the reviewer has recorded their outcome.
    pub async fn inputs(&self, review_id: &str, staff: &StaffIdentity) -> Result<ReviewInputs, ServiceError> {
        let v = self.get(review_id, Some(staff)).await?;
        if !staff.may(Action::Read, Resource::Reviews) {
            return Err(ServiceError::NotAllowed(custos_core::ValidationError::new(
                "authorization",
                "your roles do not include reviewing decisions",
            )));
        }
        if v.model_hidden {
            return Err(ServiceError::Conflict("a blind review shows the model's inputs once you have recorded your own outcome".into()));
        }
        self.ensure_oversight_purpose().await?;
        let input = crate::gate::GateCheckInput {
            subject_id: v.review.subject_id.to_string(),
            purpose: OVERSIGHT_PURPOSE.into(),
            data_categories: Vec::new(),
            ..Default::default()
        };
        let check = self.0.gate().check(input, false, None).await?;
        let allowed = check.decision == crate::gate::Decision::Allow;
        Ok(ReviewInputs { check_id: check.check_id, allowed, features: if allowed { v.decision.features } else { None } })
    }

    /// Declares the `oversight` purpose if it is not declared yet.
    async fn ensure_oversight_purpose(&self) -> Result<(), ServiceError> {
        if self.0.purposes().cached(OVERSIGHT_PURPOSE).await?.is_some() {
            return Ok(());
        }
        let input = crate::purposes::PurposeInput {
            purpose: OVERSIGHT_PURPOSE.into(),
            name: "Human review of automated decisions".into(),
            legal_basis: custos_core::LegalBasis::LegalObligation,
            data_categories: vec!["user".into()],
            sale_or_share: false,
            profiling: false,
            sensitive: false,
            pseudonymize: false,
            significant_effect: false,
            retention_days: 400,
        };
        match self.0.purposes().create(input).await {
            Ok(_) | Err(ServiceError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The reviews of a decision, newest first.
    pub async fn of_decision(&self, decision_id: &DecisionId) -> Result<Vec<ReviewRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::reviews::of_decision(tx, decision_id).await?)).await
    }

    /// Takes a review: it is `staff`'s until they resolve it; the time they take starts now.
    pub async fn claim(&self, review_id: &str, staff: &StaffIdentity) -> Result<ReviewView, ServiceError> {
        let id = ReviewId::parse(review_id)?;
        let at = now();
        self.0
            .write(async |tx| {
                let mut review = custos_store::reviews::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "review" })?;
                may_review(staff, &review)?;
                match review.status {
                    ReviewStatus::Resolved => return Err(ServiceError::Conflict("the review is resolved".into())),
                    ReviewStatus::Claimed if review.assignee.as_deref() == Some(staff.user_id.as_str()) => {
                        return view(tx, &id, Some(staff), None).await;
                    }
                    ReviewStatus::Claimed => return Err(ServiceError::Conflict("another reviewer has taken this review".into())),
                    ReviewStatus::Open => {}
                }
                let verdicts = custos_store::reviews::verdicts(tx, &review).await?;
                if verdicts.iter().any(|v| v.user_id == staff.user_id) {
                    return Err(ServiceError::Conflict("you have judged this review; a second, different reviewer must take it".into()));
                }
                review.status = ReviewStatus::Claimed;
                review.assignee = Some(staff.user_id.clone());
                review.claimed_at = Some(at);
                if !custos_store::reviews::update(tx, &review, ReviewStatus::Open).await? {
                    return Err(ServiceError::Conflict("the review changed meanwhile; reload it".into()));
                }
                let by = format!("staff:{}", staff.user_id);
                let receipt =
                    custos_store::ledger::append_leaf(tx, review_leaf(LedgerEvent::ReviewClaimed, &review, Some(&by), &at)).await?;
                view(tx, &id, Some(staff), Some(receipt)).await
            })
            .await
    }

    /// Puts an open review in `assignee_email`'s queue (they must hold the rule's role); `by`
    /// names who assigned it.
    pub async fn assign(&self, review_id: &str, assignee_email: &str, by: &str) -> Result<ReviewView, ServiceError> {
        let id = ReviewId::parse(review_id)?;
        let assignee_email = assignee_email.trim().to_lowercase();
        let assignee_email = assignee_email.as_str();
        let at = now();
        self.0
            .write(async |tx| {
                let mut review = custos_store::reviews::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "review" })?;
                if review.status != ReviewStatus::Open {
                    return Err(ServiceError::Conflict(format!(
                        "only an open review can be assigned; this one is {}",
                        review.status.as_str()
                    )));
                }
                let user = custos_store::staff::user_by_email(tx, assignee_email)
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("assignee", "no staff account has this email"))?;
                may_review(&StaffIdentity::of(&user), &review).map_err(|_| {
                    ServiceError::unprocessable(
                        "assignee",
                        format!("{assignee_email} may not review this (it needs the role “{}”)", review.required_role.as_str()),
                    )
                })?;
                review.assignee = Some(user.user_id.clone());
                if !custos_store::reviews::update(tx, &review, ReviewStatus::Open).await? {
                    return Err(ServiceError::Conflict("the review changed meanwhile; reload it".into()));
                }
                let receipt =
                    custos_store::ledger::append_leaf(tx, review_leaf(LedgerEvent::ReviewClaimed, &review, Some(by), &at)).await?;
                view(tx, &id, None, Some(receipt)).await
            })
            .await
    }

    /// Records `staff`'s judgement of a review they hold. Without the two-person rule it
    /// resolves the review; with it, the review resolves once two different reviewers agree
    /// (until then it goes back to the queue). Confirming makes the model's decision final;
    /// overriding writes a new decision by a person that supersedes it.
    pub async fn resolve(&self, review_id: &str, staff: &StaffIdentity, input: ResolveInput) -> Result<ReviewView, ServiceError> {
        let view = self.judge(review_id, staff, input).await?;
        if view.review.status == ReviewStatus::Resolved {
            // A contest's customer hears of the answer through their usual channel.
            self.0.privacy().tell_contest_outcome(&view.review);
        }
        Ok(view)
    }

    async fn judge(&self, review_id: &str, staff: &StaffIdentity, input: ResolveInput) -> Result<ReviewView, ServiceError> {
        let id = ReviewId::parse(review_id)?;
        crate::check_token("reason_code", &input.reason_code)?;
        if let Some(o) = &input.outcome {
            crate::check_token("outcome", o)?;
        }
        if let Some(n) = &input.note
            && (n.chars().count() > 2000 || n.contains('\0'))
        {
            return Err(ServiceError::invalid("note", "must be at most 2000 characters"));
        }
        let at = now();
        let keyring = self.0.store.keyring().clone();
        self.0
            .write(async |tx| {
                let mut review = custos_store::reviews::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "review" })?;
                may_review(staff, &review)?;
                if review.status != ReviewStatus::Claimed || review.assignee.as_deref() != Some(staff.user_id.as_str()) {
                    return Err(ServiceError::Conflict("take the review first (POST /v1/reviews/{review_id}/claim)".into()));
                }
                if let Some(dsr_id) = review.dsr_id
                    && let Some(d) = custos_store::dsrs::get(tx, &dsr_id).await?
                    && d.status == custos_core::DsrStatus::PendingVerification
                {
                    return Err(ServiceError::Conflict("verify the requester of the contest before answering it".into()));
                }
                let decision =
                    custos_store::decisions::get(tx, &review.decision_id).await?.ok_or(ServiceError::NotFound { resource: "decision" })?;
                let outcome = match input.action {
                    ReviewAction::Confirm => {
                        if input.outcome.as_ref().is_some_and(|o| *o != decision.outcome) {
                            return Err(ServiceError::invalid("outcome", "confirming keeps the model's outcome; to change it, override"));
                        }
                        decision.outcome.clone()
                    }
                    ReviewAction::Override => {
                        let o = input.outcome.clone().ok_or_else(|| ServiceError::invalid("outcome", "say which outcome should stand"))?;
                        if o == decision.outcome {
                            return Err(ServiceError::invalid("outcome", "is the model's outcome; to keep it, confirm"));
                        }
                        o
                    }
                };
                let verdict = VerdictRecord {
                    review_id: id,
                    user_id: staff.user_id.clone(),
                    action: input.action,
                    outcome: outcome.clone(),
                    agrees: outcome == decision.outcome,
                    reason_code: input.reason_code.clone(),
                    note: input.note.clone(),
                    claimed_at: review.claimed_at.unwrap_or(at),
                    recorded_at: at,
                };
                custos_store::reviews::insert_verdict(tx, &review.subject_id, &verdict).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict("you have judged this review already".into()),
                    other => other.into(),
                })?;
                let by = format!("staff:{}", staff.user_id);
                let verdicts = custos_store::reviews::verdicts(tx, &review).await?;
                let agreed = !review.two_person
                    || verdicts.iter().filter(|v| v.action == verdict.action && v.outcome == verdict.outcome).count() >= 2;
                if !agreed {
                    // Back to the queue for a second (different) reviewer.
                    review.status = ReviewStatus::Open;
                    review.assignee = None;
                    review.claimed_at = None;
                    if !custos_store::reviews::update(tx, &review, ReviewStatus::Claimed).await? {
                        return Err(ServiceError::Conflict("the review changed meanwhile; reload it".into()));
                    }
                    let receipt =
                        custos_store::ledger::append_leaf(tx, review_leaf(LedgerEvent::ReviewVerdict, &review, Some(&by), &at)).await?;
                    return view(tx, &id, Some(staff), Some(receipt)).await;
                }
                let final_id = match input.action {
                    ReviewAction::Confirm => {
                        custos_store::decisions::set_status(
                            tx,
                            &decision.decision_id,
                            DecisionStatus::PendingReview,
                            DecisionStatus::Final,
                        )
                        .await?;
                        decision.decision_id
                    }
                    ReviewAction::Override => {
                        let human = DecisionRecord {
                            decision_id: DecisionId::new(),
                            subject_id: decision.subject_id,
                            purpose: decision.purpose.clone(),
                            check_id: decision.check_id,
                            model: decision.model.clone(),
                            model_version: decision.model_version.clone(),
                            outcome: outcome.clone(),
                            score: None,
                            features: None,
                            actual: None,
                            observed_at: None,
                            key_id: None,
                            created_at: at,
                            status: DecisionStatus::Final,
                            significant: decision.significant,
                            decided_by: DecidedBy::Human,
                            supersedes: Some(decision.decision_id),
                            reason_code: Some(input.reason_code.clone()),
                            check_overtaken: false,
                        };
                        // A rule's review overrides a pending decision; a contest, one already final.
                        for from in [DecisionStatus::PendingReview, DecisionStatus::Final] {
                            custos_store::decisions::set_status(tx, &decision.decision_id, from, DecisionStatus::Overridden).await?;
                        }
                        custos_store::decisions::insert(tx, &human).await?;
                        custos_store::ledger::append_leaf(tx, crate::decisions::decision_leaf(&keyring, &human, None)).await?;
                        human.decision_id
                    }
                };
                review.status = ReviewStatus::Resolved;
                review.resolved_at = Some(at);
                review.action = Some(input.action);
                review.outcome = Some(outcome);
                review.reason_code = Some(input.reason_code.clone());
                review.final_decision_id = Some(final_id);
                if !custos_store::reviews::update(tx, &review, ReviewStatus::Claimed).await? {
                    return Err(ServiceError::Conflict("the review changed meanwhile; reload it".into()));
                }
                crate::alerts::settle(tx, AlertSource::Oversight, "review_overdue", &id.to_string(), &at).await?;
                complete_contest(tx, &review, &at).await?;
                crate::webhooks::announce(
                    tx,
                    custos_core::WebhookEvent::ReviewResolved,
                    serde_json::json!({
                        "review_id": review.review_id.to_string(),
                        "decision_id": review.decision_id.to_string(),
                        "subject_id": review.subject_id.to_string(),
                        "purpose": review.purpose.as_str(),
                        "action": review.action.map(|a| a.as_str()),
                        "outcome": review.outcome,
                        "reason_code": review.reason_code,
                        "final_decision_id": review.final_decision_id.map(|d| d.to_string()),
                        "dsr_id": review.dsr_id.map(|d| d.to_string()),
                    }),
                    &at,
                )
                .await?;
                let receipt =
                    custos_store::ledger::append_leaf(tx, review_leaf(LedgerEvent::ReviewResolved, &review, Some(&by), &at)).await?;
                view(tx, &id, Some(staff), Some(receipt)).await
            })
            .await
    }

    /// Escalates the reviews past their due time at `at`: each is flagged overdue, an alert
    /// fires for the rule's escalation role, and it stays open. Returns how many. This is the
    /// only thing time does to a review.
    pub async fn escalate_overdue(&self, at: Timestamp) -> Result<usize, ServiceError> {
        self.0
            .write(async |tx| {
                let overdue = custos_store::reviews::overdue_unescalated(tx, &at, 500).await?;
                for mut review in overdue.clone() {
                    let status = review.status;
                    review.escalated_at = Some(at);
                    if !custos_store::reviews::update(tx, &review, status).await? {
                        continue;
                    }
                    let role = review.escalation_role.unwrap_or(Role::PrivacyOfficer);
                    let message = format!(
                        "A review of a decision under “{}” was due on {} and is still waiting; escalated to {}.",
                        review.purpose,
                        format_timestamp(&review.due_at),
                        custos_core::Vocabulary::label(role)
                    );
                    crate::alerts::fire(
                        tx,
                        crate::alerts::Firing {
                            source: AlertSource::Oversight,
                            kind: "review_overdue",
                            about: &review.review_id.to_string(),
                            message,
                            value: Some((at - review.due_at).num_minutes() as f64 / 60.0),
                            threshold: Some(0.0),
                        },
                        &at,
                    )
                    .await?;
                    custos_store::ledger::append_leaf(tx, review_leaf(LedgerEvent::ReviewEscalated, &review, Some(role.as_str()), &at))
                        .await?;
                    crate::webhooks::announce(
                        tx,
                        custos_core::WebhookEvent::ReviewEscalated,
                        serde_json::json!({
                            "review_id": review.review_id.to_string(),
                            "decision_id": review.decision_id.to_string(),
                            "purpose": review.purpose.as_str(),
                            "due_at": format_timestamp(&review.due_at),
                            "escalation_role": role.as_str(),
                        }),
                        &at,
                    )
                    .await?;
                }
                Ok(overdue.len())
            })
            .await
    }
}

/// Reads a review as `viewer` may see it.
async fn view(
    tx: &mut custos_store::Tx,
    id: &ReviewId,
    viewer: Option<&StaffIdentity>,
    receipt: Option<Receipt>,
) -> Result<ReviewView, ServiceError> {
    let review = custos_store::reviews::get(tx, id).await?.ok_or(ServiceError::NotFound { resource: "review" })?;
    let mut decision =
        custos_store::decisions::get(tx, &review.decision_id).await?.ok_or(ServiceError::NotFound { resource: "decision" })?;
    let all = custos_store::reviews::verdicts(tx, &review).await?;
    let judged = viewer.is_some_and(|v| all.iter().any(|x| x.user_id == v.user_id));
    let settled = review.status == ReviewStatus::Resolved;
    let model_hidden = review.blind && !settled && !judged;
    if model_hidden {
        decision.outcome = String::new();
        decision.score = None;
    }
    let verdicts = if settled || judged { all.clone() } else { Vec::new() };
    let contest_statement = match review.dsr_id {
        Some(dsr) => custos_store::dsrs::get(tx, &dsr)
            .await?
            .and_then(|d| d.details)
            .and_then(|v| v.get("statement").and_then(serde_json::Value::as_str).map(str::to_owned)),
        None => None,
    };
    // Only that purpose's, in SQL: this runs inside the write of every claim and verdict.
    let mut history = custos_store::decisions::for_subject_and_purpose(tx, &review.subject_id, &review.purpose, 21).await?;
    history.retain(|d| d.decision_id != review.decision_id);
    history.truncate(20);
    Ok(ReviewView { review, decision, model_hidden, verdicts, verdict_count: all.len(), contest_statement, history, receipt })
}

//! Contests: a customer's request for a person to look at a decision opens a review of it,
//! and resolving that review answers the request.

use custos_core::{LedgerEvent, ReviewStatus, Role, Timestamp};
use custos_store::DecisionRecord;

use super::{ReviewReason, ReviewRecord, fresh, review_leaf};
use crate::{ServiceError, oversight::Routing};

/// Opens the review of a contested decision inside the write that files the contest: due when
/// the request is due (one date for the customer), on the terms of the rules that cover the
/// decision (blind, two people, role; a reviewer when none does). Refused while the decision
/// has an open review (a decision is not contested twice at once).
pub(crate) async fn open_contest(
    tx: &mut custos_store::Tx,
    decision: &DecisionRecord,
    dsr: &custos_store::DsrRecord,
) -> Result<ReviewRecord, ServiceError> {
    if custos_store::reviews::of_decision(tx, &decision.decision_id).await?.iter().any(|r| r.status != ReviewStatus::Resolved) {
        return Err(ServiceError::Conflict("a person is reviewing this decision already; its review must end before another".into()));
    }
    // The rules that cover the decision set how it is reviewed (role, blind, two people); the
    // due date is the request's, whatever they say.
    let rules = custos_store::reviews::live_rules(tx).await?;
    let explained = custos_store::decisions::explanation(tx, &decision.decision_id).await?.is_some();
    let routing = crate::oversight::route(
        &rules,
        &[],
        &crate::oversight::Routed {
            decision_id: &decision.decision_id,
            purpose: &decision.purpose,
            model: &decision.model,
            model_version: &decision.model_version,
            significant: decision.significant,
            score: decision.score,
            explained,
            in_flagged_group: false,
            created_at: &dsr.received_at,
            approval_lapsed: false,
        },
    );
    let mut reasons = vec![ReviewReason { rule_id: None, rule_version: None, code: custos_core::ReviewTrigger::Contest }];
    if let Some(r) = &routing {
        reasons.extend(r.reasons.iter().cloned());
    }
    let terms = Routing {
        reasons,
        due_at: dsr.due_at,
        required_role: routing.as_ref().map_or(Role::Reviewer, |r| r.required_role),
        escalation_role: routing.as_ref().and_then(|r| r.escalation_role).or(Some(Role::PrivacyOfficer)),
        two_person: routing.as_ref().is_some_and(|r| r.two_person),
        blind: routing.as_ref().is_some_and(|r| r.blind),
    };
    let review = fresh(decision, terms, Some(dsr.dsr_id), dsr.received_at);
    custos_store::reviews::insert(tx, &review).await?;
    custos_store::ledger::append_leaf(tx, review_leaf(LedgerEvent::ReviewOpened, &review, None, &review.created_at)).await?;
    Ok(review)
}

/// Completes the contest that opened a review, now resolved: the outcome and the reviewer's
/// reason code go into the request (sealed), which a person has now answered.
pub(super) async fn complete_contest(tx: &mut custos_store::Tx, review: &ReviewRecord, at: &Timestamp) -> Result<(), ServiceError> {
    let Some(dsr_id) = review.dsr_id else { return Ok(()) };
    let Some(mut d) = custos_store::dsrs::get(tx, &dsr_id).await? else { return Ok(()) };
    if !d.status.is_open() {
        return Ok(());
    }
    let before = d.status;
    let mut details = match d.details.take() {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    details.insert(
        "review".into(),
        serde_json::json!({
            "review_id": review.review_id.to_string(),
            "action": review.action.map(|a| a.as_str()),
            "outcome": review.outcome,
            "reason_code": review.reason_code,
            "final_decision_id": review.final_decision_id.map(|x| x.to_string()),
        }),
    );
    d.details = Some(serde_json::Value::Object(details));
    d.status = custos_core::DsrStatus::Completed;
    d.closed_at = Some(*at);
    d.updated_at = *at;
    if !custos_store::dsrs::update(tx, &d, before).await? {
        return Err(ServiceError::Conflict("the contest changed meanwhile; try again".into()));
    }
    custos_store::ledger::append_leaf(tx, crate::dsrs::dsr_leaf(LedgerEvent::DsrCompleted, &d, tx.keyring())).await?;
    Ok(())
}

//! Review rules: data, versioned, every change a ledger event; and the routing of a decision
//! through them.

use custos_core::{DecisionId, LedgerEvent, PurposeKey, ReviewTrigger, Role, RuleId, Timestamp, now};
use custos_store::reviews::{ReviewReason, ReviewRuleRecord};
use custos_store::suspensions::SuspensionRecord;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Oversight;
use crate::{Receipt, ServiceError};

/// When a rule sends a decision to review. Every condition given must hold; a rule names at
/// least one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConditions {
    /// Decisions under this purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Decisions of this model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Only this version of the model (needs `model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// Only decisions with a legal or similarly significant effect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub significant: bool,
    /// Only decisions whose score lies in `[low, high]` (the model is unsure there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_band: Option<[f64; 2]>,
    /// Only decisions without an explanation (an unregistered model, or no features).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_explanation: bool,
    /// Only decisions about a subject in a group that a firing fairness alert names (for an
    /// audit of the same purpose and model; groups of audit-only categories, read by the
    /// service and never released).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fairness_alert: bool,
    /// A share of the decisions (0 < rate <= 1), drawn by the decision id: quality control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<f64>,
}

/// Creates a review rule, or a new version of one (`replaces`).
#[derive(Debug, Clone, Default)]
pub struct ReviewRuleInput {
    /// What people call it.
    pub name: String,
    /// When it applies.
    pub conditions: RuleConditions,
    /// Hours a reviewer has (1-8760).
    pub sla_hours: u32,
    /// Who may review (default `reviewer`).
    pub required_role: Option<Role>,
    /// Who is told when a review is overdue.
    pub escalation_role: Option<Role>,
    /// Two different reviewers must agree.
    pub two_person: bool,
    /// The reviewer sees the model's outcome only after recording theirs.
    pub blind: bool,
    /// The rule this is a new version of.
    pub replaces: Option<String>,
}

/// A review rule as shown.
#[derive(Debug, Clone)]
pub struct ReviewRuleView {
    /// The rule (its live version).
    pub rule: ReviewRuleRecord,
    /// Its conditions, read.
    pub conditions: RuleConditions,
    /// Where the change was recorded (write answers only).
    pub receipt: Option<Receipt>,
}

fn view(rule: ReviewRuleRecord, receipt: Option<Receipt>) -> Result<ReviewRuleView, ServiceError> {
    let conditions =
        serde_json::from_value(rule.conditions.clone()).map_err(|e| ServiceError::internal(format!("stored rule conditions: {e}")))?;
    Ok(ReviewRuleView { rule, conditions, receipt })
}

fn validate(c: &RuleConditions) -> Result<(), ServiceError> {
    let field = |name: &str| format!("conditions.{name}");
    if let Some(p) = &c.purpose {
        PurposeKey::parse(p).map_err(|e| ServiceError::invalid(&field("purpose"), e.message()))?;
    }
    if let Some(m) = &c.model {
        crate::check_token(&field("model"), m)?;
    }
    if let Some(v) = &c.model_version {
        crate::check_token(&field("model_version"), v)?;
        if c.model.is_none() {
            return Err(ServiceError::invalid(&field("model_version"), "needs `model` too"));
        }
    }
    if let Some([low, high]) = c.score_band
        && !(low.is_finite() && high.is_finite() && low <= high)
    {
        return Err(ServiceError::invalid(&field("score_band"), "must be two finite numbers [low, high] with low <= high"));
    }
    if let Some(rate) = c.sample_rate
        && !(rate > 0.0 && rate <= 1.0)
    {
        return Err(ServiceError::invalid(&field("sample_rate"), "must be above 0 and at most 1"));
    }
    let any = c.purpose.is_some()
        || c.model.is_some()
        || c.significant
        || c.score_band.is_some()
        || c.no_explanation
        || c.fairness_alert
        || c.sample_rate.is_some();
    if !any {
        return Err(ServiceError::invalid(
            "conditions",
            "name at least one condition (a rule without one would send every decision to review)",
        ));
    }
    Ok(())
}

/// What a decision looks like to the rules.
pub(crate) struct Routed<'a> {
    pub decision_id: &'a DecisionId,
    pub purpose: &'a PurposeKey,
    pub model: &'a str,
    pub model_version: &'a str,
    pub significant: bool,
    pub score: Option<f64>,
    pub explained: bool,
    /// The subject is in a group a firing fairness alert names (read only when a rule asks).
    pub in_flagged_group: bool,
    pub created_at: &'a Timestamp,
    /// The model version's approval lapsed and its AI system sends decisions to review.
    pub approval_lapsed: bool,
}

/// Where the rules send a decision: nowhere (`None`), or to a review with these reasons.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Routing {
    pub reasons: Vec<ReviewReason>,
    pub due_at: Timestamp,
    pub required_role: Role,
    pub escalation_role: Option<Role>,
    pub two_person: bool,
    pub blind: bool,
}

/// Hours a reviewer has for a decision sent to review by a suspension.
pub(crate) const SUSPENSION_SLA_HOURS: u32 = 24;

/// Whether the decision falls in a sample of `rate`: the first 8 bytes of SHA-256 of its id, as
/// a fraction of 2^64. Deterministic, so the same decision is always in or out.
fn sampled(decision_id: &DecisionId, rate: f64) -> bool {
    let digest = Sha256::digest(decision_id.to_string().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) as f64) / 18_446_744_073_709_551_616.0 < rate
}

/// The reasons a rule gives for a decision, or none if a condition fails.
fn reasons_of(rule: &ReviewRuleRecord, c: &RuleConditions, d: &Routed<'_>) -> Option<Vec<ReviewReason>> {
    let mut codes = Vec::new();
    if let Some(p) = &c.purpose {
        if p != d.purpose.as_str() {
            return None;
        }
        codes.push(ReviewTrigger::Purpose);
    }
    if let Some(m) = &c.model {
        if m != d.model || c.model_version.as_ref().is_some_and(|v| v != d.model_version) {
            return None;
        }
        codes.push(ReviewTrigger::Model);
    }
    if c.significant {
        if !d.significant {
            return None;
        }
        codes.push(ReviewTrigger::Significant);
    }
    if let Some([low, high]) = c.score_band {
        if !d.score.is_some_and(|s| s >= low && s <= high) {
            return None;
        }
        codes.push(ReviewTrigger::ConfidenceBand);
    }
    if c.no_explanation {
        if d.explained {
            return None;
        }
        codes.push(ReviewTrigger::NoExplanation);
    }
    if c.fairness_alert {
        if !d.in_flagged_group {
            return None;
        }
        codes.push(ReviewTrigger::FairnessAlert);
    }
    if let Some(rate) = c.sample_rate {
        if !sampled(d.decision_id, rate) {
            return None;
        }
        codes.push(ReviewTrigger::Sample);
    }
    Some(codes.into_iter().map(|code| ReviewReason { rule_id: Some(rule.rule_id), rule_version: Some(rule.version), code }).collect())
}

/// Routes a decision through the live rules and the suspensions that hold: `None` when no rule
/// matches. The strictest terms of the matching rules apply (the shortest deadline, two
/// people and blindness if any asks for them).
pub(crate) fn route(rules: &[ReviewRuleRecord], held: &[SuspensionRecord], d: &Routed<'_>) -> Option<Routing> {
    let mut routing: Option<Routing> = None;
    let mut merge = |reasons: Vec<ReviewReason>, sla_hours: u32, role: Role, escalation: Option<Role>, two_person: bool, blind: bool| {
        let due_at = *d.created_at + chrono::Duration::hours(i64::from(sla_hours));
        match &mut routing {
            None => routing = Some(Routing { reasons, due_at, required_role: role, escalation_role: escalation, two_person, blind }),
            Some(r) => {
                r.reasons.extend(reasons);
                if due_at < r.due_at {
                    r.due_at = due_at;
                    r.required_role = role;
                }
                r.escalation_role = r.escalation_role.or(escalation);
                r.two_person |= two_person;
                r.blind |= blind;
            }
        }
    };
    if d.approval_lapsed {
        merge(
            vec![ReviewReason { rule_id: None, rule_version: None, code: ReviewTrigger::ApprovalExpired }],
            SUSPENSION_SLA_HOURS,
            Role::Reviewer,
            None,
            false,
            false,
        );
    }
    for s in held {
        if s.mode != custos_core::SuspensionMode::ReviewAll {
            continue;
        }
        let by_model = s.model.as_deref().is_some_and(|m| m == d.model) && s.model_version.as_deref().is_none_or(|v| v == d.model_version);
        let by_purpose = s.purpose.as_ref().is_some_and(|p| p == d.purpose);
        if by_model || by_purpose {
            merge(
                vec![ReviewReason { rule_id: None, rule_version: None, code: ReviewTrigger::Suspension }],
                SUSPENSION_SLA_HOURS,
                Role::Reviewer,
                None,
                false,
                false,
            );
        }
    }
    for rule in rules {
        let Ok(conditions) = serde_json::from_value::<RuleConditions>(rule.conditions.clone()) else {
            tracing::error!(rule_id = %rule.rule_id, "a stored review rule cannot be read; it routes every decision it might match to review");
            merge(
                vec![ReviewReason { rule_id: Some(rule.rule_id), rule_version: Some(rule.version), code: ReviewTrigger::Purpose }],
                rule.sla_hours,
                rule.required_role,
                rule.escalation_role,
                rule.two_person,
                rule.blind,
            );
            continue;
        };
        if let Some(reasons) = reasons_of(rule, &conditions, d) {
            merge(reasons, rule.sla_hours, rule.required_role, rule.escalation_role, rule.two_person, rule.blind);
        }
    }
    routing
}

fn rule_leaf(event: LedgerEvent, rule: &ReviewRuleRecord, at: &Timestamp) -> Vec<u8> {
    crate::ledger::event_at(
        event,
        at,
        serde_json::json!({
            "rule_id": rule.rule_id.to_string(),
            "version": rule.version,
            "name": rule.name,
            "conditions": rule.conditions,
            "sla_hours": rule.sla_hours,
            "required_role": rule.required_role.as_str(),
            "escalation_role": rule.escalation_role.map(|r| r.as_str()),
            "two_person": rule.two_person,
            "blind": rule.blind,
        }),
    )
}

impl Oversight<'_> {
    /// Creates a review rule (or, with `replaces`, the next version of one: the old version
    /// ends as the new one starts, and reviews keep naming the version that opened them).
    pub async fn create_rule(&self, input: ReviewRuleInput) -> Result<ReviewRuleView, ServiceError> {
        crate::check_token("name", &input.name)?;
        validate(&input.conditions)?;
        if !(1..=8760).contains(&input.sla_hours) {
            return Err(ServiceError::invalid("sla_hours", "must be between 1 and 8760 (a year)"));
        }
        let replaces = input.replaces.as_deref().map(RuleId::parse).transpose()?;
        let at = now();
        let conditions = serde_json::to_value(&input.conditions).map_err(ServiceError::internal)?;
        let (rule, receipt) = self
            .0
            .write(async |tx| {
                let (rule_id, version) = match replaces {
                    Some(id) => {
                        if !custos_store::reviews::end_rule(tx, &id, &at).await? {
                            return Err(ServiceError::unprocessable("replaces", "no live rule has this id"));
                        }
                        (id, custos_store::reviews::latest_version(tx, &id).await? + 1)
                    }
                    None => (RuleId::new(), 1),
                };
                let rule = ReviewRuleRecord {
                    rule_id,
                    name: input.name.clone(),
                    version,
                    conditions: conditions.clone(),
                    sla_hours: input.sla_hours,
                    required_role: input.required_role.unwrap_or(Role::Reviewer),
                    escalation_role: input.escalation_role,
                    two_person: input.two_person,
                    blind: input.blind,
                    created_at: at,
                    deleted_at: None,
                };
                custos_store::reviews::insert_rule(tx, &rule).await?;
                let receipt = custos_store::ledger::append_leaf(tx, rule_leaf(LedgerEvent::ReviewRuleCreated, &rule, &at)).await?;
                Ok((rule, receipt))
            })
            .await?;
        self.0.review_rules.forget();
        view(rule, Some(receipt))
    }

    /// The rules in force.
    pub async fn rules(&self) -> Result<Vec<ReviewRuleView>, ServiceError> {
        let rules = self.0.read(async |tx| Ok(custos_store::reviews::live_rules(tx).await?)).await?;
        rules.into_iter().map(|r| view(r, None)).collect()
    }

    /// Deletes a rule: no new decision goes to review because of it; open reviews stay open.
    pub async fn delete_rule(&self, rule_id: &str) -> Result<Receipt, ServiceError> {
        let id = RuleId::parse(rule_id)?;
        let at = now();
        let receipt = self
            .0
            .write(async |tx| {
                let rule = custos_store::reviews::live_rule(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "review rule" })?;
                custos_store::reviews::end_rule(tx, &id, &at).await?;
                Ok(custos_store::ledger::append_leaf(tx, rule_leaf(LedgerEvent::ReviewRuleDeleted, &rule, &at)).await?)
            })
            .await?;
        self.0.review_rules.forget();
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(c: RuleConditions, sla: u32) -> ReviewRuleRecord {
        ReviewRuleRecord {
            rule_id: RuleId::new(),
            name: "r".into(),
            version: 1,
            conditions: serde_json::to_value(c).expect("json"),
            sla_hours: sla,
            required_role: Role::Reviewer,
            escalation_role: None,
            two_person: false,
            blind: false,
            created_at: now(),
            deleted_at: None,
        }
    }

    #[test]
    fn every_condition_must_hold_and_the_strictest_terms_win() {
        let id = DecisionId::new();
        let purpose = PurposeKey::parse("credit.limit").expect("key");
        let at = now();
        let d = Routed {
            approval_lapsed: false,
            decision_id: &id,
            purpose: &purpose,
            model: "m",
            model_version: "1",
            significant: true,
            score: Some(0.5),
            explained: true,
            in_flagged_group: false,
            created_at: &at,
        };
        let band = rule(RuleConditions { purpose: Some("credit.limit".into()), score_band: Some([0.4, 0.6]), ..Default::default() }, 48);
        let outside = rule(RuleConditions { score_band: Some([0.7, 0.9]), ..Default::default() }, 1);
        let significant = rule(RuleConditions { significant: true, ..Default::default() }, 24);
        let routing = route(&[band.clone(), outside, significant.clone()], &[], &d).expect("routed");
        let codes: Vec<_> = routing.reasons.iter().map(|r| (r.rule_id, r.code)).collect();
        assert_eq!(
            codes,
            vec![
                (Some(band.rule_id), ReviewTrigger::Purpose),
                (Some(band.rule_id), ReviewTrigger::ConfidenceBand),
                (Some(significant.rule_id), ReviewTrigger::Significant)
            ]
        );
        assert_eq!(routing.due_at, at + chrono::Duration::hours(24));
        let unexplained = rule(RuleConditions { no_explanation: true, ..Default::default() }, 24);
        assert!(route(&[unexplained], &[], &d).is_none(), "an explained decision does not match `no_explanation`");
    }

    #[test]
    fn samples_are_drawn_by_decision_and_near_their_rate() {
        let ids: Vec<DecisionId> = (0..20_000).map(|_| DecisionId::new()).collect();
        let hits = ids.iter().filter(|id| sampled(id, 0.1)).count();
        assert!((1_700..2_300).contains(&hits), "{hits} of 20000 at 10%");
        assert!(ids.iter().all(|id| sampled(id, 0.1) == sampled(id, 0.1)));
        assert!(ids.iter().all(|id| sampled(id, 1.0)));
    }

    #[test]
    fn a_rule_names_a_condition() {
        assert!(validate(&RuleConditions::default()).is_err());
        assert!(validate(&RuleConditions { sample_rate: Some(0.0), ..Default::default() }).is_err());
        assert!(validate(&RuleConditions { score_band: Some([0.9, 0.1]), ..Default::default() }).is_err());
        assert!(validate(&RuleConditions { model_version: Some("1".into()), ..Default::default() }).is_err());
        assert!(validate(&RuleConditions { significant: true, ..Default::default() }).is_ok());
    }
}

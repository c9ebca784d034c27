//! The decision log: what an AI decided about whom, under which purpose and gate check.

use std::collections::BTreeMap;

use custos_core::{
    ApiKeyId, CheckId, DecidedBy, DecisionId, DecisionStatus, LedgerEvent, PurposeKey, ValidationError, format_timestamp, now,
    parse_timestamp,
};
pub use custos_explain::Explanation;
pub use custos_explain::counterfactual::{Counterfactual, FeatureChange};
pub use custos_store::DecisionRecord;
use custos_store::decisions::DecisionCursor;
pub use custos_store::decisions::DecisionFilter;
use serde_json::Value;

use crate::{
    Receipt, Service, ServiceError,
    models::ReasonsView,
    paging::{Page, PageAt},
    subjects::parse_subject_id,
};

/// Logs an AI decision about a subject.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    /// About whom.
    pub subject_id: String,
    /// Under which purpose.
    pub purpose: String,
    /// The gate check that allowed the data use.
    pub check_id: Option<String>,
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// What was decided.
    pub outcome: String,
    /// Model score.
    pub score: Option<f64>,
    /// Input features (stored encrypted).
    pub features: Option<BTreeMap<String, Value>>,
    /// The decision has a legal or similarly significant effect (it also has one when its
    /// purpose says so).
    pub significant: Option<bool>,
}

/// Records the observed outcome of a decision.
#[derive(Debug, Clone, Default)]
pub struct OutcomeInput {
    /// What actually happened.
    pub actual: String,
    /// When it was observed (RFC 3339); default now.
    pub observed_at: Option<String>,
}

/// A logged decision, with its ledger receipt on write answers.
#[derive(Debug, Clone)]
pub struct DecisionView {
    /// The decision (features and outcome decrypted; `None` once the subject is erased).
    pub decision: DecisionRecord,
    /// Where it was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
    /// The review it waits for (when `pending_review`) or last had.
    pub review: Option<crate::reviews::ReviewRecord>,
}

/// A decision with its explanation, as a reviewer reads it.
#[derive(Debug, Clone)]
pub struct DecisionDetail {
    /// The decision.
    pub decision: DecisionRecord,
    /// Its explanation, if a registered model made it.
    pub explanation: Option<Explanation>,
    /// What the customer is told, if the model has a feature dictionary.
    pub reasons: Option<ReasonsView>,
}

fn decision_view(decision: DecisionRecord) -> DecisionView {
    DecisionView { decision, receipt: None, review: None }
}

/// The ledger leaf of a logged decision: ids, codes and a keyed digest of its score and
/// features (never the values).
pub(crate) fn decision_leaf(
    keyring: &custos_store::Keyring,
    record: &DecisionRecord,
    explained_by: Option<&custos_core::ModelId>,
) -> Vec<u8> {
    let content = serde_json::json!({"score": record.score, "features": record.features});
    let digest = keyring.digest("ledger/decision-content", content.to_string().as_bytes());
    crate::ledger::event_at(
        LedgerEvent::DecisionRecorded,
        &record.created_at,
        crate::ledger::subject_fields(
            &record.subject_id,
            serde_json::json!({
                "decision_id": record.decision_id.to_string(),
                "purpose": record.purpose.as_str(),
                "check_id": record.check_id.map(|c| c.to_string()),
                "model": record.model,
                "model_version": record.model_version,
                "outcome": record.outcome,
                "content_digest": data_encoding::HEXLOWER.encode(&digest),
                "key_id": record.key_id.map(|k| k.to_string()),
                "explained_by": explained_by.map(ToString::to_string),
                "status": record.status.as_str(),
                "significant": record.significant,
                "decided_by": record.decided_by.as_str(),
                "supersedes": record.supersedes.map(|d| d.to_string()),
                "reason_code": record.reason_code,
            }),
        ),
    )
}

/// The ledger leaf of an observed outcome: a keyed digest of the outcome, never the value (it
/// is personal data, erased with the subject; the ledger keeps everything forever).
pub(crate) fn outcome_leaf(
    keyring: &custos_store::Keyring,
    id: &DecisionId,
    actual: &str,
    observed_at: &custos_core::Timestamp,
) -> Vec<u8> {
    let digest = keyring.digest("ledger/decision-outcome", format!("{id}:{actual}").as_bytes());
    crate::ledger::event(
        LedgerEvent::DecisionOutcome,
        serde_json::json!({
            "decision_id": id.to_string(),
            "actual_digest": data_encoding::HEXLOWER.encode(&digest),
            "observed_at": format_timestamp(observed_at),
        }),
    )
}

/// The decision log, outcomes, and the explanations of registered models' decisions.
#[derive(Clone, Copy)]
pub struct Decisions<'a>(pub(crate) &'a Service);

impl Decisions<'_> {
    /// The stored explanation of a decision.
    pub async fn explanation(&self, decision_id: &str) -> Result<Explanation, ServiceError> {
        let id = DecisionId::parse(decision_id)?;
        let found = self
            .0
            .read(async |tx| {
                if custos_store::decisions::get(tx, &id).await?.is_none() {
                    return Err(ServiceError::NotFound { resource: "decision" });
                }
                Ok(custos_store::decisions::explanation(tx, &id).await?)
            })
            .await?;
        let doc = found.ok_or(ServiceError::NotFound { resource: "explanation" })?;
        let mut explanation: Explanation =
            serde_json::from_value(doc).map_err(|e| ServiceError::internal(format!("stored explanation of {id}: {e}")))?;
        explanation.decision_id = Some(id.to_string());
        Ok(explanation)
    }

    /// The plain-language reasons of a decision (what the customer may see).
    pub async fn reasons(&self, decision_id: &str) -> Result<ReasonsView, ServiceError> {
        let explanation = self.explanation(decision_id).await?;
        reasons_of(DecisionId::parse(decision_id)?, &explanation)
    }

    /// Logs a decision. The subject and purpose must exist; a quoted gate check must be about
    /// the same subject and purpose and must have allowed the use.
    pub async fn record(&self, input: DecisionInput, caller: Option<ApiKeyId>) -> Result<DecisionView, ServiceError> {
        let subject_id = parse_subject_id("subject_id", &input.subject_id)?;
        let purpose = PurposeKey::parse(&input.purpose)?;
        let check_id = input.check_id.as_deref().map(CheckId::parse).transpose()?;
        crate::check_token("model", &input.model)?;
        crate::check_token("model_version", &input.model_version)?;
        crate::check_token("outcome", &input.outcome)?;
        if let Some(score) = input.score
            && !score.is_finite()
        {
            return Err(ServiceError::invalid("score", "must be a finite number"));
        }
        // Only an approved version decides about customers (or, in review with shadow mode on,
        // is stored as `shadow`); the refusal names the version and its state.
        let admission = self.0.models().admit(&input.model, &input.model_version).await?;
        // A registered model's decision is explained now, as it was made.
        let (explanation, later) = match &input.features {
            Some(f) => match self.0.models().loaded(&input.model, &input.model_version).await? {
                Some(loaded) => (Some(crate::models::explain_decision(&loaded, f)?), Some((loaded, f.clone()))),
                None => (None, None),
            },
            None => (None, None),
        };
        let features = input.features.map(|f| Value::Object(f.into_iter().collect()));
        if features.as_ref().is_some_and(|f| f.to_string().len() > 256 * 1024) {
            return Err(ServiceError::invalid("features", "must be at most 256 KiB"));
        }
        let mut record = DecisionRecord {
            decision_id: DecisionId::new(),
            subject_id,
            purpose,
            check_id,
            model: input.model,
            model_version: input.model_version,
            outcome: input.outcome,
            score: input.score,
            features,
            actual: None,
            observed_at: None,
            key_id: caller,
            created_at: now(),
            status: if admission == crate::lifecycle::Admission::Shadow { DecisionStatus::Shadow } else { DecisionStatus::Final },
            significant: input.significant.unwrap_or(false),
            decided_by: DecidedBy::Model,
            supersedes: None,
            reason_code: None,
            check_overtaken: false,
        };
        let held = self.0.oversight().held().await?;
        let rules = self.0.oversight().live_rules().await?;
        // The subject's group is read only when a rule asks about fairness alerts and one fires.
        let wants_groups = rules.iter().any(|r| r.conditions.get("fairness_alert").and_then(Value::as_bool) == Some(true));
        let flags = if wants_groups { Some(self.0.oversight().fairness_flags().await?) } else { None };
        let gate_config = &self.0.config().gate;
        let keyring = self.0.store.keyring().clone();
        let explained_by = explanation.as_ref().map(|e| e.0);
        let (record, review, receipt) = self
            .0
            .write(async |tx| {
                crate::subjects::live(tx, &record.subject_id).await?;
                let purpose = custos_store::purposes::get(tx, record.purpose.as_str())
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("purpose", format!("purpose `{}` does not exist", record.purpose)))?;
                if let Some(check_id) = &record.check_id {
                    let check = custos_store::checks::get(tx, check_id)
                        .await?
                        .ok_or_else(|| ServiceError::unprocessable("check_id", "no such gate check"))?;
                    if check.subject_id != record.subject_id || check.purpose != record.purpose.as_str() {
                        return Err(ServiceError::unprocessable("check_id", "the gate check was about another subject or purpose"));
                    }
                    if check.decision != custos_policy::Decision::Allow.as_str() {
                        return Err(ServiceError::unprocessable("check_id", "the gate check denied this use"));
                    }
                    // Logged all the same (it happened), marked for the `decisions_gated` control.
                    record.check_overtaken =
                        custos_store::checks::overtaken(tx, &record.subject_id, record.purpose.as_str(), &check.checked_at).await?;
                }
                record.significant |= purpose.significant_effect;
                let in_flagged_group = match flags.as_deref() {
                    Some(flags) if !flags.is_empty() => {
                        crate::oversight::in_flagged_group(tx, gate_config, flags, &record.subject_id, &record.purpose, &record.model)
                            .await?
                    }
                    _ => false,
                };
                let routing = crate::oversight::route(
                    &rules,
                    &held,
                    &crate::oversight::Routed {
                        decision_id: &record.decision_id,
                        purpose: &record.purpose,
                        model: &record.model,
                        model_version: &record.model_version,
                        significant: record.significant,
                        score: record.score,
                        explained: explanation.is_some(),
                        in_flagged_group,
                        created_at: &record.created_at,
                        approval_lapsed: admission == crate::lifecycle::Admission::Review,
                    },
                );
                // A shadow decision is never acted on: nothing to review.
                let routing = if record.status == DecisionStatus::Shadow { None } else { routing };
                if routing.is_some() {
                    record.status = DecisionStatus::PendingReview;
                }
                custos_store::decisions::insert(tx, &record).await?;
                if let Some((model_id, doc)) = &explanation {
                    let doc = serde_json::to_value(doc).map_err(ServiceError::internal)?;
                    custos_store::decisions::insert_explanation(
                        tx,
                        &record.decision_id,
                        &record.subject_id,
                        model_id,
                        &doc,
                        &record.created_at,
                    )
                    .await?;
                }
                let receipt = custos_store::ledger::append_leaf(tx, decision_leaf(&keyring, &record, explained_by.as_ref())).await?;
                let review = match routing {
                    Some(routing) => {
                        let (review, leaf) = crate::reviews::open(&record, routing);
                        custos_store::reviews::insert(tx, &review).await?;
                        custos_store::ledger::append_leaf(tx, leaf).await?;
                        Some(review)
                    }
                    None => None,
                };
                Ok((record.clone(), review, receipt))
            })
            .await?;
        if let Some((loaded, features)) = later {
            self.spawn_counterfactual(record.decision_id, record.subject_id, loaded, features);
        }
        Ok(DecisionView { decision: record, receipt: Some(receipt), review })
    }

    /// Computes a decision's counterfactual after it was logged (never on the request's path),
    /// and seals it beside the explanation.
    fn spawn_counterfactual(
        &self,
        id: DecisionId,
        subject: custos_core::SubjectId,
        loaded: std::sync::Arc<crate::models::LoadedModel>,
        features: BTreeMap<String, Value>,
    ) {
        let service = self.0.clone();
        self.0.background.spawn(async move {
            let computed = tokio::task::spawn_blocking(move || crate::models::counterfactual_of(&loaded, &features)).await;
            let doc = match computed {
                Ok(Ok(Some((cf, text)))) => match serde_json::to_value(&cf) {
                    // The customer's words go with it (the dictionary may change later).
                    Ok(Value::Object(mut doc)) => {
                        doc.insert("text".into(), text.map_or(Value::Null, Value::String));
                        Value::Object(doc)
                    }
                    Ok(_) => return tracing::error!(decision_id = %id, "counterfactual is not an object"),
                    Err(e) => return tracing::error!(decision_id = %id, error = %e, "counterfactual not serializable"),
                },
                Ok(Ok(None)) => return,
                Ok(Err(e)) => return tracing::warn!(decision_id = %id, error = %e, "no counterfactual"),
                Err(e) => return tracing::error!(decision_id = %id, error = %e, "the counterfactual task failed"),
            };
            if let Err(e) = service.write(async |tx| Ok(custos_store::decisions::set_counterfactual(tx, &id, &subject, &doc).await?)).await
            {
                tracing::error!(decision_id = %id, error = %e, "storing the counterfactual failed");
            }
        });
    }

    /// The counterfactual of a decision: the smallest change to what the customer can act on
    /// that would have flipped it (`not_adverse` for a favourable decision); not found until
    /// computed, or when the model has no feature dictionary.
    pub async fn counterfactual(&self, decision_id: &str) -> Result<CounterfactualView, ServiceError> {
        let id = DecisionId::parse(decision_id)?;
        let doc = self
            .0
            .read(async |tx| {
                if custos_store::decisions::get(tx, &id).await?.is_none() {
                    return Err(ServiceError::NotFound { resource: "decision" });
                }
                Ok(custos_store::decisions::counterfactual(tx, &id).await?)
            })
            .await?
            .ok_or(ServiceError::NotFound { resource: "counterfactual (not computed yet, or the model has no feature dictionary)" })?;
        counterfactual_view(doc).map_err(|e| ServiceError::internal(format!("stored counterfactual of {id}: {e}")))
    }

    /// Records what actually happened after a decision (ground truth for monitoring).
    pub async fn record_outcome(&self, decision_id: &str, input: OutcomeInput) -> Result<DecisionView, ServiceError> {
        let id = DecisionId::parse(decision_id)?;
        crate::check_token("actual", &input.actual)?;
        let observed_at = match &input.observed_at {
            Some(t) => parse_timestamp(t).ok_or_else(|| ServiceError::invalid("observed_at", "must be an RFC 3339 timestamp"))?,
            None => now(),
        };
        let leaf = outcome_leaf(self.0.store.keyring(), &id, &input.actual, &observed_at);
        let (record, receipt) = self
            .0
            .write(async |tx| {
                if !custos_store::decisions::set_outcome(tx, &id, &input.actual, &observed_at).await? {
                    return Err(ServiceError::NotFound { resource: "decision" });
                }
                let record = custos_store::decisions::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "decision" })?;
                Ok((record, custos_store::ledger::append_leaf(tx, leaf).await?))
            })
            .await?;
        Ok(DecisionView { decision: record, receipt: Some(receipt), review: None })
    }

    /// A page of decisions, newest first (at most `limit`, up to 1000), optionally filtered,
    /// with how many match in all.
    pub async fn page(&self, filter: DecisionFilter, at: PageAt, limit: u32) -> Result<Page<DecisionRecord>, ServiceError> {
        let limit = limit.clamp(1, 1000);
        let cursor_id = match &at {
            PageAt::First => None,
            PageAt::After(id) => Some((true, DecisionId::parse(id).map_err(|e| ValidationError::new("after", e.message()))?)),
            PageAt::Before(id) => Some((false, DecisionId::parse(id).map_err(|e| ValidationError::new("before", e.message()))?)),
        };
        let (records, total, offset) = self
            .0
            .read(async |tx| {
                let cursor = match &cursor_id {
                    None => None,
                    Some((after, id)) => {
                        let d = custos_store::decisions::get(tx, id).await?.ok_or(ServiceError::NotFound { resource: "decision" })?;
                        Some(if *after {
                            DecisionCursor::After(d.created_at, d.decision_id)
                        } else {
                            DecisionCursor::Before(d.created_at, d.decision_id)
                        })
                    }
                };
                let records = custos_store::decisions::page(tx, &filter, cursor.as_ref(), limit).await?;
                let newest = records.first().map(|d| (&d.created_at, &d.decision_id));
                let (total, offset) = custos_store::decisions::count(tx, &filter, newest).await?;
                Ok((records, total, offset))
            })
            .await?;
        Ok(Page::new(records, total, offset, |d: &DecisionRecord| d.decision_id.to_string()))
    }

    /// A decision with its explanation and customer-facing reasons, for review: `None` where
    /// the model was not registered (no explanation) or had no dictionary (no reasons).
    pub async fn detail(&self, decision_id: &str) -> Result<DecisionDetail, ServiceError> {
        let decision = self.get(decision_id).await?.decision;
        let explanation = match self.explanation(decision_id).await {
            Ok(e) => Some(e),
            Err(ServiceError::NotFound { resource: "explanation" }) => None,
            Err(e) => return Err(e),
        };
        let reasons = explanation.as_ref().and_then(|e| reasons_of(decision.decision_id, e).ok());
        Ok(DecisionDetail { decision, explanation, reasons })
    }

    /// One decision, with its latest review. In blind reviews a pending decision's outcome and
    /// score stay with the model until the review is resolved: callers must not act on a
    /// pending decision anyway.
    pub async fn get(&self, decision_id: &str) -> Result<DecisionView, ServiceError> {
        let id = DecisionId::parse(decision_id)?;
        let (record, review) = self
            .0
            .read(async |tx| {
                let record = custos_store::decisions::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "decision" })?;
                let review = custos_store::reviews::of_decision(tx, &id).await?.into_iter().next();
                Ok((record, review))
            })
            .await?;
        Ok(DecisionView { decision: record, receipt: None, review })
    }

    /// A subject's decisions, newest first.
    pub async fn of_subject(&self, subject_id: &str) -> Result<Vec<DecisionView>, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        let records = self
            .0
            .read(async |tx| {
                custos_store::subjects::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
                Ok(custos_store::decisions::for_subject(tx, &id, 1000).await?)
            })
            .await?;
        Ok(records.into_iter().map(decision_view).collect())
    }
}

/// A stored counterfactual with the customer's words for it.
#[derive(Debug, Clone)]
pub struct CounterfactualView {
    /// What the search found.
    pub counterfactual: Counterfactual,
    /// In the customer's words (when one was found and the model has a dictionary).
    pub text: Option<String>,
}

pub(crate) fn counterfactual_view(doc: Value) -> Result<CounterfactualView, serde_json::Error> {
    let text = doc.get("text").and_then(Value::as_str).map(str::to_owned);
    Ok(CounterfactualView { counterfactual: serde_json::from_value(doc)?, text })
}

/// The customer-facing reasons in an explanation; not found when the model has no dictionary.
pub(crate) fn reasons_of(decision_id: DecisionId, explanation: &Explanation) -> Result<ReasonsView, ServiceError> {
    let reasons = explanation
        .reasons
        .as_ref()
        .ok_or(ServiceError::NotFound { resource: "reasons (the model was registered without a feature dictionary)" })?;
    Ok(ReasonsView {
        decision_id,
        text: reasons.text.clone(),
        reasons: reasons.reasons.iter().map(|r| r.text.clone()).collect(),
        hints: reasons.counterfactuals.iter().map(|c| c.text.clone()).collect(),
    })
}

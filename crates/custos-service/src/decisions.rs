//! The decision log: what an AI decided about whom, under which purpose and gate check.

use custos_core::{ApiKeyId, CheckId, DecisionId, PurposeKey, format_timestamp, now, parse_timestamp};
use custos_store::DecisionRecord;
use serde_json::{Value, json};

use crate::{
    Service, ServiceError,
    dto::{DecisionInput, DecisionView, OutcomeInput},
    models::ReasonsView,
    subjects::parse_subject_id,
};

pub(crate) fn decision_view(d: &DecisionRecord) -> DecisionView {
    DecisionView {
        decision_id: d.decision_id.to_string(),
        subject_id: d.subject_id.to_string(),
        purpose: d.purpose.to_string(),
        check_id: d.check_id.map(|c| c.to_string()),
        model: d.model.clone(),
        model_version: d.model_version.clone(),
        outcome: d.outcome.clone(),
        score: d.score,
        features: d.features.clone(),
        actual: d.actual.clone(),
        observed_at: d.observed_at.as_ref().map(format_timestamp),
        created_at: format_timestamp(&d.created_at),
        receipt: None,
    }
}

/// The ledger leaf of a logged decision: ids, codes and a keyed digest of its score and
/// features (never the values).
pub(crate) fn decision_leaf(store: &custos_store::Store, record: &DecisionRecord, explained_by: Option<&custos_core::ModelId>) -> Vec<u8> {
    let content = serde_json::json!({"score": record.score, "features": record.features});
    let digest = store.keyring().digest("ledger/decision-content", content.to_string().as_bytes());
    crate::ledger::event_at(
        "decision.recorded",
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
        "decision.outcome",
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
    pub async fn explanation(&self, decision_id: &str) -> Result<Value, ServiceError> {
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
        let mut doc = found.ok_or(ServiceError::NotFound { resource: "explanation" })?;
        doc["decision_id"] = json!(decision_id);
        Ok(doc)
    }

    /// The plain-language reasons of a decision (what the customer may see).
    pub async fn reasons(&self, decision_id: &str) -> Result<ReasonsView, ServiceError> {
        let doc = self.explanation(decision_id).await?;
        let reasons = &doc["reasons"];
        if reasons.is_null() {
            return Err(ServiceError::NotFound { resource: "reasons (the model was registered without a feature dictionary)" });
        }
        let texts = |key: &str, field: &str| -> Vec<String> {
            reasons[key].as_array().into_iter().flatten().filter_map(|r| r[field].as_str().map(str::to_owned)).collect()
        };
        Ok(ReasonsView {
            decision_id: decision_id.to_owned(),
            text: reasons["text"].as_str().unwrap_or("").to_owned(),
            reasons: texts("reasons", "text"),
            hints: texts("counterfactuals", "text"),
        })
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
        // A registered model's decision is explained now, as it was made.
        let explanation = match &input.features {
            Some(f) => match self.0.models().loaded(&input.model, &input.model_version).await? {
                Some(loaded) => Some(crate::models::explain_decision(&loaded, f)?),
                None => None,
            },
            None => None,
        };
        let features = input.features.map(|f| Value::Object(f.into_iter().collect()));
        if features.as_ref().is_some_and(|f| f.to_string().len() > 256 * 1024) {
            return Err(ServiceError::invalid("features", "must be at most 256 KiB"));
        }
        let record = DecisionRecord {
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
        };
        let stored = record.clone();
        let leaf = decision_leaf(&self.0.store, &record, explanation.as_ref().map(|e| &e.0));
        let receipt = self
            .0
            .write(async |tx| {
                let subject = custos_store::subjects::get(tx, &stored.subject_id)
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("subject_id", "no such subject"))?;
                if subject.erased_at.is_some() {
                    return Err(ServiceError::unprocessable("subject_id", "the subject was erased"));
                }
                if custos_store::purposes::get(tx, stored.purpose.as_str()).await?.is_none() {
                    return Err(ServiceError::unprocessable("purpose", format!("purpose `{}` does not exist", stored.purpose)));
                }
                if let Some(check_id) = &stored.check_id {
                    let check = custos_store::checks::get(tx, check_id)
                        .await?
                        .ok_or_else(|| ServiceError::unprocessable("check_id", "no such gate check"))?;
                    if check.subject_id != stored.subject_id || check.purpose != stored.purpose.as_str() {
                        return Err(ServiceError::unprocessable("check_id", "the gate check was about another subject or purpose"));
                    }
                    if check.decision != "allow" {
                        return Err(ServiceError::unprocessable("check_id", "the gate check denied this use"));
                    }
                }
                custos_store::decisions::insert(tx, &stored).await?;
                if let Some((model_id, doc)) = &explanation {
                    custos_store::decisions::insert_explanation(
                        tx,
                        &stored.decision_id,
                        &stored.subject_id,
                        model_id,
                        doc,
                        &stored.created_at,
                    )
                    .await?;
                }
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        let mut view = decision_view(&record);
        view.receipt = Some(receipt.into());
        Ok(view)
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
        let mut view = decision_view(&record);
        view.receipt = Some(receipt.into());
        Ok(view)
    }

    /// Decisions, newest first (at most `limit`, up to 1000), optionally filtered.
    pub async fn list(
        &self,
        purpose: Option<String>,
        model: Option<String>,
        outcome: Option<String>,
        limit: u32,
    ) -> Result<Vec<DecisionView>, ServiceError> {
        let limit = limit.clamp(1, 1000);
        let records = self
            .0
            .read(async |tx| Ok(custos_store::decisions::list(tx, purpose.as_deref(), model.as_deref(), outcome.as_deref(), limit).await?))
            .await?;
        Ok(records.iter().map(decision_view).collect())
    }

    /// One decision.
    pub async fn get(&self, decision_id: &str) -> Result<DecisionView, ServiceError> {
        let id = DecisionId::parse(decision_id)?;
        let record = self
            .0
            .read(async |tx| Ok(custos_store::decisions::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "decision" })?;
        Ok(decision_view(&record))
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
        Ok(records.iter().map(decision_view).collect())
    }
}

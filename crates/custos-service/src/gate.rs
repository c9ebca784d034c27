//! The gate check use case: gather what custos knows, let the policy engine decide, release
//! minimized (and possibly pseudonymized) data, persist the check.

use std::collections::BTreeMap;

use custos_core::{ApiKeyId, CheckId, PurposeKey, format_timestamp, now};
use custos_policy::{Decision, Objections, SubjectState, evaluate};
use custos_store::CheckRecord;
use serde_json::Value;

use crate::{
    Service, ServiceError,
    dto::{GateCheckInput, GateCheckView, ReasonView},
    purposes::parse_categories,
    subjects::parse_subject_id,
};

/// The gate every AI use of customer data passes, and its check log.
#[derive(Clone, Copy)]
pub struct Gate<'a>(pub(crate) &'a Service);

impl Gate<'_> {
    /// Decides whether `input.purpose` may use the subject's `input.data_categories` and
    /// persists the check. A deny is a normal answer, not an error; only an unknown subject or
    /// malformed input is an error. `gpc` is a `Sec-GPC: 1` header on the request.
    ///
    /// The decision is taken on a consistent snapshot and the check is then written durably;
    /// a consent change that commits in between is ordered after this check.
    pub async fn check(&self, input: GateCheckInput, gpc: bool, caller: Option<ApiKeyId>) -> Result<GateCheckView, ServiceError> {
        let subject_id = parse_subject_id("subject_id", &input.subject_id)?;
        let purpose_key = PurposeKey::parse(&input.purpose)?;
        let requested = parse_categories("data_categories", &input.data_categories)?;

        let purpose = self.0.purposes().cached(purpose_key.as_str()).await?;
        // One statement, no transaction: the facts and the sealed values come together; values
        // are decrypted only for what the decision releases.
        let (facts, sealed) =
            self.0.store.gate_facts(&subject_id, purpose_key.as_str()).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
        let state = SubjectState {
            jurisdiction: facts.jurisdiction.clone(),
            erased: facts.erased,
            restricted: facts.restricted,
            objections: Objections {
                purposes: if facts.objection_purpose { vec![purpose_key.clone()] } else { Vec::new() },
                profiling: facts.objection_profiling,
                direct_marketing: facts.objection_direct_marketing,
            },
            opted_out_sale_share: facts.opted_out_sale_share,
            gpc: facts.gpc,
            consent: if purpose.is_some() { facts.consent } else { None },
            held: sealed.iter().map(|(c, _)| c.clone()).collect(),
        };
        let decision = evaluate(&self.0.config.gate, &state, purpose.as_ref(), &requested, gpc);
        let mut released = BTreeMap::new();
        if decision.decision == Decision::Allow && !decision.released.is_empty() {
            let categories: Vec<_> = decision.released.iter().map(|r| r.category.clone()).collect();
            let values = self.0.store.open_values(&subject_id, &facts, &sealed, &categories)?;
            let pseudonymizer = self.0.store.keyring().pseudonymizer(&purpose_key);
            for release in &decision.released {
                if let Some(value) = values.get(&release.category) {
                    let out = if release.pseudonymize {
                        let text = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        Value::String(pseudonymizer.token(release.category.as_str(), &text))
                    } else {
                        value.clone()
                    };
                    released.insert(release.category.to_string(), out);
                }
            }
        }

        let reasons: Vec<ReasonView> = decision
            .reasons
            .iter()
            .map(|r| ReasonView {
                code: serde_json::to_value(r.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                message: r.message.clone(),
            })
            .collect();
        let record = CheckRecord {
            check_id: CheckId::new(),
            subject_id,
            purpose: purpose_key.to_string(),
            requested,
            decision: decision.decision.as_str().to_owned(),
            reasons: serde_json::to_value(&reasons).unwrap_or(Value::Null),
            released: decision.released.iter().map(|r| r.category.clone()).collect(),
            gpc,
            key_id: caller,
            checked_at: now(),
        };
        let check_id = record.check_id;
        let leaf = crate::ledger::event_at(
            "gate.check",
            &record.checked_at,
            crate::ledger::subject_fields(
                &record.subject_id,
                serde_json::json!({
                    "check_id": check_id.to_string(),
                    "purpose": record.purpose,
                    "decision": record.decision,
                    "reasons": reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
                    "requested": record.requested.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "released": record.released.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "gpc": gpc,
                    "key_id": caller.map(|k| k.to_string()),
                }),
            ),
        );
        let receipt = self.0.store.append_check(record, leaf).await?;
        Ok(GateCheckView {
            check_id: check_id.to_string(),
            decision: decision.decision.as_str().to_owned(),
            reasons,
            released,
            receipt: Some(receipt.into()),
        })
    }

    /// A subject's latest gate checks (at most `limit`), newest first: (when, purpose, decision,
    /// reason codes).
    pub async fn checks_of_subject(&self, subject_id: &str, limit: u32) -> Result<Vec<(String, String, String, String)>, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        let indexed = self.0.store.indexed_checks(&id)?;
        let mut checks = self.0.read(async |tx| Ok(custos_store::checks::for_subject(tx, &id, indexed.as_ref(), 100_000).await?)).await?;
        checks.sort_by_key(|c| std::cmp::Reverse(c.checked_at));
        checks.truncate(limit as usize);
        Ok(checks
            .into_iter()
            .map(|c| {
                let codes = c
                    .reasons
                    .as_array()
                    .map_or_else(String::new, |r| r.iter().filter_map(|x| x["code"].as_str()).collect::<Vec<_>>().join(", "));
                (format_timestamp(&c.checked_at), c.purpose, c.decision, codes)
            })
            .collect())
    }
}

//! The stop button (EU AI Act Art. 14(4)(e)): a person stops a purpose at the gate, or sends
//! every decision of a model (or of a purpose) to review, until they lift it.

use custos_core::{LedgerEvent, PurposeKey, SuspensionId, SuspensionMode, Timestamp, now};
use custos_store::suspensions::SuspensionRecord;

use super::Oversight;
use crate::{Receipt, ServiceError};

/// Suspends a purpose or a model.
#[derive(Debug, Clone)]
pub struct SuspensionInput {
    /// The purpose to stop (`deny`) or to review (`review_all`).
    pub purpose: Option<String>,
    /// The model whose decisions all go to review (`review_all` only).
    pub model: Option<String>,
    /// Only this version of the model.
    pub model_version: Option<String>,
    /// What the suspension does.
    pub mode: SuspensionMode,
    /// Why (shown to staff and kept in the ledger; about a system, never a person).
    pub reason: String,
}

/// A suspension, with its ledger receipt on write answers.
#[derive(Debug, Clone)]
pub struct SuspensionView {
    /// The suspension.
    pub suspension: SuspensionRecord,
    /// Where the change was recorded (write answers only).
    pub receipt: Option<Receipt>,
}

/// The ledger leaf of a press or a lift: what a webhook says, and who.
fn leaf(event: LedgerEvent, s: &SuspensionRecord, by: &str, at: &Timestamp) -> Vec<u8> {
    let mut fields = payload(s);
    fields["by"] = serde_json::Value::from(by);
    crate::ledger::event_at(event, at, fields)
}

/// What a webhook says of a suspension.
fn payload(s: &SuspensionRecord) -> serde_json::Value {
    serde_json::json!({
        "suspension_id": s.suspension_id.to_string(),
        "purpose": s.purpose.as_ref().map(PurposeKey::as_str),
        "model": s.model,
        "model_version": s.model_version,
        "mode": s.mode.as_str(),
        "reason": s.reason,
    })
}

impl Oversight<'_> {
    /// Presses the stop button. `by` names who (`staff:<id>` or `key:<id>`).
    pub async fn suspend(&self, input: SuspensionInput, by: &str) -> Result<SuspensionView, ServiceError> {
        let purpose = input.purpose.as_deref().map(PurposeKey::parse).transpose()?;
        if let Some(m) = &input.model {
            crate::check_token("model", m)?;
        }
        if let Some(v) = &input.model_version {
            crate::check_token("model_version", v)?;
            if input.model.is_none() {
                return Err(ServiceError::invalid("model_version", "needs `model` too"));
            }
        }
        if input.reason.trim().is_empty() || input.reason.chars().count() > 2000 || input.reason.contains('\0') {
            return Err(ServiceError::invalid("reason", "say why in 1-2000 characters"));
        }
        match (input.mode, &purpose, &input.model) {
            (_, Some(_), Some(_)) => return Err(ServiceError::invalid("model", "name a purpose or a model, not both")),
            (_, None, None) => {
                return Err(ServiceError::invalid("purpose", "name the purpose (or, to review every decision, the model) to suspend"));
            }
            (SuspensionMode::Deny, None, Some(_)) => {
                return Err(ServiceError::invalid(
                    "mode",
                    "`deny` stops a purpose at the gate; name the purpose, or use `review_all` to send the model's decisions to review",
                ));
            }
            _ => {}
        }
        let record = SuspensionRecord {
            suspension_id: SuspensionId::new(),
            purpose,
            model: input.model,
            model_version: input.model_version,
            mode: input.mode,
            reason: input.reason,
            created_by: by.to_owned(),
            created_at: now(),
            lifted_at: None,
            lifted_by: None,
        };
        let stored = record.clone();
        let receipt = self
            .0
            .write(async |tx| {
                if let Some(p) = &stored.purpose
                    && custos_store::purposes::get(tx, p.as_str()).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("purpose", format!("purpose `{p}` does not exist")));
                }
                custos_store::suspensions::insert(tx, &stored).await?;
                crate::webhooks::announce(tx, custos_core::WebhookEvent::SuspensionCreated, payload(&stored), &stored.created_at).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf(LedgerEvent::SuspensionCreated, &stored, by, &stored.created_at)).await?)
            })
            .await?;
        self.0.suspensions.forget();
        tracing::warn!(suspension_id = %record.suspension_id, mode = record.mode.as_str(), "suspension in force");
        Ok(SuspensionView { suspension: record, receipt: Some(receipt) })
    }

    /// Lifts a suspension. Lifting one already lifted changes nothing.
    pub async fn lift(&self, suspension_id: &str, by: &str) -> Result<SuspensionView, ServiceError> {
        let id = SuspensionId::parse(suspension_id)?;
        let at = now();
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let s = custos_store::suspensions::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "suspension" })?;
                let receipt = if s.lifted_at.is_none() {
                    custos_store::suspensions::lift(tx, &id, by, &at).await?;
                    crate::webhooks::announce(tx, custos_core::WebhookEvent::SuspensionLifted, payload(&s), &at).await?;
                    Some(custos_store::ledger::append_leaf(tx, leaf(LedgerEvent::SuspensionLifted, &s, by, &at)).await?)
                } else {
                    None
                };
                let s = custos_store::suspensions::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "suspension" })?;
                Ok((s, receipt))
            })
            .await?;
        self.0.suspensions.forget();
        Ok(SuspensionView { suspension: record, receipt })
    }

    /// The latest suspensions (held first, then lifted), at most 200.
    pub async fn suspensions(&self) -> Result<Vec<SuspensionRecord>, ServiceError> {
        let mut all = self.0.read(async |tx| Ok(custos_store::suspensions::latest(tx, 200).await?)).await?;
        all.sort_by_key(|s| s.lifted_at.is_some());
        Ok(all)
    }

    /// The suspension that stops `purpose` at the gate, if one holds.
    pub(crate) async fn stopping(&self, purpose: &PurposeKey) -> Result<Option<SuspensionRecord>, ServiceError> {
        let held = self.held().await?;
        Ok(held.iter().find(|s| s.mode == SuspensionMode::Deny && s.purpose.as_ref() == Some(purpose)).cloned())
    }
}

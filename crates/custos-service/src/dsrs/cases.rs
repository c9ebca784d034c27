//! A request handled as a case: what was asked and what happened (the console's request
//! page), who owns it, staff's internal notes, and merging a repeat into the request it repeats.

use std::collections::BTreeMap;

use custos_core::{DataCategory, DsrId, DsrStatus, LedgerEvent, Timestamp, now};
use serde_json::Value;

use super::{DsrView, Dsrs, conflict, dsr_view};
use crate::ServiceError;

/// A request as a case: what was asked, where it stands, and what happened when.
#[derive(Debug, Clone)]
pub struct DsrCase {
    /// The request.
    pub request: DsrView,
    /// The requester's own words.
    pub statement: Option<String>,
    /// For a contest: the decision.
    pub decision_id: Option<String>,
    /// For a rectification: category, current value (none if not held), requested value.
    pub changes: Vec<(String, Option<Value>, Value)>,
    /// For a contest: its review.
    pub review: Option<custos_store::reviews::ReviewRecord>,
    /// What happened, oldest first.
    pub timeline: Vec<(Timestamp, String)>,
    /// Who handles it (a staff member's email).
    pub owner: Option<String>,
    /// Staff's internal notes, oldest first: author's email (if the account exists), note.
    pub notes: Vec<(Timestamp, Option<String>, Option<String>)>,
}

impl Dsrs<'_> {
    /// A request as a case for the person handling it: what was asked (the requested values
    /// beside the current ones for a rectification; the statement and the decision for a
    /// contest), its timeline, and its review when it is a contest. Reading it shows the
    /// subject's data: the caller records the view.
    pub async fn case(&self, dsr_id: &str) -> Result<DsrCase, ServiceError> {
        let id = DsrId::parse(dsr_id)?;
        let at = now();
        self.0
            .read(async |tx| {
                let d = custos_store::dsrs::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "data-subject request" })?;
                let details = d.details.clone().unwrap_or(Value::Null);
                let requested: BTreeMap<String, Value> =
                    details.get("data").and_then(Value::as_object).map(|m| m.clone().into_iter().collect()).unwrap_or_default();
                let categories: Vec<DataCategory> = requested.keys().filter_map(|k| DataCategory::parse(k).ok()).collect();
                let current = if categories.is_empty() {
                    BTreeMap::new()
                } else {
                    custos_store::subjects::data(tx, &d.subject_id, Some(&categories))
                        .await?
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect()
                };
                let changes =
                    requested.into_iter().map(|(k, v)| (current.get(&k).cloned(), k, v)).map(|(old, k, new)| (k, old, new)).collect();
                let review = custos_store::reviews::of_dsr(tx, &id).await?;
                let mut timeline = vec![(d.received_at, "Received".to_owned())];
                if let Some(t) = d.verified_at {
                    let how = d.verification_method.as_deref().unwrap_or("a check").replace('_', " ");
                    timeline.push((t, format!("Identity verified ({how})")));
                }
                if let Some(t) = d.extended_at {
                    timeline.push((t, "Deadline extended".to_owned()));
                }
                if let Some(r) = &review {
                    timeline.push((r.created_at, "Sent to a reviewer".to_owned()));
                    if let Some(t) = r.claimed_at {
                        timeline.push((t, "A reviewer took it".to_owned()));
                    }
                    if let Some(t) = r.escalated_at {
                        timeline.push((t, "Overdue: escalated".to_owned()));
                    }
                    if let Some(t) = r.resolved_at {
                        timeline.push((t, "A reviewer decided".to_owned()));
                    }
                }
                if let Some(t) = d.closed_at {
                    timeline.push((t, custos_core::Vocabulary::label(d.status).to_owned()));
                }
                let users = custos_store::staff::users(tx).await?;
                let email_of = |actor: &str| {
                    let id = actor.strip_prefix("staff:").unwrap_or(actor);
                    users.iter().find(|u| u.user_id == id).map(|u| u.email.clone())
                };
                let notes: Vec<(Timestamp, Option<String>, Option<String>)> = custos_store::dsrs::notes(tx, &id, &d.subject_id)
                    .await?
                    .into_iter()
                    .map(|n| (n.created_at, email_of(&n.author), n.text))
                    .collect();
                for (t, who, _) in &notes {
                    timeline.push((*t, format!("Note by {}", who.as_deref().unwrap_or("a removed account"))));
                }
                let owner = custos_store::dsrs::owner(tx, &id).await?.and_then(|o| email_of(&o));
                timeline.sort_by_key(|(t, _)| *t);
                Ok(DsrCase {
                    owner,
                    notes,
                    statement: details.get("statement").and_then(Value::as_str).map(str::to_owned),
                    decision_id: details.get("decision_id").and_then(Value::as_str).map(str::to_owned),
                    changes,
                    review,
                    timeline,
                    request: dsr_view(&d, &at),
                })
            })
            .await
    }

    /// Makes `owner` (a staff member) the one who handles a request; `by` names who did it.
    pub async fn set_owner(&self, dsr_id: &str, owner: &crate::staff::StaffIdentity, by: &str) -> Result<(), ServiceError> {
        let id = DsrId::parse(dsr_id)?;
        let actor = format!("staff:{}", owner.user_id);
        let leaf = crate::ledger::event(LedgerEvent::DsrOwnerSet, serde_json::json!({"dsr_id": id.to_string(), "owner": actor, "by": by}));
        self.0
            .write(async |tx| {
                if !custos_store::dsrs::set_owner(tx, &id, Some(&actor)).await? {
                    return Err(ServiceError::NotFound { resource: "data-subject request" });
                }
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await
    }

    /// Adds an internal note to a request (1-4000 characters; sealed under the subject's key,
    /// emptied on erasure); the ledger keeps a keyed digest of it, never the text.
    pub async fn add_note(&self, dsr_id: &str, text: &str, author: &crate::staff::StaffIdentity) -> Result<(), ServiceError> {
        let id = DsrId::parse(dsr_id)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 4000 || text.contains('\0') {
            return Err(ServiceError::invalid("note", "write 1-4000 characters"));
        }
        let note = custos_store::dsrs::DsrNote {
            note_id: uuid::Uuid::now_v7().to_string(),
            author: format!("staff:{}", author.user_id),
            text: Some(text.to_owned()),
            created_at: now(),
        };
        let digest = data_encoding::HEXLOWER.encode(&self.0.store.keyring().digest("ledger/dsr-note", text.as_bytes()));
        let leaf = crate::ledger::event(
            LedgerEvent::DsrNoteAdded,
            serde_json::json!({"dsr_id": id.to_string(), "note_id": note.note_id, "author": note.author, "note_digest": digest}),
        );
        self.0
            .write(async |tx| {
                let d = custos_store::dsrs::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "data-subject request" })?;
                custos_store::dsrs::add_note(tx, &id, &d.subject_id, &note).await?;
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await
    }

    /// Closes an open request as a duplicate of another open request of the same subject and
    /// type (the other carries on): rejected, with the reason naming the one kept.
    pub async fn merge(&self, dsr_id: &str, into: &str) -> Result<DsrView, ServiceError> {
        let keep = DsrId::parse(into).map_err(|e| custos_core::ValidationError::new("into", e.message()))?;
        let id = DsrId::parse(dsr_id)?;
        if keep == id {
            return Err(ServiceError::invalid("into", "a request cannot be merged into itself"));
        }
        let kept = self.0.read(async |tx| Ok(custos_store::dsrs::get(tx, &keep).await?)).await?;
        let kept = kept.ok_or_else(|| ServiceError::unprocessable("into", "no such request"))?;
        if !kept.status.is_open() {
            return Err(ServiceError::unprocessable("into", "the request to keep is closed; merge into an open one"));
        }
        self.transition(dsr_id, move |d| {
            if !d.status.is_open() {
                return Err(conflict(d, "merged"));
            }
            if d.subject_id != kept.subject_id || d.dsr_type != kept.dsr_type {
                return Err(ServiceError::unprocessable("into", "only requests of the same subject and type are merged"));
            }
            d.status = DsrStatus::Rejected;
            d.closed_at = Some(now());
            d.rejection_reason = Some(format!("duplicate of request {keep}"));
            Ok(())
        })
        .await
    }
}

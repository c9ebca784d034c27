//! Consent events: append-only, with proof of the notice shown.

use custos_core::{ConsentStatus, EventId, LedgerEvent, Method, PurposeKey, SubjectId, now, parse_timestamp};
pub use custos_store::{ConsentEvent, ConsentState};

use crate::{Receipt, Service, ServiceError, subjects::parse_subject_id};

/// How far in the future a `captured_at` may lie (clock skew between systems).
const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Records a consent event.
#[derive(Debug, Clone)]
pub struct ConsentInput {
    /// Whose consent.
    pub subject_id: String,
    /// For which purpose.
    pub purpose: String,
    /// What the subject said.
    pub status: ConsentStatus,
    /// How it was captured (`api`, `privacy_center`, `web_form`, ...).
    pub method: String,
    /// The notice version shown; must exist for the purpose.
    pub notice_version: String,
    /// The notice language shown; default `en`, or the only language of that version.
    pub notice_language: Option<String>,
    /// Where it was captured (form, campaign).
    pub source: Option<String>,
    /// When the subject answered (RFC 3339); default now.
    pub captured_at: Option<String>,
}

/// A recorded consent event, with its ledger receipt on write answers.
#[derive(Debug, Clone)]
pub struct ConsentEventView {
    /// The event.
    pub event: ConsentEvent,
    /// Where it was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
}

/// A subject's consents: the current state per purpose and the full history.
#[derive(Debug, Clone)]
pub struct SubjectConsents {
    /// Subject.
    pub subject_id: SubjectId,
    /// Current state per purpose.
    pub current: Vec<ConsentState>,
    /// Every event, in capture order.
    pub history: Vec<ConsentEvent>,
}

/// The ledger leaf of a consent event: everything but the free-text `source`.
pub(crate) fn consent_leaf(e: &ConsentEvent) -> Vec<u8> {
    crate::ledger::event_at(
        LedgerEvent::ConsentRecorded,
        &e.recorded_at,
        crate::ledger::subject_fields(
            &e.subject_id,
            serde_json::json!({
                "event_id": e.event_id.to_string(),
                "purpose": e.purpose.as_str(),
                "status": e.status.as_str(),
                "method": e.method.as_str(),
                "notice_version": e.notice_version,
                "notice_language": e.notice_language,
                "notice_text_sha256": e.notice_text_sha256,
                "gpc": e.gpc,
                "overrides_gpc": e.overrides_gpc,
                "captured_at": custos_core::format_timestamp(&e.captured_at),
            }),
        ),
    )
}

/// Consent events with their proof, and the current consent state.
#[derive(Clone, Copy)]
pub struct Consents<'a>(pub(crate) &'a Service);

impl Consents<'_> {
    /// Records a consent event. The notice version must exist for the purpose; the hash of its
    /// text is stored with the event. `gpc` (a `Sec-GPC: 1` header) is stored with the event and
    /// on the subject, where it keeps opting them out of sale/sharing.
    pub async fn record(&self, input: ConsentInput, gpc: bool) -> Result<ConsentEventView, ServiceError> {
        self.record_with(input, gpc, false).await
    }

    /// [`Self::record`], for a grant the customer made after being shown that their Global
    /// Privacy Control signal says otherwise when `overrides_gpc` (the privacy center only:
    /// a business's backend cannot claim it).
    pub(crate) async fn record_with(&self, input: ConsentInput, gpc: bool, overrides_gpc: bool) -> Result<ConsentEventView, ServiceError> {
        let subject_id = parse_subject_id("subject_id", &input.subject_id)?;
        let purpose = PurposeKey::parse(&input.purpose)?;
        let status = input.status;
        let method = Method::parse("method", &input.method)?;
        if input.notice_version.is_empty() || input.notice_version.len() > 64 {
            return Err(ServiceError::invalid("notice_version", "must be 1-64 characters"));
        }
        if let Some(source) = &input.source
            && (source.len() > 200 || source.chars().any(char::is_control))
        {
            return Err(ServiceError::invalid("source", "must be at most 200 characters without control characters"));
        }
        let recorded_at = now();
        let captured_at = match &input.captured_at {
            Some(t) => {
                let t = parse_timestamp(t).ok_or_else(|| ServiceError::invalid("captured_at", "must be an RFC 3339 timestamp"))?;
                if t > recorded_at + MAX_CLOCK_SKEW {
                    return Err(ServiceError::invalid("captured_at", "must not be in the future"));
                }
                t
            }
            None => recorded_at,
        };
        let (event, receipt) = self
            .0
            .write(async |tx| {
                crate::subjects::live(tx, &subject_id).await?;
                if custos_store::purposes::get(tx, purpose.as_str()).await?.is_none() {
                    return Err(ServiceError::unprocessable("purpose", format!("purpose `{purpose}` does not exist")));
                }
                let versions = custos_store::purposes::notice_versions(tx, &purpose, &input.notice_version).await?;
                let notice = match &input.notice_language {
                    Some(lang) => versions.iter().find(|n| &n.notice_language == lang),
                    None => versions.iter().find(|n| n.notice_language == "en").or(versions.first()),
                };
                let Some(notice) = notice else {
                    return Err(ServiceError::unprocessable(
                        if input.notice_language.is_some() && !versions.is_empty() { "notice_language" } else { "notice_version" },
                        format!("no notice version `{}` is published for purpose `{purpose}`", input.notice_version),
                    ));
                };
                let event = ConsentEvent {
                    event_id: EventId::new(),
                    subject_id,
                    purpose: purpose.clone(),
                    status,
                    method,
                    notice_version: notice.version.clone(),
                    notice_language: notice.notice_language.clone(),
                    notice_text_sha256: notice.text_sha256.clone(),
                    source: input.source.clone(),
                    gpc,
                    overrides_gpc: overrides_gpc && status == ConsentStatus::Granted,
                    captured_at,
                    recorded_at,
                };
                custos_store::consents::insert_event(tx, &event).await?;
                if gpc {
                    custos_store::subjects::set_gpc(tx, &subject_id, &recorded_at).await?;
                }
                let receipt = custos_store::ledger::append_leaf(tx, consent_leaf(&event)).await?;
                Ok((event, receipt))
            })
            .await?;
        Ok(ConsentEventView { event, receipt: Some(receipt) })
    }

    /// A subject's current consents and full history.
    pub async fn of_subject(&self, subject_id: &str) -> Result<SubjectConsents, ServiceError> {
        let id = parse_subject_id("subject_id", subject_id)?;
        let (current, history) = self
            .0
            .read(async |tx| {
                custos_store::subjects::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "subject" })?;
                Ok((custos_store::consents::current(tx, &id).await?, custos_store::consents::history(tx, &id).await?))
            })
            .await?;
        Ok(SubjectConsents { subject_id: id, current, history })
    }
}

//! What the privacy center shows a signed-in customer and what it lets them do, as view models:
//! the consent purposes in the notice's words, the decisions with their reasons (one read), the
//! requests and the categories of data held. The web layer renders these and nothing else.

use std::collections::BTreeMap;

use custos_core::{ConsentStatus, DataCategory, LegalBasis, PurposeKey};
use custos_explain::{Explanation, reasons::Phrases};

use super::{PrivacyCenter, PrivacySession};
use crate::{
    ServiceError,
    consents::{ConsentEventView, ConsentInput},
    decisions::{DecisionRecord, reasons_of},
    dsrs::{DsrInput, DsrQuery, DsrView},
    models::ReasonsView,
    subjects::SubjectView,
};

/// One purpose the customer can allow or refuse.
#[derive(Debug, Clone)]
pub struct PurposeConsent {
    /// The purpose.
    pub purpose: PurposeKey,
    /// Its name.
    pub name: String,
    /// The latest notice's text in the customer's language (or English, or any).
    pub notice_text: String,
    /// That notice's version.
    pub notice_version: String,
    /// What the customer said last; `None` if never asked.
    pub status: Option<ConsentStatus>,
    /// The purpose sells or shares the customer's data.
    pub sale_or_share: bool,
    /// Global Privacy Control opts the customer out of this purpose (a sale or sharing purpose,
    /// the signal sent now or recorded before, a jurisdiction where it is an opt-out) and they
    /// have not allowed it over the signal: whatever they said before, it is off, and allowing
    /// it first shows them the conflict.
    pub gpc_blocks: bool,
    /// The customer allowed it over their Global Privacy Control signal (for this purpose only).
    pub overrides_gpc: bool,
}

/// One automated decision about the customer.
#[derive(Debug, Clone)]
pub struct CustomerDecision {
    /// The decision.
    pub decision: DecisionRecord,
    /// Its purpose's name.
    pub purpose_name: String,
    /// What the customer is told about it, if the model gives reasons.
    pub reasons: Option<ReasonsView>,
    /// Its latest review by a person (asked for by the customer, or required by a rule).
    pub review: Option<custos_store::reviews::ReviewRecord>,
    /// What would have changed an adverse outcome, in the customer's words.
    pub counterfactual: Option<String>,
    /// The outcome's label in the customer's language, when the model's dictionary has one.
    pub outcome_label: Option<String>,
    /// The same for the outcome a reviewer put in its place, if one did.
    pub review_outcome_label: Option<String>,
}

impl PrivacyCenter<'_> {
    /// The purposes resting on consent, each with its latest notice in `language` and the
    /// customer's current answer; `gpc` is a `Sec-GPC: 1` header on the request.
    pub async fn consents(&self, session: &PrivacySession, language: &str, gpc: bool) -> Result<Vec<PurposeConsent>, ServiceError> {
        let sid = session.subject_id.to_string();
        let purposes = self.0.purposes().all().await?;
        let notices = self.0.purposes().notices(None).await?;
        let current = self.0.consents().of_subject(&sid).await?.current;
        let subject = self.0.read(async |tx| Ok(custos_store::subjects::get(tx, &session.subject_id).await?)).await?;
        // The gate's rule: the signal opts out of sale and sharing where the law makes it one.
        let gpc_in_force = subject.is_some_and(|s| (gpc || s.gpc) && s.jurisdiction.is_opt_out(&self.0.config.gate.opt_out_jurisdictions));
        Ok(purposes
            .into_iter()
            .map(|p| p.purpose)
            .filter(|p| p.legal_basis == LegalBasis::Consent)
            .map(|p| {
                let of_purpose: Vec<_> = notices.iter().map(|n| &n.notice).filter(|n| n.purpose == p.purpose).collect();
                let latest_in = |lang: &str| of_purpose.iter().filter(|n| n.notice_language == lang).max_by_key(|n| n.created_at).copied();
                let notice =
                    latest_in(language).or_else(|| latest_in("en")).or_else(|| of_purpose.iter().max_by_key(|n| n.created_at).copied());
                let state = current.iter().find(|c| c.purpose == p.purpose);
                let overrides_gpc = state.is_some_and(|c| c.status == ConsentStatus::Granted && c.overrides_gpc);
                PurposeConsent {
                    status: state.map(|c| c.status),
                    sale_or_share: p.sale_or_share,
                    gpc_blocks: p.sale_or_share && gpc_in_force && !overrides_gpc,
                    overrides_gpc: overrides_gpc && p.sale_or_share,
                    notice_text: notice.map(|n| n.text.clone()).unwrap_or_default(),
                    notice_version: notice.map(|n| n.version.clone()).unwrap_or_default(),
                    purpose: p.purpose,
                    name: p.name,
                }
            })
            .collect())
    }

    /// Records the customer's answer for a purpose against the latest notice they were shown
    /// (in `language`, else English); only `granted` and `withdrawn` are answers a customer
    /// gives here. Allowing a purpose Global Privacy Control opts them out of needs
    /// `confirmed_over_gpc` (they were shown the conflict and confirmed); it then wins over the
    /// signal for that purpose only.
    pub async fn set_consent(
        &self,
        session: &PrivacySession,
        purpose: &str,
        status: ConsentStatus,
        language: &str,
        gpc: bool,
        confirmed_over_gpc: bool,
    ) -> Result<ConsentEventView, ServiceError> {
        self.record_answer(session, purpose, status, language, gpc, confirmed_over_gpc, ("privacy_center", "privacy center")).await
    }

    /// What [`Self::set_consent`] does, for a channel: `(method, source)` of the event.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_answer(
        &self,
        session: &PrivacySession,
        purpose: &str,
        status: ConsentStatus,
        language: &str,
        gpc: bool,
        confirmed_over_gpc: bool,
        (method, source): (&str, &str),
    ) -> Result<ConsentEventView, ServiceError> {
        if !matches!(status, ConsentStatus::Granted | ConsentStatus::Withdrawn) {
            return Err(ServiceError::invalid("status", "must be granted or withdrawn"));
        }
        let shown = self
            .consents(session, language, gpc)
            .await?
            .into_iter()
            .find(|p| p.purpose.as_str() == purpose && !p.notice_version.is_empty())
            .ok_or_else(|| ServiceError::invalid("purpose", "is not a purpose you can allow here"))?;
        let overrides_gpc = status == ConsentStatus::Granted && shown.gpc_blocks;
        if overrides_gpc && !confirmed_over_gpc {
            return Err(ServiceError::unprocessable(
                "confirm_gpc",
                "your browser's Global Privacy Control signal opts you out of this use: confirm that you allow it anyway",
            ));
        }
        let notices = self.0.purposes().notices(Some(purpose)).await?;
        // The language version the customer was shown: theirs if published, else English.
        let of_version = || notices.iter().map(|n| &n.notice).filter(|n| n.version == shown.notice_version);
        let notice_language = of_version()
            .find(|n| n.notice_language == language)
            .or_else(|| of_version().find(|n| n.notice_language == "en"))
            .map(|n| n.notice_language.clone());
        let input = ConsentInput {
            subject_id: session.subject_id.to_string(),
            purpose: purpose.to_owned(),
            status,
            method: method.into(),
            notice_version: shown.notice_version,
            notice_language,
            source: Some(source.into()),
            captured_at: None,
        };
        self.0.consents().record_with(input, gpc, overrides_gpc).await
    }

    /// The customer's subject record with its data.
    pub async fn data(&self, session: &PrivacySession) -> Result<SubjectView, ServiceError> {
        self.0.subjects().get(&session.subject_id.to_string()).await
    }

    /// The customer's stored language preference: their `user.demographic.language` value (a
    /// language tag such as `de` or `de-AT`), if they have one. The privacy center reads it
    /// when the browser names no language it speaks.
    pub async fn language(&self, session: &PrivacySession) -> Result<Option<String>, ServiceError> {
        let subject = self.data(session).await?;
        Ok(subject
            .data
            .and_then(|data| data.into_iter().find(|(k, _)| k.as_str() == crate::subjects::LANGUAGE_CATEGORY))
            .and_then(|(_, v)| v.as_str().map(str::to_owned)))
    }

    /// The customer's requests, newest first, and the categories of data held (what a
    /// correction can name).
    pub async fn requests(&self, session: &PrivacySession) -> Result<(Vec<DsrView>, Vec<DataCategory>), ServiceError> {
        let sid = session.subject_id.to_string();
        let query = DsrQuery { subject_id: Some(sid.clone()), limit: Some(100), ..DsrQuery::default() };
        Ok((self.0.dsrs().list(query).await?, self.0.subjects().categories(&sid).await?))
    }

    /// Files a request for the customer.
    pub async fn file_request(&self, session: &PrivacySession, mut input: DsrInput) -> Result<DsrView, ServiceError> {
        input.subject_id = session.subject_id.to_string();
        // Signed in with a one-time link or code: the requester is the customer (not asked
        // to verify again).
        self.0.dsrs().create_verified(input, "privacy_center_sign_in", "privacy_center").await
    }

    /// The automated decisions about the customer, newest first, with their reasons (the
    /// explanations come in one read) in `language` where the model's dictionary has its words
    /// (else the dictionary's own), in `phrases`' sentences.
    pub async fn decisions(
        &self,
        session: &PrivacySession,
        language: Option<&str>,
        phrases: &Phrases<'_>,
    ) -> Result<Vec<CustomerDecision>, ServiceError> {
        let sid = session.subject_id;
        // A shadow decision (an unapproved version in shadow mode) was never acted on: the
        // customer does not see it.
        let mut decisions = self.0.decisions().of_subject(&sid.to_string()).await?;
        decisions.retain(|v| v.decision.status != custos_core::DecisionStatus::Shadow);
        let (explained, reviews, counterfactuals) = self
            .0
            .read(async |tx| {
                Ok((
                    custos_store::decisions::explanations_of_subject(tx, &sid).await?,
                    custos_store::reviews::of_subject(tx, &sid).await?,
                    custos_store::decisions::counterfactuals_of_subject(tx, &sid).await?.into_iter().collect::<BTreeMap<_, _>>(),
                ))
            })
            .await?;
        let mut explanations = BTreeMap::new();
        for (id, doc) in explained {
            let e: Explanation =
                serde_json::from_value(doc).map_err(|e| ServiceError::internal(format!("stored explanation of {id}: {e}")))?;
            explanations.insert(id, e);
        }
        // The dictionaries of the models these decisions came from (cached once loaded).
        let mut dictionaries = BTreeMap::new();
        for v in &decisions {
            if let std::collections::btree_map::Entry::Vacant(slot) =
                dictionaries.entry((v.decision.model.clone(), v.decision.model_version.clone()))
            {
                slot.insert(self.0.models().loaded(&v.decision.model, &v.decision.model_version).await?);
            }
        }
        let names: BTreeMap<PurposeKey, String> =
            self.0.purposes().all().await?.into_iter().map(|p| (p.purpose.purpose, p.purpose.name)).collect();
        Ok(decisions
            .into_iter()
            .map(|v| {
                let d = v.decision;
                let dictionary =
                    dictionaries.get(&(d.model.clone(), d.model_version.clone())).and_then(Option::as_ref).and_then(|m| m.dictionary());
                let mut reasons = explanations.get(&d.decision_id).and_then(|e| reasons_of(d.decision_id, e).ok());
                if let (Some(view), Some(dictionary), Some(stored)) =
                    (reasons.as_mut(), dictionary, explanations.get(&d.decision_id).and_then(|e| e.reasons.as_ref()))
                {
                    (view.text, view.hints) = custos_explain::reasons::render(stored, dictionary, language, phrases);
                }
                let counterfactual =
                    counterfactuals.get(&d.decision_id).and_then(|doc| crate::decisions::counterfactual_view(doc.clone()).ok());
                let review = reviews.iter().find(|r| r.decision_id == d.decision_id).cloned();
                let label = |outcome: &str| dictionary.and_then(|w| w.outcome_label(language, outcome)).map(str::to_owned);
                CustomerDecision {
                    review_outcome_label: review.as_ref().and_then(|r| r.outcome.as_deref()).and_then(label),
                    outcome_label: label(&d.outcome),
                    purpose_name: names.get(&d.purpose).cloned().unwrap_or_else(|| d.purpose.to_string()),
                    reasons,
                    // Reviews come newest first: the first of this decision is its latest.
                    review,
                    counterfactual: counterfactual.and_then(|c| match dictionary {
                        Some(dictionary) => custos_explain::counterfactual::describe_in(&c.counterfactual, dictionary, language, phrases),
                        None => c.text,
                    }),
                    decision: d,
                }
            })
            .collect())
    }
}

//! The consent snippet a business embeds in its own site: its backend mints a short-lived
//! signed consent token for the visitor (a browser never holds an API key), and the snippet
//! reads the purposes and records the visitor's answers with it, in the visitor's language,
//! with Global Privacy Control honoured as in the privacy center.

use custos_core::{ConsentStatus, SubjectId, now};
use serde::{Deserialize, Serialize};

use super::{PrivacyCenter, PrivacySession, PurposeConsent};
use crate::{Client, ServiceError, consents::ConsentEventView, staff::random_b64};

/// How long a consent token works.
pub const CONSENT_TOKEN_MINUTES: i64 = 30;
/// The audience consent tokens name (a privacy-center link never passes for one).
const AUDIENCE: &str = "custos-consent";

#[derive(Debug, Serialize, Deserialize)]
struct ConsentClaims {
    /// The subject's id.
    sub: String,
    /// Always [`AUDIENCE`].
    aud: String,
    /// When it stops working (seconds since the epoch).
    exp: i64,
    /// Its id.
    jti: String,
}

/// A minted consent token.
#[derive(Debug, Clone)]
pub struct ConsentTokenView {
    /// The token (a JWT, HS256).
    pub token: String,
    /// When it stops working.
    pub expires_at: String,
}

impl PrivacyCenter<'_> {
    fn consent_token_key(&self) -> [u8; 32] {
        self.0.store.keyring().digest("consent-snippet/jwt-hs256", b"v1")
    }

    /// Mints a consent token for the subject with this external id, for the business's backend
    /// to hand to the consent snippet on its site.
    pub async fn mint_consent_token(&self, external_id: &str) -> Result<ConsentTokenView, ServiceError> {
        let subject = self.0.subjects().by_external_id(external_id).await?;
        if subject.erased_at.is_some() {
            return Err(ServiceError::unprocessable("external_id", "the subject was erased"));
        }
        let exp = now() + chrono::Duration::minutes(CONSENT_TOKEN_MINUTES);
        let claims =
            ConsentClaims { sub: subject.subject_id.to_string(), aud: AUDIENCE.into(), exp: exp.timestamp(), jti: random_b64(16)? };
        let key = jsonwebtoken::EncodingKey::from_secret(&self.consent_token_key())
            .map_err(|e| ServiceError::internal(format!("the consent token key: {e}")))?;
        let token = jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key)
            .map_err(|e| ServiceError::internal(format!("signing a consent token: {e}")))?;
        Ok(ConsentTokenView { token, expires_at: custos_core::format_timestamp(&exp) })
    }

    /// The subject a consent token stands for, after its signature, audience and expiry (and
    /// that it was not issued for longer than allowed), and the caller's rate.
    pub async fn consent_session(&self, token: &str, client: Client) -> Result<PrivacySession, ServiceError> {
        self.0
            .throttles
            .admit(crate::throttle::Path::Embed, client)
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let refused = |why: &str| ServiceError::invalid("token", why.to_owned());
        if token.len() > 2048 {
            return Err(refused("is too long"));
        }
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        let key = jsonwebtoken::DecodingKey::from_secret(&self.consent_token_key())
            .map_err(|e| ServiceError::internal(format!("the consent token key: {e}")))?;
        let claims = jsonwebtoken::decode::<ConsentClaims>(token, &key, &validation).map_err(|e| refused(super::link_refusal(&e)))?.claims;
        if claims.exp > now().timestamp() + CONSENT_TOKEN_MINUTES * 60 + 30 {
            return Err(refused("lives longer than allowed"));
        }
        let subject_id = SubjectId::parse(&claims.sub).map_err(|_| refused("names no subject"))?;
        let subject = self.0.subjects().get(&subject_id.to_string()).await.map_err(|_| refused("names no subject"))?;
        if subject.erased_at.is_some() {
            return Err(refused("names an erased subject"));
        }
        Ok(PrivacySession { subject_id, csrf: String::new() })
    }

    /// The purposes the snippet shows (as the privacy center does). A `Sec-GPC: 1` header is
    /// recorded as the visitor's opt-out the first time it is seen.
    pub async fn embed_consents(&self, session: &PrivacySession, language: &str, gpc: bool) -> Result<Vec<PurposeConsent>, ServiceError> {
        if gpc {
            self.0.subjects().record_gpc(&session.subject_id, "consent_snippet").await?;
        }
        self.consents(session, language, gpc).await
    }

    /// Records the visitor's answer from the snippet on `origin` (consent method `website`).
    #[allow(clippy::too_many_arguments)]
    pub async fn embed_set_consent(
        &self,
        session: &PrivacySession,
        purpose: &str,
        status: ConsentStatus,
        language: &str,
        gpc: bool,
        confirmed_over_gpc: bool,
        origin: Option<&str>,
    ) -> Result<ConsentEventView, ServiceError> {
        if gpc {
            self.0.subjects().record_gpc(&session.subject_id, "consent_snippet").await?;
        }
        let source = match origin {
            Some(o) => format!("consent snippet on {}", o.chars().take(150).collect::<String>()),
            None => "consent snippet".to_owned(),
        };
        self.record_answer(session, purpose, status, language, gpc, confirmed_over_gpc, ("website", &source)).await
    }
}

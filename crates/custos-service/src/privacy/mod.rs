//! Sign-in to the privacy center without a password database: a link the business's own site
//! hands over, carrying a JWT (RFC 7519, HS256) with `sub` = the subject's `external_id`, `exp`
//! at most 15 minutes ahead and a `jti` that can be used once. The signing key is derived from
//! the deployment's root secret, so it needs no storage of its own; `custos admin
//! privacy-link-key` prints it for the business's site, and `custos admin privacy-link` or
//! `POST /v1/privacy-center/links` mint links directly. A redeemed link becomes a customer
//! session (cookie token hashed in the database, CSRF token per session, 1 hour).

mod center;
mod embed;

pub use center::{CustomerDecision, PurposeConsent};
pub use embed::{CONSENT_TOKEN_MINUTES, ConsentTokenView};

use custos_core::{DataCategory, LedgerEvent, SubjectId, now};
use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use subtle::ConstantTimeEq as _;

use crate::staff::{random_b64, token_hash};
use crate::{Service, ServiceError};

/// How long a sign-in code lives.
pub const CODE_MINUTES: i64 = 10;

/// Least time between two codes sent to one customer.
pub const CODE_GAP_SECONDS: i64 = 60;

/// Wrong tries that end a code.
pub const CODE_TRIES: u32 = 5;

/// Sends a one-time sign-in code to a subject's contact (e-mail, SMS, ...). Pluggable: a
/// deployment installs its own with [`Service::with_code_delivery`]; without one, sign-in by code
/// is off and only links work.
pub trait CodeDelivery: Send + Sync + std::fmt::Debug {
    /// Delivers `code` to `contact`, the contact on file of the subject with `external_id`;
    /// the error is for the log (never shown to the customer).
    fn deliver(&self, external_id: &str, contact: &str, code: &str) -> Result<(), String>;

    /// Tells the customer something through the same channel (a person answered their
    /// contest); deliveries that only carry codes keep the default, which declines.
    fn notify(&self, external_id: &str, contact: &str, message: &str) -> Result<(), String> {
        let _ = (external_id, contact, message);
        Err("this delivery carries sign-in codes only".into())
    }
}

/// The demo's delivery: prints each code for one of the demo's own subjects on stdout (never
/// the log) and keeps the latest ones for the demo outbox page, which anyone can open. Codes
/// for any other subject (one created through the API on a demo server) are neither printed
/// nor listed: they have nowhere to go. Only for `--demo`.
#[derive(Debug, Default)]
pub struct DemoOutbox {
    /// The demo created `demo-000000` .. `demo-{n-1}`.
    demo_subjects: usize,
    sent: std::sync::Mutex<Vec<(String, String)>>,
}

impl DemoOutbox {
    /// The latest (contact, code) pairs, newest first.
    pub fn latest(&self) -> Vec<(String, String)> {
        self.sent.lock().map(|v| v.iter().rev().take(20).cloned().collect()).unwrap_or_default()
    }

    /// Whether `external_id` is one of the subjects the demo created.
    fn is_demo_subject(&self, external_id: &str) -> bool {
        external_id
            .strip_prefix("demo-")
            .filter(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n < self.demo_subjects)
    }
}

impl DemoOutbox {
    /// Prints `printed` for `contact` on stdout and keeps `kept` for the outbox page, for the
    /// demo's own subjects only.
    fn send(&self, external_id: &str, contact: &str, printed: &str, kept: &str) -> Result<(), String> {
        if !self.is_demo_subject(external_id) {
            return Err("the demo outbox writes to the demo's own subjects only".into());
        }
        println!("demo outbox: {printed} for {contact}");
        if let Ok(mut v) = self.sent.lock() {
            v.push((contact.to_owned(), kept.to_owned()));
        }
        Ok(())
    }
}

impl CodeDelivery for DemoOutbox {
    fn deliver(&self, external_id: &str, contact: &str, code: &str) -> Result<(), String> {
        self.send(external_id, contact, &format!("privacy-center code {code}"), code)
    }

    fn notify(&self, external_id: &str, contact: &str, message: &str) -> Result<(), String> {
        self.send(external_id, contact, message, message)
    }
}

/// The longest a link may live.
pub const LINK_MINUTES: i64 = 15;

/// How long a customer session lasts.
pub const SESSION_MINUTES: i64 = 60;

/// Asks for a privacy-center sign-in link (`POST /v1/privacy-center/links`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyLinkInput {
    /// The subject's id in the business's systems.
    pub external_id: String,
}

/// A single-use sign-in link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrivacyLinkView {
    /// Path to open on the custos server (append to its base URL).
    pub path: String,
    /// The JWT itself.
    pub token: String,
    /// When the link stops working.
    pub expires_at: String,
}

/// A signed-in customer.
#[derive(Clone)]
pub struct PrivacySession {
    /// Whose privacy center this is.
    pub subject_id: SubjectId,
    /// The token every form of this session must carry.
    pub csrf: String,
}

impl std::fmt::Debug for PrivacySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacySession").field("subject_id", &self.subject_id).finish_non_exhaustive()
    }
}

/// The claims of a privacy-center link.
#[derive(Debug, Serialize, Deserialize)]
struct LinkClaims {
    /// The subject's external id.
    sub: String,
    /// When the link stops working (seconds since the epoch).
    exp: i64,
    /// The link's one-time id.
    jti: String,
}

/// What a link's JWT library refusal means to the person who opened it.
pub(crate) fn link_refusal(e: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::InvalidSignature => "has a wrong signature",
        K::ExpiredSignature => "has expired",
        K::InvalidAlgorithm | K::InvalidAlgorithmName => "must be signed with HS256",
        K::MissingRequiredClaim(_) => "lacks a claim it needs (sub, exp, jti)",
        K::Json(_) | K::Utf8(_) | K::Base64(_) => "is unreadable",
        _ => "is not a valid sign-in link",
    }
}

impl Service {
    /// Installs the delivery of sign-in codes.
    pub fn with_code_delivery(mut self, delivery: std::sync::Arc<dyn CodeDelivery>) -> Self {
        self.code_delivery = Some(delivery);
        self
    }

    /// Installs the demo's outbox as the delivery for the first `demo_subjects` demo subjects
    /// (prints their codes on stdout, lists them on a page).
    pub fn with_demo_outbox(mut self, demo_subjects: usize) -> Self {
        let outbox = std::sync::Arc::new(DemoOutbox { demo_subjects, ..DemoOutbox::default() });
        self.demo_outbox = Some(outbox.clone());
        self.code_delivery = Some(outbox);
        self
    }
}

/// A customer session about to open, by either sign-in path: the cookie's token, what is
/// stored for it (its hash, never the token), and the sign-in's ledger leaf.
struct NewSession {
    token: String,
    token_hash: String,
    csrf: String,
    subject_id: SubjectId,
    at: custos_core::Timestamp,
    expires: custos_core::Timestamp,
    leaf: Vec<u8>,
}

impl NewSession {
    fn signing_in(subject_id: SubjectId, at: custos_core::Timestamp, method: &str) -> Result<Self, ServiceError> {
        let token = random_b64(32)?;
        let leaf = crate::ledger::event_at(
            LedgerEvent::PrivacyCenterSignedIn,
            &at,
            crate::ledger::subject_fields(&subject_id, json!({"method": method})),
        );
        Ok(Self {
            token_hash: token_hash(&token),
            token,
            csrf: random_b64(24)?,
            subject_id,
            at,
            expires: at + chrono::Duration::minutes(SESSION_MINUTES),
            leaf,
        })
    }

    /// Stores the session and appends its leaf, in the caller's transaction.
    async fn store(self, tx: &mut custos_store::Tx) -> Result<(), ServiceError> {
        custos_store::privacy::insert_session(tx, &self.token_hash, &self.subject_id, &self.csrf, &self.at, &self.expires).await?;
        custos_store::ledger::append_leaf(tx, self.leaf).await?;
        Ok(())
    }
}

/// The customer privacy center: sign-in links and codes, and sessions.
#[derive(Clone, Copy)]
pub struct PrivacyCenter<'a>(pub(crate) &'a Service);

impl PrivacyCenter<'_> {
    /// The HS256 key of privacy-center links (for the business's site to mint its own).
    pub fn link_key(&self) -> [u8; 32] {
        self.0.store.keyring().digest("privacy-center/jwt-hs256", b"v1")
    }

    /// Mints a single-use sign-in link for the subject with this external id.
    pub async fn mint_link(&self, input: PrivacyLinkInput) -> Result<PrivacyLinkView, ServiceError> {
        let subject = self.0.subjects().by_external_id(&input.external_id).await?;
        if subject.erased_at.is_some() {
            return Err(ServiceError::unprocessable("external_id", "the subject was erased"));
        }
        let exp = now() + chrono::Duration::minutes(LINK_MINUTES);
        let claims = LinkClaims { sub: input.external_id, exp: exp.timestamp(), jti: random_b64(16)? };
        let key =
            jsonwebtoken::EncodingKey::from_secret(&self.link_key()).map_err(|e| ServiceError::internal(format!("the link key: {e}")))?;
        let token = jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key)
            .map_err(|e| ServiceError::internal(format!("signing a privacy link: {e}")))?;
        Ok(PrivacyLinkView { path: format!("/privacy/login?token={token}"), token, expires_at: custos_core::format_timestamp(&exp) })
    }

    /// Redeems a link: checks signature, expiry (and that it was not issued for longer than 15
    /// minutes) and single use, and opens a session. Returns the session's cookie token.
    pub async fn redeem_link(&self, token: &str) -> Result<String, ServiceError> {
        let refused = |why: &str| ServiceError::invalid("token", why.to_owned());
        if token.len() > 4096 {
            return Err(refused("is too long"));
        }
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let key =
            jsonwebtoken::DecodingKey::from_secret(&self.link_key()).map_err(|e| ServiceError::internal(format!("the link key: {e}")))?;
        let claims = jsonwebtoken::decode::<LinkClaims>(token, &key, &validation).map_err(|e| refused(link_refusal(&e)))?.claims;
        let at = now();
        if claims.exp > at.timestamp() + LINK_MINUTES * 60 + 30 {
            return Err(refused("lives longer than 15 minutes"));
        }
        let jti = claims.jti;
        if jti.is_empty() || jti.len() > 128 || jti.chars().any(char::is_control) {
            return Err(refused("has no usable jti"));
        }
        let subject = self.0.subjects().by_external_id(&claims.sub).await.map_err(|_| refused("names no subject"))?;
        let subject_id = subject.subject_id;
        let session = NewSession::signing_in(subject_id, at, "link")?;
        let token = session.token.clone();
        self.0
            .write(async |tx| {
                if !custos_store::privacy::use_link(tx, &jti, &subject_id, &at).await? {
                    return Err(ServiceError::invalid("token", "was already used"));
                }
                session.store(tx).await
            })
            .await?;
        Ok(token)
    }

    /// The live customer session of a cookie's token.
    pub async fn session(&self, token: &str) -> Result<Option<PrivacySession>, ServiceError> {
        let hash = token_hash(token);
        let at = now();
        let found = self.0.read(async |tx| Ok(custos_store::privacy::session(tx, &hash, &at).await?)).await?;
        Ok(found.map(|(subject_id, csrf)| PrivacySession { subject_id, csrf }))
    }

    /// Sends a sign-in code to the contact on file of the subject with this external id. The
    /// answer is the same whether or not the subject exists, and comes as soon as the id is
    /// looked up: issuing and delivering a code runs after the answer, so its cost does not
    /// tell who is a customer. False only when no delivery is configured; refused when
    /// `client` (or everyone together) asks too often.
    pub async fn request_code(&self, external_id: &str, client: crate::Client) -> Result<bool, ServiceError> {
        let Some(delivery) = self.0.code_delivery.clone() else { return Ok(false) };
        self.0
            .throttles
            .admit(crate::throttle::Path::CodeRequest, client)
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let Some(subject_id) = self.one_subject(external_id).await else { return Ok(true) };
        let service = self.0.clone();
        self.0.background.spawn(async move {
            if let Err(e) = service.privacy().issue_code(subject_id, delivery).await {
                tracing::error!(error = %e, "issuing a privacy-center code failed");
            }
        });
        Ok(true)
    }

    /// Issues and delivers a code (at most one a minute per customer).
    async fn issue_code(&self, subject_id: SubjectId, delivery: std::sync::Arc<dyn CodeDelivery>) -> Result<(), ServiceError> {
        let subject = self.0.subjects().get(&subject_id.to_string()).await?;
        let external_id = subject.external_id.clone().unwrap_or_default();
        let email = DataCategory::parse("user.contact.email")?;
        let Some(contact) = subject.data.as_ref().and_then(|d| d.get(&email)).and_then(Value::as_str).map(str::to_owned) else {
            return Ok(());
        };
        // Uniform over the million codes: draws past the last whole million are drawn again.
        let code = loop {
            let mut b = [0u8; 4];
            getrandom::fill(&mut b).map_err(|_| ServiceError::internal(custos_store::StoreError::Crypto("random source failed")))?;
            let n = u32::from_le_bytes(b);
            if n < 4_294_000_000 {
                break format!("{:06}", n % 1_000_000);
            }
        };
        let digest = self.code_digest(&subject_id, &code);
        let at = now();
        let expires = at + chrono::Duration::minutes(CODE_MINUTES);
        let gap = chrono::Duration::seconds(CODE_GAP_SECONDS);
        let issued =
            self.0.write(async |tx| Ok(custos_store::privacy::put_code(tx, &subject_id, &digest, &at, &expires, gap).await?)).await?;
        if !issued {
            // A code went out less than a minute ago: nothing sent.
            return Ok(());
        }
        if let Err(e) = delivery.deliver(&external_id, &contact, &code) {
            tracing::error!(error = %e, "delivering a privacy-center code failed");
        }
        Ok(())
    }

    fn code_digest(&self, subject: &SubjectId, code: &str) -> String {
        HEXLOWER.encode(&self.0.store.keyring().digest("privacy-center/code", format!("{subject}:{code}").as_bytes()))
    }

    /// Signs in with a code: the session's cookie token, or a validation error (wrong, expired or
    /// used up; the same message for each).
    pub async fn redeem_code(&self, external_id: &str, code: &str, client: crate::Client) -> Result<String, ServiceError> {
        self.0
            .throttles
            .admit(crate::throttle::Path::CodeEntry, client)
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let refused = || ServiceError::invalid("code", "is wrong or has expired");
        let subject_id = self.one_subject(external_id).await.ok_or_else(refused)?;
        let at = now();
        let digest = self.code_digest(&subject_id, code.trim());
        let session = NewSession::signing_in(subject_id, at, "code")?;
        let token = session.token.clone();
        let ok = self
            .0
            .write(async |tx| {
                let Some((stored, attempts)) = custos_store::privacy::code(tx, &subject_id, &at).await? else { return Ok(false) };
                if attempts >= CODE_TRIES {
                    return Ok(false);
                }
                // Both are hex digests of equal length; compared in constant time all the same.
                if !bool::from(stored.as_bytes().ct_eq(digest.as_bytes())) {
                    custos_store::privacy::bump_code(tx, &subject_id).await?;
                    return Ok(false);
                }
                custos_store::privacy::delete_code(tx, &subject_id).await?;
                session.store(tx).await?;
                Ok(true)
            })
            .await?;
        if ok { Ok(token) } else { Err(refused()) }
    }

    /// The one subject a customer names by their customer number (external id) or e-mail
    /// address; `None` when none or several match (the answer is the same either way).
    async fn one_subject(&self, identifier: &str) -> Option<SubjectId> {
        match self.0.subjects().ids_by_identifier(identifier).await {
            Ok(ids) if ids.len() == 1 => ids.first().copied(),
            _ => None,
        }
    }

    /// Tells the customer whose contest `review` answered, through the code-delivery channel
    /// (after the answer was committed; a failure is logged, the answer stands).
    pub(crate) fn tell_contest_outcome(&self, review: &crate::reviews::ReviewRecord) {
        let (Some(delivery), Some(_)) = (self.0.code_delivery.clone(), review.dsr_id) else { return };
        let service = self.0.clone();
        let subject_id = review.subject_id;
        let changed = review.action == Some(custos_core::ReviewAction::Override);
        let outcome = review.outcome.clone().unwrap_or_default().replace('_', " ");
        let reason = review.reason_code.clone().unwrap_or_default().replace('_', " ");
        self.0.background.spawn(async move {
            let Ok(subject) = service.subjects().get(&subject_id.to_string()).await else { return };
            let email = DataCategory::parse("user.contact.email").ok();
            let Some(contact) =
                email.and_then(|e| subject.data.as_ref().and_then(|d| d.get(&e).cloned())).and_then(|v| v.as_str().map(str::to_owned))
            else {
                return;
            };
            let what = if changed { format!("the decision was changed to \"{outcome}\"") } else { "the decision stands".to_owned() };
            let message = format!(
                "A person has reviewed the decision you contested: {what} (reason: {reason}). Sign in to your privacy center for details."
            );
            if let Err(e) = delivery.notify(subject.external_id.as_deref().unwrap_or_default(), &contact, &message) {
                tracing::warn!(error = %e, "telling the customer of their contest's outcome failed");
            }
        });
    }

    /// The demo outbox, when the demo's delivery is installed.
    pub fn demo_outbox(&self) -> Option<Vec<(String, String)>> {
        self.0.demo_outbox.as_ref().map(|o| o.latest())
    }

    /// Ends a customer session.
    pub async fn sign_out(&self, token: &str) -> Result<(), ServiceError> {
        let hash = token_hash(token);
        self.0.write(async |tx| Ok(custos_store::privacy::delete_session(tx, &hash).await?)).await?;
        Ok(())
    }
}

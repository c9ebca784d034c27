//! API keys and scopes. A key is `custos_<key id>_<secret>`; only SHA-256 of the secret is
//! stored (the secret is 160 random bits, so a fast hash is enough: nothing to brute-force).

use std::{
    collections::HashMap,
    fmt,
    sync::Mutex,
    time::{Duration, Instant},
};

use custos_core::{ApiKeyId, LedgerEvent, Timestamp, now};
use custos_store::ApiKeyRecord;
use sha2::{Digest, Sha256};

use crate::{Receipt, Service, ServiceError};

custos_core::vocabulary! {
    /// A permission an API key can carry: `<plural resource>:read|write` or `<area>:admin`
    /// (docs/GLOSSARY.md). The names before 0.2 are still read: one-to-one renames here, the
    /// three old names that split in two through [`Scope::expand`].
    pub enum Scope: "scopes" {
        /// Everything.
        All = "all" ("Everything"),
        /// Declare purposes and publish notices.
        PurposesWrite = "purposes:write" ("Declare purposes and notices"),
        /// Create, list and revoke API keys.
        KeysAdmin = "keys:admin" ("Manage API keys"),
        /// Publish ledger checkpoints on demand.
        LedgerAdmin = "ledger:admin" ("Publish ledger checkpoints"),
        /// Read the audit ledger.
        LedgerRead = "ledger:read" ("Read the ledger"),
        /// Read subjects, their data and history.
        SubjectsRead = "subjects:read" ("Read subjects"),
        /// Create, change subjects.
        SubjectsWrite = "subjects:write" ("Create and change subjects"),
        /// Record consent events.
        ConsentsWrite = "consents:write" ("Record consent") | "consent:write",
        /// Send consent signals (TC and GPP strings) from a consent management platform.
        SignalsWrite = "signals:write" ("Send consent signals"),
        /// Upload the IAB's Global Vendor List versions.
        TcfAdmin = "tcf:admin" ("Upload vendor lists"),
        /// Ask the gate (each answer is a stored check).
        ChecksWrite = "checks:write" ("Ask the gate") | "gate",
        /// Read decisions and their explanations.
        DecisionsRead = "decisions:read" ("Read decisions"),
        /// Log decisions and outcomes.
        DecisionsWrite = "decisions:write" ("Log decisions"),
        /// Read data-subject requests and their exports.
        DsrsRead = "dsrs:read" ("Read requests"),
        /// File and handle data-subject requests.
        DsrsWrite = "dsrs:write" ("Handle requests"),
        /// Use the PII engine (analyze, anonymize, deanonymize).
        PiiWrite = "pii:write" ("Use the PII engine") | "pii",
        /// Turn vaulted PII tokens back into the values they stand for.
        TokensRead = "tokens:read" ("Reveal vaulted PII") | "pii:detokenize",
        /// Read fairness audits, their reports, alerts and schedules.
        AuditsRead = "audits:read" ("Read fairness audits"),
        /// Request and schedule fairness audits.
        AuditsWrite = "audits:write" ("Run fairness audits"),
        /// Read models.
        ModelsRead = "models:read" ("Read models"),
        /// Register models.
        ModelsWrite = "models:write" ("Register models"),
        /// Read the review queue and reviews.
        ReviewsRead = "reviews:read" ("Read reviews"),
        /// Claim, assign and resolve reviews (resolving needs a person).
        ReviewsWrite = "reviews:write" ("Review decisions"),
        /// Review rules, suspensions (the stop button) and oversight figures.
        OversightAdmin = "oversight:admin" ("Configure oversight and suspend"),
        /// Read alerts.
        AlertsRead = "alerts:read" ("Read alerts"),
        /// Acknowledge and resolve alerts.
        AlertsWrite = "alerts:write" ("Handle alerts"),
        /// Read monitors and their reports.
        MonitorsRead = "monitors:read" ("Read monitors"),
        /// Create monitors.
        MonitorsWrite = "monitors:write" ("Create monitors"),
        /// Add, list and remove webhook endpoints and read their deliveries.
        WebhooksAdmin = "webhooks:admin" ("Manage webhooks"),
        /// Read the AI inventory.
        AiSystemsRead = "ai-systems:read" ("Read AI systems"),
        /// Record and change AI systems.
        AiSystemsWrite = "ai-systems:write" ("Record AI systems"),
        /// Read approval requests and their threads.
        ApprovalsRead = "approvals:read" ("Read approvals"),
        /// Ask for approvals, sign off and comment (a personal access token: a person signs).
        ApprovalsWrite = "approvals:write" ("Ask for and sign approvals"),
        /// Run validations of model versions and read their reports.
        ValidationsWrite = "validations:write" ("Run validations"),
        /// Read the risk register.
        RisksRead = "risks:read" ("Read risks"),
        /// Record, raise and change risks.
        RisksWrite = "risks:write" ("Record risks"),
        /// Read impact assessments, their reports and the questionnaires.
        AssessmentsRead = "assessments:read" ("Read assessments"),
        /// Start, answer and submit assessments (approving needs a privacy officer, as a person).
        AssessmentsWrite = "assessments:write" ("Handle assessments"),
        /// Read incidents and their legal clocks.
        IncidentsRead = "incidents:read" ("Read incidents"),
        /// Open and change incidents, record notifications.
        IncidentsWrite = "incidents:write" ("Handle incidents"),
        /// Read the vendor register and the agreements with vendors.
        VendorsRead = "vendors:read" ("Read vendors"),
        /// Record vendors and their agreements.
        VendorsWrite = "vendors:write" ("Record vendors"),
        /// Read the training catalog, completions and coverage.
        TrainingsRead = "trainings:read" ("Read trainings"),
        /// Record courses and completions.
        TrainingsWrite = "trainings:write" ("Record trainings"),
        /// Read obligations, controls, evidence and the compliance report.
        ComplianceRead = "compliance:read" ("Read compliance"),
        /// Scope obligations, upload evidence, start evaluations (a person for each).
        ComplianceWrite = "compliance:write" ("Manage compliance"),
        /// Read segments, exports (their reports and files) and privacy budgets.
        ExportsRead = "exports:read" ("Read exports"),
        /// Save segments and export them under a purpose's export policy.
        ExportsWrite = "exports:write" ("Export segments"),
        /// Set purposes' export policies and privacy budgets (a privacy officer, as a person).
        ExportsAdmin = "exports:admin" ("Set export policies"),
        /// Ask differentially private queries (each spends privacy budget).
        DpQuery = "dp:query" ("Ask private statistics"),
    }
}

impl Scope {
    /// The scopes a name stands for: itself, or for the three names before 0.2 that split,
    /// the scopes they became (`admin`, `dsr`, `fairness`), as migration 0013 did to stored keys.
    pub fn expand(name: &str) -> Result<Vec<Scope>, custos_core::ValidationError> {
        Ok(match name {
            "admin" => vec![Scope::PurposesWrite, Scope::KeysAdmin, Scope::LedgerAdmin],
            "dsr" => vec![Scope::DsrsRead, Scope::DsrsWrite],
            "fairness" => vec![Scope::AuditsRead, Scope::AuditsWrite],
            other => vec![Scope::parse(other)?],
        })
    }

    /// Every wire name, for help texts.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.iter().map(|s| s.as_str())
    }
}

/// Who is calling: an authenticated API key and its scopes.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The key's public id.
    pub key_id: ApiKeyId,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The person a personal access token acts for (none for a system's key).
    pub staff: Option<crate::staff::StaffIdentity>,
}

impl Principal {
    /// True if the key has `scope` (or `all`).
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| *s == scope || *s == Scope::All)
    }

    /// `Ok` if the key has `scope`, else [`ServiceError::Forbidden`].
    pub fn require(&self, scope: Scope) -> Result<(), ServiceError> {
        if self.has(scope) { Ok(()) } else { Err(ServiceError::Forbidden(scope.as_str())) }
    }

    /// The person behind a personal access token, or a refusal naming what `what` needs: an
    /// action attributable to a person cannot be done with a system's key.
    pub fn person(&self, what: &str) -> Result<&crate::staff::StaffIdentity, ServiceError> {
        self.staff.as_ref().ok_or_else(|| {
            ServiceError::NotAllowed(custos_core::ValidationError::new(
                "authorization",
                format!("{what} needs a person: sign in to the console or use a personal access token (`custos admin create-user-token`)"),
            ))
        })
    }

    /// Who did something, as the ledger and the records name them.
    pub fn actor(&self) -> String {
        match &self.staff {
            Some(s) => format!("staff:{}", s.user_id),
            None => format!("key:{}", self.key_id),
        }
    }
}

/// A full API key as handed to its owner once.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyToken(String);

impl ApiKeyToken {
    /// The text to put after `Bearer `.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyToken(<redacted>)")
    }
}

/// How long a validated key is trusted without asking the database again. A key revoked
/// through this server's API stops working at once (its entry is dropped); a key revoked by
/// another process (`custos admin revoke-key`) stops working within this time. Caching saves a
/// database round trip on every request (docs/BENCHMARKS.md).
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(1);

/// Validated keys by SHA-256 of the whole presented token.
#[derive(Debug, Default)]
pub(crate) struct AuthCache {
    entries: Mutex<HashMap<Vec<u8>, (Principal, Instant)>>,
}

impl AuthCache {
    fn get(&self, token_hash: &[u8]) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (principal, at) = entries.get(token_hash)?;
        (at.elapsed() < AUTH_CACHE_TTL).then(|| principal.clone())
    }

    fn put(&self, token_hash: Vec<u8>, principal: Principal) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, (_, at)| at.elapsed() < AUTH_CACHE_TTL);
            }
            entries.insert(token_hash, (principal, Instant::now()));
        }
    }

    fn forget(&self, key_id: &ApiKeyId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (p, _)| p.key_id != *key_id);
        }
    }
}

fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn parse_token(token: &str) -> Option<(ApiKeyId, &str)> {
    let rest = token.strip_prefix("custos_")?;
    let (id, secret) = rest.split_once('_')?;
    let id = uuid::Uuid::try_parse(id).ok()?;
    let key_id = ApiKeyId::parse(&id.hyphenated().to_string()).ok()?;
    (secret.len() == 32).then_some((key_id, secret))
}

/// Creates an API key.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyInput {
    /// Scopes to grant.
    pub scopes: Vec<Scope>,
    /// What the key is for.
    pub label: String,
    /// For a personal access token: the staff account it acts for (set by
    /// [`Keys::create_user_token`]).
    pub user_id: Option<String>,
    /// For a personal access token: when it stops working.
    pub expires_at: Option<custos_core::Timestamp>,
}

/// An API key (never its secret, except once, on creation).
#[derive(Debug, Clone)]
pub struct ApiKeyView {
    /// Public id.
    pub key_id: ApiKeyId,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// Label.
    pub label: String,
    /// Created.
    pub created_at: Timestamp,
    /// Revoked, if revoked.
    pub revoked_at: Option<Timestamp>,
    /// The full key to present as `Authorization: Bearer ...`; only in the creation answer.
    pub key: Option<ApiKeyToken>,
    /// Where this change was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
}

/// The scopes of a stored key; names no longer known are dropped (they grant nothing).
fn stored_scopes(names: &[String]) -> Vec<Scope> {
    names.iter().filter_map(|s| Scope::parse(s).ok()).collect()
}

fn key_view(k: &ApiKeyRecord, token: Option<ApiKeyToken>) -> ApiKeyView {
    ApiKeyView {
        key_id: k.key_id,
        scopes: stored_scopes(&k.scopes),
        label: k.label.clone(),
        created_at: k.created_at,
        revoked_at: k.revoked_at,
        key: token,
        receipt: None,
    }
}

/// Who asks for a new API key; what it may grant depends on who (docs/SECURITY.md).
#[derive(Debug, Clone, Copy)]
pub enum KeyIssuer<'a> {
    /// The operator on the server's host (`custos admin create-key`, the first key of `custos
    /// serve`, the demo's key): any scope, `all` included.
    Host,
    /// An API key with scope `keys:admin`: only scopes it holds itself, and never `all`.
    ApiKey(&'a Principal),
    /// A staff member with the admin role, from the console: any scope but `all`.
    Staff,
}

impl KeyIssuer<'_> {
    /// Refuses a scope this issuer may not grant.
    fn may_grant(&self, scope: Scope) -> Result<(), ServiceError> {
        let refuse = |why: String| Err(ServiceError::NotAllowed(custos_core::ValidationError::new("scopes", why)));
        match self {
            KeyIssuer::Host => Ok(()),
            _ if scope == Scope::All => {
                refuse("an `all` key is minted only on the server's host (`custos admin create-key --scopes all`)".into())
            }
            KeyIssuer::Staff => Ok(()),
            KeyIssuer::ApiKey(p) if p.has(scope) => Ok(()),
            KeyIssuer::ApiKey(_) => refuse(format!("a key grants only scopes it holds itself, and this one lacks `{}`", scope.as_str())),
        }
    }
}

/// API keys: creation under the scope rules, revocation and authentication.
#[derive(Clone, Copy)]
pub struct Keys<'a>(pub(crate) &'a Service);

impl Keys<'_> {
    /// Creates an API key with `scopes`, if `issuer` may grant them; the response carries the
    /// full key, shown only now.
    pub async fn create(&self, input: ApiKeyInput, issuer: KeyIssuer<'_>) -> Result<ApiKeyView, ServiceError> {
        if input.scopes.is_empty() {
            return Err(ServiceError::invalid("scopes", "at least one scope is required"));
        }
        let mut scopes: Vec<String> = Vec::new();
        for scope in &input.scopes {
            issuer.may_grant(*scope)?;
            if !scopes.iter().any(|s| s == scope.as_str()) {
                scopes.push(scope.as_str().to_owned());
            }
        }
        if input.label.len() > 200 {
            return Err(ServiceError::invalid("label", "must be at most 200 characters"));
        }
        let key_id = ApiKeyId::new();
        let mut secret_bytes = [0u8; 20];
        getrandom::fill(&mut secret_bytes).map_err(|_| ServiceError::internal(custos_store::StoreError::Crypto("random source failed")))?;
        let secret = data_encoding::BASE32_NOPAD.encode(&secret_bytes).to_ascii_lowercase();
        let token = ApiKeyToken(format!("custos_{}_{secret}", key_id.as_uuid().simple()));
        let record = ApiKeyRecord {
            key_id,
            secret_sha256: secret_hash(&secret),
            scopes,
            label: input.label,
            created_at: now(),
            revoked_at: None,
            user_id: input.user_id,
            expires_at: input.expires_at,
        };
        let stored = record.clone();
        let leaf = crate::ledger::event_at(
            LedgerEvent::ApiKeyCreated,
            &record.created_at,
            serde_json::json!({"key_id": record.key_id.to_string(), "scopes": record.scopes}),
        );
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::keys::insert(tx, &stored).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        tracing::info!(key_id = %record.key_id, scopes = %record.scopes.join(" "), "API key created");
        let mut view = key_view(&record, Some(token));
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Mints a personal access token for the staff member with `email` (on the server's host:
    /// `custos admin create-user-token`): an API key bound to their account, so what it does is
    /// theirs, ending after `days` (1-366). Any scope but `all`.
    pub async fn create_user_token(&self, email: &str, scopes: Vec<Scope>, days: u32) -> Result<ApiKeyView, ServiceError> {
        if !(1..=366).contains(&days) {
            return Err(ServiceError::invalid("days", "must be between 1 and 366"));
        }
        if scopes.contains(&Scope::All) {
            return Err(ServiceError::invalid("scopes", "a personal access token names its scopes; `all` is for the host's own keys"));
        }
        let email = email.trim().to_lowercase();
        let user = self
            .0
            .read(async |tx| Ok(custos_store::staff::user_by_email(tx, &email).await?))
            .await?
            .ok_or_else(|| ServiceError::unprocessable("email", "no staff account has this email"))?;
        let expires_at = now() + chrono::Duration::days(i64::from(days));
        self.create(
            ApiKeyInput {
                scopes,
                label: format!("personal token of {}", user.email),
                user_id: Some(user.user_id),
                expires_at: Some(expires_at),
            },
            KeyIssuer::Host,
        )
        .await
    }

    /// Every API key, without secrets.
    pub async fn all(&self) -> Result<Vec<ApiKeyView>, ServiceError> {
        let keys = self.0.read(async |tx| Ok(custos_store::keys::all(tx).await?)).await?;
        Ok(keys.iter().map(|k| key_view(k, None)).collect())
    }

    /// Revokes a key; it stops working at once, also in a running server.
    pub async fn revoke(&self, key_id: &str) -> Result<ApiKeyView, ServiceError> {
        let id = ApiKeyId::parse(key_id)?;
        let leaf = crate::ledger::event(LedgerEvent::ApiKeyRevoked, serde_json::json!({"key_id": id.to_string()}));
        let (record, receipt) = self
            .0
            .write(async |tx| {
                let existing = custos_store::keys::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "API key" })?;
                // Revoking twice changes nothing, so it records nothing.
                let receipt = if existing.revoked_at.is_none() {
                    custos_store::keys::revoke(tx, &id, &now()).await?;
                    Some(custos_store::ledger::append_leaf(tx, leaf).await?)
                } else {
                    None
                };
                let record = custos_store::keys::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "API key" })?;
                Ok((record, receipt))
            })
            .await?;
        self.0.auth_cache.forget(&id);
        tracing::info!(key_id = %id, "API key revoked");
        let mut view = key_view(&record, None);
        view.receipt = receipt;
        Ok(view)
    }

    /// Checks a presented key. Unknown, malformed and revoked keys are all
    /// [`ServiceError::Unauthenticated`], so a caller learns nothing about which it was.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, ServiceError> {
        let (key_id, secret) = parse_token(token).ok_or(ServiceError::Unauthenticated)?;
        let token_hash = secret_hash(token);
        if let Some(principal) = self.0.auth_cache.get(&token_hash) {
            return Ok(principal);
        }
        let hash = secret_hash(secret);
        let record = self.0.store.read_statement(async |tx| custos_store::keys::get(tx, &key_id).await.map_err(ServiceError::from)).await?;
        let record = record.ok_or(ServiceError::Unauthenticated)?;
        // Both sides are SHA-256 outputs of equal length; comparing hashes leaks nothing useful.
        if record.revoked_at.is_some() || record.secret_sha256 != hash || record.expires_at.is_some_and(|t| t <= now()) {
            return Err(ServiceError::Unauthenticated);
        }
        let staff = match &record.user_id {
            Some(user_id) => {
                let user = self.0.read(async |tx| Ok(custos_store::staff::user_by_id(tx, user_id).await?)).await?;
                Some(crate::staff::StaffIdentity::of(&user.ok_or(ServiceError::Unauthenticated)?))
            }
            None => None,
        };
        let principal = Principal { key_id, scopes: stored_scopes(&record.scopes), staff };
        self.0.auth_cache.put(token_hash, principal.clone());
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_tokens() {
        for name in Scope::names() {
            assert_eq!(Scope::parse(name).map(Scope::as_str), Ok(name));
        }
        assert_eq!(Scope::parse("consent:write"), Ok(Scope::ConsentsWrite), "old spellings are read for one release");
        assert_eq!(Scope::expand("dsr"), Ok(vec![Scope::DsrsRead, Scope::DsrsWrite]));
        assert_eq!(Scope::expand("gate"), Ok(vec![Scope::ChecksWrite]));
        assert!(Scope::expand("nope").is_err());
        let p = Principal { key_id: ApiKeyId::new(), scopes: vec![Scope::ChecksWrite], staff: None };
        assert!(p.has(Scope::ChecksWrite));
        assert!(p.require(Scope::KeysAdmin).is_err());
        assert!(Principal { key_id: ApiKeyId::new(), scopes: vec![Scope::All], staff: None }.has(Scope::DsrsWrite));
        let id = ApiKeyId::new();
        let token = format!("custos_{}_{}", id.as_uuid().simple(), "a".repeat(32));
        assert_eq!(parse_token(&token).map(|(k, _)| k), Some(id));
        assert!(parse_token("custos_nope_x").is_none());
        assert!(parse_token(&token[..token.len() - 1]).is_none());
        assert_eq!(format!("{:?}", ApiKeyToken(token)), "ApiKeyToken(<redacted>)");
    }
}

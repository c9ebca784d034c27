//! Staff accounts for the console: argon2id password hashes, lockout after repeated failures,
//! server-side sessions with a CSRF token each, and a ledger leaf for every sign-in, failed
//! sign-in, sign-out and view of a subject's personal data.
//!
//! Passwords are hashed with Argon2id (RFC 9106; OWASP's parameters m = 19 MiB, t = 2, p = 1)
//! and stored as PHC strings. Session tokens are 32 random bytes; only their SHA-256 is stored, so
//! a database dump does not yield live sessions. Five failed sign-ins lock the account for 15
//! minutes; the answer to a wrong email and to a wrong password is the same.

use std::fmt;

use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version};
use custos_core::{LedgerEvent, Role, now};
use custos_store::StaffUser;
use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::{Service, ServiceError};

/// How long a console session lasts.
pub const SESSION_HOURS: i64 = 8;

const M_COST: u32 = 19_456;
const T_COST: u32 = 2;

/// A signed-in staff member.
#[derive(Clone)]
pub struct StaffSession {
    /// The account.
    pub user_id: String,
    /// Sign-in name.
    pub email: String,
    /// Roles (a set, in a stable order); what they allow is [`crate::permissions::allowed`].
    pub roles: Vec<Role>,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// Courses their roles require that are not valid today: while any is missing they see
    /// personal data masked (the staff policies' `reveal`).
    pub missing_trainings: Vec<String>,
}

impl fmt::Debug for StaffSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffSession").field("user_id", &self.user_id).field("roles", &self.roles).finish_non_exhaustive()
    }
}

impl StaffSession {
    /// Whether this person may `action` the `resource` (one table: [`crate::permissions`]).
    pub fn may(&self, action: crate::permissions::Action, resource: crate::permissions::Resource) -> bool {
        crate::permissions::allowed(self, action, resource) == custos_policy::Decision::Allow
    }

    /// Whether every course their roles require is valid today.
    pub fn trained(&self) -> bool {
        self.missing_trainings.is_empty()
    }

    /// Whether they see the personal data of `resource` unmasked for `purpose` (the staff
    /// policies; no ledger event: [`Staff::decide_reveal`] records one).
    pub fn reveals(&self, resource: crate::permissions::Resource, purpose: crate::permissions::AccessPurpose) -> bool {
        crate::permissions::reveals(self, self.trained(), resource, purpose)
    }

    /// The person, without the session's secrets.
    pub fn identity(&self) -> StaffIdentity {
        StaffIdentity { user_id: self.user_id.clone(), email: self.email.clone(), roles: self.roles.clone() }
    }
}

/// A person behind a request: signed in to the console, or presenting a personal access token
/// bound to their staff account. Actions that must be attributable to a person (resolving a
/// review) take one; a plain API key has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffIdentity {
    /// The account.
    pub user_id: String,
    /// Sign-in name.
    pub email: String,
    /// Roles (a set).
    pub roles: Vec<Role>,
}

impl StaffIdentity {
    /// Whether this person may `action` the `resource` (one table: [`crate::permissions`]).
    pub fn may(&self, action: crate::permissions::Action, resource: crate::permissions::Resource) -> bool {
        crate::permissions::allowed(self, action, resource) == custos_policy::Decision::Allow
    }

    pub(crate) fn of(user: &StaffUser) -> Self {
        Self { user_id: user.user_id.clone(), email: user.email.clone(), roles: user.roles.clone() }
    }
}

impl crate::permissions::HasRoles for StaffSession {
    fn roles(&self) -> &[Role] {
        &self.roles
    }
}

impl crate::permissions::HasRoles for StaffIdentity {
    fn roles(&self) -> &[Role] {
        &self.roles
    }
}

/// Why a sign-in failed: one answer whatever the cause (no such account, a wrong password, or
/// this address locked out of the account after repeated failures), so it tells nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInError {
    /// Wrong email or password, or too many failures from this address.
    Invalid,
}

/// What an unknown account's password is checked against: a hash of nothing anyone knows, with
/// the real parameters, so the check costs what a real one costs.
const NO_ACCOUNT_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// `bytes` random bytes from the OS.
fn random_token(bytes: usize) -> Result<Vec<u8>, ServiceError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|_| ServiceError::internal(custos_store::StoreError::Crypto("random source failed")))?;
    Ok(b)
}

/// `bytes` random bytes, base64url: session tokens, CSRF tokens, one-time passwords, JWT ids.
pub(crate) fn random_b64(bytes: usize) -> Result<String, ServiceError> {
    Ok(BASE64URL_NOPAD.encode(&random_token(bytes)?))
}

fn hasher() -> Argon2<'static> {
    // INVARIANT: constant, valid parameters.
    let params = Params::new(M_COST, T_COST, 1, Some(32)).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `password` with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = random_token(16)?;
    let hash = hasher()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|_| ServiceError::internal(custos_store::StoreError::Crypto("password hashing failed")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches a PHC string made by [`hash_password`]: Argon2id only, with the
/// parameters the string names, compared in constant time (by `password-hash`).
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    hash.algorithm == ARGON2ID_IDENT && hasher().verify_password(password.as_bytes(), &hash).is_ok()
}

/// Role names for the ledger.
fn role_names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

/// What a session table stores of a cookie token (never the token itself).
pub(crate) fn token_hash(token: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Staff accounts, console sign-in and sessions, and the console's overview.
#[derive(Clone, Copy)]
pub struct Staff<'a>(pub(crate) &'a Service);

impl Staff<'_> {
    /// Creates a staff account; returns its id and the password (generated when not given).
    pub async fn create_user(&self, email: &str, roles: &[Role], password: Option<String>) -> Result<(String, String), ServiceError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_control) {
            return Err(ServiceError::invalid("email", "must be an email address"));
        }
        if roles.is_empty() {
            return Err(ServiceError::invalid("role", "give at least one role"));
        }
        let password = match password {
            Some(p) if p.chars().count() >= 12 => p,
            Some(_) => return Err(ServiceError::invalid("password", "must be at least 12 characters")),
            None => random_b64(15)?,
        };
        let hash = tokio::task::spawn_blocking({
            let p = password.clone();
            move || hash_password(&p)
        })
        .await
        .map_err(|_| ServiceError::internal(custos_store::StoreError::Crypto("password hashing failed")))??;
        let user = StaffUser {
            user_id: uuid::Uuid::now_v7().to_string(),
            email,
            roles: roles.to_vec(),
            password_hash: hash,
            failed_attempts: 0,
            locked_until: None,
            created_at: now(),
        };
        let leaf = crate::ledger::event(LedgerEvent::StaffUserCreated, json!({"user_id": user.user_id, "roles": role_names(&user.roles)}));
        let id = user.user_id.clone();
        self.0
            .write(async |tx| {
                custos_store::staff::insert_user(tx, &user).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict("a staff account with this email exists".into()),
                    other => other.into(),
                })?;
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        Ok((id, password))
    }

    /// Gives an account a new password (generated when not given) and unlocks it.
    pub async fn reset_password(&self, email: &str, password: Option<String>) -> Result<String, ServiceError> {
        let email = email.trim().to_lowercase();
        let password = match password {
            Some(p) if p.chars().count() >= 12 => p,
            Some(_) => return Err(ServiceError::invalid("password", "must be at least 12 characters")),
            None => random_b64(15)?,
        };
        let p = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&p))
            .await
            .map_err(|_| ServiceError::internal(custos_store::StoreError::Crypto("password hashing failed")))??;
        let leaf = crate::ledger::event(LedgerEvent::StaffPasswordReset, json!({}));
        self.0
            .write(async |tx| {
                if !custos_store::staff::set_password(tx, &email, &hash).await? {
                    return Err(ServiceError::NotFound { resource: "staff account" });
                }
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        Ok(password)
    }

    /// Signs a staff member in from `client`: the session token for the cookie, or why not.
    /// Every attempt past the rate limits makes one password check and one ledger leaf, whether
    /// the account exists or not, and every refusal is the same.
    pub async fn sign_in(&self, email: &str, password: &str, client: crate::Client) -> Result<Result<String, SignInError>, ServiceError> {
        self.0
            .throttles
            .admit(crate::throttle::Path::StaffPassword, client)
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let email = email.trim().to_lowercase();
        let at = now();
        let lookup = email.clone();
        let user = self.0.read(async |tx| Ok(custos_store::staff::user_by_email(tx, &lookup).await?)).await?;
        let locked = self.0.throttles.locked(client, &email);
        let (p, h) = (password.to_owned(), user.as_ref().map_or_else(|| NO_ACCOUNT_HASH.to_owned(), |u| u.password_hash.clone()));
        self.0.throttles.password_checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let matches = tokio::task::spawn_blocking(move || verify_password(&p, &h)).await.unwrap_or(false);
        let user = match user {
            Some(user) if matches && !locked => user,
            user => {
                let uid = user.as_ref().map(|u| u.user_id.clone());
                let now_locked = uid.is_some() && self.0.throttles.failed(client, &email);
                let email_digest = HEXLOWER.encode(&self.0.store.keyring().digest("ledger/staff-email", email.as_bytes()));
                let leaf = crate::ledger::event_at(
                    LedgerEvent::StaffSignInFailed,
                    &at,
                    json!({"user_id": uid, "email_digest": email_digest, "address_locked": now_locked || locked}),
                );
                self.0
                    .write(async |tx| {
                        if let Some(uid) = &uid {
                            custos_store::staff::sign_in_failed(tx, uid, None).await?;
                        }
                        custos_store::ledger::append_leaf(tx, leaf).await?;
                        Ok(())
                    })
                    .await?;
                return Ok(Err(SignInError::Invalid));
            }
        };
        self.0.throttles.succeeded(client, &email);
        let uid = user.user_id.clone();
        let token = random_b64(32)?;
        let csrf = random_b64(24)?;
        let hash = token_hash(&token);
        let expires = at + chrono::Duration::hours(SESSION_HOURS);
        let leaf = crate::ledger::event_at(LedgerEvent::StaffSignedIn, &at, json!({"user_id": uid, "roles": role_names(&user.roles)}));
        self.0
            .write(async |tx| {
                custos_store::staff::insert_session(tx, &hash, &uid, &csrf, &at, &expires).await?;
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        Ok(Ok(token))
    }

    /// Password checks this service has made (every staff sign-in attempt that gets past the
    /// rate limits makes exactly one, whether or not the account exists): an operational
    /// counter, and the way tests see that refusals cost the same.
    pub fn password_checks(&self) -> u64 {
        self.0.throttles.password_checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The live session of a cookie's token.
    pub async fn session(&self, token: &str) -> Result<Option<StaffSession>, ServiceError> {
        let hash = token_hash(token);
        let at = now();
        let found = self.0.read(async |tx| Ok(custos_store::staff::session(tx, &hash, &at).await?)).await?;
        let Some((u, csrf)) = found else { return Ok(None) };
        let missing_trainings = self.0.trainings().missing_for(&u.user_id, &u.roles, at).await?;
        Ok(Some(StaffSession { user_id: u.user_id, email: u.email, roles: u.roles, csrf, missing_trainings }))
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str, session: &StaffSession) -> Result<(), ServiceError> {
        let hash = token_hash(token);
        let leaf = crate::ledger::event(LedgerEvent::StaffSignedOut, json!({"user_id": session.user_id}));
        self.0
            .write(async |tx| {
                custos_store::staff::delete_session(tx, &hash).await?;
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Deletes expired console and privacy-center sessions (run beside retention).
    pub async fn sweep_sessions(&self) -> Result<u64, ServiceError> {
        let at = now();
        self.0.write(async |tx| Ok(custos_store::staff::delete_expired_sessions(tx, &at).await?)).await
    }

    /// The console overview's counts.
    pub async fn overview(&self) -> Result<custos_store::Overview, ServiceError> {
        let at = now();
        let soon = at + chrono::Duration::days(crate::dsrs::DUE_SOON_DAYS);
        self.0.read(async |tx| Ok(custos_store::overview::get(tx, &at, &soon).await?)).await
    }

    /// Decides with the staff policies whether `session` sees the personal data of `resource`
    /// unmasked for `purpose`, and records the decision in the ledger with the policies'
    /// version (tied to the subject when there is one, so erasure can find it).
    pub async fn decide_reveal(
        &self,
        session: &StaffSession,
        resource: crate::permissions::Resource,
        purpose: crate::permissions::AccessPurpose,
        subject: Option<&custos_core::SubjectId>,
    ) -> Result<bool, ServiceError> {
        let revealed = session.reveals(resource, purpose);
        let doc = json!({
            "user_id": session.user_id,
            "roles": role_names(&session.roles),
            "action": "reveal",
            "resource": resource.as_str(),
            "purpose": purpose.as_str(),
            "decision": if revealed { "allow" } else { "deny" },
            "missing_trainings": session.missing_trainings.len(),
            "policy_version": crate::permissions::policy_version(),
        });
        let doc = match subject {
            Some(id) => crate::ledger::subject_fields(id, doc),
            None => doc,
        };
        self.0.store.append_event(crate::ledger::event(LedgerEvent::AccessDecided, doc)).await?;
        Ok(revealed)
    }

    /// Records in the ledger that a staff member viewed a subject's personal data.
    pub async fn log_subject_view(&self, session: &StaffSession, subject_id: &str) -> Result<(), ServiceError> {
        let id = crate::subjects::parse_subject_id("subject_id", subject_id)?;
        let leaf = crate::ledger::event(
            LedgerEvent::StaffViewedSubject,
            crate::ledger::subject_fields(&id, json!({"user_id": session.user_id, "roles": role_names(&session.roles)})),
        );
        self.0.store.append_event(leaf).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_differ() {
        let a = hash_password("correct horse battery").unwrap_or_default();
        let b = hash_password("correct horse battery").unwrap_or_default();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b, "fresh salt each time");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterz", &a));
        assert!(!verify_password("correct horse battery", "$argon2i$v=19$m=1,t=1,p=1$AA$AA"));
    }
}

//! Staff authorization with Cedar: the policies in `policies/staff.cedar` (embedded, parsed
//! once) decide whether a staff member may `read` or `write` an area of custos and whether they
//! may `reveal` personal data (see it unmasked), from their roles, whether their required
//! training is valid, and the purpose of access. Pure: the caller gathers the facts; nothing
//! here reads a database or a clock.
//!
//! Cedar was chosen over the table it replaces because the rules now depend on attributes
//! (training, purpose), and because a policy file can be read, reviewed and versioned by people
//! who do not read Rust; its evaluation is measured in `docs/BENCHMARKS.md`.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use cedar_policy::{Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request, RestrictedExpression};
use sha2::{Digest, Sha256};

/// The policy file custos ships.
pub const POLICIES: &str = include_str!("../policies/staff.cedar");

/// What a policy file could not be used for.
#[derive(Debug, thiserror::Error)]
pub enum AuthzError {
    /// The text is not a valid Cedar policy set.
    #[error("the Cedar policies do not parse: {0}")]
    Parse(String),
}

/// The facts about a staff member a decision needs.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// Their account id.
    pub user_id: &'a str,
    /// Their roles' wire names.
    pub roles: &'a [&'a str],
    /// Every training their roles require is valid today.
    pub trained: bool,
}

/// What a decision depends on: the principal's id and attributes, the action, the resource
/// and the purpose.
type Key = (String, Vec<String>, bool, String, String, String);

/// Most decisions remembered; past this the memo is emptied and refilled.
const MEMO_LIMIT: usize = 100_000;

/// A parsed policy set and its version.
pub struct Policies {
    set: PolicySet,
    version: String,
    authorizer: Authorizer,
    /// Decisions already taken. The policies are fixed for the life of the value and a
    /// decision is a pure function of its key, so a repeated question (every console page asks
    /// the same ones for its menu) is answered without evaluating again.
    memo: Mutex<HashMap<Key, bool>>,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies").field("version", &self.version).finish_non_exhaustive()
    }
}

fn uid(kind: &str, id: &str) -> Option<EntityUid> {
    Some(EntityUid::from_type_name_and_id(EntityTypeName::from_str(kind).ok()?, EntityId::new(id)))
}

impl Policies {
    /// Parses a policy file; its version is the first 16 hex digits of its SHA-256.
    pub fn parse(text: &str) -> Result<Self, AuthzError> {
        let set = PolicySet::from_str(text).map_err(|e| AuthzError::Parse(e.to_string()))?;
        let digest = Sha256::digest(text.as_bytes());
        let version: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(Self { set, version: format!("staff.cedar@{version}"), authorizer: Authorizer::new(), memo: Mutex::new(HashMap::new()) })
    }

    /// The policies custos ships (parsed once).
    pub fn shipped() -> &'static Policies {
        static SHIPPED: OnceLock<Policies> = OnceLock::new();
        SHIPPED.get_or_init(|| Policies::parse(POLICIES).expect("the shipped policies parse (tested)"))
    }

    /// The version recorded with each decision that reveals personal data.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether `who` may do `action` (`read`, `write`, `reveal`) on `resource` (a console
    /// area's wire name) for `purpose` (empty when none is stated). Anything Cedar cannot
    /// evaluate is a deny. Answers are remembered (see [`Policies::evaluate`] for the
    /// evaluation itself).
    pub fn is_allowed(&self, who: Principal<'_>, action: &str, resource: &str, purpose: &str) -> bool {
        let mut roles: Vec<String> = who.roles.iter().map(|r| (*r).to_owned()).collect();
        roles.sort_unstable();
        roles.dedup();
        let key = (who.user_id.to_owned(), roles, who.trained, action.to_owned(), resource.to_owned(), purpose.to_owned());
        if let Some(hit) = self.memo.lock().ok().and_then(|m| m.get(&key).copied()) {
            return hit;
        }
        let decision = self.evaluate(who, action, resource, purpose);
        if let Ok(mut m) = self.memo.lock() {
            if m.len() >= MEMO_LIMIT {
                m.clear();
            }
            m.insert(key, decision);
        }
        decision
    }

    /// One evaluation by Cedar, never remembered.
    pub fn evaluate(&self, who: Principal<'_>, action: &str, resource: &str, purpose: &str) -> bool {
        let (Some(principal), Some(action), Some(resource)) = (uid("Staff", who.user_id), uid("Action", action), uid("Resource", resource))
        else {
            return false;
        };
        let roles = RestrictedExpression::new_set(who.roles.iter().map(|r| RestrictedExpression::new_string((*r).to_owned())));
        let attrs = HashMap::from([("roles".to_owned(), roles), ("trained".to_owned(), RestrictedExpression::new_bool(who.trained))]);
        let Ok(entity) = Entity::new(principal.clone(), attrs, HashSet::new()) else { return false };
        let Ok(entities) = Entities::from_entities([entity], None) else { return false };
        let Ok(context) = Context::from_pairs([("purpose".to_owned(), RestrictedExpression::new_string(purpose.to_owned()))]) else {
            return false;
        };
        let Ok(request) = Request::new(principal, action, resource, context, None) else { return false };
        self.authorizer.is_authorized(&request, &self.set, &entities).decision() == cedar_policy::Decision::Allow
    }
}

#[cfg(test)]
mod tests {
    //! Policy tests in Cedar's own style: a principal, an action, a resource and a context, and
    //! the decision each must get.
    use super::*;

    fn decide(roles: &[&str], trained: bool, action: &str, resource: &str, purpose: &str) -> bool {
        Policies::shipped().is_allowed(Principal { user_id: "u-1", roles, trained }, action, resource, purpose)
    }

    #[test]
    fn the_shipped_policies_parse_and_have_a_version() {
        let p = Policies::shipped();
        assert!(p.version().starts_with("staff.cedar@") && p.version().len() == "staff.cedar@".len() + 16, "{}", p.version());
        assert!(Policies::parse("permit(principal, action, resource) when {").is_err());
        let other = Policies::parse("permit(principal, action, resource);").expect("parses");
        assert_ne!(other.version(), p.version(), "another text, another version");
    }

    #[test]
    fn remembered_answers_equal_fresh_evaluations() {
        let p = Policies::shipped();
        for roles in [&["reviewer"][..], &["admin", "legal"][..], &[][..]] {
            for trained in [false, true] {
                for action in ["read", "write", "reveal", "delete"] {
                    for resource in ["subjects", "reviews", "keys", "overview"] {
                        let who = Principal { user_id: "u-2", roles, trained };
                        let fresh = p.evaluate(who, action, resource, "review");
                        assert_eq!(p.is_allowed(who, action, resource, "review"), fresh);
                        assert_eq!(p.is_allowed(who, action, resource, "review"), fresh, "twice");
                    }
                }
            }
        }
    }

    #[test]
    fn allow_cases() {
        for (roles, trained, action, resource, purpose) in [
            (&["reviewer"][..], false, "read", "overview", ""),
            (&[][..], false, "read", "overview", ""),
            (&["reviewer"][..], false, "write", "reviews", ""),
            (&["reviewer"][..], true, "reveal", "reviews", "review"),
            (&["privacy_officer"][..], true, "reveal", "subjects", "view_subject"),
            (&["privacy_officer"][..], false, "read", "subjects", ""),
            (&["legal", "analyst"][..], false, "write", "audits", ""),
            (&["admin"][..], false, "write", "keys", ""),
            (&["security"][..], false, "write", "incidents", ""),
            (&["privacy_officer"][..], false, "write", "trainings", ""),
        ] {
            assert!(decide(roles, trained, action, resource, purpose), "{roles:?} trained={trained} {action} {resource} {purpose:?}");
        }
    }

    #[test]
    fn deny_cases() {
        for (roles, trained, action, resource, purpose) in [
            // Without valid training: no unmasked personal data, whatever the role.
            (&["privacy_officer"][..], false, "reveal", "subjects", "view_subject"),
            (&["reviewer"][..], false, "reveal", "reviews", "review"),
            // Trained, but no purpose of access (or one not on the list).
            (&["privacy_officer"][..], true, "reveal", "subjects", ""),
            (&["privacy_officer"][..], true, "reveal", "subjects", "curiosity"),
            // Areas without personal data are never "revealed".
            (&["admin"][..], true, "reveal", "keys", "view_subject"),
            // Roles are a set, not a ladder.
            (&["reviewer"][..], true, "read", "subjects", ""),
            (&["analyst"][..], false, "write", "decisions", ""),
            (&["legal", "analyst"][..], false, "write", "dsrs", ""),
            (&[][..], false, "read", "decisions", ""),
            (&["security"][..], false, "write", "vendors", ""),
            // Unknown words deny.
            (&["admin"][..], true, "delete", "subjects", ""),
            (&["superuser"][..], true, "read", "subjects", ""),
        ] {
            assert!(!decide(roles, trained, action, resource, purpose), "{roles:?} trained={trained} {action} {resource} {purpose:?}");
        }
    }
}

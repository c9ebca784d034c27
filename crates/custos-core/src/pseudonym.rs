use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::PurposeKey;

type HmacSha256 = Hmac<Sha256>;

/// The single pseudonymization scheme of custos: a keyed HMAC-SHA256 of a value, rendered
/// `tok_<base32>`.
///
/// Tokens are deterministic per key, so the same value yields the same token and joins across
/// datasets still work, yet without the key nobody can confirm a guessed value (an unkeyed
/// hash of an e-mail address can be reversed by hashing candidate addresses). Each purpose
/// gets its own key, so tokens released for one purpose cannot be linked to another's.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: [u8; 32],
}

impl Pseudonymizer {
    /// The pseudonymizer for `purpose`, derived from the deployment's root secret.
    pub fn for_purpose(root_secret: &[u8; 32], purpose: &PurposeKey) -> Self {
        Self { key: derive_key(root_secret, &["pseudonym", purpose.as_str()]) }
    }

    /// A pseudonymizer under an explicit 32-byte key (for engines that manage their own keys).
    pub fn from_key(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The token for `value` within `domain` (a data category or an entity type); the domain is
    /// mixed in so that equal strings of different kinds do not share a token.
    pub fn token(&self, domain: &str, value: &str) -> String {
        let mut mac = hmac_with(&self.key);
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        // 20 bytes = 160 bits: collision-free at any realistic volume, 32 base32 characters.
        format!("tok_{}", data_encoding::BASE32_NOPAD.encode(&digest[..20]).to_ascii_lowercase())
    }
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymizer(<key redacted>)")
    }
}

fn hmac_with(key: &[u8]) -> HmacSha256 {
    // INVARIANT: HMAC accepts keys of any length, so this never fails.
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Derives a 32-byte subkey from `root` for a labelled use (`["pseudonym", purpose]`,
/// `["blind_index", "external_id"]`, ...): HMAC-SHA256(root, "custos/v1" || 0 || label || 0 ...).
pub(crate) fn derive_key(root: &[u8; 32], labels: &[&str]) -> [u8; 32] {
    let mut mac = hmac_with(root);
    mac.update(b"custos/v1");
    for label in labels {
        mac.update(&[0]);
        mac.update(label.as_bytes());
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// A keyed digest of `value` under a labelled subkey of `root`, for blind indexes (looking a
/// value up without storing it) and for identifying values in records that must not hold them.
pub fn keyed_digest(root: &[u8; 32], label: &str, value: &[u8]) -> [u8; 32] {
    let key = derive_key(root, &["digest", label]);
    let mut mac = hmac_with(&key);
    mac.update(value);
    let mut out = [0u8; 32];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_keyed_and_separated() {
        let root = [7u8; 32];
        let ads = PurposeKey::parse("marketing.advertising").expect("key");
        let analytics = PurposeKey::parse("analytics.reporting").expect("key");
        let p = Pseudonymizer::for_purpose(&root, &ads);
        let t = p.token("user.contact.email", "ana@example.org");
        assert!(t.starts_with("tok_") && t.len() == 36, "{t}");
        assert_eq!(t, p.token("user.contact.email", "ana@example.org"));
        assert_ne!(t, p.token("user.contact.email", "ana@example.com"));
        assert_ne!(t, p.token("user.name", "ana@example.org"));
        assert_ne!(t, Pseudonymizer::for_purpose(&root, &analytics).token("user.contact.email", "ana@example.org"));
        assert_ne!(t, Pseudonymizer::for_purpose(&[8u8; 32], &ads).token("user.contact.email", "ana@example.org"));
        assert!(!format!("{p:?}").contains('7'));
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = hmac_with(b"Jefe");
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}

//! Anonymization operators with Presidio's names and parameters (`replace`, `redact`, `mask`,
//! `hash`, `encrypt`, `keep`) plus `tokenize`: the keyed pseudonym of `custos-core`, the same
//! scheme the gate uses, so tokens stay stable across documents and joins still work.

use std::collections::HashMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use custos_core::Pseudonymizer;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256, Sha512};

use crate::Finding;

/// What to do with one entity's text.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operator {
    /// Replace with `new_value` (default `<ENTITY_TYPE>`).
    Replace {
        /// The replacement text.
        #[serde(default)]
        new_value: Option<String>,
    },
    /// Remove the text.
    Redact {},
    /// Overwrite `chars_to_mask` characters with `masking_char`, from the start or the end.
    Mask {
        /// The character written over the text.
        masking_char: String,
        /// How many characters to cover.
        chars_to_mask: usize,
        /// Cover the last characters instead of the first.
        #[serde(default)]
        from_end: bool,
    },
    /// Replace with the hex digest of (salt || text). Unsalted digests of short values (phone
    /// numbers, card numbers) can be reversed by hashing every candidate: prefer `tokenize`.
    Hash {
        /// `sha256` (default) or `sha512`.
        #[serde(default)]
        hash_type: Option<String>,
        /// Bytes put in front of the value before hashing.
        #[serde(default)]
        salt: Option<String>,
    },
    /// Authenticated encryption (XChaCha20-Poly1305, random nonce), base64; reversible with the key.
    Encrypt {
        /// The key: 16, 24 or 32 characters, as Presidio's encrypt operator takes it.
        key: String,
    },
    /// Leave the text as it is (but report it).
    Keep {},
    /// The deterministic keyed pseudonym `tok_...` of the value (key held by the caller).
    Tokenize {},
}

impl Operator {
    /// The operator's name as it appears in results (`replace`, `mask`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Replace { .. } => "replace",
            Operator::Redact {} => "redact",
            Operator::Mask { .. } => "mask",
            Operator::Hash { .. } => "hash",
            Operator::Encrypt { .. } => "encrypt",
            Operator::Keep {} => "keep",
            Operator::Tokenize {} => "tokenize",
        }
    }

    /// Checks parameters before any text is touched.
    pub fn validate(&self) -> Result<(), AnonymizeError> {
        match self {
            Operator::Mask { masking_char, .. } if masking_char.chars().count() != 1 => {
                Err(AnonymizeError::InvalidOperator("mask: masking_char must be exactly one character".into()))
            }
            Operator::Hash { hash_type: Some(h), .. } if h != "sha256" && h != "sha512" => {
                Err(AnonymizeError::InvalidOperator(format!("hash: hash_type must be sha256 or sha512, not {h:?}")))
            }
            Operator::Encrypt { key } if !matches!(key.len(), 16 | 24 | 32) => {
                Err(AnonymizeError::InvalidOperator("encrypt: key must be 16, 24 or 32 bytes long".into()))
            }
            _ => Ok(()),
        }
    }
}

/// Operators per entity type, with `DEFAULT` for the rest (Presidio's `anonymizers` map).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(transparent)]
pub struct OperatorConfig(pub HashMap<String, Operator>);

impl OperatorConfig {
    /// The operator for `entity_type`: its own, else `DEFAULT`, else `replace`.
    pub fn for_entity(&self, entity_type: &str) -> Operator {
        self.0.get(entity_type).or_else(|| self.0.get("DEFAULT")).cloned().unwrap_or(Operator::Replace { new_value: None })
    }

    /// Checks every operator's parameters.
    pub fn validate(&self) -> Result<(), AnonymizeError> {
        self.0.values().try_for_each(Operator::validate)
    }
}

/// Why a text could not be anonymized or deanonymized.
#[derive(Debug, thiserror::Error)]
pub enum AnonymizeError {
    /// An operator's parameters are invalid.
    #[error("invalid operator: {0}")]
    InvalidOperator(String),
    /// `tokenize` was asked for but no pseudonymization key was supplied.
    #[error("tokenize needs a pseudonymization key")]
    NoTokenKey,
    /// A span lies outside the text or not on a character boundary.
    #[error("entity span {start}..{end} is outside the text or splits a character")]
    BadSpan {
        /// The span's start.
        start: usize,
        /// The span's end.
        end: usize,
    },
    /// A ciphertext does not decrypt under the given key.
    #[error("cannot decrypt the text at {start}..{end} with this key")]
    Decrypt {
        /// The span's start.
        start: usize,
        /// The span's end.
        end: usize,
    },
}

/// One replaced span in the output text (byte offsets into the *output*), as Presidio's
/// anonymizer reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnonymizedItem {
    /// Start in the output text.
    pub start: usize,
    /// End in the output text.
    pub end: usize,
    /// The entity type.
    pub entity_type: String,
    /// The text now standing in the output.
    pub text: String,
    /// The operator applied.
    pub operator: String,
}

/// The anonymized text and what was replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Anonymized {
    /// The text with every finding's span replaced.
    pub text: String,
    /// The replaced spans, in output order.
    pub items: Vec<AnonymizedItem>,
}

/// Applies `operators` to the `findings` of `text`. Overlapping findings are resolved first
/// (higher score, then longer span wins), so the output never splices a span twice.
pub fn anonymize(
    text: &str,
    findings: &[Finding],
    operators: &OperatorConfig,
    tokens: Option<&Pseudonymizer>,
) -> Result<Anonymized, AnonymizeError> {
    operators.validate()?;
    for f in findings {
        if f.start > f.end || f.end > text.len() || !text.is_char_boundary(f.start) || !text.is_char_boundary(f.end) {
            return Err(AnonymizeError::BadSpan { start: f.start, end: f.end });
        }
    }
    let mut chosen: Vec<&Finding> = Vec::with_capacity(findings.len());
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by(|a, b| b.score.total_cmp(&a.score).then((b.end - b.start).cmp(&(a.end - a.start))).then(a.start.cmp(&b.start)));
    for f in order {
        if chosen.iter().all(|c| c.end <= f.start || f.end <= c.start) {
            chosen.push(f);
        }
    }
    chosen.sort_by_key(|f| f.start);
    let mut out = String::with_capacity(text.len());
    let mut items = Vec::with_capacity(chosen.len());
    let mut pos = 0;
    for f in chosen {
        out.push_str(&text[pos..f.start]);
        let op = operators.for_entity(&f.entity_type);
        let value = &text[f.start..f.end];
        let replacement = apply(&op, &f.entity_type, value, tokens)?;
        let start = out.len();
        out.push_str(&replacement);
        items.push(AnonymizedItem {
            start,
            end: out.len(),
            entity_type: f.entity_type.to_string(),
            text: replacement,
            operator: op.name().into(),
        });
        pos = f.end;
    }
    out.push_str(&text[pos..]);
    Ok(Anonymized { text: out, items })
}

fn apply(op: &Operator, entity_type: &str, value: &str, tokens: Option<&Pseudonymizer>) -> Result<String, AnonymizeError> {
    Ok(match op {
        Operator::Replace { new_value } => new_value.clone().unwrap_or_else(|| format!("<{entity_type}>")),
        Operator::Redact {} => String::new(),
        Operator::Mask { masking_char, chars_to_mask, from_end } => {
            let mask = masking_char.chars().next().unwrap_or('*');
            let n = value.chars().count();
            let k = (*chars_to_mask).min(n);
            value.chars().enumerate().map(|(i, c)| if (*from_end && i >= n - k) || (!*from_end && i < k) { mask } else { c }).collect()
        }
        Operator::Hash { hash_type, salt } => {
            let salt = salt.as_deref().unwrap_or("").as_bytes();
            if hash_type.as_deref() == Some("sha512") {
                data_encoding::HEXLOWER.encode(&Sha512::new().chain_update(salt).chain_update(value.as_bytes()).finalize())
            } else {
                data_encoding::HEXLOWER.encode(&Sha256::new().chain_update(salt).chain_update(value.as_bytes()).finalize())
            }
        }
        Operator::Encrypt { key } => encrypt(key, value),
        Operator::Keep {} => value.to_owned(),
        Operator::Tokenize {} => tokens.ok_or(AnonymizeError::NoTokenKey)?.token(entity_type, value),
    })
}

const ENCRYPT_AAD: &[u8] = b"custos/pii/encrypt/v1";

/// The cipher of a caller's key: HKDF-SHA256 (RFC 5869) expands it into the 32-byte
/// XChaCha20-Poly1305 key, with a fixed salt and the operator's name as context.
fn cipher(key: &str) -> XChaCha20Poly1305 {
    let mut derived = [0u8; 32];
    // INVARIANT: 32 bytes is far below HKDF-SHA256's limit of 255 * 32.
    hkdf::Hkdf::<Sha256>::new(Some(b"custos/pii/encrypt"), key.as_bytes())
        .expand(b"xchacha20poly1305/v2", &mut derived)
        .expect("32-byte output");
    XChaCha20Poly1305::new_from_slice(&derived).expect("32-byte key")
}

/// The cipher of 0.1, a bare SHA-256 of the key: decryption still tries it, so text encrypted
/// before 0.2 stays readable for one release.
fn cipher_v1(key: &str) -> XChaCha20Poly1305 {
    let derived = Sha256::new().chain_update(ENCRYPT_AAD).chain_update(key.as_bytes()).finalize();
    // INVARIANT: SHA-256 output is exactly the 32-byte key XChaCha20-Poly1305 takes.
    XChaCha20Poly1305::new_from_slice(&derived).expect("32-byte key")
}

/// Encrypts `value` under `key` (see [`Operator::Encrypt`]); base64 of nonce || ciphertext.
pub fn encrypt(key: &str, value: &str) -> String {
    let mut nonce = [0u8; 24];
    // A failing OS RNG leaves nothing safe to do; encryption must not proceed with a fixed nonce.
    getrandom::fill(&mut nonce).expect("operating system RNG");
    let ct = cipher(key)
        .encrypt(&XNonce::from(nonce), Payload { msg: value.as_bytes(), aad: ENCRYPT_AAD })
        .expect("XChaCha20-Poly1305 encryption of an in-memory buffer");
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&ct);
    data_encoding::BASE64.encode(&blob)
}

/// Decrypts what [`encrypt`] produced; `None` when the key is wrong or the text was altered.
pub fn decrypt(key: &str, encoded: &str) -> Option<String> {
    let blob = data_encoding::BASE64.decode(encoded.as_bytes()).ok()?;
    if blob.len() < 24 + 16 {
        return None;
    }
    let (nonce, ct) = blob.split_at(24);
    let nonce: [u8; 24] = nonce.try_into().ok()?;
    let payload = || Payload { msg: ct, aad: ENCRYPT_AAD };
    let plain =
        cipher(key).decrypt(&XNonce::from(nonce), payload()).or_else(|_| cipher_v1(key).decrypt(&XNonce::from(nonce), payload())).ok()?;
    String::from_utf8(plain).ok()
}

/// Reverses `encrypt` on the given spans of an anonymized text (Presidio's `deanonymize`).
pub fn deanonymize(text: &str, spans: &[(usize, usize, String)], key: &str) -> Result<Anonymized, AnonymizeError> {
    let mut sorted: Vec<&(usize, usize, String)> = spans.iter().collect();
    sorted.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut items = Vec::new();
    let mut pos = 0;
    for (start, end, entity_type) in sorted {
        let (start, end) = (*start, *end);
        if start < pos || end > text.len() || start > end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(AnonymizeError::BadSpan { start, end });
        }
        out.push_str(&text[pos..start]);
        let plain = decrypt(key, &text[start..end]).ok_or(AnonymizeError::Decrypt { start, end })?;
        let s = out.len();
        out.push_str(&plain);
        items.push(AnonymizedItem { start: s, end: out.len(), entity_type: entity_type.clone(), text: plain, operator: "decrypt".into() });
        pos = end;
    }
    out.push_str(&text[pos..]);
    Ok(Anonymized { text: out, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_reads_01_text() {
        let key = "WmZq4t7w!z%C&F)J";
        let sealed = encrypt(key, "ana@example.org");
        assert_eq!(decrypt(key, &sealed).as_deref(), Some("ana@example.org"));
        assert_eq!(decrypt("0000000000000000", &sealed), None, "another key opens nothing");
        let mut blob = data_encoding::BASE64.decode(sealed.as_bytes()).expect("base64");
        let last = blob.len() - 1;
        blob[last] ^= 1;
        assert_eq!(decrypt(key, &data_encoding::BASE64.encode(&blob)), None, "altered text is refused");
        // What 0.1 wrote (a bare SHA-256 of the key) still opens for one release.
        let nonce = [7u8; 24];
        let ct = cipher_v1(key).encrypt(&XNonce::from(nonce), Payload { msg: b"old", aad: ENCRYPT_AAD }).expect("v1");
        let old = data_encoding::BASE64.encode(&[nonce.as_slice(), &ct].concat());
        assert_eq!(decrypt(key, &old).as_deref(), Some("old"));
        // The derivation is HKDF's, not the old hash: a new ciphertext does not open under v1.
        let new = data_encoding::BASE64.decode(sealed.as_bytes()).expect("base64");
        let (n, c) = new.split_at(24);
        let n: [u8; 24] = n.try_into().expect("nonce");
        assert!(cipher_v1(key).decrypt(&XNonce::from(n), Payload { msg: c, aad: ENCRYPT_AAD }).is_err());
    }
}

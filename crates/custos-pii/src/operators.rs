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
            Operator::Encrypt { key } if !matches!(key.len(), 16 | 24 | 32) => Err(AnonymizeError::InvalidOperator(KEY_LENGTH.into())),
            _ => Ok(()),
        }
    }
}

/// What a key of the wrong size is told, in Presidio's words (the key string's UTF-8 bytes
/// are the AES key: 16, 24 or 32 of them).
pub const KEY_LENGTH: &str = "Invalid input, key must be of length 128, 192 or 256 bits";

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

/// Which ciphertext format `encrypt` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cipher {
    /// custos's authenticated format (XChaCha20-Poly1305): the default.
    #[default]
    Custos,
    /// Presidio's AES-CBC format, so Presidio can decrypt it (see [`presidio_encrypt`]).
    Presidio,
}

/// Applies `operators` to the `findings` of `text`, with custos's cipher for `encrypt`.
/// Overlapping findings are settled as Presidio's anonymizer settles them (see
/// [`anonymize_with`]).
pub fn anonymize(
    text: &str,
    findings: &[Finding],
    operators: &OperatorConfig,
    tokens: Option<&Pseudonymizer>,
) -> Result<Anonymized, AnonymizeError> {
    anonymize_with(text, findings, operators, tokens, Cipher::Custos)
}

/// Applies `operators` to the `findings` of `text`, settling overlaps the way Presidio's
/// anonymizer does, so clients that send overlapping results get Presidio's text:
/// 1. findings of the same type that overlap merge into one (the higher score);
/// 2. a finding inside another (or on the same span with a lower or equal score) is dropped;
/// 3. findings of the same type separated only by spaces merge;
/// 4. what is left is replaced from the end of the text to its start, and where two findings
///    still overlap (different types, neither inside the other) the earlier one's replacement
///    stops where the later one's begins: `keep` on both writes the shared text twice.
pub fn anonymize_with(
    text: &str,
    findings: &[Finding],
    operators: &OperatorConfig,
    tokens: Option<&Pseudonymizer>,
    cipher: Cipher,
) -> Result<Anonymized, AnonymizeError> {
    operators.validate()?;
    for f in findings {
        if f.start > f.end || f.end > text.len() || !text.is_char_boundary(f.start) || !text.is_char_boundary(f.end) {
            return Err(AnonymizeError::BadSpan { start: f.start, end: f.end });
        }
    }
    let chosen = settle_overlaps(text, findings);
    let spans: Vec<(usize, usize, &str)> = chosen.iter().map(|s| (s.start, s.end, s.entity_type.as_str())).collect();
    replace_spans(text, &spans, |entity_type, value| {
        let op = operators.for_entity(entity_type);
        Ok((apply(&op, entity_type, value, tokens, cipher)?, op.name()))
    })
}

/// Replaces `spans` (byte ranges with their entity types) of `text` by what `replace` returns
/// for each (the new text and the operator's name), from the end of the text to its start as
/// Presidio's text builder does: a span that overlaps the one after it is cut where that one
/// begins. Items report where each replacement stands in the output.
pub fn replace_spans<E>(
    text: &str,
    spans: &[(usize, usize, &str)],
    mut replace: impl FnMut(&str, &str) -> Result<(String, &'static str), E>,
) -> Result<Anonymized, E> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(spans[i].0));
    let mut tail = String::new();
    let mut last = text.len();
    // (entity type, replacement, operator, its distance from the end of the output)
    let mut placed: Vec<(String, String, &'static str, usize)> = Vec::with_capacity(spans.len());
    for i in order {
        let (start, end, entity_type) = spans[i];
        let (replacement, operator) = replace(entity_type, &text[start..end])?;
        let stop = end.min(last);
        let mut next = String::with_capacity(replacement.len() + (last.max(stop) - stop) + tail.len());
        next.push_str(&replacement);
        next.push_str(&text[stop..last.max(stop)]);
        next.push_str(&tail);
        let from_end = next.len();
        tail = next;
        last = start;
        placed.push((entity_type.to_owned(), replacement, operator, from_end));
    }
    let mut out = String::with_capacity(last + tail.len());
    out.push_str(&text[..last]);
    out.push_str(&tail);
    let items = placed
        .into_iter()
        .map(|(entity_type, replacement, operator, from_end)| {
            let start = out.len() - from_end;
            AnonymizedItem { start, end: start + replacement.len(), entity_type, text: replacement, operator: operator.into() }
        })
        .collect();
    Ok(Anonymized { text: out, items })
}

/// One finding while overlaps are settled.
#[derive(Clone, Debug)]
struct Span {
    start: usize,
    end: usize,
    score: f32,
    entity_type: String,
}

/// Steps 1 to 3 of [`anonymize_with`], in Presidio's order.
fn settle_overlaps(text: &str, findings: &[Finding]) -> Vec<Span> {
    let mut spans: Vec<Span> =
        findings.iter().map(|f| Span { start: f.start, end: f.end, score: f.score, entity_type: f.entity_type.to_string() }).collect();
    spans.sort_by_key(|s| (s.start, s.end));
    // 1. Same type, overlapping by at least one character: the later-listed one absorbs the
    // earlier (Presidio keeps the one it compares against and widens it).
    let mut alive: Vec<usize> = (0..spans.len()).collect();
    let mut kept: Vec<usize> = Vec::with_capacity(spans.len());
    for i in 0..spans.len() {
        alive.retain(|&k| k != i);
        let partner = alive.iter().copied().find(|&k| {
            let (a, b) = (&spans[i], &spans[k]);
            a.entity_type == b.entity_type && a.end >= b.start && b.end >= a.start && a.end.min(b.end) > a.start.max(b.start)
        });
        match partner {
            Some(k) => {
                let (start, end, score) = (spans[i].start, spans[i].end, spans[i].score);
                let other = &mut spans[k];
                other.start = other.start.min(start);
                other.end = other.end.max(end);
                other.score = other.score.max(score);
            }
            None => {
                alive.push(i);
                kept.push(i);
            }
        }
    }
    // 2. Inside another, or the same span with a score no higher: dropped.
    let mut others: Vec<usize> = kept.clone();
    let mut unique: Vec<usize> = Vec::with_capacity(kept.len());
    for &i in &kept {
        others.retain(|&k| k != i);
        let me = &spans[i];
        let conflicted = others.iter().any(|&k| {
            let o = &spans[k];
            if o.start == me.start && o.end == me.end { me.score <= o.score } else { o.start <= me.start && o.end >= me.end }
        });
        if !conflicted {
            others.push(i);
            unique.push(i);
        }
    }
    // 3. Same type with only spaces between: one span.
    let mut merged: Vec<Span> = Vec::with_capacity(unique.len());
    for i in unique {
        let mut s = spans[i].clone();
        if let Some(prev) = merged.last()
            && prev.entity_type == s.entity_type
            && prev.end < s.start
            && text[prev.end..s.start].bytes().all(|b| b == b' ')
        {
            s.start = prev.start;
            merged.pop();
        }
        merged.push(s);
    }
    merged
}

fn apply(op: &Operator, entity_type: &str, value: &str, tokens: Option<&Pseudonymizer>, cipher: Cipher) -> Result<String, AnonymizeError> {
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
        Operator::Encrypt { key } => match cipher {
            Cipher::Custos => encrypt(key, value),
            Cipher::Presidio => presidio_encrypt(key, value),
        },
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

/// Decrypts what [`encrypt`] or Presidio's `encrypt` ([`presidio_encrypt`]) produced; `None`
/// when the key is wrong or the text was altered (custos's format) or does not unpad to UTF-8
/// text (Presidio's, which carries no authentication tag).
pub fn decrypt(key: &str, encoded: &str) -> Option<String> {
    custos_decrypt(key, encoded).or_else(|| presidio_decrypt(key, encoded))
}

fn custos_decrypt(key: &str, encoded: &str) -> Option<String> {
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

/// Presidio's `encrypt`: AES-CBC under the key string's UTF-8 bytes (16, 24 or 32 of them:
/// AES-128/192/256), PKCS#7 padding, a random IV, URL-safe base64 of IV || ciphertext.
/// Unauthenticated (an altered ciphertext can decrypt to other text), which is why custos
/// writes it only where a client asked for Presidio's format, on Presidio's own paths.
pub fn presidio_encrypt(key: &str, value: &str) -> String {
    use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    let mut iv = [0u8; 16];
    // A failing OS RNG leaves nothing safe to do; encryption must not proceed with a fixed IV.
    getrandom::fill(&mut iv).expect("operating system RNG");
    let k = key.as_bytes();
    let ct = match k.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(k, &iv).map(|c| c.encrypt_padded_vec::<Pkcs7>(value.as_bytes())),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(k, &iv).map(|c| c.encrypt_padded_vec::<Pkcs7>(value.as_bytes())),
        _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(k, &iv).map(|c| c.encrypt_padded_vec::<Pkcs7>(value.as_bytes())),
    }
    .expect("Operator::validate admits only 16, 24 and 32-byte keys");
    let mut blob = iv.to_vec();
    blob.extend_from_slice(&ct);
    data_encoding::BASE64URL.encode(&blob)
}

/// Decrypts Presidio's `encrypt` format ([`presidio_encrypt`]). Reads the text as Python's
/// `urlsafe_b64decode` does: either base64 alphabet, characters outside it skipped.
pub fn presidio_decrypt(key: &str, encoded: &str) -> Option<String> {
    use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let cleaned: String = encoded
        .chars()
        .filter_map(|c| match c {
            '-' => Some('+'),
            '_' => Some('/'),
            c if c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=' => Some(c),
            _ => None,
        })
        .collect();
    let blob = data_encoding::BASE64.decode(cleaned.as_bytes()).ok()?;
    if blob.len() < 32 || blob.len() % 16 != 0 {
        return None;
    }
    let (iv, ct) = blob.split_at(16);
    let k = key.as_bytes();
    let plain = match k.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(k, iv).ok()?.decrypt_padded_vec::<Pkcs7>(ct).ok()?,
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(k, iv).ok()?.decrypt_padded_vec::<Pkcs7>(ct).ok()?,
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(k, iv).ok()?.decrypt_padded_vec::<Pkcs7>(ct).ok()?,
        _ => return None,
    };
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

    #[test]
    fn presidio_ciphertexts_decrypt_and_ours_round_trip() {
        // Vectors written by `cryptography`, the library Presidio encrypts with.
        let raw = include_str!("../../../testdata/pii/presidio_cipher.json");
        let doc: serde_json::Value = serde_json::from_str(raw).expect("fixture");
        let vectors = doc["vectors"].as_array().expect("vectors");
        assert!(vectors.len() >= 6);
        for v in vectors {
            let (key, text, enc) =
                (v["key"].as_str().unwrap_or(""), v["text"].as_str().unwrap_or(""), v["encrypted"].as_str().unwrap_or(""));
            assert_eq!(presidio_decrypt(key, enc).as_deref(), Some(text), "{v}");
            assert_eq!(decrypt(key, enc).as_deref(), Some(text), "decrypt reads both formats: {v}");
            let ours = presidio_encrypt(key, text);
            assert_eq!(ours.len(), enc.len(), "same layout: {v}");
            assert_eq!(presidio_decrypt(key, &ours).as_deref(), Some(text));
            assert_ne!(presidio_decrypt("9999999999999999", enc).as_deref(), Some(text));
        }
        // Python's urlsafe_b64decode takes the standard alphabet too.
        let enc = vectors[0]["encrypted"].as_str().unwrap_or("").replace('-', "+").replace('_', "/");
        assert_eq!(presidio_decrypt("1111111111111111", &enc).as_deref(), Some("text_for_encryption"));
    }

    fn f(start: usize, end: usize, entity_type: &str, score: f32) -> Finding {
        Finding {
            entity_type: entity_type.into(),
            start,
            end,
            score,
            recognizer: "client".into(),
            explanation: crate::Explanation::default(),
        }
    }

    fn ops(pairs: &[(&str, Operator)]) -> OperatorConfig {
        OperatorConfig(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn overlaps_are_settled_as_presidio_settles_them() {
        let text = "I'm George Washington Square Park";
        let both = [f(4, 21, "NAME", 0.8), f(11, 33, "LOCATION", 0.8)];
        let replace = Operator::Replace { new_value: None };
        let keep = Operator::Keep {};
        let out = anonymize(text, &both, &ops(&[("NAME", keep.clone()), ("LOCATION", replace.clone())]), None).expect("ok");
        assert_eq!(out.text, "I'm George Washington<LOCATION>");
        let out = anonymize(text, &both, &ops(&[("NAME", replace.clone()), ("LOCATION", keep.clone())]), None).expect("ok");
        assert_eq!(out.text, "I'm <NAME>Washington Square Park");
        let loc = out.items.iter().find(|i| i.entity_type == "LOCATION").expect("location");
        assert_eq!((loc.start, loc.end), (10, 32));
        let out = anonymize(text, &both, &ops(&[("DEFAULT", keep)]), None).expect("ok");
        assert_eq!(out.text, "I'm George WashingtonWashington Square Park");
        let spans: Vec<(usize, usize)> = out.items.iter().map(|i| (i.start, i.end)).collect();
        assert!(spans.contains(&(4, 21)) && spans.contains(&(21, 43)), "{spans:?}");

        // Contained spans go; the container is replaced once.
        let text = "hello world, my name is Jane Doe. My number is: 034453334";
        let nested = [f(24, 32, "NAME", 0.8), f(24, 28, "FIRST_NAME", 0.8), f(29, 32, "LAST_NAME", 0.6), f(48, 57, "PHONE_NUMBER", 0.95)];
        let config = ops(&[
            ("DEFAULT", Operator::Replace { new_value: Some("ANONYMIZED".into()) }),
            ("PHONE_NUMBER", Operator::Mask { masking_char: "*".into(), chars_to_mask: 4, from_end: true }),
        ]);
        let out = anonymize(text, &nested, &config, None).expect("ok");
        assert_eq!(out.text, "hello world, my name is ANONYMIZED. My number is: 03445****");
        assert_eq!(out.items.len(), 2);
        // Same type overlapping: one span; same type with spaces between: one span.
        let out = anonymize("ab cd ef", &[f(0, 4, "X", 0.5), f(3, 5, "X", 0.9)], &OperatorConfig::default(), None).expect("ok");
        assert_eq!(out.text, "<X> ef");
        let out =
            anonymize("John  Smith", &[f(0, 4, "PERSON", 0.5), f(6, 11, "PERSON", 0.5)], &OperatorConfig::default(), None).expect("ok");
        assert_eq!(out.text, "<PERSON>");
        // Equal spans: the higher score's type wins.
        let out = anonymize("12345", &[f(0, 5, "A", 0.4), f(0, 5, "B", 0.6)], &OperatorConfig::default(), None).expect("ok");
        assert_eq!(out.text, "<B>");
    }
}

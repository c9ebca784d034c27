//! C2SP `signed-note` with Ed25519 and the C2SP `tlog-checkpoint` body, so that the
//! checkpoints custos publishes can be checked by any transparency-log tooling
//! (`golang.org/x/mod/sumdb/note`, the tlog witnesses, ...).
//!
//! A signed note is the text (ending in a newline), a blank line, and one line per signature:
//! `— <key name> <base64(key id || signature)>`. An Ed25519 key id is the first four bytes of
//! SHA-256(key name || "\n" || 0x01 || public key). A verifier key is published as
//! `<key name>+<key id in hex>+<base64(0x01 || public key)>`.

use data_encoding::{BASE64, HEXLOWER};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{LedgerError, tree::Hash};

/// The algorithm byte of Ed25519 keys in the note format.
const ALG_ED25519: u8 = 0x01;
/// What starts every signature line: an em dash and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key name may not be empty and may not contain whitespace or `+` (the spec's rule).
fn check_name(name: &str) -> Result<(), LedgerError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') || !name.is_ascii() {
        return Err(LedgerError::BadKey(format!("a key name must be non-empty ASCII without spaces or '+': {name:?}")));
    }
    Ok(())
}

/// A named Ed25519 key that signs notes. `Debug` never shows the secret.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner").field("name", &self.name).field("key_id", &HEXLOWER.encode(&self.id)).finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// A signer from a 32-byte Ed25519 seed (the private key as RFC 8032 defines it).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, LedgerError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self { name: name.to_owned(), key, id })
    }

    /// Parses the Go `note` private key form: `PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>`.
    pub fn from_private_key_text(text: &str) -> Result<Self, LedgerError> {
        let bad = || LedgerError::BadKey("not a PRIVATE+KEY+<name>+<id>+<key> signer key".into());
        let rest = text.strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        let mut fields = rest.splitn(3, '+');
        let (name, id_hex, material) = (fields.next().ok_or_else(bad)?, fields.next().ok_or_else(bad)?, fields.next().ok_or_else(bad)?);
        let bytes = Zeroizing::new(BASE64.decode(material.as_bytes()).map_err(|_| bad())?);
        if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
            return Err(bad());
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[1..]);
        let signer = Self::from_seed(name, &seed)?;
        if HEXLOWER.encode(&signer.id) != id_hex {
            return Err(LedgerError::BadKey("the key id does not match the key".into()));
        }
        Ok(signer)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key text that checks this signer's notes.
    pub fn verifier_key(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("{}+{}+{}", self.name, HEXLOWER.encode(&self.id), BASE64.encode(&material))
    }

    /// Signs `text` (which must end in a newline and contain no blank line at its end) and
    /// returns the complete signed note.
    pub fn sign(&self, text: &str) -> Result<String, LedgerError> {
        check_text(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!("{text}\n{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(&blob)))
    }
}

fn check_text(text: &str) -> Result<(), LedgerError> {
    if !text.ends_with('\n') || text.contains("\n\n") || text.starts_with('\n') {
        return Err(LedgerError::BadNote("a note's text must end in a newline and have no blank lines".into()));
    }
    Ok(())
}

/// A published verifier key: checks notes signed by one named Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `<name>+<id hex>+<base64(0x01 || public key)>` and checks that the id matches.
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let bad = |why: &str| LedgerError::BadKey(format!("not a verifier key ({why})"));
        let mut fields = text.trim_end().splitn(3, '+');
        let (name, id_hex, material) = (
            fields.next().ok_or_else(|| bad("no name"))?,
            fields.next().ok_or_else(|| bad("no key id"))?,
            fields.next().ok_or_else(|| bad("no key"))?,
        );
        check_name(name)?;
        let id_bytes = HEXLOWER.decode(id_hex.as_bytes()).map_err(|_| bad("the key id is not 8 lowercase hex digits"))?;
        let bytes = BASE64.decode(material.as_bytes()).map_err(|_| bad("the key is not base64"))?;
        if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
            return Err(bad("only Ed25519 keys (type 0x01) are supported"));
        }
        let mut public = [0u8; 32];
        public.copy_from_slice(&bytes[1..]);
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad("not a valid Ed25519 point"))?;
        let id = key_id(name, &public);
        if id_bytes != id {
            return Err(bad("the key id does not match the key"));
        }
        Ok(Self { name: name.to_owned(), id, key })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks `note` and returns its text if a signature line by this key verifies.
    /// Signature lines by other keys are ignored, as the spec requires.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, LedgerError> {
        let split = note.rfind("\n\n").ok_or_else(|| LedgerError::BadNote("no blank line before the signatures".into()))?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        check_text(text)?;
        if !signatures.ends_with('\n') {
            return Err(LedgerError::BadNote("the signature block must end in a newline".into()));
        }
        for line in signatures.lines() {
            let rest =
                line.strip_prefix(SIGNATURE_PREFIX).ok_or_else(|| LedgerError::BadNote(format!("not a signature line: {line:?}")))?;
            let (name, blob) =
                rest.split_once(' ').ok_or_else(|| LedgerError::BadNote("a signature line needs a name and a value".into()))?;
            let blob = BASE64.decode(blob.as_bytes()).map_err(|_| LedgerError::BadNote("a signature is not base64".into()))?;
            if name != self.name || blob.len() < 4 || blob[..4] != self.id {
                continue;
            }
            let signature = ed25519_dalek::Signature::from_slice(&blob[4..]).map_err(|_| LedgerError::BadSignature)?;
            self.key.verify_strict(text.as_bytes(), &signature).map_err(|_| LedgerError::BadSignature)?;
            return Ok(text);
        }
        Err(LedgerError::BadNote(format!("no signature by {}", self.name)))
    }
}

/// A C2SP `tlog-checkpoint` body: the log's origin, its size and its root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's unique name, conventionally a schema-less URL.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// `MTH` of those leaves.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: `<origin>\n<size>\n<base64 root>\n`.
    pub fn to_text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(&self.root))
    }

    /// Parses a checkpoint body; extension lines after the root are allowed and ignored.
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let bad = |why: &str| LedgerError::BadNote(format!("not a checkpoint: {why}"));
        let mut lines = text.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("no origin line"))?;
        let size_line = lines.next().ok_or_else(|| bad("no size line"))?;
        if size_line.is_empty() || !size_line.bytes().all(|b| b.is_ascii_digit()) || (size_line.len() > 1 && size_line.starts_with('0')) {
            return Err(bad("the size is not a decimal number"));
        }
        let size = size_line.parse().map_err(|_| bad("the size is too large"))?;
        let root_bytes =
            BASE64.decode(lines.next().ok_or_else(|| bad("no root line"))?.as_bytes()).map_err(|_| bad("the root is not base64"))?;
        let root: Hash = root_bytes.try_into().map_err(|_| bad("the root is not 32 bytes"))?;
        Ok(Self { origin: origin.to_owned(), size, root })
    }

    /// Signs this checkpoint.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, LedgerError> {
        signer.sign(&self.to_text())
    }

    /// Checks a signed checkpoint note and parses it; `origin`, when given, must match.
    pub fn open(note: &str, verifier: &NoteVerifier, origin: Option<&str>) -> Result<Self, LedgerError> {
        let checkpoint = Self::parse(verifier.open(note)?)?;
        if let Some(origin) = origin
            && checkpoint.origin != origin
        {
            return Err(LedgerError::BadNote(format!("the checkpoint is for origin {:?}, not {origin:?}", checkpoint.origin)));
        }
        Ok(checkpoint)
    }
}

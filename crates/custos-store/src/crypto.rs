//! Envelope encryption: a master key (a file) wraps one random data key per subject and the
//! deployment's root secret; data keys encrypt personal values. Destroying a subject's
//! wrapped data key makes every ciphertext of that subject undecryptable (crypto-shredding).

use std::{fmt, fs, io::Write, path::Path};

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use custos_core::{DataCategory, Pseudonymizer, PurposeKey, SubjectId, keyed_digest};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// Format version byte at the start of every ciphertext custos writes.
const CIPHERTEXT_V1: u8 = 1;
const NONCE_LEN: usize = 24;

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| StoreError::Crypto("the operating system's random source failed"))?;
    Ok(out)
}

fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| StoreError::Crypto("bad key length"))?;
    let nonce_bytes = random_bytes::<NONCE_LEN>()?;
    let nonce = XNonce::from(nonce_bytes);
    let ct = cipher.encrypt(&nonce, Payload { msg: plaintext, aad }).map_err(|_| StoreError::Crypto("encryption failed"))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(CIPHERTEXT_V1);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
    if sealed.len() < 1 + NONCE_LEN || sealed[0] != CIPHERTEXT_V1 {
        return Err(StoreError::Crypto("ciphertext is malformed"));
    }
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| StoreError::Crypto("bad key length"))?;
    let nonce = XNonce::try_from(&sealed[1..1 + NONCE_LEN]).map_err(|_| StoreError::Crypto("ciphertext is malformed"))?;
    cipher
        .decrypt(&nonce, Payload { msg: &sealed[1 + NONCE_LEN..], aad })
        .map_err(|_| StoreError::Crypto("decryption failed (wrong key, or data was tampered with)"))
}

/// The key that wraps every other key. Lives in a file (mode 0600) outside the database, so a
/// copy of the database alone reveals no personal data.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// A fresh random master key.
    pub fn generate() -> Result<Self, StoreError> {
        Ok(Self(random_bytes()?))
    }

    /// Reads a master key file (64 hex characters).
    pub fn read(path: &Path) -> Result<Self, StoreError> {
        let text = fs::read_to_string(path).map_err(|e| StoreError::MasterKey(format!("cannot read {}: {e}", path.display())))?;
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .map_err(|_| StoreError::MasterKey(format!("{} is not 64 hex characters", path.display())))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| StoreError::MasterKey(format!("{} is not 64 hex characters", path.display())))?;
        Ok(Self(key))
    }

    /// Writes the key to `path` with mode 0600, failing if the file exists, and flushes it to
    /// disk before returning.
    pub fn write_new(&self, path: &Path) -> Result<(), StoreError> {
        if let Some(dir) = path.parent() {
            crate::files::ensure_private_dir(dir)?;
        }
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| StoreError::MasterKey(format!("cannot create {}: {e}", path.display())))?;
        file.write_all(data_encoding::HEXLOWER.encode(&self.0).as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| StoreError::MasterKey(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads the key at `path`, creating it first if there is none. Returns whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), StoreError> {
        if path.exists() {
            return Ok((Self::read(path)?, false));
        }
        let key = Self::generate()?;
        key.write_new(path)?;
        Ok((key, true))
    }

    /// A short public fingerprint of the key, stored beside what it wraps so a wrong key file is
    /// reported as such instead of as corrupt data.
    pub fn key_id(&self) -> String {
        let digest = Sha256::new().chain_update(b"custos master key id").chain_update(self.0).finalize();
        data_encoding::HEXLOWER.encode(&digest[..8])
    }

    pub(crate) fn wrap(&self, label: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        seal(&self.0, label, key)
    }

    pub(crate) fn unwrap_key(&self, label: &[u8], wrapped: &[u8]) -> Result<[u8; 32], StoreError> {
        open(&self.0, label, wrapped)?.try_into().map_err(|_| StoreError::Crypto("wrapped key has the wrong length"))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(id {})", self.key_id())
    }
}

/// Associated data binding a wrapped data key to its subject.
pub(crate) fn dek_label(subject: &SubjectId) -> Vec<u8> {
    format!("custos/dek/v1/{subject}").into_bytes()
}

/// Associated data of the wrapped root secret.
pub(crate) const ROOT_SECRET_LABEL: &[u8] = b"custos/root-secret/v1";
/// Wrapping label of the ledger's Ed25519 signing key.
pub(crate) const LEDGER_KEY_LABEL: &[u8] = b"custos/ledger-signing-key/v1";

/// One subject's data key. Never stored unwrapped, never printed.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub(crate) fn generate() -> Result<Self, StoreError> {
        Ok(Self(random_bytes()?))
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Encrypts `plaintext` for `subject`, bound to `context` (a data category or record kind),
    /// so a ciphertext moved to another subject or field fails to decrypt.
    pub fn seal(&self, subject: &SubjectId, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        seal(&self.0, &value_label(subject, context), plaintext)
    }

    /// Decrypts what [`DataKey::seal`] produced for the same subject and context.
    pub fn open(&self, subject: &SubjectId, context: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        open(&self.0, &value_label(subject, context), sealed)
    }

    /// Encrypts a data category's value.
    pub fn seal_value(&self, subject: &SubjectId, category: &DataCategory, value: &serde_json::Value) -> Result<Vec<u8>, StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|_| StoreError::Crypto("value is not serializable"))?;
        self.seal(subject, category.as_str(), &bytes)
    }

    /// Decrypts a data category's value.
    pub fn open_value(&self, subject: &SubjectId, category: &DataCategory, sealed: &[u8]) -> Result<serde_json::Value, StoreError> {
        let bytes = self.open(subject, category.as_str(), sealed)?;
        serde_json::from_slice(&bytes).map_err(|_| StoreError::Crypto("decrypted value is not JSON"))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

fn value_label(subject: &SubjectId, context: &str) -> Vec<u8> {
    format!("custos/value/v1/{subject}/{context}").into_bytes()
}

/// The keys a running deployment holds in memory: the master key and the root secret from
/// which keyed digests and pseudonymization keys are derived. The root secret lives in the
/// database wrapped by the master key, so rotating the master key changes no token or index.
#[derive(Clone)]
pub struct Keyring {
    master: MasterKey,
    root: [u8; 32],
}

impl Keyring {
    pub(crate) fn new(master: MasterKey, root: [u8; 32]) -> Self {
        Self { master, root }
    }

    pub(crate) fn master(&self) -> &MasterKey {
        &self.master
    }

    pub(crate) fn root(&self) -> &[u8; 32] {
        &self.root
    }

    pub(crate) fn new_root() -> Result<[u8; 32], StoreError> {
        random_bytes()
    }

    /// Wraps a fresh data key for a new subject.
    pub(crate) fn new_data_key(&self, subject: &SubjectId) -> Result<(DataKey, Vec<u8>), StoreError> {
        let key = DataKey::generate()?;
        let wrapped = self.master.wrap(&dek_label(subject), key.bytes())?;
        Ok((key, wrapped))
    }

    /// Unwraps a subject's data key.
    pub(crate) fn open_data_key(&self, subject: &SubjectId, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        Ok(DataKey::from_bytes(self.master.unwrap_key(&dek_label(subject), wrapped)?))
    }

    /// The blind index of an external id: lets custos find a subject by it without storing it.
    pub fn external_id_digest(&self, external_id: &str) -> Vec<u8> {
        keyed_digest(&self.root, "external_id", external_id.as_bytes()).to_vec()
    }

    /// The pseudonymizer of a purpose.
    pub fn pseudonymizer(&self, purpose: &PurposeKey) -> Pseudonymizer {
        Pseudonymizer::for_purpose(&self.root, purpose)
    }

    /// Seals a value for the PII token vault, bound to its token (so a sealed value cannot be
    /// moved under another token), under a key derived from the root (so it survives master key
    /// rotation like everything else).
    pub fn seal_vault(&self, token: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        seal(&self.vault_key(), token.as_bytes(), value)
    }

    /// Opens what [`Keyring::seal_vault`] sealed for `token`.
    pub fn open_vault(&self, token: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        open(&self.vault_key(), token.as_bytes(), sealed)
    }

    /// Seals an aggregate that still holds some values (a drift profile's sketches), bound to
    /// `label` (what it is and whose), under a key derived from the root.
    pub fn seal_aggregate(&self, label: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        seal(&keyed_digest(&self.root, "aggregate_key", b"v1"), label.as_bytes(), value)
    }

    /// Opens what [`Keyring::seal_aggregate`] sealed under `label`.
    pub fn open_aggregate(&self, label: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        open(&keyed_digest(&self.root, "aggregate_key", b"v1"), label.as_bytes(), sealed)
    }

    fn vault_key(&self) -> [u8; 32] {
        keyed_digest(&self.root, "pii_vault_key", b"v1")
    }

    /// A keyed digest of `value` for records that must identify a value without holding it.
    pub fn digest(&self, label: &str, value: &[u8]) -> [u8; 32] {
        keyed_digest(&self.root, label, value)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keyring(master {:?}, root <redacted>)", self.master)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_to_subject_and_category() {
        let ring = Keyring::new(MasterKey::generate().expect("rng"), [1; 32]);
        let subject = SubjectId::new();
        let other = SubjectId::new();
        let (key, wrapped) = ring.new_data_key(&subject).expect("key");
        let email = DataCategory::parse("user.contact.email").expect("cat");
        let name = DataCategory::parse("user.name").expect("cat");
        let sealed = key.seal_value(&subject, &email, &serde_json::json!("ana@example.org")).expect("seal");
        assert!(!sealed.windows(3).any(|w| w == b"ana"));
        let reopened = ring.open_data_key(&subject, &wrapped).expect("unwrap");
        assert_eq!(reopened.open_value(&subject, &email, &sealed).expect("open"), serde_json::json!("ana@example.org"));
        assert!(reopened.open_value(&other, &email, &sealed).is_err());
        assert!(reopened.open_value(&subject, &name, &sealed).is_err());
        assert!(ring.open_data_key(&other, &wrapped).is_err());
        let stranger = Keyring::new(MasterKey::generate().expect("rng"), [1; 32]);
        assert!(stranger.open_data_key(&subject, &wrapped).is_err());
        assert!(!format!("{key:?}{ring:?}").contains("[1,"));
    }

    #[test]
    fn master_key_file_round_trips_with_private_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/master.key");
        let (key, created) = MasterKey::load_or_create(&path).expect("create");
        assert!(created);
        let (again, created) = MasterKey::load_or_create(&path).expect("read");
        assert!(!created);
        assert_eq!(key.key_id(), again.key_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        assert!(key.write_new(&path).is_err(), "never overwrites a key");
    }
}

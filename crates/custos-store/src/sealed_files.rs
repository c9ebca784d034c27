//! Files of personal data that live on disk for a while (a validation set uploaded for a run),
//! encrypted as they are written: each run has its own random key, wrapped by the deployment's
//! root (so the file is unreadable without the master key), and the file is a sequence of
//! XChaCha20-Poly1305 chunks whose nonces count up and whose last chunk says it is the last
//! (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár): chunks cannot be
//! reordered, dropped or the file truncated without the read failing.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};

use crate::StoreError;

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 1 << 20;
const MAGIC: &[u8; 4] = b"CSF1";
const PREFIX: usize = 16;

fn nonce(prefix: &[u8; PREFIX], counter: u64) -> XNonce {
    let mut n = [0u8; 24];
    n[..PREFIX].copy_from_slice(prefix);
    n[PREFIX..].copy_from_slice(&counter.to_be_bytes());
    XNonce::from(n)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Config(format!("{}: {e}", path.display()))
}

/// A fresh random file key.
pub fn new_key() -> Result<[u8; 32], StoreError> {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).map_err(|_| StoreError::Crypto("no randomness"))?;
    Ok(k)
}

/// Writes a sealed file chunk by chunk.
pub struct SealedWriter {
    out: BufWriter<File>,
    cipher: XChaCha20Poly1305,
    prefix: [u8; PREFIX],
    counter: u64,
    pending: Vec<u8>,
    written: u64,
    path: PathBuf,
}

impl SealedWriter {
    /// Creates `path` (mode 0600, refusing to overwrite) sealed under `key`.
    pub fn create(path: &Path, key: &[u8; 32]) -> Result<Self, StoreError> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(io(path))?;
        let mut prefix = [0u8; PREFIX];
        getrandom::fill(&mut prefix).map_err(|_| StoreError::Crypto("no randomness"))?;
        let mut out = BufWriter::new(file);
        out.write_all(MAGIC).map_err(io(path))?;
        out.write_all(&prefix).map_err(io(path))?;
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| StoreError::Crypto("bad key length"))?;
        Ok(Self { out, cipher, prefix, counter: 0, pending: Vec::with_capacity(CHUNK), written: 0, path: path.to_owned() })
    }

    /// Plaintext bytes taken so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn emit(&mut self, last: bool) -> Result<(), StoreError> {
        let aad: &[u8] = if last { b"last" } else { b"more" };
        let ct = self
            .cipher
            .encrypt(&nonce(&self.prefix, self.counter), Payload { msg: &self.pending, aad })
            .map_err(|_| StoreError::Crypto("encryption failed"))?;
        self.counter += 1;
        let len = u32::try_from(ct.len()).map_err(|_| StoreError::Crypto("chunk too large"))?;
        self.out.write_all(&len.to_be_bytes()).map_err(io(&self.path))?;
        self.out.write_all(&ct).map_err(io(&self.path))?;
        self.pending.clear();
        Ok(())
    }

    /// Appends plaintext.
    pub fn write(&mut self, mut data: &[u8]) -> Result<(), StoreError> {
        self.written += data.len() as u64;
        while !data.is_empty() {
            let take = (CHUNK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == CHUNK {
                self.emit(false)?;
            }
        }
        Ok(())
    }

    /// Seals the last chunk and flushes the file to disk.
    pub fn finish(mut self) -> Result<(), StoreError> {
        self.emit(true)?;
        self.out.flush().map_err(io(&self.path))?;
        self.out.get_ref().sync_all().map_err(io(&self.path))
    }
}

/// Reads a sealed file whole, checking every chunk and that the last one is there; at most
/// `limit` plaintext bytes.
pub fn read_sealed(path: &Path, key: &[u8; 32], limit: u64) -> Result<Vec<u8>, StoreError> {
    let corrupt = |what: &str| {
        StoreError::Crypto(if what == "tampered" { "sealed file was tampered with or truncated" } else { "sealed file is malformed" })
    };
    let mut input = BufReader::new(File::open(path).map_err(io(path))?);
    let mut head = [0u8; 4 + PREFIX];
    input.read_exact(&mut head).map_err(|_| corrupt("malformed"))?;
    if &head[..4] != MAGIC {
        return Err(corrupt("malformed"));
    }
    let mut prefix = [0u8; PREFIX];
    prefix.copy_from_slice(&head[4..]);
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| StoreError::Crypto("bad key length"))?;
    let mut out = Vec::new();
    let mut counter = 0u64;
    loop {
        let mut len = [0u8; 4];
        if input.read_exact(&mut len).is_err() {
            return Err(corrupt("tampered"));
        }
        let len = u32::from_be_bytes(len) as usize;
        if !(16..=CHUNK + 16).contains(&len) {
            return Err(corrupt("malformed"));
        }
        let mut ct = vec![0u8; len];
        input.read_exact(&mut ct).map_err(|_| corrupt("tampered"))?;
        let n = nonce(&prefix, counter);
        counter += 1;
        if let Ok(pt) = cipher.decrypt(&n, Payload { msg: &ct, aad: b"more" }) {
            out.extend_from_slice(&pt);
        } else {
            let pt = cipher.decrypt(&n, Payload { msg: &ct, aad: b"last" }).map_err(|_| corrupt("tampered"))?;
            out.extend_from_slice(&pt);
            let mut rest = [0u8; 1];
            if input.read(&mut rest).map_err(io(path))? != 0 {
                return Err(corrupt("tampered"));
            }
            return Ok(out);
        }
        if out.len() as u64 > limit {
            return Err(StoreError::Crypto("sealed file is larger than allowed"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering() {
        let dir = tempfile::tempdir().expect("dir");
        let key = new_key().expect("key");
        let data: Vec<u8> = (0..(CHUNK * 2 + 123)).map(|i| (i % 251) as u8).collect();
        let path = dir.path().join("set.sealed");
        let mut w = SealedWriter::create(&path, &key).expect("create");
        for part in data.chunks(70_000) {
            w.write(part).expect("write");
        }
        assert_eq!(w.written(), data.len() as u64);
        w.finish().expect("finish");
        assert_eq!(read_sealed(&path, &key, u64::MAX).expect("read"), data);
        let raw = std::fs::read(&path).expect("raw");
        for at in [0, CHUNK / 2, CHUNK * 2] {
            let probe = &data[at..at + 64];
            assert!(!raw.windows(64).any(|w| w == probe), "no plaintext on disk");
        }
        // Another key, a flipped byte, a dropped last chunk: refused.
        assert!(read_sealed(&path, &new_key().expect("key"), u64::MAX).is_err());
        let mut flipped = raw.clone();
        flipped[100] ^= 1;
        std::fs::write(&path, &flipped).expect("write");
        assert!(read_sealed(&path, &key, u64::MAX).is_err());
        let first_chunk = 4 + PREFIX + 4 + CHUNK + 16;
        std::fs::write(&path, &raw[..first_chunk]).expect("write");
        assert!(read_sealed(&path, &key, u64::MAX).is_err(), "truncated");
        std::fs::write(&path, &raw).expect("write");
        assert!(read_sealed(&path, &key, 1000).is_err(), "limit");
        // create refuses to overwrite.
        assert!(SealedWriter::create(&path, &key).is_err());
    }
}

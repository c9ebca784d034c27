//! The engine against published RFC 6962/9162 and signed-note vectors
//! (`testdata/ledger/published.json`) and against vectors computed by an independent
//! implementation (`testdata/ledger/vectors.json`, made by `make_vectors.py` beside it).

#![allow(clippy::unwrap_used)]

use custos_ledger::{
    Checkpoint, Hash, LeafStore, LedgerError, MemoryLog, NoteSigner, NoteVerifier, canonical_json, leaf_hash, root_from_inclusion, root_of,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../../testdata/ledger/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn hash(v: &Value) -> Hash {
    data_encoding::HEXLOWER.decode(v.as_str().unwrap().as_bytes()).unwrap().try_into().unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().unwrap().iter().map(hash).collect()
}

fn log_of(leaves: &[Vec<u8>]) -> MemoryLog {
    let mut log = MemoryLog::new();
    log.append(leaves).unwrap();
    log
}

fn leaves_of(v: &Value) -> Vec<Vec<u8>> {
    v["leaves"].as_array().unwrap().iter().map(|l| data_encoding::HEXLOWER.decode(l.as_str().unwrap().as_bytes()).unwrap()).collect()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

fn check_all(vectors: &Value) {
    let leaves = leaves_of(vectors);
    let log = log_of(&leaves);
    let roots = hashes(&vectors["roots"]);
    for (i, root) in roots.iter().enumerate() {
        let size = i as u64 + 1;
        assert_eq!(log.root(size).unwrap(), *root, "root of size {size}");
        let refs: Vec<&[u8]> = leaves[..=i].iter().map(Vec::as_slice).collect();
        assert_eq!(root_of(&refs), *root, "recursive root of size {size}");
    }
    for case in vectors["inclusion"].as_array().unwrap() {
        let (index, size, path) = (u(&case["index"]), u(&case["size"]), hashes(&case["path"]));
        assert_eq!(log.inclusion_proof(index, size).unwrap(), path, "audit path {index} in {size}");
        let root = roots[size as usize - 1];
        let leaf = leaf_hash(&leaves[index as usize]);
        verify_inclusion(index, size, &leaf, &path, &root).unwrap();
        // Tampered proofs are rejected: a flipped bit in any hash, a wrong index, a dropped or
        // an extra hash, a different leaf.
        for k in 0..path.len() {
            let mut bad = path.clone();
            bad[k][0] ^= 1;
            assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
        }
        if size > 1 {
            assert!(verify_inclusion((index + 1) % size, size, &leaf, &path, &root).is_err());
        }
        if !path.is_empty() {
            assert!(verify_inclusion(index, size, &leaf, &path[..path.len() - 1], &root).is_err());
        }
        let mut longer = path.clone();
        longer.push(root);
        assert!(verify_inclusion(index, size, &leaf, &longer, &root).is_err());
        assert!(verify_inclusion(index, size, &leaf_hash(b"another leaf"), &path, &root).is_err());
    }
    for case in vectors["consistency"].as_array().unwrap() {
        let (first, second, proof) = (u(&case["first"]), u(&case["second"]), hashes(&case["proof"]));
        assert_eq!(log.consistency_proof(first, second).unwrap(), proof, "consistency {first} -> {second}");
        let (r1, r2) = (roots[first as usize - 1], roots[second as usize - 1]);
        verify_consistency(first, second, &r1, &r2, &proof).unwrap();
        for k in 0..proof.len() {
            let mut bad = proof.clone();
            bad[k][31] ^= 0x80;
            assert!(verify_consistency(first, second, &r1, &r2, &bad).is_err(), "tampered {first} -> {second} at {k}");
        }
        if first < second {
            assert!(verify_consistency(first, second, &r2, &r2, &proof).is_err() || r1 == r2);
            assert!(verify_consistency(first, second, &r1, &r1, &proof).is_err());
            if !proof.is_empty() {
                assert!(verify_consistency(first, second, &r1, &r2, &proof[1..]).is_err());
            }
        }
    }
}

#[test]
fn published_rfc6962_vectors() {
    check_all(&load("published.json"));
}

#[test]
fn independent_implementation_vectors() {
    let vectors = load("vectors.json");
    assert_eq!(vectors["roots"].as_array().unwrap().len(), 100);
    check_all(&vectors);
}

#[test]
fn ranges_outside_the_tree_are_errors_not_panics() {
    let log = log_of(&[b"a".to_vec(), b"b".to_vec()]);
    assert!(matches!(log.inclusion_proof(2, 2), Err(LedgerError::InvalidRange(_))));
    assert!(matches!(log.inclusion_proof(0, 3), Err(LedgerError::InvalidRange(_))));
    assert!(matches!(log.consistency_proof(0, 2), Err(LedgerError::InvalidRange(_))));
    assert!(matches!(log.consistency_proof(2, 1), Err(LedgerError::InvalidRange(_))));
    assert!(verify_inclusion(2, 2, &[0; 32], &[], &[0; 32]).is_err());
    assert!(root_from_inclusion(0, 0, &[0; 32], &[]).is_err());
}

#[test]
fn go_signed_note_vector() {
    let v = load("published.json");
    let note = &v["note"];
    let signer = NoteSigner::from_private_key_text(note["signer_key"].as_str().unwrap()).unwrap();
    assert_eq!(signer.verifier_key(), note["verifier_key"].as_str().unwrap());
    // Ed25519 is deterministic: the same key and text give the published note byte for byte.
    let signed = signer.sign(note["text"].as_str().unwrap()).unwrap();
    assert_eq!(signed, note["signed"].as_str().unwrap());
    let verifier = NoteVerifier::parse(note["verifier_key"].as_str().unwrap()).unwrap();
    assert_eq!(verifier.open(&signed).unwrap(), note["text"].as_str().unwrap());
    assert_eq!(verifier.open(&signed.replace("cryptography", "cryptographY")), Err(LedgerError::BadSignature));
    // A verifier key whose id does not match its key is refused.
    assert!(NoteVerifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err());
    assert!(NoteVerifier::parse("Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err());
}

#[test]
fn checkpoints_round_trip_and_reject_tampering() {
    let signer = NoteSigner::from_seed("example.com/log", &[7; 32]).unwrap();
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    let checkpoint = Checkpoint { origin: "example.com/log".into(), size: 12, root: leaf_hash(b"x") };
    let note = checkpoint.sign(&signer).unwrap();
    assert!(note.starts_with("example.com/log\n12\n"));
    assert_eq!(Checkpoint::open(&note, &verifier, Some("example.com/log")).unwrap(), checkpoint);
    assert!(Checkpoint::open(&note, &verifier, Some("other.example/log")).is_err());
    assert!(Checkpoint::open(&note.replacen("\n12\n", "\n13\n", 1), &verifier, None).is_err());
    let other = NoteSigner::from_seed("example.com/log", &[8; 32]).unwrap();
    assert!(Checkpoint::open(&checkpoint.sign(&other).unwrap(), &verifier, None).is_err());
    for bad in ["", "origin\n", "origin\n012\nAAAA\n", "origin\n-1\n", "origin\n5\nnot-base64\n"] {
        assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn leaves_are_rfc8785_canonical() {
    // RFC 8785 section 3.2.3 orders by UTF-16 code units; numbers use ECMAScript forms.
    let value: Value = serde_json::from_str(
        r#"{"b": [true, null, 1e2, "\u00e9\n"], "a": {"z": 1, "y": -0.0}, "\uff61": 3, "\u20ac": 1, "\ud83d\ude00": 2}"#,
    )
    .unwrap();
    let bytes = canonical_json(&value).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "{\"a\":{\"y\":0,\"z\":1},\"b\":[true,null,100,\"\u{e9}\\n\"],\"\u{20ac}\":1,\"\u{1f600}\":2,\"\u{ff61}\":3}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every proof the log serves verifies against the roots it serves, for random sizes.
    #[test]
    fn served_proofs_verify(size in 1u64..300, a in 0u64..300, b in 0u64..300) {
        let leaves: Vec<Vec<u8>> = (0..size).map(|i| i.to_le_bytes().to_vec()).collect();
        let log = log_of(&leaves);
        let index = a % size;
        let first = 1 + b % size;
        let root = log.root(size).unwrap();
        let path = log.inclusion_proof(index, size).unwrap();
        prop_assert!(verify_inclusion(index, size, &leaf_hash(&leaves[index as usize]), &path, &root).is_ok());
        let proof = log.consistency_proof(first, size).unwrap();
        prop_assert!(verify_consistency(first, size, &log.root(first).unwrap(), &root, &proof).is_ok());
        prop_assert!(path.len() <= 64 - (size - 1).leading_zeros() as usize + 1);
    }
}

//! The audit ledger as the service uses it: how each state change becomes a leaf, the
//! checkpoint publisher, and the read side (checkpoints, entries, proofs, offline bundles).
//!
//! A leaf is an event encoded as RFC 8785 canonical JSON: `{"event": <kind>, "at": <time>,
//! ...}`. The ledger is never erased, so leaves carry only internal ids (random UUIDs that
//! mean nothing outside custos once a subject is erased), codes (purposes, data categories,
//! statuses, reason codes), hashes of public texts (notices) and keyed HMAC digests of free
//! text. Never an `external_id`, a stored value, or an unkeyed hash of either.

use std::time::Duration;

use custos_core::{LedgerEvent, Timestamp, format_timestamp, now};
use custos_ledger::{Checkpoint, Hash, NoteVerifier, canonical_json, inclusion_plan, leaf_hash, root_from_inclusion};
use data_encoding::BASE64;
use serde_json::{Map, Value, json};

use serde::{Deserialize, Serialize};

use crate::{Service, ServiceError};

/// A ledger entry: the exact leaf bytes and their hash, both base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerEntryView {
    /// Position of the leaf.
    pub index: u64,
    /// The leaf bytes (RFC 8785 canonical JSON), base64.
    pub leaf: String,
    /// RFC 9162 leaf hash, base64.
    pub leaf_hash: String,
}

/// An RFC 9162 audit path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InclusionProofView {
    /// The leaf.
    pub leaf_index: u64,
    /// The tree the path leads to the root of.
    pub tree_size: u64,
    /// Sibling hashes from the leaf upwards, base64.
    pub hashes: Vec<String>,
}

/// An RFC 9162 consistency proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsistencyProofView {
    /// Size of the older tree.
    pub first: u64,
    /// Size of the newer tree.
    pub second: u64,
    /// The proof's hashes, base64.
    pub hashes: Vec<String>,
}

/// A self-contained proof that one leaf is in the ledger, checkable offline with the verifier
/// key alone (`custos ledger verify-proof`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProofBundle {
    /// A signed checkpoint (C2SP signed note) whose tree contains the leaf.
    pub checkpoint: String,
    /// The leaf bytes, base64.
    pub leaf: String,
    /// Position of the leaf.
    pub leaf_index: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The audit path, base64.
    pub hashes: Vec<String>,
}

/// How often the publisher looks for new leaves. The issue asks for a checkpoint at least every
/// second; four a second keep each one small (under load, a quarter second of leaves is ~1,000
/// node rows, written with the next batch of checks) and cost little: a checkpoint row is
/// ~300 bytes against ~900 bytes per gate check.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);

/// The leaf bytes of an event of `kind` that happened `at`, with its `fields`.
pub(crate) fn event_at(kind: LedgerEvent, at: &Timestamp, fields: Value) -> Vec<u8> {
    let mut object = into_map(fields);
    object.insert("event".into(), Value::String(kind.as_str().to_owned()));
    object.insert("at".into(), Value::String(format_timestamp(at)));
    // Only strings, integers, booleans, arrays and objects go in: always canonicalizable.
    canonical_json(&Value::Object(object)).unwrap_or_default()
}

/// The fields of a `json!({...})` object (anything else has none).
fn into_map(fields: Value) -> Map<String, Value> {
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// [`event_at`] now.
pub(crate) fn event(kind: LedgerEvent, fields: Value) -> Vec<u8> {
    event_at(kind, &now(), fields)
}

fn b64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

fn decode_hash(field: &str, text: &str) -> Result<Hash, ServiceError> {
    BASE64
        .decode(text.as_bytes())
        .ok()
        .and_then(|b| Hash::try_from(b).ok())
        .ok_or_else(|| ServiceError::invalid(field, "must be a base64 SHA-256 hash"))
}

/// Adapts the store's async node reads to the engine's plans.
async fn run_plan(service: &Service, plan: &custos_ledger::ProofPlan) -> Result<Vec<Hash>, ServiceError> {
    let ids = plan.node_ids();
    let found = service.store.ledger().nodes(&ids).await?;
    plan.assemble_read(&ids, &found).map_err(|e| ServiceError::internal(custos_store::StoreError::Corrupt(e.to_string())))
}

impl Service {
    /// The latest checkpoint, publishing first if `wanted` leaves lie beyond it.
    async fn checkpoint_covering(&self, wanted: u64) -> Result<Option<custos_store::StoredCheckpoint>, ServiceError> {
        let mut latest = self.store.ledger().latest_checkpoint().await?;
        if wanted > latest.as_ref().map_or(0, |c| c.tree_size) {
            if let Some(c) = self.store.ledger().publish_checkpoint().await? {
                return Ok(Some(c));
            }
            // The background publisher may be signing these very leaves: its checkpoint
            // appears within a moment (at most a second here, then the latest is answered).
            for _ in 0..50 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                latest = self.store.ledger().latest_checkpoint().await?;
                if latest.as_ref().is_some_and(|c| c.tree_size >= wanted) {
                    break;
                }
                if let Some(c) = self.store.ledger().publish_checkpoint().await? {
                    return Ok(Some(c));
                }
            }
        }
        Ok(latest)
    }

    /// A signed tree size of at least `wanted` if there is one (publishing first if needed),
    /// else the latest. Answered from memory when this process already saw such a size.
    async fn signed_size_covering(&self, wanted: u64) -> Result<u64, ServiceError> {
        let known = self.store.known_signed_size();
        if wanted <= known {
            return Ok(known);
        }
        Ok(self.checkpoint_covering(wanted).await?.map_or(0, |c| c.tree_size))
    }

    /// The audit path, for a `tree_size` already known to be signed.
    async fn signed_inclusion_path(&self, index: u64, tree_size: u64) -> Result<Vec<String>, ServiceError> {
        let plan = inclusion_plan(index, tree_size).map_err(|e| ServiceError::unprocessable("index", e.to_string()))?;
        Ok(run_plan(self, &plan).await?.iter().map(b64).collect())
    }
}

/// What an offline check of a [`ProofBundle`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The log's origin, from the signed checkpoint.
    pub origin: String,
    /// The signed tree size.
    pub tree_size: u64,
    /// The leaf's position.
    pub leaf_index: u64,
    /// The leaf bytes.
    pub leaf: Vec<u8>,
}

/// Checks a proof bundle with nothing but the verifier key: the checkpoint's signature, then
/// the audit path from the leaf to the checkpoint's root. Tree size and root are taken from
/// the signed checkpoint, never from the bundle's own fields.
pub fn verify_proof_bundle(bundle: &ProofBundle, verifier_key: &str) -> Result<VerifiedBundle, ServiceError> {
    let verifier = NoteVerifier::parse(verifier_key).map_err(|e| ServiceError::invalid("key", e.to_string()))?;
    let checkpoint =
        Checkpoint::open(&bundle.checkpoint, &verifier, None).map_err(|e| ServiceError::unprocessable("checkpoint", e.to_string()))?;
    if bundle.tree_size != checkpoint.size {
        return Err(ServiceError::unprocessable("tree_size", "does not match the signed checkpoint"));
    }
    let leaf = BASE64.decode(bundle.leaf.as_bytes()).map_err(|_| ServiceError::invalid("leaf", "must be base64"))?;
    let hashes = bundle.hashes.iter().map(|h| decode_hash("hashes", h)).collect::<Result<Vec<_>, _>>()?;
    let root = root_from_inclusion(bundle.leaf_index, checkpoint.size, &leaf_hash(&leaf), &hashes)
        .map_err(|e| ServiceError::unprocessable("hashes", e.to_string()))?;
    if root != checkpoint.root {
        return Err(ServiceError::unprocessable("hashes", "the audit path does not lead to the signed root"));
    }
    Ok(VerifiedBundle { origin: checkpoint.origin, tree_size: checkpoint.size, leaf_index: bundle.leaf_index, leaf })
}

/// The fields of a subject-scoped event.
pub(crate) fn subject_fields(subject_id: &custos_core::SubjectId, extra: Value) -> Value {
    let mut fields = into_map(extra);
    fields.insert("subject_id".into(), json!(subject_id.to_string()));
    Value::Object(fields)
}

/// The audit ledger: checkpoints, entries, proofs and verification.
#[derive(Clone, Copy)]
pub struct Ledger<'a>(pub(crate) &'a Service);

impl Ledger<'_> {
    /// The latest signed checkpoint (C2SP signed note). This backs a public route, so it only
    /// reads: the publisher signs new leaves every second, and an admin can publish on demand.
    /// Only a deployment that never published one publishes here, once.
    pub async fn checkpoint(&self) -> Result<String, ServiceError> {
        if let Some(c) = self.0.store.ledger().latest_checkpoint().await? {
            return Ok(c.note);
        }
        match self.0.store.ledger().publish_checkpoint().await? {
            Some(c) => Ok(c.note),
            None => Err(ServiceError::NotFound { resource: "checkpoint" }),
        }
    }

    /// Publishes a checkpoint if there are new leaves; returns its tree size.
    pub async fn publish_checkpoint(&self) -> Result<Option<u64>, ServiceError> {
        Ok(self.0.store.ledger().publish_checkpoint().await?.map(|c| c.tree_size))
    }

    /// Publishes a checkpoint at least every [`CHECKPOINT_INTERVAL`] while leaves arrive, until
    /// `shutdown` resolves. Errors are logged and retried on the next tick.
    pub async fn run_publisher(&self, shutdown: impl std::future::Future<Output = ()>) {
        let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {
                    if let Err(e) = self.0.store.ledger().publish_checkpoint().await {
                        tracing::error!(error = %e, "publishing a ledger checkpoint failed");
                    }
                }
            }
        }
    }

    /// The verifier key (note verifier text) that checks this ledger's checkpoints.
    pub fn verifier_key(&self) -> String {
        self.0.store.ledger().verifier_key()
    }

    /// The leaf at `index`.
    pub async fn entry(&self, index: u64) -> Result<LedgerEntryView, ServiceError> {
        let leaf = self.0.store.ledger().leaf(index).await?.ok_or(ServiceError::NotFound { resource: "ledger entry" })?;
        Ok(LedgerEntryView { index, leaf_hash: b64(&leaf_hash(&leaf)), leaf: BASE64.encode(&leaf) })
    }

    /// The audit path of leaf `index` in the signed tree of `tree_size` leaves.
    pub async fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<InclusionProofView, ServiceError> {
        let signed = self.0.signed_size_covering(tree_size).await?;
        if tree_size > signed {
            return Err(ServiceError::unprocessable("tree_size", format!("the ledger has {signed} signed leaves")));
        }
        if index >= tree_size {
            return Err(ServiceError::unprocessable("index", format!("leaf {index} is not in a tree of {tree_size} leaves")));
        }
        Ok(InclusionProofView { leaf_index: index, tree_size, hashes: self.0.signed_inclusion_path(index, tree_size).await? })
    }

    /// The proof that the tree of `first` leaves is a prefix of the tree of `second`.
    pub async fn consistency_proof(&self, first: u64, second: u64) -> Result<ConsistencyProofView, ServiceError> {
        let signed = self.0.signed_size_covering(second).await?;
        if second > signed {
            return Err(ServiceError::unprocessable("second", format!("the ledger has {signed} signed leaves")));
        }
        if first == 0 || first > second {
            return Err(ServiceError::unprocessable("first", "must be between 1 and second"));
        }
        let plan = custos_ledger::consistency_plan(first, second).map_err(|e| ServiceError::unprocessable("first", e.to_string()))?;
        let hashes = run_plan(self.0, &plan).await?;
        Ok(ConsistencyProofView { first, second, hashes: hashes.iter().map(b64).collect() })
    }

    /// A self-contained proof that leaf `index` is in the ledger: the latest checkpoint, the
    /// leaf and its audit path in that checkpoint's tree.
    pub async fn prove(&self, index: u64) -> Result<ProofBundle, ServiceError> {
        let leaf = self.0.store.ledger().leaf(index).await?.ok_or(ServiceError::NotFound { resource: "ledger entry" })?;
        let checkpoint =
            self.0.checkpoint_covering(index.saturating_add(1)).await?.ok_or(ServiceError::NotFound { resource: "checkpoint" })?;
        let hashes = self.0.signed_inclusion_path(index, checkpoint.tree_size).await?;
        Ok(ProofBundle {
            checkpoint: checkpoint.note,
            leaf: BASE64.encode(&leaf),
            leaf_index: index,
            tree_size: checkpoint.tree_size,
            hashes,
        })
    }

    /// Recomputes the tree from every stored leaf and checks all nodes and checkpoints.
    pub async fn verify(&self, progress: impl FnMut(u64, u64)) -> Result<custos_store::VerifyReport, ServiceError> {
        Ok(self.0.store.ledger().verify(progress).await?)
    }

    /// How many entries the ledger holds.
    pub async fn size(&self) -> Result<u64, ServiceError> {
        Ok(self.0.store.ledger().size().await?)
    }

    /// Benchmarks only: appends a leaf durably through the group-commit path, as every event is.
    pub async fn append_benchmark_event(&self, leaf: Vec<u8>) -> Result<(), ServiceError> {
        self.0.store.append_event(leaf).await?;
        Ok(())
    }

    /// Benchmarks only: bulk-loads `count` leaves without a flush per leaf (SQLite).
    pub fn bulk_load_benchmark_leaves(
        &self,
        count: u64,
        leaf: impl Fn(u64) -> Vec<u8>,
        progress: impl FnMut(u64),
    ) -> Result<(), ServiceError> {
        Ok(self.0.store.ledger().bulk_load_benchmark_leaves(count, leaf, progress)?)
    }
}

/// The fields of the ledger document `after` whose values differ from `before`: what an
/// `*.updated` event names as changed.
pub(crate) fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    after
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| before.get(k.as_str()) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// SHA-256 of `bytes`, hex: how a leaf refers to free text it must not hold.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
}

//! Persistence for custos on SQLite (embedded default) and PostgreSQL, with personal data
//! encrypted per subject.
//!
//! [`Store`] owns the connection pools, runs the per-dialect migrations and holds the
//! [`Keyring`]. All access goes through a [`Tx`], handed to a closure by [`Store::write`]
//! (one atomic, durable transaction) or [`Store::read`] (one consistent snapshot). The query
//! methods on [`Tx`] are the only SQL in custos; they speak the vocabulary of `custos-core`
//! and never return a database type, so nothing above this crate sees sqlx.
//!
//! Why one store over sqlx's `Any` driver instead of a trait with two implementations: every
//! query here is portable SQL (numbered `$N` parameters work on both engines), so a second
//! implementation would repeat each query verbatim. Only the migrations differ per dialect.
//! The backends do differ in how writes are scheduled, see [`Store::write`].

mod check_retention;
mod check_writer;
mod crypto;
mod db;
mod direct;
mod error;
mod fairness;
mod files;
mod indexer;
mod ledger;
mod models;
mod records;
mod sealed;
mod settings;
mod staff;

pub use crypto::{DataKey, Keyring, MasterKey};
pub use db::{Backend, Store, StoreOptions, Tx, TxFuture};
pub use error::StoreError;
pub use fairness::{AuditDecision, AuditRecord, AuditStatus, DecisionScope, ScheduleRecord};
pub use ledger::{Receipt, StoredCheckpoint, VerifyReport};
pub use models::ModelRecord;
pub use records::{
    ApiKeyRecord, CheckRecord, ConsentEvent, ConsentState, DecisionRecord, DsrFilter, DsrRecord, GateFacts, GateRead, NewSubject, Notice,
    SealedValues, SubjectRecord, SubjectUpdate,
};
pub use staff::{Overview, StaffUser};

//! Persistence for custos on SQLite (embedded default) and PostgreSQL, with personal data
//! encrypted per subject.
//!
//! [`Store`] owns the connection pools, runs the per-dialect migrations and holds the
//! [`Keyring`]. All access goes through one form: an async closure over `&mut` [`Tx`], given to
//! [`Store::write`] (one atomic, durable transaction), [`Store::read`] (one consistent snapshot)
//! or [`Store::read_statement`] (no transaction). Table access is cut by domain, one module
//! each (`purposes`, `subjects`, `consents`, `checks`, `decisions`, `dsrs`, `fairness`, `models`,
//! `vault`, `keys`, `staff`, `privacy`, `overview`, `retention`, `settings`, `ledger`): functions
//! over `&mut Tx` that are the only SQL in custos. They speak the vocabulary of `custos-core`
//! and never return a database type, so nothing above this crate sees sqlx.
//!
//! Why one store over sqlx's `Any` driver instead of a trait with two implementations: every
//! query here is portable SQL (numbered `$N` parameters work on both engines), so a second
//! implementation would repeat each query verbatim. Only the migrations differ per dialect.
//! The backends do differ in how writes are scheduled, see [`Store::write`].

pub mod ai_systems;
pub mod alerts;
pub mod approvals;
pub mod assessments;
mod check_writer;
pub mod checks;
pub mod compliance;
pub mod consents;
mod crypto;
mod db;
pub mod decisions;
mod direct;
pub mod disclosures;
pub mod dsrs;
mod error;
pub mod exports;
pub mod fairness;
mod files;
pub mod incidents;
mod indexer;
pub mod keys;
pub mod ledger;
mod maintenance;
pub mod models;
pub mod monitors;
pub mod overview;
pub mod privacy;
pub mod purposes;
pub mod retention;
pub mod reviews;
pub mod risks;
mod rows;
mod sealed;
pub mod sealed_files;
pub mod settings;
pub mod signals;
pub mod staff;
pub mod subjects;
pub mod suspensions;
pub mod trainings;
mod tx;
pub mod validations;
pub mod vault;
pub mod vendors;
pub mod webhooks;

pub use checks::{CheckRecord, GateFacts, GateRead, SealedValues};
pub use consents::{ConsentEvent, ConsentState};
pub use crypto::{DataKey, Keyring, MasterKey};
pub use db::{Backend, Store, StoreOptions};
pub use decisions::DecisionRecord;
pub use dsrs::{DsrFilter, DsrRecord};
pub use error::StoreError;
pub use fairness::{AuditDecision, AuditRecord, DecisionScope, ScheduleRecord};
pub use keys::ApiKeyRecord;
pub use ledger::{Ledger, Receipt, StoredCheckpoint, VerifyReport};
pub use models::ModelRecord;
pub use overview::Overview;
pub use purposes::Notice;
pub use staff::StaffUser;
pub use subjects::{NewSubject, SubjectRecord, SubjectUpdate};
pub use tx::Tx;

/// Creates `dir` with mode `0700` if it is missing (where sealed files of a run are written).
pub fn files_private_dir(dir: &std::path::Path) -> Result<(), StoreError> {
    files::ensure_private_dir(dir)
}

//! The custos vocabulary: the words every other crate uses for the same things.
//!
//! Identifiers ([`SubjectId`], [`CheckId`], ...), [`DataCategory`] (fideslang keys, validated
//! against the embedded taxonomy), [`Purpose`] and its [`LegalBasis`], [`ConsentStatus`],
//! [`Jurisdiction`] with its data-subject-request deadlines, data-subject request types and
//! states, and the one pseudonymization scheme ([`Pseudonymizer`]) that the gate and the PII
//! engine share. Closed sets of words are [`Vocabulary`] enums with a wire name and a label
//! each (roles, audit states, ledger events included). No I/O and no async: everything here is plain data and pure functions.

mod category;
mod consent;
mod dsr;
mod error;
mod id;
mod jurisdiction;
mod oversight;
mod pseudonym;
mod purpose;
mod time;
mod vocabulary;
mod words;

pub use category::{DataCategory, data_category_keys, data_category_name};
pub use consent::{ConsentStatus, Method};
pub use dsr::{DsrStatus, DsrType, ObjectionScope};
pub use error::ValidationError;
pub use id::{
    AiSystemId, AlertId, ApiKeyId, AssessmentId, AuditId, CheckId, DecisionId, DpaId, DsrId, EventId, EvidenceId, ExportId, IncidentId,
    ModelId, MonitorId, QueryId, ReviewId, RiskId, RuleId, ScheduleId, SegmentId, SubjectId, SuspensionId, TrainingId, TrainingRecordId,
    VendorId,
};
pub use jurisdiction::{DsrDeadline, Jurisdiction, Regime, default_opt_out_jurisdictions};
pub use oversight::{
    AlertSource, AlertState, ApprovalStatus, CounterfactualStatus, DecidedBy, DecisionStatus, DeliveryStatus, ModelState, OnExpiry,
    ReviewAction, ReviewStatus, ReviewTrigger, SuspensionMode, Verdict, WebhookEvent,
};
pub use pseudonym::{Pseudonymizer, keyed_digest};
pub use purpose::{LegalBasis, Purpose, PurposeKey};
pub use time::{Timestamp, format_timestamp, now, parse_timestamp};
pub use vocabulary::{Vocabulary, one_of};
pub use words::{AuditStatus, LedgerEvent, Role};

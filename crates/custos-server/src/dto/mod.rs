//! The wire documents of the API and their OpenAPI schema: one module per domain, each with
//! the request and response bodies of its routes and their conversions to and from the
//! service's domain types. Field names are the public contract (docs/GLOSSARY.md): the same
//! words as the Rust types, SQL columns, CLI flags and UI labels. Requests reject unknown
//! fields and accept the spellings of 0.1 for one release (`#[serde(alias)]`, and the old
//! values through each vocabulary's `parse`); answers use the new ones. Closed sets are the
//! domain's own enums, and their values are listed in `/openapi.json` by [`words`].

use custos_core::{Timestamp, Vocabulary, format_timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{
    ToSchema,
    openapi::{ArrayBuilder, ObjectBuilder, Type},
};

pub(crate) mod ai_systems;
pub(crate) mod alerts;
pub(crate) mod approvals;
pub(crate) mod assessments;
pub(crate) mod compliance;
pub(crate) mod consents;
pub(crate) mod decisions;
pub(crate) mod dsrs;
pub(crate) mod exports;
pub(crate) mod fairness;
pub(crate) mod gate;
pub(crate) mod incidents;
pub(crate) mod keys;
pub(crate) mod ledger;
pub(crate) mod models;
pub(crate) mod monitors;
pub(crate) mod oversight;
pub(crate) mod pii;
pub(crate) mod privacy;
pub(crate) mod purposes;
pub(crate) mod reviews;
pub(crate) mod risks;
pub(crate) mod subjects;
pub(crate) mod trainings;
pub(crate) mod validations;
pub(crate) mod vendors;
pub(crate) mod webhooks;

/// The schema of a vocabulary: a string that is one of its wire names.
pub(crate) fn words<T: Vocabulary>() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(T::ALL.iter().map(|v| v.as_str())))
        .description(Some(T::ALL.iter().map(|v| format!("`{}`: {}", v.as_str(), v.label())).collect::<Vec<_>>().join("; ")))
}

/// The schema of an optional vocabulary field: one of its names, or null.
pub(crate) fn optional_words<T: Vocabulary>() -> ObjectBuilder {
    words::<T>()
        .schema_type([Type::String, Type::Null].into_iter().collect::<utoipa::openapi::schema::SchemaType>())
        .enum_values(Some(T::ALL.iter().map(|v| serde_json::Value::from(v.as_str())).chain([serde_json::Value::Null])))
}

/// The schema of a list of a vocabulary's words.
pub(crate) fn word_list<T: Vocabulary>() -> ArrayBuilder {
    ArrayBuilder::new().items(words::<T>())
}

/// A time on the wire: RFC 3339, UTC, as [`format_timestamp`] writes it.
pub(crate) fn ts(t: &Timestamp) -> String {
    format_timestamp(t)
}

/// An optional time on the wire.
pub(crate) fn opt_ts(t: &Option<Timestamp>) -> Option<String> {
    t.as_ref().map(format_timestamp)
}

/// Proof of recording: the leaf's position in the audit ledger and its RFC 9162 leaf hash
/// (base64). An inclusion proof for it comes from `GET /v1/ledger/proof/inclusion`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub(crate) struct ReceiptView {
    /// Position of the leaf.
    pub leaf_index: u64,
    /// SHA-256 of 0x00 followed by the leaf bytes, base64.
    pub leaf_hash: String,
}

impl From<custos_service::Receipt> for ReceiptView {
    fn from(r: custos_service::Receipt) -> Self {
        Self { leaf_index: r.leaf_index, leaf_hash: data_encoding::BASE64.encode(&r.leaf_hash) }
    }
}

/// The wire receipt of an optional service receipt.
pub(crate) fn receipt(r: Option<custos_service::Receipt>) -> Option<ReceiptView> {
    r.map(Into::into)
}

/// The body of an action that takes no fields: `{}` or nothing.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoFields {}

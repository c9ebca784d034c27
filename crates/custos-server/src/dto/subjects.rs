//! Subjects on the wire.

use std::collections::BTreeMap;

use custos_service::subjects as domain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ReceiptView, opt_ts, receipt, ts};

/// Creates a data subject.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectInput {
    /// The business's own identifier for the person (unique).
    #[schema(example = "cust-1001")]
    pub external_id: String,
    /// ISO 3166-1 alpha-2 country (`DE`) or ISO 3166-2 subdivision (`US-CA`).
    #[schema(example = "DE", pattern = "^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]
    pub jurisdiction: String,
    /// Personal data by fideslang data category.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"user.contact.email": "ana@example.org"}))]
    pub data: BTreeMap<String, Value>,
}

impl From<SubjectInput> for domain::SubjectInput {
    fn from(i: SubjectInput) -> Self {
        Self { external_id: i.external_id, jurisdiction: i.jurisdiction, data: i.data }
    }
}

/// Changes a data subject. Absent fields stay; a `null` data value deletes that category.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectPatch {
    /// New jurisdiction.
    #[schema(pattern = "^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]
    pub jurisdiction: Option<String>,
    /// Record a Global Privacy Control preference.
    pub gpc: Option<bool>,
    /// Values to set, or `null` to delete.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: BTreeMap<String, Value>,
}

impl From<SubjectPatch> for domain::SubjectPatch {
    fn from(p: SubjectPatch) -> Self {
        Self { jurisdiction: p.jurisdiction, gpc: p.gpc, data: p.data }
    }
}

/// A data subject as created or listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SubjectView {
    /// Internal id.
    pub subject_id: String,
    /// The business's identifier; `null` once erased.
    pub external_id: Option<String>,
    /// Jurisdiction.
    pub jurisdiction: String,
    /// When created.
    pub created_at: String,
    /// When last changed.
    pub updated_at: String,
    /// When erased, if erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<String>,
    /// GPC preference recorded.
    pub gpc: bool,
    /// Processing restricted.
    pub restricted: bool,
    /// Opted out of sale/sharing.
    pub opted_out_of_sale_or_share: bool,
    /// Objections in force: `profiling`, `direct_marketing`, and purpose keys.
    pub objections: Vec<String>,
    /// Personal data by category (only on a single subject, decrypted).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<BTreeMap<String, Value>>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::SubjectView> for SubjectView {
    fn from(s: domain::SubjectView) -> Self {
        Self {
            subject_id: s.subject_id.to_string(),
            external_id: s.external_id,
            jurisdiction: s.jurisdiction.to_string(),
            created_at: ts(&s.created_at),
            updated_at: ts(&s.updated_at),
            erased_at: opt_ts(&s.erased_at),
            gpc: s.gpc,
            restricted: s.restricted,
            opted_out_of_sale_or_share: s.opted_out_of_sale_or_share,
            objections: s.objections,
            data: s.data.map(|d| d.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
            receipt: receipt(s.receipt),
        }
    }
}

/// A page of subjects, in id order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SubjectPage {
    /// The subjects.
    pub subjects: Vec<SubjectView>,
    /// Subjects in all (erased ones included).
    pub total: u64,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
    /// Pass as `before` to get the previous page; absent on the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_before: Option<String>,
}

impl From<domain::SubjectPage> for SubjectPage {
    fn from(p: domain::SubjectPage) -> Self {
        Self {
            total: p.total,
            next_after: p.next_after,
            prev_before: p.prev_before,
            subjects: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

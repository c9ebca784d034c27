//! API keys on the wire.

use custos_service::{Scope, keys as domain};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReceiptView, opt_ts, receipt, ts, word_list};
use crate::ApiError;

/// Creates an API key.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiKeyInput {
    /// Scopes to grant. The names before 0.2 are read until 0.3 (`consent:write`, `gate`,
    /// `pii`, `pii:detokenize`; `admin`, `dsr` and `fairness` grant the scopes they became).
    #[schema(schema_with = word_list::<Scope>, example = json!(["checks:write", "consents:write"]))]
    pub scopes: Vec<String>,
    /// What the key is for.
    #[serde(default)]
    pub label: String,
}

impl TryFrom<ApiKeyInput> for domain::ApiKeyInput {
    type Error = ApiError;

    fn try_from(i: ApiKeyInput) -> Result<Self, ApiError> {
        let mut scopes = Vec::new();
        for name in &i.scopes {
            let expanded = Scope::expand(name)
                .map_err(|e| ApiError::invalid(Some("scopes".into()), format!("`{name}` is not a scope: {}", e.message())))?;
            scopes.extend(expanded);
        }
        Ok(Self { scopes, label: i.label, ..Default::default() })
    }
}

/// An API key (never its secret, except once, on creation).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ApiKeyView {
    /// Public id.
    pub key_id: String,
    /// Scopes.
    #[schema(schema_with = word_list::<Scope>)]
    pub scopes: Vec<Scope>,
    /// Label.
    pub label: String,
    /// Created.
    pub created_at: String,
    /// Revoked, if revoked.
    pub revoked_at: Option<String>,
    /// The full key to present as `Authorization: Bearer ...`; only in the creation response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where this change was recorded in the audit ledger (write responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
}

impl From<domain::ApiKeyView> for ApiKeyView {
    fn from(k: domain::ApiKeyView) -> Self {
        Self {
            key_id: k.key_id.to_string(),
            scopes: k.scopes,
            label: k.label,
            created_at: ts(&k.created_at),
            revoked_at: opt_ts(&k.revoked_at),
            key: k.key.map(|t| t.expose().to_owned()),
            receipt: receipt(k.receipt),
        }
    }
}

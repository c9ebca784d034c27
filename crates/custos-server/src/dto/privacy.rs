//! Privacy-center sign-in links on the wire.

use custos_service::privacy as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Asks for a privacy-center sign-in link.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrivacyLinkInput {
    /// The subject's id in the business's systems.
    #[schema(example = "customer-12345")]
    pub external_id: String,
}

/// A single-use sign-in link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PrivacyLinkView {
    /// Path to open on the custos server (append to its base URL).
    pub path: String,
    /// The JWT itself.
    pub token: String,
    /// When the link stops working.
    pub expires_at: String,
}

impl From<domain::PrivacyLinkView> for PrivacyLinkView {
    fn from(l: domain::PrivacyLinkView) -> Self {
        Self { path: l.path, token: l.token, expires_at: l.expires_at }
    }
}

impl From<PrivacyLinkInput> for domain::PrivacyLinkInput {
    fn from(i: PrivacyLinkInput) -> Self {
        Self { external_id: i.external_id }
    }
}

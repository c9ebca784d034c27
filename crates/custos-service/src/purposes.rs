//! Purposes and their versioned notices.

use custos_core::{DataCategory, LedgerEvent, LegalBasis, Purpose, PurposeKey, ValidationError, now};
use sha2::{Digest, Sha256};

pub use custos_store::Notice;

use crate::{Receipt, Service, ServiceError};

/// Declares a processing purpose. Open-ended words (the key, the categories) arrive as text
/// and are validated here, so each error names its field.
#[derive(Debug, Clone)]
pub struct PurposeInput {
    /// Unique key, dot-separated lowercase segments (fideslang data-use style).
    pub purpose: String,
    /// Short human-readable name.
    pub name: String,
    /// The legal basis the processing relies on.
    pub legal_basis: LegalBasis,
    /// fideslang data categories the purpose may use (a category covers its children).
    pub data_categories: Vec<String>,
    /// Sells or shares data (CCPA/CPRA sense).
    pub sale_or_share: bool,
    /// Profiles the subject.
    pub profiling: bool,
    /// Uses sensitive data: consent required in every jurisdiction.
    pub sensitive: bool,
    /// Release pseudonymous tokens instead of values.
    pub pseudonymize: bool,
    /// Its decisions have a legal or similarly significant effect (GDPR Art. 22).
    pub significant_effect: bool,
    /// Days data collected for this purpose may be kept (1-36500).
    pub retention_days: u32,
}

/// A declared purpose, with the ledger receipt of its declaration on write answers.
#[derive(Debug, Clone)]
pub struct PurposeView {
    /// The purpose.
    pub purpose: Purpose,
    /// Where the declaration was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
}

/// Publishes a version of a purpose's privacy notice.
#[derive(Debug, Clone)]
pub struct NoticeInput {
    /// The purpose's key.
    pub purpose: String,
    /// Version label, e.g. `2026-11`.
    pub version: String,
    /// BCP 47 language tag of the text, e.g. `en`.
    pub notice_language: String,
    /// The text shown to subjects.
    pub text: String,
}

/// A published notice version, with the ledger receipt of its publication on write answers.
#[derive(Debug, Clone)]
pub struct NoticeView {
    /// The notice.
    pub notice: Notice,
    /// Where the publication was recorded in the ledger (write answers only).
    pub receipt: Option<Receipt>,
}

/// Validates a list of data categories, naming the offending element.
pub(crate) fn parse_categories(field: &str, keys: &[String]) -> Result<Vec<DataCategory>, ServiceError> {
    let mut out: Vec<DataCategory> = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let c = DataCategory::parse(k).map_err(|e| ValidationError::new(format!("{field}[{i}]"), e.message()))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

pub(crate) fn check_label(field: &str, value: &str, max: usize) -> Result<(), ServiceError> {
    if value.trim().is_empty() || value.len() > max || value.chars().any(char::is_control) {
        return Err(ServiceError::invalid(field, format!("must be 1-{max} characters without control characters")));
    }
    Ok(())
}

/// A loose BCP 47 check: 2-3 letter language, optional subtags of 2-8 alphanumerics.
pub(crate) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang_ok = parts.next().is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()));
    lang_ok && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Purposes (what customer data is used for, on which legal basis) and their versioned notices.
#[derive(Clone, Copy)]
pub struct Purposes<'a>(pub(crate) &'a Service);

impl Purposes<'_> {
    /// The purpose with this key, from the cache or the database.
    pub(crate) async fn cached(&self, key: &str) -> Result<Option<Purpose>, ServiceError> {
        if let Some(p) = self.0.purposes.read().ok().and_then(|cache| cache.get(key).cloned()) {
            return Ok(Some(p));
        }
        let owned = key.to_owned();
        let found =
            self.0.store.read_statement(async |tx| custos_store::purposes::get(tx, &owned).await.map_err(ServiceError::from)).await?;
        if let (Some(p), Ok(mut cache)) = (&found, self.0.purposes.write()) {
            cache.insert(key.to_owned(), p.clone());
        }
        Ok(found)
    }

    /// Declares a purpose. Keys are unique and purposes are immutable: a changed purpose is a
    /// new purpose, so consents given for the old one are never stretched to cover it.
    pub async fn create(&self, input: PurposeInput) -> Result<PurposeView, ServiceError> {
        let key = PurposeKey::parse(&input.purpose)?;
        check_label("name", &input.name, 200)?;
        let legal_basis = input.legal_basis;
        let data_categories = parse_categories("data_categories", &input.data_categories)?;
        if data_categories.is_empty() {
            return Err(ServiceError::invalid("data_categories", "name at least one data category"));
        }
        if !(1..=36_500).contains(&input.retention_days) {
            return Err(ServiceError::invalid("retention_days", "must be between 1 and 36500"));
        }
        if input.sensitive && legal_basis == LegalBasis::LegitimateInterest {
            return Err(ServiceError::invalid(
                "legal_basis",
                "sensitive data cannot rest on legitimate interest (GDPR Art. 9); use consent, contract or legal_obligation",
            ));
        }
        let purpose = Purpose {
            purpose: key,
            name: input.name,
            legal_basis,
            data_categories,
            sale_or_share: input.sale_or_share,
            profiling: input.profiling,
            sensitive: input.sensitive,
            pseudonymize: input.pseudonymize,
            significant_effect: input.significant_effect,
            retention_days: input.retention_days,
            created_at: now(),
        };
        let stored = purpose.clone();
        let leaf = crate::ledger::event_at(
            LedgerEvent::PurposeCreated,
            &purpose.created_at,
            serde_json::json!({
                "purpose": purpose.purpose.as_str(),
                "legal_basis": purpose.legal_basis.as_str(),
                "data_categories": purpose.data_categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "sale_or_share": purpose.sale_or_share,
                "profiling": purpose.profiling,
                "sensitive": purpose.sensitive,
                "pseudonymize": purpose.pseudonymize,
                "significant_effect": purpose.significant_effect,
                "retention_days": purpose.retention_days,
            }),
        );
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::purposes::insert(tx, &stored).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict(format!("purpose `{}` already exists", stored.purpose)),
                    other => other.into(),
                })?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        Ok(PurposeView { purpose, receipt: Some(receipt) })
    }

    /// Every purpose.
    pub async fn all(&self) -> Result<Vec<PurposeView>, ServiceError> {
        let purposes = self.0.read(async |tx| Ok(custos_store::purposes::all(tx).await?)).await?;
        Ok(purposes.into_iter().map(|purpose| PurposeView { purpose, receipt: None }).collect())
    }

    /// One purpose.
    pub async fn get(&self, key: &str) -> Result<PurposeView, ServiceError> {
        let key = key.to_owned();
        let purpose = self.0.read(async |tx| Ok(custos_store::purposes::get(tx, &key).await?)).await?;
        purpose.map(|purpose| PurposeView { purpose, receipt: None }).ok_or(ServiceError::NotFound { resource: "purpose" })
    }

    /// Publishes a notice version for a purpose and language. Published versions are
    /// immutable, because consent events point at them as proof of what was shown.
    pub async fn create_notice(&self, input: NoticeInput) -> Result<NoticeView, ServiceError> {
        let purpose = PurposeKey::parse(&input.purpose)?;
        check_label("version", &input.version, 64)?;
        if !is_language_tag(&input.notice_language) {
            return Err(ServiceError::invalid("notice_language", "must be a BCP 47 language tag such as `en` or `pt-BR`"));
        }
        if input.text.trim().is_empty() || input.text.len() > 100_000 {
            return Err(ServiceError::invalid("text", "must be 1-100000 characters"));
        }
        let text_sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(input.text.as_bytes()));
        let notice = Notice {
            purpose,
            version: input.version,
            notice_language: input.notice_language,
            text: input.text,
            text_sha256,
            created_at: now(),
        };
        let stored = notice.clone();
        let leaf = crate::ledger::event_at(
            LedgerEvent::NoticePublished,
            &notice.created_at,
            serde_json::json!({
                "purpose": notice.purpose.as_str(),
                "version": notice.version,
                "notice_language": notice.notice_language,
                "text_sha256": notice.text_sha256,
            }),
        );
        let receipt = self
            .0
            .write(async |tx| {
                if custos_store::purposes::get(tx, stored.purpose.as_str()).await?.is_none() {
                    return Err(ServiceError::unprocessable("purpose", format!("purpose `{}` does not exist", stored.purpose)));
                }
                custos_store::purposes::insert_notice(tx, &stored).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict(format!(
                        "notice version `{}` in `{}` already exists for this purpose; publish a new version",
                        stored.version, stored.notice_language
                    )),
                    other => other.into(),
                })?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        Ok(NoticeView { notice, receipt: Some(receipt) })
    }

    /// Notices, optionally of one purpose.
    pub async fn notices(&self, purpose: Option<&str>) -> Result<Vec<NoticeView>, ServiceError> {
        let purpose = purpose.map(PurposeKey::parse).transpose().map_err(|e| ValidationError::new("purpose", e.message()))?;
        let notices = self.0.read(async |tx| Ok(custos_store::purposes::notices(tx, purpose.as_ref()).await?)).await?;
        Ok(notices.into_iter().map(|notice| NoticeView { notice, receipt: None }).collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn language_tags() {
        assert!(super::is_language_tag("en"));
        assert!(super::is_language_tag("pt-BR"));
        assert!(!super::is_language_tag("English"));
        assert!(!super::is_language_tag("en-"));
    }
}

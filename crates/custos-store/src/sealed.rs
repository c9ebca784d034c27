//! Free text about people, sealed under the subject's data key like every other personal value
//! and shredded with it: a consent event's `source`, a decision's observed outcome (`actual`),
//! a request's extension and rejection reasons.
//!
//! Each is sealed with a context naming its row and field (`decision/<id>/actual`), so a
//! ciphertext moved to another row or field does not open. Reading many rows unwraps each
//! subject's key once ([`SubjectKeys`]). Databases from before these fields were sealed are
//! converted once when the store opens ([`seal_plaintext_free_text`]).

use std::collections::HashMap;

use custos_core::SubjectId;
use sqlx::{AssertSqlSafe, Row};

use crate::{StoreError, crypto::DataKey, rows::opt_bytes, tx::Tx};

/// The context a field's ciphertext is bound to.
pub(crate) fn context(table: &str, id: &str, field: &str) -> String {
    format!("{table}/{id}/{field}")
}

/// Subjects' data keys, each unwrapped at most once per operation (`None`: erased).
#[derive(Default)]
pub(crate) struct SubjectKeys(HashMap<SubjectId, Option<DataKey>>);

impl SubjectKeys {
    /// The subject's key, reading its wrapped key the first time it is asked for.
    pub(crate) async fn get(&mut self, tx: &mut Tx, subject: &SubjectId) -> Result<Option<&DataKey>, StoreError> {
        if !self.0.contains_key(subject) {
            let key = crate::subjects::data_key(tx, subject).await?;
            self.0.insert(*subject, key);
        }
        Ok(self.0.get(subject).and_then(Option::as_ref))
    }

    /// Unwraps the keys of many subjects with one query.
    pub(crate) async fn load(&mut self, tx: &mut Tx, subjects: &[SubjectId]) -> Result<(), StoreError> {
        let wanted: Vec<&SubjectId> = subjects.iter().filter(|s| !self.0.contains_key(*s)).collect();
        for chunk in wanted.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT subject_id, wrapped_key FROM subjects WHERE subject_id IN ({})", placeholders.join(", "));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for s in chunk {
                q = q.bind(s.to_string());
            }
            let rows = q.fetch_all(tx.conn()).await?;
            for s in chunk {
                self.0.insert(**s, None);
            }
            for row in &rows {
                let id = SubjectId::parse(&row.try_get::<String, _>("subject_id").map_err(|e| StoreError::Corrupt(e.to_string()))?)?;
                if let Some(wrapped) = opt_bytes(row, "wrapped_key")? {
                    self.0.insert(id, Some(tx.keyring().open_data_key(&id, &wrapped)?));
                }
            }
        }
        Ok(())
    }

    /// The keys of the subjects of `rows` (their `subject_id` column), with one query.
    pub(crate) async fn of_rows(tx: &mut Tx, rows: &[sqlx::any::AnyRow]) -> Result<Self, StoreError> {
        let subjects: Vec<SubjectId> =
            rows.iter().map(|r| Ok(SubjectId::parse(&crate::rows::text(r, "subject_id")?)?)).collect::<Result<_, StoreError>>()?;
        let mut keys = Self::default();
        keys.load(tx, &subjects).await?;
        Ok(keys)
    }

    /// The key of a subject already loaded.
    pub(crate) fn loaded(&self, subject: &SubjectId) -> Option<&DataKey> {
        self.0.get(subject).and_then(Option::as_ref)
    }
}

/// Seals `text` for a field; `None` when there is no text, or no key (the subject was erased:
/// nothing of theirs is kept).
pub(crate) fn seal(key: Option<&DataKey>, subject: &SubjectId, context: &str, text: Option<&str>) -> Result<Option<Vec<u8>>, StoreError> {
    match (key, text) {
        (Some(key), Some(text)) => Ok(Some(key.seal(subject, context, text.as_bytes())?)),
        _ => Ok(None),
    }
}

/// Opens a sealed JSON document (`what` names it in an error); `None` without a ciphertext or
/// a key.
pub(crate) fn open_json(
    key: Option<&DataKey>,
    subject: &SubjectId,
    context: &str,
    sealed: Option<Vec<u8>>,
    what: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    match (sealed, key) {
        (Some(ct), Some(key)) => {
            let bytes = key.open(subject, context, &ct)?;
            Ok(Some(serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt(format!("{what} are not JSON")))?))
        }
        _ => Ok(None),
    }
}

/// Opens a sealed field; `None` without a ciphertext or a key.
pub(crate) fn open(key: Option<&DataKey>, subject: &SubjectId, context: &str, sealed: Option<&[u8]>) -> Result<Option<String>, StoreError> {
    match (key, sealed) {
        (Some(key), Some(ct)) => {
            let bytes = key.open(subject, context, ct)?;
            Ok(Some(String::from_utf8(bytes).map_err(|_| StoreError::Corrupt(format!("{context} is not text")))?))
        }
        _ => Ok(None),
    }
}

/// Marks that the plaintext free-text columns were converted.
const SEALED_SETTING: &str = "setting.free_text_sealed";

/// The fields sealed since migration 0011: (table, sealing context, id column, plaintext
/// column, sealed column). The context is the AAD's record kind; it stays `dsr` although the
/// table became `dsrs` (migration 0013), or every sealed reason would stop opening.
const FIELDS: &[(&str, &str, &str, &str, &str)] = &[
    ("consent_events", "consent_events", "event_id", "source", "source_ct"),
    ("decisions", "decisions", "decision_id", "actual", "actual_ct"),
    ("dsrs", "dsr", "dsr_id", "extension_reason", "extension_reason_ct"),
    ("dsrs", "dsr", "dsr_id", "rejection_reason", "rejection_reason_ct"),
];

/// Seals every free-text value written in plaintext before migration 0011 and clears the
/// plaintext; values of erased subjects are cleared (they should have gone with them). Runs
/// once per database, in the transaction it is given.
pub(crate) async fn seal_plaintext_free_text(tx: &mut Tx) -> Result<u64, StoreError> {
    if crate::settings::get(tx, SEALED_SETTING).await?.is_some() {
        return Ok(0);
    }
    let mut keys = SubjectKeys::default();
    let mut sealed = 0;
    for (table, kind, id_column, plain, ct) in FIELDS {
        let sql = format!("SELECT {id_column} AS id, subject_id, {plain} AS plain FROM {table} WHERE {plain} IS NOT NULL");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(tx.conn()).await?;
        let mut updates = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = |c: &str| row.try_get::<String, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
            let (id, subject, text) = (get("id")?, SubjectId::parse(&get("subject_id")?)?, get("plain")?);
            let key = keys.get(tx, &subject).await?.cloned();
            let ciphertext = seal(key.as_ref(), &subject, &context(kind, &id, plain), Some(&text))?;
            updates.push((id, ciphertext));
        }
        for (id, ciphertext) in updates {
            let sql = format!("UPDATE {table} SET {ct} = $2, {plain} = NULL WHERE {id_column} = $1");
            sqlx::query(AssertSqlSafe(sql)).bind(id).bind(ciphertext).execute(tx.conn()).await?;
            sealed += 1;
        }
    }
    crate::settings::set(tx, SEALED_SETTING, b"1").await?;
    Ok(sealed)
}

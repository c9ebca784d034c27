/// What can go wrong below the service layer.
///
/// Database details are kept for logs (`Display` of the source) but never carry bound values,
/// so no personal data reaches a log through an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated (duplicate key).
    #[error("conflict with an existing record")]
    Conflict,
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Encryption or decryption failed.
    #[error("crypto: {0}")]
    Crypto(&'static str),
    /// The master key file is missing, unreadable or does not match the database.
    #[error("master key: {0}")]
    MasterKey(String),
    /// The database URL or options are unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// Stored data does not decode (a bug or manual tampering).
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The background writer is gone (the store is shutting down or its connection failed).
    #[error("the database writer is unavailable")]
    WriterGone,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            other => StoreError::Database(Box::new(other)),
        }
    }
}

impl From<custos_core::ValidationError> for StoreError {
    fn from(e: custos_core::ValidationError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

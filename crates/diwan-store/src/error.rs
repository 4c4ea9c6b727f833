//! The store's own errors: driver errors never leak past this crate.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The application moved on since the caller read it.
    #[error("version conflict: the application is now at version {current}")]
    VersionConflict { current: i64, state: String },
    /// The idempotency key was used before for a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    /// An upload the data refers to does not exist or is not the applicant's.
    #[error("upload {0} not found")]
    UploadNotFound(String),
    /// The owner's upload quota is used up; it frees when the upload made at `oldest_at`
    /// leaves the quota's window.
    #[error("upload quota used up")]
    UploadQuotaReached { oldest_at: i64 },
    /// A unique value (username, national ID) is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed; the message is for logs, never for clients.
    #[error("storage failure: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

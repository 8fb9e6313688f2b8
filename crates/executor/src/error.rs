//! The executor error type; its variant tells the agent which terminal task state to report.

/// Why a controller step failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The task can never start (bad image, bad command): the agent reports REJECTED with this
    /// text.
    #[error("{0}")]
    Rejected(String),
    /// Something failed at or after start: the agent reports FAILED with this text.
    #[error("{0}")]
    Failed(String),
}

//! The control API: what the HTTP layer (and so the docker CLI) can ask of a manager.
//!
//! Each operation validates first (pure), then resolves references against the state, then
//! proposes through raft; errors carry Docker's words and map to its HTTP status codes.

pub mod configs;
pub mod filters;
pub mod logs;
pub mod networks;
pub mod nodes;
pub mod references;
pub mod secrets;
pub mod services;
pub mod swarm;
pub mod tasks;

use crate::error::ManagerError;
use shoal_store::{resolve, Kind, Resolved, State, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("rpc error: code = Unknown desc = update out of sequence")]
    OutOfSequence,
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Internal(String),
}

impl ControlError {
    /// The HTTP status the Docker API uses for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            ControlError::NotFound(_) => 404,
            ControlError::Conflict(_) => 409,
            ControlError::InvalidArgument(_) => 400,
            ControlError::OutOfSequence | ControlError::Internal(_) => 500,
            ControlError::Unavailable(_) => 503,
            ControlError::Unauthorized(_) => 401,
        }
    }

    pub fn invalid(msg: impl std::fmt::Display) -> ControlError {
        ControlError::InvalidArgument(format!("rpc error: code = InvalidArgument desc = {msg}"))
    }
}

impl From<StoreError> for ControlError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ControlError::NotFound(e.to_string()),
            StoreError::NameConflict { .. }
            | StoreError::IdConflict { .. }
            | StoreError::AlreadyExists(_) => {
                ControlError::Conflict(format!("rpc error: code = AlreadyExists desc = {e}"))
            }
            StoreError::OutOfSequence => ControlError::OutOfSequence,
            StoreError::NoCluster => ControlError::Unavailable(e.to_string()),
            StoreError::Invalid(m) => ControlError::invalid(m),
        }
    }
}

impl From<ManagerError> for ControlError {
    fn from(e: ManagerError) -> Self {
        match e {
            ManagerError::Raft(shoal_raft::RaftError::NoLeader)
            | ManagerError::Raft(shoal_raft::RaftError::NotLeader { .. }) => {
                ControlError::Unavailable(shoal_raft::RaftError::NoLeader.to_string())
            }
            other => ControlError::Internal(other.to_string()),
        }
    }
}

/// Resolves a reference (ID, name, ID prefix) to an ID, with Docker's errors.
pub fn resolve_id(state: &State, kind: Kind, reference: &str) -> Result<String, ControlError> {
    match resolve(state, kind, reference) {
        Resolved::Found(id) => Ok(id),
        Resolved::NotFound => Err(ControlError::NotFound(format!(
            "{} {reference} not found",
            kind.word()
        ))),
        Resolved::Ambiguous(n) => Err(ControlError::InvalidArgument(format!(
            "{} {reference} is ambiguous ({n} matches found)",
            kind.word()
        ))),
    }
}

/// The single result of a one-op proposal.
pub fn single(results: Vec<Result<u64, StoreError>>) -> Result<u64, ControlError> {
    results
        .into_iter()
        .next()
        .unwrap_or_else(|| Err(StoreError::Invalid("empty result".into())))
        .map_err(ControlError::from)
}

//! Why an operation was refused, worded as the Docker API words it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id} not found")]
    NotFound { kind: String, id: String },
    #[error("name conflicts with an existing object: {kind} {name} already exists")]
    NameConflict { kind: String, name: String },
    /// A name taken, in the object's own words (`secret NAME already exists`).
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{kind} {id} already exists")]
    IdConflict { kind: String, id: String },
    /// The caller's `?version=` is not the object's current version.
    #[error("update out of sequence")]
    OutOfSequence,
    /// The swarm was not initialised (no cluster object).
    #[error("This node is not part of a swarm")]
    NoCluster,
    #[error("{0}")]
    Invalid(String),
}

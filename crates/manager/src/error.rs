//! Manager errors (storage, raft, encoding), kept apart from the API-facing `ControlError`.

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error(transparent)]
    Raft(#[from] shoal_raft::RaftError),
    #[error(transparent)]
    Autolock(#[from] crate::autolock::AutolockError),
    #[error("cannot decode the state machine's answer: {0}")]
    Decode(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
}

/// Why the dispatcher cannot serve an agent's call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DispatchError {
    /// The manager cannot take the call now (no leader, shutting down); try again.
    #[error("dispatcher unavailable: {0}")]
    Unavailable(String),
    #[error("node {0} is not known to the swarm (it may have been removed): leave the swarm and join again")]
    UnknownNode(String),
}

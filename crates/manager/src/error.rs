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

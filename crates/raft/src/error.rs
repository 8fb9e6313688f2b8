//! The crate's error type, translated from openraft's generic errors so callers never see them.

/// Errors returned by [`RaftNode`](crate::RaftNode).
#[derive(Debug, thiserror::Error)]
pub enum RaftError {
    /// This manager is not the leader; the request must be forwarded to `leader`.
    #[error("this manager is not the raft leader; forward the request to the leader{}", leader_suffix(.leader))]
    NotLeader { leader: Option<u64> },

    /// No leader is known, e.g. the cluster is not bootstrapped or has lost its quorum.
    #[error("The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.")]
    NoLeader,

    /// Leadership changed after the command entered the log: it may or may not be applied.
    /// Retrying is only safe if the command is idempotent.
    #[error("raft leadership changed while the command was in flight; it may or may not have been applied{}", leader_suffix(.leader))]
    LeaderChanged { leader: Option<u64> },

    /// Reading or writing the on-disk log or snapshot failed; the message names the file and
    /// the operation.
    #[error("raft storage error: {0}")]
    Storage(String),

    /// The [`RaftConfig`](crate::RaftConfig) is unusable.
    #[error("invalid raft configuration: {0}")]
    Config(String),

    /// A bounded wait (e.g. for leadership) expired.
    #[error("timed out: {0}")]
    Timeout(String),

    /// The node was shut down; open it again to continue.
    #[error("the raft node is shut down")]
    Shutdown,

    /// A membership change (adding or removing a voter) was refused or did not complete.
    #[error("raft membership change failed: {0}")]
    Membership(String),

    /// A peer's RPC payload (given to a `RaftNode::handle_*` method) could not be decoded,
    /// or was meant for another node id.
    #[error("invalid raft RPC payload: {0}")]
    Payload(String),

    /// openraft stopped for a reason other than storage or shutdown (e.g. a panic).
    #[error("fatal raft error: {0}")]
    Fatal(String),
}

fn leader_suffix(leader: &Option<u64>) -> String {
    match leader {
        Some(id) => format!(" (node {id})"),
        None => String::new(),
    }
}

impl RaftError {
    /// Maps openraft's "raft core stopped" error; storage failures keep their own variant so
    /// the operator sees which file broke.
    pub(crate) fn from_fatal(fatal: openraft::errors::Fatal<crate::types::TypeConfig>) -> Self {
        use openraft::errors::Fatal;
        match fatal {
            Fatal::StorageError(e) => RaftError::Storage(e.to_string()),
            Fatal::Stopped => RaftError::Shutdown,
            other => RaftError::Fatal(other.to_string()),
        }
    }
}

//! A manager as a node runs it: the cluster's brain (`shoal_manager::Manager`, which sees
//! consensus only through its `Proposer`) and the raft member under it, which the node's
//! lifecycle drives directly (bootstrap, membership, catch-up, shutdown).

use shoal_manager::Manager;
use shoal_raft::RaftNode;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) struct Brain {
    pub manager: Arc<Manager>,
    pub raft: RaftNode,
}
